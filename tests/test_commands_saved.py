from __future__ import annotations

from pathlib import Path

import pytest

from tavusctl.commands.saved_plan import names_a_plan, read
from tavusctl.core.errors import PlanError


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


def test_a_binary_file_given_to_apply_is_a_clear_error(tmp_path: Path) -> None:
    path = tmp_path / "tfplan"
    path.write_bytes(b"\xff\xfe\x00")
    with pytest.raises(PlanError) as err:
        read(path, "key")
    assert err.value.message == (
        f"The plan file {path} is not UTF-8 text, so it is no saved plan. Name a plan made "
        "with `tavusctl plan -o FILE`, or manifests."
    )
