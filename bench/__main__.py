"""python -m bench [--runs N] [--only SCENARIO[,SCENARIO]] [--quick] [--markdown]

Starts its own moto server and loopback proxies, runs each scenario several times with the
compared commands interleaved, and prints a table of medians and ratios (progress on stderr,
the table on stdout).
"""

from __future__ import annotations

import argparse
import os
import platform
import sys
import time
from contextlib import ExitStack
from types import ModuleType

from bench import (
    scenario_audit,
    scenario_bulk,
    scenario_container_start,
    scenario_dead_endpoint,
    scenario_fleet,
    scenario_program,
    scenario_services,
    scenario_single_key,
)
from bench.common import Context, Row, render_markdown, render_text, secretctl_argv
from bench.measure import close_launcher, progress

SCENARIOS: list[ModuleType] = [
    scenario_container_start,
    scenario_services,
    scenario_single_key,
    scenario_bulk,
    scenario_fleet,
    scenario_program,
    scenario_audit,
    scenario_dead_endpoint,
]
NEEDS_MOTO = {m.NAME for m in SCENARIOS if m is not scenario_program}


def _select(only: str | None) -> list[ModuleType]:
    if not only:
        return SCENARIOS
    chosen = []
    for item in only.split(","):
        item = item.strip()
        for number, module in enumerate(SCENARIOS, start=1):
            if item in (str(number), module.NAME):
                chosen.append(module)
                break
        else:
            names = ", ".join(f"{i} {m.NAME}" for i, m in enumerate(SCENARIOS, start=1))
            raise SystemExit(f"python -m bench: unknown scenario {item!r}; one of: {names}")
    return chosen


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m bench", description=__doc__.split("\n")[2])
    parser.add_argument("--runs", type=int, default=5, help="measured runs per command (5)")
    parser.add_argument(
        "--only", metavar="SCENARIO", help="comma-separated numbers or names, e.g. 1,fleet"
    )
    parser.add_argument(
        "--quick",
        action="store_true",
        help="a smoke run (2-3 minutes): 1 run each, one fleet run, program at 10 and 100",
    )
    parser.add_argument("--markdown", action="store_true", help="print the README's table")
    args = parser.parse_args(argv)
    runs = 1 if args.quick else max(1, args.runs)
    chosen = _select(args.only)

    started = time.monotonic()
    rows: list[Row] = []
    with ExitStack() as stack:
        server = None
        if any(m.NAME in NEEDS_MOTO for m in chosen):
            from devtools.moto_server import moto_server

            progress("starting the moto server")
            server = stack.enter_context(moto_server())
        stack.callback(close_launcher)
        ctx = Context(server, runs=runs, quick=args.quick)
        loads = [os.getloadavg()[0]]
        for module in chosen:
            title = (module.__doc__ or "").split(":")[0].strip()
            progress(f"scenario {title} ({module.NAME}); load {loads[-1]:.1f}")
            t0 = time.monotonic()
            rows.extend(module.run(ctx))
            loads.append(os.getloadavg()[0])
            progress(f"  done in {time.monotonic() - t0:.0f} s; load {loads[-1]:.1f}")
    elapsed = time.monotonic() - started

    given = sys.argv[1:] if argv is None else argv
    command = " ".join(["python -m bench", *given])
    about = (
        f"{command}: {runs} run(s) per command, medians; {os.cpu_count()} cores, 1-min load "
        f"{min(loads):.1f} to {max(loads):.1f}; Python {platform.python_version()}; secretctl = "
        f"{' '.join(secretctl_argv())}; {elapsed:.0f} s in all"
    )
    if args.markdown:
        print(render_markdown(rows), end="")
        print(f"\n`{about}`")
    else:
        print(about)
        print(render_text(rows), end="")
    return 0


if __name__ == "__main__":
    sys.exit(main())
