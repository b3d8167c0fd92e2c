"""The key policy, the audit bucket policy, the alert pattern and topic policy."""

from __future__ import annotations

from policies.audit import (
    access_denied_event_pattern,
    alert_topic_policy,
    audit_bucket_policy,
    audit_log_writers_policy,
    trail_arn,
)
from policies.context import AwsContext
from policies.kms import secrets_key_policy

CTX = AwsContext(account="123456789012", region="eu-west-1")
ADMIN = "arn:aws:iam::123456789012:role/key-admins"
PATH = "/secrets-platform/prod/"
ROLES = "arn:aws:iam::123456789012:role"
DEPLOYER = f"{ROLES}/platform-deployer"


def _by_sid(document: dict) -> dict[str, dict]:
    assert document["Version"] == "2012-10-17"
    return {st["Sid"]: st for st in document["Statement"]}


def test_key_policy_statements() -> None:
    statements = _by_sid(secrets_key_policy(CTX, [ADMIN, ADMIN], PATH))
    assert set(statements) == {
        "AccountRootKeepsKeyManageable",
        "KeyAdministratorsManageWithoutUse",
        "DenyUseOutsideParameterStore",
        "DenyUseByAnyoneButPlatformRoles",
    }
    root = statements["AccountRootKeepsKeyManageable"]
    assert root["Principal"] == {"AWS": "arn:aws:iam::123456789012:root"}
    assert (root["Effect"], root["Action"], root["Resource"]) == ("Allow", "kms:*", "*")
    admins = statements["KeyAdministratorsManageWithoutUse"]
    assert admins["Principal"] == {"AWS": [ADMIN]}
    assert "kms:ScheduleKeyDeletion" in admins["Action"] and "kms:DisableKey" in admins["Action"]
    # with PutKeyPolicy an administrator could write itself a Decrypt grant
    assert not any(a.startswith("kms:Put") for a in admins["Action"])
    crypto = {"kms:Encrypt", "kms:Decrypt", "kms:CreateGrant", "kms:RetireGrant"}
    assert not crypto & set(admins["Action"])
    assert not any(a.startswith(("kms:ReEncrypt", "kms:GenerateDataKey")) for a in admins["Action"])
    deny = statements["DenyUseOutsideParameterStore"]
    assert deny["Effect"] == "Deny"
    assert deny["Principal"] == {"AWS": "*"}
    assert set(deny["Action"]) == {
        "kms:CreateGrant",
        "kms:Decrypt",
        "kms:Encrypt",
        "kms:GenerateDataKey*",
        "kms:ReEncrypt*",
    }
    assert deny["Condition"] == {
        "StringNotEquals": {"kms:ViaService": "ssm.eu-west-1.amazonaws.com"}
    }
    outsiders = statements["DenyUseByAnyoneButPlatformRoles"]
    assert {k: v for k, v in outsiders.items() if k != "Sid"} == {
        "Effect": "Deny",
        "Principal": {"AWS": "*"},
        "Action": deny["Action"],
        "Resource": "*",
        "Condition": {"ArnNotLike": {"aws:PrincipalArn": f"{ROLES}/secrets-platform/prod/*"}},
    }


def test_key_policy_without_admins_has_no_admin_statement() -> None:
    assert "KeyAdministratorsManageWithoutUse" not in _by_sid(secrets_key_policy(CTX, [], PATH))


def test_audit_bucket_policy() -> None:
    trail = trail_arn(CTX, "secrets-platform-prod")
    assert trail == "arn:aws:cloudtrail:eu-west-1:123456789012:trail/secrets-platform-prod"
    statements = _by_sid(audit_bucket_policy("logs", CTX, trail))
    acl = statements["CloudTrailChecksAcl"]
    assert acl["Principal"] == {"Service": "cloudtrail.amazonaws.com"}
    assert (acl["Action"], acl["Resource"]) == ("s3:GetBucketAcl", "arn:aws:s3:::logs")
    assert acl["Condition"] == {"StringEquals": {"aws:SourceArn": trail}}
    write = statements["CloudTrailWritesLogs"]
    assert (write["Action"], write["Resource"]) == (
        "s3:PutObject",
        "arn:aws:s3:::logs/AWSLogs/123456789012/*",
    )
    assert write["Condition"] == {
        "StringEquals": {"aws:SourceArn": trail, "s3:x-amz-acl": "bucket-owner-full-control"}
    }
    tls = statements["DenyInsecureTransport"]
    assert (tls["Effect"], tls["Action"]) == ("Deny", "s3:*")
    assert tls["Condition"] == {"Bool": {"aws:SecureTransport": "false"}}
    erase = statements["DenyErasingAuditRecord"]
    assert erase["Effect"] == "Deny" and erase["Principal"] == {"AWS": "*"}
    assert "Condition" not in erase
    assert set(erase["Resource"]) == {"arn:aws:s3:::logs", "arn:aws:s3:::logs/*"}
    assert set(erase["Action"]) == {
        "s3:BypassGovernanceRetention",
        "s3:DeleteObject",
        "s3:DeleteObjectVersion",
        "s3:DeleteBucket",
        "s3:DeleteBucketPolicy",
        "s3:PutLifecycleConfiguration",
    }
    settings = statements["DenyChangingAuditSettings"]
    assert settings == {
        "Sid": "DenyChangingAuditSettings",
        "Effect": "Deny",
        "Principal": {"AWS": "*"},
        "Action": [
            "s3:PutBucketObjectLockConfiguration",
            "s3:PutBucketPolicy",
            "s3:PutBucketVersioning",
        ],
        "Resource": "arn:aws:s3:::logs",
    }


def test_only_the_deployer_changes_the_audit_settings() -> None:
    """`pulumi up` must be able to change the policy and retention later (a new retentionDays,
    a renamed stack): the deploying role is exempt by aws:PrincipalArn, a condition, so the
    role need not exist when the policy is written. Erasing stays denied to it too."""
    trail = trail_arn(CTX, "t")
    statements = _by_sid(audit_bucket_policy("logs", CTX, trail, DEPLOYER))
    assert statements["DenyChangingAuditSettings"]["Condition"] == {
        "ArnNotEquals": {"aws:PrincipalArn": DEPLOYER}
    }
    assert "Condition" not in statements["DenyErasingAuditRecord"]


def test_audit_log_writers_is_put_object_under_app_audit_only() -> None:
    (st,) = audit_log_writers_policy("logs", CTX)["Statement"]
    assert (st["Effect"], st["Action"], st["Resource"]) == (
        "Allow",
        "s3:PutObject",
        "arn:aws:s3:::logs/app-audit/*",
    )


def test_access_denied_pattern_matches_reads_and_decrypts_only() -> None:
    pattern = access_denied_event_pattern()
    assert pattern["detail-type"] == ["AWS API Call via CloudTrail"]
    ssm, kms = pattern["$or"]
    assert ssm == {
        "source": ["aws.ssm"],
        "detail": {
            "eventSource": ["ssm.amazonaws.com"],
            "eventName": [{"prefix": "GetParameter"}],
            "errorCode": [{"prefix": "AccessDenied"}],
        },
    }
    assert kms == {
        "source": ["aws.kms"],
        "detail": {
            "eventSource": ["kms.amazonaws.com"],
            "eventName": ["Decrypt"],
            "errorCode": [{"prefix": "AccessDenied"}],
        },
    }


def test_alert_topic_policy_lets_only_the_rule_publish() -> None:
    topic = "arn:aws:sns:eu-west-1:123456789012:alerts"
    rule = "arn:aws:events:eu-west-1:123456789012:rule/denied"
    (st,) = alert_topic_policy(topic, rule)["Statement"]
    assert st["Principal"] == {"Service": "events.amazonaws.com"}
    assert (st["Action"], st["Resource"]) == ("sns:Publish", topic)
    assert st["Condition"] == {"ArnEquals": {"aws:SourceArn": rule}}
