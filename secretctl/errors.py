"""Errors that secretctl reports to the user as one line and an exit status."""

from __future__ import annotations

import os
import sys
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from typing import NoReturn


class SecretctlError(Exception):
    """An error the user can act on. Its message is printed as one line; it never holds a value."""

    exit_code = 1


class UsageError(SecretctlError):
    """Bad input: an invalid name, value, file or option. Raised before any AWS call."""

    exit_code = 2


class NotFoundError(SecretctlError):
    """The secret or version asked for does not exist."""


class AwsError(SecretctlError):
    """AWS refused or failed a call; the message names the action and the parameter or key."""


class EndpointFailure(AwsError):
    """The endpoint gave no answer, or only server errors (5xx), after the attempts allowed.
    ``maybe_applied``: the request was a write that had been sent and got no answer, so it may
    or may not have been applied. (A 5xx answer means not applied, as AWS's SDKs take it.)"""

    def __init__(self, message: str, *, maybe_applied: bool = False) -> None:
        super().__init__(message)
        self.maybe_applied = maybe_applied


class CommandNotFoundError(SecretctlError):
    """exec: the command is not on PATH (shells use 127 for this)."""

    exit_code = 127


class CommandNotExecutableError(SecretctlError):
    """exec: the command exists but cannot be run (shells use 126 for this)."""

    exit_code = 126


def unexpected_message(err: BaseException) -> str:
    return f"unexpected error ({type(err).__name__}); run with SECRETCTL_DEBUG=1 for details"


@contextmanager
def exit_status_on_error(status: int) -> Iterator[None]:
    """Every error in the block exits with ``status`` (``diff``: 2, as diff and cmp do, since 1
    means "they differ"); an internal error (a bug) keeps its one line without details."""
    try:
        yield
    except SecretctlError as err:
        err.exit_code = status
        raise
    except Exception as err:
        if os.environ.get("SECRETCTL_DEBUG") or type(err).__module__.startswith("click"):
            raise
        wrapped = SecretctlError(unexpected_message(err))
        wrapped.exit_code = status
        raise wrapped from None


def run_reporting_errors(action: Callable[[], object]) -> NoReturn:
    """Run ``action`` and exit: 0, or one line on stderr and the error's exit status. Never a
    traceback (which could hold a value) unless SECRETCTL_DEBUG is set."""
    try:
        action()
    except SecretctlError as err:
        sys.stderr.write(f"secretctl: error: {err}\n")
        sys.exit(err.exit_code)
    except BrokenPipeError:
        sys.exit(141)
    except KeyboardInterrupt:
        sys.stderr.write("secretctl: interrupted\n")
        sys.exit(130)
    except Exception as err:
        if os.environ.get("SECRETCTL_DEBUG"):
            raise
        sys.stderr.write(f"secretctl: {unexpected_message(err)}\n")
        sys.exit(1)
    sys.exit(0)
