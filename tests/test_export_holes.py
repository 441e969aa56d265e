"""Export writes what the API returns as data, never as YAML syntax."""

from __future__ import annotations

import pytest
import yaml

from tavusctl.manifest import from_live as export
from tests.test_export import LIVE


@pytest.mark.parametrize("brk", ["\n", "\r", "\x85", "\u2028", "\r\n"])
def test_an_id_with_a_line_break_cannot_add_a_second_manifest(brk: str) -> None:
    evil = f"p1{brk}---{brk}apiVersion: tavusctl/v1{brk}kind: Persona{brk}metadata: {{name: evil}}"
    text, _ = export.to_manifest("interviewer", {**LIVE, "persona_id": evil})
    docs = list(yaml.safe_load_all(text))
    assert len(docs) == 1 and docs[0]["metadata"]["name"] == "interviewer"
    assert text.split("\n")[2] == "apiVersion: tavusctl/v1"  # a two-line header comment
