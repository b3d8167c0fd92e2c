"""Import many secrets into one service: validate everything first, list once, then write
only new or changed keys, concurrently with a small bound."""

from __future__ import annotations

import threading
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field

from secretctl.environ import check_env_name_clashes
from secretctl.errors import EndpointFailure, SecretctlError, UsageError
from secretctl.naming import normalize_key, parameter_name, writable_service
from secretctl.store.base import Current, Store
from secretctl.values import check_value
from secretctl.versions import race_warning

MAX_CONCURRENT_WRITES = 4  # PutParameter's default rate limit is low; retries absorb the rest
STOP_AFTER_FAILURES = 4  # writes in a row the endpoint failed (no answer, or 5xx): it is down


@dataclass(frozen=True)
class ImportResult:
    written: int
    unchanged: int
    races: list[str] = field(default_factory=list)  # warnings: writers that raced this import


@dataclass
class _Tally:
    """What became of each write, kept under a lock by the writing threads."""

    written: int = 0
    unknown: int = 0  # sent, and no answer came: may or may not be stored
    failed: int = 0  # certainly not stored (AWS refused it, or it was never sent)
    endpoint_failures_in_a_row: int = 0
    first_error: str = ""
    races: list[str] = field(default_factory=list)

    @property
    def stopped(self) -> bool:
        return self.endpoint_failures_in_a_row >= STOP_AFTER_FAILURES


class ImportIncomplete(SecretctlError):
    """Some writes of an import failed or were not attempted; the message counts each kind."""


def prepare(
    service: str,
    entries: dict[str, str],
    *,
    tier: str | None,
    preserve_case: bool,
    normalize_keys: bool = False,
) -> tuple[str, dict[str, str]]:
    """Check the service, every key and every value; return the service and key -> value as
    stored. Two entries that normalise to one key, or to one environment name, are an error
    naming both."""
    service = writable_service(service, preserve_case)
    prepared: dict[str, str] = {}
    source: dict[str, str] = {}
    for raw_key, value in entries.items():
        key = normalize_key(raw_key, preserve_case and not normalize_keys)
        parameter_name(service, key)
        check_value(value, tier, raw_key)
        if key in prepared:
            raise UsageError(
                f"keys {source[key]!r} and {raw_key!r} both become {key!r}; rename one "
                "(or use --preserve-case)"
            )
        prepared[key] = value
        source[key] = raw_key
    check_env_name_clashes(entries)
    return service, prepared


def import_secrets(
    store: Store,
    service: str,
    entries: dict[str, str],
    *,
    tier: str | None = None,
    preserve_case: bool = False,
    normalize_keys: bool = False,
) -> ImportResult:
    """Write the entries that are new or changed. Requests: the service's GetParametersByPath
    pages, one DescribeParameters per 50 changed keys, one PutParameter per new or changed key.

    Once the endpoint fails STOP_AFTER_FAILURES writes in a row (no answer, or only server
    errors), no new write starts. Counts are honest: written <= stored <= written + unknown,
    where a write is unknown when it was sent and no answer came. Running the same import
    again finishes it."""
    service, prepared = prepare(
        service, entries, tier=tier, preserve_case=preserve_case, normalize_keys=normalize_keys
    )
    current = store.read_service(service)
    check_env_name_clashes(prepared, stored=current)
    to_write = {k: v for k, v in prepared.items() if current.get(k) != v}
    names = {k: parameter_name(service, k) for k in to_write}
    existing = [names[k] for k in to_write if k in current]
    versions = store.current_versions(existing) if existing else {}
    tally = _write_all(store, to_write, names, versions, tier)
    unchanged = len(prepared) - len(to_write)
    not_attempted = len(to_write) - tally.written - tally.unknown - tally.failed
    if tally.unknown or tally.failed or not_attempted:
        stopped = (
            f", {not_attempted} not attempted (stopped: the endpoint failed "
            f"{STOP_AFTER_FAILURES} writes in a row)"
            if not_attempted
            else ""
        )
        raise ImportIncomplete(
            f"import incomplete: {tally.written} written, {unchanged} unchanged, "
            f"{tally.unknown} unknown (sent, no answer: may be stored), {tally.failed} failed"
            f"{stopped}; first error: {tally.first_error}; run the same import again to "
            "finish it (it writes only what is missing or different)"
        )
    return ImportResult(written=tally.written, unchanged=unchanged, races=tally.races)


def _write_all(
    store: Store,
    to_write: dict[str, str],
    names: dict[str, str],
    versions: dict[str, Current],
    tier: str | None,
) -> _Tally:
    """Write every key, MAX_CONCURRENT_WRITES at a time, until done or the endpoint is down."""
    tally = _Tally()
    lock = threading.Lock()
    keys = iter(sorted(to_write))

    def writer() -> None:
        while True:
            with lock:
                key = None if tally.stopped else next(keys, None)
            if key is None:
                return
            name = names[key]
            current = versions.get(name, Current(0, 0))
            try:
                stored = store.write(name, to_write[key], current.counter + 1, tier)
            except SecretctlError as err:
                with lock:
                    tally.first_error = tally.first_error or str(err)
                    if isinstance(err, EndpointFailure):
                        tally.endpoint_failures_in_a_row += 1
                        if err.maybe_applied:
                            tally.unknown += 1
                            continue
                    else:
                        tally.endpoint_failures_in_a_row = 0  # an answer: the endpoint is up
                    tally.failed += 1
                continue
            with lock:
                tally.written += 1
                tally.endpoint_failures_in_a_row = 0
                if stored != current.ssm_version + 1:
                    tally.races.append(race_warning(name, current.ssm_version + 1, stored))

    workers = min(MAX_CONCURRENT_WRITES, len(to_write))
    if workers:
        with ThreadPoolExecutor(max_workers=workers) as pool:
            for future in [pool.submit(writer) for _ in range(workers)]:
                future.result()  # an unexpected error (a bug) surfaces here
    return tally
