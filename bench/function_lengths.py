"""Function-length distribution of a source tree (lines from ``def`` to the last line).

Usage: ``python -m bench.function_lengths [DIR]`` (default ``tavusctl``). Prints how many
functions fall in each length bucket, the median, the 90th percentile and the longest.
"""

from __future__ import annotations

import ast
import statistics
import sys
from pathlib import Path

BUCKETS = ((1, 5), (6, 10), (11, 20), (21, 40), (41, 10_000))


def lengths(root: Path) -> list[tuple[int, str]]:
    """(length, where) of every function and method under ``root``."""
    out = []
    for path in sorted(root.rglob("*.py")):
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef):
                size = (node.end_lineno or node.lineno) - node.lineno + 1
                out.append((size, f"{path}:{node.lineno} {node.name}"))
    return out


def report(root: Path) -> str:
    found = lengths(root)
    sizes = sorted(n for n, _ in found)
    lines = [f"{len(sizes)} functions in {root}"]
    for low, high in BUCKETS:
        count = sum(low <= n <= high for n in sizes)
        label = f"{low}-{high}" if high < 10_000 else f">{low - 1}"
        lines.append(f"  {label:>6} lines: {count:4d} ({100 * count / len(sizes):.0f}%)")
    p90 = sizes[int(0.9 * (len(sizes) - 1))]
    longest = max(found)
    lines.append(
        f"  median {statistics.median(sizes)}, p90 {p90}, longest {longest[0]} ({longest[1]})"
    )
    return "\n".join(lines)


if __name__ == "__main__":
    print(report(Path(sys.argv[1] if len(sys.argv) > 1 else "tavusctl")))
