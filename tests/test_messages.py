"""Messages that point the right way: each reproduced through the real CLI against the emulator."""

from __future__ import annotations

import os
import signal
import time

import pytest

from tests.support.emulator import Emulator
from tests.support.workspace import Workspace, spec

pytestmark = pytest.mark.repository_root


def clean_error(output: str) -> str:
    assert "Traceback" not in output
    return output


def test_an_api_url_ending_in_v2_is_named_as_the_mistake(ws: Workspace, emu: Emulator) -> None:
    ws.write("ann")

    result = ws.run("plan", "manifests", TAVUS_API_URL=emu.url + "/v2/")

    assert result.code == 1
    text = clean_error(result.stderr)
    assert "may have been deleted" not in text
    assert "without /v2" in text and emu.url in text


def test_conversation_with_a_persona_deleted_in_the_dashboard_says_so(
    ws: Workspace, emu: Emulator
) -> None:
    ws.write("ann")
    assert ws.apply().code == 0
    pid = ws.ids()["Persona/ann"]
    emu.admin.delete(f"{emu.url}/v2/personas/{pid}", headers={"x-api-key": emu.api_key})

    result = ws.run("conversation", "ann", "--test-mode")

    assert result.code == 1
    text = clean_error(result.stderr)
    assert f"Persona/ann ({pid}) is gone from the Tavus account" in text
    assert "tavusctl apply" in text


def test_a_read_timeout_names_the_timeout_option(ws: Workspace, emu: Emulator) -> None:
    ws.write("ann")
    emu.configure(latency_ms=1500)

    result = ws.run("plan", "manifests", TAVUSCTL_TIMEOUT="0.2")

    assert result.code == 1
    text = clean_error(result.stderr)
    assert "--timeout" in text and "TAVUSCTL_TIMEOUT" in text and "0.2 s" in text


def test_a_stale_saved_plan_names_the_manifest_that_changed(ws: Workspace) -> None:
    ws.write("ann")
    ws.write("bob")
    assert ws.run("plan", "manifests", "-o", "release.plan").code == 0
    ws.write("bob", spec("bob", system_prompt="Changed since the plan."))

    result = ws.run("apply", "release.plan")

    assert result.code == 1
    assert "Persona/bob (manifests/bob.yaml) changed since the plan was saved" in result.stderr


def test_a_saved_plan_applies_from_another_folder_of_the_project(ws: Workspace) -> None:
    ws.write("ann")
    assert ws.apply().code == 0
    ws.write("bob")
    assert ws.run("plan", "manifests", "-o", "release.plan").code == 0
    (ws.root / "elsewhere").mkdir()

    result = ws.run("apply", "../release.plan", cwd_sub="elsewhere")

    assert result.code == 0, result.output
    assert "1 created" in result.stdout
    assert not (ws.root / "elsewhere" / "tavus.lock").exists()


def test_a_saved_plan_applied_outside_its_project_names_the_missing_paths(
    ws: Workspace, tmp_path_factory: pytest.TempPathFactory
) -> None:
    ws.write("ann")
    assert ws.run("plan", "manifests", "-o", "release.plan").code == 0
    away = tmp_path_factory.mktemp("away")
    (away / ".git").mkdir()

    result = ws.run("apply", str(ws.root / "release.plan"), cwd_sub=str(away))

    assert result.code == 1
    assert "The plan was made from manifests, which is not here" in clean_error(result.stderr)


def test_apply_of_a_saved_plan_refuses_options_that_would_change_it(ws: Workspace) -> None:
    ws.write("ann")
    assert ws.run("plan", "manifests", "-o", "release.plan").code == 0

    result = ws.run("apply", "release.plan", "--target", "x")

    assert result.code == 1
    assert "--target cannot be used with a saved plan (release.plan)" in result.stderr


def test_import_of_something_that_is_no_persona_id_says_so(ws: Workspace, emu: Emulator) -> None:
    ws.write("ann")

    result = ws.run("import", "ann", "not an id", "manifests")

    assert result.code == 1
    assert "'not an id' is not a persona id" in clean_error(result.stderr)
    assert emu.requests() == []


def test_a_file_reference_to_a_symlink_loop_is_a_located_error(ws: Workspace) -> None:
    ws.write("ann", spec("ann", system_prompt="${file:loop.md}"))
    os.symlink("loop.md", ws.manifests / "loop.md")

    result = ws.run("validate", "manifests")

    assert result.code == 1
    text = clean_error(result.output)
    assert "manifests/ann.yaml" in text and "loop.md" in text and "symlink" in text


def test_the_apply_summary_counts_and_names_failures_with_right_plurals(
    ws: Workspace, emu: Emulator
) -> None:
    ws.write("ann")
    emu.inject("POST", "/v2/personas", status=400, body={"error": "Invalid layers"})

    result = ws.apply()

    assert result.code == 1
    assert "1 failed: Persona/ann (" in result.stdout and "HTTP 400" in result.stdout
    again = ws.apply()
    assert again.code == 0, again.output
    assert "(1 API request)" in ws.run("plan", "manifests").stdout


def test_after_ctrl_c_the_pending_creates_are_counted_and_then_adopted_with_one_wait_line(
    ws: Workspace, emu: Emulator
) -> None:
    names = [f"p{i}" for i in range(6)]
    for name in names:
        ws.write(name)
    emu.configure(latency_ms=1500)
    proc = ws.start("apply", "manifests", "--auto-approve", "--parallelism", "6")
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline and not _intents(ws):
        time.sleep(0.05)
    time.sleep(0.3)  # the POSTs are on their way
    proc.send_signal(signal.SIGINT)
    _, stderr = proc.communicate(timeout=30)
    emu.configure(latency_ms=0)

    assert proc.returncode == 130, stderr
    pending = _intents(ws)
    assert pending, "the interrupt fell after every create was recorded"
    assert f"{len(pending)} creates were left pending in tavus.lock" in stderr or (
        len(pending) == 1 and "1 create was left pending" in stderr
    )
    again = ws.apply()
    assert again.code == 0, again.output
    assert again.stderr.count("waiting") == 1
    assert "adopted" in again.stdout
    assert sorted(p["persona_name"] for p in emu.list_personas()) == sorted(
        f"Persona {n}" for n in names
    )


def _intents(ws: Workspace) -> list[str]:
    try:  # through the store: tavus.lock and the journal of the apply under way
        return [k for k, e in ws.lock().entries.items() if e.id is None]
    except Exception:  # mid-write: read again
        return []
