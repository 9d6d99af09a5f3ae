"""The pull request check: would merging this branch release something sound?

Every problem is collected, not only the first, so one run tells the author
everything to fix. Problems are facts about the branch; a git or network
failure that stops the check itself is raised as an error instead.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

from poetry.core.constraints.version import Version

from releasekit.config import Config, ImageConfig, load_config
from releasekit.dependencies import check_dependencies, find_git_dependencies
from releasekit.errors import GitError, ProjectError, VersionError
from releasekit.git import Repository
from releasekit.images import image_tags
from releasekit.project import Project
from releasekit.pyproject import Pyproject
from releasekit.versions import is_prerelease

FALLBACK_DEFAULT_BRANCH = "main"


@dataclass(frozen=True)
class Preview:
    """What merging the pull request would release."""

    version: str
    tag: str
    prerelease: bool
    image_tags: tuple[str, ...]


@dataclass
class CheckReport:
    """The problems found, the warnings, and the preview when there is no problem."""

    problems: list[str] = field(default_factory=list)
    warnings: list[str] = field(default_factory=list)
    preview: Preview | None = None


def check_pull_request(
    folder: Path,
    *,
    base_ref: str | None,
    default_branch: str | None = None,
    token: str | None = None,
) -> CheckReport:
    """Check the project in ``folder`` as a pull request into ``base_ref``."""
    report = CheckReport()
    try:
        pyproject = Pyproject.load(folder)
    except ProjectError as err:
        report.problems.append(err.message)
        return report

    project = _read_project(pyproject, report)
    if project is not None:
        _check_version(project, report, base_ref, default_branch, token)
    _check_dependencies(pyproject, report, token)

    if project is not None and not report.problems:
        report.preview = _preview(project)
    return report


def _read_project(pyproject: Pyproject, report: CheckReport) -> Project | None:
    version: Version | None = None
    config: Config | None = None
    try:
        version = pyproject.version()
    except (ProjectError, VersionError) as err:
        report.problems.append(err.message)
    try:
        config = load_config(pyproject)
    except ProjectError as err:
        report.problems.append(err.message)

    if version is None or config is None:
        return None
    return Project(pyproject.path.parent, pyproject, config, version)


def _check_version(
    project: Project,
    report: CheckReport,
    base_ref: str | None,
    default_branch: str | None,
    token: str | None,
) -> None:
    repository = Repository.open(project.folder, token=token)
    if base_ref is None:
        report.warnings.append(
            "no base branch given (--base-ref or GITHUB_BASE_REF), so the version "
            "was not compared with the base branch's"
        )
    else:
        _compare_with_base(project, repository, base_ref, report)
        default = default_branch or _default_branch(repository)
        _check_target(project, base_ref, default, report)
    _check_released(project, repository, report)


def _check_target(
    project: Project, base_ref: str, default_branch: str, report: CheckReport
) -> None:
    if base_ref == default_branch and is_prerelease(project.version):
        report.problems.append(
            f"version {project.version.to_string()} is a pre-release, but the pull "
            f"request targets {base_ref}, the default branch, which releases final "
            "versions only; run 'releasekit bump release' and commit the result"
        )


def _check_released(
    project: Project, repository: Repository, report: CheckReport
) -> None:
    # Ask the remote: a CI checkout has no tags, and local tags can be stale.
    version = project.version
    if is_prerelease(version):
        # A pre-release tag names its branch; the version is taken on any branch.
        template = project.config.prerelease_tag_format.split("{branch}")[0]
        pattern = template.replace("{version}", version.to_string()) + "*"
        found = sorted(repository.remote_tags(pattern))
    else:
        found = [project.tag] if repository.remote_tag(project.tag) else []
    if found:
        report.problems.append(
            f"version {version.to_string()} is already released: the tag "
            f"{found[0]} exists on {repository.remote}; bump the version "
            f"('releasekit bump {'prerelease' if is_prerelease(version) else 'patch'}')"
            " and commit it"
        )


def _compare_with_base(
    project: Project, repository: Repository, base_ref: str, report: CheckReport
) -> None:
    remote = repository.remote
    if repository.remote_branch(base_ref) is None:
        raise GitError(
            f"the base branch {base_ref} does not exist on {remote}; pass the "
            "branch the pull request targets with --base-ref"
        )
    sha = repository.fetch_branch(base_ref)
    path = repository.relative(project.pyproject.path)
    try:
        text = repository.show(sha, path)
    except GitError:
        report.warnings.append(
            f"{base_ref} has no {path}, so the version was not compared with it"
        )
        return
    try:
        base = Pyproject.parse(Path(f"{remote}/{base_ref}:{path}"), text).version()
    except (ProjectError, VersionError) as err:
        report.warnings.append(
            f"cannot read the version of {base_ref} ({err.message}), so the "
            "version was not compared with it"
        )
        return

    if project.version < base:
        report.problems.append(
            f"version {project.version.to_string()} is lower than "
            f"{base.to_string()} on {base_ref}: {base_ref} got version bumps that "
            f"this branch has not merged; merge {remote}/{base_ref} into your "
            f"branch (git fetch {remote} {base_ref} && git merge "
            f"{remote}/{base_ref}) and keep {base_ref}'s version or a higher one"
        )


def _default_branch(repository: Repository) -> str:
    return repository.remote_default_branch() or FALLBACK_DEFAULT_BRANCH


def _check_dependencies(
    pyproject: Pyproject, report: CheckReport, token: str | None
) -> None:
    checks = check_dependencies(find_git_dependencies(pyproject), token=token)
    report.problems += [check.problem for check in checks if check.problem]


def _preview(project: Project) -> Preview:
    image = project.config.image
    has_image = (
        project.pyproject.table("tool", "releasekit", "image") is not None
        or (project.folder / image.context / image.dockerfile).is_file()
    )
    tags = _image_tags(project.version, image) if has_image else ()
    prerelease = is_prerelease(project.version)
    return Preview(project.version.to_string(), project.tag, prerelease, tags)


def _image_tags(version: Version, image: ImageConfig) -> tuple[str, ...]:
    # A pre-release's image tag ends with the branch it is published from,
    # which a pull request does not know yet: preview its version alone.
    if is_prerelease(version):
        return (version.to_string(),)
    return image_tags(version, image)
