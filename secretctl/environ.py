"""Build a process environment from secrets: env names, merging, strict and pristine modes.

Pure functions, stdlib only: this module is on the container-start path. Messages name keys
and variables, never values.
"""

from __future__ import annotations

import re
import shlex
from collections.abc import Callable, Iterable, Mapping

from secretctl.errors import UsageError
from secretctl.values import NUL_RULE

DEFAULT_STRICT_VALUE = "chamberme"

_SHELL_NAME_RE = re.compile(r"[A-Za-z_][A-Za-z0-9_]*", re.ASCII)
_TO_UNDERSCORE_RE = re.compile(r"[-.\s]")


def env_name(key: str, keep_case: bool = False) -> str:
    """The environment variable name of a key: uppercased (unless ``keep_case``, chamber's
    ``env -p``), with '-', '.' and whitespace as '_'."""
    return _TO_UNDERSCORE_RE.sub("_", key if keep_case else key.upper())


def is_shell_name(name: str) -> bool:
    """Whether name can be a shell variable (``^[A-Za-z_][A-Za-z0-9_]*$``)."""
    return _SHELL_NAME_RE.fullmatch(name) is not None


def secrets_to_env(secrets: dict[str, str], keep_case: bool = False) -> dict[str, str]:
    """Map key -> value to ENV_NAME -> value; two keys with one env name are an error."""
    by_name: dict[str, list[str]] = {}
    for key in secrets:
        by_name.setdefault(env_name(key, keep_case), []).append(key)
    for name, keys in sorted(by_name.items()):
        _check_exec_name(name, keys[0])
        _check_exec_value(secrets[keys[0]], keys[0])
        if len(keys) > 1:
            listed = ", ".join(repr(k) for k in sorted(keys))
            raise UsageError(
                f"keys {listed} map to the same environment variable {name}; "
                "rename or delete all but one of them"
            )
    return {name: secrets[keys[0]] for name, keys in by_name.items()}


def check_env_name_clashes(keys: Iterable[str], stored: Iterable[str] = ()) -> None:
    """Refuse keys that exec would refuse together (``import``): two of ``keys``, or one of
    ``keys`` and another key already ``stored`` in the service, with one environment name."""
    owner: dict[str, str] = {}
    for key in keys:
        name = env_name(key)
        if name in owner:
            raise UsageError(
                f"keys {owner[name]!r} and {key!r} both become the environment variable {name}, "
                "which exec would refuse; rename one of them"
            )
        owner[name] = key
    for other in sorted(stored):
        key = owner.get(env_name(other))
        if key is not None and key != other:
            same = key == other.lower()  # lowercased; chamber's import kept the case
            raise UsageError(
                f"key {key!r} becomes the environment variable {env_name(other)}, as does "
                f"{other!r} already stored in the service, which exec would refuse; rename the "
                f"key or delete {other!r} first"
                + (f", or import with --preserve-case to update {other!r} itself" if same else "")
            )


def _check_exec_name(name: str, key: str) -> None:
    """Reject names no environment can hold (empty, '=' or NUL); other odd names are allowed."""
    if not name or "=" in name or "\x00" in name:
        raise UsageError(
            f"key {key!r} gives the environment variable name {name!r}, which cannot be set; "
            "rename the key to letters, digits and '_'"
        )


def _check_exec_value(value: str, key: str) -> None:
    """Reject values no environment can hold (a NUL ends a C string); secretctl never writes
    one, another tool might have."""
    if "\x00" in value:
        raise UsageError(
            f"the value of key {key!r} contains a NUL character ({NUL_RULE}; another tool "
            "wrote it): rewrite the secret without it"
        )


def merge_services(
    loaded: list[tuple[str, dict[str, str]]],
    label: Callable[[str], str] = str,
) -> tuple[dict[str, str], list[str]]:
    """Merge (service, env) pairs in order, later services winning; return env and warnings
    (naming the variable, or whatever ``label`` makes of the name)."""
    merged: dict[str, str] = {}
    source: dict[str, str] = {}
    warnings: list[str] = []
    for service, env in loaded:
        for name in sorted(env):
            if name in source:
                warnings.append(
                    f"warning: {label(name)} from service {service!r} overrides service "
                    f"{source[name]!r}"
                )
            merged[name] = env[name]
            source[name] = service
    return merged, warnings


def build_exec_env(
    parent: Mapping[str, str],
    secrets: dict[str, str],
    *,
    pristine: bool,
    strict: bool,
    strict_value: str = DEFAULT_STRICT_VALUE,
) -> dict[str, str]:
    """The environment for the child process.

    ``secrets`` is the merged ENV_NAME -> value map of all services. Default: parent plus
    secrets (secrets win). ``pristine``: nothing from the parent. ``strict``: only parent
    variables whose value is ``strict_value`` are filled, and each must have a secret.
    """
    if strict:
        filled = _fill_placeholders(parent, secrets, strict_value)
        if pristine:
            return filled
        env = dict(parent)
        env.update(filled)
        return env
    if pristine:
        return dict(secrets)
    env = dict(parent)
    env.update(secrets)
    return env


def _fill_placeholders(
    parent: Mapping[str, str], secrets: dict[str, str], strict_value: str
) -> dict[str, str]:
    """Strict mode: the placeholders of parent filled from secrets, or UsageError."""
    conflicts = sorted(n for n in secrets if n in parent and parent[n] != strict_value)
    if conflicts:
        raise UsageError(
            f"strict mode: {', '.join(conflicts)} already set in the environment to a value "
            f"other than the placeholder {strict_value!r}; set it to {strict_value!r} to fill "
            "it from the store, or unset it"
        )
    placeholders = sorted(n for n, v in parent.items() if v == strict_value)
    missing = [n for n in placeholders if n not in secrets]
    if missing:
        raise UsageError(
            f"strict mode: {', '.join(missing)} {'is' if len(missing) == 1 else 'are'} set to "
            f"the placeholder {strict_value!r} but no secret of the given services maps to "
            f"{'it' if len(missing) == 1 else 'them'}{_unnormalized_hint(missing)}; write the "
            "secret or remove the variable"
        )
    return {n: secrets[n] for n in placeholders}


def _unnormalized_hint(names: list[str]) -> str:
    """A hint for placeholder names that no key could ever produce (e.g. lowercase)."""
    odd = [n for n in names if env_name(n) != n]
    if not odd:
        return ""
    return f" (secret env names are uppercase with '_', so {', '.join(odd)} can never match)"


_DOUBLE_QUOTE_ESCAPES = str.maketrans(
    {"\\": "\\\\", '"': '\\"', "$": "\\$", "`": "\\`", "\n": "\\n", "\r": "\\r", "\t": "\\t"}
)


def double_quoted(value: str) -> str:
    """``"value"`` with backslash escapes for '\\', '"', '$', '`' and line breaks and tabs
    (\\n, \\r, \\t), as dotenv readers take it: one line, no expansion."""
    return '"' + value.translate(_DOUBLE_QUOTE_ESCAPES) + '"'


def shell_export_lines(
    env: dict[str, str], *, escaped: bool = False, key_of: Mapping[str, str] | None = None
) -> list[str]:
    """``export NAME=value`` lines sorted by name, values quoted like ``shlex.quote``; with
    ``escaped`` (chamber's ``env -e``, and dotenv) ``export NAME="value"`` as
    ``double_quoted`` makes it. A name that is no shell name is an error naming its key when
    ``key_of`` knows it."""
    lines = []
    for name in sorted(env):
        if not is_shell_name(name):
            what = f"key {key_of[name]!r} gives {name!r}, which" if key_of else repr(name)
            raise UsageError(
                f"{what} is not a valid shell variable name (letters, digits and '_', not "
                "starting with a digit); rename the key"
            )
        value = double_quoted(env[name]) if escaped else shlex.quote(env[name])
        lines.append(f"export {name}={value}")
    return lines
