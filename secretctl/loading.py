"""Load whole services for exec, env and export: one chain of GetParametersByPath pages per
service, services fetched concurrently, merged in the order the user gave.

A service is looked up as ``naming.service_lookup_names`` says: first under the name a write
with the same flags stores, then as typed, so ``exec MixedSvc`` finds what
``write --preserve-case MixedSvc ...`` stored. The second name costs requests only when the
first holds nothing."""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING, TypeVar

from secretctl.environ import merge_services, secrets_to_env
from secretctl.errors import UsageError
from secretctl.naming import service_lookup_names

if TYPE_CHECKING:
    from secretctl.store.base import SecretReader

Found = TypeVar("Found")


def first_service(candidates: list[str], fetch: Callable[[str], Found]) -> tuple[str, Found]:
    """The first candidate name for which ``fetch`` finds something, and what it found; the
    first name and its (empty) answer when none does."""
    first = fetch(candidates[0])
    if first:
        return candidates[0], first
    for name in candidates[1:]:
        found = fetch(name)
        if found:
            return name, found
    return candidates[0], first


class LoadedService:
    """One service as the user named it, where it was found, and its key -> value."""

    __slots__ = ("requested", "candidates", "name", "values")

    def __init__(self, requested: str, candidates: list[str], name: str, values: dict[str, str]):
        self.requested = requested
        self.candidates = candidates
        self.name = name
        self.values = values

    def looked_under(self) -> str:
        return " and ".join(f"/{c}/" for c in self.candidates)


def load_services(
    store: SecretReader,
    services: list[str],
    *,
    preserve_case: bool = False,
    on_read: Callable[[int], None] | None = None,
) -> list[LoadedService]:
    """Each service with its key -> value, in the given order. One failure ends the command:
    no service not yet started is loaded. ``on_read(n)``: ``n`` more secrets read."""
    lookups = [service_lookup_names(s, preserve_case) for s in services]  # checked before AWS

    def read(service: str) -> dict[str, str]:
        if on_read is None:  # the call every SecretReader takes
            return store.read_service(service)
        return store.read_service(service, on_read)

    def load(at: int) -> LoadedService:
        name, values = first_service(lookups[at], read)
        return LoadedService(services[at], lookups[at], name, values)

    if len(services) == 1:
        return [load(0)]
    from concurrent.futures import FIRST_EXCEPTION, ThreadPoolExecutor, wait

    with ThreadPoolExecutor(max_workers=min(len(services), 16)) as pool:
        futures = [pool.submit(load, at) for at in range(len(services))]
        wait(futures, return_when=FIRST_EXCEPTION)
        for future in futures:  # one failure ends the command: start no other service
            future.cancel()
        for future in futures:
            if future.done() and not future.cancelled() and future.exception() is not None:
                raise future.exception()  # type: ignore[misc]
        return [future.result() for future in futures]


def empty_service_messages(loaded: list[LoadedService], *, strict: bool = False) -> list[str]:
    """Warnings for services with no secrets; under ``strict``, a UsageError instead."""
    empty = [s for s in loaded if not s.values]
    if strict and empty:
        first = empty[0]
        raise UsageError(
            f"strict mode: service {first.requested!r} has no secrets (looked under "
            f"{first.looked_under()}); check the service name"
        )
    return [
        f"warning: service {s.requested!r} has no secrets"
        + (f" (looked under {s.looked_under()})" if len(s.candidates) > 1 else "")
        for s in empty
    ]


def load_environment(
    store: SecretReader,
    services: list[str],
    *,
    preserve_case: bool = False,
    strict: bool = False,
    keep_var_case: bool = False,
) -> tuple[dict[str, str], list[str]]:
    """What exec and env inject: environment name -> value over all services, later services
    winning, and the warnings to print (empty services, overridden variables). ``strict``
    makes a service with no secrets an error; ``keep_var_case`` is chamber's ``env -p``."""
    loaded = load_services(store, services, preserve_case=preserve_case)
    warnings = empty_service_messages(loaded, strict=strict)
    env, overrides = merge_services(
        [(s.name, secrets_to_env(s.values, keep_var_case)) for s in loaded]
    )
    return env, warnings + overrides


def load_keys(
    store: SecretReader,
    services: list[str],
    *,
    preserve_case: bool = False,
    on_read: Callable[[int], None] | None = None,
) -> tuple[dict[str, str], list[str]]:
    """What export writes: keys as stored over all services, later services winning, and the
    warnings to print. ``on_read(n)``: ``n`` more secrets read (for progress)."""
    loaded = load_services(store, services, preserve_case=preserve_case, on_read=on_read)
    keys, overrides = merge_services(
        [(s.name, s.values) for s in loaded], label=lambda key: f"key {key!r}"
    )
    return keys, empty_service_messages(loaded) + overrides
