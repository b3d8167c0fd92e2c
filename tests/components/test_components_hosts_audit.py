"""EcsHostHardening and AuditTrail under mocks."""

from __future__ import annotations

import base64
from collections.abc import Callable
from typing import Any

from access_report.harness import ProgramRun
from components import AuditTrail, AuditTrailArgs, EcsHostHardening, EcsHostHardeningArgs
from components.audit_trail import RULE_STATE
from components.config import EcsHosts
from policies.audit import (
    access_denied_event_pattern,
    audit_bucket_policy,
    audit_log_writers_policy,
)
from policies.host_hardening import LAUNCH_TEMPLATE_DESCRIPTION, render_user_data
from policies.iam import ec2_trust_policy, ecs_agent_policy
from tests.components.component_support import CTX, ROLE_PATH, blocks_public_access, doc

EXTRA = "arn:aws:iam::123456789012:policy/extra"
CLUSTER = "aws:ecs/cluster:Cluster"
DEPLOYER = "arn:aws:iam::123456789012:role/platform-deployer"


def test_ecs_host_hardening(run: Callable[..., ProgramRun]) -> None:
    hosts = EcsHosts(cluster_name="prod", instance_type="m6i.large", container_insights="enabled")

    def build(ctx: Any) -> None:
        EcsHostHardening("ecs-hosts", EcsHostHardeningArgs(ctx, hosts, ROLE_PATH, [EXTRA]))

    result = run(build)
    lt = result.named("ecs-hosts-launch-template").inputs
    assert lt["metadataOptions"] == {
        "httpEndpoint": "enabled",
        "httpTokens": "required",
        "httpPutResponseHopLimit": 1,
        "httpProtocolIpv6": "disabled",
        "instanceMetadataTags": "disabled",
    }
    assert base64.b64decode(lt["userData"]).decode() == render_user_data("prod")
    assert lt["imageId"].startswith("resolve:ssm:/aws/service/ecs/optimized-ami/")
    assert lt["instanceType"] == "m6i.large"
    # EC2's 255-character version description never holds the (up to 255) cluster name
    assert lt["description"] == LAUNCH_TEMPLATE_DESCRIPTION
    assert lt["tags"] == {"secrets-platform:cluster": "prod"}
    profile = result.named("ecs-hosts-instance-profile")
    assert lt["iamInstanceProfile"] == {"arn": profile.outputs["arn"]}
    role = result.named("ecs-hosts-instance-role")
    assert profile.inputs["role"] == role.outputs["name"]
    assert role.inputs["path"] == ROLE_PATH
    assert doc(result, role.name, "assumeRolePolicy") == ec2_trust_policy()
    assert doc(result, "ecs-hosts-ecs-agent") == ecs_agent_policy("prod", CTX)
    attachment = result.named("ecs-hosts-extra-policy-0").inputs
    assert attachment == {"role": role.outputs["name"], "policyArn": EXTRA}
    # The agent joins the cluster named in ecs.config but never creates a named cluster.
    cluster = result.named("ecs-hosts-cluster")
    assert cluster.type == CLUSTER
    assert cluster.inputs == {
        "name": "prod",
        "settings": [{"name": "containerInsights", "value": "enabled"}],
        # the pre-flight tells this stack's cluster from one made elsewhere by this tag
        "tags": {"secrets-platform:stack": "dev"},
    }
    assert len(result.resources) == 7


def test_ecs_hosts_on_an_existing_cluster_create_no_cluster(
    run: Callable[..., ProgramRun],
) -> None:
    hosts = EcsHosts(cluster_name="shared", instance_type="t3.small", existing_cluster=True)
    outputs: dict[str, Any] = {}

    def build(ctx: Any) -> None:
        component = EcsHostHardening("ecs-hosts", EcsHostHardeningArgs(ctx, hosts, ROLE_PATH))
        component.cluster_arn.apply(lambda arn: outputs.update(arn=arn))

    result = run(build)
    assert not result.of_type(CLUSTER)
    assert outputs["arn"] == "arn:aws:ecs:us-east-1:123456789012:cluster/shared"
    assert doc(result, "ecs-hosts-ecs-agent") == ecs_agent_policy("shared", CTX)


def test_audit_trail(run: Callable[..., ProgramRun]) -> None:
    def build(ctx: Any) -> None:
        AuditTrail(
            "audit",
            AuditTrailArgs(
                ctx,
                "secrets-platform-prod",
                retention_days=400,
                alert_email="sec@example.com",
                deployer_role_arn=DEPLOYER,
            ),
        )

    result = run(build)
    bucket = result.named("audit-logs")
    name = bucket.outputs["bucket"]
    assert bucket.inputs["objectLockEnabled"] is True
    assert result.named("audit-logs-versioning").inputs["versioningConfiguration"] == {
        "status": "Enabled"
    }
    lock = result.named("audit-logs-object-lock").inputs
    assert lock["objectLockEnabled"] == "Enabled"
    assert lock["rule"] == {"defaultRetention": {"mode": "COMPLIANCE", "days": 400}}
    sse = result.named("audit-logs-encryption").inputs["rules"]
    assert sse == [{"applyServerSideEncryptionByDefault": {"sseAlgorithm": "AES256"}}]
    assert blocks_public_access(result, "audit-logs-public-access")
    trail_arn = "arn:aws:cloudtrail:us-east-1:123456789012:trail/secrets-platform-prod"
    assert doc(result, "audit-logs-policy") == audit_bucket_policy(name, CTX, trail_arn, DEPLOYER)
    trail = result.named("audit-trail")
    assert trail.outputs["arn"] == trail_arn  # the ARN the bucket policy names
    assert {
        k: trail.inputs[k]
        for k in (
            "name",
            "s3BucketName",
            "isMultiRegionTrail",
            "includeGlobalServiceEvents",
            "enableLogFileValidation",
            "eventSelectors",
        )
    } == {
        "name": "secrets-platform-prod",
        "s3BucketName": name,
        "isMultiRegionTrail": True,
        "includeGlobalServiceEvents": True,
        "enableLogFileValidation": True,
        "eventSelectors": [{"readWriteType": "All", "includeManagementEvents": True}],
    }
    assert "excludeManagementEventSources" not in trail.inputs["eventSelectors"][0]
    rule = result.named("audit-access-denied").inputs
    assert rule["state"] == RULE_STATE == "ENABLED_WITH_ALL_CLOUDTRAIL_MANAGEMENT_EVENTS"
    assert doc(result, "audit-access-denied", "eventPattern") == access_denied_event_pattern()
    topic = result.named("audit-alerts")
    target = result.named("audit-access-denied-to-alerts").inputs
    assert target["arn"] == topic.outputs["arn"]
    assert target["rule"] == result.named("audit-access-denied").outputs["name"]
    subscription = result.named("audit-alerts-email").inputs
    assert (subscription["protocol"], subscription["endpoint"]) == ("email", "sec@example.com")
    assert doc(result, "audit-log-writers") == audit_log_writers_policy(name, CTX)


def test_destroy_keeps_the_bucket_with_every_protection(run: Callable[..., ProgramRun]) -> None:
    """The bucket is kept on `pulumi destroy` (its objects are locked), so whatever protects it
    is kept too: a kept audit bucket without Block Public Access or encryption is worse than
    none."""
    result = run(lambda ctx: AuditTrail("audit", AuditTrailArgs(ctx, "t")))
    kept = {r.name for r in result.resources if r.retain_on_delete}
    assert kept == {
        "audit-logs",
        "audit-logs-public-access",
        "audit-logs-versioning",
        "audit-logs-object-lock",
        "audit-logs-encryption",
        "audit-logs-policy",
    }


def test_audit_trail_without_email_has_no_subscription(run: Callable[..., ProgramRun]) -> None:
    result = run(lambda ctx: AuditTrail("audit", AuditTrailArgs(ctx, "t")))
    assert not result.of_type("aws:sns/topicSubscription:TopicSubscription")
    assert result.named("audit-logs-object-lock").inputs["rule"]["defaultRetention"]["days"] == 365
