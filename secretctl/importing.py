"""Import many secrets into one service: validate everything first, list once, then write
only new or changed keys, concurrently with a small bound."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field

from secretctl.environ import check_env_name_clashes
from secretctl.errors import SecretctlError, UsageError
from secretctl.naming import normalize_key, parameter_name, writable_service
from secretctl.progress import Progress
from secretctl.store.base import Store
from secretctl.tags import check_new_secrets
from secretctl.values import check_value
from secretctl.writing import STOP_AFTER_FAILURES, write_all

__all__ = ["STOP_AFTER_FAILURES", "ImportIncomplete", "ImportResult", "import_secrets", "prepare"]


@dataclass(frozen=True)
class ImportResult:
    written: int
    unchanged: int
    races: list[str] = field(default_factory=list)  # warnings: writers that raced this import


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
    tags: dict[str, str] | None = None,
    progress: Callable[[int], Progress] | None = None,
) -> ImportResult:
    """Write the entries that are new or changed. Requests: the service's GetParametersByPath
    pages, one DescribeParameters per 50 changed keys, one PutParameter per new or changed key,
    and, when a key is new, one read of chamber's store config (``tags.py``).

    New keys get ``tags``. Every new key is checked against the store config's required tags
    before anything is written, so a missing tag writes nothing. ``progress(total)`` makes the
    progress display for the writes (``progress.for_keys``).

    Once the endpoint fails STOP_AFTER_FAILURES writes in a row (no answer, or only server
    errors), no new write starts. Counts are honest: written <= stored <= written + unknown,
    where a write is unknown when it was sent and no answer came. Running the same import
    again finishes it."""
    service, prepared = prepare(
        service, entries, tier=tier, preserve_case=preserve_case, normalize_keys=normalize_keys
    )
    current = store.read_service(service)
    check_env_name_clashes(prepared, stored=current)
    to_write = {parameter_name(service, k): v for k, v in prepared.items() if current.get(k) != v}
    prefix = len(service) + 2
    new = sorted(name for name in to_write if name[prefix:] not in current)
    check_new_secrets(store, new, tags or {})
    existing = [name for name in to_write if name[prefix:] in current]
    versions = store.current_versions(existing) if existing else {}
    new_tags = dict.fromkeys(new, tags) if tags else {}
    with (progress or _no_progress)(len(to_write)) as shown:
        tally = write_all(store, to_write, versions, tier, new_tags, shown.add)
    unchanged = len(prepared) - len(to_write)
    if not tally.complete:
        raise ImportIncomplete(
            f"import incomplete: {tally.counts(f'{len(tally.written)} written', unchanged)}; "
            "run the same import again to finish it (it writes only what is missing or "
            "different)"
        )
    return ImportResult(written=len(tally.written), unchanged=unchanged, races=tally.races)


def _no_progress(total: int) -> Progress:
    return Progress(enabled=False)
