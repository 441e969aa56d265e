"""A scenario's working folder: manifests, prompt files and a lockfile that records them."""

from __future__ import annotations

import copy
import shutil
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from bench import personas as gen
from tavusctl.core import pointer, secrets
from tavusctl.kinds import PERSONA
from tavusctl.state import lockfile
from tavusctl.state.lockfile import LockEntry, Lockfile

BENCH_SALT = "b3nch5a1tb3nch5a1tb3nch5a1tb3nch"


@dataclass(frozen=True)
class Workspace:
    """``root/manifests`` holds one YAML file per persona; ``root/tavus.lock`` the lockfile."""

    root: Path

    @property
    def manifests(self) -> Path:
        return self.root / "manifests"

    @property
    def lockfile(self) -> Path:
        return self.root / "tavus.lock"

    def write_manifests(self, personas: Sequence[gen.BenchPersona]) -> None:
        """Replace the manifests folder with these personas."""
        shutil.rmtree(self.manifests, ignore_errors=True)
        gen.write(self.manifests, personas)

    def write_lockfile(self, personas: Sequence[gen.BenchPersona], ids: Sequence[str]) -> None:
        """Record these personas as applied with these ids, as ``apply`` would."""
        lockfile.write(self.lockfile, lock_for(personas, ids))

    def remove(self) -> None:
        shutil.rmtree(self.root, ignore_errors=True)


def lock_for(personas: Sequence[gen.BenchPersona], ids: Sequence[str]) -> Lockfile:
    """A lockfile recording each persona as applied (secret values hashed) under its id."""
    entries = {
        PERSONA.key(p.name): LockEntry(id=pid, applied=applied_spec(p.spec, BENCH_SALT))
        for p, pid in zip(personas, ids, strict=True)
    }
    return Lockfile(salt=BENCH_SALT, entries=entries)


def applied_spec(spec: Mapping[str, Any], salt: str) -> dict[str, Any]:
    """The spec as the lockfile records it: every secret value replaced by its salted hash."""
    applied = copy.deepcopy(dict(spec))
    for path in list(PERSONA.secrets.paths(applied)):
        *parents, leaf = pointer.split(path)
        node = applied
        for token in parents:
            node = node[token]
        node[leaf] = secrets.hash_secret(node[leaf], salt)
    return applied
