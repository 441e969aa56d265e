"""Which store a run uses: the options, the project file's block, --lockfile (plain data)."""

from __future__ import annotations

from typing import Any

from tavusctl.state.select import Choice, choose

BLOCK = {"backend": "postgres", "url_env": "FILE_URL", "workspace": "from-file"}
NONE = {"backend": None, "url_env": None, "workspace": None}


def pick(block: dict[str, Any] = NONE, **options: Any) -> Choice:
    given = {"url_env_option": None, "workspace_option": None, "lockfile_given": False}
    return choose(**{**given, **block, **options}, default_workspace="proj/prod")


def test_nothing_configured_is_the_lockfile() -> None:
    assert pick() == Choice()
    assert pick(workspace_option="w") == Choice()  # a workspace alone chooses nothing
    lockfile_block = {"backend": "lockfile", "url_env": None, "workspace": None}
    assert pick(lockfile_block) == Choice()


def test_the_file_block() -> None:
    chosen = pick(BLOCK)
    assert (chosen.url_env, chosen.workspace) == ("FILE_URL", "from-file")
    unnamed = pick({**BLOCK, "workspace": None})
    assert unnamed.workspace == "proj/prod"


def test_options_win_field_by_field() -> None:
    assert pick(BLOCK, workspace_option="w").workspace == "w"
    assert pick(BLOCK, workspace_option="w").url_env == "FILE_URL"
    chosen = pick(BLOCK, url_env_option="OPT_URL")
    assert (chosen.url_env, chosen.workspace) == ("OPT_URL", "from-file")
    assert pick(url_env_option="OPT_URL").workspace == "proj/prod"


def test_lockfile_given_beats_the_file_not_the_options() -> None:
    assert pick(BLOCK, lockfile_given=True) == Choice()
    chosen = pick(BLOCK, lockfile_given=True, url_env_option="OPT_URL")
    assert (chosen.url_env, chosen.workspace) == ("OPT_URL", "proj/prod")
