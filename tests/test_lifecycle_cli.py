"""End to end: the real CLI in a subprocess against the emulator over HTTP."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest

from tests.support.cli import Result, Run

LLM_SECRET = "sk-llm-very-secret-123"
HEADER_SECRET = "Bearer hdr-very-secret-456"

MANIFEST = """\
apiVersion: tavusctl/v1
kind: Persona
metadata:
  name: interviewer
spec:
  persona_name: Interviewer
  system_prompt: Ask one question at a time.
  layers:
    llm:
      model: my-model
      api_key: ${env:LLM_KEY}
"""

LIVE_INTERVIEWER: dict[str, Any] = {
    "persona_name": "Interviewer",
    "system_prompt": "An older prompt.",
    "context": "Set in the dashboard.",
    "layers": {"llm": {"model": "my-model", "api_key": LLM_SECRET}},
}


def lock(tmp_path: Path) -> dict[str, Any]:
    data = json.loads((tmp_path / "tavus.lock").read_text())
    resources: dict[str, Any] = data["resources"]
    return resources


def assert_no_secret_anywhere(tmp_path: Path, *results: Result, secrets: tuple[str, ...]) -> None:
    """No secret (nor the API key) in any output or any file written under ``tmp_path``."""
    texts = [r.output for r in results]
    texts += [p.read_text(errors="replace") for p in tmp_path.rglob("*") if p.is_file()]
    for secret in secrets:
        assert all(secret not in text for text in texts), secret


def user_personas(emulator: Any) -> list[dict[str, Any]]:
    return [p for p in emulator.list_personas() if p.get("persona_type", "user") == "user"]


def test_import_records_the_live_fields_the_manifest_declares(emulator, tavusctl: Run, tmp_path):
    (tmp_path / "interviewer.yaml").write_text(MANIFEST)
    persona_id = emulator.create_persona(LIVE_INTERVIEWER)
    env = {**emulator.env, "LLM_KEY": LLM_SECRET}

    result = tavusctl("import", "interviewer", persona_id, env=env)

    assert result.code == 0, result.output
    assert f"Imported persona {persona_id} as Persona/interviewer" in result.stdout
    entry = lock(tmp_path)["Persona/interviewer"]
    assert entry["id"] == persona_id
    applied = entry["applied"]
    assert applied["system_prompt"] == "An older prompt."  # live, not the manifest
    assert "context" not in applied  # not declared: never ours, never removed
    assert applied["layers"]["llm"]["api_key"].startswith("sha256:")
    assert_no_secret_anywhere(tmp_path, result, secrets=(LLM_SECRET, emulator.api_key))


def test_import_refuses_a_name_no_manifest_declares(emulator, tavusctl: Run, tmp_path):
    (tmp_path / "interviewer.yaml").write_text(MANIFEST)
    persona_id = emulator.create_persona(LIVE_INTERVIEWER)
    env = {**emulator.env, "LLM_KEY": LLM_SECRET}

    result = tavusctl("import", "recruiter", persona_id, env=env)

    assert result.code == 1
    assert "write a manifest for recruiter first" in result.stderr
    assert not (tmp_path / "tavus.lock").exists()


def test_import_refuses_an_unknown_persona_and_a_persona_managed_twice(
    emulator, tavusctl: Run, tmp_path
):
    (tmp_path / "interviewer.yaml").write_text(MANIFEST)
    (tmp_path / "other.yaml").write_text(MANIFEST.replace("name: interviewer", "name: other"))
    env = {**emulator.env, "LLM_KEY": LLM_SECRET}
    persona_id = emulator.create_persona(LIVE_INTERVIEWER)

    missing = tavusctl("import", "interviewer", "p000000000000", env=env)
    assert missing.code == 1
    assert "p000000000000 does not exist" in missing.stderr

    assert tavusctl("import", "interviewer", persona_id, env=env).code == 0
    twice = tavusctl("import", "other", persona_id, env=env)
    assert twice.code == 1
    assert f"{persona_id} is already managed as Persona/interviewer" in twice.stderr
    again = tavusctl("import", "interviewer", persona_id, env=env)
    assert again.code == 1
    assert "already in the lockfile" in again.stderr


def test_export_writes_loadable_manifests_and_records_them(emulator, tavusctl: Run, tmp_path):
    prompt = "You are a coach.\n\nBe brief.\n"
    first = emulator.create_persona(
        {
            "persona_name": "Sales Coach",
            "system_prompt": prompt,
            "layers": {
                "llm": {
                    "model": "m",
                    "api_key": LLM_SECRET,
                    "headers": {"Authorization": HEADER_SECRET},
                }
            },
        }
    )
    second = emulator.create_persona({"persona_name": "Sales Coach", "system_prompt": "Two."})

    result = tavusctl("export", "--out", "manifests", env=emulator.env)

    assert result.code == 0, result.output
    entries = lock(tmp_path)
    # Both may be created in the same millisecond; then which is "older" is the id's luck.
    names = {entries[key]["id"]: key for key in ("Persona/sales-coach", "Persona/sales-coach-2")}
    assert set(names) == {first, second}
    name = names[first].split("/")[1]
    text = (tmp_path / "manifests" / f"{name}.yaml").read_text()
    assert "system_prompt: |\n    You are a coach.\n\n    Be brief.\n" in text
    variable = name.upper().replace("-", "_")
    assert f"api_key: ${{env:{variable}_LLM_API_KEY}}" in text
    assert f"Authorization: ${{env:{variable}_LLM_HEADERS_AUTHORIZATION}}" in text
    assert f"{variable}_LLM_API_KEY" in result.stdout
    assert entries[names[first]]["applied"]["system_prompt"] == prompt
    assert_no_secret_anywhere(
        tmp_path, result, secrets=(LLM_SECRET, HEADER_SECRET, emulator.api_key)
    )


def test_export_of_given_ids_only_and_never_over_an_existing_file(
    emulator, tavusctl: Run, tmp_path
):
    wanted = emulator.create_persona({"persona_name": "Tutor", "system_prompt": "Teach."})
    emulator.create_persona({"persona_name": "Other", "system_prompt": "No."})
    (tmp_path / "tutor.yaml").write_text("# mine\n")

    refused = tavusctl("export", wanted, env=emulator.env)
    assert refused.code == 1
    assert "tutor.yaml already exists" in refused.stderr
    assert (tmp_path / "tutor.yaml").read_text() == "# mine\n"
    assert not (tmp_path / "tavus.lock").exists()

    done = tavusctl("export", "--out", "out", wanted, env=emulator.env)
    assert done.code == 0, done.output
    assert sorted(p.name for p in (tmp_path / "out").iterdir()) == ["tutor.yaml"]
    assert list(lock(tmp_path)) == ["Persona/tutor"]


def test_state_mv_keeps_the_persona_id_and_state_rm_keeps_the_persona(
    emulator, tavusctl: Run, tmp_path
):
    persona_id = emulator.create_persona({"persona_name": "Tutor", "system_prompt": "Teach."})
    assert tavusctl("export", env=emulator.env).code == 0

    moved = tavusctl("state", "mv", "tutor", "math-tutor")
    assert moved.code == 0, moved.output
    assert lock(tmp_path) == {"Persona/math-tutor": lock(tmp_path)["Persona/math-tutor"]}
    assert lock(tmp_path)["Persona/math-tutor"]["id"] == persona_id
    listed = tavusctl("state", "list")
    assert listed.stdout.split() == ["Persona/math-tutor", persona_id]

    removed = tavusctl("state", "rm", "math-tutor")
    assert removed.code == 0
    assert f"{persona_id} stays on the Tavus account" in removed.stdout
    assert lock(tmp_path) == {}
    assert [p["persona_id"] for p in user_personas(emulator)] == [persona_id]


def test_state_show_hides_secrets_and_suggests_names(emulator, tavusctl: Run, tmp_path):
    (tmp_path / "interviewer.yaml").write_text(MANIFEST)
    persona_id = emulator.create_persona(LIVE_INTERVIEWER)
    env = {**emulator.env, "LLM_KEY": LLM_SECRET}
    assert tavusctl("import", "interviewer", persona_id, env=env).code == 0

    shown = tavusctl("state", "show", "interviewer", "--format", "json")
    assert shown.code == 0
    doc = json.loads(shown.stdout)
    assert doc["applied"]["layers"]["llm"]["api_key"] == "(sensitive value)"
    typo = tavusctl("state", "show", "intervewer")
    assert typo.code == 1
    assert "Did you mean 'interviewer'?" in typo.stderr


def test_conversation_prints_the_url_and_sends_the_persona_id(emulator, tavusctl: Run, tmp_path):
    persona_id = emulator.create_persona(
        {"persona_name": "Tutor", "system_prompt": "Teach.", "default_replica_id": "r90bbd427f71"}
    )
    assert tavusctl("export", env=emulator.env).code == 0
    emulator.clear_requests()

    result = tavusctl("conversation", "tutor", "--test-mode", env=emulator.env)

    assert result.code == 0, result.output
    assert result.stdout.startswith("https://")
    assert result.stdout.count("\n") == 1
    posts = [r for r in emulator.requests() if r["path"].startswith("/v2/conversations")]
    assert [r["body"] for r in posts] == [{"persona_id": persona_id, "test_mode": True}]


def test_destroy_refuses_without_a_terminal_then_empties_the_account(
    emulator, tavusctl: Run, tmp_path
):
    for name in ("One", "Two", "Three"):
        emulator.create_persona({"persona_name": name, "system_prompt": "Hi."})
    unmanaged = emulator.create_persona({"persona_name": "Keep", "system_prompt": "Hi."})
    assert tavusctl("export", env=emulator.env).code == 0
    assert tavusctl("state", "rm", "keep").code == 0

    refused = tavusctl("destroy", env=emulator.env)
    assert refused.code == 1
    assert "--auto-approve" in refused.stderr
    assert len(user_personas(emulator)) == 4

    done = tavusctl("destroy", "--auto-approve", env=emulator.env)
    assert done.code == 0, done.output
    for name in ("one", "two", "three"):
        assert f"Persona/{name}" in done.stdout
    assert [p["persona_id"] for p in user_personas(emulator)] == [unmanaged]
    assert lock(tmp_path) == {}


@pytest.mark.parametrize(
    "args",
    [("export",), ("conversation", "x"), ("destroy", "--auto-approve")],
)
def test_commands_that_call_the_api_need_a_key(tavusctl: Run, args: tuple[str, ...]):
    result = tavusctl(*args, env={"TAVUS_API_URL": "http://127.0.0.1:9"})
    assert result.code == 1
    assert "No API key: set TAVUS_API_KEY or pass --api-key." in result.stderr


@pytest.mark.parametrize("key", ["live-key-123\n", "live-kéy-123", "live key 123"])
def test_a_key_no_header_can_carry_is_refused_without_showing_it(
    emulator: Any, tavusctl: Run, key: str
) -> None:
    result = tavusctl("export", env={**emulator.env, "TAVUS_API_KEY": key})

    assert result.code == 1, result.output
    assert result.stderr.startswith("Error: The API key has a space, line break or non-ASCII")
    assert "live" not in result.output
    assert emulator.requests() == []


def test_export_then_plan_is_empty(emulator, tavusctl: Run, tmp_path):
    emulator.create_persona(
        {
            "persona_name": "Sales Coach",
            "pipeline_mode": "full",
            "system_prompt": "You are a coach.\n\nUse ${NAME} literally.\n",
            "context": "word " * 40,
            "default_replica_id": "r90bbd427f71",
            "document_tags": ["sales"],
            "layers": {
                "llm": {
                    "model": "m",
                    "base_url": "https://llm.example.com/v1",
                    "api_key": LLM_SECRET,
                    "headers": {"Authorization": HEADER_SECRET},
                },
                "tts": {"tts_engine": "cartesia", "voice_settings": {"speed": 0.5}},
                "conversational_flow": {"turn_detection_model": "sparrow-1"},
            },
        }
    )
    emulator.create_persona({"persona_name": "Echo", "pipeline_mode": "echo"})
    exported = tavusctl("export", "--out", "manifests", env=emulator.env)
    assert exported.code == 0, exported.output
    env = {
        **emulator.env,
        "SALES_COACH_LLM_API_KEY": LLM_SECRET,
        "SALES_COACH_LLM_HEADERS_AUTHORIZATION": HEADER_SECRET,
    }

    planned = tavusctl("plan", "manifests", "--detailed-exitcode", env=env)

    assert planned.code == 0, planned.output
    assert "No changes" in planned.stdout
    assert_no_secret_anywhere(
        tmp_path, exported, planned, secrets=(LLM_SECRET, HEADER_SECRET, emulator.api_key)
    )


def test_import_then_plan_shows_only_the_real_difference(emulator, tavusctl: Run, tmp_path):
    (tmp_path / "interviewer.yaml").write_text(MANIFEST)
    persona_id = emulator.create_persona(LIVE_INTERVIEWER)
    env = {**emulator.env, "LLM_KEY": LLM_SECRET}
    assert tavusctl("import", "interviewer", persona_id, env=env).code == 0

    planned = tavusctl("plan", "--format", "json", env=env)

    assert planned.code == 0, planned.output
    (action,) = json.loads(planned.stdout)["actions"]
    assert action["action"] == "update"
    assert action["persona_id"] == persona_id
    assert [(op["op"], op["path"]) for op in action["operations"]] == [
        ("replace", "/system_prompt")
    ]


def test_renamed_manifest_with_state_mv_keeps_its_persona(emulator, tavusctl: Run, tmp_path):
    persona_id = emulator.create_persona({"persona_name": "Tutor", "system_prompt": "Teach."})
    assert tavusctl("export", env=emulator.env).code == 0
    old = tmp_path / "tutor.yaml"
    (tmp_path / "math-tutor.yaml").write_text(
        old.read_text().replace("name: tutor", "name: math-tutor")
    )
    old.unlink()

    assert tavusctl("state", "mv", "tutor", "math-tutor").code == 0
    planned = tavusctl("plan", "--detailed-exitcode", env=emulator.env)

    assert planned.code == 0, planned.output
    assert lock(tmp_path)["Persona/math-tutor"]["id"] == persona_id


def test_exported_schema_comment_points_at_the_projects_copy(emulator, tavusctl: Run, tmp_path):
    (tmp_path / ".git").mkdir()  # the project root
    assert tavusctl("schema", "--write", "schemas").code == 0
    emulator.create_persona({"persona_name": "Tutor", "system_prompt": "Teach."})
    assert tavusctl("export", "--out", "a/b", env=emulator.env).code == 0
    first = (tmp_path / "a" / "b" / "tutor.yaml").read_text().splitlines()[0]
    assert first == "# yaml-language-server: $schema=../../schemas/manifest.schema.json"
    assert json.loads((tmp_path / "schemas/manifest.schema.json").read_text())["title"] == (
        "tavusctl manifest"
    )


def test_export_never_points_the_schema_comment_into_tavusctls_installation(
    emulator, tavusctl: Run, tmp_path
):
    (tmp_path / ".git").mkdir()
    emulator.create_persona({"persona_name": "Tutor", "system_prompt": "Teach."})
    result = tavusctl("export", "--out", "a", env=emulator.env)
    assert result.code == 0, result.output
    text = (tmp_path / "a" / "tutor.yaml").read_text()
    assert "$schema" not in text and "schemas/" not in text
    assert "tavusctl schema --write schemas" in result.stdout


def test_export_of_masked_secrets_leaves_them_to_the_next_plan(emulator, tavusctl: Run, tmp_path):
    emulator.configure(secrets="masked")
    emulator.create_persona(
        {
            "persona_name": "Coach",
            "system_prompt": "Hi.",
            "layers": {"llm": {"api_key": LLM_SECRET}},
        }
    )

    exported = tavusctl("export", env=emulator.env)

    assert exported.code == 0, exported.output
    assert "COACH_LLM_API_KEY" in exported.stdout
    assert "masked" in exported.stdout
    assert lock(tmp_path)["Persona/coach"]["applied"] == {
        "persona_name": "Coach",
        "system_prompt": "Hi.",
    }
    planned = tavusctl(
        "plan", "--format", "json", env={**emulator.env, "COACH_LLM_API_KEY": LLM_SECRET}
    )
    assert planned.code == 0, planned.output
    (action,) = json.loads(planned.stdout)["actions"]
    assert [op["path"] for op in action["operations"]] == ["/layers/llm/api_key"]
    assert_no_secret_anywhere(tmp_path, exported, planned, secrets=(LLM_SECRET,))


@pytest.mark.parametrize("style", ["masked-bullets", "masked-ellipsis"])
def test_export_takes_a_secret_masked_with_bullets_or_an_ellipsis_for_a_mask_not_the_value(
    emulator: Any, tavusctl: Run, tmp_path: Path, style: str
) -> None:
    emulator.configure(secrets=style)  # ••••-123 or sk-…-123
    emulator.create_persona(
        {
            "persona_name": "Coach",
            "system_prompt": "Hi.",
            "layers": {"llm": {"api_key": LLM_SECRET}},
        }
    )

    exported = tavusctl("export", env=emulator.env)

    assert exported.code == 0, exported.output
    assert "the API returned it masked" in exported.stdout
    assert lock(tmp_path)["Persona/coach"]["applied"] == {
        "persona_name": "Coach",
        "system_prompt": "Hi.",
    }
    assert_no_secret_anywhere(tmp_path, exported, secrets=(LLM_SECRET,))


def test_export_into_a_folder_that_cannot_exist_is_a_clear_error_and_records_nothing(
    tavusctl: Run, emulator: Any, tmp_path: Path
) -> None:
    emulator.create_persona({"persona_name": "Coach", "system_prompt": "Hi."})
    (tmp_path / "notes.txt").write_text("a file, not a folder")

    exported = tavusctl("export", "--out", "notes.txt/manifests", env=emulator.env)

    assert exported.code == 1, exported.output
    assert exported.stderr.startswith("Error: Cannot write notes.txt/manifests/coach.yaml: ")
    assert "Traceback" not in exported.output
    assert not (tmp_path / "tavus.lock").exists()


def on_terminal(args: list[str], cwd: Path, env: dict[str, str], typed: str) -> Result:
    """Run the CLI with standard input on a pseudo-terminal, as a person at a shell."""
    main, terminal = os.openpty()
    proc = subprocess.Popen(
        [sys.executable, "-m", "tavusctl", *args],
        cwd=cwd,
        env={**os.environ, "NO_COLOR": "1", **env},
        stdin=terminal,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    os.close(terminal)
    try:
        os.write(main, typed.encode() + b"\n")
        out, err = proc.communicate(timeout=60)
    finally:
        os.close(main)
    return Result(proc.returncode, out, err)


@pytest.mark.parametrize("typed", ["y", "no", "YES"])
def test_destroy_on_a_terminal_deletes_nothing_unless_yes_is_typed(
    emulator, tavusctl: Run, tmp_path, typed: str
):
    emulator.create_persona({"persona_name": "One", "system_prompt": "Hi."})
    assert tavusctl("export", env=emulator.env).code == 0

    result = on_terminal(["destroy"], tmp_path, emulator.env, typed)

    assert result.code == 1
    assert "Only 'yes' will be accepted" in result.stdout
    assert "Destroy cancelled" in result.stderr
    assert len(user_personas(emulator)) == 1
    assert list(lock(tmp_path)) == ["Persona/one"]


def test_destroy_on_a_terminal_deletes_when_yes_is_typed(emulator, tavusctl: Run, tmp_path):
    emulator.create_persona({"persona_name": "One", "system_prompt": "Hi."})
    assert tavusctl("export", env=emulator.env).code == 0

    result = on_terminal(["destroy"], tmp_path, emulator.env, "yes")

    assert result.code == 0, result.output
    assert "Persona/one" in result.stdout
    assert "Destroy complete: 1 persona deleted." in result.stdout
    assert user_personas(emulator) == []
    assert lock(tmp_path) == {}


def test_a_failed_deletion_stays_in_the_lockfile_and_a_rerun_finishes(
    emulator, tavusctl: Run, tmp_path
):
    kept = emulator.create_persona({"persona_name": "One", "system_prompt": "Hi."})
    emulator.create_persona({"persona_name": "Two", "system_prompt": "Hi."})
    assert tavusctl("export", env=emulator.env).code == 0
    emulator.inject("DELETE", f"/v2/personas/{kept}", status=500, count=5)

    failed = tavusctl("destroy", "--auto-approve", env=emulator.env)

    assert failed.code == 1
    assert "Destroy incomplete: 1 persona deleted." in failed.stdout
    assert "Persona/one" in failed.stdout
    assert list(lock(tmp_path)) == ["Persona/one"]
    assert [p["persona_id"] for p in user_personas(emulator)] == [kept]
    again = tavusctl("destroy", "--auto-approve", env=emulator.env)
    assert again.code == 0, again.output
    assert user_personas(emulator) == []
    assert lock(tmp_path) == {}


def test_conversation_without_a_replica_says_how_to_give_one(emulator, tavusctl: Run, tmp_path):
    emulator.create_persona({"persona_name": "Tutor", "system_prompt": "Teach."})
    assert tavusctl("export", env=emulator.env).code == 0

    refused = tavusctl("conversation", "tutor", env=emulator.env)
    assert refused.code == 1
    assert "HTTP 400" in refused.stderr
    assert "pass --replica-id" in refused.stderr

    started = tavusctl("conversation", "tutor", "--replica-id", "r90bbd427f71", env=emulator.env)
    assert started.code == 0, started.output
    assert started.stdout.startswith("https://")


@pytest.mark.parametrize(
    ("switch", "status", "sentence"),
    [
        ({"max_conversations": 0}, "HTTP 400", "as many conversations running as its plan allows"),
        ({"credits": 0}, "HTTP 402", "out of conversational credits"),
    ],
)
def test_conversation_turns_the_account_limits_into_plain_sentences(
    emulator, tavusctl: Run, tmp_path, switch, status, sentence
):
    emulator.create_persona(
        {"persona_name": "Tutor", "system_prompt": "Teach.", "default_replica_id": "r4067604db72"}
    )
    assert tavusctl("export", env=emulator.env).code == 0
    emulator.configure(**switch)
    refused = tavusctl("conversation", "tutor", env=emulator.env)
    assert refused.code == 1
    assert status in refused.stderr and sentence in refused.stderr
    assert "Traceback" not in refused.output and "--replica-id" not in refused.stderr
    assert refused.stderr.count("\n") == 1


def test_system_personas_are_never_exported_nor_imported(emulator, tavusctl: Run, tmp_path):
    stock = "pdced222244b"  # a Tavus stock persona, seeded by the emulator
    (tmp_path / "interviewer.yaml").write_text(MANIFEST)
    env = {**emulator.env, "LLM_KEY": LLM_SECRET}

    exported = tavusctl("export", stock, env=env)
    imported = tavusctl("import", "interviewer", stock, env=env)

    assert exported.code == 1
    assert "system personas cannot be exported" in exported.stderr
    assert imported.code == 1
    assert f"{stock} is a Tavus system persona" in imported.stderr
    assert not (tmp_path / "tavus.lock").exists()
    written = sorted(p.name for p in tmp_path.iterdir())
    assert written == ["interviewer.yaml"]


def test_no_lifecycle_command_reveals_a_secret_even_verbose(emulator, tavusctl: Run, tmp_path):
    emulator.create_persona(
        {
            "persona_name": "Coach",
            "system_prompt": "Hi.",
            "default_replica_id": "r90bbd427f71",
            "layers": {
                "llm": {"api_key": LLM_SECRET, "headers": {"Authorization": HEADER_SECRET}},
                "tts": {"tts_engine": "cartesia", "api_key": LLM_SECRET + "-tts"},
            },
        }
    )
    env = {
        **emulator.env,
        "COACH_LLM_API_KEY": LLM_SECRET,
        "COACH_LLM_HEADERS_AUTHORIZATION": HEADER_SECRET,
        "COACH_TTS_API_KEY": LLM_SECRET + "-tts",
    }
    runs = [
        tavusctl("-vv", "export", "--out", "m", env=env),
        tavusctl("-vv", "plan", "m", env=env),
        tavusctl("-vv", "state", "list", env=env),
        tavusctl("-vv", "state", "show", "coach", env=env),
        tavusctl("-vv", "state", "show", "coach", "--format", "json", env=env),
        tavusctl("-vv", "conversation", "coach", "--test-mode", env=env),
        tavusctl("-vv", "destroy", "--auto-approve", env=env),
    ]

    assert [r.code for r in runs] == [0] * len(runs), [r.output for r in runs]
    assert_no_secret_anywhere(
        tmp_path, *runs, secrets=(LLM_SECRET, HEADER_SECRET, "hdr-very-secret", emulator.api_key)
    )


def test_a_second_full_export_adds_only_the_new_personas(emulator, tavusctl: Run, tmp_path):
    first = emulator.create_persona({"persona_name": "One", "system_prompt": "Hi."})
    assert tavusctl("export", "--out", "a", env=emulator.env).code == 0
    before = lock(tmp_path)["Persona/one"]
    emulator.create_persona({"persona_name": "Two", "system_prompt": "Hi."})

    again = tavusctl("export", "--out", "b", env=emulator.env)

    assert again.code == 0, again.output
    assert sorted(p.name for p in (tmp_path / "b").iterdir()) == ["two.yaml"]
    assert "Skipped personas already managed (Persona/one)" in again.stdout
    named = tavusctl("export", "--out", "c", first, env=emulator.env)
    assert named.code == 0, named.output
    assert "Already managed as Persona/one" in named.stdout
    assert (tmp_path / "c" / "one.yaml").exists()
    assert lock(tmp_path)["Persona/one"] == before
    assert sorted(lock(tmp_path)) == ["Persona/one", "Persona/two"]


def test_import_of_a_matching_manifest_plans_nothing_despite_server_defaults(
    emulator, tavusctl: Run, tmp_path
):
    emulator.configure(fill_defaults=True)  # the server adds fields the manifest never had
    (tmp_path / "interviewer.yaml").write_text(MANIFEST)
    persona_id = emulator.create_persona(
        {**LIVE_INTERVIEWER, "system_prompt": "Ask one question at a time."}
    )
    env = {**emulator.env, "LLM_KEY": LLM_SECRET}

    (live,) = user_personas(emulator)
    assert set(live["layers"]) > {"llm"}  # defaults were filled in

    assert tavusctl("import", "interviewer", persona_id, env=env).code == 0
    planned = tavusctl("plan", "--detailed-exitcode", env=env)

    assert planned.code == 0, planned.output
    assert "No changes" in planned.stdout
    assert set(lock(tmp_path)["Persona/interviewer"]["applied"]["layers"]) == {"llm"}


def test_export_import_and_destroy_make_few_requests(emulator, tavusctl: Run, tmp_path):
    ids = [
        emulator.create_persona({"persona_name": f"P{i}", "system_prompt": "Hi."}) for i in range(5)
    ]
    (tmp_path / "extra.yaml").write_text(MANIFEST.replace("name: interviewer", "name: extra"))
    extra = emulator.create_persona(LIVE_INTERVIEWER)

    def calls() -> list[tuple[str, str]]:
        done = [(r["method"], r["path"]) for r in emulator.requests()]
        emulator.clear_requests()
        return done

    emulator.clear_requests()
    assert tavusctl("export", "--out", "m", *ids, env=emulator.env).code == 0
    assert calls() == [("GET", "/v2/personas")]  # one page of the list holds them all
    env = {**emulator.env, "LLM_KEY": LLM_SECRET}
    assert tavusctl("import", "extra", extra, env=env).code == 0
    assert calls() == [("GET", f"/v2/personas/{extra}")]
    assert tavusctl("destroy", "--auto-approve", env=emulator.env).code == 0
    deletes = [("DELETE", f"/v2/personas/{i}") for i in [*ids, extra]]
    assert sorted(calls()) == sorted([("GET", "/v2/personas"), *deletes])  # list, then deletes
