"""Which state store a run uses: the lockfile, or PostgreSQL when a connection is configured.

Where the PostgreSQL store is configured, strongest first: ``--state-url-env`` /
``--state-workspace`` (or ``TAVUSCTL_STATE_URL_ENV`` / ``TAVUSCTL_STATE_WORKSPACE``), then the
selected environment's ``state`` block in ``tavusctl.yaml``, then the file's top-level one.
``--lockfile`` given beats a block of the file (an option given wins over the file), not the
``--state-*`` options. See :func:`choose`.
"""

from __future__ import annotations

import os
from dataclasses import dataclass
from pathlib import Path

from tavusctl.core.errors import UsageError
from tavusctl.core.secrets import Scrubber
from tavusctl.state.postgres import PostgresStore
from tavusctl.state.store import LockfileStore, StateStore

DEFAULT_WORKSPACE = "default"


@dataclass(frozen=True)
class Choice:
    """The store chosen: PostgreSQL when ``url_env`` is set (in ``workspace``), else the
    lockfile. ``how``: where the choice came from, for messages."""

    url_env: str | None = None
    workspace: str | None = None
    how: str = "default"


def choose(
    *,
    url_env_option: str | None,
    workspace_option: str | None,
    backend: str | None,
    url_env: str | None,
    workspace: str | None,
    lockfile_given: bool,
    default_workspace: str = DEFAULT_WORKSPACE,
    block_name: str = "state in tavusctl.yaml",
) -> Choice:
    """The store for a run. ``url_env_option``, ``workspace_option``: the options (or their
    variables); ``backend``, ``url_env``, ``workspace``: the project file's ``state`` block that
    applies (the environment's, else the top-level one; None without a block);
    ``lockfile_given``: the lockfile was named (``--lockfile``); ``default_workspace``: the
    workspace when none is named (derived from the project and environment, see
    ``tavusctl.manifest.project``); ``block_name``: how messages name the block."""
    from_file = backend == "postgres" and not lockfile_given
    chosen_env = url_env_option or (url_env if from_file else None)
    if chosen_env is None:
        return Choice()
    named = workspace_option or (workspace if from_file else None)
    how = "--state-url-env (or TAVUSCTL_STATE_URL_ENV)" if url_env_option else block_name
    return Choice(chosen_env, named or default_workspace, how)


def open_store(
    lockfile: Path,
    url_env: str | None,
    workspace: str | None,
    scrubber: Scrubber | None = None,
    how: str = "--state-url-env (or TAVUSCTL_STATE_URL_ENV)",
) -> StateStore:
    """The lockfile at ``lockfile``, or the PostgreSQL workspace whose connection string is in
    the environment variable ``url_env`` (added to ``scrubber``), whose manifest paths are
    relative to the lockfile's folder (the project's). Nothing is connected to until the store
    is used."""
    if url_env is None:
        return LockfileStore(lockfile)
    url = os.environ.get(url_env, "")
    if not url.strip():
        raise UsageError(
            f"The state is configured in PostgreSQL (by {how}), but the environment variable "
            f"{url_env} "
            "that should hold its connection string is not set (or empty). Set it, e.g. "
            f"{url_env}=postgresql://USER:PASSWORD@HOST:5432/DATABASE."
        )
    return PostgresStore(
        url,
        workspace or DEFAULT_WORKSPACE,
        url_env=url_env,
        scrubber=scrubber,
        home=lockfile.absolute().parent,
    )
