"""The located YAML reader: values equal a plain YAML load, and every key knows its line."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import yaml
from hypothesis import given, settings
from hypothesis import strategies as st

from tavusctl import pointer
from tavusctl.yamlsource import read_file

KEYS = st.text(st.characters(codec="utf-8", exclude_categories=("Cs", "Cc")), max_size=8).filter(
    lambda k: k != "<<"
)
SCALARS = (
    st.none()
    | st.booleans()
    | st.integers()
    | st.floats(allow_nan=False, allow_infinity=False)
    | st.text(st.characters(codec="utf-8", exclude_categories=["Cs"]), max_size=20)
)
DOCS = st.recursive(
    SCALARS,
    lambda inner: st.lists(inner, max_size=4) | st.dictionaries(KEYS, inner, max_size=4),
    max_leaves=20,
)


def pointers(value: Any, path: str = "") -> list[str]:
    found = [path]
    if isinstance(value, dict):
        for key, child in value.items():
            found += pointers(child, f"{path}/{pointer.escape(key)}")
    elif isinstance(value, list):
        for index, child in enumerate(value):
            found += pointers(child, f"{path}/{index}")
    return found


@settings(max_examples=150, deadline=None)
@given(doc=st.dictionaries(KEYS, DOCS, min_size=1, max_size=4), flow=st.booleans())
def test_reader_gives_the_plain_values_and_a_location_for_every_pointer(
    tmp_path_factory: Any, doc: dict[str, Any], flow: bool
) -> None:
    path = Path(tmp_path_factory.mktemp("y")) / "doc.yaml"
    text = yaml.safe_dump(doc, default_flow_style=flow, allow_unicode=True)
    path.write_text(text, encoding="utf-8")
    [read] = read_file(path, "doc.yaml")
    assert read.value == doc
    lines = text.splitlines()
    for ptr in pointers(doc):
        key_location = read.key_location(ptr)
        assert read.value_location(ptr).file == "doc.yaml"
        assert 1 <= key_location.line <= len(lines) + 1
    for key in doc:  # top-level keys of a block mapping start their line
        if not flow and key and key.isalnum():
            location = read.key_location("/" + pointer.escape(key))
            assert lines[location.line - 1].lstrip("'\"").startswith(key)
