"""Container start without the CLI library: parse a well-formed ``exec`` command line by hand.

``secretctl [--retries N] [--timeout SECONDS] exec [--pristine] [--strict] [--strict-value V]
[--preserve-case] SERVICE... -- COMMAND [ARGS]``. Anything else (help, an unknown option, a
missing ``--``, a bad number) returns None, and the click CLI parses it and reports the error."""

from __future__ import annotations

from collections.abc import Mapping

from secretctl.aws.timeouts import parse_seconds
from secretctl.environ import DEFAULT_STRICT_VALUE
from secretctl.errors import UsageError

# click's boolean words for a flag's environment variable
_TRUE = {"1", "true", "t", "yes", "y", "on"}
_FALSE = {"0", "false", "f", "no", "n", "off", ""}


class ExecRequest:
    """What ``exec`` was asked to do."""

    __slots__ = (
        "services",
        "command",
        "pristine",
        "strict",
        "strict_value",
        "preserve_case",
        "retries",
        "timeout",
    )

    def __init__(self, services: list[str], command: list[str]) -> None:
        self.services = services
        self.command = command
        self.pristine = False
        self.strict = False
        self.strict_value = DEFAULT_STRICT_VALUE
        self.preserve_case = False
        self.retries: int | None = None
        self.timeout: float | None = None


def _option_value(args: list[str], at: int, name: str) -> tuple[str | None, int]:
    """The value of ``--name V`` or ``--name=V`` at ``args[at]``, and the next index."""
    token = args[at]
    if token == name:
        return (args[at + 1], at + 2) if at + 1 < len(args) else (None, at + 1)
    return token[len(name) + 1 :], at + 1


def parse_exec_argv(argv: list[str], environ: Mapping[str, str]) -> ExecRequest | None:
    """An ExecRequest for a well-formed exec command line, else None."""
    at = 0
    given: dict[str, str | None] = {"--retries": None, "--timeout": None}
    while at < len(argv) and argv[at].startswith("--"):
        name = argv[at].partition("=")[0]
        if name not in given:
            return None
        given[name], at = _option_value(argv, at, name)
        if given[name] is None:
            return None
    retries = (
        given["--retries"] if given["--retries"] is not None else environ.get("SECRETCTL_RETRIES")
    )
    if at >= len(argv) or argv[at] != "exec" or "--" not in argv[at + 1 :]:
        return None
    rest = argv[at + 1 :]
    split = rest.index("--")
    before, command = rest[:split], rest[split + 1 :]
    if not command:
        return None
    request = ExecRequest([], command)
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
    if retries is not None and retries != "":
        if not retries.isdigit():
            return None
        request.retries = int(retries)
    timeout = given["--timeout"]  # SECRETCTL_TIMEOUT: read with the other AWS settings
    if timeout is not None:
        try:
            request.timeout = parse_seconds(timeout, "--timeout")
        except UsageError:
            return None
    return request
