"""Replace secretctl with the user's command, so signals reach it directly and its exit
status (or death by signal) is the container's."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from collections.abc import Mapping
from typing import NoReturn

from secretctl.errors import CommandNotExecutableError, CommandNotFoundError


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


def exec_command(argv: list[str], env: Mapping[str, str]) -> NoReturn:
    """Run argv with exactly ``env``. On POSIX this process becomes the command."""
    program = resolve_command(argv[0], os.environ.get("PATH", os.defpath))
    sys.stdout.flush()
    sys.stderr.flush()
    if os.name == "posix":
        try:
            os.execve(program, argv, dict(env))
        except PermissionError:
            raise CommandNotExecutableError(f"command is not executable: {argv[0]}") from None
        except OSError as err:
            raise CommandNotExecutableError(f"cannot run {argv[0]}: {err.strerror}") from None
    completed = subprocess.run([program, *argv[1:]], env=dict(env))  # pragma: no cover
    sys.exit(completed.returncode)  # pragma: no cover
