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
    # services 5 x 3, key (component, key, alias), writers 1 + 2 x 2, hosts (component, role,
    # agent policy, audit-writer attachment, profile, template), audit 13 (no email)
    assert sum(counts.values()) == 5 * 3 + 3 + (1 + 2 * 2) + 6 + 13
    assert dev.account == "111111111111" and dev.region == "us-east-1"
    exports = dev.exports
    assert set(exports) == {
        "kmsKeyArn", "kmsKeyAlias", "serviceRoleArns", "writerRoleArns", "launchTemplateId",
        "auditBucketName", "trailArn", "auditLogWritersPolicyArn",
    }
    assert exports["kmsKeyAlias"] == "alias/parameter_store_key"
    assert exports["kmsKeyArn"].startswith("arn:aws:kms:us-east-1:111111111111:key/")
    assert set(exports["serviceRoleArns"]) == {"api", "worker", "nginx", "haproxy", "billing-api"}
    assert set(exports["writerRoleArns"]) == {"engineers", "ci-api"}
    assert exports["trailArn"] == (
        "arn:aws:cloudtrail:us-east-1:111111111111:trail/secrets-platform-dev"
    )


def test_prod_resources_and_exports(prod) -> None:  # type: ignore[no-untyped-def]
    counts = _counts(prod)
    assert counts[f"{COMPONENT}ServiceIdentity"] == 6
    assert counts["aws:iam/role:Role"] == 6 + 3 + 1
    assert counts["aws:sns/topicSubscription:TopicSubscription"] == 1
    assert sum(counts.values()) == 6 * 3 + 3 + (1 + 3 * 2) + 6 + 14  # audit: + email
    assert prod.exports["kmsKeyAlias"] == "alias/prod/parameter_store_key"
    assert prod.exports["launchTemplateId"]
    assert prod.named("ecs-hosts-launch-template").inputs["imageId"] == "ami-0123456789abcdef0"
    assert prod.named("audit-logs-object-lock").inputs["rule"]["defaultRetention"]["days"] == 400


def test_every_service_is_three_resources(prod) -> None:  # type: ignore[no-untyped-def]
    for name in prod.exports["serviceRoleArns"]:
        children = [r for r in prod.resources if r.name.startswith(f"svc-{name}-")
                    or r.name == f"svc-{name}"]
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
    run = run_program({"secrets-platform:services": json.dumps([{"name": "api"}]),
                       "secrets-platform:audit": json.dumps({"enabled": False})})
    assert set(run.exports) == {"kmsKeyArn", "kmsKeyAlias", "serviceRoleArns", "writerRoleArns"}
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
        ({"secrets-platform:services": '[{"name": "a"}, {"name": "a"}]'},
         "secrets-platform:services[1].name: duplicate service name 'a'"),
        ({"secrets-platform:services": '[{"name": "a", "secretLabel": "x/_chamber"}]'},
         "secrets-platform:services[0].secretLabel: secret label 'x/_chamber' must not use"),
        ({"secrets-platform:services": '[{"name": "a"}]', "secrets-platform:typo": "1"},
         "secrets-platform:typo: unknown key"),
    ],
)
def test_bad_config_stops_the_program_with_one_message(config: dict, message: str) -> None:
    with pytest.raises(pulumi.RunError) as error:
        run_program(config)
    assert str(error.value).startswith(message)


def test_report_prints_the_access_matrix() -> None:
    text = access_report(DEV)
    assert "secrets-platform stack 'dev'" in text
    assert "reads        : /edge, /edge/*" in text
    assert "/edge/*  read by haproxy, nginx" in text
    assert "aws:arn:aws:iam::111111111111:root [aws:MultiFactorAuthPresent Bool true]" in text
    assert "kms:EncryptionContext:PARAMETER_ARN StringLike /api/*" in text
    assert "tokens required, hop limit 1, IPv6 endpoint disabled, tags disabled" in text
    assert "ECS_AWSVPC_BLOCK_IMDS=true" in text
    assert "iptables -I DOCKER-USER -d 169.254.169.254/32 -j DROP" in text
    assert "rule state ENABLED_WITH_ALL_CLOUDTRAIL_MANAGEMENT_EVENTS" in text


def test_report_command(tmp_path: Path) -> None:
    ok = subprocess.run([sys.executable, "-m", "access_report", str(PROD), "--json"],
                        cwd=ROOT, capture_output=True, text=True, timeout=300)
    assert ok.returncode == 0, ok.stderr
    report = json.loads(ok.stdout)
    assert report["stack"] == "prod" and report["account"] == "222222222222"
    bad = tmp_path / "Pulumi.bad.yaml"
    bad.write_text(
        "config:\n  secrets-platform:services:\n    - name: api\n      secretLabel: /api\n"
    )
    failed = subprocess.run([sys.executable, "-m", "access_report", str(bad)],
                            cwd=ROOT, capture_output=True, text=True, timeout=300)
    assert failed.returncode == 2
    assert failed.stderr.strip() == (
        "access_report: secrets-platform:services[0].secretLabel: secret label '/api' must not "
        "start or end with '/' (write 'team/api', not '/team/api/')"
    )
