"""The stack config: defaults, and one message naming the key and the rule per bad config."""

from __future__ import annotations

from typing import Any

import pytest

from components.config import (
    DEFAULT_ECS_AMI,
    Audit,
    AuditAthena,
    ConfigError,
    EcsHosts,
    Service,
    Writer,
    decode_config,
    parse_config,
)
from policies.athena import AthenaNames
from policies.context import AwsContext

SERVICES = [{"name": "api"}]
ACCOUNT = "123456789012"
CTX = AwsContext(account=ACCOUNT, region="ap-southeast-2")


def test_defaults() -> None:
    config = parse_config({"services": SERVICES}, "dev")
    assert config.services == (Service("api", "api"),)
    assert config.kms_key_alias == "parameter_store_key"
    assert config.key_admins == () and config.writers == ()
    assert config.ecs_hosts is None
    assert config.audit == Audit(
        trail_name="secrets-platform-dev",
        enabled=True,
        retention_days=365,
        alert_email=None,
        deployer_role_arn=None,
    )
    assert config.role_path == "/secrets-platform/dev/"


def test_writers_hosts_and_audit_options() -> None:
    config = parse_config(
        {
            "services": SERVICES,
            "writers": [
                {"name": "sso", "ssoPermissionSets": ["Billing_Team"], "namespaces": ["api"]},
                {
                    "name": "both",
                    "principals": [f"arn:aws:iam::{ACCOUNT}:root"],
                    "ssoPermissionSets": ["BreakGlass"],
                    "namespaces": ["*"],
                },
            ],
            "ecsHosts": {
                "clusterName": "prod",
                "instanceType": "m6i.large",
                "containerInsights": "enhanced",
            },
            "audit": {
                "deployerRoleArn": f"arn:aws:iam::{ACCOUNT}:role/ops/platform-deployer",
                "trailName": "org.secrets_trail",
            },
        },
        "prod",
    )
    assert config.writers == (
        Writer("sso", (), ("api",), ("Billing_Team",)),
        Writer("both", (f"arn:aws:iam::{ACCOUNT}:root",), ("*",), ("BreakGlass",)),
    )
    assert config.ecs_hosts == EcsHosts("prod", "m6i.large", container_insights="enhanced")
    assert config.audit.deployer_role_arn == f"arn:aws:iam::{ACCOUNT}:role/ops/platform-deployer"
    assert config.audit.trail_name == "org.secrets_trail"
    existing = parse_config(
        {
            "services": SERVICES,
            "ecsHosts": {
                "clusterName": "shared",
                "instanceType": "t3.small",
                "existingCluster": True,
            },
        },
        "dev",
    )
    assert existing.ecs_hosts is not None and existing.ecs_hosts.existing_cluster is True


def test_audit_athena_and_readers() -> None:
    audit = parse_config({"services": SERVICES}, "prod").audit
    assert audit.athena is None and audit.readers == () and not audit.has_readers
    reader = f"arn:aws:iam::{ACCOUNT}:role/security/auditor"
    audit = parse_config(
        {
            "services": SERVICES,
            "audit": {
                "athena": True,
                "readers": [f"arn:aws:iam::{ACCOUNT}:root", reader],
                "readerSsoPermissionSets": ["Security_Audit"],
            },
        },
        "Prod-EU",
        CTX,
    ).audit
    assert audit.athena == AuditAthena(
        AthenaNames(database="secrets_platform_prod_eu", workgroup="secrets-platform-Prod-EU"),
        scan_limit_gb=100,
        results_days=7,
    )
    assert audit.readers == (f"arn:aws:iam::{ACCOUNT}:root", reader)
    assert audit.reader_sso_permission_sets == ("Security_Audit",) and audit.has_readers
    tuned = parse_config(
        {
            "services": SERVICES,
            "audit": {"athena": True, "athenaScanLimitGb": 5, "athenaResultsDays": 30},
        },
        "dev",
    ).audit.athena
    assert tuned is not None and (tuned.scan_limit_gb, tuned.results_days) == (5, 30)
    # readers without Athena: the role reads the log files (secretctl's s3:// source)
    only_logs = parse_config(
        {"services": SERVICES, "audit": {"readerSsoPermissionSets": ["Audit"]}}, "dev"
    ).audit
    assert only_logs.athena is None and only_logs.has_readers


def test_shared_labels_and_hosts() -> None:
    config = parse_config(
        {
            "services": [
                {"name": "nginx", "secretLabel": "edge"},
                {"name": "haproxy", "secretLabel": "edge"},
                {"name": "billing", "secretLabel": "team/billing"},
            ],
            "kmsKeyAlias": "alias/prod/key",
            "ecsHosts": {"clusterName": "prod", "instanceType": "t3.small"},
            "audit": {"enabled": False},
        },
        "dev",
    )
    assert config.labels == ("edge", "team/billing")
    assert config.kms_key_alias == "prod/key"
    assert config.ecs_hosts is not None and config.ecs_hosts.ami_id == DEFAULT_ECS_AMI
    assert config.ecs_hosts.existing_cluster is False
    assert config.ecs_hosts.container_insights == "disabled"
    assert config.audit.enabled is False


def test_decode_config_takes_only_our_namespace_and_parses_json() -> None:
    raw = {
        "secrets-platform:services": '[{"name": "api"}]',
        "secrets-platform:kmsKeyAlias": "k",
        "aws:region": "eu-west-1",
    }
    assert decode_config(raw) == {"services": [{"name": "api"}], "kmsKeyAlias": "k"}
    with pytest.raises(ConfigError, match="secrets-platform:services: is not valid"):
        decode_config({"secrets-platform:services": "[{"})


@pytest.mark.parametrize(
    ("key", "value", "rule"),
    [
        ("services", "api", "must be a list of services"),
        ("keyAdmins", f"arn:aws:iam::{ACCOUNT}:role/admins", "must be a list of ARNs"),
        ("writers", "ci", "must be a list of writers"),
        ("ecsHosts", "dev", "must be an object with keys clusterName"),
        ("audit", "on", "must be an object with keys enabled"),
    ],
)
def test_a_plain_value_where_a_list_or_object_belongs_names_the_rule(
    key: str, value: str, rule: str
) -> None:
    """`secrets-platform:services: api` in a stack file reaches the program as the text
    'api': the message says what the key must be, not that 'api' is bad JSON."""
    raw = {"secrets-platform:services": '[{"name": "api"}]', f"secrets-platform:{key}": value}
    with pytest.raises(ConfigError) as error:
        parse_config(decode_config(raw), "dev")
    assert str(error.value).startswith(f"secrets-platform:{key}: "), error.value
    assert rule in str(error.value) and "JSON" not in str(error.value)


def test_an_empty_required_list_reads_well() -> None:
    writer = {"name": "ci", "principals": [f"arn:aws:iam::{ACCOUNT}:root"], "namespaces": []}
    with pytest.raises(ConfigError) as error:
        parse_config({"services": [{"name": "api"}], "writers": [writer]}, "dev")
    assert str(error.value) == (
        "secrets-platform:writers[0].namespaces: must list at least one label or '*'"
    )
    with pytest.raises(ConfigError, match="services: must list at least one service$"):
        parse_config({"services": []}, "dev")


SSO_ROLE = f"arn:aws:iam::{ACCOUNT}:role/AWSReservedSSO_BillingEngineers_0123456789abcdef"


def _writer(**fields: Any) -> dict[str, Any]:
    return {"services": SERVICES, "writers": [{"name": "w", "namespaces": ["api"], **fields}]}


BAD: list[tuple[str, dict[str, Any], str]] = [
    ("missing services", {}, "secrets-platform:services: required"),
    ("empty services", {"services": []}, "secrets-platform:services: must list at least one"),
    (
        "duplicate service",
        {"services": [{"name": "api"}, {"name": "api", "secretLabel": "x"}]},
        "secrets-platform:services[1].name: duplicate service name 'api'",
    ),
    (
        "label nested under another",
        {
            "services": [
                {"name": "team", "secretLabel": "team"},
                {"name": "api", "secretLabel": "team/api"},
            ]
        },
        "secrets-platform:services[1].secretLabel: 'team/api' lies under 'team' (service 'team')",
    ),
    (
        "label with *",
        {"services": [{"name": "api", "secretLabel": "api*"}]},
        "secrets-platform:services[0].secretLabel: secret label 'api*' must not contain the "
        "IAM wildcards",
    ),
    (
        "label with ?",
        {"services": [{"name": "api", "secretLabel": "ap?"}]},
        "secrets-platform:services[0].secretLabel: secret label 'ap?' must not contain the IAM",
    ),
    (
        "label with //",
        {"services": [{"name": "api", "secretLabel": "team//api"}]},
        "secrets-platform:services[0].secretLabel: secret label 'team//api' must not contain '//'",
    ),
    (
        "leading /",
        {"services": [{"name": "api", "secretLabel": "/api"}]},
        "secrets-platform:services[0].secretLabel: secret label '/api' must not start or end",
    ),
    (
        "trailing /",
        {"services": [{"name": "api", "secretLabel": "api/"}]},
        "secrets-platform:services[0].secretLabel: secret label 'api/' must not start or end",
    ),
    (
        "_chamber",
        {"services": [{"name": "api", "secretLabel": "_chamber"}]},
        "secrets-platform:services[0].secretLabel: secret label '_chamber' must not use '_chamber'",
    ),
    (
        "unknown top-level key",
        {"services": SERVICES, "kmsKeyAlais": "x"},
        "secrets-platform:kmsKeyAlais: unknown key; allowed keys are services, kmsKeyAlias",
    ),
    (
        "unknown service key",
        {"services": [{"name": "api", "label": "x"}]},
        "secrets-platform:services[0].label: unknown key; allowed keys are name, secretLabel",
    ),
    (
        "unknown audit key",
        {"services": SERVICES, "audit": {"retention": 3}},
        "secrets-platform:audit.retention: unknown key",
    ),
    (
        "writer namespace wildcard in a label",
        {
            "services": SERVICES,
            "writers": [
                {
                    "name": "ci",
                    "principals": ["arn:aws:iam::123456789012:role/ci"],
                    "namespaces": ["api/*"],
                }
            ],
        },
        "secrets-platform:writers[0].namespaces[0]: secret label 'api/*' must not contain",
    ),
    (
        "writer principal with wildcard",
        {
            "services": SERVICES,
            "writers": [
                {
                    "name": "ci",
                    "principals": ["arn:aws:iam::123456789012:role/*"],
                    "namespaces": ["api"],
                }
            ],
        },
        "secrets-platform:writers[0].principals[0]: 'arn:aws:iam::123456789012:role/*' must be "
        "an IAM principal ARN",
    ),
    (
        "duplicate writer",
        {
            "services": SERVICES,
            "writers": [
                {
                    "name": "ci",
                    "principals": ["arn:aws:iam::123456789012:role/ci"],
                    "namespaces": ["api"],
                },
                {
                    "name": "ci",
                    "principals": ["arn:aws:iam::123456789012:role/ci"],
                    "namespaces": ["api"],
                },
            ],
        },
        "secrets-platform:writers[1].name: duplicate writer name 'ci'",
    ),
    (
        "hosts without cluster",
        {"services": SERVICES, "ecsHosts": {"instanceType": "t3.small"}},
        "secrets-platform:ecsHosts.clusterName: required",
    ),
    (
        "retention not a number",
        {"services": SERVICES, "audit": {"retentionDays": "long"}},
        "secrets-platform:audit.retentionDays: 'long' must be a whole number of days",
    ),
    (
        "reserved alias",
        {"services": SERVICES, "kmsKeyAlias": "aws/ssm"},
        "secrets-platform:kmsKeyAlias: 'aws/ssm' must not start with 'aws/'",
    ),
    (
        "an SSO role by ARN (the old prod example)",
        _writer(principals=[SSO_ROLE]),
        f"secrets-platform:writers[0].principals[0]: '{SSO_ROLE}' is an IAM Identity Center "
        "role, whose name changes when the permission set is provisioned again: list "
        "'BillingEngineers' in ssoPermissionSets instead",
    ),
    (
        "an SSO role by its full ARN",
        _writer(
            principals=[
                f"arn:aws:iam::{ACCOUNT}:role/aws-reserved/sso.amazonaws.com/eu-west-1/"
                "AWSReservedSSO_Admin_abcdef0123456789"
            ]
        ),
        "secrets-platform:writers[0].principals[0]: 'arn:aws:iam::123456789012:role/aws-reserved",
    ),
    (
        "writer without principals or permission sets",
        _writer(),
        "secrets-platform:writers[0].principals: required: list IAM principal ARNs in "
        "principals, IAM Identity Center permission sets in ssoPermissionSets, or both",
    ),
    (
        "bad permission set name",
        _writer(ssoPermissionSets=["Billing Engineers"]),
        "secrets-platform:writers[0].ssoPermissionSets[0]: 'Billing Engineers' must be an IAM "
        "Identity Center permission set name",
    ),
    (
        "writer description over IAM's 1,000 characters",
        {
            "services": SERVICES,
            "writers": [
                {
                    "name": "w",
                    "principals": [f"arn:aws:iam::{ACCOUNT}:role/ci"],
                    "namespaces": [f"team-{i:03d}/service" for i in range(60)],
                }
            ],
        },
        "secrets-platform:writers[0].namespaces: the role description listing them is 1,",
    ),
    (
        "SSO key administrator",
        {"services": SERVICES, "keyAdmins": [SSO_ROLE]},
        "secrets-platform:keyAdmins[0]: '" + SSO_ROLE + "' is an IAM Identity Center role, "
        "whose name changes when the permission set is provisioned again: an SSO permission "
        "set administers the key through its own IAM policy",
    ),
    (
        "the account as key administrator",
        {"services": SERVICES, "keyAdmins": [f"arn:aws:iam::{ACCOUNT}:root"]},
        "secrets-platform:keyAdmins[0]: 'arn:aws:iam::123456789012:root' is the account",
    ),
    (
        "label over IAM's tag value limit",
        {"services": [{"name": "api", "secretLabel": "a" * 257}]},
        "secrets-platform:services[0].secretLabel: secret label is 257 characters: service "
        "roles are tagged with their label and IAM tag values allow 256",
    ),
    (
        "existingCluster not a boolean",
        {
            "services": SERVICES,
            "ecsHosts": {"clusterName": "c", "instanceType": "t3.small", "existingCluster": "yes"},
        },
        "secrets-platform:ecsHosts.existingCluster: 'yes' must be true or false",
    ),
    (
        "unknown Container Insights mode",
        {
            "services": SERVICES,
            "ecsHosts": {"clusterName": "c", "instanceType": "t3.small", "containerInsights": "on"},
        },
        "secrets-platform:ecsHosts.containerInsights: 'on' must be one of disabled, enabled, "
        "enhanced",
    ),
    (
        "Container Insights on a cluster managed elsewhere",
        {
            "services": SERVICES,
            "ecsHosts": {
                "clusterName": "c",
                "instanceType": "t3.small",
                "existingCluster": True,
                "containerInsights": "enabled",
            },
        },
        "secrets-platform:ecsHosts.containerInsights: applies only to a cluster this stack creates",
    ),
    (
        "deployer that is not a role",
        {"services": SERVICES, "audit": {"deployerRoleArn": f"arn:aws:iam::{ACCOUNT}:user/alice"}},
        "secrets-platform:audit.deployerRoleArn: 'arn:aws:iam::123456789012:user/alice' must "
        "be the ARN of the IAM role that runs `pulumi up`",
    ),
    (
        "athena not a boolean",
        {"services": SERVICES, "audit": {"athena": "yes"}},
        "secrets-platform:audit.athena: 'yes' must be true or false",
    ),
    (
        "scan limit without athena",
        {"services": SERVICES, "audit": {"athenaScanLimitGb": 10}},
        "secrets-platform:audit.athenaScanLimitGb: applies only when audit.athena is true",
    ),
    (
        "results days without athena",
        {"services": SERVICES, "audit": {"athena": False, "athenaResultsDays": 1}},
        "secrets-platform:audit.athenaResultsDays: applies only when audit.athena is true",
    ),
    (
        "scan limit of zero",
        {"services": SERVICES, "audit": {"athena": True, "athenaScanLimitGb": 0}},
        "secrets-platform:audit.athenaScanLimitGb: 0 must be a whole number of GB, 1 to 100000",
    ),
    (
        "scan limit as text",
        {"services": SERVICES, "audit": {"athena": True, "athenaScanLimitGb": "10GB"}},
        "secrets-platform:audit.athenaScanLimitGb: '10GB' must be a whole number of GB",
    ),
    (
        "results kept over a year",
        {"services": SERVICES, "audit": {"athena": True, "athenaResultsDays": 400}},
        "secrets-platform:audit.athenaResultsDays: 400 must be a whole number of days, 1 to 365",
    ),
    (
        "athena with audit off",
        {"services": SERVICES, "audit": {"enabled": False, "athena": True}},
        "secrets-platform:audit.athena: applies only when audit.enabled is true",
    ),
    (
        "readers with audit off",
        {
            "services": SERVICES,
            "audit": {"enabled": False, "readers": [f"arn:aws:iam::{ACCOUNT}:role/auditor"]},
        },
        "secrets-platform:audit.readers: applies only when audit.enabled is true",
    ),
    (
        "readers not a list",
        {"services": SERVICES, "audit": {"readers": f"arn:aws:iam::{ACCOUNT}:role/auditor"}},
        "secrets-platform:audit.readers: must be a list of ARNs",
    ),
    (
        "reader with a wildcard",
        {"services": SERVICES, "audit": {"readers": [f"arn:aws:iam::{ACCOUNT}:role/audit*"]}},
        f"secrets-platform:audit.readers[0]: 'arn:aws:iam::{ACCOUNT}:role/audit*' must be an "
        "IAM principal ARN without wildcards",
    ),
    (
        "an SSO role as reader",
        {"services": SERVICES, "audit": {"readers": [SSO_ROLE]}},
        f"secrets-platform:audit.readers[0]: '{SSO_ROLE}' is an IAM Identity Center role, "
        "whose name changes when the permission set is provisioned again: list "
        "'BillingEngineers' in audit.readerSsoPermissionSets instead",
    ),
    (
        "bad reader permission set",
        {"services": SERVICES, "audit": {"readerSsoPermissionSets": ["Security Audit"]}},
        "secrets-platform:audit.readerSsoPermissionSets[0]: 'Security Audit' must be an IAM "
        "Identity Center permission set name",
    ),
    (
        "trail name CloudTrail refuses",
        {"services": SERVICES, "audit": {"trailName": "audit--trail"}},
        "secrets-platform:audit.trailName: 'audit--trail' must be 3-128 letters",
    ),
]


def test_a_stack_name_that_makes_a_bad_trail_name_says_how_to_fix_it() -> None:
    with pytest.raises(ConfigError) as error:
        parse_config({"services": SERVICES}, "-dev")
    assert str(error.value).startswith(
        "secrets-platform:audit.trailName (defaults to secrets-platform-<stack> for stack "
        "'-dev'): 'secrets-platform--dev' must be 3-128 letters"
    )
    assert (
        parse_config(
            {"services": SERVICES, "audit": {"trailName": "platform-dev"}}, "-dev"
        ).audit.trail_name
        == "platform-dev"
    )


def test_a_stack_name_that_makes_a_bad_workgroup_name_says_so() -> None:
    stack = "s" * 112
    with pytest.raises(ConfigError) as error:
        parse_config({"services": SERVICES, "audit": {"trailName": "trail", "athena": True}}, stack)
    assert str(error.value) == (
        f"secrets-platform:audit.athena: the Athena workgroup name 'secrets-platform-{stack}' "
        "must be 1-128 letters, digits, '.', '_' or '-' (derived from the stack name "
        f"'{stack}')"
    )


def _principals(n: int) -> list[str]:
    return [f"arn:aws:iam::{ACCOUNT}:role/ci-runner-{i:02d}" for i in range(n)]


SIZES: list[tuple[str, dict[str, Any], str]] = [
    (
        "writer trust policy over 2,048",
        _writer(principals=_principals(45)),
        "secrets-platform:writers[0]: the trust policy of writer 'w' would be 2,",
    ),
    (
        "writer trust policy with too many permission sets",
        _writer(ssoPermissionSets=[f"PermissionSet{i}" for i in range(5)]),
        "secrets-platform:writers[0]: the trust policy of writer 'w' would be 2,",
    ),
    (
        "writer policy over 10,240",
        _writer(principals=_principals(1), namespaces=[f"n-{i:02d}" for i in range(60)]),
        "secrets-platform:writers[0].namespaces: the policy of writer 'w' would be 11,866 "
        "characters (without whitespace); AWS allows 10,240: split the namespaces over two "
        "writers",
    ),
    (
        "audit reader trust policy over 2,048",
        {"services": SERVICES, "audit": {"athena": True, "readers": _principals(45)}},
        "secrets-platform:audit.readers: the trust policy of the audit-reader role would be 2,",
    ),
    (
        "key policy over 32 KB",
        {
            "services": SERVICES,
            "keyAdmins": [
                f"arn:aws:iam::{ACCOUNT}:role/key-admins/admin-{i:04d}-{'x' * 40}"
                for i in range(400)
            ],
        },
        "secrets-platform:keyAdmins: the key policy would be 3",
    ),
]


@pytest.mark.parametrize(
    ("values", "message"), [(v, m) for _, v, m in SIZES], ids=[case for case, _, _ in SIZES]
)
def test_documents_over_aws_limits_are_refused_with_the_key_to_change(
    values: dict[str, Any], message: str
) -> None:
    """Measured as IAM counts (rendered JSON without whitespace, with the account and region
    the stack deploys to); the same config without a context is not measured."""
    with pytest.raises(ConfigError) as error:
        parse_config(values, "dev", CTX)
    assert str(error.value).startswith(message), str(error.value)
    assert "AWS allows" in str(error.value) and "\n" not in str(error.value)
    parse_config(values, "dev")


def test_documents_just_under_the_limits_pass() -> None:
    parse_config(_writer(principals=_principals(35)), "dev", CTX)
    parse_config({"services": SERVICES, "audit": {"readers": _principals(35)}}, "dev", CTX)
    parse_config(_writer(ssoPermissionSets=[f"Set{i}" for i in range(4)]), "dev", CTX)
    parse_config(
        _writer(principals=_principals(1), namespaces=[f"n-{i:02d}" for i in range(50)]),
        "dev",
        CTX,
    )


@pytest.mark.parametrize(
    ("values", "message"), [(v, m) for _, v, m in BAD], ids=[case for case, _, _ in BAD]
)
def test_bad_config_gets_one_message(values: dict[str, Any], message: str) -> None:
    with pytest.raises(ConfigError) as error:
        parse_config(values, "dev")
    assert str(error.value).startswith(message), str(error.value)
    assert "\n" not in str(error.value)
