"""Run the demo: ``python -m demo`` (what ``make demo`` does)."""

from __future__ import annotations

import sys
from pathlib import Path

from demo.story import Story, StoryFailed

ROOT = Path(__file__).resolve().parent.parent


def main() -> int:
    story = Story(ROOT / ".cache" / "demo")
    try:
        report = story.tell()
    except StoryFailed as err:
        print(f"demo failed: {err}", file=sys.stderr)
        return 1
    report.show()
    return 0


if __name__ == "__main__":
    sys.exit(main())
