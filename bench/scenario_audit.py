"""7. audit: the local engine over a busy month (1,000,000 events, one gzip file per 5-minute
delivery, 30 days) vs ``trailscraper select`` and the plain gzip.open + json.load loop, side by
side; the same month from moto's S3; ``lookup`` request pacing through the local endpoint."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import tempfile
import time
from datetime import timedelta
from pathlib import Path

from bench.common import REPO_DIR, Context, Row, ratio, seconds, verdict
from bench.measure import Command, interleaved, progress, run_once

NAME = "audit"
SERVICE = "svc03"
ACCOUNT = "123456789012"
REGION = "us-east-1"
TRAILSCRAPER = "trailscraper==0.10.0"
CACHE = Path(
    os.environ.get("SECRETCTL_BENCH_CACHE", Path(tempfile.gettempdir()) / "secretctl-bench")
)


def _spec(quick: bool):  # type: ignore[no-untyped-def]
    from devtools.cloudtrail_events import BusyMonth

    return BusyMonth(events=100_000, days=3) if quick else BusyMonth()


def _month(spec) -> Path:  # type: ignore[no-untyped-def]
    """The month's log files, written once (about a minute on two cores) and cached."""
    from devtools.cloudtrail_events import write_busy_month_parallel

    root = CACHE / f"audit-{spec.events}-{spec.days}d-v1"
    done = root.with_name(root.name + ".complete")  # beside, not inside: tools read the tree
    if not done.exists():
        progress(f"7 audit: writing {spec.events:,} events over {spec.days} days to {root}")
        subprocess.run(["rm", "-rf", str(root)], check=True)
        write_busy_month_parallel(spec, root)
        done.write_text("ok")
    # Read every file once, so that no command pays for the cold page cache and the next
    # one profits from it (the first timed command would otherwise read from disk).
    for path in root.rglob("*"):
        if path.is_file():
            path.read_bytes()
    return root


def _trailscraper() -> str | None:
    """trailscraper in a venv of its own (it pins boto3 and click versions)."""
    venv = CACHE / "trailscraper-venv"
    exe = venv / "bin" / "trailscraper"
    if not exe.exists():
        progress(f"7 audit: installing {TRAILSCRAPER} into {venv}")
        try:
            subprocess.run([sys.executable, "-m", "venv", str(venv)], check=True)
            subprocess.run(
                [str(venv / "bin" / "pip"), "install", "-q", TRAILSCRAPER],
                check=True,
                capture_output=True,
            )
        except subprocess.CalledProcessError as err:
            progress(f"7 audit: trailscraper unavailable: {err}")
            return None
    return str(exe)


def run(ctx: Context) -> list[Row]:
    spec = _spec(ctx.quick)
    root = _month(spec)
    since = f"{spec.start:%Y-%m-%dT%H:%M:%SZ}"
    until = f"{spec.start + timedelta(days=spec.days):%Y-%m-%dT%H:%M:%SZ}"
    env = ctx.direct_env
    env["PYTHONPATH"] = os.pathsep.join(p for p in (str(REPO_DIR), env.get("PYTHONPATH", "")) if p)
    window = ["--since", since, "--until", until, "--account", ACCOUNT, "--region", REGION]
    engine = [*ctx.secretctl, "audit", "reads", SERVICE, "--source", str(root), "--json", *window]
    plain = [
        sys.executable,
        "-m",
        "bench.audit_plain",
        str(root),
        SERVICE,
        since,
        until,
        ACCOUNT,
        REGION,
    ]
    commands = {
        "secretctl": Command(engine, env, timeout=900),
        "plain loop": Command(plain, env, timeout=900),
    }
    scraper = _trailscraper()
    if scraper:
        commands["trailscraper"] = Command(
            [scraper, "select", "--log-dir", str(root), "--from", since[:10], "--to", until[:10]],
            env,
            timeout=1800,
        )
    runs = 1 if ctx.quick else max(1, min(ctx.runs, 3))
    series = interleaved(commands, runs, warmup=0, label="7 audit")
    checked = _check(engine, plain, env)
    rows: list[Row] = []
    ours = series["secretctl"]
    rate = spec.events / ours.wall
    compared = [
        f"plain loop {seconds(series['plain loop'].wall)} "
        f"({spec.events / series['plain loop'].wall:,.0f}/s)"
    ]
    if "trailscraper" in series:
        compared.append(
            f"trailscraper select {seconds(series['trailscraper'].wall)}, "
            f"{series['trailscraper'].peak_mib:.0f} MiB"
        )
    work = f"audit reads, {spec.events:,} events, {spec.days} days of 5-min gzip files"
    rows.append(
        Row(
            "7",
            f"{work}, wall",
            f"{seconds(ours.wall)} ({rate:,.0f} events/s)",
            "; ".join(compared),
            ratio(series["plain loop"].wall, ours.wall) + " faster",
            ">= 2.5x plain loop",
            verdict(series["plain loop"].wall >= 2.5 * ours.wall and not ours.failures),
        )
    )
    if "trailscraper" in series:
        ts = series["trailscraper"]
        rows.append(
            Row(
                "7",
                "  vs trailscraper select",
                seconds(ours.wall),
                seconds(ts.wall),
                ratio(ts.wall, ours.wall) + " faster",
                ">= 5x trailscraper",
                verdict(ts.wall >= 5 * ours.wall and not ts.failures),
            )
        )
    rows.append(
        Row(
            "7",
            "  peak memory",
            f"{ours.peak_mib:.0f} MiB",
            f"plain loop {series['plain loop'].peak_mib:.0f} MiB",
            "",
            "<= 500 MiB",
            verdict(ours.peak_mib <= 500),
        )
    )
    rows.append(
        Row(
            "7",
            "  answer checked against the plain loop",
            checked,
            "",
            "",
            "same rows",
            verdict(checked.startswith("same")),
        )
    )
    rows.extend(_unused(ctx, root, window, env, spec.events))
    rows.extend(_s3(ctx, root, window, env, spec.events))
    rows.extend(_lookup(ctx, env))
    return rows


def _check(engine: list[str], plain: list[str], env: dict[str, str]) -> str:
    ours = json.loads(subprocess.run(engine, env=env, capture_output=True, check=True).stdout)
    theirs = json.loads(subprocess.run(plain, env=env, capture_output=True, check=True).stdout)
    if ours != theirs["rows"] or not ours:
        return f"DIFFERENT ({len(ours)} vs {len(theirs['rows'])} rows)"
    total = sum(r["reads"] for r in ours)
    return f"same {len(ours)} rows, {total:,} reads, over {theirs['events']:,} events"


def _unused(
    ctx: Context, root: Path, window: list[str], env: dict[str, str], events: int
) -> list[Row]:
    argv = [*ctx.secretctl, "audit", "unused", "--source", str(root), "--json", *window]
    return [_timed("audit unused (every service: every SSM/KMS event decoded)", argv, env, events)]


def _timed(work: str, argv: list[str], env: dict[str, str], events: int) -> Row:
    """One run, reported as wall time, events per second and peak memory."""
    sample = run_once(argv, env, timeout=900)
    measured = (
        f"{seconds(sample.wall)} ({events / sample.wall:,.0f} events/s), {sample.peak_mib:.0f} MiB"
    )
    return Row("7", work, measured, "", "", "", "FAILED" if sample.returncode else "")


def _s3(ctx: Context, root: Path, window: list[str], env: dict[str, str], events: int) -> list[Row]:
    import boto3

    from devtools.cloudtrail_events import upload_tree

    s3 = boto3.client(
        "s3",
        endpoint_url=ctx.moto.url,
        region_name=REGION,
        aws_access_key_id="testing",
        aws_secret_access_key="testing",
    )
    bucket = "bench-trail"
    progress("7 audit: uploading the month to moto's S3")
    s3.create_bucket(Bucket=bucket)
    started = time.monotonic()
    files = upload_tree(s3, bucket, root)
    progress(f"7 audit: {files} files uploaded in {time.monotonic() - started:.0f} s")
    argv = [
        *ctx.secretctl,
        "audit",
        "reads",
        SERVICE,
        "--source",
        f"s3://{bucket}",
        "--json",
        *window,
    ]
    work = f"audit reads from s3:// over moto, {files} files fetched concurrently"
    return [_timed(work, argv, env, events)]


def _lookup(ctx: Context, env: dict[str, str]) -> list[Row]:
    import random
    from datetime import datetime, timedelta, timezone

    from devtools.cloudtrail_events import event, iam_user
    from devtools.cloudtrail_lookup import lookup_server

    now = datetime.now(timezone.utc)
    rng = random.Random(5)
    records = [
        event(
            "ssm.amazonaws.com",
            "GetParameter",
            now - timedelta(minutes=i),
            iam_user("alice"),
            {"name": f"/svc00/key{i % 12:02d}"},
            rng=rng,
        )
        for i in range(400)
    ]
    with lookup_server(records) as (url, service):
        argv = [*ctx.secretctl, "audit", "reads", "svc00", "--since", "1d", "--json"]
        sample = run_once(argv, {**env, "AWS_ENDPOINT_URL_CLOUDTRAIL": url}, timeout=300)
    pages = len(service.times)
    worst = service.max_per_second()
    return [
        Row(
            "7",
            f"audit reads over lookup, {len(records)} events ({pages} pages)",
            f"{seconds(sample.wall)}; most requests in one second: {worst}",
            f"throttled: {service.throttled}",
            "",
            "<= 2 requests/s",
            verdict(worst <= 2 and not sample.returncode),
        )
    ]
