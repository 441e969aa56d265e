"""``tavusctl destroy``: delete every persona the lockfile records.

The plan is the planner's own: no manifests, ``--prune``, so every lockfile entry becomes a
delete action. It is shown and confirmed exactly like apply, then run by the apply executor,
which drops each entry from the lockfile the moment its persona is deleted. The lockfile is held
from the first read to the last write, so the plan shown is the plan executed.
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING

from tavusctl import lockfile
from tavusctl.errors import ApplyError
from tavusctl.lockfile import Lockfile
from tavusctl.plan import Plan, make_plan

if TYPE_CHECKING:
    from tavusctl.client import TavusClient
    from tavusctl.outcome import ApplyResult, Event

NOTHING = "The lockfile records no personas: nothing to destroy."


def destroy_plan(lock: Lockfile) -> Plan:
    """A delete action for every lockfile entry (an intent-only entry included: the executor
    deletes what an interrupted create left, if anything)."""
    return make_plan([], lock, {}, prune=True)


async def destroy(
    client: TavusClient,
    lock_path: Path,
    *,
    approve: Callable[[str], None],
    show: Callable[[str], None],
    on_event: Callable[[Event], None] | None = None,
    parallelism: int = 8,
    color: bool = False,
) -> str:
    """Show the destroy plan, ``approve`` it, delete; return the closing summary.

    Raises :class:`ApplyError` (exit 1) when any deletion failed; the lockfile keeps those.
    """
    from tavusctl.apply import execute
    from tavusctl.render import render_text

    with lockfile.exclusive(lock_path):
        lock = lockfile.read(lock_path)
        plan = destroy_plan(lock)
        if not plan.has_changes:
            return NOTHING
        show(render_text(plan, color=color, requests=None).rstrip("\n"))
        approve(f"Do you really want to delete these {len(plan.actions)} personas?")
        result = await execute(plan, client, lock_path, lock, parallelism=parallelism)
    return summarize(result)


def summarize(result: ApplyResult) -> str:
    """One line for a complete destroy; an :class:`ApplyError` listing every failure."""
    deleted = len(result.having("succeeded"))
    if result.ok:
        return f"Destroy complete: {deleted} persona{'' if deleted == 1 else 's'} deleted."
    lines = [f"Destroy incomplete: {deleted} deleted, {len(result.outcomes) - deleted} not:"]
    lines += [
        f"  {o.key}: {o.reason or o.status}" for o in result.outcomes if o.status != "succeeded"
    ]
    lines.append("They are still in the lockfile; run 'tavusctl destroy' again to retry.")
    raise ApplyError("\n".join(lines))
