"""The audit bucket's policy, judged by the engine: only the deploying role changes the
bucket's policy, versioning and object lock (so `pulumi up` can apply a new retention), no
one, the deployer included, erases the record, and the deployer is matched by its ARN, not
by a look-alike."""

from __future__ import annotations

from tests.proof.iam.evaluator import (
    Expectation,
    IamEvaluator,
    NamedPolicy,
    Request,
    Row,
    assert_rows_hold,
)
from tests.proof.iam.stack import Stack, read_spec

SPEC = read_spec()
#: The trail bucket's policy resource (the stack has another bucket, for Athena's results).
AUDIT_BUCKET_POLICY = "audit-logs-policy"
#: What `pulumi up` changes on the bucket after it exists.
SETTINGS = ("s3:PutBucketPolicy", "s3:PutBucketVersioning", "s3:PutBucketObjectLockConfiguration")
#: What would erase or shorten the record.
ERASING = (
    "s3:DeleteBucketPolicy",
    "s3:DeleteBucket",
    "s3:PutLifecycleConfiguration",
)
OBJECT_ERASING = ("s3:DeleteObject", "s3:DeleteObjectVersion", "s3:BypassGovernanceRetention")
S3_ALL = NamedPolicy(
    "allow s3:* on *",
    "identity",
    {
        "Version": "2012-10-17",
        "Statement": [{"Effect": "Allow", "Action": "s3:*", "Resource": "*"}],
    },
)


def _bucket_policy(stack: Stack) -> tuple[str, NamedPolicy]:
    return stack.run.exports["auditBucketName"], stack.bucket_policy(AUDIT_BUCKET_POLICY)


def _s3(stack: Stack, who: str, action: str, resource: str, policy: NamedPolicy) -> Request:
    context = stack.principal_context(who)
    context["aws:SecureTransport"] = "true"
    return Request(who, action, resource, stack.account, context, (S3_ALL,), policy)


def test_only_the_deployer_changes_the_audit_settings(
    stack: Stack, evaluator: IamEvaluator
) -> None:
    bucket, policy = _bucket_policy(stack)
    bucket_arn, objects = f"arn:aws:s3:::{bucket}", f"arn:aws:s3:::{bucket}/AWSLogs/x.json.gz"
    deployer = SPEC.deployer_role_arn
    acct = stack.account
    others = {
        "an admin role": f"arn:aws:iam::{acct}:role/Admin",
        "a role named like the deployer elsewhere": deployer.replace(":role/", ":role/copy/"),
        "the deployer's name in another account": deployer.replace(acct, "999988887777"),
    }
    rows: list[Row] = []
    for action in SETTINGS:
        rows.append(
            Row(
                f"the deployer may {action}",
                _s3(stack, deployer, action, bucket_arn, policy),
                "Allowed",
            )
        )
        for who, arn in others.items():
            expect: Expectation = "ExplicitlyDenied" if arn.split(":")[4] == acct else "Denied"
            rows.append(
                Row(
                    f"{who} with s3:* cannot {action}",
                    _s3(stack, arn, action, bucket_arn, policy),
                    expect,
                )
            )
    for who, arn in {"the deployer": deployer, **others}.items():
        rows += [
            Row(f"{who} cannot {action}", _s3(stack, arn, action, bucket_arn, policy), "Denied")
            for action in ERASING
        ]
        rows += [
            Row(
                f"{who} cannot {action} on a log file",
                _s3(stack, arn, action, objects, policy),
                "Denied",
            )
            for action in OBJECT_ERASING
        ]
    assert_rows_hold(evaluator, rows)
