"""The scenarios of issue 6: each prepares its state, runs tavusctl once, and its baseline.

Every scenario returns a :class:`Row`: ``ok`` with a tavusctl measurement and a baseline,
``skipped`` with the reason (a command not wired in yet), or ``failed`` with what went wrong.
"""

from __future__ import annotations

import json
import os
import statistics
import sys
import time
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field, replace
from functools import partial
from pathlib import Path
from typing import Any

from bench import baseline, harness, raw
from bench import personas as gen
from bench.harness import Emulator, Measurement
from bench.workspace import Workspace, lock_for
from tavusctl.state.postgres import PostgresStore

PARALLELISM = 32
RATE = 20  # requests per second for the rate-limited apply
CHANGED_FIELD = "persona_name"
REPEATS = 3  # tavusctl runs per figure (N ≤ 1,000): the median is reported
APPLY = ("apply", "manifests", "--auto-approve", "--parallelism", str(PARALLELISM))


@dataclass(frozen=True)
class Row:
    """One line of the results table."""

    scenario: str
    n: int
    status: str  # "ok" | "skipped" | "failed"
    reason: str = ""
    tavusctl: Measurement | None = None
    baseline: Measurement | None = None
    baseline_label: str = ""
    extra: Mapping[str, Any] = field(default_factory=dict)

    @property
    def speedup(self) -> float | None:
        """How many times faster than the baseline (wall time)."""
        if self.tavusctl is None or self.baseline is None or self.tavusctl.wall_s <= 0:
            return None
        return self.baseline.wall_s / self.tavusctl.wall_s

    def to_json(self) -> dict[str, Any]:
        return {
            "scenario": self.scenario,
            "n": self.n,
            "status": self.status,
            "reason": self.reason,
            "tavusctl": self.tavusctl.to_json() if self.tavusctl else None,
            "baseline": self.baseline.to_json() if self.baseline else None,
            "baseline_label": self.baseline_label,
            "speedup": None if self.speedup is None else round(self.speedup, 2),
            "extra": dict(self.extra),
        }


def renamed(p: gen.BenchPersona) -> gen.BenchPersona:
    """The one-field change used throughout: a new ``persona_name``."""
    return gen.with_field(p, CHANGED_FIELD, f"{p.spec[CHANGED_FIELD]} v2")


class Bench:
    """Shared state of one benchmark run: the emulator, a scratch folder, available commands."""

    def __init__(
        self, root: Path, emulator: Emulator | None, commands: set[str], profile: Path | None = None
    ) -> None:
        self.root = root
        self.emulator = emulator
        self.commands = commands
        self.tavusctl = harness.tavusctl_argv()
        self.profile = profile  # write a cProfile of each tavusctl run here (times inflate)
        self.with_baselines = True
        self.repeats = REPEATS
        self._personas: dict[int, list[gen.BenchPersona]] = {}
        self._naive_plan: dict[int, Measurement] = {}
        self.postgres_url: str | None = None  # a database for the PostgreSQL state, if any
        self.postgres_missing: str | None = None  # why there is none
        self.store_rows: dict[int, Measurement] = {}  # the lockfile-state apply, by N

    def record_in_postgres(
        self, ps: Sequence[gen.BenchPersona], workspace: str, ids: Sequence[str]
    ) -> None:
        """Make the PostgreSQL workspace record ``ps`` under ``ids``, as apply would."""
        assert self.postgres_url is not None
        store = PostgresStore(self.postgres_url, workspace)
        with store.hold():
            store.write(lock_for(ps, ids))

    def personas(self, n: int) -> list[gen.BenchPersona]:
        if n not in self._personas:
            self._personas = {n: gen.generate(n)}  # keep only one size in memory
        return self._personas[n]

    def median_of(
        self, n: int, run: Callable[[], Measurement], prepare: Callable[[], None] = lambda: None
    ) -> Measurement:
        """Run ``repeats`` times (``prepare`` before each): the run of median wall time.

        The machine is shared and noisy; a median of a few runs is steadier than one. N=10,000
        runs once (each run takes tens of seconds). A failed run is returned as it is.
        """
        runs = []
        for _ in range(self.repeats if n <= 1000 else 1):
            prepare()
            runs.append(run())
            if runs[-1].exit_code != 0:
                return runs[-1]
        walls = tuple(m.wall_s for m in runs)
        return replace(sorted(runs, key=lambda m: m.wall_s)[len(runs) // 2], runs_wall_s=walls)

    def measure_baseline(self, measure: Callable[[], Measurement]) -> Measurement | None:
        """The baseline's measurement, unless baselines are switched off (for profiling)."""
        return measure() if self.with_baselines else None

    def missing(self, *needed: str) -> str | None:
        """Why a scenario must be skipped, if a command it needs is not there yet."""
        absent = [c for c in needed if c not in self.commands]
        return f"tavusctl {', '.join(absent)} not available yet" if absent else None

    def workspace(self, scenario: str, n: int) -> Workspace:
        ws = Workspace(self.root / f"{scenario}-{n}")
        ws.remove()
        ws.root.mkdir(parents=True)
        return ws

    def run(
        self,
        ws: Workspace,
        *args: str,
        emulator: Emulator | None = None,
        env: Mapping[str, str] | None = None,
    ) -> Measurement:
        """Run ``tavusctl ARGS`` in the workspace against ``emulator`` (default: the shared one),
        with ``env`` added to its environment."""
        emu = emulator or self.emulator
        env = {**gen.SECRET_ENV, "NO_COLOR": "1", **(emu.env if emu else {}), **(env or {})}
        argv = [*self.tavusctl, *args]
        if self.profile is not None:
            out = self.profile / f"{ws.root.name}.prof"
            argv = [sys.executable, "-m", "cProfile", "-o", str(out), "-m", "tavusctl", *args]
        return harness.measure(argv, emu, cwd=ws.root, env=env)

    def seeded(self, ws: Workspace, ps: Sequence[gen.BenchPersona], emu: Emulator) -> list[str]:
        """An account holding ``ps`` and a lockfile recording them: everything in sync."""
        emu.reset()
        ids = emu.seed([p.spec for p in ps])
        ws.write_lockfile(ps, ids)
        return ids


def failed(name: str, n: int, m: Measurement, **kw: Any) -> Row:
    """A row for a run that exited non-zero: the last line of its stderr says why."""
    lines = [line for line in m.stderr_tail.splitlines() if line.strip()]
    why = lines[-1] if lines else "no message"
    return Row(name, n, "failed", f"exit {m.exit_code}: {why}", m, **kw)


def checked(row: Row, problem: str | None) -> Row:
    """``row``, marked failed if a post-run check found a problem."""
    return row if problem is None else replace(row, status="failed", reason=problem)


def validate(b: Bench, n: int) -> Row:
    """``tavusctl validate`` of N manifests, against plain ``yaml.safe_load`` of each file."""
    name = "validate"
    if why := b.missing("validate"):
        return Row(name, n, "skipped", why)
    ws = b.workspace(name, n)
    ws.write_manifests(b.personas(n))
    base = b.measure_baseline(lambda: baseline.naive_validate(ws.manifests))
    m = b.median_of(n, lambda: b.run(ws, "validate", "manifests"))
    ws.remove()
    label = "yaml.safe_load per file"
    if m.exit_code != 0:
        return failed(name, n, m, baseline=base, baseline_label=label)
    return Row(name, n, "ok", tavusctl=m, baseline=base, baseline_label=label)


def version(b: Bench, runs: int) -> Row:
    """``tavusctl --version`` start-up (median of ``runs``), against ``python -c pass``."""
    ws = b.workspace("version", 0)
    times = [b.run(ws, "--version") for _ in range(runs)]
    ws.remove()
    bad = [m for m in times if m.exit_code != 0]
    if bad:
        return failed("--version", 0, bad[0])
    median = statistics.median(m.wall_s for m in times)
    m = min(times, key=lambda m: abs(m.wall_s - median))
    m = replace(m, wall_s=median)
    base = b.measure_baseline(lambda: baseline.interpreter_startup(runs))
    extra = {"runs": runs, "all_s": [round(t.wall_s, 4) for t in times]}
    return Row(
        "--version",
        0,
        "ok",
        tavusctl=m,
        baseline=base,
        baseline_label="python -c pass",
        extra=extra,
    )


def _naive_plan(b: Bench, n: int, ids: Sequence[str], sample: int) -> Measurement | None:
    emu = b.emulator
    assert emu is not None
    if n not in b._naive_plan:
        measured = b.measure_baseline(lambda: baseline.naive_plan(emu, ids, sample))
        if measured is None:
            return None
        b._naive_plan = {n: measured}
    return b._naive_plan[n]


def plan(b: Bench, n: int, changed_every: int | None, sample: int) -> Row:
    """``tavusctl plan`` with everything in sync, or with one persona in ``changed_every`` edited."""
    name = "plan in sync" if changed_every is None else f"plan {100 // changed_every}% changed"
    if why := b.missing("emulator", "plan"):
        return Row(name, n, "skipped", why)
    assert b.emulator is not None
    ws = b.workspace(name.replace(" ", "-").replace("%", "pct"), n)
    ps = b.personas(n)
    ids = b.seeded(ws, ps, b.emulator)
    edited = [
        renamed(p) if changed_every and i % changed_every == 0 else p for i, p in enumerate(ps)
    ]
    ws.write_manifests(edited)
    sample = n if n <= 1000 else sample  # time the whole naive plan up to 1,000 personas
    base = _naive_plan(b, n, ids, sample)
    label = "list + sequential GET each" + (f" (timed on {sample})" if sample < n else "")
    m = b.median_of(n, lambda: b.run(ws, "plan", "manifests"))
    ws.remove()
    if m.exit_code != 0:
        return failed(name, n, m, baseline=base, baseline_label=label)
    return Row(name, n, "ok", tavusctl=m, baseline=base, baseline_label=label, extra=_by_method(m))


def _by_method(m: Measurement) -> dict[str, Any]:
    """Request counts by method and status, from the emulator's log."""
    counts: dict[str, int] = {}
    for r in m.log:
        key = f"{r.get('method')} {r.get('status')}"
        counts[key] = counts.get(key, 0) + 1
    return {"requests_by_method": dict(sorted(counts.items()))}


def apply_create(b: Bench, n: int) -> Row:
    """``tavusctl apply`` creating N personas on an empty account, against sequential POSTs."""
    name = "apply create"
    if why := b.missing("emulator", "apply"):
        return Row(name, n, "skipped", why)
    assert b.emulator is not None
    ws = b.workspace("apply-create", n)
    ps = b.personas(n)
    ws.write_manifests(ps)
    b.emulator.reset()
    emu = b.emulator
    base = b.measure_baseline(lambda: baseline.naive_create(emu, [p.spec for p in ps]))

    def afresh() -> None:
        emu.reset()
        ws.lockfile.unlink(missing_ok=True)

    m = b.median_of(n, partial(b.run, ws, *APPLY), afresh)
    problem = _created_problem(emu, ws, n)
    ws.remove()
    kw: dict[str, Any] = {"baseline": base, "baseline_label": "sequential POST each"}
    if m.exit_code != 0:
        return failed(name, n, m, **kw)
    return checked(Row(name, n, "ok", tavusctl=m, extra=_by_method(m), **kw), problem)


def _created_problem(emu: Emulator, ws: Workspace, n: int) -> str | None:
    """What is wrong after a create, if anything: the account and lockfile must hold N."""
    live = emu.admin.get(
        "/v2/personas",
        params={"persona_type": "user", "limit": 1},
        headers={"x-api-key": harness.API_KEY},
    ).json()
    emu.clear_requests()
    recorded = json.loads(ws.lockfile.read_text()) if ws.lockfile.exists() else {"resources": {}}
    with_id = sum(1 for e in recorded["resources"].values() if e.get("id"))
    if live.get("total_count") != n or with_id != n:
        return f"after apply: {live.get('total_count')} live personas, {with_id} ids in the lockfile, expected {n}"
    return None


def apply_change(b: Bench, n: int, emulator: Emulator | None = None, label: str = "") -> Row:
    """``tavusctl apply`` of a one-field change to all N, against one sequential PATCH each."""
    name = label or "apply one-field change"
    if why := b.missing("emulator", "apply"):
        return Row(name, n, "skipped", why)
    emu = emulator or b.emulator
    assert emu is not None
    ws = b.workspace(name.replace(" ", "-").replace("/", "-"), n)
    ps = b.personas(n)
    after = [renamed(p) for p in ps]
    ws.write_manifests(after)
    kw: dict[str, Any] = {}
    if emulator is None:
        ids = b.seeded(ws, ps, emu)
        ops = {pid: [_replace_op(p)] for pid, p in zip(ids, after, strict=True)}
        base = b.measure_baseline(lambda: baseline.naive_patch(emu, ops))
        kw = {"baseline": base, "baseline_label": "sequential PATCH each"}
    whole: dict[str, int] = {}  # persona path -> size of the whole persona, every seeding

    def seed() -> None:
        ids = b.seeded(ws, ps, emu)
        whole.update({f"/v2/personas/{i}": _compact(p.spec) for i, p in zip(ids, ps, strict=True)})

    m = b.median_of(n, partial(b.run, ws, *APPLY, emulator=emu), seed)
    ws.remove()
    if m.exit_code != 0:
        return failed(name, n, m, **kw)
    extra = {**_by_method(m), **_patch_sizes(m, whole)}
    patches = sum(1 for r in m.log if r.get("method") == "PATCH" and r.get("status") in (200, 204))
    problem = None if patches == n else f"{patches} successful PATCH requests, expected {n}"
    return checked(Row(name, n, "ok", tavusctl=m, extra=extra, **kw), problem)


def _replace_op(p: gen.BenchPersona) -> dict[str, Any]:
    return {"op": "replace", "path": f"/{CHANGED_FIELD}", "value": p.spec[CHANGED_FIELD]}


def _compact(body: Any) -> int:
    return len(json.dumps(body, separators=(",", ":"), ensure_ascii=False).encode())


def _patch_sizes(m: Measurement, whole: Mapping[str, int]) -> dict[str, Any]:
    """PATCH body sizes against the size of the whole persona (by path), from the request log."""
    sizes = [
        (_compact(r.get("body")), whole.get(r["path"], 0))
        for r in m.log
        if r.get("method") == "PATCH"
    ]
    if not sizes:
        return {}
    patch_mean = statistics.mean(s for s, _ in sizes)
    persona_mean = statistics.mean(w for _, w in sizes)
    largest = max(sizes, key=lambda s: s[1])
    return {
        "patch_bytes_max": max(s for s, _ in sizes),
        "patch_bytes_mean": round(patch_mean, 1),
        "persona_bytes_mean": round(persona_mean, 1),
        "patch_bytes_for_largest_persona": largest[0],
        "largest_persona_bytes": largest[1],
        "whole_persona_over_patch": round(persona_mean / patch_mean, 1),
    }


def apply_rate_limited(b: Bench, n: int) -> Row:
    """The one-field apply against ``--rate-limit 20/s``: 429s taken and time against N/20 s."""
    name = f"apply one-field change, --rate-limit {RATE}/s"
    if why := b.missing("emulator", "apply"):
        return Row(name, n, "skipped", why)
    with Emulator("--rate-limit", f"{RATE}/s") as emu:
        row = apply_change(b, n, emulator=emu, label=name)
    ideal = Measurement(wall_s=n / RATE)
    if row.tavusctl is None:
        return replace(row, baseline=ideal, baseline_label=f"N/{RATE} s")
    throttled = sum(1 for r in row.tavusctl.log if r.get("status") == 429)
    over = row.tavusctl.wall_s / ideal.wall_s - 1
    extra = {
        **row.extra,
        "429s": throttled,
        "ideal_s": ideal.wall_s,
        "over_ideal_pct": round(over * 100, 1),
    }
    return replace(row, baseline=ideal, baseline_label=f"N/{RATE} s (ideal)", extra=extra)


def timed(name: str, n: int, fn: Callable[[], Row]) -> Row:
    """Run a scenario; a crash of the harness itself becomes a failed row, not a lost run."""
    start = time.perf_counter()
    try:
        row = fn()
    except Exception as exc:  # the run goes on; the row says what broke
        return Row(name, n, "failed", f"harness error: {exc!r}")
    return replace(row, extra={**row.extra, "scenario_s": round(time.perf_counter() - start, 1)})


STATE_URL_ENV = "BENCH_STATE_URL"


def apply_change_by_store(b: Bench, n: int, store: str) -> Row:
    """The one-field apply of N personas with the state in the lockfile or in PostgreSQL (a
    local server with its default durability: fsync, synchronous commit), side by side.

    The PostgreSQL row's baseline is the lockfile row: its "speed-up" is lockfile ÷ PostgreSQL.
    """
    name = f"apply one-field change, {store} state"
    if why := b.missing("emulator", "apply"):
        return Row(name, n, "skipped", why)
    emu = b.emulator
    assert emu is not None
    ws = b.workspace(name.replace(" ", "-").replace(",", ""), n)
    ps = b.personas(n)
    ws.write_manifests([renamed(p) for p in ps])
    env: dict[str, str] = {}
    record: Callable[[list[str]], None] = lambda ids: ws.write_lockfile(ps, ids)  # noqa: E731
    if store == "PostgreSQL":
        if b.postgres_url is None:
            return Row(name, n, "skipped", b.postgres_missing or "no PostgreSQL server")
        env = {
            "TAVUSCTL_STATE_URL_ENV": STATE_URL_ENV,
            STATE_URL_ENV: b.postgres_url,
            "TAVUSCTL_STATE_WORKSPACE": f"bench-{n}",
        }
        record = partial(b.record_in_postgres, ps, f"bench-{n}")

    def seed() -> None:
        emu.reset()
        record(emu.seed([p.spec for p in ps]))

    m = b.median_of(n, partial(b.run, ws, *APPLY, env=env), seed)
    ws.remove()
    if m.exit_code != 0:
        return failed(name, n, m)
    kw: dict[str, Any] = {}
    if store == "PostgreSQL" and (lockfile_row := b.store_rows.get(n)) is not None:
        kw = {"baseline": lockfile_row, "baseline_label": "the same apply, lockfile state"}
    if store == "lockfile":
        b.store_rows[n] = m
    patches = sum(1 for r in m.log if r.get("method") == "PATCH" and r.get("status") in (200, 204))
    problem = None if patches == n else f"{patches} successful PATCH requests, expected {n}"
    return checked(Row(name, n, "ok", tavusctl=m, extra=_by_method(m), **kw), problem)


RAW_LABEL = f"raw client: the same PATCHes over {PARALLELISM} keep-alive connections"


def apply_against_raw(b: Bench, n: int, repeats: int) -> Row:
    """The one-field apply of N personas against the raw client (``bench/raw.py``), ``repeats``
    times each, alternating (raw, then tavusctl) so that both meet the same load. The row holds
    the median runs; ``extra`` every run's wall, CPU, ratio and the 1-minute load average."""
    name = "apply one-field change ÷ raw client"
    if why := b.missing("emulator", "apply"):
        return Row(name, n, "skipped", why)
    emu = b.emulator
    assert emu is not None
    ws = b.workspace("apply-vs-raw", n)
    ps = b.personas(n)
    after = [renamed(p) for p in ps]
    ws.write_manifests(after)
    runs: list[tuple[Measurement, Measurement, float, float]] = []
    for _ in range(repeats):
        emu.reset()
        ids = emu.seed([p.spec for p in ps])
        ops = {pid: [_replace_op(p)] for pid, p in zip(ids, after, strict=True)}
        load_raw = os.getloadavg()[0]
        base = raw.raw_patch(emu, ops, PARALLELISM)
        if base.exit_code != 0:
            ws.remove()
            return Row(name, n, "failed", f"raw client: {base.stderr_tail}")
        b.seeded(ws, ps, emu)
        load = os.getloadavg()[0]
        m = b.run(ws, *APPLY)
        if m.exit_code != 0:
            ws.remove()
            return failed(name, n, m, baseline=base, baseline_label=RAW_LABEL)
        patches = sum(
            1 for r in m.log if r.get("method") == "PATCH" and r.get("status") in (200, 204)
        )
        if patches != n:
            ws.remove()
            return Row(name, n, "failed", f"{patches} successful PATCH requests, expected {n}", m)
        runs.append((m, base, load, load_raw))
    ws.remove()
    by_wall = sorted(runs, key=lambda r: r[0].wall_s)
    mid_m, _, _, _ = by_wall[len(by_wall) // 2]
    mid_base = sorted((r[1] for r in runs), key=lambda m: m.wall_s)[len(runs) // 2]
    extra = {
        "runs": [
            {
                "wall_s": round(m.wall_s, 3),
                "cpu_s": round(m.cpu_s or 0.0, 3),
                "peak_rss_mb": round(m.peak_rss_mb or 0.0, 1),
                "raw_wall_s": round(base.wall_s, 3),
                "raw_cpu_s": round(base.cpu_s or 0.0, 3),
                "ratio": round(m.wall_s / base.wall_s, 3),
                "load_1min": round(load, 2),
                "load_1min_raw": round(load_raw, 2),
            }
            for m, base, load, load_raw in runs
        ],
        **_by_method(mid_m),
    }
    walls = tuple(r[0].wall_s for r in runs)
    return Row(
        name,
        n,
        "ok",
        tavusctl=replace(mid_m, runs_wall_s=walls),
        baseline=replace(mid_base, runs_wall_s=tuple(r[1].wall_s for r in runs)),
        baseline_label=RAW_LABEL,
        extra=extra,
    )
