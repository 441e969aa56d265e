"""`tavusctl plan` end to end under each emulator switch variant the Tavus docs leave open:
GET shape flat or wrapped, secrets stored/masked/omitted, server defaults filled, and an
unknown persona id answered with 400 or 404. The plans must be the same under all of them.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from tests.support.emulator import Emulator
from tests.support.planning import Workspace, actions, kinds, secret_spec

VARIANTS: dict[str, dict[str, Any]] = {
    "defaults-flat-stored-400": {},
    "get-wrapped": {"get_shape": "wrapped"},
    "secrets-masked": {"secrets": "masked"},
    "secrets-omitted": {"secrets": "omitted"},
    "fill-defaults": {"fill_defaults": True},
    "missing-404": {"missing_status": 404},
}


@pytest.fixture
def ws(tmp_path: Path, emulator: Emulator) -> Workspace:
    return Workspace(tmp_path, emulator)


def _ops(action: dict[str, Any]) -> list[tuple[str, str, Any, bool]]:
    return [(o["op"], o["path"], o.get("value"), o["drift"]) for o in action["operations"]]


# Flow siblings are what the server fills when one flow field is set (with fill_defaults).
FLOW = {"conversational_flow": {"turn_detection_model": "sparrow-1"}}


def _body(name: str, **more: Any) -> dict[str, Any]:
    return secret_spec(name, key_var=f"{name.upper()}_KEY", layers=FLOW, **more)


@pytest.mark.parametrize("switches", list(VARIANTS.values()), ids=list(VARIANTS))
def test_core_scenarios_plan_the_same_under_each_emulator_variant(
    ws: Workspace, switches: dict[str, Any]
) -> None:
    ws.emulator.configure(**switches)
    names = ("same", "edited", "drifted", "gone", "rotated")
    ws.env.update({f"{n.upper()}_KEY": f"sk-{n}-Vq8Lm2Ztxw" for n in names})
    ids = {name: ws.sync(name, _body(name)) for name in names}
    in_sync = ws.plan_json("--detailed-exitcode", code=0)
    assert kinds(in_sync) == dict.fromkeys(names, "noop")

    ws.write("edited", _body("edited", persona_name="Renamed"))
    edit = [{"op": "replace", "path": "/system_prompt", "value": "Changed in the dashboard."}]
    ws.emulator.edit_persona(ids["drifted"], edit)
    ws.delete_live(ids["gone"])
    ws.env["ROTATED_KEY"] = "sk-rotated-Pn4Rk7Wsxy"
    plan = actions(ws.plan_json("--detailed-exitcode", code=2))
    assert {n: a["action"] for n, a in plan.items()} == {
        "same": "noop",
        "edited": "update",
        "drifted": "update",
        "gone": "recreate",
        "rotated": "update",
    }
    assert _ops(plan["edited"]) == [("replace", "/persona_name", "Renamed", False)]
    assert _ops(plan["drifted"]) == [("replace", "/system_prompt", "You are drifted.", True)]
    assert plan["gone"]["persona_id"] == ids["gone"]
    (rotation,) = plan["rotated"]["operations"]
    assert rotation["op"] in ("add", "replace")  # add when the API omits secrets on read
    assert (rotation["path"], rotation["sensitive"]) == ("/layers/llm/api_key", True)


@pytest.mark.parametrize("shape", ["flat", "wrapped"])
def test_a_persona_the_list_leaves_out_is_read_by_id_in_either_get_shape(
    ws: Workspace, shape: str
) -> None:
    ws.emulator.configure(get_shape=shape)
    ws.sync("ann", secret_spec("ann"))
    unlisted = ws.sync("bob", secret_spec("bob"))
    edit = [{"op": "replace", "path": "/persona_name", "value": "Robert"}]
    ws.emulator.edit_persona(unlisted, edit)
    page = ws.api("GET", "/v2/personas?limit=100&persona_type=user").json()
    shown = [p for p in page["data"] if p["persona_id"] != unlisted]
    ws.emulator.inject("GET", "/v2/personas", status=200, body={"data": shown, "total_count": 1})
    ws.emulator.clear_requests()
    plan = actions(ws.plan_json())
    assert plan["ann"]["action"] == "noop"
    assert _ops(plan["bob"]) == [("replace", "/persona_name", "Bob", True)]
    reads = [(r["method"], r["path"]) for r in ws.emulator.requests()]
    assert reads.count(("GET", f"/v2/personas/{unlisted}")) == 1


@pytest.mark.parametrize("secrets", ["stored", "masked", "omitted"])
def test_a_secret_dropped_from_the_manifest_is_removed_under_each_secrets_variant(
    ws: Workspace, secrets: str
) -> None:
    ws.emulator.configure(secrets=secrets)
    ws.sync("ann", secret_spec("ann"))
    dropped = secret_spec("ann")
    del dropped["layers"]["llm"]["api_key"]
    ws.write("ann", dropped)
    plan = actions(ws.plan_json("--detailed-exitcode", code=2))
    assert _ops(plan["ann"]) == [("remove", "/layers/llm/api_key", None, False)]
    assert "- /layers/llm/api_key: (sensitive value)\n" in ws.plan().stdout


DASHBOARD_KEY = "sk-live-Dashboard9Kf3"  # other last 4 than SECRETS["LLM_API_KEY"]


@pytest.mark.parametrize("secrets", ["stored", "masked"])
def test_an_api_key_changed_in_the_dashboard_is_sensitive_drift_when_the_api_shows_it(
    ws: Workspace, secrets: str
) -> None:
    ws.emulator.configure(secrets=secrets)
    pid = ws.sync("ann", secret_spec("ann"))
    edit = [{"op": "replace", "path": "/layers/llm/api_key", "value": DASHBOARD_KEY}]
    ws.emulator.edit_persona(pid, edit)
    plan = actions(ws.plan_json("--detailed-exitcode", code=2))
    (op,) = plan["ann"]["operations"]
    assert (op["op"], op["path"], op["drift"], op["sensitive"]) == (
        "replace",
        "/layers/llm/api_key",
        True,
        True,
    )
    text = ws.plan().stdout
    assert "(sensitive value)" in text and "drift" in text
    assert DASHBOARD_KEY not in text and DASHBOARD_KEY[-4:] not in text
    assert ws.env["LLM_API_KEY"] not in text


def test_an_api_key_changed_in_the_dashboard_cannot_be_seen_when_the_api_omits_it(
    ws: Workspace,
) -> None:
    ws.emulator.configure(secrets="omitted")
    pid = ws.sync("ann", secret_spec("ann"))
    edit = [{"op": "replace", "path": "/layers/llm/api_key", "value": DASHBOARD_KEY}]
    ws.emulator.edit_persona(pid, edit)
    assert kinds(ws.plan_json("--detailed-exitcode", code=0)) == {"ann": "noop"}


def test_a_masked_key_changed_in_the_dashboard_to_the_same_last_4_is_not_seen(
    ws: Workspace,
) -> None:
    ws.emulator.configure(secrets="masked")
    pid = ws.sync("ann", secret_spec("ann"))
    same_end = "sk-other-" + ws.env["LLM_API_KEY"][-4:]
    ws.emulator.edit_persona(
        pid, [{"op": "replace", "path": "/layers/llm/api_key", "value": same_end}]
    )
    assert kinds(ws.plan_json("--detailed-exitcode", code=0)) == {"ann": "noop"}
