"""``diff`` and ``copy`` between two services, each side in its own store (``sides.py``): read
both at once, compare (``diffing.py``, pure), then write on DST only what is new or changed."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass, field

from secretctl.deleting import delete_keys
from secretctl.diffing import CopyPlan, ServiceDiff, diff_services, plan_copy
from secretctl.environ import check_env_name_clashes
from secretctl.errors import NotFoundError, SecretctlError, UsageError
from secretctl.loading import first_service
from secretctl.naming import (
    normalize_key,
    parameter_name,
    service_lookup_names,
    writable_service,
)
from secretctl.sides import concurrently
from secretctl.store.base import Store
from secretctl.tags import check_new_secrets
from secretctl.writing import write_all


@dataclass(frozen=True)
class Pair:
    """Both services as found, with their key -> value."""

    source: str
    source_values: dict[str, str]
    destination: str
    destination_values: dict[str, str]


def read_pair(
    src_store: Store,
    dst_store: Store,
    source: str,
    destination: str,
    *,
    preserve_case: bool = False,
    destination_as_written: bool = False,
    on_read: Callable[[int], None] | None = None,
) -> Pair:
    """Both services at once (each side's GetParametersByPath pages). A service is looked up as
    ``naming.service_lookup_names`` says; with ``destination_as_written`` (copy), DST is read
    where copy writes it. ``on_read(n)``: ``n`` more secrets read (progress)."""
    src_names = service_lookup_names(source, preserve_case)
    dst_names = service_lookup_names(destination, preserve_case)
    if destination_as_written:
        dst_names = dst_names[:1]

    def reader(store: Store) -> Callable[[str], dict[str, str]]:
        if on_read is None:
            return store.read_service
        return lambda service: store.read_service(service, on_read)

    (src, src_values), (dst, dst_values) = concurrently(
        lambda: first_service(src_names, reader(src_store)),
        lambda: first_service(dst_names, reader(dst_store)),
    )
    return Pair(src, src_values, dst, dst_values)


def diff(pair: Pair) -> ServiceDiff:
    return diff_services(pair.source_values, pair.destination_values)


def check_copy_arguments(
    destination: str, keys: list[str], *, preserve_case: bool, prune: bool
) -> None:
    """copy's DST (not a name SSM reserves) and KEY arguments, checked before any request."""
    writable_service(destination, preserve_case)
    for key in keys:
        normalize_key(key, preserve_case)
    if keys and prune:
        raise UsageError(
            "--prune deletes DST's keys that SRC does not have, so it copies every key: leave "
            "out the KEY arguments or --prune"
        )


def _selected(pair: Pair, keys: list[str], preserve_case: bool) -> dict[str, str]:
    """SRC's entries that copy copies: every one, or those named (each looked up first as a
    write would store it, then as typed)."""
    values = pair.source_values
    if not values:
        raise NotFoundError(
            f"SRC {pair.source} has no secrets (looked under /{pair.source}/): nothing to copy; "
            "check the service name"
        )
    if not keys:
        return dict(values)
    selected = {}
    for key in keys:
        found = next((k for k in (normalize_key(key, preserve_case), key) if k in values), None)
        if found is None:
            raise NotFoundError(
                f"key {key!r} is not in SRC {pair.source}: nothing copied (list the service to "
                "see its keys)"
            )
        selected[found] = values[found]
    return selected


def plan(
    pair: Pair,
    keys: Sequence[str] = (),
    *,
    no_overwrite: bool = False,
    prune: bool = False,
    preserve_case: bool = False,
) -> CopyPlan:
    """What copy will do; refuses an empty SRC, a named key SRC lacks, and new keys that exec
    could not inject together with DST's (as import does)."""
    source = _selected(pair, list(keys), preserve_case)
    copy_plan = plan_copy(source, pair.destination_values, no_overwrite=no_overwrite, prune=prune)
    remaining = set(pair.destination_values) - set(copy_plan.delete)
    check_env_name_clashes(copy_plan.add, stored=remaining)
    return copy_plan


class CopyIncomplete(SecretctlError):
    """Some writes of a copy failed or were not attempted; the message counts each kind."""


@dataclass(frozen=True)
class CopyResult:
    plan: CopyPlan
    deleted: int = 0
    races: list[str] = field(default_factory=list)

    def summary(self) -> str:
        p = self.plan
        kept = f", {len(p.kept)} kept (--no-overwrite)" if p.kept else ""
        return (
            f"{len(p.add)} added, {len(p.change)} changed, {len(p.unchanged)} unchanged, "
            f"{self.deleted} deleted{kept}"
        )


def check_required_tags(
    dst_store: Store, pair: Pair, copy_plan: CopyPlan, tags: dict[str, str]
) -> None:
    """DST's required tags (chamber's store config, one read, only when a key is new) for
    every new key, before anything is written."""
    new = [parameter_name(pair.destination, key) for key in copy_plan.add]
    check_new_secrets(dst_store, new, tags)


def apply(
    dst_store: Store,
    pair: Pair,
    copy_plan: CopyPlan,
    tags: dict[str, str] | None = None,
    done: Callable[[], None] | None = None,
) -> CopyResult:
    """Carry out the plan on DST (``check_required_tags`` first). Requests: one
    DescribeParameters per 50 changed keys (chamber's counter), one PutParameter per new or
    changed key (4 at a time, as import; new keys with ``tags``, existing keys keep theirs),
    then with --prune DeleteParameters per 10 keys to delete (only once every write is done).
    Counts are honest, as import's; running the same copy again finishes the job. ``done()``
    after each write (progress)."""
    service = pair.destination
    names = {key: parameter_name(service, key) for key in copy_plan.writes}
    to_write = {names[key]: pair.source_values[key] for key in copy_plan.writes}
    changed = [names[key] for key in copy_plan.change]
    versions = dst_store.current_versions(changed) if changed else {}
    new_tags = {names[key]: tags for key in copy_plan.add} if tags else {}
    tally = write_all(dst_store, to_write, versions, None, new_tags, done)
    if not tally.complete:
        written = set(tally.written)
        added = sum(names[key] in written for key in copy_plan.add)
        counts = tally.counts(
            f"{len(written)} written ({added} added, {len(written) - added} changed)",
            len(copy_plan.unchanged),
        )
        deletes = f"; {len(copy_plan.delete)} deletes not attempted" if copy_plan.delete else ""
        raise CopyIncomplete(
            f"copy incomplete: {counts}{deletes}; run the same copy again to finish it (it "
            "writes only what is missing or different)"
        )
    deleted = 0
    if copy_plan.delete:
        deleted = delete_keys(dst_store, service, copy_plan.delete, command="copy --prune")
    return CopyResult(copy_plan, deleted, tally.races)
