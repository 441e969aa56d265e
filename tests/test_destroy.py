from __future__ import annotations

from tavusctl.destroy import destroy_plan, render_destroy
from tavusctl.lockfile import LockEntry, Lockfile
from tavusctl.plan import ActionKind


def lock() -> Lockfile:
    return (
        Lockfile(salt="s" * 32)
        .with_entry("Persona/b", LockEntry(id="p2", applied={"persona_name": "B"}))
        .with_entry("Persona/a", LockEntry(id="p1", applied={}))
        .with_entry("Persona/c", LockEntry(id=None, applied={}, intent_at="2026-01-01T00:00:00Z"))
    )


def test_destroy_plan_deletes_every_recorded_persona_in_key_order() -> None:
    plan = destroy_plan(lock())
    assert [(a.kind, a.key, a.name, a.persona_id) for a in plan.actions] == [
        (ActionKind.DELETE, "Persona/a", "a", "p1"),
        (ActionKind.DELETE, "Persona/b", "b", "p2"),
    ]
    assert plan.prune


def test_destroy_plan_leaves_intent_only_entries_alone_with_a_warning() -> None:
    plan = destroy_plan(lock())
    assert all(a.key != "Persona/c" for a in plan.actions)
    assert len(plan.warnings) == 1
    assert "Persona/c" in plan.warnings[0]


def test_destroy_of_an_empty_lockfile_is_an_empty_plan() -> None:
    plan = destroy_plan(Lockfile(salt="s" * 32))
    assert plan.actions == ()
    assert not plan.has_changes


def test_rendered_destroy_plan_lists_each_persona_and_the_count() -> None:
    text = render_destroy(destroy_plan(lock()))
    assert "Persona/a (p1)" in text
    assert "Persona/b (p2)" in text
    assert "Plan: 2 to delete." in text
    assert "Warning: Persona/c" in text
