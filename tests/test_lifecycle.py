from __future__ import annotations

from typing import Any

import pytest

from tavusctl.commands.lifecycle import project

LIVE: dict[str, Any] = {
    "persona_name": "Live name",
    "system_prompt": "live prompt",
    "document_ids": ["d1", "d2"],
    "layers": {
        "llm": {"model": "m", "base_url": "u", "speculative_inference": True},
        "tts": {"tts_engine": "cartesia"},
        "perception": {"perception_model": "raven-1"},
    },
}


@pytest.mark.parametrize(
    ("spec", "expected"),
    [
        ({"persona_name": "Mine"}, {"persona_name": "Live name"}),
        ({"context": "not on the server"}, {}),
        ({"document_ids": ["d9"]}, {"document_ids": ["d1", "d2"]}),
        (
            {"layers": {"llm": {"model": "x", "api_key": "k"}}},
            {"layers": {"llm": {"model": "m"}}},
        ),
        ({"layers": {"stt": {"stt_engine": "tavus-auto"}}}, {}),
        ({"layers": {"tts": {}}}, {"layers": {"tts": {}}}),
        (
            {"layers": {"perception": "off"}},
            {"layers": {"perception": {"perception_model": "raven-1"}}},
        ),
    ],
)
def test_project_keeps_only_the_live_leaves_the_manifest_declares(
    spec: dict[str, Any], expected: dict[str, Any]
) -> None:
    assert project(LIVE, spec) == expected


def test_project_of_an_object_over_a_live_scalar_takes_the_live_scalar() -> None:
    assert project({"layers": "odd"}, {"layers": {"llm": {"model": "m"}}}) == {"layers": "odd"}
