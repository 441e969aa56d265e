"""The plan as Markdown for a pull-request comment.

A hidden marker first (``<!-- tavusctl-plan:ENV -->``, so CI finds its own comment and updates it
instead of adding one per push), the summary, a table naming each changing resource with its
display name and file, then a ``<details>`` section per changing persona with its changes in a
``diff`` block: open when the plan has at most :data:`EXPANDED` changes, collapsed otherwise.
GitHub refuses comments over 65,536 characters, so the output keeps to a budget (60,000 by
default): sections are taken in key order, those that do not fit are left out, and a note at the
end says how many and which. The same plan always gives the same text.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from tavusctl.plan.diff import leaves
from tavusctl.plan.model import Action, ActionKind, Plan
from tavusctl.render.text import Line, action_lines, add_lines, notes, summary

BUDGET = 60_000
EXPANDED = 3  # plans with at most this many changes show their sections open
_RESERVE = 1_000  # kept free for the truncation note


@dataclass(frozen=True)
class Label:
    """What the plan alone does not know about a resource: its display name, the manifest it
    comes from, and (for a delete) the spec last applied, secrets hashed."""

    display: str | None = None
    file: str | None = None
    last_applied: Mapping[str, Any] = field(default_factory=dict)


def marker(environment: str | None = None) -> str:
    """The hidden line CI looks for to update its comment instead of adding one."""
    return f"<!-- tavusctl-plan:{environment or 'default'} -->"


def render_markdown(
    plan: Plan,
    *,
    budget: int = BUDGET,
    requests: int | None = None,
    labels: Mapping[str, Label] | None = None,
    environment: str | None = None,
) -> str:
    """The plan as a pull-request comment within ``budget`` characters."""
    labels = labels or {}
    title = f"tavusctl plan{f' · {environment}' if environment else ''}"
    head = f"{marker(environment)}\n### {title}\n\n**{summary(plan, None)}**\n\n"
    bullets = "".join(f"- {note}\n" for note in notes(plan))
    foot = _footer(requests)
    body = _fit(
        [head, *_table(plan, labels), "\n" + bullets + "\n" if bullets else "\n"],
        budget - _RESERVE,
    )
    changing = [a for a in plan.actions if a.kind.changes]
    left: list[str] = []
    for action in changing:
        section = _details(action, labels.get(action.key, Label()), len(changing) <= EXPANDED)
        if len(body) + len(section) + len(foot) <= budget - _RESERVE:
            body += section
        else:
            left.append(action.key)
    return (body + _left_out(left, budget) + foot)[:budget]


def _footer(requests: int | None) -> str:
    if requests is None:
        return ""
    return f"<sub>Read the account in {_count(requests, 'API request')}.</sub>\n"


def _count(n: int, noun: str) -> str:
    return f"{n} {noun}{'' if n == 1 else 's'}"


def _fit(parts: list[str], budget: int) -> str:
    """The parts that fit, in order; then a line saying how many did not."""
    out = ""
    for i, part in enumerate(parts):
        if len(out) + len(part) > budget - 100:
            rest = _count(len(parts) - i, "more line")
            return out + f"\n_… {rest} left out to stay within the budget._\n"
        out += part
    return out


def _table(plan: Plan, labels: Mapping[str, Label]) -> list[str]:
    rows = [a for a in plan.actions if a.kind is not ActionKind.NOOP]
    if not rows:
        return []
    head = ["| persona | file | action | id | changes |\n", "|---|---|---|---|---|\n"]
    return head + [_row(a, labels.get(a.key, Label())) for a in rows]


def _row(action: Action, label: Label) -> str:
    display = f" {_cell(label.display)}" if label.display else ""
    file = _code(label.file)
    return (
        f"| `{action.name}`{display} | {file} | {action.kind.value}{' (blocked)' if action.blocked else ''} "
        f"| {_code(action.persona_id)} "
        f"| {_what(action, label)} |\n"
    )


def _cell(text: str) -> str:
    """Text safe inside a table cell."""
    return text.replace("|", "\\|").replace("\n", " ")


def _code(text: str | None) -> str:
    return f"`{text}`" if text else "—"


def _what(action: Action, label: Label) -> str:
    if action.blocked:
        return "not created: unmanaged persona of this name: " + ", ".join(action.twins)
    if action.kind is ActionKind.UPDATE:
        drift = sum(op.drift for op in action.operations)
        text = _count(len(action.operations), "operation")
        return text + (f", {drift} drift" if drift else "")
    if action.kind is ActionKind.ORPHAN:
        return "no manifest: left alone"
    if action.kind is ActionKind.DELETE:
        return "no manifest: deleted (--prune)"
    if action.body is not None:
        return _count(len(action.body), "field")
    return ""


def _details(action: Action, label: Label, expanded: bool) -> str:
    lines = [_diff_line(line) for line in _lines(action, label)]
    text = "\n".join(lines)
    fence = "`" * max(3, _longest_backtick_run(text) + 1)
    summary_text = f"<code>{action.name}</code>"
    if label.display:
        summary_text += f" {_html(label.display)}"
    return (
        f"<details{' open' if expanded else ''}><summary>{summary_text}: {action.kind.value}"
        f"</summary>\n\n{fence}diff\n{text}\n{fence}\n\n</details>\n\n"
    )


def _lines(action: Action, label: Label) -> list[Line]:
    """The detail lines of a section: the changes, or for a delete what will be deleted."""
    if action.kind is not ActionKind.DELETE:
        return action_lines(action)[1:]
    lines: list[Line] = []
    applied = dict(label.last_applied)
    secret = action.is_secret
    for path, value in leaves(applied, secret, action.resource_kind.server_owned).items():
        shown = "(sensitive value)" if secret(path) else value
        lines += [
            line._replace(style="-", text="-" + line.text[1:]) for line in add_lines(path, shown)
        ]
    return lines or action_lines(action)


def _html(text: str) -> str:
    return text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")


def _diff_line(line: Line) -> str:
    """A line with its sign in the first column, so that GitHub colours it."""
    text = line.text
    if text[:1] in ("+", "-", "~") and line.depth:
        return text[0] + "  " * line.depth + text[1:]
    return "  " * line.depth + text


def _longest_backtick_run(text: str) -> int:
    run = best = 0
    for char in text:
        run = run + 1 if char == "`" else 0
        best = max(best, run)
    return best


def _left_out(keys: list[str], budget: int) -> str:
    if not keys:
        return ""
    shown = ", ".join(f"`{k}`" for k in keys[:5]) + (
        f" and {len(keys) - 5} more" if len(keys) > 5 else ""
    )
    return (
        f"_Details of {_count(len(keys), 'persona')} were left out to stay within the "
        f"{budget:,}-character budget: {shown}. Run `tavusctl plan` for the full plan._\n"
    )
