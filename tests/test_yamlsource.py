"""The located YAML reader: values equal a plain YAML load, and every key knows its line."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import yaml
from hypothesis import given, settings
from hypothesis import strategies as st

from tavusctl.core import pointer
from tavusctl.manifest.yamlsource import read_file

KEYS = st.text(st.characters(codec="utf-8", exclude_categories=("Cs", "Cc")), max_size=8).filter(
    lambda k: k != "<<"
)
SCALARS = (
    st.none()
    | st.booleans()
    | st.integers()
    | st.floats(allow_nan=False, allow_infinity=False)
    # PyYAML's dumper (not the reader) writes NEL (U+0085) raw, and it reads back as a space.
    | st.text(
        st.characters(codec="utf-8", exclude_categories=["Cs"], exclude_characters="\x85"),
        max_size=20,
    )
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


def test_merge_keys_keep_order_and_explicit_keys_win(tmp_path: Path) -> None:
    path = tmp_path / "m.yaml"
    path.write_text("defaults: &d\n  b: 1\n  a: 2\n  c: 3\nx:\n  <<: *d\n  c: 4\n")
    [doc] = read_file(path, "m.yaml")
    assert list(doc.value["x"].items()) == [("c", 4), ("b", 1), ("a", 2)]
    assert (doc.key_location("/x/c").line, doc.key_location("/x/b").line) == (7, 2)


def test_yes_no_on_off_are_strings_and_dates_stay_text(tmp_path: Path) -> None:
    path = tmp_path / "s.yaml"
    path.write_text("a: [yes, No, on, OFF, true, False]\nd: 2024-01-15\n")
    [doc] = read_file(path, "s.yaml")
    assert doc.value == {"a": ["yes", "No", "on", "OFF", True, False], "d": "2024-01-15"}
