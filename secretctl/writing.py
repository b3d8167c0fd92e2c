"""Write many secrets of one store (``import``, ``copy``): a few at a time, stop once the
endpoint is down, and count honestly what became of each write."""

from __future__ import annotations

import threading
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field

from secretctl.errors import EndpointFailure, SecretctlError
from secretctl.store.base import Current, Store
from secretctl.values import tier_for
from secretctl.versions import race_warning

MAX_CONCURRENT_WRITES = 4  # PutParameter's default rate limit is low; retries absorb the rest
STOP_AFTER_FAILURES = 4  # writes in a row the endpoint failed (no answer, or 5xx): it is down


@dataclass
class Tally:
    """What became of each write, kept under a lock by the writing threads."""

    planned: int = 0
    written: list[str] = field(default_factory=list)  # names stored, as answered
    unknown: int = 0  # sent, and no answer came: may or may not be stored
    failed: int = 0  # certainly not stored (AWS refused it, or it was never sent)
    endpoint_failures_in_a_row: int = 0
    first_error: str = ""
    races: list[str] = field(default_factory=list)  # warnings: writers that raced these writes

    @property
    def stopped(self) -> bool:
        return self.endpoint_failures_in_a_row >= STOP_AFTER_FAILURES

    @property
    def not_attempted(self) -> int:
        return self.planned - len(self.written) - self.unknown - self.failed

    @property
    def complete(self) -> bool:
        return len(self.written) == self.planned

    def counts(self, written: str, unchanged: int) -> str:
        """``W written, U unchanged, K unknown (...), F failed[, N not attempted (...)]``;
        ``written`` is how the written ones are counted (``"3 written"``)."""
        stopped = (
            f", {self.not_attempted} not attempted (stopped: the endpoint failed "
            f"{STOP_AFTER_FAILURES} writes in a row)"
            if self.not_attempted
            else ""
        )
        return (
            f"{written}, {unchanged} unchanged, {self.unknown} unknown (sent, no answer: may "
            f"be stored), {self.failed} failed{stopped}; first error: {self.first_error}"
        )


def write_all(
    store: Store,
    to_write: dict[str, str],
    versions: dict[str, Current],
    tier: str | None,
    tags: dict[str, dict[str, str]] | None = None,
    done: Callable[[], None] | None = None,
) -> Tally:
    """Write every name -> value, MAX_CONCURRENT_WRITES at a time (in name order), each as the
    version after ``versions`` (chamber's counter goes on; a value over the standard tier's
    limit in the advanced tier), until done or until the endpoint
    failed STOP_AFTER_FAILURES writes in a row (no answer, or only server errors). A write
    that was sent and got no answer is counted unknown, never sent again, so that
    written <= stored <= written + unknown. The names in ``tags`` (new secrets) are created
    with their tags; ``done()`` is called after each write, whatever became of it (progress)."""
    tally = Tally(planned=len(to_write))
    lock = threading.Lock()
    names = iter(sorted(to_write))

    def writer() -> None:
        while True:
            with lock:
                name = None if tally.stopped else next(names, None)
            if name is None:
                return
            current = versions.get(name, Current(0, 0))
            try:
                value = to_write[name]
                new_tags = (tags or {}).get(name)
                stored = store.write(
                    name, value, current.counter + 1, tier_for(value, tier), new_tags
                )
            except SecretctlError as err:
                if done is not None:
                    done()
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
            if done is not None:
                done()
            with lock:
                tally.written.append(name)
                tally.endpoint_failures_in_a_row = 0
                if stored != current.ssm_version + 1:
                    tally.races.append(race_warning(name, current.ssm_version + 1, stored))

    workers = min(MAX_CONCURRENT_WRITES, len(to_write))
    if workers:
        with ThreadPoolExecutor(max_workers=workers) as pool:
            for future in [pool.submit(writer) for _ in range(workers)]:
                future.result()  # an unexpected error (a bug) surfaces here
    return tally
