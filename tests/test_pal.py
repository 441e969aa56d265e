"""``kind: Pal``: the 2026 vocabulary over ``/v2/pals``, end to end against the emulator. One
object is never managed twice (as a Persona and as a Pal); ``state mv`` moves a managed persona
to the PAL vocabulary keeping its id."""

from __future__ import annotations

import json
from typing import Any

from tests.support.emulator import Emulator
from tests.support.workspace import Workspace, changing

PAL_SPEC: dict[str, Any] = {
    "pal_name": "Ada",
    "system_prompt": "You are Ada.",
    "greeting": "Hi, I'm Ada.",
    "default_face_id": "r4067604db72",
    "layers": {"conversational_flow": {"face_interruptibility": "low"}},
}
PERSONA_SPEC: dict[str, Any] = {
    "persona_name": "Ada",
    "system_prompt": "You are Ada.",
    "greeting": "Hi, I'm Ada.",
    "default_replica_id": "r4067604db72",
    "layers": {"conversational_flow": {"replica_interruptibility": "low"}},
}


def test_a_pal_is_created_and_updated_over_v2_pals_and_replans_empty(
    ws: Workspace, emu: Emulator
) -> None:
    ws.write("ada", kind="Pal", persona=PAL_SPEC)
    assert ws.apply().code == 0
    assert list(ws.ids()) == ["Pal/ada"]
    ws.write("ada", kind="Pal", persona={**PAL_SPEC, "greeting": "Welcome back."})
    assert ws.apply().code == 0
    paths = {(r["method"], r["path"].rsplit("/", 1)[0]) for r in emu.requests()}
    assert ("POST", "/v2") in paths and ("PATCH", "/v2/pals") in paths
    assert not any(r["method"] != "GET" and "personas" in r["path"] for r in emu.requests())
    [stored] = emu.list_personas()
    assert stored["persona_name"] == "Ada" and stored["greeting"] == "Welcome back."
    assert ws.run("plan", "manifests", "--detailed-exitcode").code == 0


def test_pal_interruptibility_warns_and_is_sent_as_face_interruptibility(
    ws: Workspace, emu: Emulator
) -> None:
    flow = {"conversational_flow": {"pal_interruptibility": "high"}}
    ws.write("ada", kind="Pal", persona={**PAL_SPEC, "layers": flow})
    result = ws.apply()
    assert result.code == 0, result.output
    assert "warning: Legacy field: pal_interruptibility" in result.output
    assert "face_interruptibility" in result.output
    [post] = [r for r in emu.requests() if r["method"] == "POST"]
    assert post["body"]["layers"]["conversational_flow"] == {"face_interruptibility": "high"}
    assert ws.run("plan", "manifests", "--detailed-exitcode").code == 0


def test_importing_as_a_pal_what_is_managed_as_a_persona_is_refused_naming_the_manifest(
    ws: Workspace,
) -> None:
    ws.write("ada", kind="Persona", persona=PERSONA_SPEC)
    assert ws.apply().code == 0
    [persona_id] = ws.ids().values()
    ws.write("ada-pal", kind="Pal", persona=PAL_SPEC)
    refused = ws.run("import", "Pal/ada-pal", str(persona_id), "manifests")
    assert refused.code == 1
    assert f"{persona_id} is already managed as Persona/ada (manifests/ada.yaml)" in refused.stderr
    assert "state mv Persona/ada Pal/ada-pal" in refused.stderr
    assert list(ws.ids()) == ["Persona/ada"]


def test_importing_as_a_persona_what_is_managed_as_a_pal_is_refused_naming_the_manifest(
    ws: Workspace,
) -> None:
    ws.write("ada", kind="Pal", persona=PAL_SPEC)
    assert ws.apply().code == 0
    [pal_id] = ws.ids().values()
    ws.write("ada-persona", kind="Persona", persona=PERSONA_SPEC)
    refused = ws.run("import", "Persona/ada-persona", str(pal_id), "manifests")
    assert refused.code == 1
    assert f"{pal_id} is already managed as Pal/ada (manifests/pal-ada.yaml)" in refused.stderr


def test_exporting_as_a_pal_what_is_managed_as_a_persona_is_refused(ws: Workspace) -> None:
    ws.write("ada", kind="Persona", persona=PERSONA_SPEC)
    assert ws.apply().code == 0
    [persona_id] = ws.ids().values()
    refused = ws.run("export", "--kind", "Pal", "--out", "out", str(persona_id))
    assert refused.code == 1
    assert "already managed as Persona/ada" in refused.stderr
    assert not (ws.root / "out").exists()


def test_plan_refuses_a_lockfile_that_records_one_object_under_two_kinds(ws: Workspace) -> None:
    ws.write("ada", kind="Persona", persona=PERSONA_SPEC)
    assert ws.apply().code == 0
    doc = json.loads(ws.lock_path.read_text())
    entries = doc["resources"] if "resources" in doc else doc["entries"]
    entries["Pal/ada-pal"] = dict(entries["Persona/ada"])
    ws.lock_path.write_text(json.dumps(doc))
    ws.write("ada-pal", kind="Pal", persona=PAL_SPEC)
    refused = ws.run("plan", "manifests")
    assert refused.code == 1
    assert "managed twice: as Pal/ada-pal (manifests/pal-ada-pal.yaml) and Persona/ada" in (
        refused.stderr
    )


def test_state_mv_moves_a_managed_persona_to_a_pal_keeping_its_id(
    ws: Workspace, emu: Emulator
) -> None:
    path = ws.write("ada", kind="Persona", persona=PERSONA_SPEC)
    assert ws.apply().code == 0
    [persona_id] = ws.ids().values()
    moved = ws.run("state", "mv", "Persona/ada", "Pal/ada")
    assert moved.code == 0, moved.output
    path.unlink()
    ws.write("ada", kind="Pal", persona=PAL_SPEC)
    planned = ws.plan_json()
    assert changing(planned) == []
    emu.clear_requests()
    assert ws.apply().code == 0
    assert [r for r in emu.requests() if r["method"] != "GET"] == []
    assert ws.ids() == {"Pal/ada": persona_id}
    assert len(emu.list_personas()) == 1


def test_export_kind_pal_writes_a_pal_manifest_that_replans_empty(
    ws: Workspace, emu: Emulator
) -> None:
    emu.create_persona({**PERSONA_SPEC, "persona_name": "Exported"})
    result = ws.run("export", "--kind", "Pal", "--out", "manifests")
    assert result.code == 0, result.output
    text = (ws.manifests / "exported.yaml").read_text()
    assert "kind: Pal" in text and "pal_name: Exported" in text
    assert "default_face_id: r4067604db72" in text and "face_interruptibility: low" in text
    assert "uuid" not in text and "pal_settings_id" not in text  # the server's, not exported
    assert list(ws.ids()) == ["Pal/exported"]
    assert ws.run("plan", "manifests", "--detailed-exitcode").code == 0
