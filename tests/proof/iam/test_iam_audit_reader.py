"""The audit-reader role, judged by the engine: it runs queries in the audit workgroup (and no
other), reads the table's definition, the trail's log files and its own query results, with
the trail bucket's policy in force, also when Athena reads for it, and lists parameter names
(what `secretctl audit reads` and `unused` need); it cannot write, overwrite or delete a log,
change the bucket, the table or the workgroup, read a secret or use the key.

Every ARN here is built from the stack's exports (what a user hands `secretctl audit`) and the
account and region, never from ``policies``."""

from __future__ import annotations

from collections.abc import Mapping, Sequence

import pytest

from tests.proof.iam.claims import (
    ATHENA_QUERY,
    ATHENA_WORKGROUP_CHANGE,
    BUCKET_TAMPERING,
    BY_PATH,
    GLUE_CHANGE,
    GLUE_READ,
    KMS_CRYPTO,
    LOG_TAMPERING,
    SSM_ALL,
)
from tests.proof.iam.evaluator import (
    ContextValue,
    Expectation,
    IamEvaluator,
    NamedPolicy,
    Request,
    Row,
    assert_rows_hold,
)
from tests.proof.iam.stack import Identity, Stack, read_spec

SPEC = read_spec()
WORKGROUP = "aws:athena/workgroup:Workgroup"
#: The bucket policies the program emits, by resource name.
LOGS_POLICY, RESULTS_POLICY = "audit-logs-policy", "audit-athena-results-policy"
#: Athena reading S3 with the caller's credentials (a forward access session) adds these.
VIA_ATHENA: dict[str, ContextValue] = {
    "aws:CalledVia": ["athena.amazonaws.com"],
    "aws:CalledViaFirst": "athena.amazonaws.com",
    "aws:CalledViaLast": "athena.amazonaws.com",
    "aws:ViaAWSService": "true",
}


def _reader(stack: Stack) -> Identity:
    assert stack.audit_reader is not None, "the matrix stack has audit readers"
    return stack.audit_reader


def _results_location(stack: Stack) -> tuple[str, str]:
    """(bucket, prefix) of the workgroup's enforced result location."""
    (workgroup,) = stack.run.of_type(WORKGROUP)
    location = workgroup.inputs["configuration"]["resultConfiguration"]["outputLocation"]
    assert location.startswith("s3://") and location.endswith("/")
    bucket, _, prefix = location[len("s3://") :].partition("/")
    return bucket, prefix


def _call(
    stack: Stack,
    action: str,
    resource: str,
    policy: NamedPolicy | None = None,
    context: Mapping[str, ContextValue] | None = None,
) -> Request:
    """The reader calls ``action`` on ``resource`` over TLS, judged with ``policy`` (a bucket's)."""
    reader = _reader(stack)
    full = stack.principal_context(reader.role_arn)
    full["aws:SecureTransport"] = "true"
    full.update(context or {})
    return Request(reader.role_arn, action, resource, stack.account, full, reader.policies, policy)


def _rows(
    stack: Stack,
    claim: str,
    actions: Sequence[str],
    resource: str,
    expect: Expectation,
    policy: NamedPolicy | None = None,
    context: Mapping[str, ContextValue] | None = None,
) -> list[Row]:
    verb = "may" if expect == "Allowed" else "cannot"
    return [
        Row(
            f"the reader {verb} {action} {claim}",
            _call(stack, action, resource, policy, context),
            expect,
        )
        for action in actions
    ]


def test_exports_name_what_secretctl_takes(stack: Stack) -> None:
    """``auditAthenaTable`` is ``DB.TABLE`` and the results never land in the trail bucket."""
    database, _, table = stack.run.exports["auditAthenaTable"].partition(".")
    assert database and table and "." not in table
    assert stack.run.exports["auditAthenaWorkgroup"]
    bucket, prefix = _results_location(stack)
    assert bucket != stack.run.exports["auditBucketName"]
    assert prefix and not prefix.startswith("AWSLogs/")


def test_reader_queries_in_its_workgroup_only(stack: Stack, evaluator: IamEvaluator) -> None:
    acct, region = stack.account, stack.region
    athena = f"arn:aws:athena:{region}:{acct}:workgroup"
    workgroup = f"{athena}/{stack.run.exports['auditAthenaWorkgroup']}"
    rows = _rows(stack, "in the audit workgroup", ATHENA_QUERY, workgroup, "Allowed")
    for other in ("primary", "analytics", f"{stack.run.exports['auditAthenaWorkgroup']}-copy"):
        rows += _rows(stack, f"in workgroup {other}", ATHENA_QUERY, f"{athena}/{other}", "Denied")
    rows += _rows(stack, "(change its workgroup)", ATHENA_WORKGROUP_CHANGE, workgroup, "Denied")
    rows += _rows(
        stack,
        "in the workgroup of another region",
        ("athena:StartQueryExecution",),
        workgroup.replace(f":{region}:", ":ap-southeast-2:"),
        "Denied",
    )
    assert_rows_hold(evaluator, rows)


def test_reader_reads_the_table_and_changes_nothing_in_glue(
    stack: Stack, evaluator: IamEvaluator
) -> None:
    glue = f"arn:aws:glue:{stack.region}:{stack.account}"
    database, _, table = stack.run.exports["auditAthenaTable"].partition(".")
    own_table = f"{glue}:table/{database}/{table}"
    rows = _rows(stack, "on the audit table", GLUE_READ, own_table, "Allowed")
    rows += _rows(
        stack,
        "on the audit database",
        ("glue:GetDatabase",),
        f"{glue}:database/{database}",
        "Allowed",
    )
    rows += _rows(stack, "on the catalog", ("glue:GetTable",), f"{glue}:catalog", "Allowed")
    rows += _rows(stack, "on the audit table", GLUE_CHANGE, own_table, "Denied")
    for other in (
        f"{glue}:table/{database}/other",
        f"{glue}:table/sales/{table}",
        f"{glue}:table/{database}_copy/{table}",
    ):
        rows += _rows(
            stack, f"on {other}", ("glue:GetTable", "glue:GetPartitions"), other, "Denied"
        )
    rows += _rows(
        stack, "on another database", ("glue:GetDatabase",), f"{glue}:database/sales", "Denied"
    )
    assert_rows_hold(evaluator, rows)


def test_reader_reads_the_logs_and_never_writes_or_erases_them(
    stack: Stack, evaluator: IamEvaluator
) -> None:
    """With the trail bucket's own policy in force (it denies plain HTTP, deletes and settings
    changes to everyone), whether the reader calls S3 or Athena calls it for the reader."""
    acct, region = stack.account, stack.region
    bucket = stack.run.exports["auditBucketName"]
    policy = stack.bucket_policy(LOGS_POLICY)
    bucket_arn = f"arn:aws:s3:::{bucket}"
    day = f"AWSLogs/{acct}/CloudTrail/{region}/2026/03/01/"
    log = f"{bucket_arn}/{day}{acct}_CloudTrail_{region}_20260301T0005Z_a1b2c3d4e5f6a7b8.json.gz"
    rows: list[Row] = []
    for how, context in (("itself", {}), ("through Athena", VIA_ATHENA)):
        rows += _rows(
            stack, f"a log file ({how})", ("s3:GetObject",), log, "Allowed", policy, context
        )
        rows += _rows(
            stack,
            f"the trail's day folder ({how})",
            ("s3:ListBucket",),
            bucket_arn,
            "Allowed",
            policy,
            {**context, "s3:prefix": day},
        )
        rows += _rows(
            stack,
            f"the trail bucket's region ({how})",
            ("s3:GetBucketLocation",),
            bucket_arn,
            "Allowed",
            policy,
            context,
        )
        rows += _rows(stack, f"a log file ({how})", LOG_TAMPERING, log, "Denied", policy, context)
    rows += _rows(
        stack,
        "a log file over plain HTTP",
        ("s3:GetObject",),
        log,
        "Denied",
        policy,
        {"aws:SecureTransport": "false"},
    )
    rows += _rows(stack, "the trail bucket", BUCKET_TAMPERING, bucket_arn, "Denied", policy)
    outside = {
        "an application audit log": f"{bucket_arn}/app-audit/host-1/2026-03-01.log",
        "a digest file": f"{bucket_arn}/AWSLogs/{acct}/CloudTrail-Digest/{region}/2026/03/01/d",
        "another account's logs": log.replace(f"/AWSLogs/{acct}/", "/AWSLogs/999988887777/"),
    }
    for what, key in outside.items():
        rows += _rows(stack, what, ("s3:GetObject",), key, "Denied", policy)
    for prefix in ("", "app-audit/", f"AWSLogs/{acct}/CloudTrail-Digest/"):
        rows += _rows(
            stack,
            f"the bucket with prefix {prefix!r}",
            ("s3:ListBucket",),
            bucket_arn,
            "Denied",
            policy,
            {"s3:prefix": prefix},
        )
    assert_rows_hold(evaluator, rows)


def test_reader_reads_and_writes_its_own_results(stack: Stack, evaluator: IamEvaluator) -> None:
    bucket, prefix = _results_location(stack)
    policy = stack.bucket_policy(RESULTS_POLICY)
    bucket_arn = f"arn:aws:s3:::{bucket}"
    result = f"{bucket_arn}/{prefix}0b6f3a9e-1c2d-4e5f-8a9b-0c1d2e3f4a5b.csv"
    rows: list[Row] = []
    for how, context in (("itself", {}), ("through Athena", VIA_ATHENA)):
        rows += _rows(
            stack,
            f"a query result ({how})",
            (
                "s3:GetObject",
                "s3:PutObject",
                "s3:AbortMultipartUpload",
                "s3:ListMultipartUploadParts",
            ),
            result,
            "Allowed",
            policy,
            context,
        )
        rows += _rows(
            stack,
            f"its results prefix ({how})",
            ("s3:ListBucket",),
            bucket_arn,
            "Allowed",
            policy,
            {**context, "s3:prefix": prefix},
        )
    rows += _rows(
        stack,
        "a query result over plain HTTP",
        ("s3:GetObject",),
        result,
        "Denied",
        policy,
        {"aws:SecureTransport": "false"},
    )
    rows += _rows(
        stack,
        "an object outside its results prefix",
        ("s3:GetObject", "s3:PutObject"),
        f"{bucket_arn}/elsewhere/x.csv",
        "Denied",
        policy,
    )
    rows += _rows(
        stack,
        "the results bucket's settings",
        ("s3:PutBucketPolicy", "s3:PutLifecycleConfiguration", "s3:DeleteBucket"),
        bucket_arn,
        "Denied",
        policy,
    )
    assert_rows_hold(evaluator, rows)


@pytest.mark.parametrize("label", SPEC.labels)
def test_reader_reads_no_secret_and_cannot_decrypt(
    stack: Stack, evaluator: IamEvaluator, label: str
) -> None:
    reader = _reader(stack)
    secret = f"/{label}/db_url"
    names = Request(
        reader.role_arn,
        "ssm:DescribeParameters",
        "*",
        stack.account,
        stack.principal_context(reader.role_arn),
        reader.policies,
    )
    rows = [
        Row(
            "the reader may list parameter names (DescribeParameters returns no value)",
            names,
            "Allowed",
        ),
    ]
    rows += [
        Row(f"the reader cannot {action} {secret}", stack.ssm(reader, action, secret), "Denied")
        for action in SSM_ALL
    ]
    rows.append(
        Row(f"the reader cannot list /{label}", stack.ssm(reader, BY_PATH, f"/{label}"), "Denied")
    )
    for via in ("ssm", None):
        rows += [
            Row(
                f"the reader cannot {action} {secret} {'via SSM' if via else 'directly'}",
                stack.kms(reader.role_arn, reader.policies, action, secret, via=via),
                "Denied",
            )
            for action in KMS_CRYPTO
        ]
    assert_rows_hold(evaluator, rows)
