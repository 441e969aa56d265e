"""Plan → text for people, JSON for scripts, Markdown for pull-request comments.

Pure: a Plan in, a string out. Deciding happens in ``plan``; nothing here changes a plan.
No renderer ever prints a secret value: every secret position shows ``(sensitive value)``.
"""

from __future__ import annotations

import difflib
import json
from collections.abc import Iterator, Mapping
from typing import Any, NamedTuple, TypedDict

from tavusctl.core import refs
from tavusctl.core.secrets import SENSITIVE
from tavusctl.core.values import MISSING
from tavusctl.plan.diff import leaves
from tavusctl.plan.model import Action, ActionKind, Operation, OperationJson, Plan, blocked_reason
from tavusctl.plan.redact import swap

FORMAT_VERSION = "1"
NO_CHANGES = "No changes. Live personas match the manifests."
DRIFT = "(drift: changed outside tavusctl)"
_COLORS = {"+": "32", "-": "31", "~": "33", "-/+": "35", "#": "1", "!": "31"}
_SIGNS = {
    ActionKind.CREATE: "+",
    ActionKind.UPDATE: "~",
    ActionKind.DELETE: "-",
    ActionKind.RECREATE: "-/+",
}


class Line(NamedTuple):
    """One line of a rendering: a style key (a sign, or ``#`` for the summary),
    its text, and how deep it is indented."""

    style: str
    text: str
    depth: int = 0


def render_text(
    plan: Plan,
    *,
    color: bool,
    requests: int | None,
    by_kind: Mapping[str, int] | None = None,
) -> str:
    """The plan as a person reads it at a terminal, Terraform style."""
    lines: list[Line] = []
    for action in plan.actions:
        if action.kind.changes:
            lines += [*action_lines(action), Line("", "")]
    extra = [Line("", note) for note in notes(plan)]
    lines += [*extra, Line("", "")] if extra else []
    lines.append(Line("#", summary(plan, requests, by_kind)))
    return "\n".join(_paint(line, color) for line in lines) + "\n"


def _paint(line: Line, color: bool) -> str:
    code = _COLORS.get(line.style)
    if not color or not code:
        return _indent(line)
    return f"\x1b[{code}m{_indent(line)}\x1b[0m".replace(DRIFT, f"\x1b[35m{DRIFT}\x1b[{code}m")


def _indent(line: Line) -> str:
    return "    " * line.depth + line.text


def summary(plan: Plan, requests: int | None, by_kind: Mapping[str, int] | None = None) -> str:
    """``Plan: 1 to create, ...`` or the no-changes sentence, with the request count (and, when
    more than one kind was read, the count of each: ``3 API requests: Persona 1, Tool 2``)."""
    counts = plan.counts()
    blocked = len(plan.blocked)
    for action in plan.blocked:
        counts[action.kind] -= 1
    text = NO_CHANGES
    if plan.has_changes:
        text = "Plan: " + ", ".join(
            f"{counts[kind]} to {kind.value}"
            for kind in (
                ActionKind.CREATE,
                ActionKind.UPDATE,
                ActionKind.DELETE,
                ActionKind.RECREATE,
            )
        )
        text += f", {blocked} blocked (see above)." if blocked else "."
    if requests is not None:
        each = ", ".join(f"{name} {n}" for name, n in (by_kind or {}).items())
        each = f": {each}" if by_kind and len(by_kind) > 1 else ""
        text += f" ({requests} API request{'' if requests == 1 else 's'}{each})"
    return text


def notes(plan: Plan) -> Iterator[str]:
    for action in plan.actions:
        if action.kind is ActionKind.ORPHAN:
            yield (
                f"Note: {action.key} ({_who(action)}) is in the state but has no "
                "manifest; it is left alone. Use --prune to delete it."
            )
    for warning in plan.warnings:
        yield f"Warning: {warning}"


def action_lines(action: Action) -> list[Line]:
    """The heading and detail lines of one changing action."""
    if action.blocked:
        return [
            Line("!", f"! {action.key} will not be created"),
            Line("!", blocked_reason(action), 1),
        ]
    sign = _SIGNS[action.kind]
    lines = [Line(sign, f"{sign} {action.key}{_heading(action)}")]
    if action.kind is ActionKind.UPDATE:
        for op in action.operations:
            lines += _op_lines(action, op)
    elif action.body is not None:
        for path, value in leaves(
            action.body, action.is_secret, action.resource_kind.server_owned
        ).items():
            lines += add_lines(path, _shown(action, path, value))
    return lines


def _heading(action: Action) -> str:
    pid = action.persona_id
    return {
        ActionKind.CREATE: " will be created",
        ActionKind.UPDATE: f" ({pid}) will be updated in place",
        ActionKind.DELETE: f" ({_who(action)}) will be deleted",
        ActionKind.RECREATE: f" ({pid} is gone from the account) will be created again",
    }[action.kind]


def _who(action: Action) -> str:
    """The id and, when known, the persona_name of a recorded persona: ``p1, "Helpdesk"``."""
    name = f", {json.dumps(action.persona_name, ensure_ascii=False)}" if action.persona_name else ""
    return f"{action.persona_id or 'no id'}{name}"


def _shown(action: Action, path: str, value: object) -> object:
    """``value`` at ``path`` with every secret position redacted."""
    if value is MISSING:
        return MISSING
    return refs.shown(swap(value, path, action.is_secret))


def _op_values(action: Action, op: Operation) -> tuple[object, object]:
    """The new and old values of ``op`` as they may be shown."""
    return _safe(action, op, op.value), _safe(action, op, op.old)


def _safe(action: Action, op: Operation, value: object) -> object:
    # A sensitive operation in which no secret position was found is hidden whole: the
    # secret came from somewhere the rules do not know.
    shown = _shown(action, op.path, value)
    if op.sensitive and shown is not MISSING and shown == value:
        return SENSITIVE
    return shown


def _op_lines(action: Action, op: Operation) -> list[Line]:
    new, old = _op_values(action, op)
    if op.op == "add":
        lines = add_lines(op.path, new)
    elif op.op == "remove":
        old = SENSITIVE if op.sensitive and old is MISSING else old  # hidden by the API
        lines = [Line("-", f"- {op.path}" + ("" if _long(old) else f": {_compact(old)}"), 1)]
    elif _long(old) or _long(new):
        lines = [Line("~", f"~ {op.path}: (line diff, live -> desired)", 1), *_text_diff(old, new)]
    else:
        lines = [Line("~", f"~ {op.path}: {_compact(old)} -> {_compact(new)}", 1)]
    if op.drift:
        lines[0] = lines[0]._replace(text=f"{lines[0].text}  {DRIFT}")
    return lines


def add_lines(path: str, value: Any) -> list[Line]:
    if not _long(value):
        return [Line("+", f"+ {path}: {_compact(value)}", 1)]
    return [Line("+", f"+ {path}:", 1), *(Line("+", f"+ {t}", 2) for t in value.splitlines())]


def _text_diff(old: object, new: object) -> list[Line]:
    """A unified line diff of two texts (either may be a non-string, shown as JSON)."""
    before = old.splitlines() if isinstance(old, str) else [_compact(old)]
    after = new.splitlines() if isinstance(new, str) else [_compact(new)]
    diff = list(difflib.unified_diff(before, after, lineterm="", n=2))[2:]  # no file headers
    return [Line(t[:1] if t[:1] in "+-" else "", t, 2) for t in diff]


def _long(value: object) -> bool:
    return isinstance(value, str) and value != SENSITIVE and ("\n" in value or len(value) > 80)


def _compact(value: object) -> str:
    if value is MISSING:
        return "(absent)"
    if value == SENSITIVE:
        return SENSITIVE
    return json.dumps(value, ensure_ascii=False, sort_keys=True)


def render_json(plan: Plan, requests: int | None, by_kind: Mapping[str, int] | None = None) -> str:
    """The plan as versioned JSON (``format_version`` "1"; schema: schemas/plan.schema.json)."""
    doc = {
        "format_version": FORMAT_VERSION,
        "has_changes": plan.has_changes,
        "summary": {
            **{kind.value: n for kind, n in plan.counts().items()},
            "blocked": len(plan.blocked),
        },
        "requests": requests,
        "requests_by_kind": dict(by_kind or {}),
        "prune": plan.prune,
        "targets": list(plan.targets),
        "warnings": list(plan.warnings),
        "actions": [action_json(a) for a in plan.actions],
    }
    return json.dumps(doc, indent=2, ensure_ascii=False) + "\n"


class _ActionJson(TypedDict):
    key: str
    name: str
    action: str
    persona_id: str | None
    sensitive_paths: list[str]


class ActionJson(_ActionJson, total=False):
    """One action of ``plan --format json`` (see ``schemas/plan.schema.json``)."""

    body: object
    operations: list[OperationJson]
    persona_name: str  # delete and orphan
    file: str  # the manifest file, relative to the lockfile's folder
    blocked_by: list[str]  # a blocked create: the unmanaged twins
    error: str  # why it is blocked


def action_json(action: Action) -> ActionJson:
    out: ActionJson = {
        "key": action.key,
        "name": action.name,
        "action": action.kind.value,
        "persona_id": action.persona_id,
        "sensitive_paths": sorted(action.sensitive_paths),
    }
    if action.persona_name is not None:
        out["persona_name"] = action.persona_name
    if action.file is not None:
        out["file"] = action.file
    if action.blocked:
        out["blocked_by"] = list(action.twins)
        out["error"] = blocked_reason(action)
    if action.body is not None:
        out["body"] = _shown(action, "", action.body)
    if action.kind is ActionKind.UPDATE:
        out["operations"] = [_op_json(action, op) for op in action.operations]
    return out


def _op_json(action: Action, op: Operation) -> OperationJson:
    return op.to_json(*_op_values(action, op))
