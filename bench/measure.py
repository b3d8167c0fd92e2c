"""Run commands as child processes and measure each run: wall time (``time.perf_counter``
around spawn and reap) and the child's own peak RSS (``ru_maxrss`` from ``os.wait4`` on that
one pid, so never a cumulative maximum over every child this process ever had).

Linux keeps the high-water mark across ``execve`` (the old image's peak is folded into the
process's ``maxrss``), so ``secretctl exec svc -- true`` is measured over both images. It also
copies the parent's mark into a forked child, which is why the commands are spawned by the
small ``bench/launcher.py`` process rather than by this one: a figure then reads
max(the command's own peak, the launcher's ~10 MiB), never the benchmark's own size.
"""

from __future__ import annotations

import json
import os
import statistics
import subprocess
import sys
import tempfile
import threading
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path

KIB_PER_MIB = 1024.0


@dataclass(frozen=True)
class Sample:
    wall: float  # seconds
    peak_mib: float  # the child's peak resident set size
    returncode: int
    stderr: str = ""


@dataclass(frozen=True)
class Command:
    """One command to measure. ``before`` runs (unmeasured) ahead of every run, e.g. to pick
    a fresh service name; it returns extra argv appended to ``argv``."""

    argv: Sequence[str]
    env: Mapping[str, str] | None = None
    stdin: bytes | None = None
    before: Callable[[int], Sequence[str]] | None = None
    timeout: float = 120.0  # seconds before the launcher kills it (a failed run)


@dataclass
class Series:
    samples: list[Sample] = field(default_factory=list)

    @property
    def wall(self) -> float:
        return statistics.median(s.wall for s in self.samples)

    @property
    def peak_mib(self) -> float:
        return statistics.median(s.peak_mib for s in self.samples)

    @property
    def failures(self) -> int:
        return sum(1 for s in self.samples if s.returncode != 0)

    def first_error(self) -> str:
        for s in self.samples:
            if s.returncode != 0:
                return f"exit {s.returncode}: {s.stderr.strip()[-300:]}"
        return ""


class Launcher:
    """The small process (``bench/launcher.py``) that spawns the measured commands and
    reports each one's wall time and ``ru_maxrss`` from ``os.wait4`` on that one pid."""

    def __init__(self) -> None:
        self.process = subprocess.Popen(
            [sys.executable, "-S", "-I", str(Path(__file__).with_name("launcher.py"))],
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            text=True,
            bufsize=1,
        )
        self.lock = threading.Lock()

    def run(self, request: dict[str, object]) -> dict[str, object]:
        assert self.process.stdin is not None and self.process.stdout is not None
        with self.lock:
            self.process.stdin.write(json.dumps(request) + "\n")
            self.process.stdin.flush()
            answer = self.process.stdout.readline()
        if not answer:
            raise RuntimeError("the benchmark launcher died")
        return json.loads(answer)  # type: ignore[no-any-return]

    def close(self) -> None:
        if self.process.poll() is None:
            assert self.process.stdin is not None
            self.process.stdin.close()
            self.process.wait(timeout=10)


_launcher: Launcher | None = None


def launcher() -> Launcher:
    global _launcher
    if _launcher is None or _launcher.process.poll() is not None:
        _launcher = Launcher()
    return _launcher


def close_launcher() -> None:
    global _launcher
    if _launcher is not None:
        _launcher.close()
        _launcher = None


def run_once(
    argv: Sequence[str],
    env: Mapping[str, str] | None = None,
    stdin: bytes | None = None,
    timeout: float = 120.0,
) -> Sample:
    """Run ``argv`` through the launcher: wall time and the child's own peak RSS. stdout is
    discarded; stderr is kept (for error messages)."""
    with tempfile.TemporaryDirectory(prefix="bench-") as tmp:
        stdin_path = None
        if stdin is not None:
            stdin_path = os.path.join(tmp, "stdin")
            with open(stdin_path, "wb") as handle:
                handle.write(stdin)
        stderr_path = os.path.join(tmp, "stderr")
        answer = launcher().run(
            {
                "argv": list(argv),
                "env": dict(os.environ if env is None else env),
                "stdin": stdin_path,
                "stderr": stderr_path,
                "timeout": timeout,
            }
        )
        try:
            with open(stderr_path, "rb") as handle:
                stderr = handle.read().decode(errors="replace")
        except FileNotFoundError:
            stderr = str(answer.get("error", ""))
    return Sample(
        float(answer["wall"]),  # type: ignore[arg-type]
        int(answer["maxrss_kib"]) / KIB_PER_MIB,  # type: ignore[call-overload]
        int(answer["status"]),  # type: ignore[call-overload]
        stderr,
    )


def interleaved(
    commands: Mapping[str, Command], runs: int, warmup: int = 1, label: str = ""
) -> dict[str, Series]:
    """Run every command ``runs`` times, round-robin (A B C A B C ...), after ``warmup``
    unrecorded rounds; the order rotates each round so no command always goes first."""
    series = {name: Series() for name in commands}
    names = list(commands)
    total = warmup + runs
    for round_ in range(total):
        shift = round_ % len(names)
        for name in names[shift:] + names[:shift]:
            command = commands[name]
            extra = list(command.before(round_)) if command.before else []
            sample = run_once([*command.argv, *extra], command.env, command.stdin, command.timeout)
            if round_ >= warmup:
                series[name].samples.append(sample)
        progress(f"{label} round {round_ + 1}/{total}" if label else f"round {round_ + 1}")
    for name, result in series.items():
        walls = ", ".join(f"{s.wall:.3f}" for s in result.samples)
        peaks = ", ".join(f"{s.peak_mib:.0f}" for s in result.samples)
        progress(f"  {label}: {name}: wall s [{walls}], peak MiB [{peaks}]")
    return series


def progress(message: str) -> None:
    print(f"[bench] {message}", file=sys.stderr, flush=True)
