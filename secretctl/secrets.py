"""Operations on single secrets and listings: what write, read, delete, list, history,
list-services and find do, as plain functions over a Store."""

from __future__ import annotations

from dataclasses import dataclass

from secretctl.errors import NotFoundError, SecretctlError
from secretctl.loading import first_service
from secretctl.naming import (
    is_secret_name,
    lookup_names,
    normalize_key,
    parameter_name,
    service_lookup_names,
    split_name,
    writable_service,
)
from secretctl.store.base import Change, SecretMeta, SecretReader, Store
from secretctl.tags import check_new_secrets
from secretctl.values import check_value
from secretctl.versions import numbered, race_warning


@dataclass(frozen=True)
class WriteResult:
    name: str
    version: int | None  # chamber's counter after the write; None when left unchanged
    written: bool
    race: str | None = None  # a warning when another writer wrote the secret at the same time


def write_secret(
    store: Store,
    service: str,
    key: str,
    value: str,
    *,
    tier: str | None = None,
    skip_unchanged: bool = False,
    preserve_case: bool = False,
    tags: dict[str, str] | None = None,
) -> WriteResult:
    """Write one secret. Two requests (DescribeParameters, PutParameter), and for a new
    secret a read of chamber's store config between them (its required tags, ``tags.py``);
    with ``skip_unchanged`` one GetParameter first, and nothing more when the value is the
    same. ``tags`` go on a new secret only: an existing one is an error (as in chamber)."""
    name = parameter_name(
        writable_service(service, preserve_case), normalize_key(key, preserve_case)
    )
    check_value(value, tier, key)
    if skip_unchanged and store.read_value(name) == value:
        return WriteResult(name, None, False)
    current = store.current_versions([name]).get(name)
    if current is None:
        check_new_secrets(store, [name], tags or {})
    elif tags:
        raise SecretctlError(
            f"{name} exists, and --tags go only on new secrets (as in chamber): nothing was "
            "written; change its tags with `secretctl tag write`"
        )
    version = (current.counter if current else 0) + 1
    expected = (current.ssm_version if current else 0) + 1
    stored = store.write(name, value, version, tier, tags or None)
    race = race_warning(name, expected, stored) if stored != expected else None
    return WriteResult(name, version, True, race)


def first_found(names: list[str], fetch):  # type: ignore[no-untyped-def]
    """The first candidate name (``naming.lookup_names``) that ``fetch`` finds, and what it
    found; NotFoundError naming the names tried."""
    for name in names:
        found = fetch(name)
        if found is not None and found != []:
            return name, found
    raise NotFoundError(
        f"secret not found: {' or '.join(names)} (list the service to see its keys)"
    )


def read_value(store: SecretReader, service: str, key: str, *, preserve_case: bool = False) -> str:
    """The current value: one GetParameter (``read -q``)."""
    return first_found(lookup_names(service, key, preserve_case), store.read_value)[1]


def read_secret(
    store: Store,
    service: str,
    key: str,
    *,
    version: int | None = None,
    preserve_case: bool = False,
) -> SecretMeta:
    """Value and metadata of the current version (two requests) or of version N, numbered as
    ``history`` numbers it (``versions.py``): pages of GetParameterHistory, decrypted."""
    names = lookup_names(service, key, preserve_case)
    if version is None:
        return first_found(names, store.read)[1]
    # the secret `history` shows for the same arguments; never another name's version N
    name, changes = first_found(names, lambda n: store.history(n, with_values=True))
    for change in numbered(changes)[0]:
        if change.version == version:
            return SecretMeta(name, version, change.last_modified, change.user, change.value)
    raise NotFoundError(f"version {version} of {name} not found (see its history)")


def delete_secret(
    store: Store, service: str, key: str, *, preserve_case: bool = False, exact_key: bool = False
) -> str:
    """Delete every version of a secret; a missing secret is an error. Returns its name.
    ``exact_key`` (chamber's ``--exact-key``) never lowercases the key."""
    names = lookup_names(service, key, preserve_case, exact_key=exact_key)
    return first_found(names, lambda name: name if store.delete(name) else None)[0]


def history(
    store: Store, service: str, key: str, *, preserve_case: bool = False
) -> tuple[str, list[Change], str]:
    """Every version of a secret, oldest first, each under the number ``read --version``
    takes; with the secret's name and the numbering used (``versions.CHAMBER`` or ``SSM``)."""
    name, changes = first_found(lookup_names(service, key, preserve_case), store.history)
    return (name, *numbered(changes))


SORT_KEYS = {
    "name": lambda s: s.name,
    "time": lambda s: s.last_modified,
    "user": lambda s: (s.user, s.name),
    "version": lambda s: (s.version, s.name),
}


def list_secrets(
    store: Store,
    service: str,
    *,
    with_values: bool = False,
    sort: str = "name",
    preserve_case: bool = False,
) -> list[SecretMeta]:
    """A service's secrets (metadata; values too when asked), sorted. The service is looked
    up as ``naming.service_lookup_names`` says."""
    service, secrets = first_service(service_lookup_names(service, preserve_case), store.list)
    if with_values:
        values = store.read_service(service)
        prefix = f"/{service}/"
        secrets = [
            SecretMeta(
                s.name, s.version, s.last_modified, s.user, values.get(s.name[len(prefix) :])
            )
            for s in secrets
        ]
    return sorted(secrets, key=SORT_KEYS[sort])


def list_services(store: Store, prefix: str = "", *, preserve_case: bool = False) -> list[str]:
    """Services holding at least one secret; a prefix matches whole path segments and is
    looked up as ``naming.service_lookup_names`` says."""
    return sorted({split_name(n)[0] for n in _names_under(store, prefix, preserve_case)})


def list_secret_names(store: Store, prefix: str = "", *, preserve_case: bool = False) -> list[str]:
    """``list-services --secrets`` (chamber's ``-s``): the secrets' full names instead."""
    return sorted(_names_under(store, prefix, preserve_case))


def _names_under(store: Store, prefix: str, preserve_case: bool) -> list[str]:
    """The secret names in services under ``prefix`` (whole segments; '' for all)."""
    if not prefix:
        return [n for n in store.list_names() if is_secret_name(n)]

    def under(candidate: str) -> list[str]:
        return [
            n
            for n in store.list_names(f"/{candidate}")
            if is_secret_name(n) and (split_name(n)[0] + "/").startswith(candidate + "/")
        ]

    return first_service(service_lookup_names(prefix, preserve_case), under)[1]


@dataclass(frozen=True)
class Match:
    service: str
    key: str


def find(store: Store, term: str, *, by_value: bool = False) -> list[Match]:
    """Secrets whose key (case-insensitively) or value (exactly) equals ``term``."""
    if by_value:
        names = [n for n, v in store.read_all().items() if v == term]
    else:
        wanted = term.lower()
        names = [n for n in store.list_names() if split_name(n)[1].lower() == wanted]
    matches = [Match(*split_name(n)) for n in names if is_secret_name(n)]
    return sorted(matches, key=lambda m: (m.service, m.key))
