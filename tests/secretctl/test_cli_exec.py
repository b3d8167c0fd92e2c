"""exec, env, export and import end to end: the installed entry point against the moto server."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest

from tests.secretctl.conftest import Run, secretctl_path

pytestmark = pytest.mark.usefixtures("both_backends")

PRINT_ENV = ["env", "-0"]  # not Python: it would add LC_CTYPE to its own environment


def parse_env(output: str) -> dict[str, str]:
    return dict(item.split("=", 1) for item in output.split("\0") if item)


def put(ssm: Any, name: str, value: str) -> None:
    ssm.put_parameter(Name=name, Value=value, Type="SecureString", Overwrite=True, Description="1")


def child_env(run: Run, *args: str, **kwargs: Any) -> dict[str, str]:
    result = run("exec", *args, "--", *PRINT_ENV, **kwargs)
    assert result.returncode == 0, result.stderr
    return parse_env(result.stdout)


def test_exec_injects_secrets_in_service_order(run: Run, ssm: Any) -> None:
    put(ssm, "/a/db-url", "from-a")
    put(ssm, "/a/only.a", "a-only")
    put(ssm, "/b/db_url", "from-b")
    result = run("exec", "a", "b", "--", *PRINT_ENV, env_extra={"KEEP": "parent"})
    env = parse_env(result.stdout)
    assert env["DB_URL"] == "from-b" and env["ONLY_A"] == "a-only" and env["KEEP"] == "parent"
    assert result.stderr.strip() == "warning: DB_URL from service 'b' overrides service 'a'"
    assert "from-" not in result.stderr


def test_exec_collision_within_a_service_is_an_error(run: Run, ssm: Any) -> None:
    put(ssm, "/a/db-url", "x")
    put(ssm, "/a/db_url", "y")
    result = run("exec", "a", "--", "true")
    assert result.returncode == 2
    assert "'db-url'" in result.stderr and "'db_url'" in result.stderr
    assert "DB_URL" in result.stderr


@pytest.mark.parametrize("command", [["exec", "a", "--", "true"], ["env", "a"]])
def test_a_stored_nul_value_is_named_by_key(run: Run, ssm: Any, command: list[str]) -> None:
    """Another tool stored a value no environment can hold: name the key, never the value."""
    put(ssm, "/a/fine", "ok")
    put(ssm, "/a/bad-key", "before\x00after")
    result = run(*command)
    assert result.returncode == 2
    assert result.stderr.strip() == (
        "secretctl: error: the value of key 'bad-key' contains a NUL character (secret values "
        "may be any text but NUL, which a program's environment cannot hold; another tool wrote "
        "it): rewrite the secret without it"
    )
    assert result.stdout == ""


def test_exec_warns_on_empty_service(run: Run) -> None:
    result = run("exec", "empty", "--", "true")
    assert result.returncode == 0
    assert "warning: service 'empty' has no secrets" in result.stderr


def test_pristine(run: Run, ssm: Any) -> None:
    put(ssm, "/a/token", "t")
    env = child_env(run, "--pristine", "a", env_extra={"KEEP": "parent"})
    assert env == {"TOKEN": "t"}


def test_strict_fills_placeholders_over_the_union(run: Run, ssm: Any) -> None:
    put(ssm, "/a/token", "t")
    put(ssm, "/b/db_url", "d")
    put(ssm, "/b/unasked", "u")
    placeholders = {"TOKEN": "chamberme", "DB_URL": "chamberme", "KEEP": "parent"}
    env = child_env(run, "--strict", "a", "b", env_extra=placeholders)
    assert env["TOKEN"] == "t" and env["DB_URL"] == "d" and env["KEEP"] == "parent"
    assert "UNASKED" not in env
    pristine = child_env(run, "--strict", "--pristine", "a", "b", env_extra=placeholders)
    assert pristine == {"TOKEN": "t", "DB_URL": "d"}
    custom = child_env(run, "--strict", "--strict-value", "FILL", "a", env_extra={"TOKEN": "FILL"})
    assert custom["TOKEN"] == "t"


def test_strict_missing_placeholder_is_an_error(run: Run, ssm: Any) -> None:
    put(ssm, "/a/token", "t")
    result = run("exec", "--strict", "a", "--", "true", env_extra={"MISSING": "chamberme"})
    assert result.returncode == 2 and "MISSING" in result.stderr


@pytest.mark.parametrize("status", [0, 3, 255])
def test_exit_status_propagates(run: Run, status: int) -> None:
    result = run("exec", "svc", "--", sys.executable, "-c", f"raise SystemExit({status})")
    assert result.returncode == status


def test_command_not_found_exits_127(run: Run) -> None:
    result = run("exec", "svc", "--", "no-such-command-xyz")
    assert result.returncode == 127
    assert "command not found: no-such-command-xyz" in result.stderr


def test_stdin_and_stdout_pass_through(run: Run, ssm: Any) -> None:
    put(ssm, "/svc/k", "v")
    program = "import sys; data = sys.stdin.read(); sys.stdout.write(data.upper())"
    result = run("exec", "svc", "--", sys.executable, "-c", program, input="hello\nworld\n")
    assert result.stdout == "HELLO\nWORLD\n"


def test_args_after_double_dash_belong_to_the_command(run: Run) -> None:
    program = "import sys; print(sys.argv[1:])"
    result = run("exec", "svc", "--", sys.executable, "-c", program, "--pristine", "--", "-x")
    assert result.stdout.strip() == "['--pristine', '--', '-x']"


HANDLER = """
import os, signal, sys, time
def handle(signum, frame):
    print("got", signum, "pid", os.getpid(), flush=True)
    sys.exit(0)
signal.signal(signal.SIGTERM, handle)
signal.signal(signal.SIGINT, handle)
print("ready", os.getpid(), flush=True)
time.sleep(30)
sys.exit(9)
"""


@pytest.mark.parametrize("signum", [signal.SIGTERM, signal.SIGINT])
def test_signals_reach_the_program(aws_env: dict[str, str], signum: int) -> None:
    proc = subprocess.Popen(
        [secretctl_path(), "exec", "svc", "--", sys.executable, "-c", HANDLER],
        env=aws_env,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    try:
        assert proc.stdout is not None
        ready = proc.stdout.readline().split()
        assert ready == ["ready", str(proc.pid)]  # secretctl became the program: same pid
        os.kill(proc.pid, signum)
        rest = proc.stdout.read()
        assert proc.wait(timeout=30) == 0
        assert rest.split() == ["got", str(int(signum)), "pid", str(proc.pid)]
    finally:
        proc.kill()
        proc.wait()


def test_death_by_signal_is_the_programs(aws_env: dict[str, str]) -> None:
    program = "import os, signal; os.kill(os.getpid(), signal.SIGKILL)"
    result = subprocess.run(
        [secretctl_path(), "exec", "svc", "--", sys.executable, "-c", program],
        env=aws_env,
        capture_output=True,
    )
    assert result.returncode == -signal.SIGKILL


def test_env_prints_sorted_shell_quoted_exports(run: Run, ssm: Any) -> None:
    put(ssm, "/svc/b-key", "it's $HOME")
    put(ssm, "/svc/a.key", "plain")
    result = run("env", "svc")
    assert result.stdout == "export A_KEY=plain\nexport B_KEY='it'\"'\"'s $HOME'\n"
    sourced = subprocess.run(
        ["sh", "-c", result.stdout + 'printf %s "$B_KEY"'], capture_output=True, text=True
    )
    assert sourced.stdout == "it's $HOME"


def test_export_formats_and_private_file(run: Run, ssm: Any, tmp_path: Path) -> None:
    put(ssm, "/a/db_url", "x")
    put(ssm, "/b/db_url", "y")
    put(ssm, "/b/tf-var", "${not_interpolated}")
    result = run("export", "a", "b")
    assert result.stdout == '{"db_url":"y","tf-var":"${not_interpolated}"}\n'
    assert "warning: key 'db_url' from service 'b' overrides service 'a'" in result.stderr
    tfvars = run("export", "b", "-f", "tfvars").stdout
    assert 'tf_var = "$${not_interpolated}"' in tfvars
    target = tmp_path / "out.env"
    target.write_text("old")
    os.chmod(target, 0o644)
    assert run("export", "b", "-f", "dotenv", "-o", str(target)).returncode == 0
    assert target.read_text() == 'DB_URL="y"\nTF_VAR="\\${not_interpolated}"\n'
    assert target.stat().st_mode & 0o777 == 0o600
    assert [p.name for p in tmp_path.iterdir()] == ["out.env"]  # no temporary file left


@pytest.mark.parametrize(
    ("name", "text"),
    [
        ("in.json", '{"DB_URL": "postgres://x", "port": 5432, "debug": true}'),
        ("in.yaml", "DB_URL: postgres://x\nport: 5432\ndebug: true\n"),
        ("in.env", "# comment\nexport DB_URL=postgres://x\nPORT=5432\nDEBUG='true'\n"),
    ],
)
def test_import_formats(run: Run, tmp_path: Path, name: str, text: str) -> None:
    source = tmp_path / name
    source.write_text(text)
    result = run("import", "svc", str(source))
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip() == "3 written, 0 unchanged"
    exported = json.loads(run("export", "svc").stdout)
    assert exported == {"db_url": "postgres://x", "port": "5432", "debug": "true"}
    again = run("import", "svc", str(source))
    assert again.stdout.strip() == "0 written, 3 unchanged"


def test_import_from_stdin_detects_format(run: Run) -> None:
    result = run("import", "svc", "-", input="A=1\nB=two words\n")
    assert result.stdout.strip() == "2 written, 0 unchanged"
    assert json.loads(run("export", "svc").stdout) == {"a": "1", "b": "two words"}


@pytest.mark.parametrize(
    ("text", "fragment"),
    [
        ('{"ok": "v", "db": {"host": "h"}}', "'db'"),
        ('{"ok": "v", "list": [1, 2]}', "'list'"),
        ('{"ok": "v", "empty": ""}', "'empty'"),
        ('{"ok": "v", "bad key": "x"}', "invalid key 'bad key'"),
        ('{"ok": "v", "OK": "w"}', "both become 'ok'"),
        (
            '{"db-url": "x", "ok": "v", "db_url": "y"}',
            "keys 'db-url' and 'db_url' both become the environment variable DB_URL",
        ),
    ],
)
def test_bad_import_writes_nothing(run: Run, ssm: Any, text: str, fragment: str) -> None:
    result = run("import", "svc", "-", input=text)
    assert result.returncode == 2
    assert fragment in result.stderr and len(result.stderr.strip().splitlines()) == 1
    assert ssm.describe_parameters()["Parameters"] == []


def test_import_refuses_a_key_that_clashes_with_a_stored_one(run: Run, ssm: Any) -> None:
    """exec would refuse the service: the import is refused before anything is written."""
    put(ssm, "/svc/db_url", "stored")
    result = run("import", "svc", "-", input='{"a": "1", "DB-URL": "x"}')
    assert result.returncode == 2
    assert result.stderr.strip() == (
        "secretctl: error: key 'db-url' becomes the environment variable DB_URL, as does "
        "'db_url' already stored in the service, which exec would refuse; rename the key or "
        "delete 'db_url' first"
    )
    assert [p["Name"] for p in ssm.describe_parameters()["Parameters"]] == ["/svc/db_url"]
    updated = run("import", "svc", "-", input='{"a": "1", "DB_URL": "x"}')  # the same key
    assert updated.stdout.strip() == "2 written, 0 unchanged", updated.stderr


def test_an_environment_too_large_for_execve_is_named(aws_env: dict[str, str], ssm: Any) -> None:
    """The kernel caps a program's arguments and environment together (ARG_MAX, a quarter of
    the stack limit): here 512 KiB, which 70 secrets of 8000 bytes pass. execve's own words
    ('Argument list too long') point at the command's arguments instead."""
    import resource

    for n in range(70):
        name = f"/big/k{n:02d}"
        ssm.put_parameter(Name=name, Value="x" * 8000, Type="SecureString", Tier="Advanced")

    def small_stack() -> None:
        resource.setrlimit(resource.RLIMIT_STACK, (2 * 1024 * 1024, resource.RLIM_INFINITY))

    result = subprocess.run(
        [secretctl_path(), "exec", "big", "--", "true"],
        env=aws_env,
        capture_output=True,
        text=True,
        timeout=60,
        preexec_fn=small_stack,
    )
    assert result.returncode == 126
    assert result.stderr == (
        "secretctl: error: cannot run true: its environment is too large (70 secrets, "
        f"{70 * 8004 // 1024} KiB of them) for the system's limit on a program's arguments "
        "and environment; load fewer services, or use --pristine\n"
    )


def test_reimporting_chamber_keys_says_how_to_update_them(run: Run, ssm: Any) -> None:
    """chamber's import stored DB_URL as written; secretctl's import lowercases it, which
    clashes: the way to update the stored key itself is --preserve-case, and the message says
    so."""
    put(ssm, "/svc/DB_URL", "stored")
    result = run("import", "svc", "-", input='{"DB_URL": "x"}')
    assert result.returncode == 2
    assert result.stderr.strip().endswith(
        "rename the key or delete 'DB_URL' first, or import with --preserve-case to update "
        "'DB_URL' itself"
    )
    updated = run("import", "--preserve-case", "svc", "-", input='{"DB_URL": "x"}')
    assert updated.stdout.strip() == "1 written, 0 unchanged", updated.stderr
