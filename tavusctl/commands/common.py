"""What plan and apply share: the console, the inputs, and planning against the account."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

from tavusctl.api.client import TavusClient
from tavusctl.api.fetch import fetch_account
from tavusctl.core.model import Resource
from tavusctl.core.secrets import Scrubber
from tavusctl.manifest import load as manifest
from tavusctl.plan.model import Plan
from tavusctl.plan.planner import make_plan
from tavusctl.state import lockfile
from tavusctl.state.lockfile import Lockfile


@dataclass(frozen=True)
class Console:
    """Where output goes: ``out`` for the result (stdout), ``err`` for diagnostics (stderr)."""

    out: Callable[[str], None]
    err: Callable[[str], None]
    color: bool = False
    verbose: int = 0
    scrubber: Scrubber = field(default_factory=Scrubber)  # secrets read, hidden from output


@dataclass(frozen=True)
class Inputs:
    """What to plan: manifest paths and the loader's opt-outs, pruning and targets."""

    paths: tuple[Path, ...] = ()
    allow_unknown_fields: bool = False
    allow_plaintext_secrets: bool = False
    prune: bool = False
    targets: tuple[str, ...] = ()


@dataclass(frozen=True)
class Planned:
    """A plan and everything it was made from."""

    plan: Plan
    resources: tuple[Resource, ...]
    lock: Lockfile
    lock_text: str
    requests: int


def load(inputs: Inputs, console: Console) -> tuple[Resource, ...]:
    """Load the manifests (raising on errors); warnings go to the console's err."""
    result = manifest.load_or_raise(
        list(inputs.paths),
        allow_unknown_fields=inputs.allow_unknown_fields,
        allow_plaintext_secrets=inputs.allow_plaintext_secrets,
        scrubber=console.scrubber,
    )
    for warning in result.warnings:
        console.err(f"{warning.location}: warning: {warning.message}")
    return result.resources


def read_lock(path: Path) -> tuple[Lockfile, str]:
    """The lockfile and its exact text (``""`` when there is none yet)."""
    return lockfile.read_with_text(path)


async def prepare(
    client: TavusClient, inputs: Inputs, lock_path: Path, console: Console
) -> Planned:
    """Load manifests and lockfile, read the account in one concurrent pass, and plan."""
    resources = load(inputs, console)
    lock, text = read_lock(lock_path)
    live = await fetch_account(client, recorded_ids(lock), {r.kind for r in resources})
    plan = make_plan(resources, lock, live.objects, prune=inputs.prune, targets=inputs.targets)
    return Planned(plan, resources, lock, text, live.requests)


def recorded_ids(lock: Lockfile) -> dict[str, list[str]]:
    """The ids the lockfile records, by kind name (the prefix of each key)."""
    out: dict[str, list[str]] = {}
    for key, entry in lock.entries.items():
        if entry.id is not None:
            out.setdefault(key.split("/", 1)[0], []).append(entry.id)
    return out
