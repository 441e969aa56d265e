"""The results as JSON and as a Markdown table, with the machine they were measured on."""

from __future__ import annotations

import itertools
import os
import platform
import statistics
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from bench.harness import Measurement
from bench.scenarios import Row
from bench.targets import Target


def machine() -> dict[str, Any]:
    """What the figures were measured on."""
    return {
        "cpus": os.cpu_count(),
        "cpu_model": _cpu_model(),
        "python": platform.python_version(),
        "system": f"{platform.system()} {platform.release()}",
    }


def _cpu_model() -> str:
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                return line.split(":", 1)[1].strip()
    except OSError:
        pass
    return platform.processor() or "unknown"


def _secs(s: float | None) -> str:
    if s is None:
        return "—"
    return f"{s * 1000:.0f} ms" if s < 1 else f"{s:.2f} s"


def _num(v: float | int | None, unit: str = "") -> str:
    if v is None:
        return "—"
    return f"{v:,.0f}{unit}" if isinstance(v, int) or v >= 100 else f"{v:.1f}{unit}"


def _notes(row: Row) -> str:
    if row.status != "ok":
        return f"{row.status}: {row.reason}"
    e = row.extra
    notes = []
    if "429s" in e:
        notes.append(f"{e['429s']}× 429, {e['over_ideal_pct']:+.1f}% vs N/20 s")
    if "patch_bytes_max" in e:
        notes.append(f"PATCH ≤ {e['patch_bytes_max']} B vs persona {e['persona_bytes_mean']:.0f} B")
    if row.baseline and row.baseline.extrapolated_from:
        notes.append(f"baseline timed on {row.baseline.extrapolated_from:,} and scaled")
    if row.reason:
        notes.append(row.reason)
    return "; ".join(notes)


def _cells(m: Measurement | None) -> list[str]:
    if m is None:
        return ["—"] * 4
    return [_num(m.requests), _secs(m.wall_s), _secs(m.cpu_s), _num(m.peak_rss_mb, " MB")]


def table(rows: Sequence[Row]) -> str:
    """The Markdown results table: tavusctl's figures, the baseline's, and the ratio."""
    head = "| scenario | N | requests | wall | CPU | peak RSS | baseline | baseline requests | baseline wall | speed-up | notes |"
    lines = [head, "|" + "---|" * 11]
    for r in rows:
        b = r.baseline
        speed = "—" if r.speedup is None else f"{r.speedup:.1f}×"
        base = [
            r.baseline_label or "—",
            _num(b.requests) if b else "—",
            _secs(b.wall_s) if b else "—",
        ]
        n = "—" if r.n == 0 else f"{r.n:,}"
        lines.append(
            "| " + " | ".join([r.scenario, n, *_cells(r.tavusctl), *base, speed, _notes(r)]) + " |"
        )
    return "\n".join(lines)


RAW = "apply one-field change ÷ raw client"


def _spread(values: Sequence[float], fmt: str) -> str:
    """``min / median / max`` of ``values``, each formatted with ``fmt``."""
    if not values:
        return "—"
    low, mid, high = min(values), statistics.median(values), max(values)
    return " / ".join(format(v, fmt) for v in (low, mid, high))


def raw_table(rows: Sequence[Row]) -> str:
    """The apply against the raw client: min / median / max of every figure over the runs,
    the load average beside each, and the CPU growth from each N to the next."""
    found = sorted((r for r in rows if r.scenario == RAW and r.status == "ok"), key=lambda r: r.n)
    if not found:
        return ""
    lines = [
        "Apply of a one-field change against the raw client (`bench/raw.py`: only the same "
        "PATCHes over the same number of keep-alive connections), each run of tavusctl right "
        "after one of the raw client; min / median / max over the runs; load = 1-minute load "
        "average before each tavusctl run.",
        "",
        "| N | runs | tavusctl wall | tavusctl CPU | peak RSS | raw wall | tavusctl ÷ raw | load |",
        "|---|---|---|---|---|---|---|---|",
    ]
    for r in found:
        runs = r.extra.get("runs", [])

        def col(key: str, runs: list[dict[str, float]] = runs) -> list[float]:
            return [float(x[key]) for x in runs]

        lines.append(
            f"| {r.n:,} | {len(runs)} | {_spread(col('wall_s'), '.2f')} s "
            f"| {_spread(col('cpu_s'), '.2f')} s | {_spread(col('peak_rss_mb'), '.0f')} MB "
            f"| {_spread(col('raw_wall_s'), '.2f')} s | **{_spread(col('ratio'), '.2f')}** "
            f"| {', '.join(format(v, '.1f') for v in col('load_1min'))} |"
        )
    growth = cpu_growth(found)
    if growth:
        lines += ["", "CPU growth (median CPU): " + "; ".join(growth) + "."]
    return "\n".join(lines)


def cpu_growth(found: Sequence[Row]) -> list[str]:
    """For each pair of sizes, median CPU at the larger ÷ at the smaller, against the ratio of N."""
    out = []
    medians = {
        r.n: statistics.median(float(x["cpu_s"]) for x in r.extra.get("runs", [{"cpu_s": 0}]))
        for r in found
    }
    sizes = sorted(medians)
    for small, big in itertools.pairwise(sizes):
        if medians[small] > 0:
            out.append(
                f"N {small:,} → {big:,} ({big / small:.1f}× N): "
                f"{medians[small]:.2f} s → {medians[big]:.2f} s = {medians[big] / medians[small]:.2f}×"
            )
    return out


def targets_table(targets: Sequence[Target]) -> str:
    """The targets of the issue, each met or missed, with the figures."""
    lines = ["| target | result | measured |", "|---|---|---|"]
    lines += [f"| {t.name} | **{t.status}** | {t.detail} |" for t in targets]
    return "\n".join(lines)


def markdown(rows: Sequence[Row], targets: Sequence[Target], info: dict[str, Any]) -> str:
    """The whole report: machine, results table, targets."""
    m = info["machine"]
    head = (
        f"Measured {info['started']} ({info['mode']} run, {info['duration_s']:.0f} s) on "
        f"{m['cpus']} × {m['cpu_model']}, Python {m['python']}, {m['system']}; emulator latency "
        f"{info['latency_ms']} ms per request, apply `--parallelism {info['parallelism']}`. "
        f"tavusctl figures: the run of median wall time of {info['repeats']} (N ≤ 1,000; one "
        "run at 10,000); baselines: one run. Speed-up = baseline wall ÷ tavusctl wall."
    )
    raw = raw_table(rows)
    raw = f"\n\n{raw}" if raw else ""
    return f"{head}\n\n{table(rows)}{raw}\n\n{targets_table(targets)}\n"


def to_json(rows: Sequence[Row], targets: Sequence[Target], info: dict[str, Any]) -> dict[str, Any]:
    return {**info, "rows": [r.to_json() for r in rows], "targets": [t.to_json() for t in targets]}
