"""Load whole services for exec, env and export: one chain of GetParametersByPath pages per
service, services fetched concurrently, merged in the order the user gave."""

from __future__ import annotations

from typing import TYPE_CHECKING

from secretctl.environ import merge_services, secrets_to_env
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
    from concurrent.futures import FIRST_EXCEPTION, ThreadPoolExecutor, wait

    with ThreadPoolExecutor(max_workers=min(len(names), 16)) as pool:
        futures = [pool.submit(store.read_service, name) for name in names]
        wait(futures, return_when=FIRST_EXCEPTION)
        for future in futures:  # one failure ends the command: start no other service
            future.cancel()
        for future in futures:
            if future.done() and not future.cancelled() and future.exception() is not None:
                raise future.exception()  # type: ignore[misc]
        results = [future.result() for future in futures]
    return list(zip(names, results, strict=True))


def empty_service_warnings(loaded: list[tuple[str, dict[str, str]]]) -> list[str]:
    return [f"warning: service {name!r} has no secrets" for name, values in loaded if not values]


def load_environment(
    store: SecretReader, services: list[str], *, preserve_case: bool = False
) -> tuple[dict[str, str], list[str]]:
    """What exec and env inject: environment name -> value over all services, later services
    winning, and the warnings to print (empty services, overridden variables)."""
    loaded = load_services(store, services, preserve_case=preserve_case)
    env, overrides = merge_services([(name, secrets_to_env(values)) for name, values in loaded])
    return env, empty_service_warnings(loaded) + overrides


def load_keys(
    store: SecretReader, services: list[str], *, preserve_case: bool = False
) -> tuple[dict[str, str], list[str]]:
    """What export writes: keys as stored over all services, later services winning, and the
    warnings to print."""
    loaded = load_services(store, services, preserve_case=preserve_case)
    keys, overrides = merge_services(loaded, label=lambda key: f"key {key!r}")
    return keys, empty_service_warnings(loaded) + overrides
