"""6. The platform program under Pulumi mocks at 10, 100 and 1,000 services: seconds per
service and peak memory, against a bare program registering the same number of plain
``pulumi.CustomResource``s. Every measurement is its own process (``bench.program_child``)."""

from __future__ import annotations

import json
import os
import statistics
import sys
import tempfile
from collections.abc import Sequence
from pathlib import Path

from bench.common import REPO_DIR, Context, Row, ratio, verdict
from bench.measure import Command, interleaved, progress, run_once

NAME = "program"
SIZES = (10, 100, 1000)
QUICK_SIZES = (10, 100)


def run(ctx: Context) -> list[Row]:
    env = dict(os.environ)
    env["PYTHONPATH"] = os.pathsep.join(p for p in (str(REPO_DIR), env.get("PYTHONPATH", "")) if p)
    rows: list[Row] = []
    with tempfile.TemporaryDirectory(prefix="bench-program-") as tmp:
        for size in QUICK_SIZES if ctx.quick else SIZES:
            rows.extend(_size(ctx, size, env, Path(tmp)))
    return rows


def _child(mode: str, count: int, out: Path) -> list[str]:
    return [sys.executable, "-m", "bench.program_child", mode, str(count), str(out)]


def _size(ctx: Context, size: int, env: dict[str, str], tmp: Path) -> list[Row]:
    # An unmeasured run of the real program first: it warms the caches and tells how many
    # resources the bare program must register.
    probe = tmp / f"probe-{size}.json"
    sample = run_once(_child("real", size, probe), env, timeout=600)
    if sample.returncode != 0:
        progress(f"6 program: the real program failed at {size}: {sample.stderr[-500:]}")
        return [Row("6", f"program under mocks, {size} services", "failed", "", "", "", "MISSED")]
    total = int(json.loads(probe.read_text())["resources"])
    files: dict[str, list[Path]] = {"real": [], "bare": []}

    def output(mode: str, count: int) -> Command:
        """The child for ``mode``; each run writes its summary to a file of its own."""

        def before(round_: int) -> Sequence[str]:
            out = tmp / f"{mode}-{size}-{round_}.json"
            files[mode].append(out)
            return [mode, str(count), str(out)]

        return Command([sys.executable, "-m", "bench.program_child"], env, before=before)

    runs = ctx.runs if size < 1000 else max(1, min(ctx.runs, 3))
    series = interleaved(
        {"real": output("real", size), "bare": output("bare", total)},
        runs,
        warmup=0,
        label=f"6 program {size} services",
    )
    summaries = {
        mode: [json.loads(path.read_text()) for path in paths if path.exists()]
        for mode, paths in files.items()
    }
    for mode, s in series.items():
        if s.failures:
            progress(f"6 program: {mode} failed: {s.first_error()}")
    real_s = _median([float(x["seconds"]) for x in summaries["real"]])
    bare_s = _median([float(x["seconds"]) for x in summaries["bare"]])
    per_service = (
        int(summaries["real"][0]["service_resources"]) / size if summaries["real"] else 0.0
    )
    real, bare = series["real"], series["bare"]
    return [
        Row(
            "6",
            f"program under mocks, {size} services: {total} resources "
            f"({per_service:g} per service)",
            f"{real_s:.2f} s, {real_s / size * 1000:.1f} ms/service, {real.peak_mib:.0f} MiB",
            f"bare ({total} plain): {bare_s:.2f} s, {bare_s / size * 1000:.1f} ms/service, "
            f"{bare.peak_mib:.0f} MiB",
            ratio(real_s, bare_s),
            "<= 1.15x bare; <= 3 resources/service",
            verdict(real_s <= 1.15 * bare_s and per_service <= 3 and not real.failures),
        )
    ]


def _median(values: list[float]) -> float:
    return statistics.median(values) if values else float("nan")
