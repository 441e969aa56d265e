from __future__ import annotations

import json
from typing import Any

import pytest

from tavusctl.core.errors import PlanError
from tavusctl.core.model import Location, Resource
from tavusctl.core.secrets import hash_secret
from tavusctl.plan.model import ActionKind, Operation, Plan
from tavusctl.plan.planner import live_fingerprint, make_plan
from tavusctl.state.lockfile import LockEntry, Lockfile

SALT = "plan-salt"
KEY = "sk-secret-value-1234"


def spec(**over: Any) -> dict[str, Any]:
    return {"persona_name": "P", "system_prompt": "Hello.", **over}


def res(name: str, body: dict[str, Any] | None = None, **secrets: str) -> Resource:
    return Resource(
        kind="Persona",
        name=name,
        spec=body if body is not None else spec(),
        location=Location(f"{name}.yaml", 1, 1),
        secrets=secrets,
    )


def lock(**entries: LockEntry) -> Lockfile:
    return Lockfile(salt=SALT, entries={f"Persona/{k}": v for k, v in entries.items()})


def live(doc: dict[str, Any], pid: str) -> dict[str, Any]:
    return {**doc, "persona_id": pid, "updated_at": "2026-01-01T00:00:00Z"}


def kinds(plan: Plan) -> dict[str, ActionKind]:
    return {a.key: a.kind for a in plan.actions}


@pytest.mark.parametrize(
    ("case", "entry", "live_docs", "kind"),
    [
        ("not in the lockfile: create", None, {}, ActionKind.CREATE),
        ("only a create intent recorded: create", LockEntry(None, {}, "t"), {}, ActionKind.CREATE),
        (
            "locked but gone from the account: recreate",
            LockEntry("p1", spec()),
            {},
            ActionKind.RECREATE,
        ),
        (
            "locked and live matches: noop",
            LockEntry("p1", spec()),
            {"p1": live(spec(), "p1")},
            ActionKind.NOOP,
        ),
        (
            "locked and live differs: update",
            LockEntry("p1", spec()),
            {"p1": live(spec(persona_name="Q"), "p1")},
            ActionKind.UPDATE,
        ),
    ],
)
def test_each_manifest_gets_the_action_its_state_calls_for(case, entry, live_docs, kind) -> None:
    entries = {} if entry is None else {"a": entry}
    plan = make_plan([res("a")], lock(**entries), live_docs)
    assert kinds(plan) == {"Persona/a": kind}


@pytest.mark.parametrize(("prune", "kind"), [(False, ActionKind.ORPHAN), (True, ActionKind.DELETE)])
def test_a_locked_persona_without_manifest_is_deleted_only_with_prune(prune, kind) -> None:
    plan = make_plan(
        [], lock(gone=LockEntry("p9", spec())), {"p9": live(spec(), "p9")}, prune=prune
    )
    (action,) = plan.actions
    assert (action.kind, action.persona_id, action.name) == (kind, "p9", "gone")
    assert plan.has_changes is prune


def test_an_update_carries_the_three_way_operations() -> None:
    plan = make_plan(
        [res("a", spec(persona_name="New"))],
        lock(a=LockEntry("p1", spec())),
        {"p1": live(spec(), "p1")},
    )
    (action,) = plan.actions
    assert action.persona_id == "p1"
    assert action.operations == (Operation("replace", "/persona_name", "New", "P"),)


def test_a_create_carries_the_desired_spec_as_body() -> None:
    body = spec(layers={"llm": {"model": "m"}})
    (action,) = make_plan([res("a", body)], lock(), {}).actions
    assert action.body == body
    assert action.applied == body


def test_a_recreate_names_the_id_that_is_gone() -> None:
    (action,) = make_plan([res("a")], lock(a=LockEntry("p1", spec())), {}).actions
    assert (action.kind, action.persona_id, action.body) == (ActionKind.RECREATE, "p1", spec())


def test_applied_holds_secret_hashes_and_no_secret_value() -> None:
    body = spec(layers={"llm": {"model": "m", "api_key": KEY}})
    (action,) = make_plan([res("a", body)], lock(), {}).actions
    assert action.applied == spec(layers={"llm": {"model": "m", "api_key": hash_secret(KEY, SALT)}})
    assert KEY not in json.dumps(action.applied)
    assert action.sensitive_paths == {"/layers/llm/api_key"}
    assert action.body is not None and action.body["layers"]["llm"]["api_key"] == KEY


def test_fields_the_loader_marks_secret_are_hashed_too() -> None:
    body = spec(context="private")
    (action,) = make_plan([res("a", body, **{"/context": "CTX"})], lock(), {}).actions
    assert action.applied is not None and action.applied["context"] == hash_secret("private", SALT)
    assert action.sensitive_paths == {"/context"}


def test_an_unchanged_secret_with_a_masked_live_value_is_a_noop() -> None:
    body = spec(layers={"llm": {"model": "m", "api_key": KEY}})
    applied = spec(layers={"llm": {"model": "m", "api_key": hash_secret(KEY, SALT)}})
    masked = live(spec(layers={"llm": {"model": "m", "api_key": "****1234"}}), "p1")
    plan = make_plan([res("a", body)], lock(a=LockEntry("p1", applied)), {"p1": masked})
    assert kinds(plan) == {"Persona/a": ActionKind.NOOP}


def test_actions_are_sorted_by_key() -> None:
    plan = make_plan(
        [res("c"), res("a")], lock(b=LockEntry("p2", spec())), {"p2": live(spec(), "p2")}
    )
    assert [a.key for a in plan.actions] == ["Persona/a", "Persona/b", "Persona/c"]


@pytest.mark.parametrize("targets", [("a",), ("Persona/a",)])
def test_targets_limit_the_plan_by_name_or_key(targets) -> None:
    plan = make_plan([res("a"), res("b")], lock(), {}, targets=targets)
    assert kinds(plan) == {"Persona/a": ActionKind.CREATE}
    assert plan.targets == targets


def test_an_unknown_target_is_an_error_listing_the_known_names() -> None:
    with pytest.raises(PlanError, match=r"Unknown target 'nope'.*Known names: a, b\."):
        make_plan([res("a")], lock(b=LockEntry("p2", spec())), {}, targets=["nope"])


def test_a_persona_defined_twice_is_an_error_naming_both_places() -> None:
    with pytest.raises(PlanError, match=r"Persona/a is defined twice: at a\.yaml:1:1 and at"):
        make_plan([res("a"), res("a")], lock(), {})


def test_an_unrecorded_create_intent_is_warned_about() -> None:
    plan = make_plan([res("a")], lock(a=LockEntry(None, {}, "2026-01-01T00:00:00Z")), {})
    assert plan.warnings == (
        "Persona/a: a create was started at 2026-01-01T00:00:00Z but its result was never "
        "recorded; apply will adopt the persona if it was created.",
    )


def test_counts_and_changes_ignore_orphans() -> None:
    plan = make_plan(
        [res("a")],
        lock(a=LockEntry("p1", spec()), o=LockEntry("p2", spec())),
        {"p1": live(spec(), "p1"), "p2": live(spec(), "p2")},
    )
    assert plan.counts()[ActionKind.ORPHAN] == 1
    assert plan.counts()[ActionKind.NOOP] == 1
    assert not plan.has_changes


def test_the_live_fingerprint_ignores_updated_at_but_not_real_changes() -> None:
    doc = live(spec(), "p1")
    base = live_fingerprint(doc, SALT)
    assert live_fingerprint({**doc, "updated_at": "later"}, SALT) == base
    assert live_fingerprint({**doc, "persona_name": "other"}, SALT) != base
    assert live_fingerprint(doc, "another-salt") != base


def test_update_and_noop_actions_carry_the_live_fingerprint() -> None:
    doc = live(spec(), "p1")
    (action,) = make_plan([res("a")], lock(a=LockEntry("p1", spec())), {"p1": doc}).actions
    assert action.live_fingerprint == live_fingerprint(doc, SALT)


def test_secrets_inside_lists_are_hashed_in_applied_too() -> None:
    body = spec(layers={"llm": {"tools": [{"name": "t", "api_key": KEY}]}})
    (action,) = make_plan([res("a", body)], lock(), {}).actions
    assert action.applied is not None
    assert action.applied["layers"]["llm"]["tools"] == [
        {"name": "t", "api_key": hash_secret(KEY, SALT)}
    ]
