from __future__ import annotations

import json
from dataclasses import replace
from typing import Any

import pytest

from tavusctl.core.errors import PlanError
from tavusctl.core.model import Location, Resource
from tavusctl.core.secrets import hash_secret
from tavusctl.core.values import MISSING
from tavusctl.plan import saved as planfile
from tavusctl.plan.model import ActionKind, Plan
from tavusctl.plan.planner import make_plan
from tavusctl.plan.redact import hashed
from tavusctl.state.lockfile import LockEntry, Lockfile

SALT = "planfile-salt"
KEY = planfile.PlanKey.derive("tvs-api-key", SALT)
OLD_KEY, NEW_KEY, BEARER, TTS_KEY = (
    "sk-old-PLANTED-1111",
    "sk-new-PLANTED-2222",
    "Bearer PLANTED-3333",
    "sk-tts-PLANTED-4444",
)
OLD: dict[str, Any] = {"persona_name": "A", "layers": {"llm": {"model": "m", "api_key": OLD_KEY}}}
NEW: dict[str, Any] = {
    "persona_name": "B",
    "layers": {
        "llm": {"model": "m", "api_key": NEW_KEY, "headers": {"Authorization": BEARER}},
        "tts": {"tts_engine": "cartesia", "api_key": TTS_KEY},
    },
}
ENV = {"/layers/llm/api_key": "LLM_KEY", "/layers/tts/api_key": "TTS_KEY"}


def res(name: str, spec: dict[str, Any]) -> Resource:
    return Resource("Persona", name, spec, Location(f"{name}.yaml", 1, 1), secrets=ENV)


RESOURCES = [res("upd", NEW), res("new", NEW), res("rm", {"persona_name": "G"})]


def secret_plan() -> Plan:
    lock = Lockfile(
        SALT,
        {
            "Persona/upd": LockEntry("p1", hashed(OLD, SALT)),
            "Persona/rm": LockEntry("p2", hashed(OLD, SALT)),
            "Persona/orphan": LockEntry("p3", {}),
        },
    )
    live = {pid: {**OLD, "persona_id": pid} for pid in ("p1", "p2", "p3")}  # secrets in clear
    return make_plan(RESOURCES, lock, live)


def saved_text(plan: Plan | None = None) -> str:
    return planfile.dumps(
        plan or secret_plan(), KEY, manifests_fingerprint="m-fp", lockfile_fingerprint="l-fp"
    )


def test_a_saved_plan_holds_no_secret_value() -> None:
    plan = secret_plan()
    assert {a.kind for a in plan.actions} == {
        ActionKind.CREATE,
        ActionKind.UPDATE,
        ActionKind.ORPHAN,
    }
    text = saved_text(plan)
    for secret in (OLD_KEY, NEW_KEY, BEARER, TTS_KEY):
        assert secret not in text
        assert secret.split("-")[-1] not in text


def test_secrets_are_saved_as_references_with_a_hash_keyed_by_the_api_key() -> None:
    doc = json.loads(saved_text())
    create = next(a for a in doc["actions"] if a["key"] == "Persona/new")
    assert create["body"]["layers"]["llm"]["api_key"] == {
        "$secret": "/layers/llm/api_key",
        "hash": KEY.hash(hash_secret(NEW_KEY, SALT)),
    }
    update = next(a for a in doc["actions"] if a["key"] == "Persona/upd")
    ops = {op["path"]: op for op in update["operations"]}
    assert ops["/layers/tts"]["value"]["api_key"] == {
        "$secret": "/layers/tts/api_key",
        "hash": KEY.hash(hash_secret(TTS_KEY, SALT)),
    }
    assert "old" not in ops["/layers/llm/api_key"]  # the live value of a secret is not kept


def test_a_saved_plan_round_trips_with_secrets_resolved_from_the_manifests() -> None:
    plan = secret_plan()
    saved = planfile.loads(saved_text(plan), KEY)
    assert (saved.manifests_fingerprint, saved.lockfile_fingerprint) == ("m-fp", "l-fp")
    want = replace(
        plan,
        actions=tuple(
            replace(
                a,
                operations=tuple(
                    replace(op, old=MISSING) if op.sensitive else op for op in a.operations
                ),
                live_fingerprint=a.live_fingerprint and KEY.hash(a.live_fingerprint),
            )
            for a in plan.actions
        ),
    )
    assert planfile.resolve_secrets(saved, RESOURCES, KEY) == want


def test_a_secret_changed_since_the_plan_was_saved_is_refused_naming_its_variable() -> None:
    saved = planfile.loads(saved_text(), KEY)
    changed = NEW | {"layers": {**NEW["layers"], "tts": {"tts_engine": "cartesia", "api_key": "x"}}}
    with pytest.raises(PlanError) as err:
        planfile.resolve_secrets(saved, [res("upd", changed), *RESOURCES[1:]], KEY)
    assert err.value.message == (
        "The secret at /layers/tts/api_key of Persona/upd (from ${env:TTS_KEY}) changed since "
        "the plan was saved. Make a new plan with `tavusctl plan -o FILE`."
    )


def test_a_secret_gone_from_the_manifests_is_refused() -> None:
    saved = planfile.loads(saved_text(), KEY)
    with pytest.raises(PlanError, match=r"/layers/llm/api_key of Persona/new is no longer"):
        planfile.resolve_secrets(saved, RESOURCES[:1], KEY)


@pytest.mark.parametrize(
    ("text", "fragment"),
    [
        ("{not json", "is not valid JSON (line 1, column 2"),
        ('{"format_version": "9"}', "has format version '9', but this tavusctl reads version '2'"),
        ("[]", "has format version None"),
        ('{"format_version": "2"}', "was changed after tavusctl wrote it"),
        (None, "was changed after tavusctl wrote it"),
    ],
)
def test_a_corrupt_or_unknown_plan_file_is_a_clear_error(text: str | None, fragment: str) -> None:
    if text is None:  # a valid file with one action of an unknown kind
        doc = json.loads(saved_text())
        doc["actions"][0]["kind"] = "explode"
        text = json.dumps(doc)
    with pytest.raises(PlanError) as err:
        planfile.loads(text, KEY, "plan.json")
    assert fragment in err.value.message
    assert err.value.message.startswith("plan.json ")
    assert err.value.message.endswith("Make a new plan with `tavusctl plan -o FILE`.")


LIVE = {pid: {**OLD, "persona_id": pid, "updated_at": "t1"} for pid in ("p1", "p2", "p3")}


def fresh(**over: Any) -> None:
    args: dict[str, Any] = {
        "manifests_fingerprint": "m-fp",
        "lockfile_fingerprint": "l-fp",
        "live": LIVE,
    }
    planfile.check_fresh(planfile.loads(saved_text(), KEY), KEY, **(args | over))


def test_a_plan_is_fresh_when_nothing_changed_but_timestamps() -> None:
    fresh(live={pid: doc | {"updated_at": "t2"} for pid, doc in LIVE.items()})


@pytest.mark.parametrize(
    ("over", "message"),
    [
        ({"manifests_fingerprint": "other"}, "The manifests changed since the plan was saved."),
        ({"lockfile_fingerprint": "other"}, "The lockfile changed since the plan was saved."),
        (
            {"live": LIVE | {"p1": LIVE["p1"] | {"persona_name": "Z"}}},
            "Persona/upd (p1) changed on the account since the plan was saved.",
        ),
        (
            {"live": {k: v for k, v in LIVE.items() if k != "p2"}},
            "Persona/rm (p2) changed on the account since the plan was saved.",
        ),
    ],
)
def test_a_stale_plan_is_refused_saying_what_changed(over: dict[str, Any], message: str) -> None:
    with pytest.raises(PlanError) as err:
        fresh(**over)
    assert err.value.message.startswith(message)


@pytest.mark.parametrize(
    ("edit", "sentence"),
    [
        ({"persona_name": "Z"}, " /persona_name is no longer what the plan saw there. "),
        ({"system_prompt": "Z"}, " It was edited outside tavusctl. "),
        ({"layers": {"llm": {"model": "m", "api_key": "Z"}}}, " It was edited outside tavusctl. "),
    ],
)
def test_a_stale_plan_names_the_planned_field_that_changed_but_no_value(
    edit: dict[str, Any], sentence: str
) -> None:
    with pytest.raises(PlanError) as err:
        fresh(live=LIVE | {"p1": LIVE["p1"] | edit})
    assert sentence in err.value.message
    assert "Z" not in err.value.message


def test_an_orphan_changing_on_the_account_does_not_make_a_plan_stale() -> None:
    fresh(live=LIVE | {"p3": LIVE["p3"] | {"persona_name": "Z"}})


def test_the_manifests_fingerprint_follows_resolved_values_and_hides_secrets() -> None:
    base = planfile.manifests_fingerprint(RESOURCES, SALT)
    assert planfile.manifests_fingerprint(list(RESOURCES), SALT) == base
    changed = [res("upd", NEW | {"persona_name": "C"}), *RESOURCES[1:]]
    assert planfile.manifests_fingerprint(changed, SALT) != base
    new_key = NEW | {"layers": {**NEW["layers"], "llm": {"model": "m", "api_key": "other"}}}
    assert planfile.manifests_fingerprint([res("upd", new_key), *RESOURCES[1:]], SALT) != base
