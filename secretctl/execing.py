"""Load secrets and replace secretctl with the user's command, so signals reach it directly
and its exit status (or death by signal) is the container's."""

from __future__ import annotations

import errno
import os
import shutil
import sys
from collections.abc import Mapping
from typing import TYPE_CHECKING, NoReturn

from secretctl.environ import DEFAULT_STRICT_VALUE, build_exec_env
from secretctl.errors import CommandNotExecutableError, CommandNotFoundError
from secretctl.loading import load_environment

if TYPE_CHECKING:
    from secretctl.store.base import SecretReader


def resolve_command(command: str, search_path: str | None) -> str:
    """The program to run, looked up on secretctl's own PATH (also under --pristine)."""
    if os.sep in command:
        if not os.path.exists(command):
            raise CommandNotFoundError(f"command not found: {command}")
        if not os.access(command, os.X_OK) or os.path.isdir(command):
            raise CommandNotExecutableError(f"command is not executable: {command}")
        return command
    found = shutil.which(command, path=search_path)
    if found is None:
        raise CommandNotFoundError(f"command not found: {command} (not on PATH)")
    return found


def exec_command(
    argv: list[str], env: Mapping[str, str], secrets: Mapping[str, str] | None = None
) -> NoReturn:
    """Run argv with exactly ``env`` (which holds ``secrets``). On POSIX this process becomes
    the command."""
    program = resolve_command(argv[0], os.environ.get("PATH", os.defpath))
    sys.stdout.flush()
    sys.stderr.flush()
    if os.name == "posix":
        try:
            os.execve(program, argv, dict(env))
        except PermissionError:
            raise CommandNotExecutableError(f"command is not executable: {argv[0]}") from None
        except OSError as err:
            if err.errno == errno.E2BIG:  # execve says "Argument list too long"
                raise CommandNotExecutableError(_too_large(argv[0], secrets or {})) from None
            raise CommandNotExecutableError(f"cannot run {argv[0]}: {err.strerror}") from None
    import subprocess  # pragma: no cover - not POSIX

    completed = subprocess.run([program, *argv[1:]], env=dict(env))  # pragma: no cover
    sys.exit(completed.returncode)  # pragma: no cover


def _too_large(command: str, secrets: Mapping[str, str]) -> str:
    size = sum(len(f"{name}={value}".encode()) for name, value in secrets.items())
    return (
        f"cannot run {command}: its environment is too large ({len(secrets)} secrets, "
        f"{size // 1024} KiB of them) for the system's limit on a program's arguments and "
        "environment; load fewer services, or use --pristine"
    )


def run_exec(
    reader: SecretReader,
    services: list[str],
    argv: list[str],
    *,
    pristine: bool = False,
    strict: bool = False,
    strict_value: str = DEFAULT_STRICT_VALUE,
    preserve_case: bool = False,
    verbose: bool = False,
) -> NoReturn:
    """Load the services, build the environment, and become the command. ``verbose`` names
    the variables the secrets fill (never a value)."""
    secrets, warnings = load_environment(
        reader, services, preserve_case=preserve_case, strict=strict
    )
    for message in warnings:
        sys.stderr.write(message + "\n")
    env = build_exec_env(
        os.environ, secrets, pristine=pristine, strict=strict, strict_value=strict_value
    )
    if verbose:
        names = ", ".join(sorted(n for n in secrets if env.get(n) == secrets[n])) or "none"
        sys.stderr.write(f"secretctl: exec {argv[0]} with the secret variables {names}\n")
    exec_command(argv, env, secrets)
