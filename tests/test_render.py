from __future__ import annotations

import json
from importlib import resources
from typing import Any

import jsonschema
import pytest

from tavusctl.core.model import Location, Resource
from tavusctl.core.values import MISSING
from tavusctl.plan.model import Action, ActionKind, Operation, Plan
from tavusctl.plan.planner import make_plan
from tavusctl.plan.redact import hashed
from tavusctl.render.markdown import render_markdown
from tavusctl.render.text import render_json, render_text
from tavusctl.state.lockfile import LockEntry, Lockfile

SALT = "render-salt"


def action(kind: ActionKind, name: str, **fields: Any) -> Action:
    return Action(kind=kind, key=f"Persona/{name}", name=name, **fields)


def update(name: str, *ops: Operation) -> Action:
    return action(ActionKind.UPDATE, name, persona_id="p1", operations=ops)


EVERY_KIND = Plan(
    (
        action(ActionKind.CREATE, "a", body={"persona_name": "A"}),
        update("b", Operation("replace", "/persona_name", "New", "Old")),
        action(ActionKind.DELETE, "c", persona_id="p2"),
        action(ActionKind.RECREATE, "d", persona_id="p3", body={"persona_name": "D"}),
        action(ActionKind.ORPHAN, "e", persona_id="p4"),
        action(ActionKind.NOOP, "f", persona_id="p5"),
    )
)


def test_text_shows_every_kind_of_action_terraform_style() -> None:
    out = render_text(EVERY_KIND, color=False, requests=7)
    assert out.splitlines() == [
        "+ Persona/a will be created",
        '    + /persona_name: "A"',
        "",
        "~ Persona/b (p1) will be updated in place",
        '    ~ /persona_name: "Old" -> "New"',
        "",
        "- Persona/c (p2) will be deleted",
        "",
        "-/+ Persona/d (p3 is gone from the account) will be created again",
        '    + /persona_name: "D"',
        "",
        "Note: Persona/e (p4) is in the state but has no manifest; it is left alone. "
        "Use --prune to delete it.",
        "",
        "Plan: 1 to create, 1 to update, 1 to delete, 1 to recreate. (7 API requests)",
    ]


@pytest.mark.parametrize(
    ("op", "line"),
    [
        (Operation("add", "/context", "Be kind."), '    + /context: "Be kind."'),
        (Operation("remove", "/context", old="Old."), '    - /context: "Old."'),
        (
            Operation("replace", "/document_ids", ["d2"], ["d1"]),
            '    ~ /document_ids: ["d1"] -> ["d2"]',
        ),
        (
            Operation("add", "/layers/perception", {"perception_model": "raven-1"}),
            '    + /layers/perception: {"perception_model": "raven-1"}',
        ),
        (
            Operation("replace", "/persona_name", "B", "X", drift=True),
            '    ~ /persona_name: "X" -> "B"  (drift: changed outside tavusctl)',
        ),
        (Operation("replace", "/x", True, "true"), '    ~ /x: "true" -> true'),
    ],
)
def test_text_shows_each_operation_with_compact_json_values(op: Operation, line: str) -> None:
    out = render_text(Plan((update("b", op),)), color=False, requests=None)
    assert out.splitlines()[1] == line


def test_a_long_prompt_change_is_a_line_diff_not_two_walls_of_text() -> None:
    old = "\n".join(f"Rule {i}: be helpful." for i in range(40))
    new = old.replace("Rule 20: be helpful.", "Rule 20: be brief.")
    out = render_text(
        Plan((update("b", Operation("replace", "/system_prompt", new, old)),)),
        color=False,
        requests=None,
    )
    lines = out.splitlines()
    assert "        -Rule 20: be helpful." in lines
    assert "        +Rule 20: be brief." in lines
    assert "Rule 5:" not in out  # far from the change: not shown
    assert len(lines) < 15


def test_a_single_long_line_is_diffed_as_text_too() -> None:
    old, new = "a" * 100, "b" * 100
    out = render_text(
        Plan((update("b", Operation("replace", "/context", new, old)),)), color=False, requests=1
    )
    assert f"        -{old}" in out.splitlines()
    assert f"        +{new}" in out.splitlines()
    assert out.endswith("(1 API request)\n")


def test_no_changes_says_so() -> None:
    plan = Plan((action(ActionKind.NOOP, "f", persona_id="p5"),))
    out = render_text(plan, color=False, requests=2)
    assert out == "No changes. Live personas match the manifests. (2 API requests)\n"


def test_orphans_alone_are_not_changes_but_are_noted() -> None:
    plan = Plan((action(ActionKind.ORPHAN, "e", persona_id="p4"),))
    out = render_text(plan, color=False, requests=None)
    assert out.splitlines()[0].startswith("Note: Persona/e (p4) is in the state")
    assert out.splitlines()[-1] == "No changes. Live personas match the manifests."


@pytest.mark.parametrize("color", [True, False])
def test_colour_only_when_asked(color: bool) -> None:
    out = render_text(EVERY_KIND, color=color, requests=None)
    assert ("\x1b[32m+ Persona/a will be created\x1b[0m" in out) is color
    assert ("\x1b[" in out) is color


def test_drift_mark_has_its_own_colour() -> None:
    op = Operation("replace", "/persona_name", "B", "X", drift=True)
    out = render_text(Plan((update("b", op),)), color=True, requests=None)
    assert "\x1b[35m(drift: changed outside tavusctl)" in out


def plan_schema() -> dict[str, Any]:
    text = resources.files("tavusctl").joinpath("schemas/plan.schema.json").read_text()
    schema: dict[str, Any] = json.loads(text)
    return schema


def test_json_output_validates_against_its_schema() -> None:
    plan = Plan(
        (
            *EVERY_KIND.actions,
            update("g", Operation("add", "/context", "c"), Operation("remove", "/x", old=1)),
        ),
        warnings=("careful",),
    )
    doc = json.loads(render_json(plan, 7))
    jsonschema.validate(doc, plan_schema())
    assert doc["format_version"] == "1"
    assert doc["summary"] == {
        "create": 1,
        "update": 2,
        "delete": 1,
        "orphan": 1,
        "recreate": 1,
        "noop": 1,
        "blocked": 0,
    }
    assert doc["actions"][1]["operations"] == [
        {
            "op": "replace",
            "path": "/persona_name",
            "value": "New",
            "old": "Old",
            "drift": False,
            "sensitive": False,
        }
    ]
    assert doc["actions"][-1]["operations"][1] == {
        "op": "remove",
        "path": "/x",
        "old": 1,
        "drift": False,
        "sensitive": False,
    }


def test_the_schema_rejects_a_plan_of_another_version() -> None:
    doc = json.loads(render_json(EVERY_KIND, None))
    doc["format_version"] = "2"
    with pytest.raises(jsonschema.ValidationError):
        jsonschema.validate(doc, plan_schema())


def test_markdown_puts_the_summary_table_first_and_one_section_per_change() -> None:
    out = render_markdown(EVERY_KIND, requests=3)
    assert out.startswith(
        "<!-- tavusctl-plan:default -->\n### tavusctl plan\n\n"
        "**Plan: 1 to create, 1 to update, 1 to delete"
    )
    assert out.index("| persona | file | action | id | changes |") < out.index("<details")
    assert out.count("<details") == 4  # create, update, delete, recreate; not orphan or noop
    assert "| `e` | — | orphan | `p4` | no manifest: left alone |" in out
    assert "`f`" not in out


def test_markdown_fences_survive_backticks_in_a_prompt() -> None:
    op = Operation("replace", "/system_prompt", "use ```code```\nline", "old\nline")
    out = render_markdown(Plan((update("b", op),)), requests=None)
    assert "````diff" in out


def many_changes(n: int) -> Plan:
    prompt = "\n".join(f"Step {i}: ask about the candidate's experience." for i in range(60))
    return Plan(
        tuple(
            update(
                f"p{i:03}",
                Operation("replace", "/system_prompt", prompt + f"\nNew rule {i}.", prompt),
                Operation("replace", "/context", "x" * 400, "y" * 400),
            )
            for i in range(n)
        )
    )


def test_markdown_for_300_changed_personas_stays_within_budget_and_says_what_was_left_out() -> None:
    out = render_markdown(many_changes(300), requests=5)
    shown = out.count("<details>")
    assert len(out) <= 60_000
    assert 0 < shown < 300
    assert out.count("</details>") == shown
    assert f"Details of {300 - shown} personas were left out" in out
    assert f"`Persona/p{shown:03}`" in out.split("left out")[1]  # the first one left out
    assert out.count("\n| `p") == 300  # the table still lists every persona
    assert render_markdown(many_changes(300), requests=5) == out


@pytest.mark.parametrize("budget", [3_000, 10_000])
def test_markdown_keeps_to_a_small_budget(budget: int) -> None:
    out = render_markdown(many_changes(300), budget=budget, requests=None)
    assert len(out) <= budget
    assert "left out" in out


SECRETS = [
    "sk-llm-PLANTED-1111",
    "sk-llm-PLANTED-2222",
    "Bearer PLANTED-3333",
    "sk-tts-PLANTED-4444",
]


def secret_plan() -> Plan:
    """A plan touching secrets in every way: create body, replace, added object, removal."""
    llm_key, new_key, bearer, tts_key = SECRETS
    old = {"persona_name": "A", "layers": {"llm": {"model": "m", "api_key": llm_key}}}
    new = {
        "persona_name": "B",
        "layers": {
            "llm": {"model": "m", "api_key": new_key, "headers": {"Authorization": bearer}},
            "tts": {"tts_engine": "cartesia", "api_key": tts_key},
        },
    }
    gone = {"persona_name": "G", "layers": {"llm": {"model": "m"}}}
    lock = Lockfile(
        SALT,
        {
            "Persona/upd": LockEntry("p1", hashed(old, SALT)),
            "Persona/rm": LockEntry("p2", hashed(old, SALT)),
        },
    )
    live = {"p1": {**old, "persona_id": "p1"}, "p2": {**old, "persona_id": "p2"}}
    return make_plan([res("upd", new), res("new", new), res("rm", gone)], lock, live)


def res(name: str, spec: dict[str, Any]) -> Resource:
    return Resource("Persona", name, spec, Location(f"{name}.yaml", 1, 1))


@pytest.mark.parametrize(
    "render",
    [
        lambda p: render_text(p, color=False, requests=1),
        lambda p: render_text(p, color=True, requests=1),
        lambda p: render_json(p, 1),
        lambda p: render_markdown(p, requests=1),
        lambda p: render_markdown(p, budget=2_000, requests=1),
    ],
    ids=["text", "text-color", "json", "markdown", "markdown-small"],
)
def test_no_format_ever_contains_a_secret_value(render) -> None:
    plan = secret_plan()
    kinds = {a.key: a.kind for a in plan.actions}
    assert kinds == {
        "Persona/new": ActionKind.CREATE,
        "Persona/rm": ActionKind.UPDATE,
        "Persona/upd": ActionKind.UPDATE,
    }
    assert any(op.op == "remove" and op.sensitive for a in plan.actions for op in a.operations)
    out = render(plan)
    assert "(sensitive value)" in out or "left out" in out
    for secret in SECRETS:
        assert secret not in out
        assert secret[-8:] not in out


def test_a_sensitive_operation_with_no_known_secret_position_is_hidden_whole() -> None:
    op = Operation("remove", "/custom", old={"token": "PLANTED-5555"}, sensitive=True)
    out = render_text(Plan((update("b", op),)), color=False, requests=None)
    assert "PLANTED" not in out
    assert "(sensitive value)" in out
    assert op.value is MISSING
