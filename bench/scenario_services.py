"""2. Several services at real-world latency: ``exec a b c -- true``, 3 services x 30 secrets,
30 ms added per request; wall time and the requests on the critical path."""

from __future__ import annotations

import sys

from bench.common import (
    CHAMBER,
    MINIMAL_BOTO3,
    Context,
    Row,
    counted_run,
    ratio,
    seconds,
    verdict,
)
from bench.measure import Command, interleaved
from bench.proxy import longest_sequential_chain

NAME = "services"
SERVICES = ("multi-a", "multi-b", "multi-c")
SECRETS = 30
LATENCY = 0.030


def run(ctx: Context) -> list[Row]:
    ctx.moto.reset()
    for service in SERVICES:
        ctx.seed(service, SECRETS)
    mine_argv = [*ctx.secretctl, "exec", *SERVICES, "--", "true"]
    minimal_argv = [sys.executable, MINIMAL_BOTO3, *SERVICES, "--", "true"]
    rows: list[Row] = []

    for latency in (0.0, LATENCY):
        with ctx.proxy(latency=latency) as proxy:
            env = ctx.client_env(proxy.url)
            series = interleaved(
                {"secretctl": Command(mine_argv, env), "minimal": Command(minimal_argv, env)},
                ctx.runs,
                label=f"2 services +{latency * 1000:.0f} ms",
            )
            records = counted_run(ctx, proxy, mine_argv).records
        mine, minimal = series["secretctl"], series["minimal"]
        if mine.failures:
            print(f"[bench] warning: {mine.first_error()}", file=sys.stderr)
        pages = {
            target: n
            for target, n in _pages_per_service(records).items()
            if target.strip("/") in SERVICES
        }
        chain = longest_sequential_chain(records)
        if latency:
            chamber = CHAMBER["exec_3x30_latency"]
            rows.append(
                Row(
                    "2",
                    f"exec a b c -- true, 3x{SECRETS} secrets, +30 ms/request, wall",
                    seconds(mine.wall),
                    f"chamber {seconds(chamber)}; minimal boto3 (sequential) "
                    f"{seconds(minimal.wall)}",
                    ratio(mine.wall, chamber),
                    f"<= chamber {seconds(chamber)}",
                    verdict(mine.wall <= chamber),
                )
            )
            rows.append(
                Row(
                    "2",
                    "  requests on the critical path (+30 ms)",
                    f"{chain} sequential of {len(records)}",
                    "pages per service: "
                    + ", ".join(f"{k.strip('/')} {v}" for k, v in sorted(pages.items())),
                    "",
                    f"(report; the floor is {max(pages.values(), default=0)}, one service's pages)",
                    "",
                )
            )
        else:
            rows.append(
                Row(
                    "2",
                    f"exec a b c -- true, 3x{SECRETS} secrets, loopback (proxy), wall",
                    seconds(mine.wall),
                    f"chamber {seconds(CHAMBER['exec_3x30'])} (direct); minimal boto3 "
                    f"{seconds(minimal.wall)}",
                    ratio(mine.wall, CHAMBER["exec_3x30"]),
                    "",
                    "",
                )
            )
    return rows


def _pages_per_service(records: list) -> dict[str, int]:  # type: ignore[type-arg]
    counts: dict[str, int] = {}
    for record in records:
        if record.operation == "GetParametersByPath":
            counts[record.target] = counts.get(record.target, 0) + 1
    return counts
