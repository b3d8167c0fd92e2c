"""The queryable side of AuditTrail: the trail's log files as a Glue table queried in an
Athena workgroup of its own (results in a bucket of their own that expires them), and the
audit-reader role. Every resource is a child of the AuditTrail component, named after it."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import pulumi
import pulumi_aws as aws

from components._wiring import child, document, private_bucket_settings
from components.config import AuditAthena
from policies.athena import (
    BYTES_PER_GB,
    CLOUDTRAIL_COLUMNS,
    ENGINE_VERSION,
    INPUT_FORMAT,
    OUTPUT_FORMAT,
    PARTITION_KEYS,
    RESULTS_ENCRYPTION,
    SERDE,
    AthenaNames,
    results_bucket_policy,
    results_location,
    table_location,
    table_parameters,
)
from policies.audit_reader import (
    AthenaAccess,
    audit_reader_policy,
    audit_reader_role_description,
    audit_reader_trust_policy,
)
from policies.context import AwsContext


@dataclass
class AthenaTable:
    """What ``create_athena`` made: the names to query with, and the results bucket."""

    names: AthenaNames
    #: ``DB.TABLE``, from the created database and table.
    qualified_table: pulumi.Output[str]
    workgroup: pulumi.Output[str]
    results_bucket: pulumi.Output[str]


def create_athena(
    parent: pulumi.Resource,
    name: str,
    context: pulumi.Input[AwsContext],
    athena: AuditAthena,
    logs_bucket: pulumi.Output[str],
) -> AthenaTable:
    """The Glue database and CloudTrail table over ``logs_bucket``, the results bucket and the
    workgroup with enforced settings."""
    names = athena.names
    database = aws.glue.CatalogDatabase(
        f"{name}-athena-database",
        name=names.database,
        description="secrets-platform: the audit trail, for Athena",
        opts=child(parent),
    )
    table = aws.glue.CatalogTable(
        f"{name}-athena-table",
        name=names.table,
        database_name=database.name,
        description="secrets-platform: the audit trail's CloudTrail log files",
        table_type="EXTERNAL_TABLE",
        parameters=pulumi.Output.all(logs_bucket, context).apply(
            lambda values: table_parameters(*values)
        ),
        partition_keys=[{"name": key, "type": "string"} for key in PARTITION_KEYS],
        storage_descriptor={
            "location": logs_bucket.apply(table_location),
            "input_format": INPUT_FORMAT,
            "output_format": OUTPUT_FORMAT,
            "ser_de_info": {"serialization_library": SERDE},
            "columns": [{"name": column, "type": type_} for column, type_ in CLOUDTRAIL_COLUMNS],
        },
        opts=child(parent),
    )
    # Results never go to the trail's bucket: its policy denies lifecycle rules and Object
    # Lock would keep each result for the trail's retention. This bucket holds nothing of
    # record (every object expires), so `pulumi destroy` may empty it.
    results = aws.s3.Bucket(f"{name}-athena-results", force_destroy=True, opts=child(parent))
    settings: list[pulumi.Resource] = [
        *private_bucket_settings(parent, f"{name}-athena-results", results.id),
        aws.s3.BucketLifecycleConfiguration(
            f"{name}-athena-results-expiry",
            bucket=results.id,
            rules=[
                {
                    "id": "expire-query-results",
                    "status": "Enabled",
                    "filter": {"prefix": ""},
                    "expiration": {"days": athena.results_days},
                    "abort_incomplete_multipart_upload": {"days_after_initiation": 1},
                }
            ],
            opts=child(parent),
        ),
    ]
    aws.s3.BucketPolicy(
        f"{name}-athena-results-policy",
        bucket=results.id,
        policy=document(results_bucket_policy, results.bucket, context),
        opts=child(parent, depends_on=settings),
    )
    # Enforced: a query's own result location, encryption or engine cannot override these
    # (https://docs.aws.amazon.com/athena/latest/ug/workgroups-settings-override.html), and
    # a query that would scan more than the cutoff is cancelled
    # (https://docs.aws.amazon.com/athena/latest/ug/workgroups-setting-control-limits-cloudwatch.html).
    workgroup = aws.athena.Workgroup(
        f"{name}-athena-workgroup",
        name=names.workgroup,
        description="secrets-platform: queries of the audit trail",
        state="ENABLED",
        force_destroy=True,
        configuration={
            "enforce_workgroup_configuration": True,
            "publish_cloudwatch_metrics_enabled": True,
            "requester_pays_enabled": False,
            "bytes_scanned_cutoff_per_query": athena.scan_limit_gb * BYTES_PER_GB,
            "engine_version": {"selected_engine_version": ENGINE_VERSION},
            "result_configuration": {
                "output_location": results.bucket.apply(results_location),
                "encryption_configuration": {"encryption_option": RESULTS_ENCRYPTION},
                "expected_bucket_owner": pulumi.Output.from_input(context).apply(
                    lambda ctx: ctx.account
                ),
            },
        },
        opts=child(parent, depends_on=settings),
    )
    return AthenaTable(
        names=names,
        qualified_table=pulumi.Output.concat(table.database_name, ".", table.name),
        workgroup=workgroup.name,
        results_bucket=results.bucket,
    )


def create_reader_role(
    parent: pulumi.Resource,
    name: str,
    context: pulumi.Input[AwsContext],
    role_path: str,
    principals: Sequence[str],
    sso_permission_sets: Sequence[str],
    logs_bucket: pulumi.Output[str],
    athena: AthenaTable | None,
) -> pulumi.Output[str]:
    """The audit-reader role (under the stack's role path, like every role of the platform)
    and its policy; returns its ARN."""
    principals, sets = tuple(principals), tuple(sso_permission_sets)
    role = aws.iam.Role(
        f"{name}-reader-role",
        path=role_path,
        description=audit_reader_role_description(athena.names if athena else None),
        assume_role_policy=document(
            lambda ctx: audit_reader_trust_policy(principals, sets, ctx), context
        ),
        tags={"secrets-platform:audit-reader": "true"},
        opts=child(parent),
    )
    if athena is None:
        policy = document(audit_reader_policy, context, logs_bucket)
    else:
        names = athena.names
        policy = document(
            lambda ctx, bucket, results: audit_reader_policy(
                ctx, bucket, AthenaAccess(names, results)
            ),
            context,
            logs_bucket,
            athena.results_bucket,
        )
    aws.iam.RolePolicy(f"{name}-reader-policy", role=role.id, policy=policy, opts=child(parent))
    return role.arn
