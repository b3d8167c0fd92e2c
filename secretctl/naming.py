"""Secret names: validation and normalisation of services and keys, chamber v3 layout.

A secret lives in the SSM parameter ``/<service>/<key>``. A service may have several
path segments (``team/api``); a key is one segment. All checks here run before any AWS call.
"""

from __future__ import annotations

import re

from secretctl.errors import UsageError

KEY_PATTERN = r"^[\w.-]+$"
SERVICE_PATTERN = r"^[\w.-]+(/[\w.-]+)*$"
_KEY_RE = re.compile(KEY_PATTERN, re.ASCII)
_SERVICE_RE = re.compile(SERVICE_PATTERN, re.ASCII)

RESERVED_SERVICE = "_chamber"  # chamber keeps its own store config under /_chamber/
# SSM refuses a parameter name that begins with these, in any case (PutParameter's naming
# constraints): /aws... is reserved for public parameters, /ssm... for the service
SSM_RESERVED_PREFIXES = ("aws", "ssm")
MAX_NAME_LENGTH = 1011  # SSM's limit on a parameter name
MAX_HIERARCHY_LEVELS = 15  # SSM's limit on the segments of a parameter name


def normalize_service(service: str, preserve_case: bool = False) -> str:
    """Validate a service name and return it as it is stored (lowercased unless asked not to)."""
    if not _SERVICE_RE.fullmatch(service):
        raise UsageError(
            f"invalid service name {service!r}: use letters, digits, '_', '.' and '-' in "
            f"segments separated by single '/' (pattern {SERVICE_PATTERN})"
        )
    if service.split("/")[0].lower() == RESERVED_SERVICE:
        raise UsageError(
            f"invalid service name {service!r}: {RESERVED_SERVICE!r} is reserved for chamber's "
            "own configuration; choose another name"
        )
    return service if preserve_case else service.lower()


def writable_service(service: str, preserve_case: bool = False) -> str:
    """A service as ``write`` and ``import`` store it: valid (``normalize_service``), and not
    a name SSM reserves. Reads do not check this: nothing can be stored there."""
    stored = normalize_service(service, preserve_case)
    if stored.lower().startswith(SSM_RESERVED_PREFIXES):
        raise UsageError(
            f"invalid service name {service!r}: SSM reserves names that begin with 'aws' or "
            "'ssm' (in any case); choose another name"
        )
    return stored


def normalize_key(key: str, preserve_case: bool = False) -> str:
    """Validate a key and return it as it is stored (lowercased unless asked not to)."""
    if not _KEY_RE.fullmatch(key):
        raise UsageError(
            f"invalid key {key!r}: use only letters, digits, '_', '.' and '-' "
            f"(pattern {KEY_PATTERN})"
        )
    return key if preserve_case else key.lower()


def parameter_name(service: str, key: str) -> str:
    """The SSM parameter name of a secret, checked against SSM's name limits."""
    name = f"/{service}/{key}"
    if len(name) > MAX_NAME_LENGTH:
        raise UsageError(
            f"parameter name is {len(name)} characters long; SSM allows at most "
            f"{MAX_NAME_LENGTH}: shorten the service or key"
        )
    levels = name.count("/")
    if levels > MAX_HIERARCHY_LEVELS:
        raise UsageError(
            f"parameter name has {levels} levels; SSM allows at most {MAX_HIERARCHY_LEVELS}: "
            "use fewer '/' segments in the service"
        )
    return name


def service_path(service: str) -> str:
    """The path that holds a service's secrets, as GetParametersByPath takes it."""
    return f"/{service}/"


def split_name(name: str) -> tuple[str, str]:
    """Split a parameter name ``/<service>/<key>`` into service and key."""
    service, _, key = name.strip("/").rpartition("/")
    return service, key


def is_secret_name(name: str) -> bool:
    """Whether a parameter name has the chamber layout (other parameters are ignored)."""
    service, key = split_name(name)
    return (
        name.startswith("/")
        and bool(service)
        and bool(_SERVICE_RE.fullmatch(service))
        and bool(_KEY_RE.fullmatch(key))
    )


def service_lookup_names(service: str, preserve_case: bool) -> list[str]:
    """Candidate names for reading a service, in order (read-your-writes).

    First the name a write with the same flags stores (lowercased unless ``preserve_case``),
    then the name as typed when it differs, so a service written with --preserve-case (or by
    another tool) is found too.
    """
    written = normalize_service(service, preserve_case)
    return _unique([written, normalize_service(service, True)])


def lookup_names(
    service: str, key: str, preserve_case: bool, *, exact_key: bool = False
) -> list[str]:
    """Candidate parameter names for reading a secret, in order (read-your-writes).

    First the name a write with the same flags stores (service and key lowercased unless
    ``preserve_case``), so what ``write`` just stored is what ``read`` finds; then the name
    exactly as typed, so mixed-case names written by chamber's import or with
    --preserve-case are found too. ``exact_key`` (``delete --exact-key``, as chamber) keeps
    the key as typed in the first name as well.
    """
    typed_key = normalize_key(key, True)
    stored_key = typed_key if exact_key else normalize_key(key, preserve_case)
    written = parameter_name(normalize_service(service, preserve_case), stored_key)
    exact = parameter_name(normalize_service(service, True), typed_key)
    return _unique([written, exact])


def _unique(names: list[str]) -> list[str]:
    return list(dict.fromkeys(names))
