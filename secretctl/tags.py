"""Tags on secrets, and chamber v3's required tags: what every command that creates secrets
(``write``, ``import``, ``copy``) shares. Pure except ``read_store_config``.

The API, for a command that creates secrets::

    tags = parse_tags(["owner=team-a,tier=1"])          # from --tags; UsageError if malformed
    check_new_secrets(store, new_names, tags)           # before writing any of them

``check_new_secrets`` reads chamber's store configuration (``/_chamber/store-config``, one
GetParameter) once, and only when there is a new secret, and raises ``RequiredTagsMissing``
naming the missing tags and the new secrets when ``tags`` lacks one the configuration
requires; so a command that checks every new key first writes nothing when a tag is missing.
Tags go only on new secrets (``store.write(..., tags=tags)``), as chamber puts them.

chamber's rules (v3.1.4, ``cmd/root.go`` and ``store/ssmstore.go``): a tag key matches
``[A-Za-z0-9 +\\-=._:/@]{1,128}`` and a value ``[A-Za-z0-9 +\\-=._:/@]{1,256}``; a store
config that is missing means no required tags, one that does not parse refuses the commands
that need it. AWS reserves keys beginning with ``aws:`` (any case), which secretctl refuses
before AWS does (https://docs.aws.amazon.com/tag-editor/latest/userguide/tagging.html), and so
more than MAX_TAGS tags ("Most resources can have a maximum of 50 tags", SSM's
AddTagsToResource reference; moto takes more).
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass
from typing import TYPE_CHECKING

from secretctl.errors import SecretctlError, UsageError

if TYPE_CHECKING:
    from secretctl.store.base import SecretReader

STORE_CONFIG_NAME = "/_chamber/store-config"  # chamber's store configuration (JSON)
STORE_CONFIG_VERSION = "1"  # the only version chamber v3 writes and reads
_TAG_KEY = re.compile(r"[A-Za-z0-9 +\-=._:/@]{1,128}", re.ASCII)
_TAG_VALUE = re.compile(r"[A-Za-z0-9 +\-=._:/@]{1,256}", re.ASCII)
MAX_TAGS = 50  # on one parameter (AWS)
_ALLOWED = "letters, digits, spaces and + - = . _ : / @"


class RequiredTagsMissing(SecretctlError):
    """New secrets lack tags that the store configuration requires."""


class StoreConfigError(SecretctlError):
    """The store configuration exists but cannot be understood: commands that need it refuse."""


@dataclass(frozen=True)
class StoreConfig:
    """chamber's store configuration: ``{"version": "1", "requiredTags": [...]}``."""

    version: str = STORE_CONFIG_VERSION
    required_tags: tuple[str, ...] = ()


def aws_reserved(key: str) -> bool:
    """Whether a tag key is AWS's own (``aws:...``, any case): users cannot add, change or
    delete it."""
    return key.lower().startswith("aws:")


def check_tag_key(key: str, source: str) -> str:
    """A tag key as chamber accepts it; UsageError naming ``source`` otherwise."""
    if not _TAG_KEY.fullmatch(key):
        raise UsageError(f"invalid tag key {key!r} ({source}): use 1 to 128 of {_ALLOWED}")
    if aws_reserved(key):
        raise UsageError(
            f"invalid tag key {key!r} ({source}): AWS reserves keys beginning with 'aws:'"
        )
    return key


def parse_tag(text: str, source: str) -> tuple[str, str]:
    """One ``key=value`` (the value may hold '='); UsageError naming ``source`` otherwise."""
    key, equals, value = text.partition("=")
    if not equals:
        raise UsageError(
            f"invalid tag {text!r} ({source}): write each tag as key=value, e.g. owner=team-a"
        )
    check_tag_key(key, source)
    if not _TAG_VALUE.fullmatch(value):
        raise UsageError(f"invalid value for tag {key!r} ({source}): use 1 to 256 of {_ALLOWED}")
    return key, value


def parse_tags(specs: Iterable[str], source: str = "--tags") -> dict[str, str]:
    """``--tags k=v,k2=v2``, given any number of times (as chamber's ``-t/--tags``): every
    pair, a later one winning for the same key; at most MAX_TAGS keys."""
    return tag_set((parse_tag(pair, source) for spec in specs for pair in spec.split(",")), source)


def tag_set(pairs: Iterable[tuple[str, str]], source: str) -> dict[str, str]:
    """The tags ``pairs`` give (a later one winning for the same key); UsageError naming
    ``source`` when they are more than AWS allows on a secret."""
    tags = dict(pairs)
    if len(tags) > MAX_TAGS:
        raise UsageError(
            f"{len(tags)} tags ({source}): AWS allows at most {MAX_TAGS} on a secret; give fewer"
        )
    return tags


def parse_store_config(text: str) -> StoreConfig:
    """The store configuration from its JSON text; StoreConfigError when it does not parse
    as chamber's (or is a version this secretctl does not know)."""
    import json

    def refuse(why: str) -> StoreConfigError:
        return StoreConfigError(
            f"the store config {STORE_CONFIG_NAME} {why}, so secretctl cannot tell which tags "
            'are required: fix it (e.g. {"version": "1", "requiredTags": ["owner"]}) or ask '
            "the key administrators to"
        )

    try:
        data = json.loads(text)
    except ValueError:
        raise refuse("is not valid JSON") from None
    if not isinstance(data, dict):
        raise refuse("is not a JSON object")
    version = data.get("version", STORE_CONFIG_VERSION)
    if version != STORE_CONFIG_VERSION:
        raise refuse(f"has version {version!r}, and secretctl knows version '1' only")
    required = data.get("requiredTags") or []
    if not isinstance(required, list) or not all(isinstance(t, str) for t in required):
        raise refuse('has a "requiredTags" that is not a list of strings')
    return StoreConfig(version, tuple(required))


def read_store_config(store: SecretReader) -> StoreConfig:
    """chamber's store configuration: one GetParameter. Missing: no required tags."""
    text = store.read_value(STORE_CONFIG_NAME)
    return StoreConfig() if text is None else parse_store_config(text)


def missing_tags(config: StoreConfig, tags: dict[str, str]) -> list[str]:
    """The required tags that ``tags`` lacks, in the configuration's order."""
    return [tag for tag in config.required_tags if tag not in tags]


def _some(names: list[str], most: int = 3) -> str:
    shown = ", ".join(names[:most])
    return shown + (f" and {len(names) - most} more" if len(names) > most else "")


def check_new_secrets(store: SecretReader, new_names: list[str], tags: dict[str, str]) -> None:
    """Refuse to create ``new_names`` (full parameter names) with ``tags`` when the store
    configuration requires a tag that ``tags`` lacks. Reads the configuration once, and not
    at all when ``new_names`` is empty. Call it before writing any of them."""
    if not new_names:
        return
    missing = missing_tags(read_store_config(store), tags)
    if missing:
        example = ",".join(f"{tag}=..." for tag in missing)
        raise RequiredTagsMissing(
            f"required tags {', '.join(missing)} missing for new secrets "
            f"({_some(sorted(new_names))}): {STORE_CONFIG_NAME} requires them on every new "
            f"secret; add --tags {example} (nothing was written)"
        )
