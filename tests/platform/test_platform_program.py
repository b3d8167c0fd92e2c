"""The whole program (the real __main__.py) under mocks, for both example stacks."""

from __future__ import annotations

import json
import subprocess
import sys
from collections import Counter
from pathlib import Path

import pulumi
import pytest

from access_report import access_report, build_report, run_program, run_stack_file
from access_report.harness import load_stack_config
from access_report.model import ASSUME, AUDIT_READER, ECS_TASKS, QUERY, READ, WRITE, access_model
from access_report.report import render_text
from components.config import parse_config

ROOT = Path(__file__).resolve().parents[2]
DEV = ROOT / "Pulumi.dev.yaml"
PROD = ROOT / "Pulumi.prod.yaml"
COMPONENT = "secrets-platform:index:"


@pytest.fixture(scope="module")
def dev() -> object:
    return run_stack_file(DEV)


@pytest.fixture(scope="module")
def prod() -> object:
    return run_stack_file(PROD)


def _counts(run: object) -> Counter[str]:
    return Counter(r.type for r in run.resources)  # type: ignore[attr-defined]


def test_dev_resources_and_exports(dev) -> None:  # type: ignore[no-untyped-def]
    counts = _counts(dev)
    assert counts[f"{COMPONENT}ServiceIdentity"] == 5
    assert counts[f"{COMPONENT}SecretsKey"] == 1
    assert counts[f"{COMPONENT}SecretWriters"] == 1
    assert counts[f"{COMPONENT}EcsHostHardening"] == 1
    assert counts[f"{COMPONENT}AuditTrail"] == 1
    assert counts["aws:iam/role:Role"] == 5 + 2 + 1
    assert counts["aws:iam/rolePolicy:RolePolicy"] == 5 + 2 + 1
    assert counts["aws:sns/topicSubscription:TopicSubscription"] == 0
    assert counts["aws:ecs/cluster:Cluster"] == 1
    # services 5 x 3, key (component, key, alias), writers 1 + 2 x 2, hosts (component,
    # cluster, role, agent policy, audit-writer attachment, profile, template), audit 13
    assert sum(counts.values()) == 5 * 3 + 3 + (1 + 2 * 2) + 7 + 13
    assert dev.account == "111111111111" and dev.region == "us-east-1"
    exports = dev.exports
    assert set(exports) == {
        "kmsKeyArn",
        "kmsKeyAlias",
        "secretctlKmsKey",
        "serviceRoleArns",
        "writerRoleArns",
        "launchTemplateId",
        "ecsClusterArn",
        "auditBucketName",
        "trailArn",
        "auditLogWritersPolicyArn",
        "guardPolicyConfig",
    }
    assert exports["kmsKeyAlias"] == exports["secretctlKmsKey"] == "alias/parameter_store_key"
    assert exports["ecsClusterArn"] == "arn:aws:ecs:us-east-1:111111111111:cluster/dev"
    assert exports["kmsKeyArn"].startswith("arn:aws:kms:us-east-1:111111111111:key/")
    assert set(exports["serviceRoleArns"]) == {"api", "worker", "nginx", "haproxy", "billing-api"}
    assert set(exports["writerRoleArns"]) == {"engineers", "ci-api"}
    assert exports["trailArn"] == (
        "arn:aws:cloudtrail:us-east-1:111111111111:trail/secrets-platform-dev"
    )


def test_prod_resources_and_exports(prod) -> None:  # type: ignore[no-untyped-def]
    counts = _counts(prod)
    assert counts[f"{COMPONENT}ServiceIdentity"] == 6
    assert counts["aws:iam/role:Role"] == 6 + 3 + 1 + 1  # + the audit reader
    assert counts["aws:sns/topicSubscription:TopicSubscription"] == 1
    # audit: 13 + email; Athena: database, table, workgroup, results bucket with its public
    # access block, encryption, lifecycle and policy; the reader role and its policy
    assert sum(counts.values()) == 6 * 3 + 3 + (1 + 3 * 2) + 7 + 14 + 8 + 2
    assert prod.exports["auditAthenaTable"] == "secrets_platform_prod.cloudtrail"
    assert prod.exports["auditAthenaWorkgroup"] == "secrets-platform-prod"
    assert prod.exports["auditReaderRoleArn"] == (
        "arn:aws:iam::222222222222:role/secrets-platform/prod/audit-reader-role"
    )
    assert prod.exports["kmsKeyAlias"] == "alias/prod/parameter_store_key"
    # writers of a stack with a non-default alias must point secretctl at it
    assert prod.exports["secretctlKmsKey"] == "alias/prod/parameter_store_key"
    # the email subscription waits for its confirmation link
    assert prod.exports["alertSubscriptionPending"] is True
    assert prod.named("ecs-hosts-cluster").inputs["settings"] == [
        {"name": "containerInsights", "value": "enabled"}
    ]
    assert prod.exports["launchTemplateId"]
    assert prod.named("ecs-hosts-launch-template").inputs["imageId"] == "ami-0123456789abcdef0"
    assert prod.named("audit-logs-object-lock").inputs["rule"]["defaultRetention"]["days"] == 400


def test_every_role_lives_under_the_stack_path(dev, prod) -> None:  # type: ignore[no-untyped-def]
    """The key policy lets no principal outside /secrets-platform/<stack>/ use the key, so
    every role the program creates must be there (and nothing else is)."""
    for run in (dev, prod):
        path = f"/secrets-platform/{run.stack}/"
        roles = run.of_type("aws:iam/role:Role")
        assert {r.inputs["path"] for r in roles} == {path}
        key_policy = run.policy("secrets-key-key")
        (deny,) = [
            st for st in key_policy["Statement"] if st["Sid"] == "DenyUseByAnyoneButPlatformRoles"
        ]
        pattern = deny["Condition"]["ArnNotLike"]["aws:PrincipalArn"]
        assert pattern == f"arn:aws:iam::{run.account}:role{path}*"
        assert all(r.outputs["arn"].startswith(pattern[:-1]) for r in roles)


def test_the_key_survives_destroy_and_renames(prod) -> None:  # type: ignore[no-untyped-def]
    """Protected key and alias; and every child is named after its component, so renaming a
    component with `aliases=[Alias(name=old)]` carries its children along (Pulumi derives a
    child's alias by swapping the parent's name at the start of the child's)."""
    assert {r.name for r in prod.resources if r.protect} == {"secrets-key-key", "secrets-key-alias"}
    components = {r.name for r in prod.resources if r.type.startswith(COMPONENT)}
    children = [r for r in prod.resources if r.parent in components]
    assert len(children) == len(prod.resources) - len(components)
    assert all(r.name.startswith(f"{r.parent}-") for r in children)


def test_example_stacks_name_only_principals_that_can_exist(dev, prod) -> None:  # type: ignore[no-untyped-def]
    """No writer trusts an Identity Center role by ARN (it changes on re-provisioning, and
    IAM refuses a missing principal); prod's break-glass and billing team are permission sets."""
    for run in (dev, prod):
        for role in run.of_type("aws:iam/role:Role"):
            assert "AWSReservedSSO_" not in json.dumps(
                [
                    st.get("Principal")
                    for st in json.loads(role.inputs["assumeRolePolicy"])["Statement"]
                ]
            )
    report = build_report(prod)
    assert {g.who for g in report.access.grants if g.what == "writer:break-glass"} == {
        "sso:BreakGlass"
    }
    assert report.access.must_exist == (
        "arn:aws:iam::222222222222:role/ci-deploy",
        "arn:aws:iam::222222222222:role/security-key-admins",
    )


def test_access_model_agrees_with_the_documents(dev, prod) -> None:  # type: ignore[no-untyped-def]
    """The config-level model (what a diff will compare) says what the policy documents grant:
    the same reads, writes and trusted principals for every role."""
    for run in (dev, prod):
        report = build_report(run)
        grants = set(report.access.grants)
        roles = {f"{r.kind.replace('host', 'hosts')}:{r.name}": r for r in report.roles}
        for name, role in roles.items():
            if role.kind == "host":
                continue
            secrets = {g for g in grants if g.who == name and g.what.startswith("/")}
            modelled_reads = {g.what for g in secrets if g.can == READ}
            modelled_writes = {g.what for g in secrets if g.can == WRITE}
            assert modelled_reads == {r for r in role.reads if r.endswith("*")}, name
            assert modelled_writes == {w for w in role.writes if w.endswith("*")}, name
            trusted = {g.who for g in grants if g.what == name and g.can == ASSUME}
            for who in trusted:
                shown = who.removeprefix("sso:")
                assert any(shown in line for line in role.trusted), (name, who)
            assert len(trusted) == len(role.trusted), (name, role.trusted)
        assert all(g.who == ECS_TASKS for g in grants if g.what.startswith("service:"))


def test_access_model_of_the_audit_reader_agrees_with_its_policy(prod) -> None:  # type: ignore[no-untyped-def]
    """The reader's grants in the model name the workgroup, table, trail and results that its
    policy document names; it reads and writes no secret."""
    report = build_report(prod)
    (reader,) = [r for r in report.roles if r.kind == "reader"]
    assert f"{reader.kind}:{reader.name}" == AUDIT_READER
    assert reader.reads == reader.writes == [] and reader.kms == []
    assert reader.lists_all_names  # names, for `secretctl audit reads`/`unused`
    modelled = {(g.can, g.what) for g in report.access.grants if g.who == AUDIT_READER}
    assert modelled == {
        (QUERY, "athena-workgroup:secrets-platform-prod"),
        (READ, "glue-table:secrets_platform_prod.cloudtrail"),
        (READ, "trail-logs:secrets-platform-prod"),
        (READ, "athena-results:secrets-platform-prod"),
        (WRITE, "athena-results:secrets-platform-prod"),
    }
    text = "\n".join(reader.other)
    account, region = prod.account, prod.region
    assert f"arn:aws:athena:{region}:{account}:workgroup/secrets-platform-prod" in text
    assert f"arn:aws:glue:{region}:{account}:table/secrets_platform_prod/cloudtrail" in text
    assert f"arn:aws:s3:::{prod.exports['auditBucketName']}/AWSLogs/{account}/CloudTrail/*" in text
    assert "arn:aws:s3:::audit-athena-results/audit-reader/*" in text
    assert {g.who for g in report.access.grants if g.what == AUDIT_READER} == {"sso:SecurityAudit"}


def test_named_readers_must_exist_and_assume_like_writers() -> None:
    """A reader named by ARN is in the report's must-exist list (IAM refuses a trust policy
    naming a missing principal); an account root is not, and assumes only with MFA."""
    acct = "123456789012"
    auditor = f"arn:aws:iam::{acct}:role/security/auditor"
    config = parse_config(
        {
            "services": [{"name": "api"}],
            "audit": {"readers": [f"arn:aws:iam::{acct}:root", auditor]},
        },
        "dev",
    )
    model = access_model(config)
    assert model.must_exist == (auditor,)
    assert {(g.who, g.condition) for g in model.grants if g.what == AUDIT_READER} == {
        (f"arn:aws:iam::{acct}:root", "with MFA, any principal of the account"),
        (auditor, ""),
    }
    # without athena the reader only reads the trail's log files
    assert {(g.can, g.what) for g in model.grants if g.who == AUDIT_READER} == {
        (READ, "trail-logs:secrets-platform-dev")
    }


def test_roles_too_long_for_the_consoles_switch_role_say_so() -> None:
    """The console's Switch Role takes a role whose path and name together have at most 64
    characters (https://docs.aws.amazon.com/IAM/latest/UserGuide/id_roles_manage.html); a
    writer or the audit reader (people assume them, break-glass in the SSM console too) past
    that is assumed with the CLI or an SDK, and the report says so. Pulumi's name is the
    logical name and 8 characters."""
    config = load_stack_config(PROD)
    short = build_report(run_program(config, stack="prod"))
    long = build_report(run_program(config, stack="production-eu"))
    for report in (short, long):
        path = f"/secrets-platform/{report.stack}/"
        for role in report.roles:
            name = role.role.rsplit("/", 1)[1]
            assert role.path_and_name_length == len(path) + len(name) + 8, role.role
    writers = {r.name: r for r in long.roles if r.kind == "writer"}
    assert writers["break-glass"].path_and_name_length == 64  # fits, just
    assert writers["billing-team"].path_and_name_length == 65
    text = render_text(long)
    line = (
        "    console      : no Switch Role (path and name: 65 characters; the console takes "
        "64): assume it with the CLI or an SDK"
    )
    assert text.count(line) == 1
    assert "no Switch Role" not in render_text(short)


def test_every_service_is_three_resources(prod) -> None:  # type: ignore[no-untyped-def]
    for name in prod.exports["serviceRoleArns"]:
        children = [
            r
            for r in prod.resources
            if r.name.startswith(f"svc-{name}-") or r.name == f"svc-{name}"
        ]
        assert len(children) == 3, name


def test_shared_labels_read_the_same_secrets(prod) -> None:  # type: ignore[no-untyped-def]
    report = build_report(prod)
    assert report.shared_labels == {"edge": ["haproxy", "nginx"]}
    nginx = prod.policy("svc-nginx-read-secrets")
    haproxy = prod.policy("svc-haproxy-read-secrets")
    assert nginx == haproxy
    assert prod.exports["serviceRoleArns"]["nginx"] != prod.exports["serviceRoleArns"]["haproxy"]


def test_no_service_role_can_write_or_use_star(prod) -> None:  # type: ignore[no-untyped-def]
    report = build_report(prod)
    services = [r for r in report.roles if r.kind == "service"]
    assert len(services) == 6
    for role in services:
        assert role.writes == [] and not role.lists_all_names and role.other == []
        assert role.reads == [f"/{role.secret_label}", f"/{role.secret_label}/*"]
        assert [g.actions for g in role.kms] == [["kms:Decrypt"]]
        assert all(g.resource == prod.exports["kmsKeyArn"] for g in role.kms)


def test_no_duplicate_resource_names(dev, prod) -> None:  # type: ignore[no-untyped-def]
    for run in (dev, prod):
        names = [(r.type, r.name) for r in run.resources]
        assert len(names) == len(set(names))


def test_minimal_config_has_no_optional_parts() -> None:
    run = run_program(
        {
            "secrets-platform:services": json.dumps([{"name": "api"}]),
            "secrets-platform:audit": json.dumps({"enabled": False}),
        }
    )
    assert set(run.exports) == {
        "kmsKeyArn",
        "kmsKeyAlias",
        "secretctlKmsKey",
        "serviceRoleArns",
        "writerRoleArns",
        "guardPolicyConfig",
    }
    assert run.exports["writerRoleArns"] == {}
    assert len(run.resources) == 3 + 3


def test_runs_are_independent_and_deterministic() -> None:
    first = run_stack_file(DEV)
    second = run_stack_file(DEV)
    assert [(r.type, r.name, r.inputs) for r in first.resources] == [
        (r.type, r.name, r.inputs) for r in second.resources
    ]


@pytest.mark.parametrize(
    ("config", "message"),
    [
        ({}, "secrets-platform:services: required"),
        (
            {"secrets-platform:services": '[{"name": "a"}, {"name": "a"}]'},
            "secrets-platform:services[1].name: duplicate service name 'a'",
        ),
        (
            {"secrets-platform:services": '[{"name": "a", "secretLabel": "x/_chamber"}]'},
            "secrets-platform:services[0].secretLabel: secret label 'x/_chamber' must not use",
        ),
        (
            {"secrets-platform:services": '[{"name": "a"}]', "secrets-platform:typo": "1"},
            "secrets-platform:typo: unknown key",
        ),
    ],
)
def test_bad_config_stops_the_program_with_one_message(config: dict, message: str) -> None:
    with pytest.raises(pulumi.RunError) as error:
        run_program(config)
    assert str(error.value).startswith(message)


REPORT_LINES = {
    "dev": [
        "secrets-platform stack 'dev'",
        "reads        : /edge, /edge/*",
        "/edge/*  read by haproxy, nginx",
        "aws:arn:aws:iam::111111111111:root [aws:MultiFactorAuthPresent Bool true]",
        "kms:EncryptionContext:PARAMETER_ARN StringLike /api/*",
        "tokens required, hop limit 1, IPv6 endpoint disabled, tags disabled",
        "ECS_AWSVPC_BLOCK_IMDS=true",
        "iptables -I DOCKER-USER -d 169.254.169.254/32 -j DROP",
        "rule state ENABLED_WITH_ALL_CLOUDTRAIL_MANAGEMENT_EVENTS",
        "writers: secretctl uses alias/parameter_store_key by default",
        "changed only by: arn:aws:iam::111111111111:role/platform-deployer",
        "cluster/dev (created by this stack, Container Insights disabled)",
        "arn:aws:iam::111111111111:root  assume  writer:engineers  [with MFA",
        "Must exist before `pulumi up`",
    ],
    # writers of a non-default alias are told the key; alerts wait for the confirmation click
    "prod": [
        "export SECRETCTL_KMS_KEY=alias/prod/parameter_store_key",
        "the email subscription is PENDING until the link AWS mails is clicked",
        "alertSubscriptionPending: true",
        "sso:BillingEngineers  assume  writer:billing-team",
        "Athena table secrets_platform_prod.cloudtrail over s3://audit-logs/AWSLogs/ "
        "(partitions projected: account (enum), region (injected), timestamp (date))",
        "Athena workgroup secrets-platform-prod: settings enforced, Athena engine version 3, "
        "a query scanning over 100 GB (100,000,000,000 bytes) is cancelled",
        "query results: s3://audit-athena-results/audit-reader/ (SSE_S3, expire after 7 days)",
        "sso:SecurityAudit  assume  reader:audit  [its policy allows sts:AssumeRole]",
        "reader:audit  query  athena-workgroup:secrets-platform-prod",
        'auditAthenaTable: "secrets_platform_prod.cloudtrail"',
        'auditAthenaWorkgroup: "secrets-platform-prod"',
        "s3:ListBucket on arn:aws:s3:::audit-logs when s3:prefix StringLike "
        "AWSLogs/222222222222/CloudTrail/*",
    ],
}


@pytest.mark.parametrize("stack", list(REPORT_LINES))
def test_report_prints_the_access_matrix(stack: str) -> None:
    text = access_report(ROOT / f"Pulumi.{stack}.yaml")
    assert [line for line in REPORT_LINES[stack] if line not in text] == []


def test_report_denies_read_like_grants() -> None:
    """A writer's Deny of changes under /_chamber is printed like its grants: actions and
    resources joined, not Python's list syntax."""
    text = access_report(PROD)
    denies = [line for line in text.splitlines() if "DENY" in line]
    assert denies, text
    assert not [line for line in denies if "[" in line or "'" in line], denies
    assert any(
        "DENY ssm:AddTagsToResource, ssm:DeleteParameter" in line
        and "on arn:aws:ssm:eu-west-1:222222222222:parameter/_chamber, " in line
        for line in denies
    ), denies


def test_report_command(tmp_path: Path) -> None:
    ok = subprocess.run(
        [sys.executable, "-m", "access_report", str(PROD), "--json"],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert ok.returncode == 0, ok.stderr
    report = json.loads(ok.stdout)
    assert report["stack"] == "prod" and report["account"] == "222222222222"
    assert report["secretctl_kms_key"] == "alias/prod/parameter_store_key"
    assert {
        "who": "sso:BreakGlass",
        "can": "assume",
        "what": "writer:break-glass",
        "condition": "its policy allows sts:AssumeRole",
    } in report["access"]["grants"]
    bad = tmp_path / "Pulumi.bad.yaml"
    bad.write_text(
        "config:\n  secrets-platform:services:\n    - name: api\n      secretLabel: /api\n"
    )
    failed = subprocess.run(
        [sys.executable, "-m", "access_report", str(bad)],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert failed.returncode == 2
    assert failed.stderr.strip() == (
        "access_report: secrets-platform:services[0].secretLabel: secret label '/api' must not "
        "start or end with '/' (write 'team/api', not '/team/api/')"
    )
