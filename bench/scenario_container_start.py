"""1. Container start: ``secretctl exec svc -- true`` at 10 and 100 secrets against the
minimal boto3 script (the floor for a boto3-based tool) and ``python -c pass``; straight to
moto on loopback, then with 30 ms added per request (informational)."""

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

NAME = "container-start"
SIZES = (10, 100)
LATENCY = 0.030


def run(ctx: Context) -> list[Row]:
    ctx.moto.reset()
    for size in SIZES:
        ctx.seed(f"start{size}", size)
    env = ctx.direct_env
    commands: dict[str, Command] = {"python -c pass": Command([sys.executable, "-c", "pass"], env)}
    for size in SIZES:
        service = f"start{size}"
        commands[f"secretctl {size}"] = Command(
            [*ctx.secretctl, "exec", service, "--", "true"], env
        )
        commands[f"minimal {size}"] = Command(
            [sys.executable, MINIMAL_BOTO3, service, "--", "true"], env
        )
    series = interleaved(commands, ctx.runs, label="1 container start")

    traces = {}
    with ctx.proxy() as proxy:
        for size in SIZES:
            traces[size] = counted_run(
                ctx, proxy, [*ctx.secretctl, "exec", f"start{size}", "--", "true"]
            )
    requests = {size: len(trace.records) for size, trace in traces.items()}

    rows: list[Row] = []
    floor = series["python -c pass"]
    for size in SIZES:
        mine, minimal = series[f"secretctl {size}"], series[f"minimal {size}"]
        _fail_note(mine.first_error())
        target = size == 100
        wall_ok = mine.wall <= 0.5 * minimal.wall
        chamber = f"; chamber {seconds(CHAMBER['exec_100'])}" if size == 100 else ""
        rows.append(
            Row(
                "1",
                f"exec svc -- true, {size} secrets ({requests[size]} req), wall",
                seconds(mine.wall),
                f"minimal boto3 {seconds(minimal.wall)}; python -c pass "
                f"{seconds(floor.wall)}{chamber}; proxied run: {traces[size].timeline()}",
                ratio(mine.wall, minimal.wall),
                "<= 0.5x minimal boto3" if target else "",
                verdict(wall_ok) if target else "",
            )
        )
        mem_ok = mine.peak_mib <= minimal.peak_mib
        chamber_mib = f"; chamber {CHAMBER['exec_100_mib']:.0f} MiB" if size == 100 else ""
        rows.append(
            Row(
                "1",
                f"exec svc -- true, {size} secrets, peak RSS",
                f"{mine.peak_mib:.0f} MiB",
                f"minimal boto3 {minimal.peak_mib:.0f} MiB; python -c pass "
                f"{floor.peak_mib:.0f} MiB{chamber_mib}",
                ratio(mine.peak_mib, minimal.peak_mib),
                "<= 1.0x minimal boto3" if target else "",
                verdict(mem_ok) if target else "",
            )
        )

    # With 30 ms added per request: informational (chamber 0.61 s, 11 sequential requests).
    with ctx.proxy(latency=LATENCY) as proxy:
        slow_env = ctx.client_env(proxy.url)
        slow = interleaved(
            {
                "secretctl": Command([*ctx.secretctl, "exec", "start100", "--", "true"], slow_env),
                "minimal": Command(
                    [sys.executable, MINIMAL_BOTO3, "start100", "--", "true"], slow_env
                ),
            },
            max(1, min(ctx.runs, 3)),
            label="1 container start +30 ms",
        )
    mine, minimal = slow["secretctl"], slow["minimal"]
    _fail_note(mine.first_error())
    rows.append(
        Row(
            "1",
            "exec svc -- true, 100 secrets, +30 ms/request",
            seconds(mine.wall),
            f"minimal boto3 {seconds(minimal.wall)}; chamber "
            f"{seconds(CHAMBER['exec_100_latency'])}",
            ratio(mine.wall, CHAMBER["exec_100_latency"]) + " of chamber",
            "",
            "",
        )
    )
    return rows


def _fail_note(error: str) -> None:
    if error:
        print(f"[bench] warning: a measured run failed: {error}", file=sys.stderr)
