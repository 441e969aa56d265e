"""The example graph (examples/manifests: a clinic intake PAL with its objectives flow, two
guardrails, a booking tool whose bearer token comes from ${env:}, a dictionary of brand names,
beside the example personas) through the real CLI against the emulator: applied from nothing
in dependency order, re-planned empty, one edited guardrail prompt is one PATCH to that
guardrail, destroyed in reverse order."""

from __future__ import annotations

import dataclasses
import shutil
from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.support.emulator import Emulator
from tests.support.workspace import API_KEY, Workspace

ROOT = Path(__file__).resolve().parent.parent
TOKEN = "clinic-booking-token-6a5b4c3d2e1f"
GRAPH = {
    "Pal/clinic-intake": "/v2/pals",
    "Objectives/intake-flow": "/v2/objectives",
    "Guardrail/no-medical-advice": "/v2/guardrails",
    "Guardrail/no-pii": "/v2/guardrails",
    "Tool/book-appointment": "/v2/tools",
    "PronunciationDictionary/brand-names": "/v2/pronunciation-dictionaries",
}


@pytest.fixture
def ws(tmp_path: Path, emulator: Emulator) -> Iterator[Workspace]:
    shutil.copytree(ROOT / "examples" / "manifests", tmp_path / "manifests")
    workspace = Workspace(tmp_path, emulator.url)
    yield workspace
    assert workspace.leaks() == []
    for result in workspace.results:
        assert TOKEN not in result.output
    assert not any(TOKEN in p.read_text() for p in tmp_path.rglob("*") if p.is_file())


@pytest.fixture
def emu(emulator: Emulator) -> Emulator:
    return dataclasses.replace(emulator, api_key=API_KEY)


def test_the_example_graph_applies_in_order_replans_empty_and_is_destroyed_in_reverse(
    ws: Workspace, emu: Emulator
) -> None:
    plan = ws.run("plan", "manifests", BOOKING_TOKEN=TOKEN)
    assert plan.code == 0, plan.output
    for key in GRAPH:
        if not key.startswith("Pal/"):
            assert f"(known after apply: {key})" in plan.stdout, key
    applied = ws.apply(BOOKING_TOKEN=TOKEN)
    assert applied.code == 0, applied.output
    assert "warning" not in applied.output  # read back as sent: the ids, not ${ref:}
    ids = ws.ids()
    posts = [r for r in emu.requests() if r["method"] == "POST"]
    (pal,) = [i for i, r in enumerate(posts) if r["body"].get("pal_name") == "Clinic Intake"]
    needed = [i for i, r in enumerate(posts) if r["path"] not in ("/v2/pals", "/v2/personas")]
    assert sorted(posts[i]["path"] for i in needed) == sorted(
        p for k, p in GRAPH.items() if k != "Pal/clinic-intake"
    )
    assert pal > max(needed)  # the PAL after everything it names
    sent = posts[pal]["body"]
    assert sent["objectives_id"] == ids["Objectives/intake-flow"]
    assert sent["guardrail_ids"] == [ids["Guardrail/no-medical-advice"], ids["Guardrail/no-pii"]]
    assert sent["tool_ids"] == [ids["Tool/book-appointment"]]
    dictionary = sent["layers"]["tts"]["pronunciation_dictionary_id"]
    assert dictionary == ids["PronunciationDictionary/brand-names"]
    (tool,) = emu.stored("tools")
    assert tool["delivery"]["api"]["auth"]["token"] == TOKEN
    again = ws.run("plan", "manifests", "--detailed-exitcode", BOOKING_TOKEN=TOKEN)
    assert again.code == 0, again.output

    path = ws.manifests / "guardrail-no-pii.yaml"
    path.write_text(path.read_text().replace("payment card details", "card numbers"))
    emu.clear_requests()
    edited = ws.apply(BOOKING_TOKEN=TOKEN)
    assert edited.code == 0 and "1 updated" in edited.output, edited.output
    changed = [(r["method"], r["path"]) for r in emu.requests() if r["method"] != "GET"]
    assert changed == [("PATCH", f"/v2/guardrails/{ids['Guardrail/no-pii']}")]

    emu.clear_requests()
    destroyed = ws.run("destroy", "--auto-approve", BOOKING_TOKEN=TOKEN)
    assert destroyed.code == 0, destroyed.output
    deletes = [r["path"] for r in emu.requests() if r["method"] == "DELETE"]
    pal_at = deletes.index(f"/v2/pals/{ids['Pal/clinic-intake']}")
    for key, collection in GRAPH.items():
        if key != "Pal/clinic-intake":
            assert deletes.index(f"{collection}/{ids[key]}") > pal_at, key
    assert ws.ids() == {}
