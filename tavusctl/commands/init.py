"""``tavusctl init [DIR]``: scaffold a project that validates, plans and runs in CI as it is.

It writes the project file, an example manifest, the schemas, ``.gitignore``, the pre-commit
configuration, the editor settings and the CI files (:mod:`tavusctl.scaffold`), and never
overwrites a file: when any of them exists it names them all and writes nothing.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

from tavusctl import scaffold
from tavusctl.commands import schema
from tavusctl.core.errors import UsageError

ENVIRONMENT = re.compile(r"^[a-z][a-z0-9-]{0,30}$")


@dataclass(frozen=True)
class Initialized:
    """The project made: its folder, the files written, and what to do next."""

    root: Path
    written: tuple[str, ...]
    options: scaffold.Options

    def lines(self) -> list[str]:
        out = [f"Created a tavusctl project in {self.root}:"]
        out += [f"  {path}" for path in self.written]
        out += ["", "Next:", f"  {scaffold.MERGE_DRIVER}   (once per clone)", "  tavusctl validate"]
        keys = [scaffold.key_variable(e) for e in self.options.environments] or ["TAVUS_API_KEY"]
        env = " --env " + self.options.environments[0] if self.options.environments else ""
        out.append(f"  {keys[0]}=... tavusctl plan{env}")
        if self.options.ci == "github":
            out.append(
                f"  Add the repository secret{'s' if len(keys) > 1 else ''} {', '.join(keys)} "
                "(Settings > Secrets and variables > Actions), commit and push."
            )
        elif self.options.ci == "gitlab":
            out.append(
                f"  Add the CI/CD variables {', '.join(keys)} and TAVUSCTL_GITLAB_TOKEN "
                "(Settings > CI/CD > Variables), commit and push."
            )
        return out


def files(options: scaffold.Options) -> dict[str, str]:
    """Every file init writes, by path relative to the project root."""
    copies = {f"{schema.FOLDER}/{name}": text for name, text in schema.shipped().items()}
    return {**scaffold.files(options), **copies}


def init(root: Path, options: scaffold.Options) -> Initialized:
    """Write a new project into ``root``; refuse, writing nothing, if any file exists."""
    check(options.environments)
    planned = files(options)
    clashes = sorted(path for path in planned if (root / path).exists())
    if clashes:
        raise UsageError(
            f"{len(clashes)} file{'' if len(clashes) == 1 else 's'} of a new project already "
            f"exist in {root}: {', '.join(clashes)}. init never overwrites a file, so it wrote "
            "nothing; run it in an empty folder or move these aside."
        )
    for path, text in planned.items():
        _write(root / path, text)
    return Initialized(root, tuple(planned), options)


def check(environments: Sequence[str]) -> None:
    """Environment names: lowercase, used in file and variable names; each once."""
    for name in environments:
        if not ENVIRONMENT.match(name):
            raise UsageError(
                f"--env {name!r} is not a valid environment name: use lowercase letters, digits "
                "and '-', starting with a letter (for example staging or prod)."
            )
    if len(set(environments)) != len(environments):
        raise UsageError("An environment is named twice with --env; name each once.")


def _write(path: Path, text: str) -> None:
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        with path.open("x", encoding="utf-8") as handle:
            handle.write(text)
    except OSError as exc:
        raise UsageError(
            f"Cannot write {path}: {exc.strerror or exc}. Files written before it are kept."
        ) from None
