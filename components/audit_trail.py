"""AuditTrail: every secret access recorded where nobody can tamper with it, an alert when a
secret read or decrypt is denied, and (optionally) the trail as an Athena table with a role to
read and query it (``components/audit_query.py``)."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field

import pulumi
import pulumi_aws as aws

from components._wiring import child, document, private_bucket_settings, type_token
from components.audit_query import create_athena, create_reader_role
from components.config import AuditAthena
from policies.audit import (
    access_denied_event_pattern,
    alert_topic_policy,
    audit_bucket_policy,
    audit_log_writers_policy,
    trail_arn,
)
from policies.context import AwsContext

#: EventBridge only sees read-only management events (GetParameter, Decrypt) in this state.
RULE_STATE = "ENABLED_WITH_ALL_CLOUDTRAIL_MANAGEMENT_EVENTS"


@dataclass
class AuditTrailArgs:
    context: pulumi.Input[AwsContext]
    trail_name: str
    retention_days: int = 365
    alert_email: str | None = None
    #: The role that runs `pulumi up`, the only principal that may change the bucket's policy,
    #: versioning and object lock afterwards (None: no principal but the account root user).
    deployer_role_arn: str | None = None
    #: The Glue table and Athena workgroup over the logs (None: none).
    athena: AuditAthena | None = None
    #: Who may assume the audit-reader role (none of both: no role).
    readers: Sequence[str] = field(default_factory=tuple)
    reader_sso_permission_sets: Sequence[str] = field(default_factory=tuple)
    #: The IAM path of the audit-reader role (every role of the stack shares it).
    role_path: str = "/"


class AuditTrail(pulumi.ComponentResource):
    bucket_name: pulumi.Output[str]
    trail_arn: pulumi.Output[str]
    alert_topic_arn: pulumi.Output[str]
    audit_log_writers_policy_arn: pulumi.Output[str]
    #: ``DB.TABLE`` and the workgroup, with ``athena``; the reader role's ARN, with readers.
    athena_table: pulumi.Output[str] | None = None
    athena_workgroup: pulumi.Output[str] | None = None
    reader_role_arn: pulumi.Output[str] | None = None
    #: True when an email subscription waits for its confirmation link to be clicked.
    alert_subscription_pending: bool

    def __init__(
        self, name: str, args: AuditTrailArgs, opts: pulumi.ResourceOptions | None = None
    ) -> None:
        super().__init__(type_token("AuditTrail"), name, None, opts)
        # The log bucket outlives the stack: its objects are locked in compliance mode and its
        # policy denies deletion, so `pulumi destroy` leaves it and every setting that protects
        # it in place (a kept bucket must not lose its public access block or encryption).
        bucket = aws.s3.Bucket(
            f"{name}-logs",
            object_lock_enabled=True,
            force_destroy=False,
            opts=child(self, retain_on_delete=True),
        )
        settings: list[pulumi.Resource] = [
            *private_bucket_settings(self, f"{name}-logs", bucket.id, retain_on_delete=True),
            aws.s3.BucketVersioning(
                f"{name}-logs-versioning",
                bucket=bucket.id,
                versioning_configuration={"status": "Enabled"},
                opts=child(self, retain_on_delete=True),
            ),
            aws.s3.BucketObjectLockConfiguration(
                f"{name}-logs-object-lock",
                bucket=bucket.id,
                object_lock_enabled="Enabled",
                rule={"default_retention": {"mode": "COMPLIANCE", "days": args.retention_days}},
                opts=child(self, retain_on_delete=True),
            ),
        ]
        trail_name, deployer = args.trail_name, args.deployer_role_arn
        # The bucket policy names the trail's ARN before the trail exists (CloudTrail checks
        # the policy when the trail is created), so the trail has a fixed name.
        bucket_policy = aws.s3.BucketPolicy(
            f"{name}-logs-policy",
            bucket=bucket.id,
            policy=document(
                lambda bucket_name, ctx: audit_bucket_policy(
                    bucket_name, ctx, trail_arn(ctx, trail_name), deployer
                ),
                bucket.bucket,
                args.context,
            ),
            # Created last: it denies changing versioning, object lock and itself.
            opts=child(self, depends_on=settings, retain_on_delete=True),
        )
        trail = aws.cloudtrail.Trail(
            f"{name}-trail",
            name=trail_name,
            s3_bucket_name=bucket.bucket,
            is_multi_region_trail=True,
            include_global_service_events=True,
            enable_log_file_validation=True,
            enable_logging=True,
            event_selectors=[{"read_write_type": "All", "include_management_events": True}],
            opts=child(self, depends_on=[bucket_policy]),
        )
        rule = aws.cloudwatch.EventRule(
            f"{name}-access-denied",
            description="secrets-platform: a secret read or decrypt was denied",
            state=RULE_STATE,
            event_pattern=pulumi.Output.json_dumps(access_denied_event_pattern()),
            opts=child(self),
        )
        topic = aws.sns.Topic(f"{name}-alerts", opts=child(self))
        topic_policy = aws.sns.TopicPolicy(
            f"{name}-alerts-policy",
            arn=topic.arn,
            policy=document(alert_topic_policy, topic.arn, rule.arn),
            opts=child(self),
        )
        aws.cloudwatch.EventTarget(
            f"{name}-access-denied-to-alerts",
            rule=rule.name,
            arn=topic.arn,
            opts=child(self, depends_on=[topic_policy]),
        )
        # An email subscription stays "PendingConfirmation" until someone clicks the link AWS
        # mails; SNS deletes unconfirmed subscriptions after 48 hours
        # (https://docs.aws.amazon.com/sns/latest/dg/sns-delete-subscription-topic.html).
        self.alert_subscription_pending = bool(args.alert_email)
        if args.alert_email:
            aws.sns.TopicSubscription(
                f"{name}-alerts-email",
                topic=topic.arn,
                protocol="email",
                endpoint=args.alert_email,
                opts=child(self),
            )
        writers = aws.iam.Policy(
            f"{name}-log-writers",
            description="secrets-platform: append application audit logs under app-audit/",
            policy=document(audit_log_writers_policy, bucket.bucket, args.context),
            opts=child(self),
        )
        self.bucket_name = bucket.bucket
        self.trail_arn = trail.arn
        self.alert_topic_arn = topic.arn
        self.audit_log_writers_policy_arn = writers.arn
        outputs: dict[str, pulumi.Output[str]] = {
            "bucketName": self.bucket_name,
            "trailArn": self.trail_arn,
            "alertTopicArn": self.alert_topic_arn,
            "auditLogWriters": self.audit_log_writers_policy_arn,
        }
        ctx = args.context
        athena = create_athena(self, name, ctx, args.athena, bucket.bucket) if args.athena else None
        if athena:
            self.athena_table = outputs["athenaTable"] = athena.qualified_table
            self.athena_workgroup = outputs["athenaWorkgroup"] = athena.workgroup
        if args.readers or args.reader_sso_permission_sets:
            self.reader_role_arn = outputs["readerRoleArn"] = create_reader_role(
                self,
                name,
                ctx,
                args.role_path,
                args.readers,
                args.reader_sso_permission_sets,
                bucket.bucket,
                athena,
            )
        self.register_outputs(outputs)
