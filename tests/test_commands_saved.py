from __future__ import annotations

from pathlib import Path

import pytest

from tavusctl.commands.saved import names_a_plan


@pytest.mark.parametrize(
    ("names", "expected"),
    [
        (["plan.json"], True),
        (["tfplan"], True),
        (["persona.yaml"], False),
        (["persona.yml"], False),
        (["persona.YAML"], False),
        (["Persona.Yml"], False),
        (["plan.json", "other.json"], False),
    ],
)
def test_apply_reads_a_saved_plan_only_from_one_file_that_is_not_a_manifest(
    tmp_path: Path, names: list[str], expected: bool
) -> None:
    paths = tuple(tmp_path / name for name in names)
    for path in paths:
        path.write_text("{}")
    assert names_a_plan(paths) is expected


def test_a_folder_is_never_a_saved_plan(tmp_path: Path) -> None:
    assert names_a_plan((tmp_path,)) is False
