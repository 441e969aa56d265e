"""Saved plans: ``plan -o FILE`` writes one, ``apply FILE`` executes exactly it or refuses it."""

from __future__ import annotations

import dataclasses
from pathlib import Path
from typing import Any

from tavusctl.api.client import TavusClient
from tavusctl.api.fetch import fetch_account
from tavusctl.commands import apply
from tavusctl.commands.common import (
    Console,
    Inputs,
    Planned,
    bound,
    load,
    recorded_ids,
    relative_file,
)
from tavusctl.core import jsontext
from tavusctl.core.errors import ExitCode, PlanError
from tavusctl.core.files import write_atomic
from tavusctl.manifest.discover import SUFFIXES
from tavusctl.plan import saved as plan_file
from tavusctl.render import text as render
from tavusctl.state.lockfile import Lockfile
from tavusctl.state.store import StateStore


def names_a_plan(paths: tuple[Path, ...]) -> bool:
    """Whether ``apply PATHS`` means a saved plan: one file that is not a manifest.

    The suffix is compared without case, as ``plan`` reads ``persona.YAML`` as a manifest.
    """
    return len(paths) == 1 and paths[0].is_file() and paths[0].suffix.lower() not in SUFFIXES


def write(path: Path, planned: Planned, inputs: Inputs, store: StateStore, api_key: str) -> None:
    """Write the saved plan for ``planned`` atomically; it holds no secret value, and its
    hashes and mac are keyed with a key derived from ``api_key``."""
    key = plan_file.PlanKey.derive(api_key, planned.plan.salt)
    text = plan_file.dumps(
        planned.plan,
        key,
        manifests_fingerprint=plan_file.manifests_fingerprint(planned.resources, key.secret),
        lockfile_fingerprint=planned.lock_fingerprint,
        inputs=_inputs_json(inputs, store),
        manifest_fingerprints=plan_file.each_manifest_fingerprint(planned.resources, key.secret),
    )
    try:
        write_atomic(path, text)
    except OSError as exc:
        raise PlanError(
            f"Cannot write the plan file {path}: {exc.strerror or exc}. "
            "Check that its folder exists and is writable, or choose another path with -o."
        ) from None


def read(path: Path, api_key: str) -> tuple[plan_file.SavedPlan, plan_file.PlanKey]:
    """Read a saved plan and the key it was made with; unreadable or edited is a clear error."""
    try:
        text = path.read_text(encoding="utf-8")
    except UnicodeDecodeError:
        raise PlanError(
            f"The plan file {path} is not UTF-8 text, so it is no saved plan. Name a plan made "
            "with `tavusctl plan -o FILE`, or manifests."
        ) from None
    except OSError as exc:
        raise PlanError(
            f"Cannot read the plan file {path}: {exc.strerror or exc}. Check that it is readable."
        ) from None
    key = plan_file.PlanKey.derive(api_key, _salt_of(text))
    return plan_file.loads(text, key, f"The plan file {path}"), key


def _salt_of(text: str) -> str:
    """The salt a plan file names (to derive its key); checked with everything else by its mac."""
    try:
        doc = jsontext.load(text)
    except ValueError:
        return ""  # loads reports what is wrong with the file
    salt = doc.get("salt") if isinstance(doc, dict) else None
    return salt if isinstance(salt, str) else ""


async def run(
    client: TavusClient,
    plan_path: Path,
    store: StateStore,
    execution: apply.Execution,
    console: Console,
) -> ExitCode:
    """Apply exactly the saved plan, after checking that nothing it was made from changed.

    The caller holds ``store.hold()``.
    """
    saved, key = read(plan_path, client.api_key)
    resources = load(_inputs(saved.inputs, store), console)
    lock, text = store.read_with_text()
    if not text:  # no lockfile yet: keep the plan's salt, its hashes use it
        lock = Lockfile(salt=saved.plan.salt)
    wanted: dict[str, list[str]] = {}
    for action in saved.plan.actions:
        if action.persona_id and action.kind.changes:
            wanted.setdefault(action.resource_kind.name, []).append(action.persona_id)
    # The kinds plan read: those the manifests declare or the state records (the account
    # binding needs the recorded ids that are live).
    live = await fetch_account(client, wanted, {*recorded_ids(lock), *(r.kind for r in resources)})
    inputs = _inputs(saved.inputs, store)
    account = lock.account
    lock = bound(client, lock, live.objects, store, allow=inputs.allow_recreate_all)
    rebound = lock.account != account
    # Secrets first: a rotated one is named by its variable, not as "the manifests changed".
    plan = plan_file.resolve_secrets(saved, resources, key)
    plan_file.check_fresh(
        saved,
        key,
        manifests_fingerprint=plan_file.manifests_fingerprint(resources, key.secret),
        lockfile_fingerprint=plan_file.fingerprint(text),
        live=live.objects,
        manifests=plan_file.each_manifest_fingerprint(resources, key.secret),
        where=store.noun,
    )
    console.out(render.render_text(plan, color=console.color, requests=live.requests))
    if not plan.has_changes:
        apply.record_matches(plan, store, lock, console, write=bool(text) and rebound)
        return ExitCode.OK
    return await apply.execute(client, plan, store, lock, execution, console, live.by_kind)


def _inputs_json(inputs: Inputs, store: StateStore) -> dict[str, object]:
    """The inputs as JSON; the paths also relative to the lockfile's folder (``project_paths``),
    so that the plan can be applied from any folder of the project."""
    out = dataclasses.asdict(inputs)
    out["paths"] = [str(p) for p in inputs.paths]
    out["project_paths"] = [relative_file(p, store) for p in inputs.paths or (Path("."),)]
    out["targets"] = list(inputs.targets)
    return out


def _paths(data: Any, store: StateStore) -> tuple[Path, ...]:
    """Where the manifests are: by the project's lockfile when it is here, else as given."""
    given = tuple(Path(p) for p in data["paths"])
    if "project_paths" in data and store.anchored:
        home = store.home
        found = tuple(home / p for p in data["project_paths"])
        if all(p.exists() for p in found):
            return found
    missing = [str(p) for p in given or (Path("."),) if not p.exists()]
    if missing:
        raise PlanError(
            f"The plan was made from {', '.join(missing)}, which is not here (paths are relative "
            "to the folder the plan was made in, and no lockfile of its project was found from "
            "here). Apply it from that folder or from inside its project."
        )
    return given


def _inputs(data: Any, store: StateStore) -> Inputs:
    try:
        return Inputs(
            paths=_paths(data, store),
            allow_unknown_fields=bool(data["allow_unknown_fields"]),
            allow_plaintext_secrets=bool(data["allow_plaintext_secrets"]),
            prune=bool(data["prune"]),
            targets=tuple(str(t) for t in data["targets"]),
            allow_duplicate_names=bool(data.get("allow_duplicate_names", False)),
            allow_recreate_all=bool(data.get("allow_recreate_all", False)),
        )
    except (KeyError, TypeError) as exc:
        raise PlanError(
            f"The plan file does not say which manifests it was made from ({exc}). "
            "Make a new plan with `tavusctl plan -o FILE`."
        ) from None
