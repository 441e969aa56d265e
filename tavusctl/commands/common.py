"""What plan and apply share: the console, the inputs, and planning against the account."""

from __future__ import annotations

import os
from collections.abc import Callable, Container, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path

from tavusctl.api.client import TavusClient
from tavusctl.api.fetch import fetch_account
from tavusctl.commands import state
from tavusctl.core.model import Resource
from tavusctl.core.secrets import Scrubber
from tavusctl.manifest import load as manifest
from tavusctl.manifest.project import Environment, Project
from tavusctl.plan import saved as plan_file
from tavusctl.plan.model import Plan
from tavusctl.plan.planner import Scope, make_plan
from tavusctl.state.account import bind, check_bound
from tavusctl.state.lockfile import Account, Lockfile
from tavusctl.state.select import DEFAULT_WORKSPACE, Choice, choose
from tavusctl.state.store import StateStore


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
    allow_duplicate_names: bool = False
    allow_recreate_all: bool = False
    environment: Environment | None = None  # tavusctl.yaml's, for ${var:}


@dataclass(frozen=True)
class Planned:
    """A plan and everything it was made from."""

    plan: Plan
    resources: tuple[Resource, ...]
    lock: Lockfile
    lock_fingerprint: str  # of the state's text as read (saved plans check it); not the text
    requests: int
    rebound: bool = False  # the lockfile exists and its recorded account changed (key rotation)
    # The account as the plan saw it: by kind name, then by id.
    live: Mapping[str, Mapping[str, Mapping[str, object]]] = field(default_factory=dict)
    requests_by_kind: Mapping[str, int] = field(default_factory=dict)


def load(inputs: Inputs, console: Console) -> tuple[Resource, ...]:
    """Load the manifests (raising on errors); warnings go to the console's err."""
    result = manifest.load_or_raise(
        list(inputs.paths),
        allow_unknown_fields=inputs.allow_unknown_fields,
        allow_plaintext_secrets=inputs.allow_plaintext_secrets,
        scrubber=console.scrubber,
        environment=inputs.environment,
        locations=False,  # plan and apply point at no spec key after loading: save the maps
    )
    for warning in result.warnings:
        console.err(f"{warning.location}: warning: {warning.message}")
    return result.resources


async def prepare(
    client: TavusClient,
    inputs: Inputs,
    store: StateStore,
    console: Console,
    no_state: str | None = None,
) -> Planned:
    """Load manifests and state, read the account in one concurrent pass, and plan.

    ``no_state`` is said (on err) when there is no state, once the manifests loaded.
    Refuses (before planning) a state none of whose ids is on the account, unless
    ``allow_recreate_all``; the lock returned records the account read (see ``state.account``).
    """
    resources = load(inputs, console)
    lock, text = store.read_with_text()
    if not text and no_state:
        console.err(no_state)
    state.check_managed_once(lock, resources)
    live = await fetch_account(client, recorded_ids(lock), {r.kind for r in resources})
    account = lock.account
    env = inputs.environment.name if inputs.environment else None
    lock = bound(client, lock, live.objects, store, allow=inputs.allow_recreate_all, env=env)
    scope = scope_of(inputs, resources, lock, store)
    plan = make_plan(
        resources, lock, live.objects, prune=inputs.prune, targets=inputs.targets, scope=scope
    )
    rebound = bool(text) and lock.account != account
    fingerprint = plan_file.fingerprint(text)
    return Planned(
        plan,
        resources,
        lock,
        fingerprint,
        live.requests,
        rebound,
        live.by_kind,
        live.requests_by_kind,
    )


def bound(
    client: TavusClient,
    lock: Lockfile,
    live: Container[str],
    store: StateStore,
    *,
    allow: bool = False,
    destroying: bool = False,
    env: str | None = None,
) -> Lockfile:
    """``lock`` bound to the client's account (and environment, when known); refused if none
    of its ids is there."""
    current = account_of(client, lock.salt, env)
    if not allow:
        check_bound(lock, live, current, store.name, destroying=destroying)
    return bind(lock, current)


def account_of(client: TavusClient, salt: str, environment: str | None = None) -> Account:
    """The account ``client`` reaches, as a lockfile salted with ``salt`` records it."""
    return Account(client.base_url, client.key_fingerprint(salt), environment)


def relative_file(path: Path, store: StateStore) -> str:
    """A manifest's path as the state records it: relative to the store's home (the
    lockfile's folder)."""
    return _relative(path, store.home)


def scope_of(
    inputs: Inputs, resources: Sequence[Resource], lock: Lockfile, store: StateStore
) -> Scope:
    """What the PATHs given cover: each manifest's file relative to the lockfile's folder, and
    the lockfile entries whose recorded file is under a PATH (only those can be orphans or be
    pruned). An entry recorded without a file (an older lockfile) is covered only by a PATH
    that holds the lockfile's whole folder."""
    home = store.home
    given = [p.absolute().resolve() for p in (inputs.paths or (Path("."),))]
    files = {r.key: _relative(Path(r.location.file), home) for r in resources}

    def covered(file: str | None) -> bool:
        where = home if file is None else (home / file).resolve()
        return any(p == where or p in where.parents for p in given)

    entries = frozenset(k for k, e in lock.entries.items() if covered(e.file))
    allowed = {r.key for r in resources if r.allow_duplicate_name}
    if inputs.allow_duplicate_names:
        allowed.add("*")
    return Scope(files=files, entries=entries, duplicates_allowed=frozenset(allowed))


def _relative(path: Path, home: Path) -> str:
    """``path`` relative to ``home`` (``..`` when outside it), with forward slashes."""
    return Path(os.path.relpath(path.absolute().resolve(), home)).as_posix()


def recorded_ids(lock: Lockfile) -> dict[str, list[str]]:
    """The ids the lockfile records, by kind name (the prefix of each key)."""
    out: dict[str, list[str]] = {}
    for key, entry in lock.entries.items():
        if entry.id is not None:
            out.setdefault(key.split("/", 1)[0], []).append(entry.id)
    return out


def store_choice(
    project: Project | None,
    env: Environment | None,
    url_env_option: str | None,
    workspace_option: str | None,
    lockfile_given: bool,
) -> Choice:
    """Which state store a run uses: the ``--state-*`` options, else the block of the project
    file that applies to ``env`` (its own, else the top level); see ``state.select.choose``."""
    block = project.state_of(env) if project is not None else None
    own = env is not None and env.state is not None
    where = f"environments.{env.name}.state" if env is not None and own else "state"
    return choose(
        url_env_option=url_env_option,
        workspace_option=workspace_option,
        backend=block.backend if block else None,
        url_env=block.url_env if block else None,
        workspace=block.workspace if block else None,
        lockfile_given=lockfile_given,
        default_workspace=(
            project.default_workspace(env.name if env else None) if project else DEFAULT_WORKSPACE
        ),
        block_name=f"{where} in {project.display if project else 'tavusctl.yaml'}",
    )
