"""Enums that keep growing: a near miss of a known value is an error naming it, any other
unknown value a warning (sent as written), an error under ``validate --strict``."""

from __future__ import annotations

from pathlib import Path

import pytest

from tavusctl.manifest.enums import UNKNOWN, judge
from tests.support.cli import Run

LEVELS = ("low", "medium", "high")
PERCEPTION = ("raven-1", "raven-0", "basic", "off")

# (value, known values, severity, what the message says)
CASES = [
    ("hgih", LEVELS, "error", "Did you mean 'high'?"),  # two letters swapped
    ("High", LEVELS, "error", "Did you mean 'high'?"),  # another case
    ("medum", LEVELS, "error", "Did you mean 'medium'?"),  # a letter left out
    ("ravne-1", PERCEPTION, "error", "Did you mean 'raven-1'?"),
    ("raven-2", PERCEPTION, "warning", UNKNOWN),  # a new version, not a typo of raven-1
    ("ultralow", LEVELS, "warning", UNKNOWN),
    ("verylow", LEVELS, "warning", UNKNOWN),  # Tavus's own configs use it
    ("speech-to-speech", ("full", "echo"), "warning", UNKNOWN),
]


@pytest.mark.parametrize(("value", "known", "severity", "says"), CASES)
def test_an_unknown_enum_value_is_an_error_only_when_it_is_a_near_miss(
    value: str, known: tuple[str, ...], severity: str, says: str
) -> None:
    verdict = judge("spec.x", value, known)
    assert verdict.severity == severity
    assert says in verdict.message
    assert verdict.message.startswith(f"spec.x is '{value}'")


MANIFEST = """\
apiVersion: tavusctl/v1
kind: Persona
metadata:
  name: a
spec:
  system_prompt: Hi.
  layers:
    conversational_flow:
      turn_taking_patience: {value}
"""


@pytest.mark.parametrize(
    ("value", "strict", "code", "says"),
    [
        ("hgih", False, 1, "a.yaml:9:29: spec.layers.conversational_flow.turn_taking_patience "
                           "is 'hgih'. Did you mean 'high'?"),
        ("glacial", False, 0, "a.yaml:9:29: warning: spec.layers.conversational_flow."
                              "turn_taking_patience is 'glacial': " + UNKNOWN),
        ("glacial", True, 1, "is 'glacial': " + UNKNOWN),
        ("high", True, 0, "1 manifest valid"),
    ],
)  # fmt: skip
def test_validate_applies_the_enum_rule_and_strict_makes_the_warning_fail(
    tavusctl: Run, tmp_path: Path, value: str, strict: bool, code: int, says: str
) -> None:
    (tmp_path / "a.yaml").write_text(MANIFEST.format(value=value))
    result = tavusctl("validate", *(["--strict"] if strict else []), "a.yaml")
    assert result.code == code, result.output
    assert says in result.output
