"""Writing files so that a crash never leaves half of one."""

from __future__ import annotations

import contextlib
import os
import tempfile
from pathlib import Path


def write_atomic(path: Path, text: str) -> None:
    """Write atomically: a temporary file beside the target, fsync, rename, fsync the folder.

    A crash at any moment leaves either the old file or the new one, never a mix. A symlink is
    written through: its target is replaced and the link stays (a lockfile shared by link
    between checkouts must not be split into a stale copy and a new file).
    """
    data = text.encode("utf-8")
    target = Path(os.path.realpath(path))
    folder = target.parent
    fd, tmp = tempfile.mkstemp(prefix=f".{target.name}.", suffix=".tmp", dir=folder)
    try:
        with os.fdopen(fd, "wb") as handle:
            handle.write(data)
            handle.flush()
            os.fsync(handle.fileno())
        os.replace(tmp, target)
    except BaseException:
        with contextlib.suppress(OSError):
            os.unlink(tmp)
        raise
    dir_fd = os.open(folder, os.O_RDONLY)
    try:
        os.fsync(dir_fd)
    finally:
        os.close(dir_fd)
