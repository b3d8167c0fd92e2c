"""Small helpers shared by the components: the deployment context and policy wiring."""

from __future__ import annotations

import json
from collections.abc import Callable
from typing import Any

import pulumi
import pulumi_aws as aws

from policies.context import AwsContext

PACKAGE = "secrets-platform"


def type_token(name: str) -> str:
    """The type token of a component: ``secrets-platform:index:<Name>``."""
    return f"{PACKAGE}:index:{name}"


def current_context(opts: pulumi.InvokeOptions | None = None) -> AwsContext:
    """Account, region and partition of the provider the stack deploys with. Plain values (a
    blocking invoke, resolved once), so the documents that depend only on them are plain text
    and hundreds of services need no Output plumbing for them."""
    identity = aws.get_caller_identity(opts=opts)
    region = aws.get_region(opts=opts)
    partition = aws.get_partition(opts=opts)
    return AwsContext(
        account=identity.account_id,
        region=region.region,
        partition=partition.partition,
        dns_suffix=partition.dns_suffix,
    )


def document(builder: Callable[..., dict], *inputs: pulumi.Input[Any]) -> pulumi.Input[str]:
    """A policy document as JSON, built by a pure ``policies`` function once its inputs
    (ARNs, the context) are known. Components never write policy JSON themselves."""
    if not any(isinstance(value, pulumi.Output) for value in inputs):
        return json.dumps(builder(*inputs))
    # The inputs are resolved before the builder runs, so the document holds no Output and plain
    # json.dumps serialises it. (Output.json_dumps would walk every nested dict and list of the
    # document lifting each into an Output: most of the program's time at hundreds of services.)
    return pulumi.Output.all(*inputs).apply(lambda values: json.dumps(builder(*values)))


def child(parent: pulumi.Resource, **kwargs: Any) -> pulumi.ResourceOptions:
    """Options of a component's child resource."""
    return pulumi.ResourceOptions(parent=parent, **kwargs)


def private_bucket_settings(
    parent: pulumi.Resource, name: str, bucket: pulumi.Input[str], **options: Any
) -> list[pulumi.Resource]:
    """A bucket's public access block (all four settings on) and its default encryption
    (SSE-S3, so any principal allowed to read an object can, without a KMS grant), named
    ``<name>-public-access`` and ``<name>-encryption``; ``options`` are their resource options."""
    return [
        aws.s3.BucketPublicAccessBlock(
            f"{name}-public-access",
            bucket=bucket,
            block_public_acls=True,
            block_public_policy=True,
            ignore_public_acls=True,
            restrict_public_buckets=True,
            opts=child(parent, **options),
        ),
        aws.s3.BucketServerSideEncryptionConfiguration(
            f"{name}-encryption",
            bucket=bucket,
            rules=[{"apply_server_side_encryption_by_default": {"sse_algorithm": "AES256"}}],
            opts=child(parent, **options),
        ),
    ]
