"""Leaf-by-leaf comparison used for adoption and read-back, and the serialized lockfile writer."""

from __future__ import annotations

import asyncio
from pathlib import Path
from typing import Any

import pytest

from tavusctl.core.values import MISSING as ABSENT
from tavusctl.core.values import same
from tavusctl.plan.content import Difference, created_since, differences, matches
from tavusctl.state import lockfile
from tavusctl.state.lockfile import LockEntry, Lockfile
from tavusctl.state.recorder import Recorder
from tavusctl.state.store import LockfileStore


@pytest.mark.parametrize(
    ("a", "b", "equal"),
    [
        (True, "true", True),
        ("False", False, True),
        (True, 1, False),
        (0, False, False),
        (1, 1.0, True),
        ([True, "x"], ["true", "x"], True),
        ({"a": [1]}, {"a": [1, 2]}, False),
        ({"a": "TRUE"}, {"a": True}, True),
        (None, None, True),
        ("yes", True, False),
    ],
)
def test_same_treats_string_booleans_as_booleans_and_nothing_else(
    a: Any, b: Any, equal: bool
) -> None:
    assert same(a, b) is equal


def test_differences_name_changed_and_dropped_fields_but_skip_secrets() -> None:
    sent = {
        "persona_name": "A",
        "context": "c",
        "layers": {"llm": {"model": "m", "api_key": "k", "headers": {"X": "v"}}},
        "tags": ["a"],
    }
    live = {"persona_name": "A", "layers": {"llm": {"model": "M"}}, "tags": ["a"], "extra": 1}
    assert differences(sent, live) == [
        Difference("/context", "c", ABSENT),
        Difference("/layers/llm/model", "m", "M"),
    ]
    assert not matches(sent, live)
    assert matches({"persona_name": "A", "layers": {"llm": {"api_key": "k"}}}, live)


def test_an_empty_object_sent_matches_whatever_the_server_filled_in() -> None:
    assert differences({"layers": {}}, {"layers": {"llm": {"model": "default"}}}) == []
    assert differences({"layers": {}}, {}) == [Difference("/layers", {}, ABSENT)]
    assert differences({"layers": {}}, {"layers": "x"}) == [Difference("/layers", {}, "x")]


def test_difference_descriptions_show_both_values() -> None:
    assert Difference("/a", "x", 2).describe() == 'the server changed /a from "x" to 2'
    assert Difference("/b", [1], ABSENT).describe() == "the server dropped /b (sent [1])"


@pytest.mark.parametrize(
    ("created", "intent", "since"),
    [
        ("2026-01-01T10:00:00.000Z", "2026-01-01T10:00:00.000Z", True),
        ("2026-01-01T09:58:00.000Z", "2026-01-01T10:00:00.000Z", True),  # clock skew
        ("2026-01-01T09:50:00.000Z", "2026-01-01T10:00:00.000Z", False),
        ("2026-01-01T10:00:00+00:00", "2026-01-01T09:00:00.000Z", True),
        (None, "2026-01-01T10:00:00.000Z", True),
        ("not a time", None, True),
    ],
)
def test_created_since_allows_for_clock_skew(
    created: str | None, intent: str | None, since: bool
) -> None:
    assert created_since({"created_at": created}, intent) is since


def test_the_recorder_coalesces_concurrent_changes_and_loses_none(tmp_path: Path) -> None:
    path = tmp_path / "tavus.lock"
    recorder = Recorder(LockfileStore(path), Lockfile(salt="s" * 32))

    async def go() -> None:
        await asyncio.gather(
            *(recorder.put(f"Persona/p{i}", LockEntry(f"p{i}", {})) for i in range(50))
        )
        await recorder.drop("Persona/p7")

    asyncio.run(go())
    on_disk = lockfile.read(path)
    assert sorted(on_disk.entries) == sorted(f"Persona/p{i}" for i in range(50) if i != 7)
    assert on_disk == recorder.lock
    assert recorder.writes < 50


def test_a_patient_change_waits_for_others_to_share_its_write_and_is_on_disk_when_told(
    tmp_path: Path,
) -> None:
    path = tmp_path / "tavus.lock"
    recorder = Recorder(LockfileStore(path), Lockfile(salt="s" * 32), coalesce=0.5)
    missing: list[str] = []

    async def one(i: int) -> None:
        await asyncio.sleep(0.002 * i)  # changes trickle in, as PATCH answers do
        key = f"Persona/p{i}"
        await recorder.durable(recorder.stage(key, LockEntry(f"p{i}", {})), patient=True)
        if key not in lockfile.read(path).entries:
            missing.append(key)

    async def go() -> None:
        await asyncio.gather(*(one(i) for i in range(20)))

    asyncio.run(go())
    assert missing == []
    # the first write goes at once; the 19 changes that trickle in within the window share one
    assert recorder.writes <= 3
