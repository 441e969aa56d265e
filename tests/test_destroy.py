from __future__ import annotations

from tavusctl.apply.outcome import ApplyResult, Outcome
from tavusctl.commands.destroy import destroy_plan, summarize
from tavusctl.plan.model import ActionKind
from tavusctl.render.text import render_text
from tavusctl.state.lockfile import LockEntry, Lockfile

DELETE = ActionKind.DELETE
LIVE = {"p1": {"persona_id": "p1"}}  # p2 is gone from the account already


def lock() -> Lockfile:
    return (
        Lockfile(salt="s" * 32)
        .with_entry("Persona/b", LockEntry(id="p2", applied={"persona_name": "B"}))
        .with_entry("Persona/a", LockEntry(id="p1", applied={}))
        .with_entry("Persona/c", LockEntry(id=None, applied={}, intent_at="2026-01-01T00:00:00Z"))
    )


def test_destroy_plan_deletes_every_recorded_persona_in_key_order() -> None:
    plan = destroy_plan(lock(), LIVE)
    assert [(a.kind, a.key, a.persona_id) for a in plan.actions] == [
        (DELETE, "Persona/a", "p1"),
        (DELETE, "Persona/b", "p2"),
        (DELETE, "Persona/c", None),  # the executor finds what an interrupted create left
    ]


def test_destroy_of_an_empty_lockfile_has_no_changes() -> None:
    assert not destroy_plan(Lockfile(salt="s" * 32), {}).has_changes


def test_rendered_destroy_plan_lists_each_persona_and_the_count() -> None:
    text = render_text(destroy_plan(lock(), LIVE), color=False, requests=None)
    assert "- Persona/a (p1) will be deleted" in text
    assert '- Persona/b (p2, "B") will be deleted' in text
    assert "3 to delete" in text


def result(*outcomes: Outcome) -> ApplyResult:
    return ApplyResult(outcomes, Lockfile(salt="s" * 32))


def test_summary_of_a_complete_destroy_counts_the_deletions() -> None:
    done = result(Outcome("Persona/a", DELETE, "succeeded", "p1"))
    assert summarize(done).startswith("Destroy complete: 1 persona deleted.")


def test_summary_of_a_partial_destroy_names_each_failure_and_says_to_rerun() -> None:
    partial = result(
        Outcome("Persona/a", DELETE, "succeeded", "p1"),
        Outcome("Persona/b", DELETE, "failed", "p2", "HTTP 500 from Tavus."),
        Outcome("Persona/c", DELETE, "skipped", None),
    )
    text = summarize(partial)
    assert text.startswith("Destroy incomplete: 1 persona deleted.")
    assert "failed: Persona/b: HTTP 500 from Tavus." in text
    assert "skipped: Persona/c: not attempted" in text
    assert "run 'tavusctl destroy' again" in text


def test_destroy_plan_warns_about_what_is_gone_in_its_own_words() -> None:
    warnings = destroy_plan(lock(), LIVE).warnings
    assert "Persona/b (p2) is already gone; destroy will only forget it." in warnings
    assert any("Persona/c" in w and "deletes the persona if it was created" in w for w in warnings)
    assert not any("Persona/a" in w for w in warnings)
    assert not any("apply will" in w for w in warnings)
