"""The local engine: CloudTrail log files in, facts out, on every core.

Each file is decompressed (ISA-L's igzip when present) and decoded with msgspec into records
whose bulky parts (``userIdentity``, ``requestParameters``, ``responseElements``,
``resources``) stay raw JSON bytes:
only the SSM and KMS records in the window and region are decoded further and handed to
``rules.classify``, so the 80% of a trail that is other services never becomes Python objects.
Files are spread over worker processes in chunks; each worker fetches its own files (a local
path or an S3 object) with a few threads, so downloads overlap decoding.

Needs the ``audit`` extra (``pip install 'secretctl[audit]'``): msgspec and isal.
"""

from __future__ import annotations

import os
import zlib
from collections.abc import Callable, Iterable, Iterator, Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from typing import Any

from secretctl.audit.answers import Question, relevant
from secretctl.audit.aws import AccessDeniedError
from secretctl.audit.extra import require_extra
from secretctl.audit.rules import (
    PATH_RULE,
    RULE_EVENTS,
    SOURCES,
    Fact,
    Scope,
    classify,
    same_account,
)

msgspec = require_extra("msgspec")
try:  # ISA-L's gzip is 2-3x zlib's; zlib is the fallback
    from isal import isal_zlib as _zlib
except ImportError:  # pragma: no cover - the extra installs it
    _zlib = zlib  # type: ignore[assignment]

GZIP_MAGIC = b"\x1f\x8b"
CHUNK_FILES = 48  # files per task: large enough to amortise the hand-off, small for balance
FETCH_THREADS = 8  # per worker, for files that come over the network


_NULL = msgspec.Raw(b"null")


class _Record(msgspec.Struct):
    eventSource: str | None = None
    eventTime: str | None = None
    awsRegion: str | None = None
    eventName: str | None = None
    eventID: str | None = None
    recipientAccountId: str | None = None
    errorCode: str | None = None
    errorMessage: str | None = None
    userIdentity: msgspec.Raw = _NULL
    requestParameters: msgspec.Raw = _NULL
    responseElements: msgspec.Raw = _NULL
    resources: msgspec.Raw = _NULL


class _LogFile(msgspec.Struct):
    Records: list[_Record]


_DECODER = msgspec.json.Decoder(_LogFile)
_ANY = msgspec.json.Decoder()


class NotCloudTrail(Exception):
    """A file that is not a CloudTrail log (the message says why)."""


@dataclass
class ScanResult:
    facts: list[Fact] = field(default_factory=list)
    events: int = 0
    files: int = 0
    warnings: list[str] = field(default_factory=list)

    def add(self, other: ScanResult) -> None:
        self.facts.extend(other.facts)
        self.events += other.events
        self.files += other.files
        self.warnings.extend(other.warnings)


def decompress(data: bytes) -> bytes:
    if data[:2] == GZIP_MAGIC:
        try:
            return _zlib.decompress(data, 31)  # type: ignore[no-any-return]
        except Exception as err:
            raise NotCloudTrail(f"not a readable gzip file ({err})") from None
    return data


def _raw(value: Any) -> Any:
    return _ANY.decode(value) if value else None


def facts_of_log(data: bytes, scope: Scope, question: Question) -> tuple[list[Fact], int]:
    """The facts of one log file's bytes (gzip or plain JSON) relevant to ``question``, and
    how many events it held. Raises NotCloudTrail for anything else."""
    try:
        log = _DECODER.decode(decompress(data))
    except msgspec.DecodeError as err:
        raise NotCloudTrail(f"not a CloudTrail log file ({err})") from None
    facts: list[Fact] = []
    since, until, region = scope.since, scope.until, scope.region
    marks = _service_marks(question)
    for r in log.Records:
        if r.eventSource not in SOURCES or r.awsRegion != region:
            continue
        if r.eventTime is None or not since <= r.eventTime < until:
            continue
        if not same_account(r.recipientAccountId, scope):
            continue
        if not r.errorCode and (r.eventSource, r.eventName) not in RULE_EVENTS:
            continue
        if marks and r.eventName != PATH_RULE.event and not _mentions(r, marks):
            continue
        try:
            identity, request, response, resources = (
                _raw(r.userIdentity),
                _raw(r.requestParameters),
                _raw(r.responseElements),
                _raw(r.resources),
            )
        except msgspec.DecodeError as err:  # bytes that are not UTF-8 inside a record
            raise NotCloudTrail(f"not a CloudTrail log file ({err})") from None
        record = {
            "eventSource": r.eventSource,
            "eventTime": r.eventTime,
            "awsRegion": r.awsRegion,
            "eventName": r.eventName,
            "eventID": r.eventID,
            "recipientAccountId": r.recipientAccountId,
            "errorCode": r.errorCode,
            "errorMessage": r.errorMessage,
            "userIdentity": identity,
            "requestParameters": request,
            "responseElements": response,
            "resources": resources,
        }
        facts.extend(f for f in classify(record, scope) if relevant(f, question))
    return facts, len(log.Records)


def _service_marks(question: Question) -> tuple[bytes, ...]:
    """Byte strings one of which any relevant name contains (``/svc/``); empty: no filter."""
    if not question.services:
        return ()
    return tuple(f"/{s}/".encode() for s in question.services)


def _mentions(record: _Record, marks: tuple[bytes, ...]) -> bool:
    """Whether the request or the error message can name a parameter of the services asked
    (a name is ``/svc/key`` or an ARN ending in it; an escaped ``\\/`` is decoded to be sure)."""
    raw = bytes(record.requestParameters) + (record.errorMessage or "").encode()
    return b"\\/" in raw or any(mark in raw for mark in marks)


Fetch = Callable[[Any], bytes]


def scan_chunk(
    refs: Sequence[Any], fetch: Fetch, scope: Scope, question: Question, threads: int
) -> ScanResult:
    """Fetch and decode ``refs`` (a worker's task); bad files become warnings."""
    result = ScanResult()

    def load(ref: Any) -> tuple[Any, bytes | Exception]:
        try:
            return ref, fetch(ref)
        except AccessDeniedError:
            raise
        except Exception as err:  # reported, not fatal: the rest of the trail still counts
            return ref, err

    pool = ThreadPoolExecutor(threads) if threads > 1 else None
    loaded: Iterable[tuple[Any, bytes | Exception]] = (
        pool.map(load, refs) if pool else map(load, refs)
    )
    try:
        for ref, data in loaded:
            if isinstance(data, Exception):
                result.warnings.append(f"skipped {ref}: cannot read it ({_short(data)})")
                continue
            try:
                facts, events = facts_of_log(data, scope, question)
            except NotCloudTrail as err:
                result.warnings.append(f"skipped {ref}: {err}")
                continue
            result.facts.extend(facts)
            result.events += events
            result.files += 1
    finally:
        if pool:
            pool.shutdown()
    return result


def _short(err: Exception) -> str:
    text = str(err).splitlines()[0] if str(err) else type(err).__name__
    return text[:200]


# The worker's fetch function, set once per process (a boto3 client cannot be pickled).
_worker_fetch: Fetch | None = None


def _init_worker(make_fetch: Callable[[], Fetch]) -> None:
    global _worker_fetch
    _worker_fetch = make_fetch()


def _worker_task(refs: Sequence[Any], scope: Scope, question: Question, threads: int) -> ScanResult:
    assert _worker_fetch is not None
    return scan_chunk(refs, _worker_fetch, scope, question, threads)


def chunks(items: Sequence[Any], size: int) -> Iterator[Sequence[Any]]:
    for start in range(0, len(items), size):
        yield items[start : start + size]


def scan(
    refs: Sequence[Any],
    make_fetch: Callable[[], Fetch],
    scope: Scope,
    question: Question,
    *,
    workers: int | None = None,
    threads: int = 1,
    on_progress: Callable[[int, int, int], None] | None = None,
) -> ScanResult:
    """Every fact of ``refs`` relevant to ``question``. ``make_fetch`` builds, in each worker
    process, the function that reads one ref's bytes. ``on_progress(files done, files,
    events)``. Small inputs are scanned in this process."""
    total = ScanResult()
    count = len(refs)
    workers = workers or os.cpu_count() or 1
    if workers == 1 or count <= CHUNK_FILES:
        fetch = make_fetch()
        for part in chunks(refs, 16):
            total.add(scan_chunk(part, fetch, scope, question, threads))
            if on_progress:
                on_progress(total.files + len(total.warnings), count, total.events)
        return total
    import multiprocessing
    from concurrent.futures import ProcessPoolExecutor, as_completed

    method = "fork" if "fork" in multiprocessing.get_all_start_methods() else "spawn"
    size = max(1, min(CHUNK_FILES, count // (workers * 4) or 1))
    with ProcessPoolExecutor(
        workers,
        mp_context=multiprocessing.get_context(method),
        initializer=_init_worker,
        initargs=(make_fetch,),
    ) as pool:
        futures = [
            pool.submit(_worker_task, part, scope, question, threads) for part in chunks(refs, size)
        ]
        for future in as_completed(futures):
            total.add(future.result())
            if on_progress:
                on_progress(total.files + len(total.warnings), count, total.events)
    return total


def read_local(path: Any) -> bytes:
    with open(path, "rb") as handle:
        return handle.read()


def local_fetch() -> Fetch:
    return read_local
