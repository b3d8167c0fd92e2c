"""Pre-flight against moto: every check passes on a ready account, and each one fails (with its
fix) on the account problem it exists for. moto implements every call the checks make
(STS, IAM, ECS, KMS, S3, EC2 DescribeRegions, CloudTrail DescribeTrails); it enforces no IAM
permissions, so AccessDenied is injected with a stub client."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import boto3
import pytest
from botocore.exceptions import ClientError
from moto import mock_aws

from access_report.preflight import (
    FAIL,
    PASS,
    WARN,
    Check,
    Clients,
    check_bucket,
    preflight,
    statuses,
)
from devtools.moto_server import MotoServer
from policies.context import AwsContext
from policies.kms import secrets_key_policy
from tests.access_report.conftest import StackFile, run_access_report

ROOT = Path(__file__).resolve().parents[2]
ACCOUNT = "123456789012"  # moto's account
REGION = "eu-west-1"
SSO_PATH = f"/aws-reserved/sso.amazonaws.com/{REGION}/"
TRUST = json.dumps({"Version": "2012-10-17", "Statement": []})

CONFIG: dict[str, Any] = {
    "aws:region": REGION,
    "aws:allowedAccountIds": [ACCOUNT],
    "services": [{"name": "api"}],
    "keyAdmins": [f"arn:aws:iam::{ACCOUNT}:role/security/key-admins"],
    "writers": [
        {"name": "ci", "principals": [f"arn:aws:iam::{ACCOUNT}:role/ci"], "namespaces": ["api"]},
        {"name": "break-glass", "ssoPermissionSets": ["BreakGlass"], "namespaces": ["*"]},
    ],
    "ecsHosts": {"clusterName": "dev", "instanceType": "t3.small"},
    "audit": {"deployerRoleArn": f"arn:aws:iam::{ACCOUNT}:role/platform-deployer"},
}


@pytest.fixture
def aws(monkeypatch: pytest.MonkeyPatch) -> Iterator[None]:
    """moto in-process, with dummy credentials and nothing from the user's AWS config."""
    for name in list(os.environ):
        if name.startswith("AWS_"):
            monkeypatch.delenv(name)
    monkeypatch.setenv("AWS_ACCESS_KEY_ID", "testing")
    monkeypatch.setenv("AWS_SECRET_ACCESS_KEY", "testing")
    monkeypatch.setenv("AWS_CONFIG_FILE", os.devnull)
    monkeypatch.setenv("AWS_SHARED_CREDENTIALS_FILE", os.devnull)
    with mock_aws():
        yield


def _client(service: str, region: str = REGION) -> Any:
    return boto3.client(service, region_name=region)


def _roles(iam: Any, *roles: str) -> None:
    """Create ``path/name`` roles (a name alone: the path ``/``)."""
    for role in roles:
        path, _, name = role.rpartition("/")
        path = f"{path}/" if path else "/"
        iam.create_role(RoleName=name, Path=path, AssumeRolePolicyDocument=TRUST)


SSO_BREAK_GLASS = f"{SSO_PATH}AWSReservedSSO_BreakGlass_0123456789abcdef"


def _ready_account() -> None:
    """Everything the CONFIG names exists, nothing collides."""
    _roles(_client("iam"), "/security/key-admins", "ci", "platform-deployer", SSO_BREAK_GLASS)


def _as_deployer() -> Clients:
    """Clients with the credentials of a platform-deployer session (moto's STS)."""
    credentials = _client("sts").assume_role(
        RoleArn=f"arn:aws:iam::{ACCOUNT}:role/platform-deployer", RoleSessionName="preflight"
    )["Credentials"]

    def clients(service: str, region: str) -> Any:
        return boto3.client(
            service,
            region_name=region or REGION,
            aws_access_key_id=credentials["AccessKeyId"],
            aws_secret_access_key=credentials["SecretAccessKey"],
            aws_session_token=credentials["SessionToken"],
        )

    return clients


def _trail(name: str, region: str, multi: bool = False) -> None:
    """A trail homed in ``region`` (with a log bucket of its own, as CloudTrail needs)."""
    bucket = f"logs-{name}"
    location = (
        {}
        if region == "us-east-1"
        else {"CreateBucketConfiguration": {"LocationConstraint": region}}
    )
    _client("s3", region).create_bucket(Bucket=bucket, **location)
    _client("cloudtrail", region).create_trail(
        Name=name, S3BucketName=bucket, IsMultiRegionTrail=multi
    )


def test_a_ready_account_passes_every_check(aws: None, stack_file: StackFile) -> None:
    _ready_account()
    result = preflight(stack_file(CONFIG), clients=_as_deployer())
    assert statuses(result.checks) == {
        "account": PASS,
        f"principal arn:aws:iam::{ACCOUNT}:role/ci": PASS,
        f"principal arn:aws:iam::{ACCOUNT}:role/security/key-admins": PASS,
        "deployer": PASS,
        "SSO permission set BreakGlass": PASS,
        "ECS cluster dev": PASS,
        "KMS alias alias/parameter_store_key": PASS,
        "S3 bucket audit-logs": PASS,
        "CloudTrail trail secrets-platform-dev": PASS,
        "IAM roles": PASS,
    }, result.render()
    assert result.ok and result.account == ACCOUNT and result.region == REGION
    assert result.caller.startswith(f"arn:aws:sts::{ACCOUNT}:assumed-role/platform-deployer/")
    text = result.render()
    assert text.splitlines()[-1] == "ready for `pulumi up`"
    assert (
        "PASS  SSO permission set BreakGlass: provisioned to 123456789012 as "
        "AWSReservedSSO_BreakGlass_0123456789abcdef" in text
    )


def test_each_problem_fails_with_its_fix(aws: None, stack_file: StackFile) -> None:
    # key-admins exists on another path; ci does not exist; a look-alike permission set only
    look_alike = f"{SSO_PATH}AWSReservedSSO_BreakGlass_Admins_0123456789abcdef"
    _roles(_client("iam"), "key-admins", "platform-deployer", look_alike)
    # a cluster of that name made elsewhere; the alias on someone else's key
    _client("ecs").create_cluster(clusterName="dev")
    kms = _client("kms")
    key = kms.create_key()["KeyMetadata"]["KeyId"]
    kms.create_alias(AliasName="alias/parameter_store_key", TargetKeyId=key)
    config = dict(
        CONFIG,
        **{"aws:allowedAccountIds": ["111111111111"]},
        writers=[
            *CONFIG["writers"],
            {
                "name": "tooling",
                "principals": ["arn:aws:iam::777788889999:role/ci-deploy"],
                "namespaces": ["api"],
            },
        ],
    )
    # runs as moto's default user, not the deployer role
    result = preflight(stack_file(config), clients=lambda s, r: _client(s, r or REGION))
    checks = {c.name: c for c in result.checks}
    assert statuses(result.checks) == {
        "account": FAIL,
        f"principal arn:aws:iam::{ACCOUNT}:role/ci": FAIL,
        f"principal arn:aws:iam::{ACCOUNT}:role/security/key-admins": FAIL,
        "principal arn:aws:iam::777788889999:role/ci-deploy": WARN,
        "deployer": FAIL,
        "SSO permission set BreakGlass": FAIL,
        "ECS cluster dev": FAIL,
        "KMS alias alias/parameter_store_key": FAIL,
        "S3 bucket audit-logs": PASS,
        "CloudTrail trail secrets-platform-dev": PASS,
        "IAM roles": PASS,
    }, result.render()
    assert not result.ok
    assert "the stack allows 111111111111" in checks["account"].detail
    ci = checks[f"principal arn:aws:iam::{ACCOUNT}:role/ci"]
    assert "Invalid principal" in ci.detail
    assert ci.fix == "create the role first, or remove it from writers[0].principals (ci)"
    admins = checks[f"principal arn:aws:iam::{ACCOUNT}:role/security/key-admins"]
    assert admins.fix == f"name it arn:aws:iam::{ACCOUNT}:role/key-admins in keyAdmins[0]"
    assert "no one can assume writer break-glass" in checks["SSO permission set BreakGlass"].detail
    assert "existingCluster: true" in checks["ECS cluster dev"].fix
    assert "dev/parameter_store_key" in checks["KMS alias alias/parameter_store_key"].fix
    assert "audit.deployerRoleArn is" in checks["deployer"].detail
    lines = result.render().splitlines()
    assert lines[-1] == "7 check(s) FAILED"
    assert all(" Fix: " in line for line in lines if line.startswith("FAIL"))
    assert len(lines) == len(result.checks) + 2  # one line per check, a head and a tail


def test_a_taken_alias_never_suggests_itself(aws: None, stack_file: StackFile) -> None:
    """prod's example alias is prod/parameter_store_key: when another key holds it, the fix
    must name an alias other than the one that is taken."""
    kms = _client("kms")
    key = kms.create_key()["KeyMetadata"]["KeyId"]
    kms.create_alias(AliasName="alias/dev/parameter_store_key", TargetKeyId=key)
    config = dict(CONFIG, kmsKeyAlias="dev/parameter_store_key")
    result = preflight(stack_file(config), clients=lambda s, r: _client(s, r or REGION))
    check = {c.name: c for c in result.checks}["KMS alias alias/dev/parameter_store_key"]
    assert check.status == FAIL
    assert "kmsKeyAlias" in check.fix
    assert "dev/parameter_store_key " not in check.fix + " ", check.fix


@pytest.mark.parametrize("accounts", [ACCOUNT, ["12345678901"], [f"{ACCOUNT}x"]])
def test_a_malformed_allowed_account_list_is_an_error(
    aws: None, stack_file: StackFile, accounts: Any
) -> None:
    """aws:allowedAccountIds is what keeps `pulumi up` out of the wrong account: a bare string
    or an id that is not 12 digits (a YAML octal like 001111111111 loses its zeros) is one
    line naming the key, never read as "not set" (a WARN) or judged for another account."""
    path = stack_file(dict(CONFIG, **{"aws:allowedAccountIds": accounts}))
    with pytest.raises(ValueError, match=r"aws:allowedAccountIds: .*12-digit") as error:
        preflight(path, clients=lambda s, r: _client(s, r or REGION))
    assert "\n" not in str(error.value)
    done = run_access_report([str(path)])
    assert done.returncode == 2 and done.stdout == ""
    assert done.stderr.count("\n") == 1 and "aws:allowedAccountIds" in done.stderr


def test_what_this_stack_made_earlier_passes(aws: None, stack_file: StackFile) -> None:
    """A second pre-flight before an update: the cluster, alias and trail are this stack's."""
    _ready_account()
    _client("ecs").create_cluster(
        clusterName="dev", tags=[{"key": "secrets-platform:stack", "value": "dev"}]
    )
    kms = _client("kms")
    policy = secrets_key_policy(AwsContext(ACCOUNT, REGION), (), "/secrets-platform/dev/")
    key = kms.create_key(Policy=json.dumps(policy))["KeyMetadata"]["KeyId"]
    kms.create_alias(AliasName="alias/parameter_store_key", TargetKeyId=key)
    _trail("secrets-platform-dev", REGION, multi=True)
    result = preflight(stack_file(CONFIG), clients=_as_deployer())
    checks = {c.name: c for c in result.checks}
    assert result.ok, result.render()
    assert checks["ECS cluster dev"].detail == "exists, created by this stack"
    assert checks["KMS alias alias/parameter_store_key"].detail == f"names key {key}, this stack's"
    assert "this stack's" in checks["CloudTrail trail secrets-platform-dev"].detail
    # the same alias, but a key of another stack's path: taken
    other = secrets_key_policy(AwsContext(ACCOUNT, REGION), (), "/secrets-platform/prod/")
    kms.put_key_policy(KeyId=key, PolicyName="default", Policy=json.dumps(other))
    result = preflight(stack_file(CONFIG), clients=_as_deployer())
    assert statuses(result.checks)["KMS alias alias/parameter_store_key"] == FAIL


def test_reader_permission_sets_are_checked_like_writers(aws: None, stack_file: StackFile) -> None:
    """audit.readerSsoPermissionSets: a permission set not provisioned to the account leaves
    the audit-reader role with no one to assume it (`pulumi up` succeeds: the trust is a
    condition); one shared with a writer names both."""
    _ready_account()
    audit = dict(CONFIG["audit"], readerSsoPermissionSets=["SecurityAudit", "BreakGlass"])
    result = preflight(stack_file(dict(CONFIG, audit=audit)), clients=_as_deployer())
    checks = {c.name: c for c in result.checks}
    assert checks["SSO permission set SecurityAudit"].status == FAIL
    assert (
        "no one can assume the audit-reader role"
        in checks["SSO permission set SecurityAudit"].detail
    )
    assert "readerSsoPermissionSets" in checks["SSO permission set SecurityAudit"].fix
    assert checks["SSO permission set BreakGlass"].status == PASS
    _roles(_client("iam"), f"{SSO_PATH}AWSReservedSSO_SecurityAudit_0123456789abcdef")
    result = preflight(stack_file(dict(CONFIG, audit=audit)), clients=_as_deployer())
    assert statuses(result.checks)["SSO permission set SecurityAudit"] == PASS


def test_a_missing_audit_reader_says_where_it_is_named(aws: None, stack_file: StackFile) -> None:
    """audit.readers must exist like writers' principals: the fix names audit.readers[i]."""
    _ready_account()
    reader = f"arn:aws:iam::{ACCOUNT}:role/auditors"
    audit = dict(CONFIG["audit"], readers=[reader])
    result = preflight(stack_file(dict(CONFIG, audit=audit)), clients=_as_deployer())
    check = {c.name: c for c in result.checks}[f"principal {reader}"]
    assert check.status == FAIL
    assert check.fix == "create the role first, or remove it from audit.readers[0]"


class _Summary:
    """An IAM client whose account summary reports ``roles`` of ``quota`` roles."""

    def __init__(self, client: Any, roles: int, quota: int) -> None:
        self._client, self._roles, self._quota = client, roles, quota

    def get_account_summary(self) -> dict[str, Any]:
        summary = self._client.get_account_summary()
        summary["SummaryMap"].update(Roles=self._roles, RolesQuota=self._quota)
        return summary

    def __getattr__(self, name: str) -> Any:
        return getattr(self._client, name)


def test_the_roles_quota_leaves_room_for_the_stacks_roles(aws: None, stack_file: StackFile) -> None:
    """IAM allows 1,000 roles per account by default: a stack of many services stops half
    way through `pulumi up` when the account runs out. Roles of this stack from an earlier
    `up` (under its path) are already counted."""
    _ready_account()
    deployer = _as_deployer()
    planned = 1 + 2 + 1  # the service, the two writers, the host role

    def with_roles(roles: int, quota: int = 1000) -> Check:
        def clients(name: str, region: str) -> Any:
            client = deployer(name, region)
            return _Summary(client, roles, quota) if name == "iam" else client

        result = preflight(stack_file(CONFIG), clients=clients)
        return {c.name: c for c in result.checks}["IAM roles"]

    assert with_roles(1000 - planned).status == PASS
    full = with_roles(1000 - planned + 1)
    assert full.status == FAIL
    assert full.detail == (
        f"the account has {1000 - planned + 1} of its 1000 roles and this stack adds {planned}"
    )
    assert "quota" in full.fix and "Service Quotas" in full.fix
    # after a first `up`, the stack's own roles are already among the account's
    _roles(_client("iam"), "/secrets-platform/dev/svc-api-role-1234567")
    assert with_roles(1000 - planned + 1).status == PASS


@pytest.mark.parametrize(("exists", "expected"), [(True, PASS), (False, FAIL)])
def test_an_existing_cluster_must_exist(
    aws: None, stack_file: StackFile, exists: bool, expected: str
) -> None:
    _ready_account()
    if exists:
        _client("ecs").create_cluster(clusterName="shared")
    hosts = {"clusterName": "shared", "instanceType": "t3.small", "existingCluster": True}
    config = dict(CONFIG, ecsHosts=hosts)
    result = preflight(stack_file(config), clients=_as_deployer())
    assert statuses(result.checks)["ECS cluster shared"] == expected


def test_existing_cluster_on_a_cluster_this_stack_created_warns(
    aws: None, stack_file: StackFile
) -> None:
    """existingCluster: true for the cluster this stack created (its tag says so): Pulumi
    deletes the cluster it no longer declares, unless its resource left the state first."""
    _ready_account()
    _client("ecs").create_cluster(
        clusterName="dev", tags=[{"key": "secrets-platform:stack", "value": "dev"}]
    )
    hosts = dict(CONFIG["ecsHosts"], existingCluster=True)
    result = preflight(stack_file(dict(CONFIG, ecsHosts=hosts)), clients=_as_deployer())
    check = {c.name: c for c in result.checks}["ECS cluster dev"]
    assert check.status == WARN, check
    assert "pulumi state delete" in check.fix


def test_trails_quota_counts_multi_region_trails_everywhere(
    aws: None, stack_file: StackFile
) -> None:
    """Four single-region trails in us-west-2 and one multi-region trail homed in us-east-1:
    us-west-2 is full (4 + 1) for a new multi-region trail, the stack's region is not."""
    _ready_account()
    for i in range(4):
        _trail(f"team-trail-{i}", "us-west-2")
    result = preflight(stack_file(CONFIG), clients=_as_deployer())
    assert statuses(result.checks)["CloudTrail trail secrets-platform-dev"] == PASS
    _trail("org-wide", "us-east-1", multi=True)
    result = preflight(stack_file(CONFIG), clients=_as_deployer())
    check = {c.name: c for c in result.checks}["CloudTrail trail secrets-platform-dev"]
    assert check.status == FAIL and check.detail.startswith("us-west-2 already logs 5 trails")
    # a trail of the stack's name homed elsewhere is a name collision
    _trail("secrets-platform-dev", "ap-south-1")
    result = preflight(stack_file(CONFIG), clients=_as_deployer())
    check = {c.name: c for c in result.checks}["CloudTrail trail secrets-platform-dev"]
    assert check.status == FAIL and "home region ap-south-1" in check.detail


class _Refusing:
    """A client that answers AccessDenied to one operation and passes the rest through."""

    def __init__(self, client: Any, operation: str) -> None:
        self._client, self._operation = client, operation

    def __getattr__(self, name: str) -> Any:
        if name == self._operation:

            def refuse(**_: Any) -> Any:
                error = {"Error": {"Code": "AccessDenied", "Message": "not allowed"}}
                raise ClientError(error, name)

            return refuse
        return getattr(self._client, name)


@pytest.mark.parametrize(
    ("service", "operation", "check", "action"),
    [
        ("iam", "get_role", "principal arn:aws:iam::123456789012:role/ci", "iam:GetRole"),
        ("ecs", "describe_clusters", "ECS cluster dev", "ecs:DescribeClusters"),
        ("kms", "get_key_policy", "KMS alias alias/parameter_store_key", "kms:GetKeyPolicy"),
        (
            "cloudtrail",
            "describe_trails",
            "CloudTrail trail secrets-platform-dev",
            "cloudtrail:DescribeTrails",
        ),
    ],
)
def test_a_refused_read_fails_naming_the_call(
    aws: None, stack_file: StackFile, service: str, operation: str, check: str, action: str
) -> None:
    _ready_account()
    kms = _client("kms")
    key = kms.create_key()["KeyMetadata"]["KeyId"]
    kms.create_alias(AliasName="alias/parameter_store_key", TargetKeyId=key)
    deployer = _as_deployer()

    def clients(name: str, region: str) -> Any:
        client = deployer(name, region)
        return _Refusing(client, operation) if name == service else client

    result = preflight(stack_file(CONFIG), clients=clients)
    found = {c.name: c for c in result.checks}[check]
    assert found.status == FAIL and "AccessDenied" in found.detail, found
    assert action in found.detail and "read-only" in found.fix


def test_explicit_bucket_names_are_checked() -> None:
    """The program's buckets are named by Pulumi today; a fixed name is checked with
    HeadBucket: 404 free, 403 another account's, 200 yours (a warning)."""

    class S3:
        def __init__(self, code: str | None) -> None:
            self.code = code

        def head_bucket(self, Bucket: str) -> dict[str, Any]:  # noqa: N803 - boto3's name
            if self.code:
                raise ClientError({"Error": {"Code": self.code, "Message": ""}}, "HeadBucket")
            return {}

    def check(code: str | None) -> Check:
        return check_bucket("logs", "fixed-name", REGION, lambda s, r: S3(code))

    assert [check(c).status for c in ("404", "403", None)] == [PASS, FAIL, WARN]
    assert check_bucket("logs", None, REGION, lambda s, r: None).status == PASS


def _cli(args: list[str], env: dict[str, str]) -> subprocess.CompletedProcess[str]:
    return run_access_report(args, env=env)


def test_cli_against_a_moto_server(
    aws_env: dict[str, str], moto: MotoServer, stack_file: StackFile
) -> None:
    iam = boto3.client(
        "iam",
        endpoint_url=moto.url,
        region_name=REGION,
        aws_access_key_id="testing",
        aws_secret_access_key="testing",
    )
    _roles(iam, "/security/key-admins", "ci", SSO_BREAK_GLASS)
    config = dict(CONFIG, audit={"retentionDays": 30})  # no deployer: a warning only
    path = str(stack_file(config))
    done = _cli(["--preflight", path], aws_env)
    assert done.returncode == 0, done.stdout + done.stderr
    lines = done.stdout.splitlines()
    assert lines[-1] == "ready for `pulumi up`"
    warning = "WARN  deployer: audit.deployerRoleArn is not set"
    assert any(line.startswith(warning) for line in lines)
    as_json = json.loads(_cli(["--preflight", path, "--json"], aws_env).stdout)
    assert as_json["ok"] is True and as_json["account"] == ACCOUNT
    assert {c["status"] for c in as_json["checks"]} == {PASS, WARN}
    # a missing principal: exit 1, the FAIL line carries its fix
    iam.delete_role(RoleName="ci")
    done = _cli(["--preflight", path], aws_env)
    assert done.returncode == 1
    assert f"FAIL  principal arn:aws:iam::{ACCOUNT}:role/ci: no such role" in done.stdout
    assert done.stdout.splitlines()[-1] == "1 check(s) FAILED"


def test_cli_without_credentials_is_one_line(stack_file: StackFile) -> None:
    env = {k: v for k, v in os.environ.items() if not k.startswith("AWS_")}
    env.update(
        AWS_CONFIG_FILE=os.devnull,
        AWS_SHARED_CREDENTIALS_FILE=os.devnull,
        AWS_EC2_METADATA_DISABLED="true",
    )
    done = _cli(["--preflight", str(stack_file(CONFIG))], env)
    assert done.returncode == 2 and done.stdout == ""
    assert done.stderr.count("\n") == 1
    assert "pre-flight cannot reach AWS" in done.stderr and "aws-vault exec" in done.stderr


def test_a_bad_config_is_named_before_any_aws_call(stack_file: StackFile) -> None:
    """The config is checked offline first: a broken rule is the one line, whether or not
    credentials are at hand (without any here, the pre-flight never reaches AWS)."""
    env = {k: v for k, v in os.environ.items() if not k.startswith("AWS_")}
    env.update(
        AWS_CONFIG_FILE=os.devnull,
        AWS_SHARED_CREDENTIALS_FILE=os.devnull,
        AWS_EC2_METADATA_DISABLED="true",
    )
    bad = dict(CONFIG, services=[{"name": "api", "secretLabel": "/api"}])
    done = _cli(["--preflight", str(stack_file(bad))], env)
    assert done.returncode == 2 and done.stdout == ""
    assert done.stderr.count("\n") == 1
    assert "secrets-platform:services[0].secretLabel" in done.stderr, done.stderr


def test_clients_are_made_one_at_a_time(monkeypatch: pytest.MonkeyPatch) -> None:
    """The trails check asks every region from a thread pool. A boto3 Session is not thread
    safe and clients must not be created from one in parallel (boto3's guide, "Multithreading
    or multiprocessing with sessions"; KeyError 'credential_provider' in boto/botocore#2985):
    the pre-flight's clients are made one at a time, then used in parallel (clients are
    thread safe)."""
    import threading
    import time

    from access_report import preflight as module

    state = {"inside": 0, "most": 0}
    lock = threading.Lock()
    regions = [f"r-{i}" for i in range(12)]

    class Fake:
        def describe_regions(self) -> dict[str, Any]:
            return {"Regions": [{"RegionName": r} for r in regions]}

        def describe_trails(self, **_: Any) -> dict[str, Any]:
            return {"trailList": []}

    class Session:
        def __init__(self, region_name: str | None = None) -> None:
            self.region_name = region_name

        def client(self, service: str, **_: Any) -> Fake:
            with lock:
                state["inside"] += 1
                state["most"] = max(state["most"], state["inside"])
            time.sleep(0.05)
            with lock:
                state["inside"] -= 1
            return Fake()

    monkeypatch.setattr(boto3, "Session", Session)
    check = module.check_trails("t", AwsContext(ACCOUNT, "r-0"), module.boto3_clients("r-0"))
    assert check.status == PASS, check
    assert state["most"] == 1, state


def test_the_region_may_come_from_the_environment_as_for_pulumi_up(
    aws: None, stack_file: StackFile, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Without aws:region, the AWS provider of `pulumi up` takes AWS_REGION (or
    AWS_DEFAULT_REGION): the pre-flight judges the same region; with neither, one error
    naming all three."""
    _ready_account()
    config = {k: v for k, v in CONFIG.items() if k != "aws:region"}
    path = stack_file(config)
    monkeypatch.setenv("AWS_REGION", REGION)
    assert preflight(path, clients=_as_deployer()).region == REGION
    monkeypatch.delenv("AWS_REGION")
    monkeypatch.setenv("AWS_DEFAULT_REGION", REGION)
    assert preflight(path, clients=_as_deployer()).region == REGION
    monkeypatch.delenv("AWS_DEFAULT_REGION")
    with pytest.raises(ValueError, match="aws:region.*AWS_REGION.*--region"):
        preflight(path, clients=_as_deployer())


BLOCKER = """
import sys
class _Blocker:
    def find_spec(self, name, path=None, target=None):
        if name.split(".")[0] in ("boto3", "botocore"):
            raise ModuleNotFoundError(f"No module named {name!r}", name=name)
sys.meta_path.insert(0, _Blocker())
"""


def test_the_preflight_needs_only_requirements_txt(stack_file: StackFile, tmp_path: Path) -> None:
    """The docs install the program with `pip install -r requirements.txt`, then run the
    pre-flight: boto3 is listed there, and an environment without it gets one line with the
    install command, not a traceback."""
    requirements = (ROOT / "requirements.txt").read_text().splitlines()
    assert any(line.startswith("boto3") for line in requirements)
    (tmp_path / "block").mkdir()
    (tmp_path / "block" / "sitecustomize.py").write_text(BLOCKER)
    env = dict(os.environ, PYTHONPATH=f"{tmp_path / 'block'}{os.pathsep}{ROOT}")
    done = subprocess.run(
        [sys.executable, "-m", "access_report", "--preflight", str(stack_file(CONFIG))],
        capture_output=True,
        text=True,
        cwd=ROOT,
        env=env,
        timeout=300,
        check=False,
    )
    assert done.returncode == 2 and done.stdout == ""
    assert done.stderr.count("\n") == 1, done.stderr
    assert "pip install" in done.stderr and "boto3" in done.stderr
