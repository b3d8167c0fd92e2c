"""Container start without the CLI library: parse a well-formed ``exec`` command line by hand.

``secretctl [GLOBAL OPTIONS] exec [--pristine] [--strict] [--strict-value V] [--preserve-case]
SERVICE... -- COMMAND [ARGS]``, where the global options are ``-r/--retries N``,
``--retry-mode standard|adaptive``, ``--verbose``, ``--kms-key-alias A``, ``-b/--backend B``
and ``--timeout SECONDS``, in any of click's spellings (``--retries=3``, ``-r3``, ``-r 3``).
Anything else (help, an unknown option, a missing ``--``, a bad number) returns None, and the
click CLI parses it and reports the error."""

from __future__ import annotations

from collections.abc import Mapping

from secretctl.aws.timeouts import parse_seconds
from secretctl.environ import DEFAULT_STRICT_VALUE
from secretctl.errors import UsageError
from secretctl.global_options import RETRY_MODES, GlobalOptions

# click's boolean words for a flag's environment variable
_TRUE = {"1", "true", "t", "yes", "y", "on"}
_FALSE = {"0", "false", "f", "no", "n", "off", ""}

# global options that take a value: their spellings -> the GlobalOptions field
_VALUE_OPTIONS = {
    "-r": "retries",
    "--retries": "retries",
    "--retry-mode": "retry_mode",
    "--kms-key-alias": "kms_key_alias",
    "-b": "backend",
    "--backend": "backend",
    "--timeout": "timeout",
}


class ExecRequest:
    """What ``exec`` was asked to do."""

    __slots__ = (
        "services",
        "command",
        "pristine",
        "strict",
        "strict_value",
        "preserve_case",
        "options",
    )

    def __init__(self, services: list[str], command: list[str], options: GlobalOptions) -> None:
        self.services = services
        self.command = command
        self.pristine = False
        self.strict = False
        self.strict_value = DEFAULT_STRICT_VALUE
        self.preserve_case = False
        self.options = options


def _option_value(args: list[str], at: int, name: str) -> tuple[str | None, int]:
    """The value of ``--name V``, ``--name=V`` or ``-xV`` at ``args[at]``, and the next index."""
    token = args[at]
    if token == name:
        return (args[at + 1], at + 2) if at + 1 < len(args) else (None, at + 1)
    if name.startswith("--"):
        return token[len(name) + 1 :], at + 1
    return token[len(name) :], at + 1


def _spelling(token: str) -> str | None:
    """Which value option ``token`` spells (``--retries=3`` and ``-r3`` included), or None."""
    name = token.split("=", 1)[0] if token.startswith("--") else token[:2]
    return name if name in _VALUE_OPTIONS else None


def parse_global_options(argv: list[str]) -> tuple[GlobalOptions, int] | None:
    """The global options before the command, and the index of the command; None for
    anything click should report (an unknown option, a missing or malformed value)."""
    options, at = GlobalOptions(), 0
    while at < len(argv) and argv[at].startswith("-"):
        if argv[at] == "--verbose":
            options.verbose, at = True, at + 1
            continue
        name = _spelling(argv[at])
        if name is None:
            return None
        value, at = _option_value(argv, at, name)
        if value is None:
            return None
        field = _VALUE_OPTIONS[name]
        if field == "retries":
            if not (value.isascii() and value.isdigit()):  # not '²', which int() refuses
                return None
            setattr(options, field, int(value))
        elif field == "timeout":  # SECRETCTL_TIMEOUT: read with the other AWS settings
            try:
                options.timeout = parse_seconds(value, "--timeout")
            except UsageError:
                return None
        elif field == "retry_mode":
            if value.lower() not in RETRY_MODES:
                return None
            options.retry_mode = value.lower()
        else:
            setattr(options, field, value)
    return options, at


def parse_exec_argv(argv: list[str], environ: Mapping[str, str]) -> ExecRequest | None:
    """An ExecRequest for a well-formed exec command line, else None."""
    parsed = parse_global_options(argv)
    if parsed is None:
        return None
    options, at = parsed
    if at >= len(argv) or argv[at] != "exec" or "--" not in argv[at + 1 :]:
        return None
    rest = argv[at + 1 :]
    split = rest.index("--")
    before, command = rest[:split], rest[split + 1 :]
    if not command:
        return None
    request = ExecRequest([], command, options)
    preserve = environ.get("SECRETCTL_PRESERVE_CASE", "").strip().lower()
    if preserve not in _TRUE | _FALSE:
        return None
    request.preserve_case = preserve in _TRUE
    at = 0
    while at < len(before):
        token = before[at]
        if token in ("--pristine", "--strict", "--preserve-case"):
            setattr(request, token[2:].replace("-", "_"), True)
            at += 1
        elif token == "--strict-value" or token.startswith("--strict-value="):
            value, at = _option_value(before, at, "--strict-value")
            if value is None:
                return None
            request.strict_value = value
        elif token.startswith("-"):
            return None
        else:
            request.services.append(token)
            at += 1
    if not request.services:
        return None
    return request
