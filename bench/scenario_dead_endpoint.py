"""7. Dead endpoint: every kind of command against a port that accepts and never answers and
a port that refuses, with the default waits, over the lean path and boto3, six at a time; the
worst wall time per endpoint and path against the target (under 30 s) and the figures before
the waits were bounded (``BEFORE``: this scenario run on commit b3e90ac, with
``SECRETCTL_BENCH_CMD`` pointing at that tree)."""

from __future__ import annotations

import json
import socket
import subprocess
import tempfile
import time
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

from bench.common import Context, Row, ratio, seconds, verdict

NAME = "dead-endpoint"
TARGET_SECONDS = 30.0
CONCURRENT = 6  # processes at once: they mostly wait, but 2 cores must start them
# this scenario on commit b3e90ac (the figures: 336 s, 681 s, 6 s and 26 s), seconds
BEFORE = {("hung", "lean"): 340.0, ("hung", "boto3"): 748.0}
BEFORE.update({("refused", "lean"): 8.9, ("refused", "boto3"): 101.0})
COMMANDS = {
    "exec": ["exec", "svc", "--", "true"],
    "read -q": ["read", "-q", "svc", "k"],
    "read": ["read", "svc", "k"],
    "write": ["write", "svc", "k", "v"],
    "delete": ["delete", "svc", "k"],
    "list": ["list", "svc"],
    "history": ["history", "svc", "k"],
    "export": ["export", "svc"],
    "import": ["import", "svc", "IMPORT"],
}
LABELS = {"hung": "accepts, never answers", "refused": "refuses connections"}


def _endpoints() -> tuple[socket.socket, dict[str, str]]:
    hung = socket.socket()
    hung.bind(("127.0.0.1", 0))
    hung.listen(256)  # never accepted: the kernel completes the handshake, nobody answers
    closed = socket.socket()
    closed.bind(("127.0.0.1", 0))
    port = closed.getsockname()[1]
    closed.close()
    urls = {
        "hung": f"http://127.0.0.1:{hung.getsockname()[1]}",
        "refused": f"http://127.0.0.1:{port}",
    }
    return hung, urls


def run(ctx: Context) -> list[Row]:
    hung, urls = _endpoints()
    with tempfile.TemporaryDirectory(prefix="bench-dead-") as tmp:
        source = Path(tmp) / "import.json"
        source.write_text(json.dumps({"a": "1", "b": "2"}))
        jobs = []
        for kind, url in urls.items():
            for path in ("lean", "boto3"):
                env = ctx.client_env(url, **({"SECRETCTL_LEAN": "0"} if path == "boto3" else {}))
                for name, args in COMMANDS.items():
                    argv = [*ctx.secretctl, *[str(source) if a == "IMPORT" else a for a in args]]
                    jobs.append(((kind, path, name), argv, env))

        def one(job: tuple[tuple[str, str, str], list[str], dict[str, str]]) -> float:
            _, argv, env = job
            start = time.perf_counter()
            subprocess.run(argv, env=env, capture_output=True, timeout=1800)
            return time.perf_counter() - start

        with ThreadPoolExecutor(max_workers=CONCURRENT) as pool:
            walls = dict(zip([job[0] for job in jobs], pool.map(one, jobs), strict=True))
    hung.close()
    rows = []
    for kind in urls:
        for path in ("lean", "boto3"):
            mine = {name: walls[(kind, path, name)] for name in COMMANDS}
            worst = max(mine, key=mine.__getitem__)
            before = BEFORE[(kind, path)]
            rows.append(
                Row(
                    "7",
                    f"dead endpoint ({LABELS[kind]}), {path}: worst of {len(COMMANDS)} commands",
                    f"{seconds(mine[worst])} ({worst})",
                    f"before: {seconds(before)}; best {seconds(min(mine.values()))}",
                    ratio(mine[worst], before) + " of before",
                    f"< {TARGET_SECONDS:.0f} s",
                    verdict(mine[worst] < TARGET_SECONDS),
                )
            )
    return rows
