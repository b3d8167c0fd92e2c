"""The API-call floor: secretctl makes no more requests than the issue allows, counted by a
proxy between the installed entry point and the moto server."""

from __future__ import annotations

import json
from collections import Counter
from typing import Any

import pytest

from devtools.proxy import CountingProxy
from tests.secretctl.conftest import Run

pytestmark = pytest.mark.usefixtures("both_backends")


def seed(ssm: Any, service: str, count: int) -> dict[str, str]:
    values = {f"key{i:03d}": f"value-{i}" for i in range(count)}
    for key, value in values.items():
        ssm.put_parameter(
            Name=f"/{service}/{key}", Value=value, Type="SecureString", Description="1"
        )
    return values


@pytest.fixture
def counted(run: Run, proxy: CountingProxy):  # type: ignore[no-untyped-def]
    """Run secretctl through the proxy; return (result, requests per operation)."""

    def _run(*args: str, status: int = 0, **kwargs: Any) -> tuple[Any, Counter[str]]:
        proxy.reset_counts()
        kwargs.setdefault("env_extra", {})["AWS_ENDPOINT_URL"] = proxy.url
        result = run(*args, **kwargs)
        assert result.returncode == status, result.stderr
        return result, Counter(proxy.counts)

    return _run


@pytest.mark.parametrize("size", [3, 25])
def test_single_key_operations(counted, ssm: Any, size: int) -> None:  # type: ignore[no-untyped-def]
    seed(ssm, "svc", size)
    _, calls = counted("read", "-q", "svc", "key001")
    assert calls == {"GetParameter": 1}
    _, calls = counted("read", "-q", "SVC", "KEY001")  # the name a write stores comes first
    assert calls == {"GetParameter": 1}
    _, calls = counted("read", "svc", "key001")
    assert calls == {"GetParameter": 1, "DescribeParameters": 1}
    _, calls = counted("write", "svc", "key001", "new")
    assert calls == {"DescribeParameters": 1, "PutParameter": 1}
    _, calls = counted("write", "svc", "fresh", "new")  # new: chamber's store config too
    assert calls == {"DescribeParameters": 1, "GetParameter": 1, "PutParameter": 1}
    _, calls = counted("write", "svc", "key001", "new", "--skip-unchanged")
    assert calls == {"GetParameter": 1}
    _, calls = counted("delete", "svc", "key002")
    assert calls == {"DeleteParameter": 1}


@pytest.mark.parametrize("size", [0, 9, 10, 25])
def test_exec_env_export_page_through_one_path(counted, ssm: Any, size: int) -> None:  # type: ignore[no-untyped-def]
    seed(ssm, "svc", size)
    pages = size // 10 + 1  # the server answers a full last page with a token
    for args in (["exec", "svc", "--", "true"], ["env", "svc"], ["export", "svc"]):
        _, calls = counted(*args)
        assert calls == {"GetParametersByPath": pages}, args


def test_exec_loads_each_service_once(counted, ssm: Any) -> None:  # type: ignore[no-untyped-def]
    for name in ("a", "b", "c"):
        seed(ssm, name, 12)
    _, calls = counted("exec", "a", "b", "c", "--", "true")
    assert calls == {"GetParametersByPath": 6}


def test_import_writes_only_new_or_changed(counted, ssm: Any, tmp_path) -> None:  # type: ignore[no-untyped-def]
    entries = {f"key{i:03d}": f"value-{i}" for i in range(30)}
    source = tmp_path / "secrets.json"
    source.write_text(json.dumps(entries))
    result, calls = counted("import", "svc", str(source))
    assert calls == {"GetParametersByPath": 1, "GetParameter": 1, "PutParameter": 30}
    assert result.stdout.strip() == "30 written, 0 unchanged"
    result, calls = counted("import", "svc", str(source))
    assert calls == {"GetParametersByPath": 4}
    assert result.stdout.strip() == "0 written, 30 unchanged"
    entries["key005"] = "changed"
    entries["new"] = "added"
    source.write_text(json.dumps(entries))
    result, calls = counted("import", "svc", str(source))  # a new key: the store config too
    assert calls == {
        "GetParametersByPath": 4,
        "GetParameter": 1,
        "DescribeParameters": 1,
        "PutParameter": 2,
    }
    assert result.stdout.strip() == "2 written, 29 unchanged"
    versions = {
        p["Name"]: p["Description"]
        for p in ssm.describe_parameters(
            ParameterFilters=[
                {"Key": "Name", "Option": "Equals", "Values": ["/svc/key005", "/svc/new"]}
            ]
        )["Parameters"]
    }
    assert versions == {"/svc/key005": "2", "/svc/new": "1"}


def test_services_are_fetched_concurrently(run: Run, moto: Any, ssm: Any) -> None:
    """With latency on every request, the three services' first pages are in flight at once
    (a count of overlapping requests, not a timing)."""
    from devtools.proxy import ProxySettings, counting_proxy

    for name in ("a", "b", "c"):
        seed(ssm, name, 3)
    with counting_proxy(moto.url, ProxySettings(latency=0.5)) as slow:
        result = run("exec", "a", "b", "c", "--", "true", env_extra={"AWS_ENDPOINT_URL": slow.url})
        assert result.returncode == 0, result.stderr
        assert slow.counts == {"GetParametersByPath": 3}
        assert slow.max_in_flight == 3
        slow.reset_counts()
        run("exec", "a", "--", "true", env_extra={"AWS_ENDPOINT_URL": slow.url})
        assert slow.max_in_flight == 1


def test_diff_reads_each_side_once(counted, ssm: Any) -> None:  # type: ignore[no-untyped-def]
    seed(ssm, "staging", 25)  # 3 pages
    seed(ssm, "prod", 12)  # 2 pages
    _, calls = counted("diff", "staging", "prod", status=1)  # status 1: they differ
    assert calls == {"GetParametersByPath": 5}
    _, calls = counted("diff", "staging", "prod", "--to-region", "eu-west-1", status=1)
    assert calls == {"GetParametersByPath": 4}  # the other region has no prod: one empty page


def test_copy_floor(counted, ssm: Any) -> None:  # type: ignore[no-untyped-def]
    values = seed(ssm, "staging", 25)  # 3 pages
    for key in list(values)[:10]:  # 10 in prod already, 5 of them different
        changed = key < "key005"
        ssm.put_parameter(
            Name=f"/prod/{key}",
            Value="old" if changed else values[key],
            Type="SecureString",
            Description="1",
        )
    result, calls = counted("copy", "staging", "prod")
    assert result.stdout == "15 added, 5 changed, 5 unchanged, 0 deleted\n"
    # both sides' pages, the 5 changed keys' counters (one request per 50), DST's store config
    # (new keys: its required tags, once), a write per key
    assert calls == {
        "GetParametersByPath": 3 + 2,
        "DescribeParameters": 1,
        "GetParameter": 1,
        "PutParameter": 20,
    }
    result, calls = counted("copy", "staging", "prod")
    assert result.stdout == "0 added, 0 changed, 25 unchanged, 0 deleted\n"
    assert calls == {"GetParametersByPath": 6}
    _, calls = counted("copy", "staging", "prod", "--dry-run")
    assert calls == {"GetParametersByPath": 6}


def test_copy_into_another_account(counted, ssm: Any) -> None:  # type: ignore[no-untyped-def]
    seed(ssm, "staging", 3)
    role = "arn:aws:iam::222222222222:role/secrets-writer"
    _, calls = counted("copy", "staging", "prod", "--to-role", role)
    assert calls == {
        "AssumeRole": 1,
        "GetParametersByPath": 2,
        "GetParameter": 1,  # DST's store config, in DST's account
        "PutParameter": 3,
    }
    _, calls = counted("copy", "staging", "staging", "--to-role", role)
    # the same service and region: one GetCallerIdentity for our account (the role's account
    # is in its ARN)
    assert calls == {
        "GetCallerIdentity": 1,
        "AssumeRole": 1,
        "GetParametersByPath": 2,
        "GetParameter": 1,
        "PutParameter": 3,
    }


def test_rollback_floor(counted, ssm: Any) -> None:  # type: ignore[no-untyped-def]
    for version in range(1, 4):
        ssm.put_parameter(
            Name="/svc/k",
            Value=f"v{version}",
            Type="SecureString",
            Overwrite=True,
            Description=str(version),
        )
    _, calls = counted("rollback", "svc", "k", "--to-version", "1")
    assert calls == {"GetParameterHistory": 1, "PutParameter": 1}
    _, calls = counted("rollback", "svc", "k", "--previous")
    assert calls == {"GetParameterHistory": 1, "PutParameter": 1}


def test_delete_all_floor(counted, ssm: Any) -> None:  # type: ignore[no-untyped-def]
    seed(ssm, "svc", 21)
    result, calls = counted("delete", "svc", "--all", "--yes")
    assert result.stdout == "21 deleted from svc\n"
    # moto answers DescribeParameters 10 a page (AWS: up to 50); DeleteParameters 10 a batch
    assert calls == {"DescribeParameters": 3, "DeleteParameters": 3}


def test_both_sides_are_read_at_once(run: Run, moto: Any, ssm: Any) -> None:
    """With latency on every request, SRC's and DST's first pages are in flight together."""
    from devtools.proxy import ProxySettings, counting_proxy

    seed(ssm, "a", 3)
    seed(ssm, "b", 3)
    with counting_proxy(moto.url, ProxySettings(latency=0.5)) as slow:
        result = run("diff", "a", "b", env_extra={"AWS_ENDPOINT_URL": slow.url})
        assert result.returncode == 0, result.stderr  # the same keys and values
        assert slow.counts == {"GetParametersByPath": 2}
        assert slow.max_in_flight == 2


def require_tags(ssm: Any, *tags: str) -> None:
    ssm.put_parameter(
        Name="/_chamber/store-config",
        Value=json.dumps({"version": "1", "requiredTags": list(tags)}),
        Type="SecureString",
        Description="1",
    )


def test_write_with_tags_and_required_tags(counted, ssm: Any) -> None:  # type: ignore[no-untyped-def]
    require_tags(ssm, "owner")
    _, calls = counted("write", "svc", "new", "v", "--tags", "owner=a,tier=1")
    assert calls == {"DescribeParameters": 1, "GetParameter": 1, "PutParameter": 1}  # tags in it
    _, calls = counted("write", "svc", "new", "v2")  # not new: no store config read
    assert calls == {"DescribeParameters": 1, "PutParameter": 1}


def test_import_reads_the_store_config_once(counted, ssm: Any, tmp_path) -> None:  # type: ignore[no-untyped-def]
    require_tags(ssm, "owner")
    seed(ssm, "svc", 5)
    entries = {f"key{i:03d}": f"new-{i}" for i in range(60)}  # 5 changed, 55 new
    source = tmp_path / "secrets.json"
    source.write_text(json.dumps(entries))
    _, calls = counted("import", "svc", str(source), "--tags", "owner=a")
    assert calls == {
        "GetParametersByPath": 1,
        "GetParameter": 1,  # the store config, once for 55 new keys
        "DescribeParameters": 1,
        "PutParameter": 60,
    }
    entries["key001"] = "changed again"
    source.write_text(json.dumps(entries))
    _, calls = counted("import", "svc", str(source))  # nothing new: no store config read
    assert calls == {"GetParametersByPath": 7, "DescribeParameters": 1, "PutParameter": 1}


def test_tag_commands(counted, ssm: Any) -> None:  # type: ignore[no-untyped-def]
    seed(ssm, "svc", 1)
    _, calls = counted("tag", "write", "svc", "key000", "a=1", "b=2")
    assert calls == {"AddTagsToResource": 1}
    _, calls = counted("tag", "read", "svc", "key000")
    assert calls == {"ListTagsForResource": 1}
    _, calls = counted("tag", "write", "--delete-other-tags", "svc", "key000", "a=1", "b=2")
    assert calls == {"ListTagsForResource": 1, "AddTagsToResource": 1}  # nothing to drop
    _, calls = counted("tag", "write", "--delete-other-tags", "svc", "key000", "a=1")
    assert calls == {
        "ListTagsForResource": 1,
        "GetParameter": 1,  # the store config: is b required?
        "AddTagsToResource": 1,
        "RemoveTagsFromResource": 1,
    }
    _, calls = counted("tag", "delete", "svc", "key000", "a")
    assert calls == {"GetParameter": 1, "RemoveTagsFromResource": 1}


def test_mfa_one_role_one_assume_two_roles_one_session(counted, ssm: Any) -> None:  # type: ignore[no-untyped-def]
    """--mfa-serial: one role is assumed with the code (one request); two roles share one
    sts:GetSessionToken with the code, then each is assumed with that session, no code."""
    seed(ssm, "staging", 3)
    serial = "arn:aws:iam::123456789012:mfa/me"
    other, third = (f"arn:aws:iam::{a}:role/secrets-writer" for a in ("222222222222", "3" * 12))
    mfa = ["--mfa-serial", serial]
    _, calls = counted(
        "diff", "staging", "prod", "--to-role", other, *mfa, input="123456\n", status=1
    )
    assert calls == {"AssumeRole": 1, "GetParametersByPath": 2}
    both = ["--from-role", third, "--to-role", other, *mfa]
    _, calls = counted("diff", "staging", "staging", *both, input="123456\n")
    assert calls == {"GetSessionToken": 1, "AssumeRole": 2, "GetParametersByPath": 2}
