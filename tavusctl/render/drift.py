"""A drift report as text (terminal), JSON (scripts) or Markdown (the body of an issue)."""

from __future__ import annotations

import json
from typing import Any

from tavusctl.plan.drift import Drifted, DriftKind, DriftReport
from tavusctl.render.text import action_json, action_lines

NO_DRIFT = "No drift: the account matches what tavusctl last applied."
_WHAT = {
    DriftKind.EDITED: "changed outside tavusctl",
    DriftKind.DELETED: "deleted outside tavusctl",
    DriftKind.UNMANAGED: "an unmanaged persona has its persona_name",
}
_FIX = {
    DriftKind.EDITED: "`tavusctl apply` reverts the edit (or copy it into the manifest)",
    DriftKind.DELETED: "`tavusctl apply` creates it again",
    DriftKind.UNMANAGED: "adopt it with `tavusctl import {name} {id}`, or delete it",
}


def summary(report: DriftReport) -> str:
    """One sentence: how many findings of each kind."""
    if not report.has_drift:
        return NO_DRIFT
    parts = [
        f"{report.count(kind)} {label}"
        for kind, label in (
            (DriftKind.EDITED, "edited"),
            (DriftKind.DELETED, "deleted"),
            (
                DriftKind.UNMANAGED,
                "unmanaged look-alike" + ("" if report.count(DriftKind.UNMANAGED) == 1 else "s"),
            ),
        )
        if report.count(kind)
    ]
    return "Drift: " + ", ".join(parts) + "."


def render_text(report: DriftReport) -> str:
    lines: list[str] = []
    for found in report.findings:
        lines.append(f"! {_headline(found)}")
        if found.action is not None:
            lines += ["    " * line.depth + line.text for line in action_lines(found.action)[1:]]
        lines.append(f"    fix: {_fix(found)}".replace("`", ""))
        lines.append("")
    return "\n".join([*lines, summary(report)]) + "\n"


def _headline(found: Drifted) -> str:
    display = f" ({found.display})" if found.display else ""
    return f"{found.key}{display} {found.persona_id or ''}: {_WHAT[found.kind]}".replace("  ", " ")


def _fix(found: Drifted) -> str:
    return _FIX[found.kind].format(name=found.name, id=found.persona_id)


def render_json(report: DriftReport) -> str:
    doc = {
        "format_version": "1",
        "has_drift": report.has_drift,
        "findings": [_json(f) for f in report.findings],
    }
    return json.dumps(doc, indent=2, ensure_ascii=False) + "\n"


def _json(found: Drifted) -> dict[str, Any]:
    out: dict[str, Any] = {
        "kind": found.kind.value,
        "key": found.key,
        "name": found.name,
        "persona_id": found.persona_id,
        "persona_name": found.display,
    }
    if found.action is not None:
        out["operations"] = action_json(found.action)["operations"]
    return out


def render_markdown(report: DriftReport) -> str:
    """An issue body: a summary, a table of findings, and the edited fields of each."""
    head = f"<!-- tavusctl-drift -->\n### tavusctl drift\n\n**{summary(report)}**\n\n"
    if not report.has_drift:
        return head
    rows = "".join(
        f"| `{f.name}` {f.display or ''} | {f.kind.value} | `{f.persona_id}` | {_fix(f)} |\n"
        for f in report.findings
    )
    table = "| persona | drift | id | what to do |\n|---|---|---|---|\n" + rows + "\n"
    sections = "".join(_section(f) for f in report.findings if f.action is not None)
    foot = (
        "Changes made outside tavusctl, found by comparing the account with what tavusctl last "
        "applied. `tavusctl plan` shows what the next apply would do about them.\n"
    )
    return head + table + sections + foot


def _section(found: Drifted) -> str:
    assert found.action is not None
    text = "\n".join(
        line.text[0] + "  " * line.depth + line.text[1:]
        if line.text[:1] in "+-~" and line.depth
        else "  " * line.depth + line.text
        for line in action_lines(found.action)[1:]
    )
    fence = "````" if "```" in text else "```"
    return (
        f"<details open><summary><code>{found.name}</code>: edited (live -> manifest)</summary>"
        f"\n\n{fence}diff\n{text}\n{fence}\n\n</details>\n\n"
    )
