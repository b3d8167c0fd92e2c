"""How long secretctl waits for AWS, on both clients: a connect timeout and a read timeout per
attempt, a few quick retries of a failed connection, and an optional deadline for the whole
command (``--timeout`` / ``SECRETCTL_TIMEOUT``).

With the defaults, no request waits on a dead endpoint for more than
(1 + CONNECTION_RETRIES) x READ_SECONDS plus well under a second of backoff: about 19 s."""

from __future__ import annotations

import time
from collections.abc import Mapping

from secretctl.errors import UsageError

CONNECT_SECONDS = 3.0  # a container start cannot afford more; SYN is retransmitted at 1 s
READ_SECONDS = 6.0  # SSM answers in well under a second; 6 s is far out in its tail
CONNECTION_RETRIES = 2  # a failed connection is retried at most this often (and --retries)


def parse_seconds(text: str, name: str) -> float:
    """A number of seconds greater than 0 (``2``, ``1.5``); an error naming ``name``."""
    digits = text.strip().replace(".", "", 1)  # plain decimal digits, at most one point
    value = float(text) if digits.isascii() and digits.isdigit() else 0.0
    if not value > 0:
        raise UsageError(f"{name} must be a number of seconds greater than 0, not {text!r}")
    return value


class Timeouts:
    """The waits of one command. ``deadline`` is a ``time.monotonic()`` value or None."""

    __slots__ = ("connect", "read", "total", "deadline")

    def __init__(
        self,
        connect: float = CONNECT_SECONDS,
        read: float = READ_SECONDS,
        total: float | None = None,
    ) -> None:
        self.connect = connect
        self.read = read
        self.total = total
        self.deadline = time.monotonic() + total if total else None

    @classmethod
    def from_environ(cls, environ: Mapping[str, str], total: float | None = None) -> Timeouts:
        """The defaults, SECRETCTL_CONNECT_TIMEOUT / SECRETCTL_READ_TIMEOUT per attempt, and
        ``total`` (else SECRETCTL_TIMEOUT) for the whole command, counted from now."""

        def seconds(variable: str, default: float | None) -> float | None:
            raw = environ.get(variable, "")
            return parse_seconds(raw, variable) if raw else default

        if total is None:
            total = seconds("SECRETCTL_TIMEOUT", None)
        connect = seconds("SECRETCTL_CONNECT_TIMEOUT", CONNECT_SECONDS)
        read = seconds("SECRETCTL_READ_TIMEOUT", READ_SECONDS)
        assert connect is not None and read is not None
        return cls(connect, read, total)

    def remaining(self) -> float | None:
        """Seconds left before the deadline (None: no deadline)."""
        return None if self.deadline is None else self.deadline - time.monotonic()

    def allows(self, delay: float) -> bool:
        """Whether waiting ``delay`` seconds still leaves time before the deadline."""
        left = self.remaining()
        return left is None or delay < left
