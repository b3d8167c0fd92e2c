"""secretctl.tags: tag syntax as chamber v3.1.4 validates it, chamber's store configuration, and
the required-tags check that write, import and copy run before creating secrets."""

from __future__ import annotations

import pytest

from secretctl.errors import SecretctlError, UsageError
from secretctl.tags import (
    STORE_CONFIG_NAME,
    RequiredTagsMissing,
    StoreConfig,
    StoreConfigError,
    check_new_secrets,
    missing_tags,
    parse_store_config,
    parse_tag,
    parse_tags,
    read_store_config,
)


class ConfigStore:
    """A store holding only (maybe) the store configuration; counts its reads."""

    def __init__(self, config: str | None) -> None:
        self.config = config
        self.reads: list[str] = []

    def read_value(self, name: str) -> str | None:
        self.reads.append(name)
        return self.config if name == STORE_CONFIG_NAME else None

    def read_service(self, service: str) -> dict[str, str]:
        raise AssertionError("not needed")


# --- syntax --------------------------------------------------------------------------------


def test_parse_tags_as_chambers_string_to_string_flag() -> None:
    assert parse_tags(["owner=team-a,tier=1"]) == {"owner": "team-a", "tier": "1"}
    assert parse_tags(["a=1", "b=2,a=3"]) == {"a": "3", "b": "2"}  # repeatable; later wins
    assert parse_tags([]) == {}
    assert parse_tag("url=a=b", "x") == ("url", "a=b")  # cut at the first '=', as chamber
    assert parse_tag("Cost Center=R&D 1".replace("&", "+"), "x") == ("Cost Center", "R+D 1")


@pytest.mark.parametrize(
    ("spec", "message"),
    [
        ("owner", "invalid tag 'owner' (--tags): write each tag as key=value, e.g. owner=team-a"),
        ("owner=a,tier", "invalid tag 'tier' (--tags): write each tag as key=value"),
        ("=x", "invalid tag key '' (--tags): use 1 to 128 of letters, digits"),
        ("k=", "invalid value for tag 'k' (--tags): use 1 to 256 of"),  # chamber: 1 or more
        ("k!=v", "invalid tag key 'k!'"),
        ("k=v;rm", "invalid value for tag 'k'"),
        ("k=" + "v" * 257, "invalid value for tag 'k'"),
        ("k" * 129 + "=v", "use 1 to 128"),
        ("AWS:owner=x", "AWS reserves keys beginning with 'aws:'"),
        ("é=1", "invalid tag key 'é'"),
    ],
)
def test_bad_tags_are_one_line_usage_errors(spec: str, message: str) -> None:
    with pytest.raises(UsageError) as caught:
        parse_tags([spec])
    assert message in str(caught.value)
    assert "\n" not in str(caught.value)


def test_at_most_50_tags() -> None:
    """AWS: "Most resources can have a maximum of 50 tags" (SSM AddTagsToResource); moto
    takes more, AWS refuses them, so secretctl refuses before any request."""
    fifty = ",".join(f"t{i}=v" for i in range(50))
    assert len(parse_tags([fifty, "t0=again"])) == 50  # the same key twice is one tag
    with pytest.raises(UsageError) as caught:
        parse_tags([fifty, "one=more"])
    assert str(caught.value) == ("51 tags (--tags): AWS allows at most 50 on a secret; give fewer")


# --- the store configuration ---------------------------------------------------------------


def test_store_config_as_chamber_writes_it() -> None:
    assert parse_store_config('{"version":"1","requiredTags":["owner","tier"]}') == (
        StoreConfig("1", ("owner", "tier"))
    )
    assert parse_store_config('{"version":"1"}') == StoreConfig()  # omitempty
    assert parse_store_config("{}") == StoreConfig()


@pytest.mark.parametrize(
    ("text", "why"),
    [
        ("{not json", "is not valid JSON"),
        ('["owner"]', "is not a JSON object"),
        ('{"version": "2", "requiredTags": []}', "has version '2'"),
        ('{"version": 1}', "has version 1"),
        ('{"version": "1", "requiredTags": "owner"}', 'has a "requiredTags" that is not a list'),
        ('{"version": "1", "requiredTags": [1]}', 'has a "requiredTags" that is not a list'),
    ],
)
def test_a_store_config_that_does_not_parse_refuses(text: str, why: str) -> None:
    with pytest.raises(StoreConfigError) as caught:
        parse_store_config(text)
    assert str(caught.value).startswith(f"the store config /_chamber/store-config {why}")
    assert isinstance(caught.value, SecretctlError) and caught.value.exit_code == 1


def test_a_missing_store_config_requires_nothing() -> None:
    store = ConfigStore(None)
    assert read_store_config(store) == StoreConfig()
    assert store.reads == [STORE_CONFIG_NAME]


# --- the required-tags check ---------------------------------------------------------------


def test_missing_tags_keep_the_configs_order() -> None:
    config = StoreConfig("1", ("owner", "tier", "app"))
    assert missing_tags(config, {"tier": "1"}) == ["owner", "app"]
    assert missing_tags(config, {"owner": "a", "tier": "1", "app": "x", "more": "y"}) == []


def test_check_new_secrets_reads_the_config_once_and_only_for_new_secrets() -> None:
    store = ConfigStore('{"version": "1", "requiredTags": ["owner"]}')
    check_new_secrets(store, [], {})  # nothing new: no read, nothing required
    assert store.reads == []
    check_new_secrets(store, [f"/svc/k{i}" for i in range(100)], {"owner": "a"})
    assert store.reads == [STORE_CONFIG_NAME]


def test_check_new_secrets_names_the_missing_tags_and_the_secrets() -> None:
    store = ConfigStore('{"version": "1", "requiredTags": ["owner", "tier"]}')
    names = ["/svc/d", "/svc/a", "/svc/c", "/svc/b", "/svc/e"]
    with pytest.raises(RequiredTagsMissing) as caught:
        check_new_secrets(store, names, {"tier": "1"})
    assert str(caught.value) == (
        "required tags owner missing for new secrets (/svc/a, /svc/b, /svc/c and 2 more): "
        "/_chamber/store-config requires them on every new secret; add --tags owner=... "
        "(nothing was written)"
    )
    assert caught.value.exit_code == 1


def test_check_new_secrets_refuses_when_the_config_does_not_parse() -> None:
    with pytest.raises(StoreConfigError):
        check_new_secrets(ConfigStore("nope"), ["/svc/k"], {"owner": "a"})
    check_new_secrets(ConfigStore("nope"), [], {})  # nothing new: the config is not needed
