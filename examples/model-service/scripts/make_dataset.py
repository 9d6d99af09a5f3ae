"""Write the synthetic labelled URL sample to data/urls.csv.

The URLs are made up from templates: ordinary pages of well-known sites on one
side, common phishing tricks on the other. A fixed seed makes the file the same
on every run; rerun this script only to change the sample on purpose.

    python3 scripts/make_dataset.py [--out data/urls.csv] [--rows 500]
"""

from __future__ import annotations

import argparse
import csv
import random
import sys
from collections.abc import Callable
from pathlib import Path

SEED = 20240611

SITES = (
    "google.com", "github.com", "wikipedia.org", "amazon.com", "paypal.com",
    "microsoft.com", "apple.com", "netflix.com", "bbc.co.uk", "nytimes.com",
    "python.org", "stackoverflow.com", "reddit.com", "linkedin.com", "dropbox.com",
    "spotify.com", "ebay.com", "mozilla.org", "debian.org", "adobe.com",
    "yahoo.com", "chase.com", "wellsfargo.com", "office.com", "instagram.com",
)  # fmt: skip
BRANDS = (
    "paypal", "apple", "microsoft", "amazon", "netflix", "chase", "wellsfargo",
    "google", "office365", "dropbox", "ebay", "instagram", "linkedin", "dhl",
)  # fmt: skip
LOOKALIKES = {
    "paypal": "paypa1", "apple": "app1e", "microsoft": "micros0ft",
    "amazon": "amaz0n", "netflix": "netf1ix", "google": "g00gle",
    "ebay": "e-bay", "dropbox": "dropb0x", "chase": "chase-bank",
    "linkedin": "linkedln",
}  # fmt: skip
CHEAP_TLDS = ("tk", "ml", "ga", "cf", "xyz", "top", "info", "online", "site", "club")
BAIT_WORDS = (
    "login", "signin", "verify", "secure", "account", "update", "confirm",
    "banking", "password", "unlock", "billing", "support", "webscr", "suspended",
)  # fmt: skip
WORDS = (
    "river", "garden", "travel", "energy", "music", "history", "science", "coffee",
    "winter", "market", "python", "release", "cloud", "design", "health", "city",
    "football", "recipe", "guide", "review", "camera", "planet", "library", "notes",
)  # fmt: skip
SUBDOMAINS = ("www.", "www.", "www.", "", "docs.", "help.", "en.", "blog.", "shop.")


def _slug(rng: random.Random, words: int) -> str:
    return "-".join(rng.choice(WORDS) for _ in range(words))


def _token(rng: random.Random, length: int) -> str:
    return "".join(
        rng.choice("abcdefghijklmnopqrstuvwxyz0123456789") for _ in range(length)
    )


def _ip(rng: random.Random) -> str:
    return ".".join(str(rng.randint(1, 254)) for _ in range(4))


def _cheap_domain(rng: random.Random) -> str:
    return f"{rng.choice(WORDS)}{rng.randint(1, 99)}.{rng.choice(CHEAP_TLDS)}"


def _small_site(rng: random.Random) -> str:
    tld = rng.choice(("org", "net", "info", "xyz", "site", "de"))
    return f"https://{rng.choice(WORDS)}{rng.choice(WORDS)}.{tld}/{_slug(rng, 3)}"


def _legitimate(rng: random.Random) -> str:
    if rng.random() < 0.15:
        return _small_site(rng)

    site = rng.choice(SITES)
    path = rng.choice(
        (
            "/",
            "/about",
            f"/help/articles/{rng.randint(100, 99999)}",
            f"/products/{_slug(rng, 2)}",
            f"/news/{rng.randint(2015, 2024)}/{rng.randint(1, 12):02d}/{_slug(rng, 3)}",
            f"/search?q={rng.choice(WORDS)}+{rng.choice(WORDS)}",
            f"/wiki/{rng.choice(WORDS).title()}_{rng.choice(WORDS)}",
            f"/questions/{rng.randint(1000, 9999999)}/{_slug(rng, 4)}",
            f"/{rng.choice(WORDS)}/{rng.choice(WORDS)}.html",
            "/login",
            "/account/settings",
            f"/watch?v={_token(rng, 11)}",
        )
    )
    scheme = "http" if rng.random() < 0.08 else "https"
    return f"{scheme}://{rng.choice(SUBDOMAINS)}{site}{path}"


def _brand_in_subdomain(rng: random.Random) -> str:
    brand = rng.choice(BRANDS)
    return (
        f"http://{brand}.com.{rng.choice(BAIT_WORDS)}-{_token(rng, 5)}."
        f"{rng.choice(CHEAP_TLDS)}/{rng.choice(BAIT_WORDS)}"
    )


def _ip_host(rng: random.Random) -> str:
    return f"http://{_ip(rng)}/{rng.choice(BRANDS)}/{rng.choice(BAIT_WORDS)}.php"


def _at_sign(rng: random.Random) -> str:
    return (
        f"http://www.{rng.choice(BRANDS)}.com@{_cheap_domain(rng)}/"
        f"{rng.choice(BAIT_WORDS)}?id={_token(rng, 16)}"
    )


def _lookalike(rng: random.Random) -> str:
    brand = rng.choice(sorted(LOOKALIKES))
    scheme = "https" if rng.random() < 0.4 else "http"
    return f"{scheme}://www.{LOOKALIKES[brand]}.com/{rng.choice(BAIT_WORDS)}"


def _hyphenated(rng: random.Random) -> str:
    return (
        f"https://{rng.choice(BAIT_WORDS)}-{rng.choice(BRANDS)}-"
        f"{rng.choice(BAIT_WORDS)}.{rng.choice(CHEAP_TLDS)}/"
        f"{rng.choice(BAIT_WORDS)}?session={_token(rng, 24)}"
    )


def _hidden_kit(rng: random.Random) -> str:
    return (
        f"http://{_cheap_domain(rng)}/wp-content/{rng.choice(BRANDS)}/"
        f"{rng.choice(BAIT_WORDS)}/{rng.choice(BAIT_WORDS)}.php?{_token(rng, 8)}"
        f"={_token(rng, 12)}"
    )


def _hosted_page(rng: random.Random) -> str:
    return rng.choice(
        (
            f"https://docs.google.com/forms/d/e/{_token(rng, 32)}/viewform",
            f"https://{rng.choice(BRANDS)}-{rng.choice(BAIT_WORDS)}.web.app/",
            f"https://storage.googleapis.com/{_token(rng, 10)}/index.html",
        )
    )


PHISHING_TEMPLATES: tuple[Callable[[random.Random], str], ...] = (
    _brand_in_subdomain,
    _ip_host,
    _at_sign,
    _lookalike,
    _hyphenated,
    _hidden_kit,
    _hosted_page,
)


def make_rows(count: int, seed: int = SEED) -> list[tuple[str, str]]:
    """Return `count` distinct (url, label) rows, half of each label, shuffled."""
    rng = random.Random(seed)
    seen: set[str] = set()
    rows: list[tuple[str, str]] = []

    while len(rows) < count:
        if len(rows) % 2 == 0:
            url, label = _legitimate(rng), "legitimate"
        else:
            url, label = rng.choice(PHISHING_TEMPLATES)(rng), "phishing"
        if url in seen:
            continue
        seen.add(url)
        rows.append((url, label))

    rng.shuffle(rows)
    return rows


def write_csv(rows: list[tuple[str, str]], path: Path) -> None:
    """Write rows with a `url,label` header and Unix line endings."""
    path.parent.mkdir(parents=True, exist_ok=True)
    with path.open("w", encoding="utf-8", newline="") as file:
        writer = csv.writer(file, lineterminator="\n")
        writer.writerow(("url", "label"))
        writer.writerows(rows)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--out", type=Path, default=Path("data/urls.csv"))
    parser.add_argument("--rows", type=int, default=500)
    args = parser.parse_args()

    write_csv(make_rows(args.rows), args.out)
    print(f"wrote {args.rows} rows to {args.out}", file=sys.stderr)
    return 0


if __name__ == "__main__":
    sys.exit(main())
