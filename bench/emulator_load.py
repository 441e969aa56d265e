"""Load test for ``tavusctl emulator``: many concurrent keep-alive clients, injected latency.

Starts the real emulator (``--latency-ms 50``) on a free port, seeds personas, then runs
``--clients`` concurrent clients, each on its own keep-alive connection, doing ``--requests``
GET/list requests. Prints requests per second, p50/p99 latency and errors; exits 1 on any error.

The clients speak HTTP/1.1 over raw asyncio streams: one httpx.AsyncClient pool with 500
connections spends more CPU than the server (about 85 requests/s on 2 cores), which would
measure the client, not the emulator.

    python -m bench.emulator_load [--clients 500] [--requests 20] [--latency-ms 50]
"""

from __future__ import annotations

import argparse
import asyncio
import re
import statistics
import subprocess
import sys
import time
from dataclasses import dataclass, field

import httpx

KEY = {"x-api-key": "bench-key"}


@dataclass
class Tally:
    """Latencies of answered requests and descriptions of failed ones."""

    latencies: list[float] = field(default_factory=list)
    errors: list[str] = field(default_factory=list)


def start_emulator(latency_ms: float) -> tuple[subprocess.Popen[str], str]:
    """Start ``tavusctl emulator`` on a free port; return the process and its URL."""
    command = [
        sys.executable,
        "-m",
        "tavusctl",
        "emulator",
        "--port",
        "0",
        "--latency-ms",
        str(latency_ms),
    ]
    proc = subprocess.Popen(command, stderr=subprocess.PIPE, text=True)
    assert proc.stderr is not None
    match = re.search(r"http://\S+", proc.stderr.readline())
    if match is None:
        proc.kill()
        raise SystemExit("The emulator did not start.")
    return proc, match.group(0)


async def client(
    host: str, port: int, worker: int, ids: list[str], requests: int, tally: Tally
) -> None:
    """One client on its own keep-alive connection: alternate a persona and a list page."""
    try:
        reader, writer = await asyncio.open_connection(host, port)
    except OSError as exc:
        tally.errors.append(f"connect: {exc}")
        return
    for i in range(requests):
        n = worker + i
        path = (
            f"/v2/personas?page={n % 10 + 1}&limit=10"
            if i % 2
            else f"/v2/personas/{ids[n % len(ids)]}"
        )
        started = time.perf_counter()
        try:
            status = await exchange(reader, writer, path)
        except (OSError, asyncio.IncompleteReadError, ValueError) as exc:
            tally.errors.append(f"{type(exc).__name__}: {exc}")
            break
        if status != 200:
            tally.errors.append(f"HTTP {status} for {path}")
        else:
            tally.latencies.append(time.perf_counter() - started)
    writer.close()


async def exchange(reader: asyncio.StreamReader, writer: asyncio.StreamWriter, path: str) -> int:
    """Send one keep-alive GET and read the whole answer; return its status."""
    writer.write(
        f"GET {path} HTTP/1.1\r\nHost: emulator\r\nx-api-key: {KEY['x-api-key']}\r\n\r\n".encode()
    )
    head = await reader.readuntil(b"\r\n\r\n")
    length = re.search(rb"(?im)^content-length: *(\d+)", head)
    if length is None:
        raise ValueError(f"no content-length in {head[:60]!r}")
    body = await reader.readexactly(int(length.group(1)))
    if not body.startswith(b"{"):
        raise ValueError(f"not a JSON object: {body[:60]!r}")
    return int(head.split(b" ", 2)[1])


async def run(url: str, clients: int, requests: int) -> tuple[Tally, float]:
    """Seed personas, then run every client at once; return the tally and the elapsed seconds."""
    bodies = [{"persona_name": f"bench-{i}", "system_prompt": "You help."} for i in range(200)]
    async with httpx.AsyncClient(base_url=url, timeout=60) as http:
        seeded = await http.post(
            "/_emulator/seed", json={"api_key": KEY["x-api-key"], "personas": bodies}
        )
    ids = seeded.json()["persona_ids"]
    host, port = url.removeprefix("http://").rsplit(":", 1)
    tally = Tally()
    started = time.perf_counter()
    await asyncio.gather(
        *(client(host, int(port), w, ids, requests, tally) for w in range(clients))
    )
    return tally, time.perf_counter() - started


def report(tally: Tally, elapsed: float, clients: int, latency_ms: float) -> int:
    """Print the figures; the exit code is 1 if any request failed."""
    done = len(tally.latencies)
    cuts = statistics.quantiles(tally.latencies, n=100) if done > 1 else [0.0] * 99
    print(f"{clients} concurrent keep-alive clients, {latency_ms:g} ms injected latency")
    print(f"{done} requests in {elapsed:.2f} s: {done / elapsed:.0f} requests/s")
    print(f"latency p50 {cuts[49] * 1000:.1f} ms, p99 {cuts[98] * 1000:.1f} ms")
    print(f"errors: {len(tally.errors)}")
    for line in sorted(set(tally.errors))[:10]:
        print(f"  {line}")
    return 1 if tally.errors else 0


def main() -> int:
    """Run the load test against a fresh emulator process."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--clients", type=int, default=500)
    parser.add_argument("--requests", type=int, default=20, help="requests per client")
    parser.add_argument("--latency-ms", type=float, default=50.0)
    args = parser.parse_args()
    proc, url = start_emulator(args.latency_ms)
    try:
        tally, elapsed = asyncio.run(run(url, args.clients, args.requests))
    finally:
        proc.terminate()
        proc.wait(timeout=30)
    return report(tally, elapsed, args.clients, args.latency_ms)


if __name__ == "__main__":
    sys.exit(main())
