"""The audit trail in Athena as data: names, the CloudTrail table, the results bucket policy,
and the audit-reader role's trust and permission documents (exact Action, Resource and
Condition sets)."""

from __future__ import annotations

import re

import pytest

from policies.athena import (
    CLOUDTRAIL_COLUMNS,
    INPUT_FORMAT,
    PARTITION_KEYS,
    RESULTS_PREFIX,
    SERDE,
    AthenaNames,
    athena_names,
    athena_names_problem,
    results_bucket_policy,
    results_location,
    table_location,
    table_parameters,
    trail_log_prefix,
)
from policies.audit_reader import (
    AthenaAccess,
    audit_reader_policy,
    audit_reader_role_description,
    audit_reader_trust_policy,
)
from policies.context import AwsContext
from policies.iam import writer_trust_policy
from policies.limits import ROLE_INLINE_POLICIES_MAX, policy_size

CTX = AwsContext(account="123456789012", region="eu-west-1")
LOGS, RESULTS = "audit-logs-1a2b3c", "audit-athena-results-4d5e6f"
NAMES = AthenaNames(database="secrets_platform_prod", workgroup="secrets-platform-prod")
GLUE = "arn:aws:glue:eu-west-1:123456789012"


def _by_sid(document: dict) -> dict[str, dict]:
    assert document["Version"] == "2012-10-17"
    statements = {st["Sid"]: st for st in document["Statement"]}
    assert len(statements) == len(document["Statement"])
    return statements


def test_names_follow_athena_and_glue_rules() -> None:
    assert athena_names("prod") == NAMES
    assert NAMES.qualified_table == "secrets_platform_prod.cloudtrail"
    # Glue/Athena database names are lowercase letters, digits and '_'; workgroups keep the
    # stack's own spelling (they allow upper case, '.' and '-').
    odd = athena_names("Prod.EU-1")
    assert odd.database == "secrets_platform_prod_eu_1"
    assert odd.workgroup == "secrets-platform-Prod.EU-1"
    assert athena_names_problem(odd) is None
    long = athena_names("s" * 112)
    assert athena_names_problem(long) == (
        f"the Athena workgroup name {long.workgroup!r} must be 1-128 letters, digits, '.', '_' "
        "or '-'"
    )
    assert athena_names_problem(athena_names("s" * 111)) is None


def test_table_is_awss_cloudtrail_ddl_with_projection() -> None:
    names = [name for name, _ in CLOUDTRAIL_COLUMNS]
    # The columns of AWS's DDL (https://docs.aws.amazon.com/athena/latest/ug/
    # create-cloudtrail-table-partition-projection.html), in its order.
    assert names == [
        "eventversion",
        "useridentity",
        "eventtime",
        "eventsource",
        "eventname",
        "awsregion",
        "sourceipaddress",
        "useragent",
        "errorcode",
        "errormessage",
        "requestparameters",
        "responseelements",
        "additionaleventdata",
        "requestid",
        "eventid",
        "readonly",
        "resources",
        "eventtype",
        "apiversion",
        "recipientaccountid",
        "serviceeventdetails",
        "sharedeventid",
        "vpcendpointid",
        "tlsdetails",
    ]
    types = dict(CLOUDTRAIL_COLUMNS)
    # What secretctl's SQL reads: JSON text, and the identity structs it takes principals from.
    for text in ("requestparameters", "responseelements", "additionaleventdata", "errorcode"):
        assert types[text] == "string"
    assert types["resources"] == "array<struct<arn:string,accountid:string,type:string>>"
    identity = types["useridentity"]
    for field in ("type:string", "arn:string", "invokedby:string", "principalid:string"):
        assert f"<{field}" in identity or f",{field}" in identity
    assert (
        "sessionissuer:struct<type:string,principalid:string,arn:string,accountid:string,"
        "username:string>" in identity
    )
    for type_ in types.values():
        assert type_.count("<") == type_.count(">") and " " not in type_
        assert re.fullmatch(r"[a-z0-9_:<>,]+", type_), type_
    assert PARTITION_KEYS == ("account", "region", "timestamp")
    assert (SERDE, INPUT_FORMAT) == (
        "org.apache.hive.hcatalog.data.JsonSerDe",
        "com.amazon.emr.cloudtrail.CloudTrailInputFormat",
    )


def test_partition_projection_reads_only_the_trails_own_folders() -> None:
    assert trail_log_prefix(CTX) == "AWSLogs/123456789012/CloudTrail/"
    assert table_location(LOGS) == f"s3://{LOGS}/AWSLogs/"
    assert table_parameters(LOGS, CTX) == {
        "EXTERNAL": "TRUE",
        "projection.enabled": "true",
        "projection.account.type": "enum",
        "projection.account.values": "123456789012",
        "projection.region.type": "injected",
        "projection.timestamp.type": "date",
        "projection.timestamp.format": "yyyy/MM/dd",
        "projection.timestamp.interval": "1",
        "projection.timestamp.interval.unit": "DAYS",
        "projection.timestamp.range": "2020/01/01,NOW",
        "storage.location.template": (
            f"s3://{LOGS}/AWSLogs/${{account}}/CloudTrail/${{region}}/${{timestamp}}"
        ),
    }
    template = table_parameters(LOGS, CTX)["storage.location.template"]
    day = template.replace("${account}", CTX.account).replace("${region}", CTX.region)
    assert day.replace("${timestamp}", "2026/03/01") == (
        f"s3://{LOGS}/{trail_log_prefix(CTX)}eu-west-1/2026/03/01"
    )


def test_results_live_in_their_own_bucket_tls_only() -> None:
    assert results_location(RESULTS) == f"s3://{RESULTS}/{RESULTS_PREFIX}"
    assert not RESULTS_PREFIX.startswith("AWSLogs")
    (deny,) = results_bucket_policy(RESULTS, CTX)["Statement"]
    assert deny == {
        "Sid": "DenyInsecureTransport",
        "Effect": "Deny",
        "Principal": {"AWS": "*"},
        "Action": "s3:*",
        "Resource": [f"arn:aws:s3:::{RESULTS}", f"arn:aws:s3:::{RESULTS}/*"],
        "Condition": {"Bool": {"aws:SecureTransport": "false"}},
    }


def test_reader_is_trusted_like_a_writer() -> None:
    principals = ["arn:aws:iam::123456789012:root", "arn:aws:iam::123456789012:role/auditor"]
    assert audit_reader_trust_policy(principals, ["SecurityAudit"], CTX) == writer_trust_policy(
        principals, ["SecurityAudit"], CTX
    )
    statements = _by_sid(audit_reader_trust_policy(principals, ["SecurityAudit"], CTX))
    assert statements["AccountPrincipalsWithMfa"]["Condition"] == {
        "Bool": {"aws:MultiFactorAuthPresent": "true"}
    }


def test_reader_policy_with_athena() -> None:
    statements = _by_sid(audit_reader_policy(CTX, LOGS, AthenaAccess(NAMES, RESULTS)))
    logs, results = f"arn:aws:s3:::{LOGS}", f"arn:aws:s3:::{RESULTS}"
    expected = {
        "ListTrailLogs": (
            "s3:ListBucket",
            logs,
            {"StringLike": {"s3:prefix": "AWSLogs/123456789012/CloudTrail/*"}},
        ),
        "ReadTrailLogs": (["s3:GetObject"], f"{logs}/AWSLogs/123456789012/CloudTrail/*", None),
        "QueryInAuditWorkgroup": (
            [
                "athena:BatchGetQueryExecution",
                "athena:GetQueryExecution",
                "athena:GetQueryResults",
                "athena:GetWorkGroup",
                "athena:ListQueryExecutions",
                "athena:StartQueryExecution",
                "athena:StopQueryExecution",
            ],
            "arn:aws:athena:eu-west-1:123456789012:workgroup/secrets-platform-prod",
            None,
        ),
        "ReadAuditTable": (
            ["glue:GetDatabase", "glue:GetPartition", "glue:GetPartitions", "glue:GetTable"],
            [
                f"{GLUE}:catalog",
                f"{GLUE}:database/secrets_platform_prod",
                f"{GLUE}:table/secrets_platform_prod/cloudtrail",
            ],
            None,
        ),
        "ResolveDefaultDatabase": (
            "glue:GetDatabase",
            [f"{GLUE}:catalog", f"{GLUE}:database/default"],
            None,
        ),
        "ListOwnResults": (
            "s3:ListBucket",
            results,
            {"StringLike": {"s3:prefix": "audit-reader/*"}},
        ),
        "ReadWriteOwnResults": (
            [
                "s3:AbortMultipartUpload",
                "s3:GetObject",
                "s3:ListMultipartUploadParts",
                "s3:PutObject",
            ],
            f"{results}/audit-reader/*",
            None,
        ),
        "LocateBuckets": ("s3:GetBucketLocation", [logs, results], None),
        # what `secretctl audit reads`/`unused` compare the trail with: names, never values
        "ListParameterNames": (["ssm:DescribeParameters"], "*", None),
    }
    assert set(statements) == set(expected)
    for sid, (action, resource, condition) in expected.items():
        st = statements[sid]
        assert st["Effect"] == "Allow", sid
        assert (st["Action"], st["Resource"], st.get("Condition")) == (
            action,
            resource,
            condition,
        ), sid


def test_reader_policy_without_athena_reads_the_logs_only() -> None:
    statements = _by_sid(audit_reader_policy(CTX, LOGS))
    assert set(statements) == {
        "ListTrailLogs",
        "ReadTrailLogs",
        "LocateBuckets",
        "ListParameterNames",
    }
    assert statements["LocateBuckets"]["Resource"] == f"arn:aws:s3:::{LOGS}"
    assert audit_reader_role_description(None) == (
        "secrets-platform: reads the audit trail's log files"
    )
    assert audit_reader_role_description(NAMES).endswith("workgroup secrets-platform-prod")


@pytest.mark.parametrize("athena", [None, AthenaAccess(NAMES, RESULTS)])
def test_reader_never_writes_the_trail_bucket_nor_touches_secrets(
    athena: AthenaAccess | None,
) -> None:
    document = audit_reader_policy(CTX, LOGS, athena)
    for st in document["Statement"]:
        actions = st["Action"] if isinstance(st["Action"], list) else [st["Action"]]
        resources = st["Resource"] if isinstance(st["Resource"], list) else [st["Resource"]]
        assert not any(a.startswith(("kms:", "iam:", "sts:")) for a in actions)
        assert not any(a.endswith("*") for a in actions)
        if "*" in resources or any(a.startswith("ssm:") for a in actions):
            # only the names of parameters: DescribeParameters returns no value
            assert (st["Sid"], actions, resources) == (
                "ListParameterNames",
                ["ssm:DescribeParameters"],
                ["*"],
            )
        if any(r.startswith(f"arn:aws:s3:::{LOGS}") for r in resources):
            assert all(a.startswith(("s3:Get", "s3:List")) for a in actions), st
    # Constant size whatever the config: far under IAM's inline policy limit.
    assert policy_size(document) < ROLE_INLINE_POLICIES_MAX // 4
