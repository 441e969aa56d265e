"""Where the project's state is: ``tavus.lock`` found the way git finds ``.git``.

The lockfile belongs to the project, not to the current directory. Unless ``--lockfile`` or
``TAVUSCTL_LOCKFILE`` names it, it is looked for from the current directory upward, stopping at
the repository root (the first folder holding ``.git``; without one, the filesystem root): the
first folder holding ``tavus.lock`` or the project file ``tavusctl.yaml`` is the project. The
project file may name the lockfile (``state: PATH``, relative to it). When neither is found, the
lockfile is to be created in the current directory.

Only what the lockfile needs of the project file is read here; the project file as a whole
(manifests, environments) grows from this module.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path

from tavusctl.core.errors import UsageError
from tavusctl.core.project_root import PROJECT_FILE, find_upward

LOCKFILE = "tavus.lock"
LOCKFILE_ENV = "TAVUSCTL_LOCKFILE"


@dataclass(frozen=True)
class StateLocation:
    """The lockfile to use and how it was chosen.

    ``how``: ``--lockfile``, ``TAVUSCTL_LOCKFILE``, ``found`` (an existing ``tavus.lock``),
    ``project file`` (named by or beside ``tavusctl.yaml``) or ``default`` (nothing found: the
    current directory). ``searched`` is the first and last folder looked in.
    """

    path: Path
    how: str
    searched: tuple[Path, Path] | None = None
    project_file: Path | None = None

    @property
    def exists(self) -> bool:
        return self.path.exists()

    def missing_notice(self) -> str:
        """The sentence said before a plan made without any lockfile."""
        where = f" at {self.path} ({self.how})"
        if self.searched is not None:
            top, bottom = self.searched
            where = f" (looked for {LOCKFILE} from {top} up to {bottom})"
        return (
            f"No lockfile found{where}: every persona below will be created. If this project "
            f"was applied before, run tavusctl from the project's folder, restore {LOCKFILE} "
            f"from git (`git checkout -- {LOCKFILE}`, or the branch or CI run that applied "
            "last), or adopt the existing personas with `tavusctl import --by-name`. "
            f"The lockfile will be written to {_dotted(self.path)}."
        )


def locate(
    explicit: Path | None, environ: Mapping[str, str], cwd: Path | None = None
) -> StateLocation:
    """The lockfile for this run: ``--lockfile``, else ``TAVUSCTL_LOCKFILE``, else found."""
    if explicit is not None:
        return StateLocation(explicit, "--lockfile")
    named = environ.get(LOCKFILE_ENV)
    if named:
        return StateLocation(Path(named), LOCKFILE_ENV)
    return find(cwd or Path.cwd())


def find(start: Path) -> StateLocation:
    """Look for the lockfile from ``start`` upward (see the module's docstring)."""
    here = start.absolute()
    found, last = find_upward(here, (PROJECT_FILE, LOCKFILE))
    if found is None:
        return StateLocation(Path(LOCKFILE), "default", searched=(here, last))
    if found.name == PROJECT_FILE:
        return StateLocation(state_of(found), "project file", project_file=found)
    return StateLocation(_shown(found, here), "found")


def _shown(path: Path, cwd: Path) -> Path:
    """``path`` relative to ``cwd`` when it is inside it, so messages stay short."""
    try:
        return path.relative_to(cwd)
    except ValueError:
        return path


def _dotted(path: Path) -> str:
    return f"./{path}" if not path.is_absolute() and path.parent == Path(".") else str(path)


def state_of(project_file: Path) -> Path:
    """The lockfile a project file names (``state: PATH`` or ``state: {backend: lockfile, path:
    PATH}``, relative to it), else beside it (also the home of a PostgreSQL state's paths)."""
    import yaml

    try:
        doc = yaml.safe_load(project_file.read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError, yaml.YAMLError) as exc:
        raise UsageError(
            f"Cannot read the project file {project_file}: {exc}. Fix it, or name the lockfile "
            "with --lockfile."
        ) from None
    state = doc.get("state") if isinstance(doc, dict) else None
    if isinstance(state, dict) and state.get("backend") == "lockfile":
        state = state.get("path")
    return project_file.parent / (state if isinstance(state, str) and state else LOCKFILE)
