"""What every scenario shares: the moto server, proxies in front of it, seeding with boto3,
the commands under test, and the rows of the final table."""

from __future__ import annotations

import os
import sys
import time
from collections.abc import Iterator, Mapping, Sequence
from concurrent.futures import ThreadPoolExecutor
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from bench.measure import Sample, progress, run_once
from bench.proxy import RecordingProxy, Request, recording_proxy
from devtools.moto_server import REGION, MotoServer
from devtools.proxy import ProxySettings

BENCH_DIR = Path(__file__).resolve().parent
REPO_DIR = BENCH_DIR.parent
MINIMAL_BOTO3 = str(BENCH_DIR / "minimal_boto3.py")

# chamber v3.1.4 on this kind of machine (the table): constants, not measured here.
CHAMBER = {
    "exec_100": 0.10,
    "exec_100_mib": 19.0,
    "exec_3x30": 0.12,
    "exec_3x30_latency": 0.65,
    "exec_100_latency": 0.61,
    "read_q_100": 0.18,
    "import_new_100": 2.2,
    "import_new_100_requests": 300,
    "import_same_100": 17.3,
    "import_same_100_requests": 1300,
    "fleet_last": 42.0,
    "fleet_requests": 150,
    "fleet_throttled": 276,
}


def secretctl_argv() -> list[str]:
    """The installed entry point next to this interpreter (what a container runs), not a
    pyenv shim; ``python -m secretctl`` when there is none. ``SECRETCTL_BENCH_CMD`` overrides
    (split on spaces)."""
    override = os.environ.get("SECRETCTL_BENCH_CMD")
    if override:
        return override.split()
    script = Path(sys.executable).parent / "secretctl"
    if script.exists():
        return [str(script)]
    return [sys.executable, "-m", "secretctl"]


@dataclass
class Row:
    scenario: str
    work: str
    secretctl: str
    comparison: str
    ratio: str
    target: str
    result: str  # "met", "missed", or "" for an informational row


@dataclass
class Context:
    server: MotoServer | None  # None when only the platform program is measured
    runs: int
    quick: bool
    secretctl: list[str] = field(default_factory=secretctl_argv)

    @property
    def moto(self) -> MotoServer:
        if self.server is None:
            raise RuntimeError("this scenario needs the moto server")
        return self.server

    @property
    def direct_env(self) -> dict[str, str]:
        return self.client_env(self.moto.url)

    def client_env(self, url: str, **extra: str) -> dict[str, str]:
        env = self.moto.client_env()
        env["AWS_ENDPOINT_URL"] = url
        env.update(extra)
        return env

    @contextmanager
    def proxy(
        self, latency: float = 0.0, rate_limits: Mapping[str, float] | None = None
    ) -> Iterator[RecordingProxy]:
        settings = ProxySettings(latency=latency, rate_limits=dict(rate_limits or {}))
        with recording_proxy(self.moto.url, settings) as proxy:
            yield proxy

    def ssm(self) -> Any:
        import boto3
        from botocore.config import Config

        return boto3.client(
            "ssm",
            endpoint_url=self.moto.url,
            region_name=REGION,
            aws_access_key_id="testing",
            aws_secret_access_key="testing",
            config=Config(max_pool_connections=16, retries={"mode": "standard"}),
        )

    def seed(self, service: str, count: int, prefix: str = "key") -> dict[str, str]:
        """``count`` SecureStrings under ``/<service>/`` written straight to moto (not timed)."""
        values = {f"{prefix}{i:03d}": f"value-{service}-{i}" for i in range(count)}
        client = self.ssm()

        def put(item: tuple[str, str]) -> None:
            client.put_parameter(
                Name=f"/{service}/{item[0]}",
                Value=item[1],
                Type="SecureString",
                Description="1",
                Overwrite=True,
            )

        with ThreadPoolExecutor(max_workers=8) as pool:
            list(pool.map(put, values.items()))
        return values

    def delete_service(self, service: str) -> None:
        client = self.ssm()
        names: list[str] = []
        for page in client.get_paginator("get_parameters_by_path").paginate(
            Path=f"/{service}/", Recursive=True
        ):
            names.extend(p["Name"] for p in page["Parameters"])
        for start in range(0, len(names), 10):
            client.delete_parameters(Names=names[start : start + 10])


def seconds(value: float) -> str:
    return f"{value:.2f} s" if value >= 0.1 else f"{value * 1000:.0f} ms"


def ratio(value: float, reference: float) -> str:
    return f"{value / reference:.2f}x" if reference else "-"


def verdict(ok: bool) -> str:
    return "met" if ok else "MISSED"


def render_text(rows: Sequence[Row]) -> str:
    header = ("#", "work", "measured", "compared with", "ratio", "target", "result")
    table = [header] + [
        (r.scenario, r.work, r.secretctl, r.comparison, r.ratio, r.target, r.result) for r in rows
    ]
    widths = [max(len(line[i]) for line in table) for i in range(len(header))]
    lines = []
    for index, line in enumerate(table):
        lines.append("  ".join(cell.ljust(widths[i]) for i, cell in enumerate(line)).rstrip())
        if index == 0:
            lines.append("  ".join("-" * w for w in widths))
    return "\n".join(lines) + "\n"


def render_markdown(rows: Sequence[Row]) -> str:
    header = "| # | work | measured | compared with | ratio | target | result |"
    lines = [header, "|---|---|---|---|---|---|---|"]
    for r in rows:
        cells = (r.scenario, r.work, r.secretctl, r.comparison, r.ratio, r.target, r.result)
        lines.append("| " + " | ".join(c.replace("|", "\\|") for c in cells) + " |")
    return "\n".join(lines) + "\n"


@dataclass(frozen=True)
class Counted:
    """One run through the proxy: its sample, its requests, and when (seconds after the
    launch) the first request arrived and the last answer left: the time before the first
    request is the command's start-up (imports, client creation)."""

    sample: Sample
    records: list[Request]
    first: float
    last: float

    def timeline(self) -> str:
        if not self.records:
            return "no requests"
        return (
            f"1st request at {seconds(self.first)}, last answer at {seconds(self.last)}, "
            f"exit at {seconds(self.sample.wall)}"
        )


def counted_run(
    ctx: Context,
    proxy: RecordingProxy,
    argv: Sequence[str],
    stdin: bytes | None = None,
    **env: str,
) -> Counted:
    """One run through ``proxy``; the requests it made."""
    proxy.reset_counts()
    launched = time.monotonic()
    sample = run_once(argv, ctx.client_env(proxy.url, **env), stdin)
    if sample.returncode != 0:
        progress(f"warning: {' '.join(argv[-4:])} failed: {sample.stderr.strip()[-300:]}")
    records = proxy.snapshot()
    first = min((r.start for r in records), default=launched) - launched
    last = max((r.end for r in records), default=launched) - launched
    return Counted(sample, records, first, last)


def by_operation(records: Sequence[Request]) -> dict[str, int]:
    counts: dict[str, int] = {}
    for record in records:
        counts[record.operation] = counts.get(record.operation, 0) + 1
    return counts


def describe_counts(records: Sequence[Request]) -> str:
    """``12 (GetParametersByPath 11, ...)``"""
    counts = by_operation(records)
    detail = ", ".join(f"{op} {n}" for op, n in sorted(counts.items(), key=lambda i: -i[1]))
    return f"{len(records)} req ({detail})" if detail else "0 req"
