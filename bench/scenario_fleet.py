"""5. Fleet start under throttling: 50 ``secretctl exec fleet -- true`` started at once, each
reading a 20-secret service, through the proxy limiting GetParametersByPath to 5 per second.

The floor is the GetParametersByPath requests that succeeded divided by the rate. Each
process signs with its own access key id (moto accepts any), so the proxy splits throttled
answers per process; were that lost, throttled/processes is reported instead.
The whole run is bounded: stragglers are killed after ``TIMEOUT`` seconds.
"""

from __future__ import annotations

import statistics
import subprocess
import threading
import time

from bench.common import CHAMBER, Context, Row, ratio, seconds, verdict
from bench.measure import progress

NAME = "fleet"
PROCESSES = 50
SECRETS = 20
RATE = 5.0
OPERATION = "GetParametersByPath"
TIMEOUT = 120.0


class FleetRun:
    def __init__(self) -> None:
        self.finished: list[float] = []
        self.codes: list[int] = []
        self.errors: list[str] = []
        self.last = 0.0
        self.succeeded = 0
        self.throttled = 0
        self.retries: list[int] = []
        self.killed = 0


def run(ctx: Context) -> list[Row]:
    ctx.moto.reset()
    ctx.seed("fleet", SECRETS)
    runs = 1 if ctx.quick else max(1, min(ctx.runs, 3))
    results = [_one_run(ctx, index, runs) for index in range(runs)]
    best = sorted(results, key=lambda r: r.last)[len(results) // 2]  # the median run
    floor = best.succeeded / RATE
    started = sum(1 for code in best.codes if code == 0)
    chamber_ratio = CHAMBER["fleet_last"] / (CHAMBER["fleet_requests"] / RATE)
    per_process = (
        f"mean {statistics.mean(best.retries):.1f}, median {statistics.median(best.retries):.0f}, "
        f"max {max(best.retries)}"
        if best.retries
        else f"mean {best.throttled / PROCESSES:.1f} (throttled / processes)"
    )
    lasts = ", ".join(seconds(r.last) for r in results)
    rows = [
        Row(
            "5",
            f"{PROCESSES} exec at once, {SECRETS} secrets, {OPERATION} {RATE:.0f}/s: started",
            f"{started}/{PROCESSES}",
            "chamber 50/50" + (f"; first failure: {best.errors[0][-120:]}" if best.errors else ""),
            "",
            "all start",
            verdict(started == PROCESSES),
        ),
        Row(
            "5",
            "  last finished (median run)",
            f"{seconds(best.last)} (median process {seconds(statistics.median(best.finished))})",
            f"floor {seconds(floor)} ({best.succeeded} req / {RATE:.0f}/s); chamber "
            f"{seconds(CHAMBER['fleet_last'])} ({chamber_ratio:.1f}x its floor)",
            ratio(best.last, floor) + " of floor",
            "<= 1.2x floor",
            verdict(best.last <= 1.2 * floor and started == PROCESSES),
        ),
        Row(
            "5",
            "  throttled responses",
            str(best.throttled),
            f"chamber {CHAMBER['fleet_throttled']}",
            ratio(best.throttled, CHAMBER["fleet_throttled"]),
            f"< {CHAMBER['fleet_throttled']}",
            verdict(best.throttled < CHAMBER["fleet_throttled"]),
        ),
        Row(
            "5",
            "  retries per process",
            per_process,
            f"chamber {CHAMBER['fleet_throttled'] / PROCESSES:.1f} (mean)",
            "",
            "",
            "",
        ),
    ]
    if runs > 1:
        rows.append(Row("5", f"  last finished, each of {runs} runs", lasts, "", "", "", ""))
    return rows


def _one_run(ctx: Context, index: int, runs: int) -> FleetRun:
    result = FleetRun()
    with ctx.proxy(rate_limits={OPERATION: RATE}) as proxy:
        argv = [*ctx.secretctl, "exec", "fleet", "--", "true"]
        lock = threading.Lock()
        threads = []
        start = time.perf_counter()
        processes: list[subprocess.Popen[bytes]] = []
        for number in range(PROCESSES):
            env = ctx.client_env(proxy.url, AWS_ACCESS_KEY_ID=f"fleet{number:02d}")
            process = subprocess.Popen(
                argv,
                env=env,
                stdin=subprocess.DEVNULL,
                stdout=subprocess.DEVNULL,
                stderr=subprocess.PIPE,
            )
            processes.append(process)

        def wait(process: subprocess.Popen[bytes]) -> None:
            try:
                left = max(0.0, TIMEOUT - (time.perf_counter() - start))
                _, err = process.communicate(timeout=left)
            except subprocess.TimeoutExpired:
                process.kill()
                _, err = process.communicate()
                with lock:
                    result.killed += 1
            finished = time.perf_counter() - start
            with lock:
                result.finished.append(finished)
                result.codes.append(process.returncode)
                if process.returncode != 0:
                    result.errors.append(err.decode(errors="replace").strip()[-300:])

        for process in processes:
            thread = threading.Thread(target=wait, args=(process,), daemon=True)
            thread.start()
            threads.append(thread)
        for thread in threads:
            thread.join()
        records = proxy.snapshot()
    result.last = max(result.finished)
    ours = [r for r in records if r.operation == OPERATION]
    result.succeeded = sum(1 for r in ours if r.status == 200)
    result.throttled = sum(1 for r in ours if r.throttled)
    clients: dict[str, int] = {}
    for record in records:
        if record.client and record.throttled:
            clients[record.client] = clients.get(record.client, 0) + 1
    if any(r.client for r in records):
        result.retries = [clients.get(f"fleet{n:02d}", 0) for n in range(PROCESSES)]
    progress(
        f"5 fleet run {index + 1}/{runs}: last {result.last:.1f} s, "
        f"{result.succeeded} ok + {result.throttled} throttled, "
        f"{sum(1 for c in result.codes if c)} failed, {result.killed} killed"
    )
    for error in result.errors[:3]:
        progress(f"5 fleet: a process failed: {error}")
    return result
