"""The raw client: the physical limit of an apply, measured against the same emulator.

It sends only the PATCHes an apply must send (the same JSON Patch bodies), over ``parallelism``
keep-alive HTTP/1.1 connections held open for the whole run, on raw asyncio streams: no
manifests, no planning, no state, no HTTP library (an httpx pool spends about a millisecond of
CPU per request, which would measure the library, not the work). It runs in this process; its
wall and CPU time are its own (``time.process_time`` of this process during the run).
"""

from __future__ import annotations

import asyncio
import json
import re
import time
from collections.abc import Mapping, Sequence
from typing import Any
from urllib.parse import urlsplit

from bench.harness import API_KEY, Emulator, Measurement

_LENGTH = re.compile(rb"(?im)^content-length: *(\d+)")


def raw_patch(
    emulator: Emulator, changes: Mapping[str, Sequence[Mapping[str, Any]]], parallelism: int
) -> Measurement:
    """PATCH every persona in ``changes`` (id → JSON Patch) over ``parallelism`` connections."""
    emulator.clear_requests()
    bodies = [
        (pid, json.dumps(list(ops), separators=(",", ":")).encode()) for pid, ops in changes.items()
    ]
    wall0, cpu0 = time.perf_counter(), time.process_time()
    failures = asyncio.run(_send_all(emulator.url, bodies, parallelism))
    wall, cpu = time.perf_counter() - wall0, time.process_time() - cpu0
    made = len(emulator.requests())
    emulator.clear_requests()
    return Measurement(
        wall_s=wall,
        requests=made,
        cpu_s=cpu,
        exit_code=1 if failures else 0,
        stderr_tail="\n".join(failures[:5]),
    )


async def _send_all(url: str, bodies: list[tuple[str, bytes]], parallelism: int) -> list[str]:
    parts = urlsplit(url)
    host, port = parts.hostname or "127.0.0.1", parts.port or 80
    queue: asyncio.Queue[tuple[str, bytes]] = asyncio.Queue()
    for item in bodies:
        queue.put_nowait(item)
    failures: list[str] = []
    workers = [
        _worker(host, port, queue, failures) for _ in range(max(1, min(parallelism, len(bodies))))
    ]
    await asyncio.gather(*workers)
    return failures


async def _worker(
    host: str, port: int, queue: asyncio.Queue[tuple[str, bytes]], failures: list[str]
) -> None:
    """One keep-alive connection: take the next PATCH until none is left."""
    reader, writer = await asyncio.open_connection(host, port)
    try:
        while not queue.empty():
            pid, body = queue.get_nowait()
            head = (
                f"PATCH /v2/personas/{pid} HTTP/1.1\r\nhost: {host}:{port}\r\n"
                f"x-api-key: {API_KEY}\r\ncontent-type: application/json\r\n"
                f"content-length: {len(body)}\r\n\r\n"
            ).encode()
            writer.write(head + body)
            answer = await reader.readuntil(b"\r\n\r\n")
            length = _LENGTH.search(answer)
            if length is not None:
                await reader.readexactly(int(length.group(1)))
            status = int(answer.split(b" ", 2)[1])
            if status not in (200, 204):
                failures.append(f"PATCH {pid}: HTTP {status}")
    finally:
        writer.close()
