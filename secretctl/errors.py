"""Errors that secretctl reports to the user as one line and an exit status."""

from __future__ import annotations


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


class CommandNotFoundError(SecretctlError):
    """exec: the command is not on PATH (shells use 127 for this)."""

    exit_code = 127


class CommandNotExecutableError(SecretctlError):
    """exec: the command exists but cannot be run (shells use 126 for this)."""

    exit_code = 126
