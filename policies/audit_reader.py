"""The audit-reader role: who may assume it, and what it may do with the audit trail. It reads
the trail's log files and, with Athena, queries them in the audit workgroup and keeps its
query results; it lists parameter names (what `secretctl audit reads` and `unused` compare
the trail with); it never writes or deletes on the trail bucket, reads no secret value and
uses no key.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from policies.athena import RESULTS_PREFIX, AthenaNames, trail_log_prefix
from policies.context import AwsContext, policy
from policies.iam import writer_trust_policy

#: Running queries in one workgroup and reading their state and results (AWS's "running
#: queries in a specified workgroup" example, without named queries and prepared statements:
#: https://docs.aws.amazon.com/athena/latest/ug/example-policies-workgroup.html).
ATHENA_QUERY_ACTIONS = (
    "athena:BatchGetQueryExecution",
    "athena:GetQueryExecution",
    "athena:GetQueryResults",
    "athena:GetWorkGroup",
    "athena:ListQueryExecutions",
    "athena:StartQueryExecution",
    "athena:StopQueryExecution",
)
#: Reading one table's definition: Glue checks the catalog and the database too, the
#: ancestors of a table (https://docs.aws.amazon.com/athena/latest/ug/
#: fine-grained-access-to-glue-resources.html). Partitions are read through the table.
GLUE_TABLE_READ_ACTIONS = (
    "glue:GetDatabase",
    "glue:GetPartition",
    "glue:GetPartitions",
    "glue:GetTable",
)
#: Athena resolves the session's database, ``default`` when a query names none, in the same
#: catalog (AWS documents GetDatabase on it as required for Athena with Glue, same page).
GLUE_DEFAULT_DATABASE = "default"
#: The log files: list (under the trail's prefix only) and read.
LOG_READ_ACTIONS = ("s3:GetObject",)
#: `secretctl audit reads` and `unused` list the parameters that exist now (names and
#: metadata, never values). DescribeParameters has no resource type: Resource "*" only, as for
#: writers (https://docs.aws.amazon.com/service-authorization/latest/reference/
#: list_awssystemsmanager.html).
PARAMETER_LIST_ACTIONS = ("ssm:DescribeParameters",)
#: Athena writes a query's results in parts and reads them back; the reader reads them too.
RESULTS_OBJECT_ACTIONS = (
    "s3:AbortMultipartUpload",
    "s3:GetObject",
    "s3:ListMultipartUploadParts",
    "s3:PutObject",
)


@dataclass(frozen=True)
class AthenaAccess:
    """The Athena side of the reader's access: where it queries and keeps results."""

    names: AthenaNames
    results_bucket: str


def audit_reader_trust_policy(
    principals: Sequence[str], sso_permission_sets: Sequence[str], ctx: AwsContext
) -> dict:
    """The same trust shape as a writer's: named principals by ARN, an account root only with
    MFA, Identity Center permission sets by name (see ``writer_trust_policy``)."""
    return writer_trust_policy(principals, sso_permission_sets, ctx)


def audit_reader_role_description(athena: AthenaNames | None) -> str:
    if athena is None:
        return "secrets-platform: reads the audit trail's log files"
    return (
        "secrets-platform: reads the audit trail's log files and queries them in Athena "
        f"workgroup {athena.workgroup}"
    )


def _bucket_arn(ctx: AwsContext, bucket: str) -> str:
    return f"arn:{ctx.partition}:s3:::{bucket}"


def _list_under(ctx: AwsContext, bucket: str, prefix: str, sid: str) -> dict:
    """``s3:ListBucket`` on ``bucket`` only for listings under ``prefix`` (a listing without
    a prefix has no ``s3:prefix`` and is refused)."""
    return {
        "Sid": sid,
        "Effect": "Allow",
        "Action": "s3:ListBucket",
        "Resource": _bucket_arn(ctx, bucket),
        "Condition": {"StringLike": {"s3:prefix": f"{prefix}*"}},
    }


def glue_arns(ctx: AwsContext, names: AthenaNames) -> dict[str, str]:
    """The Glue ARNs of the catalog, the database and the table."""
    glue = f"arn:{ctx.partition}:glue:{ctx.region}:{ctx.account}"
    return {
        "catalog": f"{glue}:catalog",
        "database": f"{glue}:database/{names.database}",
        "table": f"{glue}:table/{names.database}/{names.table}",
        "default": f"{glue}:database/{GLUE_DEFAULT_DATABASE}",
    }


def workgroup_arn(ctx: AwsContext, workgroup: str) -> str:
    return f"arn:{ctx.partition}:athena:{ctx.region}:{ctx.account}:workgroup/{workgroup}"


def audit_reader_policy(
    ctx: AwsContext, logs_bucket: str, athena: AthenaAccess | None = None
) -> dict:
    """Read the trail's log files (``AWSLogs/<account>/CloudTrail/``) and, with ``athena``,
    query them in its workgroup and read and write its results prefix; list parameter names.
    No write or delete on the trail bucket, no secret value, nothing on KMS.

    The trail bucket's own policy denies only plain HTTP, deletes and settings changes, and its
    objects are SSE-S3 (S3 decrypts them for any reader allowed ``s3:GetObject``; no KMS key
    is involved), so these reads go through, whether the reader calls S3 or Athena calls it
    with the reader's credentials (https://docs.aws.amazon.com/athena/latest/ug/
    s3-permissions.html)."""
    prefix = trail_log_prefix(ctx)
    logs = _bucket_arn(ctx, logs_bucket)
    statements: list[dict] = [
        _list_under(ctx, logs_bucket, prefix, "ListTrailLogs"),
        {
            "Sid": "ReadTrailLogs",
            "Effect": "Allow",
            "Action": list(LOG_READ_ACTIONS),
            "Resource": f"{logs}/{prefix}*",
        },
    ]
    locations = [logs]
    if athena is not None:
        glue = glue_arns(ctx, athena.names)
        results = _bucket_arn(ctx, athena.results_bucket)
        locations.append(results)
        statements += [
            {
                "Sid": "QueryInAuditWorkgroup",
                "Effect": "Allow",
                "Action": list(ATHENA_QUERY_ACTIONS),
                "Resource": workgroup_arn(ctx, athena.names.workgroup),
            },
            {
                "Sid": "ReadAuditTable",
                "Effect": "Allow",
                "Action": list(GLUE_TABLE_READ_ACTIONS),
                "Resource": [glue["catalog"], glue["database"], glue["table"]],
            },
            {
                "Sid": "ResolveDefaultDatabase",
                "Effect": "Allow",
                "Action": "glue:GetDatabase",
                "Resource": [glue["catalog"], glue["default"]],
            },
            _list_under(ctx, athena.results_bucket, RESULTS_PREFIX, "ListOwnResults"),
            {
                "Sid": "ReadWriteOwnResults",
                "Effect": "Allow",
                "Action": list(RESULTS_OBJECT_ACTIONS),
                "Resource": f"{results}/{RESULTS_PREFIX}*",
            },
        ]
    # Athena (and S3 clients) look up a bucket's region before using it.
    statements += [
        {
            "Sid": "LocateBuckets",
            "Effect": "Allow",
            "Action": "s3:GetBucketLocation",
            "Resource": locations if len(locations) > 1 else locations[0],
        },
        {
            "Sid": "ListParameterNames",
            "Effect": "Allow",
            "Action": list(PARAMETER_LIST_ACTIONS),
            "Resource": "*",
        },
    ]
    return policy(*statements)
