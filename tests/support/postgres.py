"""A real PostgreSQL server for the test session: a temporary cluster on a free loopback port.

``postgres_server`` (session) runs ``initdb`` into a temporary folder and ``pg_ctl start`` on a
free port, and stops and removes it when the session ends. ``postgres_url`` gives each test a
database of its own on it. The server binaries are Debian's (``/usr/lib/postgresql/*/bin``;
``make test`` installs the ``postgresql`` package when they are missing); ``TAVUSCTL_PG_BIN``
names another folder. PostgreSQL refuses to run as root: under root the cluster is run as the
``postgres`` user the package creates (else ``nobody``).

The PostgreSQL tests never skip silently: without a server they fail, saying how to get one.
``TAVUSCTL_TEST_POSTGRES=skip`` is the one explicit way to skip them.
"""

from __future__ import annotations

import contextlib
import glob
import itertools
import os
import pwd
import shutil
import socket
import subprocess
import tempfile
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest

SKIP_ENV = "TAVUSCTL_TEST_POSTGRES"
SUPERUSER = "tavusctl_test"
# In every connection string, so that tests can check it is never printed or written. The test
# cluster trusts loopback connections, so the server never asks for it.
PASSWORD = "pg-password-7c41e9b2"


@dataclass(frozen=True)
class PostgresServer:
    """A running test cluster: ``url(db)`` is a connection string to database ``db``."""

    host: str
    port: int
    user: str

    def url(self, database: str = "postgres") -> str:
        return f"postgresql://{self.user}:{PASSWORD}@{self.host}:{self.port}/{database}"


def bin_dir() -> Path | None:
    """The folder holding ``initdb`` and ``pg_ctl``: ``TAVUSCTL_PG_BIN``, the newest Debian
    version, or the ``PATH``."""
    if os.environ.get("TAVUSCTL_PG_BIN"):
        return Path(os.environ["TAVUSCTL_PG_BIN"])
    found = sorted(
        glob.glob("/usr/lib/postgresql/*/bin/initdb"),
        key=lambda p: (
            int(Path(p).parent.parent.name) if Path(p).parent.parent.name.isdigit() else 0
        ),
    )
    if found:
        return Path(found[-1]).parent
    initdb = shutil.which("initdb")
    return Path(initdb).parent if initdb else None


def _run_as() -> str | None:
    """The user to run the cluster as: None (ourselves) unless we are root."""
    if os.geteuid() != 0:
        return None
    for name in ("postgres", "nobody"):
        with contextlib.suppress(KeyError):
            pwd.getpwnam(name)
            return name
    raise RuntimeError("Running as root and no 'postgres' or 'nobody' user to run PostgreSQL as.")


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


@contextlib.contextmanager
def cluster(*, durable: bool = False) -> Iterator[PostgresServer]:
    """initdb + pg_ctl start in a temporary folder; stopped and removed afterwards.

    Tests run without fsync (a crash of the test server is not what they test); ``durable``
    keeps PostgreSQL's defaults (fsync, synchronous commit), as the benchmark needs to compare
    with a lockfile that is fsynced after every write.
    """
    binaries = bin_dir()
    if binaries is None or not (binaries / "initdb").exists():
        raise RuntimeError(
            "No PostgreSQL server binaries (initdb, pg_ctl) found. Run 'make test' (it installs "
            "Debian's postgresql package as root), or `apt-get install postgresql`, or set "
            f"TAVUSCTL_PG_BIN to their folder; {SKIP_ENV}=skip skips the PostgreSQL tests."
        )
    user = _run_as()
    root = Path(tempfile.mkdtemp(prefix="tavusctl-pg-"))
    data, sockets, log = root / "data", root / "sock", root / "server.log"
    sockets.mkdir()
    if user is not None:
        info = pwd.getpwnam(user)
        for path in (root, sockets):
            os.chown(path, info.pw_uid, info.pw_gid)
    env = {**os.environ, "LC_ALL": "C", "TZ": "UTC"}

    def run(*args: str) -> subprocess.CompletedProcess[str]:
        return subprocess.run(
            [str(binaries / args[0]), *args[1:]],
            user=user,
            env=env,
            cwd=root,
            capture_output=True,
            text=True,
            check=False,
            timeout=120,
        )

    try:
        made = run("initdb", "-D", str(data), "-U", SUPERUSER, "--auth=trust", "-E", "UTF8",
                   "--no-sync", "--no-instructions")  # fmt: skip
        if made.returncode != 0:
            raise RuntimeError(f"initdb failed: {made.stdout}{made.stderr}")
        for attempt in itertools.count():
            port = free_port()
            options = f"-p {port} -c listen_addresses=127.0.0.1 -k {sockets} -c max_connections=200"
            if not durable:
                options += " -c fsync=off -c synchronous_commit=off -c full_page_writes=off"
            started = run("pg_ctl", "start", "-w", "-t", "60", "-D", str(data), "-l", str(log),
                          "-o", options)  # fmt: skip
            if started.returncode == 0:
                break
            if attempt == 3:  # a port taken between free_port() and the start, four times
                text = log.read_text(errors="replace") if log.exists() else ""
                raise RuntimeError(f"pg_ctl start failed: {started.stderr}{text}")
            time.sleep(0.2)
        try:
            yield PostgresServer("127.0.0.1", port, SUPERUSER)
        finally:
            run("pg_ctl", "stop", "-D", str(data), "-m", "immediate", "-w")
    finally:
        shutil.rmtree(root, ignore_errors=True)


def skipped() -> bool:
    return os.environ.get(SKIP_ENV, "").lower() == "skip"


@pytest.fixture(scope="session")
def postgres_server() -> Iterator[PostgresServer]:
    """The session's PostgreSQL cluster (started on first use)."""
    if skipped():
        pytest.skip(f"PostgreSQL tests disabled ({SKIP_ENV}=skip)")
    with cluster() as server:
        yield server


_databases = itertools.count()


@pytest.fixture
def postgres_url(postgres_server: PostgresServer) -> str:
    """A connection string to a new, empty database for this test."""
    import psycopg

    name = f"t{os.getpid()}_{next(_databases)}"
    with psycopg.connect(postgres_server.url(), autocommit=True) as conn:
        conn.execute(f'CREATE DATABASE "{name}"')
    return postgres_server.url(name)
