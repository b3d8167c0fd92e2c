"""Tags and chamber v3's required tags, end to end through the installed entry point against the
moto server, over both AWS paths: ``tag read|write|delete`` as chamber v3.1.4's, ``write
--tags`` on new secrets only, ``import --tags``, and ``/_chamber/store-config``."""

from __future__ import annotations

import json
from typing import Any

import pytest

from secretctl.tags import STORE_CONFIG_NAME
from tests.secretctl.conftest import Run

pytestmark = pytest.mark.usefixtures("both_backends")

REQUIRE_OWNER = json.dumps({"version": "1", "requiredTags": ["owner"]})


def tags_of(ssm: Any, name: str) -> dict[str, str]:
    tags = ssm.list_tags_for_resource(ResourceType="Parameter", ResourceId=name)["TagList"]
    return {t["Key"]: t["Value"] for t in tags}


def history(ssm: Any, name: str) -> list[str]:
    return [p["Value"] for p in ssm.get_parameter_history(Name=name, WithDecryption=True)[
        "Parameters"
    ]]  # fmt: skip


def names(ssm: Any) -> set[str]:
    return {p["Name"] for p in ssm.describe_parameters()["Parameters"]} - {STORE_CONFIG_NAME}


def store_config(ssm: Any, text: str) -> None:
    """As chamber keeps it (a SecureString whose Description is its counter)."""
    ssm.put_parameter(
        Name=STORE_CONFIG_NAME, Value=text, Type="SecureString", Overwrite=True, Description="1"
    )


def one_line_error(result: Any, code: int = 1) -> str:
    assert result.returncode == code, (result.returncode, result.stderr)
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1, result.stderr
    return str(lines[0])


# --- tag read / write / delete ---------------------------------------------------------------


def test_tag_write_read_delete(run: Run, ssm: Any) -> None:
    run("write", "api", "db_url", "v")
    written = run("tag", "write", "api", "DB_URL", "owner=team-a", "tier=1", "url=a=b")
    assert written.returncode == 0, written.stderr
    assert written.stdout == "Key    Value\nowner  team-a\ntier   1\nurl    a=b\n"  # as given
    assert tags_of(ssm, "/api/db_url") == {"owner": "team-a", "tier": "1", "url": "a=b"}
    assert run("tag", "read", "api", "db_url").stdout == written.stdout
    assert json.loads(run("tag", "read", "--json", "api", "db_url").stdout) == {
        "owner": "team-a",
        "tier": "1",
        "url": "a=b",
    }
    assert run("tag", "write", "api", "db_url", "tier=2").returncode == 0  # others stay
    assert tags_of(ssm, "/api/db_url") == {"owner": "team-a", "tier": "2", "url": "a=b"}
    deleted = run("tag", "delete", "api", "db_url", "url", "not-there")
    assert deleted.returncode == 0 and deleted.stdout == "", deleted.stderr
    assert tags_of(ssm, "/api/db_url") == {"owner": "team-a", "tier": "2"}
    assert history(ssm, "/api/db_url") == ["v"]  # tags never make a new version


def test_tag_write_delete_other_tags(run: Run, ssm: Any) -> None:
    run("write", "api", "k", "v")
    run("tag", "write", "api", "k", "a=1", "b=2", "c=3")
    result = run("tag", "write", "--delete-other-tags", "api", "k", "b=20", "d=4")
    assert result.returncode == 0, result.stderr
    assert tags_of(ssm, "/api/k") == {"b": "20", "d": "4"}


def test_tag_write_of_more_than_50_tags_is_refused(run: Run, ssm: Any) -> None:
    """AWS allows 50 tags on a parameter (moto more): refused before any request."""
    run("write", "api", "k", "v")
    many = [f"t{i}=v" for i in range(51)]
    message = one_line_error(run("tag", "write", "api", "k", *many), 2)
    assert message == (
        "secretctl: error: 51 tags (tag write): AWS allows at most 50 on a secret; give fewer"
    )
    assert tags_of(ssm, "/api/k") == {}
    assert run("tag", "write", "api", "k", *many[:50]).returncode == 0


def test_delete_other_tags_leaves_awss_own_tags(run: Run, ssm: Any) -> None:
    """Tags beginning with aws: (CloudFormation's on the parameters it creates) cannot be
    deleted: AWS refuses it (moto does not), which would fail the command after the tags were
    written. --delete-other-tags deletes the user's other tags only."""
    stack = {"Key": "aws:cloudformation:stack-name", "Value": "secrets"}
    ssm.put_parameter(
        Name="/api/k",
        Value="v",
        Type="SecureString",
        Description="1",
        Tags=[stack, {"Key": "a", "Value": "1"}],
    )
    result = run("tag", "write", "--delete-other-tags", "api", "k", "b=2")
    assert result.returncode == 0, result.stderr
    assert tags_of(ssm, "/api/k") == {"aws:cloudformation:stack-name": "secrets", "b": "2"}


def test_tag_read_of_a_secret_without_tags(run: Run) -> None:
    run("write", "api", "k", "v")
    assert run("tag", "read", "api", "k").stdout == "Key  Value\n"


def test_tags_of_a_missing_secret(run: Run, ssm: Any) -> None:
    for args in (["read"], ["write", "owner=a"], ["delete", "owner"]):
        command = ["tag", args[0], "api", "nope", *args[1:]]
        message = one_line_error(run(*command))
        assert message == (
            "secretctl: error: secret not found: /api/nope (list the service to see its keys)"
        ), command
    assert names(ssm) == set()


def test_tags_find_a_secret_stored_with_its_case(run: Run, ssm: Any) -> None:
    """Read-your-writes, as ``read``: the name a write stores first, then as typed."""
    ssm.put_parameter(Name="/api/DB_URL", Value="v", Type="SecureString", Description="1")
    assert run("tag", "write", "api", "DB_URL", "owner=a").returncode == 0
    assert tags_of(ssm, "/api/DB_URL") == {"owner": "a"}
    assert run("tag", "read", "api", "DB_URL").stdout == "Key    Value\nowner  a\n"
    assert run("tag", "delete", "--preserve-case", "api", "DB_URL", "owner").returncode == 0
    assert tags_of(ssm, "/api/DB_URL") == {}


# --- write --tags ------------------------------------------------------------------------------


def test_write_tags_a_new_secret(run: Run, ssm: Any) -> None:
    result = run("write", "api", "k", "v", "-t", "owner=team-a,tier=1", "--tags", "app=x")
    assert result.returncode == 0, result.stderr
    assert tags_of(ssm, "/api/k") == {"owner": "team-a", "tier": "1", "app": "x"}
    assert history(ssm, "/api/k") == ["v"]


def test_write_tags_refused_on_an_existing_secret(run: Run, ssm: Any) -> None:
    run("write", "api", "k", "v1")
    message = one_line_error(run("write", "api", "k", "v2", "--tags", "owner=a"))
    assert message == (
        "secretctl: error: /api/k exists, and --tags go only on new secrets (as in chamber): "
        "nothing was written; change its tags with `secretctl tag write`"
    )
    assert history(ssm, "/api/k") == ["v1"] and tags_of(ssm, "/api/k") == {}


# --- required tags (/_chamber/store-config) ----------------------------------------------------


def test_write_honours_required_tags_on_new_secrets(run: Run, ssm: Any) -> None:
    run("write", "api", "old", "v1")  # before the team required tags
    store_config(ssm, REQUIRE_OWNER)
    message = one_line_error(run("write", "api", "new", "v"))
    assert message.startswith("secretctl: error: required tags owner missing for new secrets")
    assert "add --tags owner=... (nothing was written)" in message
    assert names(ssm) == {"/api/old"}
    assert run("write", "api", "new", "v", "--tags", "owner=a,x=y").returncode == 0
    assert tags_of(ssm, "/api/new") == {"owner": "a", "x": "y"}
    assert run("write", "api", "old", "v2").returncode == 0  # not new: no tags needed
    assert history(ssm, "/api/old") == ["v1", "v2"]


@pytest.mark.parametrize(
    "config", ['{"version": "1", "requiredTags": ["owner"]', '{"version": "1", "requiredTags": 7}']
)
def test_a_store_config_that_does_not_parse_refuses_new_secrets(
    run: Run, ssm: Any, config: str
) -> None:
    run("write", "api", "old", "v1")
    store_config(ssm, config)
    message = one_line_error(run("write", "api", "new", "v", "--tags", "owner=a"))
    assert message.startswith("secretctl: error: the store config /_chamber/store-config ")
    assert names(ssm) == {"/api/old"}
    assert run("write", "api", "old", "v2").returncode == 0  # an existing secret needs none


def test_import_checks_every_new_key_before_writing_any(run: Run, ssm: Any) -> None:
    run("write", "api", "a", "old")
    store_config(ssm, json.dumps({"version": "1", "requiredTags": ["owner", "tier"]}))
    source = json.dumps({"a": "changed", "b": "new", "c": "new"})
    refused = run("import", "api", "-", "--tags", "owner=x", input=source)
    message = one_line_error(refused)
    assert "required tags tier missing for new secrets (/api/b, /api/c)" in message
    assert names(ssm) == {"/api/a"} and history(ssm, "/api/a") == ["old"]  # nothing written
    done = run("import", "api", "-", "--tags", "owner=x,tier=2", input=source)
    assert done.returncode == 0, done.stderr
    assert done.stdout == "3 written, 0 unchanged\n"
    assert tags_of(ssm, "/api/b") == tags_of(ssm, "/api/c") == {"owner": "x", "tier": "2"}
    assert tags_of(ssm, "/api/a") == {}  # an existing key keeps its tags
    again = run("import", "api", "-", input=json.dumps({"a": "again", "b": "new"}))
    assert again.returncode == 0, again.stderr  # nothing new: no tags needed
    assert again.stdout == "1 written, 1 unchanged\n"


def test_import_tags_new_keys_without_required_tags(run: Run, ssm: Any) -> None:
    result = run("import", "api", "-", "--tags", "team=pay", input='{"k": "v"}')
    assert result.returncode == 0, result.stderr
    assert tags_of(ssm, "/api/k") == {"team": "pay"}


def test_required_tags_may_not_be_deleted(run: Run, ssm: Any) -> None:
    run("write", "api", "k", "v", "--tags", "owner=a,tier=1")
    store_config(ssm, REQUIRE_OWNER)
    message = one_line_error(run("tag", "delete", "api", "k", "tier", "owner"))
    assert message == (
        "secretctl: error: required tags owner may not be deleted: /_chamber/store-config "
        "requires them on every secret; nothing was changed"
    )
    assert tags_of(ssm, "/api/k") == {"owner": "a", "tier": "1"}
    assert run("tag", "delete", "api", "k", "tier").returncode == 0
    assert tags_of(ssm, "/api/k") == {"owner": "a"}


def test_delete_other_tags_must_rewrite_required_tags(run: Run, ssm: Any) -> None:
    run("write", "api", "k", "v", "--tags", "owner=a,tier=1")
    run("write", "api", "untagged", "v")
    store_config(ssm, REQUIRE_OWNER)
    result = run("tag", "write", "--delete-other-tags", "api", "k", "tier=2")
    message = one_line_error(result)
    assert message == (
        "secretctl: error: required tags owner are on /api/k, so --delete-other-tags must "
        "rewrite them (add owner=...); /_chamber/store-config requires them: nothing was "
        "changed"
    )
    assert tags_of(ssm, "/api/k") == {"owner": "a", "tier": "1"}
    rewritten = run("tag", "write", "--delete-other-tags", "api", "k", "owner=b")
    assert rewritten.returncode == 0, rewritten.stderr
    assert tags_of(ssm, "/api/k") == {"owner": "b"}
    # a required tag the secret does not have yet may be left out (as in chamber)
    assert run("tag", "write", "--delete-other-tags", "api", "untagged", "x=1").returncode == 0
    assert tags_of(ssm, "/api/untagged") == {"x": "1"}
