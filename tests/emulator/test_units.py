"""Pure pieces of the emulator, on plain data: config checks, fault draws, secret views, patches."""

from __future__ import annotations

from typing import Any

import pytest

from tavusctl.emulator.config import EmulatorConfig
from tavusctl.emulator.http import HttpError
from tavusctl.emulator.patching import apply_ops, check_ops, same_document
from tavusctl.emulator.trouble import Fault, Injection, Trouble
from tavusctl.emulator.views import hide_secrets


@pytest.mark.parametrize(
    "kwargs",
    [{"get_shape": "nested"}, {"missing_status": 500}, {"fault_rate": -0.1}, {"rate_limit": 0},
     {"latency_ms": -1}, {"max_page_size": 0}],
)  # fmt: skip
def test_config_refuses_values_outside_the_variants(kwargs):
    with pytest.raises(ValueError, match="setting"):
        EmulatorConfig(**kwargs)


def test_config_changes_return_a_new_config_and_keep_the_old():
    config = EmulatorConfig()
    changed = config.changed({"secrets": "masked", "fault_rate": 0.5})
    assert (changed.secrets, changed.fault_rate) == ("masked", 0.5)
    assert config.secrets == "stored"


def draws(seed: int, count: int) -> list[Fault | None]:
    trouble = Trouble(EmulatorConfig(fault_rate=0.3, seed=seed))
    return [trouble.draw("POST", "/v2/personas", True) for _ in range(count)]


def test_the_same_seed_draws_the_same_faults_and_another_seed_others():
    assert draws(7, 200) == draws(7, 200)
    assert draws(7, 200) != draws(8, 200)
    faults = [f for f in draws(7, 200) if f is not None]
    assert 30 < len(faults) < 90
    assert {f.after_write for f in faults} == {True, False}


def test_an_injection_is_used_count_times_without_shifting_the_random_sequence():
    plain = draws(3, 10)
    trouble = Trouble(EmulatorConfig(fault_rate=0.3, seed=3))
    trouble.inject(Injection("POST", "/v2/personas", 2, Fault(418)))
    got = [trouble.draw("POST", "/v2/personas", True) for _ in range(10)]
    assert got[:2] == [Fault(418), Fault(418)]
    assert got[2:] == plain[2:]


def test_persona_view_masks_and_omits_without_touching_the_stored_document():
    doc: dict[str, Any] = {
        "layers": {
            "llm": {"api_key": "abcdef", "headers": {"X": "123456"}},
            "tts": {"api_key": "xy"},
        }
    }
    assert hide_secrets(doc, "masked")["layers"] == {
        "llm": {"api_key": "****cdef", "headers": {"X": "****3456"}}, "tts": {"api_key": "****xy"}
    }  # fmt: skip
    assert hide_secrets(doc, "masked-stars")["layers"]["llm"]["api_key"] == "********"
    assert hide_secrets(doc, "omitted")["layers"] == {"llm": {"headers": {}}, "tts": {}}
    assert doc["layers"]["llm"]["api_key"] == "abcdef"


def test_a_failing_patch_leaves_the_input_untouched():
    doc = {"a": [1, 2], "b": {"c": 1}}
    ops = check_ops(
        [{"op": "add", "path": "/b/d", "value": 2}, {"op": "remove", "path": "/zz"}], 422
    )
    with pytest.raises(HttpError):
        apply_ops(doc, ops, 422)
    assert doc == {"a": [1, 2], "b": {"c": 1}}


def test_same_document_tells_json_types_apart():
    assert same_document({"a": 1, "b": [True]}, {"b": [True], "a": 1})
    assert not same_document({"a": 1}, {"a": 1.0})
    assert not same_document({"a": 1}, {"a": True})
