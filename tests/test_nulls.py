"""``null`` means unset: the 2026 API reads every unset field as null (the emulator's default,
``--unset-fields null``), and tavusctl treats a null exactly like an absent field."""

from __future__ import annotations

from tavusctl.api.wire import without_nulls
from tests.support.emulator import Emulator
from tests.support.workspace import API_KEY, Workspace, changing, spec


def test_without_nulls_drops_null_keys_at_any_depth_and_keeps_lists_whole() -> None:
    doc = {"a": None, "b": {"c": None, "d": 1}, "e": [None, {"f": None}], "g": {}}
    assert without_nulls(doc) == {"b": {"d": 1}, "e": [None, {"f": None}], "g": {}}
    plain = {"a": 1}
    assert without_nulls(plain) is plain


def test_a_field_that_reads_null_is_added_not_replaced_and_reads_back_quietly(
    ws: Workspace, emu: Emulator
) -> None:
    ws.write("ann")
    assert ws.apply().code == 0
    ws.write("ann", spec("ann", context="Now with context.", greeting="Hi!"))
    planned = ws.plan_json()
    assert changing(planned) == [("update", "Persona/ann")]
    patches = [r for r in emu.requests() if r["method"] == "PATCH"]
    assert patches == []  # plan does not write
    result = ws.apply()
    assert result.code == 0, result.output
    assert "warning" not in result.output.lower()
    [patch] = [r for r in emu.requests() if r["method"] == "PATCH"]
    assert {op["op"] for op in patch["body"] if op["op"] != "test"} == {"add"}
    again = ws.run("plan", "manifests", "--detailed-exitcode")
    assert again.code == 0, again.output


def test_a_persona_full_of_nulls_plans_empty_and_exports_without_them(
    ws: Workspace, emu: Emulator
) -> None:
    emu.create_persona({"persona_name": "Quiet", "system_prompt": "x", "layers": {"llm": {}}})
    shown = emu.admin.get(
        f"{emu.url}/v2/personas", params={"persona_type": "user"}, headers={"x-api-key": API_KEY}
    ).json()
    assert shown["data"][-1]["context"] is None  # the emulator does read nulls
    exported = ws.run("export", "--out", "manifests")
    assert exported.code == 0, exported.output
    text = (ws.manifests / "quiet.yaml").read_text()
    assert "null" not in text and "context" not in text
    again = ws.run("plan", "manifests", "--detailed-exitcode")
    assert again.code == 0, again.output


def test_a_field_dropped_from_the_manifest_that_someone_nulled_is_not_removed(
    ws: Workspace, emu: Emulator
) -> None:
    ws.write("ann", spec("ann", context="c"))
    assert ws.apply().code == 0
    [persona_id] = ws.ids().values()
    emu.edit_persona(str(persona_id), [{"op": "replace", "path": "/context", "value": None}])
    ws.write("ann")  # context no longer managed
    emu.clear_requests()
    result = ws.apply()
    assert result.code == 0, result.output
    assert [r for r in emu.requests() if r["method"] == "PATCH"] == []
