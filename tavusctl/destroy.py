"""``tavusctl destroy``: delete every persona the lockfile records.

A Plan of delete actions, shown and confirmed exactly like apply, then run by the apply
executor, which records each deletion in the lockfile as it succeeds. The lockfile is held
from the first read to the last write, so the plan shown is the plan executed.
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING

from tavusctl import lockfile, state
from tavusctl.lockfile import Lockfile
from tavusctl.plan import Action, ActionKind, Plan

if TYPE_CHECKING:
    from tavusctl.client import TavusClient


def destroy_plan(lock: Lockfile) -> Plan:
    """Delete every recorded persona. An intent-only entry (no id) cannot be deleted: it is
    left alone with a warning, because only apply can tell whether that create happened."""
    actions = tuple(
        Action(ActionKind.DELETE, key, state.name_of(key), persona_id=entry.id)
        for key, entry in sorted(lock.entries.items())
        if entry.id is not None
    )
    warnings = tuple(
        f"{key} has only a create intent recorded (no persona id); run 'tavusctl apply' to "
        "settle it, or 'tavusctl state rm' if you know nothing was created."
        for key, entry in sorted(lock.entries.items())
        if entry.id is None
    )
    return Plan(actions, prune=True, warnings=warnings)


def render_destroy(plan: Plan) -> str:
    """The personas that destroy will delete, one per line, and a count."""
    lines = ["tavusctl will delete these personas from the Tavus account:", ""]
    lines += [f"  - {a.key} ({a.persona_id})" for a in plan.actions]
    lines += ["", f"Plan: {len(plan.actions)} to delete."]
    lines += [f"Warning: {w}" for w in plan.warnings]
    return "\n".join(lines)


async def destroy(
    client: TavusClient,
    lock_path: Path,
    *,
    approve: Callable[[str], None],
    show: Callable[[str], None],
) -> str:
    """Show the destroy plan, ``approve`` it, delete; return the closing summary."""
    from tavusctl.apply import execute

    with lockfile.exclusive(lock_path):
        plan = destroy_plan(lockfile.read(lock_path))
        if not plan.actions:
            notes = "".join(f"\nWarning: {w}" for w in plan.warnings)
            return f"The lockfile records no personas: nothing to destroy.{notes}"
        show(render_destroy(plan))
        approve(f"Do you really want to delete these {len(plan.actions)} personas?")
        result = await execute(plan, client, lock_path)
    return str(result)
