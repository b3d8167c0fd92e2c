"""The stack config: defaults, and one message naming the key and the rule per bad config."""

from __future__ import annotations

from typing import Any

import pytest

from components.config import (
    DEFAULT_ECS_AMI,
    Audit,
    ConfigError,
    Service,
    decode_config,
    parse_config,
)

SERVICES = [{"name": "api"}]


def test_defaults() -> None:
    config = parse_config({"services": SERVICES})
    assert config.services == (Service("api", "api"),)
    assert config.kms_key_alias == "parameter_store_key"
    assert config.key_admins == () and config.writers == ()
    assert config.ecs_hosts is None
    assert config.audit == Audit(enabled=True, retention_days=365, alert_email=None)


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
        }
    )
    assert config.labels == ("edge", "team/billing")
    assert config.kms_key_alias == "prod/key"
    assert config.ecs_hosts is not None and config.ecs_hosts.ami_id == DEFAULT_ECS_AMI
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
]


@pytest.mark.parametrize(
    ("values", "message"), [(v, m) for _, v, m in BAD], ids=[case for case, _, _ in BAD]
)
def test_bad_config_gets_one_message(values: dict[str, Any], message: str) -> None:
    with pytest.raises(ConfigError) as error:
        parse_config(values)
    assert str(error.value).startswith(message), str(error.value)
    assert "\n" not in str(error.value)
