"""Which state store a run uses: the lockfile, or PostgreSQL when a connection is configured."""

from __future__ import annotations

import os
from pathlib import Path

from tavusctl.core.errors import UsageError
from tavusctl.core.secrets import Scrubber
from tavusctl.state.postgres import PostgresStore
from tavusctl.state.store import LockfileStore, StateStore

DEFAULT_WORKSPACE = "default"


def open_store(
    lockfile: Path, url_env: str | None, workspace: str | None, scrubber: Scrubber | None = None
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
            f"The state is configured in PostgreSQL, but the environment variable {url_env} "
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
