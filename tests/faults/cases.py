"""The table of fault cases: each command under each fault, and what secretctl promises.

The README's reliability section prints ``promise_table()``; ``test_faults.py`` runs every
(command, fault) pair over both AWS paths and holds secretctl to the promise. To cover a new
command (``copy``, ``delete --all`` when they exist), add a Target here and its arrangement and
checks in ``runner.py``."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from devtools.proxy import Fault

SUCCESS = "success"
ERROR = "error"


READS, WRITES, DELETES = "reads", "writes", "deletes"  # the table's columns


@dataclass(frozen=True)
class Target:
    """A command under test: the request faults hit, how many of those pass first (so that
    faults arrive mid-way), and its column of promises."""

    name: str
    operation: str
    after: int
    kind: str


TARGETS = [
    Target("exec", "GetParametersByPath", 1, READS),  # page 2 of 3
    Target("export", "GetParametersByPath", 1, READS),
    Target("write", "PutParameter", 0, WRITES),  # after its GetParameter and Describe
    Target("import", "PutParameter", 10, WRITES),  # after 10 of its 40 writes
    Target("copy", "PutParameter", 10, WRITES),  # the same 40 writes, from another service
    Target("delete --all", "DeleteParameters", 1, DELETES),  # after 1 of its 3 batches
]


@dataclass(frozen=True)
class FaultRow:
    name: str
    faults: Callable[[Target], list[Fault]]
    reads: str  # what exec/export promise: SUCCESS or ERROR
    writes: str  # what write/import/copy promise
    deletes: str  # what delete --all promises
    promise_reads: str  # the README's words
    promise_writes: str
    promise_deletes: str
    read_timeout: float | None = None  # SECRETCTL_READ_TIMEOUT for the case (hangs)
    slow: bool = False  # waits several seconds by design (timeouts, backoff): started first


def _on(kind: str, count: int | None = None, status: int = 500) -> Callable[[Target], list[Fault]]:
    def faults(target: Target) -> list[Fault]:
        return [Fault(kind, frozenset({target.operation}), target.after, count, status)]

    return faults


ROWS = [
    FaultRow(
        "refused",
        lambda target: [Fault("refuse")],
        ERROR,
        ERROR,
        ERROR,
        "one-line error after 3 quick attempts",
        "one-line error; nothing written",
        "one-line error; nothing deleted",
    ),
    FaultRow(
        "dies mid-way",
        _on("refuse"),
        ERROR,
        ERROR,
        ERROR,
        "one-line error after 3 quick attempts",
        "stops after 4 failed writes in a row; honest count",
        "stops at the failed batch; names the keys that remain",
    ),
    FaultRow(
        "reset mid-answer once",
        _on("reset", 1),
        SUCCESS,
        ERROR,
        ERROR,
        "retried: success",
        "that write is not resent (it was applied): counted unknown",
        "that batch is not resent (it was applied): its keys named as unknown",
    ),
    FaultRow(
        "reset mid-answer always",
        _on("reset"),
        ERROR,
        ERROR,
        ERROR,
        "one-line error after 3 attempts",
        "stops after 4 failed writes in a row; honest count",
        "stops at the failed batch; names the keys that remain",
    ),
    FaultRow(
        "hung socket",
        _on("hang"),
        ERROR,
        ERROR,
        ERROR,
        "one-line error after 3 x read timeout",
        "one read timeout per write, stops after 4 in a row; honest count",
        "one read timeout, stops; names the keys that remain",
        read_timeout=4.0,
        slow=True,
    ),
    FaultRow(
        "HTTP 500 twice",
        _on("status", 2),
        SUCCESS,
        SUCCESS,
        SUCCESS,
        "retried: success",
        "retried: success",
        "retried: success",
    ),
    FaultRow(
        "HTTP 503 always",
        _on("status", None, 503),
        ERROR,
        ERROR,
        ERROR,
        "one-line error after --retries quick retries",
        "stops after 4 failed writes in a row; honest count",
        "stops after --retries quick retries; names the keys that remain",
        slow=True,
    ),
    FaultRow(
        "body cut short once",
        _on("truncate", 1),
        SUCCESS,
        ERROR,
        ERROR,
        "retried: success",
        "that write is not resent (it was applied): counted unknown",
        "that batch is not resent (it was applied): its keys named as unknown",
    ),
    FaultRow(
        "throttling storm",
        lambda target: _on("throttle", 6 if target.name in {"import", "copy"} else 2)(target),
        SUCCESS,
        SUCCESS,
        SUCCESS,
        "backs off and succeeds",
        "backs off and succeeds",
        "backs off and succeeds",
        slow=True,
    ),
]


def expected(row: FaultRow, target: Target) -> str:
    return {READS: row.reads, WRITES: row.writes, DELETES: row.deletes}[target.kind]


def promise_table() -> str:
    """The README's table: what secretctl promises under each fault."""
    lines = [
        "| fault (injected by `devtools/proxy.py`) | `exec`, `export` | `write`, `import`, "
        "`copy` | `delete --all` |",
        "|---|---|---|---|",
    ]
    lines += [
        f"| {row.name} | {row.promise_reads} | {row.promise_writes} | {row.promise_deletes} |"
        for row in ROWS
    ]
    return "\n".join(lines) + "\n"
