"""``tavusctl plan``: show what apply would do, for people and machines."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from tavusctl.api.client import TavusClient
from tavusctl.commands import saved_plan
from tavusctl.commands.common import Console, Inputs, Planned, prepare
from tavusctl.core.errors import ExitCode
from tavusctl.render.markdown import Label, render_markdown
from tavusctl.render.text import render_json, render_text


@dataclass(frozen=True)
class Output:
    """How to show the plan: ``fmt`` text|json|markdown, an optional saved-plan file."""

    fmt: str = "text"
    plan_file: Path | None = None
    detailed_exitcode: bool = False


async def run(
    client: TavusClient,
    inputs: Inputs,
    lock_path: Path,
    output: Output,
    console: Console,
    no_lockfile: str | None = None,
) -> ExitCode:
    """Plan, print the plan, save it if asked; exit 2 on changes with ``detailed_exitcode``,
    1 when a create is blocked. ``no_lockfile``: see :func:`prepare`."""
    planned = await prepare(client, inputs, lock_path, console, no_lockfile)
    console.out(show(planned, output.fmt, console.color))
    if output.plan_file is not None:
        save(planned, inputs, output.plan_file, lock_path)
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
        return render_json(planned.plan, planned.requests)
    if fmt == "markdown":
        return render_markdown(planned.plan, requests=planned.requests, labels=labels(planned))
    return render_text(planned.plan, color=color, requests=planned.requests)


def save(planned: Planned, inputs: Inputs, path: Path, lock_path: Path) -> None:
    """Write the saved plan atomically (it holds no secret value)."""
    saved_plan.write(path, planned, inputs, lock_path)


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
