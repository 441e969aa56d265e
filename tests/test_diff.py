from __future__ import annotations

from typing import Any

import jsonpatch
import pytest

from tavusctl.core.errors import InternalError
from tavusctl.core.payloads import PatchOp
from tavusctl.core.secrets import hash_secret
from tavusctl.core.values import MISSING
from tavusctl.plan.diff import three_way, verify_patch
from tavusctl.plan.model import Operation

SALT = "0123456789abcdef"


def persona(**over: Any) -> dict[str, Any]:
    doc: dict[str, Any] = {
        "persona_name": "Interviewer",
        "system_prompt": "You interview people.",
        "layers": {"llm": {"model": "m1"}, "tts": {"tts_engine": "cartesia"}},
    }
    doc.update(over)
    return doc


def live_of(doc: dict[str, Any], **extra: Any) -> dict[str, Any]:
    """A live document: the desired fields plus what the server adds by itself."""
    return {
        **doc,
        "persona_id": "p123",
        "created_at": "2026-01-01T00:00:00Z",
        "updated_at": "2026-01-02T00:00:00Z",
        **extra,
    }


def patch(ops: tuple[Operation, ...]) -> list[PatchOp]:
    return [op.to_patch() for op in ops]


CASES = [
    # (case, desired, last_applied, live, expected RFC 6902 patch)
    ("nothing changed", persona(), persona(), live_of(persona()), []),
    (
        "one field changed is one replace",
        persona(persona_name="Coach"),
        persona(),
        live_of(persona()),
        [{"op": "replace", "path": "/persona_name", "value": "Coach"}],
    ),
    (
        "a nested field changed is one replace at its path",
        persona(layers={"llm": {"model": "m2"}, "tts": {"tts_engine": "cartesia"}}),
        persona(),
        live_of(persona()),
        [{"op": "replace", "path": "/layers/llm/model", "value": "m2"}],
    ),
    (
        "a new field is added",
        persona(context="Be kind."),
        persona(),
        live_of(persona()),
        [{"op": "add", "path": "/context", "value": "Be kind."}],
    ),
    (
        "a missing parent object is added whole at the deepest existing parent",
        persona(
            layers={
                "llm": {"model": "m1"},
                "tts": {"tts_engine": "cartesia"},
                "perception": {"perception_model": "raven-1", "visual_tool_prompt": "look"},
            }
        ),
        persona(),
        live_of(persona()),
        [
            {
                "op": "add",
                "path": "/layers/perception",
                "value": {"perception_model": "raven-1", "visual_tool_prompt": "look"},
            }
        ],
    ),
    (
        "a field dropped from the manifest that was applied is removed",
        persona(),
        persona(context="Old context."),
        live_of(persona(context="Old context.")),
        [{"op": "remove", "path": "/context"}],
    ),
    (
        "a field dropped from the manifest and already gone from live needs nothing",
        persona(),
        persona(context="Old context."),
        live_of(persona()),
        [],
    ),
    (
        "an object dropped from the manifest whose live content was all ours is removed whole",
        persona(layers={"llm": {"model": "m1"}}),
        persona(),
        live_of(persona()),
        [{"op": "remove", "path": "/layers/tts"}],
    ),
    (
        "an object dropped from the manifest keeps what the server added to it",
        persona(layers={"llm": {"model": "m1"}}),
        persona(),
        live_of(
            persona(layers={"llm": {"model": "m1"}, "tts": {"tts_engine": "cartesia", "x": 1}})
        ),
        [{"op": "remove", "path": "/layers/tts/tts_engine"}],
    ),
    (
        "nested objects that were all ours are removed at the highest such object",
        {"persona_name": "A"},
        persona(layers={"llm": {"model": "m1", "extra_body": {"t": 1}}}),
        live_of(persona(layers={"llm": {"model": "m1", "extra_body": {"t": 1}}})),
        [
            {"op": "remove", "path": "/layers"},
            {"op": "replace", "path": "/persona_name", "value": "A"},
            {"op": "remove", "path": "/system_prompt"},
        ],
    ),
    (
        "server defaults the manifest never set are left alone",
        persona(),
        persona(),
        live_of(
            persona(
                layers={
                    "llm": {"model": "m1", "speculative_inference": True},
                    "tts": {"tts_engine": "cartesia", "tts_model_name": "sonic-3"},
                }
            ),
            pipeline_mode="full",
        ),
        [],
    ),
    (
        "server-owned fields are never touched even if a manifest names them",
        persona(persona_id="pother", created_at="x"),
        persona(),
        live_of(persona()),
        [],
    ),
    (
        "string booleans equal booleans",
        persona(layers={"llm": {"model": "m1"}, "tts": {"tts_emotion_control": "true"}}),
        persona(layers={"llm": {"model": "m1"}, "tts": {"tts_emotion_control": "true"}}),
        live_of(persona(layers={"llm": {"model": "m1"}, "tts": {"tts_emotion_control": True}})),
        [],
    ),
    (
        "integers equal the same floats",
        persona(layers={"tts": {"voice_settings": {"speed": 1}}}),
        None,
        live_of(persona(layers={"tts": {"voice_settings": {"speed": 1.0}}})),
        [],
    ),
    (
        "a boolean is not the number one",
        persona(layers={"tts": {"voice_settings": {"speed": True}}}),
        None,
        live_of(persona(layers={"tts": {"voice_settings": {"speed": 1}}})),
        [{"op": "replace", "path": "/layers/tts/voice_settings/speed", "value": True}],
    ),
    (
        "a boolean inside a list is not the number one",
        persona(document_tags=[True]),
        persona(),
        live_of(persona(document_tags=[1])),
        [{"op": "replace", "path": "/document_tags", "value": [True]}],
    ),
    (
        "a list is replaced whole",
        persona(document_ids=["d1", "d2", "d3"]),
        persona(document_ids=["d1", "d2"]),
        live_of(persona(document_ids=["d1", "d2"])),
        [{"op": "replace", "path": "/document_ids", "value": ["d1", "d2", "d3"]}],
    ),
    (
        "free-form objects are diffed per key and keep keys set elsewhere",
        persona(layers={"llm": {"model": "m1", "extra_body": {"temperature": 0.5}}}),
        persona(layers={"llm": {"model": "m1", "extra_body": {"temperature": 0.2}}}),
        live_of(
            persona(layers={"llm": {"model": "m1", "extra_body": {"temperature": 0.2, "top_p": 1}}})
        ),
        [{"op": "replace", "path": "/layers/llm/extra_body/temperature", "value": 0.5}],
    ),
    (
        "an empty object in the manifest is satisfied by any live object",
        persona(layers={"llm": {"model": "m1"}, "tts": {}}),
        None,
        live_of(persona(layers={"llm": {"model": "m1"}, "tts": {"tts_engine": "cartesia"}})),
        [],
    ),
    (
        "an empty object still removes the fields that were applied inside it",
        persona(layers={"llm": {"model": "m1"}, "tts": {}}),
        persona(),
        live_of(persona()),
        [{"op": "remove", "path": "/layers/tts/tts_engine"}],
    ),
    (
        "a scalar where an object is wanted is replaced by the object",
        persona(layers={"llm": {"model": "m1"}, "tts": {"tts_engine": "cartesia"}}),
        persona(),
        live_of(persona(layers={"llm": {"model": "m1"}, "tts": None})),
        [{"op": "replace", "path": "/layers/tts", "value": {"tts_engine": "cartesia"}}],
    ),
    (
        "null is a value, not an absence",
        persona(context=None),
        persona(),
        live_of(persona()),
        [{"op": "add", "path": "/context", "value": None}],
    ),
    (
        "keys with slashes and tildes are escaped",
        persona(layers={"llm": {"model": "m1", "extra_body": {"a/b~c": 2}}}),
        persona(layers={"llm": {"model": "m1", "extra_body": {"a/b~c": 1}}}),
        live_of(persona(layers={"llm": {"model": "m1", "extra_body": {"a/b~c": 1}}})),
        [{"op": "replace", "path": "/layers/llm/extra_body/a~1b~0c", "value": 2}],
    ),
    (
        "several changes come in path order",
        persona(system_prompt="New.", context="C", persona_name="Z"),
        persona(),
        live_of(persona()),
        [
            {"op": "add", "path": "/context", "value": "C"},
            {"op": "replace", "path": "/persona_name", "value": "Z"},
            {"op": "replace", "path": "/system_prompt", "value": "New."},
        ],
    ),
    (
        "with no lockfile entry, live-only fields stay and differing fields are replaced",
        persona(persona_name="New"),
        None,
        live_of(persona(), context="set in the dashboard"),
        [{"op": "replace", "path": "/persona_name", "value": "New"}],
    ),
]


@pytest.mark.parametrize(
    ("desired", "last", "live", "want"), [c[1:] for c in CASES], ids=[c[0] for c in CASES]
)
def test_three_way_gives_exactly_the_expected_patch(desired, last, live, want) -> None:
    ops = three_way(desired, last, live, salt=SALT)
    assert patch(ops) == want


def test_operations_carry_the_live_value_they_replace() -> None:
    ops = three_way(persona(persona_name="New"), persona(), live_of(persona()), salt=SALT)
    assert ops == (Operation("replace", "/persona_name", "New", "Interviewer"),)


def test_an_added_field_has_no_old_value() -> None:
    (op,) = three_way(persona(context="c"), persona(), live_of(persona()), salt=SALT)
    assert op.old is MISSING


@pytest.mark.parametrize(
    ("case", "desired", "last", "live", "drift"),
    [
        ("manifest change only", "B", "A", "A", False),
        ("changed outside tavusctl, manifest unchanged", "A", "A", "X", True),
        ("changed in both places", "B", "A", "X", True),
        ("a field tavusctl never applied is taken over without drift", "B", None, "X", False),
    ],
)
def test_drift_marks_managed_fields_changed_outside_tavusctl(
    case: str, desired: str, last: str | None, live: str, drift: bool
) -> None:
    last_doc = persona() if last is None else persona(context=last)
    (op,) = three_way(persona(context=desired), last_doc, live_of(persona(context=live)), salt=SALT)
    assert (op.op, op.path, op.value, op.drift) == ("replace", "/context", desired, drift)


def test_a_managed_field_deleted_outside_tavusctl_is_added_back_as_drift() -> None:
    (op,) = three_way(persona(context="C"), persona(context="C"), live_of(persona()), salt=SALT)
    assert (op.op, op.path, op.drift) == ("add", "/context", True)


def test_removing_a_field_someone_changed_since_is_marked_as_drift() -> None:
    (op,) = three_way(
        persona(), persona(context="ours"), live_of(persona(context="theirs")), salt=SALT
    )
    assert (op.op, op.path, op.drift, op.old) == ("remove", "/context", True, "theirs")


KEY = "sk-live-0123456789"
NEW_KEY = "sk-live-9876543210"


def with_key(key: Any, **llm: Any) -> dict[str, Any]:
    layer = {"model": "m1", **llm}
    if key is not MISSING:
        layer["api_key"] = key
    return persona(layers={"llm": layer, "tts": {"tts_engine": "cartesia"}})


SECRET_CASES = [
    # (case, desired key, last-applied key (hashed), live key, expected op or None, drift)
    ("clear in live and unchanged", KEY, KEY, KEY, None, False),
    ("masked in live and unchanged", KEY, KEY, "****6789", None, False),
    ("masked with an ellipsis and unchanged", KEY, KEY, "sk-live…6789", None, False),
    ("masked with bullets and unchanged", KEY, KEY, "•••••6789", None, False),
    ("omitted by live and unchanged", KEY, KEY, MISSING, None, False),
    ("null in live and unchanged", KEY, KEY, None, None, False),
    ("empty in live and unchanged", KEY, KEY, "", None, False),
    ("changed in the manifest, masked in live", NEW_KEY, KEY, "****6789", "replace", False),
    ("changed in the manifest, omitted by live", NEW_KEY, KEY, MISSING, "add", False),
    ("changed in the manifest, clear in live", NEW_KEY, KEY, KEY, "replace", False),
    ("never applied, masked in live", KEY, MISSING, "****6789", "replace", False),
    ("never applied, clear and equal in live", KEY, MISSING, KEY, None, False),
    ("never applied, clear and different in live", KEY, MISSING, NEW_KEY, "replace", False),
    ("changed in the dashboard, clear in live", KEY, KEY, NEW_KEY, "replace", True),
    ("changed in the dashboard, other last 4 masked", KEY, KEY, "****3210", "replace", True),
    ("changed in the dashboard, other prefix masked", KEY, KEY, "sk-test...6789", "replace", True),
    ("changed in the dashboard, bullets", KEY, KEY, "•••3210", "replace", True),
    ("an x run is no mask: clear and different", KEY, KEY, "xxxxxxxx6789", "replace", True),
    ("changed in both, clear in live", NEW_KEY, KEY, "sk-other-5555", "replace", True),
]


@pytest.mark.parametrize(
    ("desired", "last", "live", "want", "drift"),
    [c[1:] for c in SECRET_CASES],
    ids=[c[0] for c in SECRET_CASES],
)
def test_secrets_compare_by_hash_and_masks_by_their_visible_ends(
    desired, last, live, want, drift
) -> None:
    last_doc = with_key(MISSING if last is MISSING else hash_secret(last, SALT))
    ops = three_way(with_key(desired), last_doc, live_of(with_key(live)), salt=SALT)
    if want is None:
        assert ops == ()
    else:
        assert [(o.op, o.path, o.value, o.sensitive, o.drift) for o in ops] == [
            (want, "/layers/llm/api_key", desired, True, drift)
        ]


def test_a_secret_is_sent_again_when_its_whole_layer_is_gone_from_live() -> None:
    desired = with_key(KEY)
    last = with_key(hash_secret(KEY, SALT))
    live = live_of(persona(layers={"tts": {"tts_engine": "cartesia"}}))
    (op,) = three_way(desired, last, live, salt=SALT)
    assert (op.op, op.path, op.value, op.sensitive) == (
        "add",
        "/layers/llm",
        {"model": "m1", "api_key": KEY},
        True,
    )


def test_headers_hidden_by_the_server_with_their_object_are_not_a_change() -> None:
    desired = with_key(MISSING, headers={"Authorization": "Bearer x"})
    last = with_key(MISSING, headers={"Authorization": hash_secret("Bearer x", SALT)})
    assert three_way(desired, last, live_of(with_key(MISSING)), salt=SALT) == ()


def test_a_changed_header_is_one_sensitive_operation() -> None:
    desired = with_key(MISSING, headers={"Authorization": "Bearer y", "X-Team": "a"})
    last = with_key(
        MISSING, headers={"Authorization": hash_secret("Bearer x", SALT), "X-Team": "a"}
    )
    live = live_of(with_key(MISSING, headers={"Authorization": "****", "X-Team": "a"}))
    (op,) = three_way(desired, last, live, salt=SALT)
    assert (op.op, op.path, op.sensitive) == ("replace", "/layers/llm/headers/Authorization", True)


def test_extra_secret_paths_are_compared_by_hash() -> None:
    desired = persona(context="secret text")
    last = persona(context=hash_secret("secret text", SALT))
    live = live_of(persona(context="****text"))
    assert three_way(desired, last, live, salt=SALT, secret_paths={"/context"}) == ()
    assert three_way(desired, last, live, salt=SALT) != ()


def with_header(value: Any) -> dict[str, Any]:
    return with_key(MISSING, headers={"Authorization": value})


HIDDEN_DROPS = [
    # (case, last-applied, live as the server shows it, expected remove path)
    ("an api_key omitted by live", with_key(KEY), with_key(MISSING), "/layers/llm/api_key"),
    (
        "a header omitted, its object shown empty",
        with_header("Bearer x"),
        with_key(MISSING, headers={}),
        "/layers/llm/headers/Authorization",
    ),
    (
        "a header omitted with its object",
        with_header("Bearer x"),
        with_key(MISSING),
        "/layers/llm/headers/Authorization",
    ),
]


@pytest.mark.parametrize(
    ("last", "live", "path"), [c[1:] for c in HIDDEN_DROPS], ids=[c[0] for c in HIDDEN_DROPS]
)
def test_a_secret_we_set_is_removed_when_dropped_though_live_hides_it(
    last: dict[str, Any], live: dict[str, Any], path: str
) -> None:
    last_doc = hashed_secrets(last)
    (op,) = three_way(with_key(MISSING), last_doc, live_of(live), salt=SALT)
    assert (op.op, op.path, op.old, op.sensitive, op.drift) == (
        "remove",
        path,
        MISSING,
        True,
        False,
    )
    verify_patch(with_key(MISSING), last_doc, live_of(live), [op], salt=SALT)
    with pytest.raises(InternalError, match="does not give"):
        verify_patch(with_key(MISSING), last_doc, live_of(live), [], salt=SALT)


def hashed_secrets(doc: dict[str, Any]) -> dict[str, Any]:
    llm = dict(doc["layers"]["llm"])
    if "api_key" in llm:
        llm["api_key"] = hash_secret(llm["api_key"], SALT)
    if "headers" in llm:
        llm["headers"] = {k: hash_secret(v, SALT) for k, v in llm["headers"].items()}
    return {**doc, "layers": {**doc["layers"], "llm": llm}}


def test_a_hidden_secret_is_not_removed_when_the_object_holding_it_is_gone() -> None:
    desired = persona(layers={"tts": {"tts_engine": "cartesia"}})
    live = live_of(persona(layers={"tts": {"tts_engine": "cartesia"}}))
    assert three_way(desired, hashed_secrets(with_key(KEY)), live, salt=SALT) == ()


def test_a_hidden_secret_goes_with_its_layer_when_the_layer_is_dropped() -> None:
    desired = persona(layers={"tts": {"tts_engine": "cartesia"}})
    (op,) = three_way(desired, hashed_secrets(with_key(KEY)), live_of(with_key(MISSING)), salt=SALT)
    assert (op.op, op.path, op.sensitive) == ("remove", "/layers/llm", True)


def test_a_hidden_secret_in_an_object_live_does_not_show_goes_with_its_emptied_parent() -> None:
    last = {"layers": {"llm": {"api_key": hash_secret(KEY, SALT)}, "tts": {}}}
    (op,) = three_way({}, last, live_of({"layers": {"tts": {}}}), salt=SALT)
    assert (op.op, op.path, op.sensitive) == ("remove", "/layers", True)


def test_a_dropped_secret_changed_in_the_dashboard_is_removed_as_drift() -> None:
    (op,) = three_way(
        with_key(MISSING), hashed_secrets(with_key(KEY)), live_of(with_key(NEW_KEY)), salt=SALT
    )
    assert (op.op, op.path, op.drift, op.sensitive) == ("remove", "/layers/llm/api_key", True, True)


def test_removing_a_secret_is_a_sensitive_remove() -> None:
    last = with_key(hash_secret(KEY, SALT))
    (op,) = three_way(with_key(MISSING), last, live_of(with_key(KEY)), salt=SALT)
    assert (op.op, op.path, op.sensitive) == ("remove", "/layers/llm/api_key", True)


@pytest.mark.parametrize("case", CASES, ids=[c[0] for c in CASES])
def test_every_patch_applies_to_live_and_a_second_diff_is_empty(case) -> None:
    _, desired, last, live, _ = case
    ops = three_way(desired, last, live, salt=SALT)
    after = jsonpatch.apply_patch(live, patch(ops))
    assert three_way(desired, last, after, salt=SALT) == ()
    assert {k: after[k] for k in ("persona_id", "created_at", "updated_at")} == {
        k: live[k] for k in ("persona_id", "created_at", "updated_at")
    }


def test_a_list_holding_a_secret_is_a_sensitive_operation() -> None:
    tools = [{"type": "function", "api_key": "sk-in-a-list"}]
    (op,) = three_way(
        persona(layers={"llm": {"tools": tools}}), None, live_of(persona()), salt=SALT
    )
    assert (op.op, op.path, op.sensitive) == ("add", "/layers/llm/tools", True)


@pytest.mark.parametrize(
    ("case", "ops", "fragment"),
    [
        ("a wrong value", [Operation("replace", "/persona_name", "Other")], "does not give"),
        ("a missing operation", [], "does not give"),
        ("a path live lacks", [Operation("replace", "/context", "c")], "does not apply"),
        (
            "an unmanaged field touched",
            [Operation("replace", "/persona_name", "New"), Operation("remove", "/created_at")],
            "does not give",
        ),
    ],
)
def test_a_patch_that_does_not_verify_is_an_internal_error_naming_the_persona(
    case: str, ops: list[Operation], fragment: str
) -> None:
    with pytest.raises(InternalError) as err:
        verify_patch(
            persona(persona_name="New"),
            persona(),
            live_of(persona()),
            ops,
            salt=SALT,
            name="Persona/interviewer",
        )
    assert f"The patch planned for Persona/interviewer {fragment}" in err.value.message
    assert "This is a bug in tavusctl" in err.value.message


def test_the_patch_three_way_makes_verifies() -> None:
    desired, last, live = persona(persona_name="New"), persona(), live_of(persona())
    verify_patch(desired, last, live, three_way(desired, last, live, salt=SALT), salt=SALT)


def test_a_patch_that_does_not_verify_names_where_it_went_wrong_never_the_values() -> None:
    with pytest.raises(InternalError) as err:
        verify_patch(
            persona(persona_name="New", context="Secret-looking context"),
            persona(),
            live_of(persona()),
            [Operation("replace", "/persona_name", "New")],
            salt=SALT,
            name="Persona/interviewer",
        )
    assert "(it differs at /context)" in err.value.message
    assert "Secret-looking" not in err.value.message
