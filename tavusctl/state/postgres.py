"""The PostgreSQL state store: the lockfile's content as rows, shared by every machine.

Tables (created on first use, in the connection's default schema; ``tavusctl_schema`` holds
their version, and a newer one is refused as a newer lockfile is):

- ``tavusctl_workspaces``: one row per workspace, ``meta`` holding the lockfile's top level
  without its resources (``version``, ``salt``, and whatever else the format carries);
- ``tavusctl_entries``: one row per resource, ``entry`` holding exactly the lockfile's entry
  (``id``, ``applied`` with secrets hashed, ``intent_at``);
- ``tavusctl_locks``: who holds a workspace's lock (user, host, pid, start), for messages.

A workspace's state is therefore a lockfile, byte for byte (:func:`lockfile.dumps` of what is
read), which is what ``state migrate`` and ``state pull`` rely on. ``json`` (not ``jsonb``)
columns keep each value's text as written.

Writers hold a session-level advisory lock on the workspace, on the connection they write
through: a holder that dies releases it when its session ends, and a lost connection loses the
lock and every later write at once (:class:`StateLost`), never writing unlocked. Each write is
one transaction: an apply's create intent is committed before its POST, the id right after.

The connection string comes only from the environment; its password is never printed (it is
added to the run's scrubber, and messages name the server as ``host:port/database``).
"""

from __future__ import annotations

import contextlib
import getpass
import hashlib
import json
import os
import socket
import threading
import time
from collections.abc import Collection, Iterator
from dataclasses import dataclass
from datetime import datetime, timezone
from pathlib import Path
from typing import TYPE_CHECKING, Any

from tavusctl.core.errors import StateError, StateLost
from tavusctl.core.secrets import Scrubber
from tavusctl.state import lockfile
from tavusctl.state.lockfile import Changes, Lockfile
from tavusctl.state.store import StateStore

if TYPE_CHECKING:
    import psycopg

SCHEMA_VERSION = 1

# The transaction-level advisory lock taken while creating the tables (any 64-bit constant).
_SETUP_LOCK = 0x7461767573637431  # "tavusct1"

_TABLES = """
CREATE TABLE IF NOT EXISTS tavusctl_schema (
    singleton boolean PRIMARY KEY DEFAULT true CHECK (singleton),
    version integer NOT NULL,
    created_at timestamptz NOT NULL DEFAULT now()
);
CREATE TABLE IF NOT EXISTS tavusctl_workspaces (
    workspace text PRIMARY KEY,
    meta json NOT NULL,
    updated_at timestamptz NOT NULL DEFAULT now()
);
CREATE TABLE IF NOT EXISTS tavusctl_entries (
    workspace text NOT NULL REFERENCES tavusctl_workspaces (workspace) ON DELETE CASCADE,
    key text NOT NULL,
    entry json NOT NULL,
    updated_at timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (workspace, key)
);
CREATE TABLE IF NOT EXISTS tavusctl_locks (
    workspace text PRIMARY KEY,
    holder text NOT NULL,
    host text NOT NULL,
    pid integer NOT NULL,
    started_at timestamptz NOT NULL,
    backend_pid integer NOT NULL
);
"""

INSTALL = "pip install 'tavusctl[postgres]'"


def _psycopg() -> Any:
    try:
        import psycopg
    except ImportError:
        raise StateError(
            "The state is configured in PostgreSQL, but the PostgreSQL driver (psycopg 3) is "
            f"not installed. Install it with: {INSTALL}"
        ) from None
    return psycopg


@dataclass(frozen=True)
class Holder:
    """Who holds a workspace's lock, as recorded when it was taken."""

    user: str
    host: str
    pid: int
    started_at: datetime
    backend_pid: int

    def describe(self, now: datetime | None = None) -> str:
        now = now or datetime.now(timezone.utc)
        age = max((now - self.started_at).total_seconds(), 0.0)
        since = self.started_at.astimezone(timezone.utc).strftime("%Y-%m-%d %H:%M:%S UTC")
        return f"{self.user}@{self.host}, pid {self.pid}, since {since} ({age:.0f} s ago)"


class PostgresStore(StateStore):
    """One workspace of a PostgreSQL database."""

    def __init__(
        self,
        url: str,
        workspace: str,
        *,
        url_env: str | None = None,
        scrubber: Scrubber | None = None,
        home: Path | None = None,
    ) -> None:
        """``scrubber``: the run's, to which the connection string and its password are added;
        ``home``: the project folder, which recorded manifest paths are relative to (default:
        the current directory)."""
        self._home = (home or Path.cwd()).resolve()
        self._psycopg = _psycopg()
        self.url, self.workspace, self.url_env = url, workspace, url_env
        try:
            params = self._psycopg.conninfo.conninfo_to_dict(url)
        except self._psycopg.ProgrammingError:
            raise StateError(
                f"{url_env or 'The state URL'} does not hold a valid PostgreSQL connection "
                "string (expected e.g. "
                "postgresql://USER:PASSWORD@HOST:5432/DATABASE); it is not shown."
            ) from None
        if scrubber is not None:
            scrubber.add(str(params.get("password") or ""))
            scrubber.add(url)
        host = params.get("host") or params.get("hostaddr") or "localhost"
        self.server = f"{host}:{params.get('port') or 5432}/{params.get('dbname') or ''}"
        self._params = {"connect_timeout": "10", "application_name": "tavusctl", **params}
        self._params.setdefault("keepalives_idle", "30")
        self._conn: psycopg.Connection[Any] | None = None  # while held
        self._mutex = threading.Lock()
        self._meta_written: str | None = None

    @property
    def home(self) -> Path:
        return self._home

    @property
    def _from(self) -> str:
        return f" (from {self.url_env})" if self.url_env else ""

    @property
    def name(self) -> str:
        return f"PostgreSQL workspace '{self.workspace}' ({self.server})"

    # --- connections -----------------------------------------------------------------------

    def _connect(self) -> psycopg.Connection[Any]:
        try:
            conn: psycopg.Connection[Any] = self._psycopg.connect(**self._params, autocommit=True)
        except self._psycopg.Error as exc:
            raise StateError(
                f"Cannot connect to the state database {self.server}{self._from}: "
                f"{_reason(exc)}. Check the connection string and that the server is reachable."
            ) from None
        try:
            self._setup(conn)
        except BaseException:
            conn.close()
            raise
        return conn

    @contextlib.contextmanager
    def _connection(self) -> Iterator[psycopg.Connection[Any]]:
        """The held connection, or a new one for the body."""
        if self._conn is not None:
            yield self._conn
            return
        conn = self._connect()
        try:
            yield conn
        finally:
            conn.close()

    def _setup(self, conn: psycopg.Connection[Any]) -> None:
        """Create the tables if there are none; refuse a schema newer than this tavusctl's."""
        try:
            with conn.transaction():
                exists = conn.execute("SELECT to_regclass('tavusctl_schema')").fetchone()
                if exists is None or exists[0] is None:
                    conn.execute("SELECT pg_advisory_xact_lock(%s)", (_SETUP_LOCK,))
                    conn.execute(_TABLES)
                    conn.execute(
                        "INSERT INTO tavusctl_schema (version) VALUES (%s) "
                        "ON CONFLICT (singleton) DO NOTHING",
                        (SCHEMA_VERSION,),
                    )
                row = conn.execute("SELECT version FROM tavusctl_schema").fetchone()
        except self._psycopg.Error as exc:
            raise StateError(
                f"Cannot prepare the state tables in {self.server}: {_reason(exc)}. The database "
                "user needs the right to create tables in its schema the first time (or create "
                "them as shown in the README's 'Team state')."
            ) from None
        version = row[0] if row else None
        if version != SCHEMA_VERSION:
            raise StateError(
                f"The state tables in {self.server} are of schema version {version}, but this "
                f"tavusctl understands version {SCHEMA_VERSION} only. Upgrade tavusctl. "
                "Nothing was changed."
            )

    # --- reading ---------------------------------------------------------------------------

    def read_with_text(self) -> tuple[Lockfile, str]:
        with self._connection() as conn:
            try:
                with self._mutex, conn.transaction():
                    conn.execute("SET TRANSACTION ISOLATION LEVEL REPEATABLE READ, READ ONLY")
                    meta = conn.execute(
                        "SELECT meta FROM tavusctl_workspaces WHERE workspace = %s",
                        (self.workspace,),
                    ).fetchone()
                    rows = conn.execute(
                        "SELECT key, entry FROM tavusctl_entries WHERE workspace = %s",
                        (self.workspace,),
                    ).fetchall()
            except self._psycopg.Error as exc:
                raise self._lost("read", exc) from None
        if meta is None:
            return Lockfile(), ""
        doc = {**meta[0], "resources": {key: entry for key, entry in rows}}
        lock = lockfile.from_json(doc, self.name)
        return lock, lockfile.dumps(lock)

    def is_empty(self) -> bool:
        """Whether the workspace records no resource (it may not exist yet)."""
        return not self.read().entries

    # --- writing ---------------------------------------------------------------------------

    def write(self, lock: Lockfile, keys: Collection[str] | None = None) -> None:
        conn = self._conn
        if conn is None:
            raise StateError(f"Internal: {self.name} was written without holding its lock.")
        whole = keys is None
        keys = set(lock.entries) if keys is None else set(keys)
        changed = {k: lock.entries.get(k) for k in keys}
        self._write(conn, Changes(lock.salt, lock.account, changed), whole=whole)

    def record(self, changes: Changes) -> None:
        conn = self._conn
        if conn is None:
            raise StateError(f"Internal: {self.name} was written without holding its lock.")
        self._write(conn, changes, whole=False)

    def settle(self, lock: Lockfile) -> None:
        """Nothing to do: every :meth:`record` already wrote its rows in place."""

    def _write(self, conn: psycopg.Connection[Any], changes: Changes, *, whole: bool) -> None:
        """One transaction: the entries of ``changes`` set or removed, the meta if it changed;
        with ``whole``, every other entry removed too."""
        meta = _dumps(_meta(changes))
        gone = sorted(k for k, e in changes.entries.items() if e is None)
        rows = sorted(
            (self.workspace, k, _dumps(e.to_json()))
            for k, e in changes.entries.items()
            if e is not None
        )
        kept = [key for _, key, _ in rows]
        try:
            with self._mutex, conn.transaction():
                if whole:  # exactly ``lock``: nothing else stays
                    self._meta_written = None
                    conn.execute(
                        "DELETE FROM tavusctl_entries WHERE workspace = %s AND key <> ALL(%s)",
                        (self.workspace, kept),
                    )
                if meta != self._meta_written:
                    conn.execute(
                        "INSERT INTO tavusctl_workspaces (workspace, meta) VALUES (%s, %s) "
                        "ON CONFLICT (workspace) DO UPDATE SET meta = EXCLUDED.meta, "
                        "updated_at = now()",
                        (self.workspace, meta),
                    )
                if gone:
                    conn.execute(
                        "DELETE FROM tavusctl_entries WHERE workspace = %s AND key = ANY(%s)",
                        (self.workspace, gone),
                    )
                if rows:
                    with conn.cursor() as cur:
                        cur.executemany(
                            "INSERT INTO tavusctl_entries (workspace, key, entry) "
                            "VALUES (%s, %s, %s) ON CONFLICT (workspace, key) DO UPDATE "
                            "SET entry = EXCLUDED.entry, updated_at = now()",
                            rows,
                        )
        except self._psycopg.Error as exc:
            self._meta_written = None
            raise self._lost("write to", exc) from None
        self._meta_written = meta

    def _lost(self, doing: str, exc: Exception) -> StateLost:
        broken = self._conn is not None and self._conn.broken
        if broken or isinstance(exc, self._psycopg.OperationalError):
            return StateLost(
                f"Lost the connection to the state database {self.server} ({_reason(exc)}). "
                "Nothing more was sent to Tavus; everything recorded before is safe. Run the "
                "command again when the database is reachable: apply adopts what an "
                "interrupted create made."
            )
        return StateLost(f"Cannot {doing} the state in {self.server}: {_reason(exc)}.")

    # --- locking ---------------------------------------------------------------------------

    @property
    def _lock_key(self) -> int:
        """The workspace's advisory lock key: 64 bits of a hash of its name, signed."""
        digest = hashlib.sha256(f"tavusctl workspace {self.workspace}".encode()).digest()
        return int.from_bytes(digest[:8], "big", signed=True)

    @contextlib.contextmanager
    def _held(self, timeout: float) -> Iterator[None]:
        if self._conn is not None:
            raise StateError(f"Internal: {self.name} is already held by this run.")
        conn = self._connect()
        try:
            if not self._acquire(conn, timeout):
                holder = self.holder(conn)
                who = holder.describe() if holder else "a run that recorded no details"
                waited = f" (waited {timeout:g} s)" if timeout else ""
                raise StateError(
                    f"The state ({self.name}) is locked by another tavusctl run: {who}{waited}. "
                    "Wait for it to finish (or pass --lock-timeout SECONDS to wait); if that run "
                    "is gone for good, 'tavusctl state unlock' releases the lock."
                )
            self._record_holder(conn)
            self._conn = conn
            yield
        finally:
            self._conn = None
            with contextlib.suppress(self._psycopg.Error):
                if not conn.broken:
                    conn.execute(
                        "DELETE FROM tavusctl_locks WHERE workspace = %s "
                        "AND backend_pid = pg_backend_pid()",
                        (self.workspace,),
                    )
                    conn.execute("SELECT pg_advisory_unlock(%s)", (self._lock_key,))
            conn.close()

    def hold(self, timeout: float = 0.0) -> contextlib.AbstractContextManager[None]:
        return self._held(timeout)

    def _acquire(self, conn: psycopg.Connection[Any], timeout: float) -> bool:
        try:
            if timeout <= 0:
                row = conn.execute("SELECT pg_try_advisory_lock(%s)", (self._lock_key,)).fetchone()
                return bool(row and row[0])
            deadline = time.monotonic() + timeout
            while True:
                row = conn.execute("SELECT pg_try_advisory_lock(%s)", (self._lock_key,)).fetchone()
                if row and row[0]:
                    return True
                if time.monotonic() >= deadline:
                    return False
                time.sleep(min(0.2, max(deadline - time.monotonic(), 0.0)))
        except self._psycopg.Error as exc:
            raise self._lost("lock", exc) from None

    def _record_holder(self, conn: psycopg.Connection[Any]) -> None:
        try:
            conn.execute(
                "INSERT INTO tavusctl_locks (workspace, holder, host, pid, started_at, backend_pid)"
                " VALUES (%s, %s, %s, %s, now(), pg_backend_pid()) ON CONFLICT (workspace) DO "
                "UPDATE SET holder = EXCLUDED.holder, host = EXCLUDED.host, pid = EXCLUDED.pid, "
                "started_at = EXCLUDED.started_at, backend_pid = EXCLUDED.backend_pid",
                (self.workspace, _user(), socket.gethostname(), os.getpid()),
            )
        except self._psycopg.Error as exc:
            raise self._lost("lock", exc) from None

    def holder(self, conn: psycopg.Connection[Any] | None = None) -> Holder | None:
        """Who holds the workspace's lock now, or None when nobody does."""
        with contextlib.ExitStack() as stack:
            if conn is None:
                conn = stack.enter_context(self._connection())
            try:
                row = conn.execute(
                    "SELECT l.holder, l.host, l.pid, l.started_at, l.backend_pid "
                    "FROM tavusctl_locks l WHERE l.workspace = %s",
                    (self.workspace,),
                ).fetchone()
                held = self._lock_backend(conn)
            except self._psycopg.Error as exc:
                raise self._lost("read", exc) from None
        if held is None:
            return None
        if row is None or row[4] != held:  # taken by a run that recorded nothing (yet)
            return Holder("unknown", "unknown", 0, datetime.now(timezone.utc), held)
        return Holder(row[0], row[1], row[2], row[3], row[4])

    def _lock_backend(self, conn: psycopg.Connection[Any]) -> int | None:
        """The server process id of the session holding the workspace's advisory lock."""
        key = self._lock_key & 0xFFFFFFFFFFFFFFFF
        row = conn.execute(
            "SELECT pid FROM pg_locks WHERE locktype = 'advisory' AND granted "
            "AND classid = %s::bigint::oid AND objid = %s::bigint::oid AND objsubid = 1 "
            "AND database = (SELECT oid FROM pg_database WHERE datname = current_database())",
            (key >> 32, key & 0xFFFFFFFF),
        ).fetchone()
        return int(row[0]) if row else None

    def lock_holder(self) -> str | None:
        holder = self.holder()
        return holder.describe() if holder else None

    def unlock(self) -> str:
        holder = self.end_holder()
        if holder is None:
            return f"Nobody holds the lock on {self.name}; nothing was done."
        return (
            f"Released the lock on {self.name}: ended the database session of {holder.describe()}. "
            "If that run was still going, it stops at its next write; run apply again."
        )

    def end_holder(self) -> Holder | None:
        """End the session holding the workspace's lock (which releases it); the holder ended,
        or None when nobody held it."""
        with self._connection() as conn:
            holder = self.holder(conn)
            if holder is None:
                return None
            try:
                ended = conn.execute(
                    "SELECT pg_terminate_backend(%s, 5000)", (holder.backend_pid,)
                ).fetchone()
                conn.execute("DELETE FROM tavusctl_locks WHERE workspace = %s", (self.workspace,))
            except self._psycopg.Error as exc:
                raise StateError(
                    f"Cannot release the lock on {self.name}: {_reason(exc)}. Ending another "
                    "session needs the same database user or the pg_signal_backend role."
                ) from None
            if not (ended and ended[0]):
                raise StateError(
                    f"The session holding the lock on {self.name} did not end within 5 s; "
                    "try again, or ask the database administrator to end it."
                )
        return holder


def _meta(changes: Changes) -> dict[str, Any]:
    """The top level of the lockfile without its resources (what :meth:`Lockfile.to_json`
    holds beside them), from the salt and account alone: no whole-state encoding per write."""
    doc = Lockfile(salt=changes.salt, account=changes.account).to_json()
    return {k: v for k, v in doc.items() if k != "resources"}


def _dumps(value: Any) -> str:
    return json.dumps(value, sort_keys=True, ensure_ascii=False, allow_nan=False)


def _user() -> str:
    try:
        return getpass.getuser()
    except (KeyError, OSError):
        return f"uid {os.getuid()}"


def _reason(exc: Exception) -> str:
    """The driver's message, first line, without a trailing period."""
    text = str(exc).strip().splitlines()[0] if str(exc).strip() else type(exc).__name__
    return text.rstrip(".")
