"""The plan as Markdown for a pull-request comment.

A summary table first, then a collapsible ``<details>`` section per changing persona with its
changes in a ``diff`` block. GitHub refuses comments over 65,536 characters, so the output keeps
to a budget (60,000 by default): sections are taken in key order, those that do not fit are left
out, and a note at the end says how many and which. The same plan always gives the same text.
"""

from __future__ import annotations

from tavusctl.plan.model import Action, ActionKind, Plan
from tavusctl.render.text import Line, action_lines, notes, summary

BUDGET = 60_000
_RESERVE = 1_000  # kept free for the truncation note


def render_markdown(plan: Plan, *, budget: int = BUDGET, requests: int | None) -> str:
    """The plan as a pull-request comment: a summary table first, then a collapsible section
    per changing persona, within ``budget`` characters.

    When over budget, sections are taken in key order and those that do not fit are left out;
    a note at the end says how many and which.
    """
    head = f"### tavusctl plan\n\n**{summary(plan, requests)}**\n\n"
    bullets = "".join(f"- {note}\n" for note in notes(plan))
    body = _fit(
        [head, *_table(plan), "\n" + bullets + "\n" if bullets else "\n"], budget - _RESERVE
    )
    left: list[str] = []
    for action in (a for a in plan.actions if a.kind.changes):
        section = _details(action)
        if len(body) + len(section) <= budget - _RESERVE:
            body += section
        else:
            left.append(action.key)
    return (body + _left_out(left, budget))[:budget]


def _fit(parts: list[str], budget: int) -> str:
    """The parts that fit, in order; then a line saying how many did not."""
    out = ""
    for i, part in enumerate(parts):
        if len(out) + len(part) > budget - 100:
            return out + f"\n_… {len(parts) - i} more lines left out to stay within the budget._\n"
        out += part
    return out


def _table(plan: Plan) -> list[str]:
    rows = [a for a in plan.actions if a.kind is not ActionKind.NOOP]
    if not rows:
        return []
    head = ["| persona | action | id | changes |\n", "|---|---|---|---|\n"]
    return head + [
        f"| `{a.key}` | {a.kind.value} | {_code(a.persona_id)} | {_what(a)} |\n" for a in rows
    ]


def _code(text: str | None) -> str:
    return f"`{text}`" if text else "—"


def _what(action: Action) -> str:
    if action.kind is ActionKind.UPDATE:
        n, drift = len(action.operations), sum(op.drift for op in action.operations)
        text = f"{n} operation{'' if n == 1 else 's'}"
        return text + (f", {drift} drift" if drift else "")
    if action.kind is ActionKind.ORPHAN:
        return "no manifest: left alone"
    if action.body is not None:
        return f"{len(action.body)} fields"
    return ""


def _details(action: Action) -> str:
    lines = [_diff_line(line) for line in action_lines(action)[1:]]
    text = "\n".join(lines)
    fence = "`" * max(3, _longest_backtick_run(text) + 1)
    return (
        f"<details><summary><code>{action.key}</code>: {action.kind.value}</summary>\n\n"
        f"{fence}diff\n{text}\n{fence}\n\n</details>\n\n"
    )


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
        f"_Details of {len(keys)} persona{'' if len(keys) == 1 else 's'} were left out to stay "
        f"within the {budget:,}-character budget: {shown}. Run `tavusctl plan` for the full plan._\n"
    )
