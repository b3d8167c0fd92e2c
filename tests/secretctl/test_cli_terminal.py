"""What secretctl does on a terminal, driven through a real pty: ``write`` with no VALUE asks
twice without echo; ``import`` and ``export`` show progress on stderr over more than a
screenful of keys, and nothing with ``--quiet`` or off a terminal."""

from __future__ import annotations

import fcntl
import json
import os
import re
import select
import struct
import subprocess
import termios
import time
from dataclasses import dataclass
from typing import Any

import pytest

from tests.secretctl.conftest import Run, secretctl_path

pytestmark = pytest.mark.usefixtures("both_backends")

ROWS, COLUMNS = 24, 100
SECRET = "s3cr3t-typed-at-the-terminal"


@dataclass
class PtyRun:
    returncode: int
    terminal: str  # everything the program wrote to the terminal
    stdout: str  # when stdout was a pipe


def run_on_pty(
    args: list[str],
    env: dict[str, str],
    *,
    answers: dict[str, str] | None = None,
    stderr_only: bool = False,
    timeout: float = 60,
) -> PtyRun:
    """Run secretctl with its controlling terminal on a pty of ROWS x COLUMNS: all of stdin,
    stdout and stderr, or (``stderr_only``) just stderr, with stdout a pipe and stdin empty.
    ``answers``: when the terminal shows a prompt, type its answer."""
    master, slave = os.openpty()
    fcntl.ioctl(slave, termios.TIOCSWINSZ, struct.pack("HHHH", ROWS, COLUMNS, 0, 0))

    def controlling_terminal() -> None:  # in the child, a new session's leader
        fcntl.ioctl(2, termios.TIOCSCTTY, 0)

    process = subprocess.Popen(
        [secretctl_path(), *args],
        stdin=subprocess.DEVNULL if stderr_only else slave,
        stdout=subprocess.PIPE if stderr_only else slave,
        stderr=slave,
        env=env,
        start_new_session=True,
        preexec_fn=controlling_terminal,  # noqa: PLW1509
    )
    os.close(slave)
    pending = dict(answers or {})
    seen = b""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        ready, _, _ = select.select([master], [], [], 0.1)
        if ready:
            try:
                chunk = os.read(master, 4096)
            except OSError:  # the child closed the terminal
                break
            if not chunk:
                break
            seen += chunk
            for prompt in list(pending):
                if seen.decode(errors="replace").endswith(prompt):
                    os.write(master, pending.pop(prompt).encode())
        elif process.poll() is not None:
            break
    stdout = process.stdout.read().decode() if process.stdout else ""
    process.wait(timeout=10)
    os.close(master)
    return PtyRun(process.returncode, seen.decode(errors="replace"), stdout)


# --- write with no VALUE ---------------------------------------------------------------------


def typed_twice(key: str, first: str, second: str) -> dict[str, str]:
    """The answers to write's two prompts for /api/KEY."""
    return {
        f"Value for /api/{key}: ": first + "\n",
        f"Value for /api/{key} (again): ": second + "\n",
    }


def test_write_asks_twice_without_echo(aws_env: dict[str, str], ssm: Any) -> None:
    answers = typed_twice("token", SECRET, SECRET)
    result = run_on_pty(["write", "api", "Token"], aws_env, answers=answers)
    assert result.returncode == 0, result.terminal
    assert SECRET not in result.terminal  # never echoed
    assert "Value for /api/token (again): " in result.terminal
    value = ssm.get_parameter(Name="/api/token", WithDecryption=True)["Parameter"]["Value"]
    assert value == SECRET


def test_write_refuses_two_different_values(aws_env: dict[str, str], ssm: Any) -> None:
    answers = typed_twice("token", SECRET, SECRET + "x")
    result = run_on_pty(["write", "api", "token"], aws_env, answers=answers)
    assert result.returncode == 2
    assert "secretctl: error: the two values entered for /api/token differ: nothing was " in (
        result.terminal
    )
    assert SECRET not in result.terminal
    assert ssm.describe_parameters()["Parameters"] == []


def test_write_with_no_value_off_a_terminal_names_stdin(run: Run, ssm: Any) -> None:
    result = run("write", "api", "token", input="")
    assert result.returncode == 2
    assert result.stderr == (
        "secretctl: error: write needs VALUE, or '-' to read it from stdin (e.g. `... | "
        "secretctl write api token -`); with neither, it asks on a terminal, and stdin is "
        "not one\n"
    )
    assert ssm.describe_parameters()["Parameters"] == []


# --- progress ---------------------------------------------------------------------------------


def source_file(tmp_path: Any, count: int) -> str:
    path = tmp_path / "secrets.json"
    path.write_text(json.dumps({f"key{i:03d}": f"value-{i}" for i in range(count)}))
    return str(path)


def test_import_shows_progress_over_more_than_a_screenful(
    aws_env: dict[str, str], tmp_path: Any
) -> None:
    result = run_on_pty(["import", "svc", source_file(tmp_path, 30)], aws_env, stderr_only=True)
    assert result.returncode == 0, result.terminal
    assert result.stdout == "30 written, 0 unchanged\n"
    assert "\r\x1b[Kimport: [####################] 30/30 keys" in result.terminal
    assert result.terminal.endswith("\r\x1b[K")  # the line is cleared at the end


def test_import_shows_nothing_for_a_screenful_or_with_quiet(
    aws_env: dict[str, str], tmp_path: Any
) -> None:
    small = run_on_pty(["import", "a", source_file(tmp_path, ROWS)], aws_env, stderr_only=True)
    assert small.returncode == 0 and small.terminal == ""
    quiet = run_on_pty(
        ["import", "--quiet", "b", source_file(tmp_path, 30)], aws_env, stderr_only=True
    )
    assert quiet.returncode == 0 and quiet.terminal == "" and quiet.stdout == ""


def test_export_shows_progress_over_more_than_a_screenful(
    run: Run, aws_env: dict[str, str], tmp_path: Any
) -> None:
    assert run("import", "svc", source_file(tmp_path, 30)).returncode == 0
    result = run_on_pty(["export", "svc"], aws_env, stderr_only=True)
    assert result.returncode == 0, result.terminal
    assert len(json.loads(result.stdout)) == 30
    counts = [int(n) for n in re.findall(r"\r\x1b\[Kexport: (\d+) keys read", result.terminal)]
    assert counts and all(ROWS < n <= 30 for n in counts), result.terminal  # no total: a count
    assert result.terminal.endswith("\r\x1b[K")
    quiet = run_on_pty(["export", "-q", "svc"], aws_env, stderr_only=True)
    assert quiet.terminal == "" and quiet.stdout == result.stdout


def test_no_progress_off_a_terminal(run: Run, tmp_path: Any) -> None:
    imported = run("import", "svc", source_file(tmp_path, 30))
    assert imported.returncode == 0 and imported.stderr == ""
    exported = run("export", "svc")
    assert exported.returncode == 0 and exported.stderr == ""
