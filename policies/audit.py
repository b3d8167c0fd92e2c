"""Audit trail rules: the log bucket's policy, the alert pattern, and append-only app logs."""

from __future__ import annotations

from policies.context import AwsContext, policy

#: Erasing the audit record: denied to every principal, always.
AUDIT_RECORD_DELETE_ACTIONS = (
    "s3:BypassGovernanceRetention",
    "s3:DeleteBucket",
    "s3:DeleteBucketPolicy",
    "s3:DeleteObject",
    "s3:DeleteObjectVersion",
    "s3:PutLifecycleConfiguration",
)
#: The bucket settings `pulumi up` manages (this policy, versioning, the object-lock default
#: retention): denied to every principal but the deploying role, so a reviewed change (a new
#: ``retentionDays``) goes through `pulumi up` and nothing else. Without a deploying role, no
#: one but the account root user can change them: S3 lets the bucket owner's root user put
#: and delete a bucket policy even when the policy denies it (https://docs.aws.amazon.com/
#: AmazonS3/latest/API/API_PutBucketPolicy.html), which is the break-glass path.
AUDIT_SETTINGS_ACTIONS = (
    "s3:PutBucketObjectLockConfiguration",
    "s3:PutBucketPolicy",
    "s3:PutBucketVersioning",
)
AUDIT_BUCKET_PROTECTED_ACTIONS = AUDIT_RECORD_DELETE_ACTIONS + AUDIT_SETTINGS_ACTIONS
APP_AUDIT_PREFIX = "app-audit/"


def trail_arn(ctx: AwsContext, trail_name: str) -> str:
    """The ARN a trail named ``trail_name`` will have (known before the trail exists)."""
    return f"arn:{ctx.partition}:cloudtrail:{ctx.region}:{ctx.account}:trail/{trail_name}"


def deny_insecure_transport(bucket: str, ctx: AwsContext) -> dict:
    """The statement that refuses plain-HTTP requests to ``bucket`` and its objects."""
    bucket_arn = f"arn:{ctx.partition}:s3:::{bucket}"
    return {
        "Sid": "DenyInsecureTransport",
        "Effect": "Deny",
        "Principal": {"AWS": "*"},
        "Action": "s3:*",
        "Resource": [bucket_arn, f"{bucket_arn}/*"],
        "Condition": {"Bool": {"aws:SecureTransport": "false"}},
    }


def audit_bucket_policy(
    bucket: str, ctx: AwsContext, trail: str, deployer_role_arn: str | None = None
) -> dict:
    """Bucket policy of the audit log bucket: only this account's trail ``trail`` (an ARN)
    writes, TLS only, nothing deleted, and retention settings and this policy frozen for
    everyone but ``deployer_role_arn`` (by ``aws:PrincipalArn``; None: for everyone)."""
    bucket_arn = f"arn:{ctx.partition}:s3:::{bucket}"
    from_trail = {"StringEquals": {"aws:SourceArn": trail}}
    settings: dict = {
        "Sid": "DenyChangingAuditSettings",
        "Effect": "Deny",
        "Principal": {"AWS": "*"},
        "Action": list(AUDIT_SETTINGS_ACTIONS),
        "Resource": bucket_arn,
    }
    if deployer_role_arn:
        settings["Condition"] = {"ArnNotEquals": {"aws:PrincipalArn": deployer_role_arn}}
    return policy(
        {
            "Sid": "CloudTrailChecksAcl",
            "Effect": "Allow",
            "Principal": {"Service": "cloudtrail.amazonaws.com"},
            "Action": "s3:GetBucketAcl",
            "Resource": bucket_arn,
            "Condition": from_trail,
        },
        {
            "Sid": "CloudTrailWritesLogs",
            "Effect": "Allow",
            "Principal": {"Service": "cloudtrail.amazonaws.com"},
            "Action": "s3:PutObject",
            "Resource": f"{bucket_arn}/AWSLogs/{ctx.account}/*",
            "Condition": {
                "StringEquals": {
                    "aws:SourceArn": trail,
                    "s3:x-amz-acl": "bucket-owner-full-control",
                }
            },
        },
        deny_insecure_transport(bucket, ctx),
        {
            "Sid": "DenyErasingAuditRecord",
            "Effect": "Deny",
            "Principal": {"AWS": "*"},
            "Action": list(AUDIT_RECORD_DELETE_ACTIONS),
            "Resource": [bucket_arn, f"{bucket_arn}/*"],
        },
        settings,
    )


def audit_log_writers_policy(bucket: str, ctx: AwsContext) -> dict:
    """For instance roles that ship application audit logs: put objects under ``app-audit/``
    and nothing else (no read, no delete, no overwrite of a locked version). The bucket's
    default retention locks each object, so S3 takes only uploads with ``Content-MD5`` or a
    checksum header (https://docs.aws.amazon.com/AmazonS3/latest/API/API_PutObject.html)."""
    return policy(
        {
            "Sid": "AppendApplicationAuditLogs",
            "Effect": "Allow",
            "Action": "s3:PutObject",
            "Resource": f"arn:{ctx.partition}:s3:::{bucket}/{APP_AUDIT_PREFIX}*",
        }
    )


#: API calls whose denial is alerted on: reading secrets (every ``GetParameter*`` call), and
#: decrypting them.
ALERTED_SSM_CALL_PREFIX = "GetParameter"
ALERTED_KMS_CALLS = ("Decrypt",)


def access_denied_event_pattern() -> dict:
    """EventBridge pattern: an ``AccessDenied*`` error on SSM ``GetParameter*`` or KMS
    ``Decrypt``, as delivered by CloudTrail (read-only calls reach the rule only when its
    state is ``ENABLED_WITH_ALL_CLOUDTRAIL_MANAGEMENT_EVENTS``)."""
    denied = [{"prefix": "AccessDenied"}]
    return {
        "detail-type": ["AWS API Call via CloudTrail"],
        "$or": [
            {
                "source": ["aws.ssm"],
                "detail": {
                    "eventSource": ["ssm.amazonaws.com"],
                    "eventName": [{"prefix": ALERTED_SSM_CALL_PREFIX}],
                    "errorCode": denied,
                },
            },
            {
                "source": ["aws.kms"],
                "detail": {
                    "eventSource": ["kms.amazonaws.com"],
                    "eventName": list(ALERTED_KMS_CALLS),
                    "errorCode": denied,
                },
            },
        ],
    }


def alert_topic_policy(topic_arn: str, rule_arn: str) -> dict:
    """SNS topic policy: only the access-denied rule publishes. (The owning account manages
    the topic through IAM, as with any same-account resource.)"""
    return policy(
        {
            "Sid": "AccessDeniedRulePublishes",
            "Effect": "Allow",
            "Principal": {"Service": "events.amazonaws.com"},
            "Action": "sns:Publish",
            "Resource": topic_arn,
            "Condition": {"ArnEquals": {"aws:SourceArn": rule_arn}},
        },
    )
