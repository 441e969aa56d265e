"""Pronunciation dictionaries end to end: the real CLI against the emulator's
/v2/pronunciation-dictionaries (id ``uuid``, plain-JSON PATCH). A PAL's voice names one with
``layers.tts.pronunciation_dictionary_id: ${ref:PronunciationDictionary/name}``."""

from __future__ import annotations

from tests.support.emulator import Emulator
from tests.support.workspace import Workspace

RULES = [
    {"text": "Tavus", "pronunciation": "TAH-vus"},
    {"text": "PAL", "pronunciation": "pal", "case_sensitive": True},
]


def writes(emu: Emulator) -> list[tuple[str, str]]:
    return [(r["method"], r["path"]) for r in emu.requests() if r["method"] != "GET"]


def test_a_dictionary_is_created_before_its_pal_edited_in_one_patch_and_destroyed_after(
    ws: Workspace, emu: Emulator
) -> None:
    ws.write(
        "brand-names",
        kind="PronunciationDictionary",
        persona={"name": "Brand names", "rules": RULES},
    )
    ws.write("intake", kind="Pal", persona={
        "pal_name": "Intake", "system_prompt": "You take intake calls.",
        "layers": {"tts": {"pronunciation_dictionary_id":
                           "${ref:PronunciationDictionary/brand-names}"}},
    })  # fmt: skip
    plan = ws.run("plan", "manifests")
    assert "(known after apply: PronunciationDictionary/brand-names)" in plan.stdout, plan.output
    applied = ws.apply()
    assert applied.code == 0 and "2 created" in applied.output, applied.output
    ids = ws.ids()
    posts = [r for r in emu.requests() if r["method"] == "POST"]
    assert [r["path"] for r in posts] == ["/v2/pronunciation-dictionaries", "/v2/pals"]
    sent = posts[1]["body"]["layers"]["tts"]["pronunciation_dictionary_id"]
    assert sent == ids["PronunciationDictionary/brand-names"]
    assert ws.run("plan", "manifests", "--detailed-exitcode").code == 0

    edited = [*RULES, {"text": "Gemma", "pronunciation": "JEM-uh"}]
    ws.write(
        "brand-names",
        kind="PronunciationDictionary",
        persona={"name": "Brand names", "rules": edited},
    )
    emu.clear_requests()
    assert ws.apply().code == 0
    did = ids["PronunciationDictionary/brand-names"]
    assert writes(emu) == [("PATCH", f"/v2/pronunciation-dictionaries/{did}")]
    (body,) = [r["body"] for r in emu.requests() if r["method"] == "PATCH"]
    assert body == {"rules": edited}  # a plain JSON body of the one field that changed
    assert ws.run("plan", "manifests", "--detailed-exitcode").code == 0

    emu.clear_requests()
    assert ws.run("destroy", "--auto-approve").code == 0
    assert writes(emu) == [
        ("DELETE", f"/v2/pals/{ids['Pal/intake']}"),
        ("DELETE", f"/v2/pronunciation-dictionaries/{did}"),
    ]


def test_a_text_with_two_rules_is_a_located_validate_error(ws: Workspace) -> None:
    rules = [*RULES, {"text": "Tavus", "pronunciation": "TAY-vus"}]
    ws.write(
        "brand-names",
        kind="PronunciationDictionary",
        persona={"name": "Brand names", "rules": rules},
    )
    result = ws.run("validate", "manifests")
    assert result.code == 1, result.output
    assert "pronunciationdictionary-brand-names.yaml:" in result.output
    assert "'Tavus' already has a rule (rules[0])" in result.output


def test_the_dictionary_field_refuses_a_reference_to_another_kind(ws: Workspace) -> None:
    ws.write(
        "no-pii",
        kind="Guardrail",
        persona={"guardrail_name": "no_pii", "guardrail_prompt": "No PII."},
    )
    ws.write("intake", kind="Pal", persona={
        "pal_name": "Intake", "system_prompt": "You take intake calls.",
        "layers": {"tts": {"pronunciation_dictionary_id": "${ref:Guardrail/no-pii}"}},
    })  # fmt: skip
    result = ws.run("validate", "manifests")
    assert result.code == 1 and "pronunciation_dictionary_id" in result.output, result.output
