"""Where the release's repository, branch and retry policy come from."""

from __future__ import annotations

import pytest

from releasekit.errors import ForgeError
from releasekit.preflight import repository_from_url


@pytest.mark.parametrize(
    "url",
    [
        "https://github.com/octo-org/lib-ml.git",
        "https://x-access-token:ghs_abc@github.com/octo-org/lib-ml",
        "ssh://git@github.com/octo-org/lib-ml.git",
        "git@github.com:octo-org/lib-ml.git",
    ],
)
def test_repository_from_url(url: str) -> None:
    assert repository_from_url(url) == "octo-org/lib-ml"


def test_an_unreadable_url_is_named_without_its_credentials() -> None:
    url = "https://oauth2:glpat-RECOGNISABLE@gitlab.example/group/sub/lib-ml.git"

    with pytest.raises(ForgeError) as caught:
        repository_from_url(url)

    assert caught.value.message == (
        "cannot tell the GitHub repository from the remote URL "
        "'https://gitlab.example/group/sub/lib-ml.git'; set "
        "GITHUB_REPOSITORY=owner/name"
    )
