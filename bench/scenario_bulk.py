"""4. Bulk: ``import`` of 100 new keys, re-import of the same 100 unchanged keys, ``export``
of 500 keys; wall time straight to moto, request counts through the proxy."""

from __future__ import annotations

import json
import sys
import tempfile
from collections.abc import Sequence
from pathlib import Path

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
from bench.measure import Command, interleaved, run_once

NAME = "bulk"
KEYS = 100
EXPORT_KEYS = 500


def run(ctx: Context) -> list[Row]:
    ctx.moto.reset()
    entries = {f"import_key_{i:03d}": f"value-{i}" for i in range(KEYS)}
    with tempfile.TemporaryDirectory(prefix="bench-import-") as tmp:
        source = Path(tmp) / "secrets.json"
        source.write_text(json.dumps(entries))
        ctx.seed("export500", EXPORT_KEYS)
        first = fill_imported(ctx, str(source))
        fresh: list[str] = []

        def new_service(round_: int) -> Sequence[str]:
            # Unmeasured: drop the previous round's service so moto's size stays constant.
            while fresh:
                ctx.delete_service(fresh.pop())
            fresh.append(f"fresh{round_}")
            return [fresh[-1], str(source)]

        env = ctx.direct_env
        series = interleaved(
            {
                "import new": Command([*ctx.secretctl, "import"], env, before=new_service),
                "import same": Command([*ctx.secretctl, "import", "imported", str(source)], env),
                "export": Command([*ctx.secretctl, "export", "export500", "-f", "json"], env),
            },
            ctx.runs,
            label="4 bulk",
        )
        while fresh:
            ctx.delete_service(fresh.pop())
        with ctx.proxy() as proxy:
            new_trace = counted_run(ctx, proxy, [*ctx.secretctl, "import", "counted", str(source)])
            same_trace = counted_run(ctx, proxy, [*ctx.secretctl, "import", "counted", str(source)])
            export_trace = counted_run(
                ctx, proxy, [*ctx.secretctl, "export", "export500", "-f", "json"]
            )
    new_records, same_records = new_trace.records, same_trace.records
    export_records = export_trace.records
    for name, s in series.items():
        if s.failures:
            print(f"[bench] warning: {name}: {s.first_error()}", file=sys.stderr)
    if not first:
        print("[bench] warning: the first import failed", file=sys.stderr)

    new, same, export = series["import new"], series["import same"], series["export"]
    new_limit, same_limit = 0.3 * CHAMBER["import_new_100"], 0.05 * CHAMBER["import_same_100"]
    return [
        Row(
            "4",
            f"import {KEYS} new keys, wall",
            seconds(new.wall),
            f"chamber {seconds(CHAMBER['import_new_100'])}; proxied run: {new_trace.timeline()}",
            ratio(new.wall, CHAMBER["import_new_100"]),
            f"<= 0.3x chamber ({seconds(new_limit)})",
            verdict(new.wall <= new_limit and not new.failures),
        ),
        Row(
            "4",
            f"import {KEYS} new keys, requests",
            describe_counts(new_records),
            f"chamber {CHAMBER['import_new_100_requests']}",
            ratio(len(new_records), CHAMBER["import_new_100_requests"]),
            "<= 111 requests",
            verdict(len(new_records) <= 111),
        ),
        Row(
            "4",
            f"re-import {KEYS} unchanged keys, wall",
            seconds(same.wall),
            f"chamber {seconds(CHAMBER['import_same_100'])}; proxied run: {same_trace.timeline()}",
            ratio(same.wall, CHAMBER["import_same_100"]),
            f"<= 0.05x chamber ({seconds(same_limit)})",
            verdict(same.wall <= same_limit and not same.failures),
        ),
        Row(
            "4",
            f"re-import {KEYS} unchanged keys, requests",
            describe_counts(same_records),
            f"chamber {CHAMBER['import_same_100_requests']}",
            ratio(len(same_records), CHAMBER["import_same_100_requests"]),
            "<= 11 requests",
            verdict(len(same_records) <= 11),
        ),
        Row(
            "4",
            f"export {EXPORT_KEYS} keys (json), requests",
            describe_counts(export_records),
            f"wall {seconds(export.wall)}; proxied run: {export_trace.timeline()}",
            "",
            "<= 51 requests",
            verdict(len(export_records) <= 51 and not export.failures),
        ),
    ]


def fill_imported(ctx: Context, source: str) -> bool:
    """Fill the ``imported`` service with the file's keys (unmeasured), for the re-imports."""
    sample = run_once([*ctx.secretctl, "import", "imported", source], ctx.direct_env)
    return sample.returncode == 0
