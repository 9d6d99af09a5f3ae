"""The JSON objects GitHub's REST API returns for repositories, releases and refs."""

from __future__ import annotations

import zlib
from dataclasses import dataclass
from typing import Any
from urllib.parse import quote

from tests.support.github_git import Ref
from tests.support.github_state import (
    BOT_ID,
    BOT_LOGIN,
    Release,
    Repository,
    node_id,
)

_CREATED = "2024-01-02T03:04:05Z"


@dataclass(frozen=True)
class Urls:
    """Where the API and the web pages of the stand-in live."""

    api: str  # e.g. http://127.0.0.1:8123
    web: str = "https://github.com"


def user_json(
    urls: Urls, login: str = BOT_LOGIN, user_id: int = BOT_ID
) -> dict[str, Any]:
    """Return a simple-user object."""
    api = f"{urls.api}/users/{quote(login)}"
    return {
        "login": login,
        "id": user_id,
        "node_id": node_id("BOT" if login.endswith("[bot]") else "U", user_id),
        "avatar_url": f"https://avatars.githubusercontent.com/u/{user_id}?v=4",
        "gravatar_id": "",
        "url": api,
        "html_url": f"{urls.web}/{quote(login)}",
        "followers_url": f"{api}/followers",
        "following_url": f"{api}/following{{/other_user}}",
        "gists_url": f"{api}/gists{{/gist_id}}",
        "starred_url": f"{api}/starred{{/owner}}{{/repo}}",
        "subscriptions_url": f"{api}/subscriptions",
        "organizations_url": f"{api}/orgs",
        "repos_url": f"{api}/repos",
        "events_url": f"{api}/events{{/privacy}}",
        "received_events_url": f"{api}/received_events",
        "type": "Bot" if login.endswith("[bot]") else "User",
        "user_view_type": "public",
        "site_admin": False,
    }


def repository_json(urls: Urls, repository: Repository) -> dict[str, Any]:
    """Return a full-repository object."""
    full = repository.full_name
    api = f"{urls.api}/repos/{full}"
    templated = {
        "archive_url": "{archive_format}{/ref}",
        "assignees_url": "assignees{/user}",
        "blobs_url": "git/blobs{/sha}",
        "branches_url": "branches{/branch}",
        "collaborators_url": "collaborators{/collaborator}",
        "comments_url": "comments{/number}",
        "commits_url": "commits{/sha}",
        "compare_url": "compare/{base}...{head}",
        "contents_url": "contents/{+path}",
        "git_commits_url": "git/commits{/sha}",
        "git_refs_url": "git/refs{/sha}",
        "git_tags_url": "git/tags{/sha}",
        "issue_comment_url": "issues/comments{/number}",
        "issue_events_url": "issues/events{/number}",
        "issues_url": "issues{/number}",
        "keys_url": "keys{/key_id}",
        "labels_url": "labels{/name}",
        "milestones_url": "milestones{/number}",
        "notifications_url": "notifications{?since,all,participating}",
        "pulls_url": "pulls{/number}",
        "releases_url": "releases{/id}",
        "statuses_url": "statuses/{sha}",
        "trees_url": "git/trees{/sha}",
    }
    plain = [
        "contributors", "deployments", "downloads", "events", "forks", "hooks",
        "languages", "merges", "stargazers", "subscribers", "subscription", "tags",
        "teams",
    ]  # fmt: skip
    owner = user_json(urls, repository.owner, repository.id + 1)
    owner["type"] = "Organization"
    data: dict[str, Any] = {
        "id": repository.id,
        "node_id": node_id("R", repository.id),
        "name": repository.name,
        "full_name": full,
        "private": False,
        "owner": owner,
        "html_url": f"{urls.web}/{full}",
        "description": None,
        "fork": False,
        "url": api,
    }
    data.update({key: f"{api}/{value}" for key, value in templated.items()})
    data.update({f"{key}_url": f"{api}/{key}" for key in plain})
    data.update(
        {
            "created_at": _CREATED,
            "updated_at": _CREATED,
            "pushed_at": _CREATED,
            "git_url": f"git://github.com/{full}.git",
            "ssh_url": f"git@github.com:{full}.git",
            "clone_url": f"{urls.web}/{full}.git",
            "svn_url": f"{urls.web}/{full}",
            "homepage": None,
            "size": 1,
            "stargazers_count": 0,
            "watchers_count": 0,
            "language": "Python",
            "has_issues": True,
            "has_projects": False,
            "has_downloads": True,
            "has_wiki": False,
            "has_pages": False,
            "has_discussions": False,
            "forks_count": 0,
            "mirror_url": None,
            "archived": False,
            "disabled": False,
            "open_issues_count": 0,
            "license": None,
            "allow_forking": True,
            "is_template": False,
            "topics": [],
            "visibility": "public",
            "forks": 0,
            "open_issues": 0,
            "watchers": 0,
            "default_branch": repository.git.default_branch(),
            "permissions": {
                "admin": False,
                "maintain": False,
                "push": True,
                "triage": True,
                "pull": True,
            },
            "network_count": 0,
            "subscribers_count": 0,
        }
    )
    return data


def release_json(
    urls: Urls, repository: Repository, release: Release
) -> dict[str, Any]:
    """Return a release object."""
    full = repository.full_name
    api = f"{urls.api}/repos/{full}"
    # A draft has no tag yet, so its page and archives use a placeholder name.
    shown_tag = f"untagged-{release.id:x}" if release.draft else release.tag_name
    tag = quote(shown_tag, safe="")
    return {
        "url": f"{api}/releases/{release.id}",
        "assets_url": f"{api}/releases/{release.id}/assets",
        "upload_url": (
            f"{urls.api}/uploads/repos/{full}/releases/{release.id}/assets"
            "{?name,label}"
        ),
        "html_url": f"{urls.web}/{full}/releases/tag/{tag}",
        "id": release.id,
        "author": user_json(urls),
        "node_id": node_id("RE", release.id),
        "tag_name": release.tag_name,
        "target_commitish": release.target_commitish,
        "name": release.name,
        "draft": release.draft,
        "immutable": release.immutable,
        "prerelease": release.prerelease,
        "created_at": release.created_at,
        "updated_at": release.updated_at,
        "published_at": release.published_at,
        "assets": [],
        "tarball_url": None if release.draft else f"{api}/tarball/{tag}",
        "zipball_url": None if release.draft else f"{api}/zipball/{tag}",
        "body": release.body,
    }


def ref_json(urls: Urls, repository: Repository, ref: Ref) -> dict[str, Any]:
    """Return a git-ref object."""
    api = f"{urls.api}/repos/{repository.full_name}"
    kind = "tags" if ref.object_type == "tag" else "commits"
    return {
        "ref": ref.refname,
        "node_id": node_id("REF", zlib.crc32(ref.refname.encode())),
        "url": f"{api}/git/{quote(ref.refname.removeprefix('refs/'))}",
        "object": {
            "sha": ref.object_sha,
            "type": ref.object_type,
            "url": f"{api}/git/{kind}/{ref.object_sha}",
        },
    }
