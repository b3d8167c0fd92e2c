from __future__ import annotations

import pytest

from secretctl.errors import UsageError
from secretctl.naming import (
    is_secret_name,
    lookup_names,
    normalize_key,
    normalize_service,
    parameter_name,
    service_lookup_names,
    split_name,
)


@pytest.mark.parametrize("service", ["api", "team/api", "a.b-c_d", "A/B/C", "x1/y2"])
def test_valid_services(service: str) -> None:
    assert normalize_service(service) == service.lower()
    assert normalize_service(service, preserve_case=True) == service


@pytest.mark.parametrize(
    "service",
    [
        "",
        "/api",
        "api/",
        "a//b",
        "a b",
        "api*",
        "caf\u00e9",
        "a:b",
        "_chamber",
        "_CHAMBER/x",
        "api\n",
    ],
)
def test_invalid_services_name_the_rule(service: str) -> None:
    with pytest.raises(UsageError) as err:
        normalize_service(service)
    assert repr(service) in str(err.value)
    assert "pattern" in str(err.value) or "reserved" in str(err.value)


def test_chamber_reserved_only_as_whole_first_segment() -> None:
    assert normalize_service("_chamberx") == "_chamberx"
    assert normalize_service("team/_chamber") == "team/_chamber"


@pytest.mark.parametrize("key", ["db_url", "DB-URL", "a.b", "x"])
def test_valid_keys(key: str) -> None:
    assert normalize_key(key) == key.lower()
    assert normalize_key(key, preserve_case=True) == key


@pytest.mark.parametrize("key", ["", "a/b", "a b", "a=b", "\u00e9", "a\n", "a\nb"])
def test_invalid_keys(key: str) -> None:
    with pytest.raises(UsageError, match="invalid key"):
        normalize_key(key)


def test_parameter_name_limits() -> None:
    assert parameter_name("team/api", "k") == "/team/api/k"
    service = "s" * 1005
    assert len(parameter_name(service, "kkkk")) == 1011
    with pytest.raises(UsageError, match="1012 characters.*at most 1011"):
        parameter_name(service, "kkkkk")
    assert parameter_name("/".join("a" * 14), "k").count("/") == 15
    with pytest.raises(UsageError, match="16 levels"):
        parameter_name("/".join("a" * 15), "k")


def test_split_and_recognise_names() -> None:
    assert split_name("/team/api/db_url") == ("team/api", "db_url")
    assert is_secret_name("/api/db_url")
    assert not is_secret_name("/toplevel")
    assert not is_secret_name("api/db_url")
    assert not is_secret_name("/api/bad key")


def test_lookup_tries_what_a_write_stores_then_as_typed() -> None:
    assert lookup_names("api", "db_url", False) == ["/api/db_url"]
    assert lookup_names("API", "DB_Url", False) == ["/api/db_url", "/API/DB_Url"]
    assert lookup_names("API", "DB_Url", True) == ["/API/DB_Url"]
    assert lookup_names("API", "DB_Url", False, exact_key=True) == ["/api/DB_Url", "/API/DB_Url"]
    assert lookup_names("api", "DB_Url", True, exact_key=True) == ["/api/DB_Url"]


def test_service_lookup_tries_what_a_write_stores_then_as_typed() -> None:
    assert service_lookup_names("api", False) == ["api"]
    assert service_lookup_names("Team/API", False) == ["team/api", "Team/API"]
    assert service_lookup_names("Team/API", True) == ["Team/API"]
    with pytest.raises(UsageError):
        service_lookup_names("bad svc", False)
