"""``tavusctl destroy``: delete every persona the lockfile records.

The plan is the planner's own: no manifests, ``--prune``, so every lockfile entry becomes a
delete action. It is shown and confirmed exactly like apply, then run by the apply executor,
which drops each entry from the lockfile the moment its persona is deleted. The lockfile is held
from the first read to the last write, so the plan shown is the plan executed.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import replace

from tavusctl.api.client import TavusClient
from tavusctl.api.fetch import fetch_account
from tavusctl.apply.execute import Options, execute
from tavusctl.apply.outcome import ApplyResult, Event
from tavusctl.commands.common import Console, bound, recorded_ids
from tavusctl.core.errors import ExitCode
from tavusctl.plan.model import Action, Plan
from tavusctl.plan.planner import make_plan
from tavusctl.render.text import render_text
from tavusctl.state.lockfile import Lockfile
from tavusctl.state.store import StateStore, holding

NOTHING = "{} records no personas: nothing to destroy."


def destroy_plan(lock: Lockfile, live: Mapping[str, Mapping[str, object]]) -> Plan:
    """A delete action for every lockfile entry. ``live``: persona id → document.

    An intent-only entry is included: the executor deletes what the interrupted create left, if
    anything. The warnings are destroy's own (the planner's speak of apply).
    """
    plan = make_plan([], lock, live, prune=True)
    return replace(plan, warnings=tuple(filter(None, map(_warning, plan.actions))))


def _warning(action: Action) -> str | None:
    if action.persona_id is None:
        return (
            f"{action.key}: a create was started but its result was never recorded; destroy "
            "deletes the persona if it was created."
        )
    if action.live_fingerprint is None:
        return f"{action.key} ({action.persona_id}) is already gone; destroy will only forget it."
    return None


async def destroy(
    client: TavusClient,
    store: StateStore,
    *,
    approve: Callable[[str], None],
    console: Console,
    execution: Options,
    timeout: float = 0.0,
) -> ExitCode:
    """Show the destroy plan, ``approve`` it, delete; the summary goes to ``console.out``.

    Exit 1 when any deletion failed; the lockfile keeps those entries for a re-run.
    """
    with holding(store, timeout) as lock:
        if not lock.entries:
            console.out(NOTHING.format(store.noun[:1].upper() + store.noun[1:]))
            return ExitCode.OK
        live = await fetch_account(client, recorded_ids(lock))
        lock = bound(client, lock, live.objects, store, destroying=True)
        plan = destroy_plan(lock, live.objects)
        console.out(render_text(plan, color=console.color, requests=live.requests))
        approve(f"Do you really want to delete all {len(plan.actions)} managed personas?")
        result = await execute(
            plan,
            client,
            store,
            lock,
            parallelism=execution.parallelism,
            fail_fast=execution.fail_fast,
            on_event=_progress(console),
        )
    console.out(summarize(result, store.noun))
    return ExitCode.OK if result.ok else ExitCode.ERROR


def _progress(console: Console) -> Callable[[Event], None]:
    def show(event: Event) -> None:
        if event.what != "started" or console.verbose:
            console.err(f"{event.key}: {event.what}{': ' + event.message if event.message else ''}")

    return show


def summarize(result: ApplyResult, where: str = "the lockfile") -> str:
    """The closing lines: how many were deleted, then each failure with its reason."""
    deleted = len(result.having("succeeded"))
    noun = "persona" if deleted == 1 else "personas"
    if result.ok:
        return f"Destroy complete: {deleted} {noun} deleted. ({result.requests} API requests)"
    lines = [f"Destroy incomplete: {deleted} {noun} deleted. ({result.requests} API requests)"]
    lines += [
        f"  {o.status}: {o.key}: {o.reason or 'not attempted'}"
        for o in result.outcomes
        if o.status != "succeeded"
    ]
    lines.append(f"They are still in {where}; run 'tavusctl destroy' again to finish.")
    return "\n".join(lines)
