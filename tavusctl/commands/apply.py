"""``tavusctl apply``: plan (or load a saved plan), confirm, execute, report."""

from __future__ import annotations

from collections.abc import Callable, Mapping

from tavusctl.api.client import TavusClient
from tavusctl.apply import execute as executor
from tavusctl.apply.outcome import ApplyResult, Event
from tavusctl.commands.common import Console, Inputs, prepare
from tavusctl.core.errors import ExitCode
from tavusctl.plan.model import Plan
from tavusctl.render import text as render
from tavusctl.state.lockfile import Lockfile
from tavusctl.state.store import StateStore

Approve = Callable[[str], None]  # raises to refuse
Execution = executor.Options


async def run(
    client: TavusClient,
    inputs: Inputs,
    store: StateStore,
    execution: Execution,
    approve: Approve,
    console: Console,
    no_lockfile: str | None = None,
) -> ExitCode:
    """Plan against the account, show the plan, ask, then execute it.

    The caller holds ``store.hold()`` for the whole run, planning included.
    ``no_lockfile``: see :func:`prepare`.
    """
    planned = await prepare(client, inputs, store, console, no_lockfile)
    console.out(
        render.render_text(
            planned.plan,
            color=console.color,
            requests=planned.requests,
            by_kind=planned.requests_by_kind,
        )
    )
    if not planned.plan.has_changes:
        record_matches(planned.plan, store, planned.lock, console, write=planned.rebound)
        return ExitCode.OK
    approve("Do you want to perform these actions?")
    return await execute(
        client, planned.plan, store, planned.lock, execution, console, planned.live
    )


async def execute(
    client: TavusClient,
    plan: Plan,
    store: StateStore,
    lock: Lockfile,
    execution: Execution,
    console: Console,
    live: Mapping[str, Mapping[str, Mapping[str, object]]] | None = None,
) -> ExitCode:
    """Execute ``plan``, show progress on err and the summary on out. ``live`` is the account
    as the plan saw it (apply tells new personas from it; without it, apply lists)."""
    result = await executor.execute(
        plan,
        client,
        store,
        lock,
        parallelism=execution.parallelism,
        preconditions=execution.preconditions,
        fail_fast=execution.fail_fast,
        on_event=lambda event: _progress(event, console),
        known=live,
    )
    for warning in result.warnings:
        console.err(f"warning: {warning}")
    if console.verbose >= 1 and result.state_writes:
        console.err(
            f"state: {result.state_writes} write(s); a result waited at most "
            f"{result.longest_unrecorded * 1000:.0f} ms in memory before it was recorded"
        )
    console.out(summary(result))
    return ExitCode.OK if result.ok else ExitCode.ERROR


def record_matches(
    plan: Plan, store: StateStore, lock: Lockfile, console: Console, *, write: bool = False
) -> None:
    """With nothing to change, still record specs (and manifest files) the account already
    has (see executor), and the account when ``write`` (it changed: a rotated key)."""
    emit = lambda event: _progress(event, console)  # noqa: E731
    executor.record_matches(plan, store, lock, emit, write=write)


def _progress(event: Event, console: Console) -> None:
    if event.what == "started" and console.verbose < 1:
        return
    console.err(f"{event.key}: {event.what}{': ' + event.message if event.message else ''}")


def summary(result: ApplyResult) -> str:
    """The closing lines of an apply: counts, then each failure with its reason."""
    done = result.having("succeeded")
    adopted = [o for o in done if (o.reason or "").startswith("adopted")]
    made = [o for o in done if o not in adopted]
    counts = {kind: sum(1 for o in made if o.kind.value == kind) for kind in _KINDS}
    text = ", ".join(f"{n} {_PAST[k]}" for k, n in counts.items())
    if adopted:
        text += f", {len(adopted)} adopted (created by an earlier run whose result was lost)"
    failed = result.having("failed")
    if failed:
        first = failed[0]
        more = f" and {len(failed) - 1} more (below)" if len(failed) > 1 else ""
        text += f", {len(failed)} failed: {first.key} ({_short(first.reason)}){more}"
    n = result.requests
    lines = [
        f"Apply {'complete' if result.ok else 'incomplete'}: {text}. "
        f"({n} API request{'' if n == 1 else 's'})"
    ]
    for outcome in failed:
        lines.append(f"  failed: {outcome.key}: {outcome.reason}")
    for outcome in result.having("skipped"):
        lines.append(f"  skipped: {outcome.key}: {outcome.reason or 'not attempted'}")
    if result.state_error:
        lines.append(f"Error: {result.state_error}")
    elif not result.ok:
        lines.append("Run apply again to finish: what succeeded is recorded in the state.")
    return "\n".join(lines) + "\n"


def _short(reason: str | None, limit: int = 80) -> str:
    text = (reason or "no reason given").split(". ")[0]
    return text if len(text) <= limit else text[: limit - 1] + "…"


_KINDS = ("create", "recreate", "update", "delete")
_PAST = {"create": "created", "recreate": "recreated", "update": "updated", "delete": "deleted"}
