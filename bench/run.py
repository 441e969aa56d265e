"""Entry point: ``python -m bench.run [--quick] [--only SCENARIO] [--sizes 10,100]``.

Starts the emulator (``--latency-ms 50``), runs every scenario for each N, prints the Markdown
table and writes ``bench/results/<timestamp>.{json,md}`` and ``bench/results/latest.md``.
Exits 1 if a scenario failed, 0 otherwise (skipped scenarios are not failures).
"""

from __future__ import annotations

import argparse
import contextlib
import json
import shutil
import sys
import tempfile
import time
from collections.abc import Callable, Sequence
from datetime import datetime, timezone
from functools import partial
from pathlib import Path

from bench import harness, report, scenarios, targets
from bench.scenarios import Bench, Row

RESULTS = Path(__file__).parent / "results"
SCENARIOS = ("version", "validate", "plan", "apply", "rate-limit", "state", "scale")
ORDER = (
    "--version",
    "validate",
    "plan in sync",
    "plan 10% changed",
    "apply create",
    "apply one-field change",
    "apply one-field change, lockfile state",
    "apply one-field change, PostgreSQL state",
    "apply one-field change ÷ raw client",
)
STATE_N = 1000  # the state-store comparison runs at this N in every mode
LATENCY_MS = 50


def parse(argv: Sequence[str]) -> argparse.Namespace:
    p = argparse.ArgumentParser(prog="python -m bench.run", description=__doc__.split("\n\n")[0])
    p.add_argument("--quick", action="store_true", help="N = 10 and 100 only, no 10,000")
    p.add_argument(
        "--only", action="append", choices=SCENARIOS, help="run only this scenario (repeatable)"
    )
    p.add_argument("--sizes", help="comma-separated N values (overrides the defaults)")
    p.add_argument(
        "--baseline-sample",
        type=int,
        default=500,
        help="time the naive plan on at most this many GETs (the 10,000 case)",
    )
    p.add_argument(
        "--profile", type=Path, help="write a cProfile of every tavusctl run into this folder"
    )
    p.add_argument(
        "--scale-sizes",
        help="N values of the apply against the raw client (default 1000,3000; quick: 100,300; "
        "add 10000 for the issue-17 target, about 6 minutes more)",
    )
    p.add_argument(
        "--repeats",
        type=int,
        default=3,
        help="runs of each apply against the raw client (min/median/max are reported)",
    )
    p.add_argument("--no-baselines", action="store_true", help="skip the baselines (profiling)")
    return p.parse_args(argv)


def plan_of(args: argparse.Namespace) -> list[tuple[str, int, Callable[[Bench], Row]]]:
    """The (scenario, N, runner) list for these options, N-major so each size is generated once."""
    sizes = (
        [int(s) for s in args.sizes.split(",")]
        if args.sizes
        else ([10, 100] if args.quick else [10, 100, 1000])
    )
    plan_sizes = sizes if args.quick or args.sizes else [*sizes, 10_000]
    only = set(args.only or SCENARIOS)
    sample = args.baseline_sample
    todo: list[tuple[str, int, Callable[[Bench], Row]]] = []
    if "version" in only:
        todo.append(("--version", 0, partial(scenarios.version, runs=5 if args.quick else 9)))
    for n in plan_sizes:
        if "validate" in only and n in sizes:
            todo.append(("validate", n, partial(scenarios.validate, n=n)))
        if "plan" in only:
            todo.append(
                ("plan in sync", n, partial(scenarios.plan, n=n, changed_every=None, sample=sample))
            )
            todo.append(
                (
                    "plan 10% changed",
                    n,
                    partial(scenarios.plan, n=n, changed_every=10, sample=sample),
                )
            )
        if "apply" in only and n in sizes:
            todo.append(("apply create", n, partial(scenarios.apply_create, n=n)))
            todo.append(("apply one-field change", n, partial(scenarios.apply_change, n=n)))
    if "rate-limit" in only:
        todo.append(("apply, rate-limited", 100, partial(scenarios.apply_rate_limited, n=100)))
    if "scale" in only:
        default = "100,300" if args.quick else "1000,3000"
        for n in (int(s) for s in (args.scale_sizes or default).split(",")):
            runner = partial(scenarios.apply_against_raw, n=n, repeats=args.repeats)
            todo.append(("apply one-field change ÷ raw client", n, runner))
    if "state" in only:
        for store in ("lockfile", "PostgreSQL"):
            runner = partial(scenarios.apply_change_by_store, n=STATE_N, store=store)
            todo.append((f"apply one-field change, {store} state", STATE_N, runner))
    return todo


def _sort_key(row: Row) -> tuple[int, int]:
    return (ORDER.index(row.scenario) if row.scenario in ORDER else len(ORDER), row.n)


def execute(args: argparse.Namespace) -> list[Row]:
    """Run the scenarios against one emulator; every row, sorted by scenario then N."""
    commands = {c for c in ("validate", "plan", "apply", "emulator") if harness.command_exists(c)}
    root = Path(tempfile.mkdtemp(prefix="tavusctl-bench-"))
    emulator = harness.Emulator(latency_ms=LATENCY_MS) if "emulator" in commands else None
    rows = []
    todo = plan_of(args)
    stack = contextlib.ExitStack()
    try:
        if args.profile:
            args.profile.mkdir(parents=True, exist_ok=True)
        bench = Bench(root, emulator, commands, args.profile)
        bench.with_baselines = not args.no_baselines
        if any(name.endswith("PostgreSQL state") for name, _n, _fn in todo):
            bench.postgres_url, bench.postgres_missing = start_postgres(stack)
        for name, n, fn in todo:
            print(f"… {name} N={n}", file=sys.stderr, flush=True)
            rows.append(scenarios.timed(name, n, partial(fn, bench)))
    finally:
        stack.close()
        if emulator is not None:
            emulator.close()
        shutil.rmtree(root, ignore_errors=True)
    return sorted(rows, key=_sort_key)


def start_postgres(stack: contextlib.ExitStack) -> tuple[str | None, str | None]:
    """A local PostgreSQL server with its default durability (the test suite's helper), left
    running until ``stack`` closes: (a connection string, None), or (None, why there is none)."""
    import psycopg

    from tests.support.postgres import cluster

    try:
        server = stack.enter_context(cluster(durable=True))
    except RuntimeError as exc:
        return None, str(exc).splitlines()[0]
    with psycopg.connect(server.url(), autocommit=True) as conn:
        conn.execute("CREATE DATABASE bench")
    return server.url("bench"), None


def main(argv: Sequence[str] | None = None) -> int:
    args = parse(sys.argv[1:] if argv is None else argv)
    started = datetime.now(timezone.utc)
    t0 = time.perf_counter()
    rows = execute(args)
    judged = targets.judge(rows)
    info = {
        "started": started.strftime("%Y-%m-%d %H:%M UTC"),
        "mode": "quick" if args.quick else "full",
        "duration_s": time.perf_counter() - t0,
        "machine": report.machine(),
        "latency_ms": LATENCY_MS,
        "parallelism": scenarios.PARALLELISM,
        "repeats": scenarios.REPEATS,
    }
    text = report.markdown(rows, judged, info)
    save(started, text, report.to_json(rows, judged, info))
    print(text)
    return 1 if any(r.status == "failed" for r in rows) else 0


def save(started: datetime, text: str, data: dict[str, object]) -> None:
    """Write ``<timestamp>.json``, ``<timestamp>.md`` and ``latest.md`` into bench/results/."""
    RESULTS.mkdir(exist_ok=True)
    stamp = started.strftime("%Y%m%dT%H%M%SZ")
    (RESULTS / f"{stamp}.json").write_text(json.dumps(data, indent=2) + "\n")
    (RESULTS / f"{stamp}.md").write_text(text)
    (RESULTS / "latest.md").write_text(text)


if __name__ == "__main__":
    sys.exit(main())
