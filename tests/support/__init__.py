"""Test support: a GitHub REST API stand-in and a checker for GitHub's OpenAPI.

- ``github_api``: the server (``GitHubServer``), its faults and its command line.
- ``github_routes``, ``github_state``, ``github_render``, ``github_git``: what it
  answers, what it remembers, the JSON it shows and the tags it keeps in git.
- ``github_faults``: ``Fault`` and the matching of injected faults.
- ``openapi``: checks recorded exchanges against ``@octokit/openapi``.
- ``github_fixtures``: the ``github_api`` and ``github_repo`` pytest fixtures.
"""
