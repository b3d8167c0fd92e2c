"""Import many secrets into one service: validate everything first, list once, then write
only new or changed keys, concurrently with a small bound."""

from __future__ import annotations

from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass

from secretctl.environ import check_env_name_clashes
from secretctl.errors import SecretctlError, UsageError
from secretctl.naming import normalize_key, normalize_service, parameter_name
from secretctl.store.base import Store
from secretctl.values import check_value

MAX_CONCURRENT_WRITES = 4  # PutParameter's default rate limit is low; retries absorb the rest


@dataclass(frozen=True)
class ImportResult:
    written: int
    unchanged: int


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
    service = normalize_service(service, preserve_case)
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
    pages, one DescribeParameters per 50 changed keys, one PutParameter per new or changed key."""
    service, prepared = prepare(
        service, entries, tier=tier, preserve_case=preserve_case, normalize_keys=normalize_keys
    )
    current = store.read_service(service)
    check_env_name_clashes(prepared, stored=current)
    to_write = {k: v for k, v in prepared.items() if current.get(k) != v}
    names = {k: parameter_name(service, k) for k in to_write}
    existing = [names[k] for k in to_write if k in current]
    versions = store.current_versions(existing) if existing else {}

    def put(key: str) -> None:
        name = names[key]
        store.write(name, to_write[key], versions.get(name, 0) + 1, tier)

    failures: list[str] = []
    with ThreadPoolExecutor(max_workers=MAX_CONCURRENT_WRITES) as pool:
        futures = {key: pool.submit(put, key) for key in sorted(to_write)}
        for key, future in futures.items():
            error = future.exception()
            if error is not None:
                if not isinstance(error, SecretctlError):
                    raise error
                failures.append(f"{key}: {error}")
    if failures:
        written = len(to_write) - len(failures)
        raise SecretctlError(
            f"{len(failures)} of {len(to_write)} writes failed ({written} written); first: "
            f"{failures[0]}"
        )
    return ImportResult(written=len(to_write), unchanged=len(prepared) - len(to_write))
