"""3. Single-key operations: ``read -q`` makes 1 request and ``write`` at most 2, whatever the
size of the service; request counts at 10 and 500 keys, and ``read -q`` wall time at 100 keys
against chamber's (which scans DescribeParameters)."""

from __future__ import annotations

from bench.common import (
    CHAMBER,
    Context,
    Row,
    counted_run,
    describe_counts,
    ratio,
    seconds,
    verdict,
)
from bench.measure import Command, interleaved

NAME = "single-key"
SIZES = (10, 500)


def run(ctx: Context) -> list[Row]:
    ctx.moto.reset()
    for size in (*SIZES, 100):
        ctx.seed(f"single{size}", size)
    rows: list[Row] = []
    with ctx.proxy() as proxy:
        for size in SIZES:
            service = f"single{size}"
            checks = [
                ("read -q", ["read", "-q", service, "key005"], 1),
                ("write (existing key)", ["write", service, "key005", "changed"], 2),
                ("write (new key)", ["write", service, "brand_new", "fresh"], 2),
            ]
            for label, args, limit in checks:
                trace = counted_run(ctx, proxy, [*ctx.secretctl, *args])
                records = trace.records
                ok = trace.sample.returncode == 0 and len(records) <= limit
                rows.append(
                    Row(
                        "3",
                        f"{label}, {size}-key service",
                        describe_counts(records),
                        "",
                        "",
                        f"{'' if limit == 1 else '<= '}{limit} request{'s' * (limit > 1)}",
                        verdict(ok),
                    )
                )
    series = interleaved(
        {"read": Command([*ctx.secretctl, "read", "-q", "single100", "key005"], ctx.direct_env)},
        ctx.runs,
        label="3 read -q",
    )
    wall = series["read"].wall
    rows.append(
        Row(
            "3",
            "read -q, 100-key service, wall",
            seconds(wall),
            f"chamber {seconds(CHAMBER['read_q_100'])}",
            ratio(wall, CHAMBER["read_q_100"]),
            "",
            "",
        )
    )
    return rows
