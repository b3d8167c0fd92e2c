"""``rollback``: write an old version's value again, as a new version (the history is kept
and chamber's counter goes on). Versions are numbered as ``history`` numbers them."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timezone

from secretctl.errors import NotFoundError, SecretctlError
from secretctl.naming import lookup_names
from secretctl.secrets import first_found
from secretctl.store.base import Change, Store
from secretctl.values import tier_for
from secretctl.versions import numbered, race_warning


@dataclass(frozen=True)
class RollbackResult:
    name: str
    restored: int  # the version whose value was written again
    version: int  # the new version, as `history` numbers it now
    race: str | None = None  # a warning when another writer wrote the secret at the same time


def rollback(
    store: Store,
    service: str,
    key: str,
    *,
    to_version: int | None = None,
    previous: bool = False,
    preserve_case: bool = False,
) -> RollbackResult:
    """Write version ``to_version`` (or, ``previous``, the one before the current) again.
    Requests: the secret's GetParameterHistory pages (decrypted; the numbering and the current
    value come from the whole history), then one PutParameter. Refuses when that version holds
    the current value."""
    names = lookup_names(service, key, preserve_case)
    name, changes = first_found(names, lambda n: store.history(n, with_values=True))
    versions, _ = numbered(changes)
    current = versions[-1]
    if previous:
        if len(versions) < 2:
            raise NotFoundError(f"{name} has only one version: there is no previous one")
        target = versions[-2]
    else:
        found = [c for c in versions if c.version == to_version]
        if not found:
            raise NotFoundError(f"version {to_version} of {name} not found (see its history)")
        target = found[0]
    if target.value == current.value:
        which = "the previous version" if previous else f"version {target.version}"
        raise SecretctlError(
            f"{which} of {name} holds the current value (version {current.version}): nothing "
            "to roll back; see its history for another version"
        )
    assert target.value is not None
    counter = current.counter + 1
    stored = store.write(name, target.value, counter, tier_for(target.value))
    expected = current.ssm_version + 1
    written = Change("Updated", counter, datetime.now(timezone.utc), "", counter, stored)
    after, _ = numbered([*changes, written])
    race = race_warning(name, expected, stored) if stored != expected else None
    return RollbackResult(name, target.version, after[-1].version, race)
