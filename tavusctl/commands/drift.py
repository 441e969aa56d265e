"""``tavusctl drift``: report what changed on the account outside tavusctl; exit 2 if anything.

It plans as ``plan`` does (the same loading, the same one-pass read of the account, the same
planner) and keeps only the drift: dashboard edits of managed fields, recorded personas deleted
out of band, and unmanaged personas with a manifest's ``persona_name``. Nothing is written.
"""

from __future__ import annotations

from tavusctl.api.client import TavusClient
from tavusctl.api.fetch import fetch_account
from tavusctl.commands.common import Console, Inputs, bound, load, recorded_ids
from tavusctl.core.errors import ExitCode
from tavusctl.plan.drift import DriftReport, find_drift
from tavusctl.plan.planner import make_plan
from tavusctl.render import drift as render
from tavusctl.state.store import StateStore

FORMATS = ("text", "json", "markdown")


async def report(
    client: TavusClient, inputs: Inputs, store: StateStore, console: Console
) -> DriftReport:
    """The drift of the account against the state and the manifests."""
    resources = load(inputs, console)
    lock = store.read()
    live = await fetch_account(client, recorded_ids(lock), {r.kind for r in resources})
    # Another account's key would show every recorded persona as deleted: refuse, as plan does.
    lock = bound(client, lock, live.objects, store, allow=inputs.allow_recreate_all)
    plan = make_plan(resources, lock, live.objects, targets=inputs.targets)
    return find_drift(plan, resources, lock, live.objects)


async def run(
    client: TavusClient, inputs: Inputs, store: StateStore, fmt: str, console: Console
) -> ExitCode:
    """Print the drift report in ``fmt``; exit 2 when there is drift, 0 when none."""
    found = await report(client, inputs, store, console)
    shown = {"json": render.render_json, "markdown": render.render_markdown}.get(
        fmt, render.render_text
    )
    console.out(shown(found))
    return ExitCode.CHANGES if found.has_drift else ExitCode.OK
