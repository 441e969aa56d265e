"""``tavusctl plan``: show what apply would do, for people and machines."""

from __future__ import annotations

import json
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from tavusctl.api.client import TavusClient
from tavusctl.commands import saved_plan
from tavusctl.commands.common import Console, Inputs, Planned, prepare
from tavusctl.core.errors import ExitCode
from tavusctl.plan.model import ActionKind, Plan
from tavusctl.render.markdown import BUDGET, Label, marker, render_markdown
from tavusctl.render.text import FORMAT_VERSION, render_json, render_text, summary
from tavusctl.state.store import StateStore


@dataclass(frozen=True)
class Output:
    """How to show the plan: ``fmt`` text|json|markdown, an optional saved-plan file."""

    fmt: str = "text"
    plan_file: Path | None = None
    detailed_exitcode: bool = False


async def run(
    client: TavusClient,
    inputs: Inputs,
    store: StateStore,
    output: Output,
    console: Console,
    no_lockfile: str | None = None,
) -> ExitCode:
    """Plan, print the plan, save it if asked; exit 2 on changes with ``detailed_exitcode``,
    1 when a create is blocked. ``no_lockfile``: see :func:`prepare`."""
    planned = await prepare(client, inputs, store, console, no_lockfile)
    console.out(show(planned, output.fmt, console.color))
    if output.plan_file is not None:
        save(planned, inputs, output.plan_file, store, client.api_key)
        console.err(
            f"Saved the plan to {output.plan_file}; apply it with: "
            f"tavusctl apply {output.plan_file}"
        )
    blocked = planned.plan.blocked
    if blocked:
        names = ", ".join(a.key for a in blocked)
        console.err(
            f"Error: {len(blocked)} create{'' if len(blocked) == 1 else 's'} blocked ({names}): "
            "an unmanaged persona with the same persona_name exists (see the plan). Import it "
            "(`tavusctl import --by-name`) or allow the duplicate (--allow-duplicate-names)."
        )
        return ExitCode.ERROR
    if output.detailed_exitcode and planned.plan.has_changes:
        return ExitCode.CHANGES
    return ExitCode.OK


def show(planned: Planned, fmt: str, color: bool) -> str:
    """The plan rendered in ``fmt``."""
    if fmt == "json":
        return render_json(planned.plan, planned.requests, planned.requests_by_kind)
    if fmt == "markdown":
        return render_markdown(planned.plan, requests=planned.requests, labels=labels(planned))
    return render_text(
        planned.plan, color=color, requests=planned.requests, by_kind=planned.requests_by_kind
    )


def save(planned: Planned, inputs: Inputs, path: Path, store: StateStore, api_key: str) -> None:
    """Write the saved plan atomically (it holds no secret value; see saved_plan.write)."""
    saved_plan.write(path, planned, inputs, store, api_key)


def labels(planned: Planned) -> dict[str, Label]:
    """Each resource's display name and manifest file, and a deleted one's last-applied spec."""
    out = {
        key: Label(_display(entry.applied), None, entry.applied)
        for key, entry in planned.lock.entries.items()
    }
    for resource in planned.resources:
        out[resource.key] = Label(_display(resource.spec), resource.location.file)
    return out


def _display(spec: Mapping[str, Any]) -> str | None:
    name = spec.get("persona_name")
    return name if isinstance(name, str) and name else None


# --- plans across environments (plan --env a --env b, --all-envs) ---------------------------


def show_many(plans: Sequence[tuple[str, Planned]], fmt: str, color: bool) -> str:
    """Several environments' plans as one report (see :func:`markdown_many` for markdown)."""
    if fmt == "json":
        docs = {name: json.loads(show(planned, "json", color)) for name, planned in plans}
        doc = {
            "format_version": FORMAT_VERSION,
            "has_changes": any(p.plan.has_changes for _, p in plans),
            "environments": docs,
        }
        return json.dumps(doc, indent=2, ensure_ascii=False) + "\n"
    if fmt == "markdown":
        return markdown_many(plans)
    parts = [f"=== Environment {name} ===\n{show(planned, fmt, color)}" for name, planned in plans]
    return "\n".join(parts)


def counts(plan: Plan) -> tuple[int, int, int, int]:
    """create (recreates included), update, delete, and drift (updates reverting edits)."""
    n = plan.counts()
    drift = sum(1 for a in plan.actions if any(op.drift for op in a.operations))
    creates = n[ActionKind.CREATE] + n[ActionKind.RECREATE]
    return creates, n[ActionKind.UPDATE], n[ActionKind.DELETE], drift


def markdown_many(plans: Sequence[tuple[str, Planned]], budget: int = BUDGET) -> str:
    """One comment: a summary table (environment × create / update / delete / drift), then a
    collapsible section per environment, each given an equal share of what the budget leaves."""
    names = [name for name, _ in plans]
    head = (
        f"{marker('+'.join(names))}\n### tavusctl plan · {', '.join(names)}\n\n"
        "| environment | create | update | delete | drift |\n|---|---:|---:|---:|---:|\n"
    )
    for name, planned in plans:
        head += f"| {name} | " + " | ".join(str(n) for n in counts(planned.plan)) + " |\n"
    wrapper = len("<details><summary></summary>\n\n\n</details>\n") + 200
    share = (budget - len(head) - len(plans) * wrapper) // max(len(plans), 1)
    out = head + "\n"
    for name, planned in plans:
        inner = render_markdown(
            planned.plan,
            budget=share,
            requests=planned.requests,
            labels=labels(planned),
            environment=name,
        ).split("\n", 1)[1]  # without its own marker: the comment has one
        state = " open" if planned.plan.has_changes and len(plans) == 1 else ""
        title = f"{name}: {summary(planned.plan, None)}"
        out += f"<details{state}><summary>{title}</summary>\n\n{inner}\n</details>\n"
    return out[:budget]
