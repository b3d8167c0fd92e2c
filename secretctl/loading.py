"""Load whole services for exec, env and export: one chain of GetParametersByPath pages per
service, services fetched concurrently, results kept in the order the user gave."""

from __future__ import annotations

from typing import TYPE_CHECKING

from secretctl.naming import normalize_service

if TYPE_CHECKING:
    from secretctl.store.base import SecretReader


def load_services(
    store: SecretReader, services: list[str], *, preserve_case: bool = False
) -> list[tuple[str, dict[str, str]]]:
    """(service, key -> value) for each service, in the given order."""
    names = [normalize_service(s, preserve_case) for s in services]  # all checked before AWS
    if len(names) == 1:
        return [(names[0], store.read_service(names[0]))]
    from concurrent.futures import ThreadPoolExecutor  # only when there is more than one

    with ThreadPoolExecutor(max_workers=min(len(names), 16)) as pool:
        results = list(pool.map(store.read_service, names))
    return list(zip(names, results, strict=True))


def empty_service_warnings(loaded: list[tuple[str, dict[str, str]]]) -> list[str]:
    return [f"warning: service {name!r} has no secrets" for name, values in loaded if not values]


def merge_keys(loaded: list[tuple[str, dict[str, str]]]) -> tuple[dict[str, str], list[str]]:
    """Keys as stored, later services overriding earlier ones, with a warning naming the key."""
    merged: dict[str, str] = {}
    origin: dict[str, str] = {}
    warnings = []
    for service, values in loaded:
        for key, value in values.items():
            if key in merged:
                warnings.append(
                    f"warning: key {key!r} from service {service!r} overrides service "
                    f"{origin[key]!r}"
                )
            merged[key] = value
            origin[key] = service
    return merged, warnings
