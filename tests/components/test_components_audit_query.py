"""AuditTrail with Athena and audit readers, under mocks: the Glue table over the trail's log
files, the workgroup with enforced settings, the results bucket that expires them, and the
audit-reader role wired to its documents."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from access_report.harness import ProgramRun
from components import AuditTrail, AuditTrailArgs
from components.config import AuditAthena
from policies.athena import (
    CLOUDTRAIL_COLUMNS,
    athena_names,
    results_bucket_policy,
    table_parameters,
)
from policies.audit_reader import AthenaAccess, audit_reader_policy, audit_reader_trust_policy
from tests.components.component_support import CTX, ROLE_PATH, blocks_public_access, doc

ROOT = f"arn:aws:iam::{CTX.account}:root"
NAMES = athena_names("prod")
ATHENA = AuditAthena(NAMES, scan_limit_gb=25, results_days=3)
WORKGROUP = "aws:athena/workgroup:Workgroup"
ROLE = "aws:iam/role:Role"


def _trail(run: Callable[..., ProgramRun], outputs: dict[str, Any], **args: Any) -> ProgramRun:
    def build(ctx: Any) -> None:
        trail = AuditTrail("audit", AuditTrailArgs(ctx, "t", role_path=ROLE_PATH, **args))
        for key in ("athena_table", "athena_workgroup", "reader_role_arn"):
            value = getattr(trail, key)
            outputs[key] = value
            if value is not None:
                value.apply(lambda v, k=key: outputs.update({k: v}))

    return run(build)


def test_athena_table_workgroup_and_reader(run: Callable[..., ProgramRun]) -> None:
    outputs: dict[str, Any] = {}
    result = _trail(
        run, outputs, athena=ATHENA, readers=[ROOT], reader_sso_permission_sets=["Audit"]
    )
    logs = result.named("audit-logs").outputs["bucket"]
    database = result.named("audit-athena-database").inputs
    assert database["name"] == "secrets_platform_prod"
    table = result.named("audit-athena-table").inputs
    assert (table["name"], table["databaseName"], table["tableType"]) == (
        "cloudtrail",
        "secrets_platform_prod",
        "EXTERNAL_TABLE",
    )
    assert table["parameters"] == table_parameters(logs, CTX)
    assert table["partitionKeys"] == [
        {"name": "account", "type": "string"},
        {"name": "region", "type": "string"},
        {"name": "timestamp", "type": "string"},
    ]
    storage = table["storageDescriptor"]
    assert storage["location"] == f"s3://{logs}/AWSLogs/"
    assert storage["inputFormat"] == "com.amazon.emr.cloudtrail.CloudTrailInputFormat"
    assert storage["serDeInfo"] == {
        "serializationLibrary": "org.apache.hive.hcatalog.data.JsonSerDe"
    }
    assert [(c["name"], c["type"]) for c in storage["columns"]] == list(CLOUDTRAIL_COLUMNS)

    results = result.named("audit-athena-results")
    results_bucket = results.outputs["bucket"]
    assert results_bucket != logs and results.inputs["forceDestroy"] is True
    assert not results.retain_on_delete
    assert result.named("audit-athena-results-encryption").inputs["rules"] == [
        {"applyServerSideEncryptionByDefault": {"sseAlgorithm": "AES256"}}
    ]
    assert blocks_public_access(result, "audit-athena-results-public-access")
    assert result.named("audit-athena-results-expiry").inputs["rules"] == [
        {
            "id": "expire-query-results",
            "status": "Enabled",
            "filter": {"prefix": ""},
            "expiration": {"days": 3},
            "abortIncompleteMultipartUpload": {"daysAfterInitiation": 1},
        }
    ]
    assert doc(result, "audit-athena-results-policy") == results_bucket_policy(results_bucket, CTX)

    (workgroup,) = result.of_type(WORKGROUP)
    assert workgroup.name == "audit-athena-workgroup"
    assert (workgroup.inputs["name"], workgroup.inputs["state"]) == (
        "secrets-platform-prod",
        "ENABLED",
    )
    assert workgroup.inputs["configuration"] == {
        "enforceWorkgroupConfiguration": True,
        "publishCloudwatchMetricsEnabled": True,
        "requesterPaysEnabled": False,
        "bytesScannedCutoffPerQuery": 25_000_000_000,
        "engineVersion": {"selectedEngineVersion": "Athena engine version 3"},
        "resultConfiguration": {
            "outputLocation": f"s3://{results_bucket}/audit-reader/",
            "encryptionConfiguration": {"encryptionOption": "SSE_S3"},
            "expectedBucketOwner": CTX.account,
        },
    }

    role = result.named("audit-reader-role")
    assert role.inputs["path"] == ROLE_PATH
    assert role.inputs["tags"] == {"secrets-platform:audit-reader": "true"}
    assert doc(result, role.name, "assumeRolePolicy") == audit_reader_trust_policy(
        [ROOT], ["Audit"], CTX
    )
    policy = result.named("audit-reader-policy")
    assert policy.inputs["role"] == role.id
    assert doc(result, policy.name) == audit_reader_policy(
        CTX, logs, AthenaAccess(NAMES, results_bucket)
    )
    assert outputs == {
        "athena_table": "secrets_platform_prod.cloudtrail",
        "athena_workgroup": "secrets-platform-prod",
        "reader_role_arn": role.outputs["arn"],
    }
    # every child is named after the component
    assert all(r.name.startswith("audit-") for r in result.resources if r.parent == "audit")


def test_readers_without_athena_read_the_logs_only(run: Callable[..., ProgramRun]) -> None:
    outputs: dict[str, Any] = {}
    result = _trail(run, outputs, readers=[ROOT])
    logs = result.named("audit-logs").outputs["bucket"]
    assert not result.of_type(WORKGROUP)
    assert not [r for r in result.resources if r.name.startswith("audit-athena")]
    assert doc(result, "audit-reader-policy") == audit_reader_policy(CTX, logs)
    assert outputs["athena_table"] is None and outputs["reader_role_arn"]


def test_athena_without_readers_creates_no_role(run: Callable[..., ProgramRun]) -> None:
    outputs: dict[str, Any] = {}
    result = _trail(run, outputs, athena=ATHENA)
    assert not result.of_type(ROLE)
    assert outputs["reader_role_arn"] is None
    assert outputs["athena_table"] == "secrets_platform_prod.cloudtrail"
    # the trail's own kept resources are unchanged: the results bucket is not kept
    kept = {r.name for r in result.resources if r.retain_on_delete}
    assert not any("athena" in name for name in kept)
