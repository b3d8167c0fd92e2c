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


def current_context(opts: pulumi.InvokeOutputOptions | None = None) -> pulumi.Output[AwsContext]:
    """Account, region and partition of the provider the stack deploys with."""
    identity = aws.get_caller_identity_output(opts=opts)
    region = aws.get_region_output(opts=opts)
    partition = aws.get_partition_output(opts=opts)
    return pulumi.Output.all(
        identity.account_id, region.region, partition.partition, partition.dns_suffix
    ).apply(lambda v: AwsContext(account=v[0], region=v[1], partition=v[2], dns_suffix=v[3]))


def document(builder: Callable[..., dict], *inputs: pulumi.Input[Any]) -> pulumi.Output[str]:
    """A policy document as JSON, built by a pure ``policies`` function once its inputs
    (ARNs, the context) are known. Components never write policy JSON themselves."""
    # The inputs are resolved before the builder runs, so the document holds no Output and plain
    # json.dumps serialises it. (Output.json_dumps would walk every nested dict and list of the
    # document lifting each into an Output: most of the program's time at hundreds of services.)
    return pulumi.Output.all(*inputs).apply(lambda values: json.dumps(builder(*values)))


def child(parent: pulumi.Resource, **kwargs: Any) -> pulumi.ResourceOptions:
    """Options of a component's child resource."""
    return pulumi.ResourceOptions(parent=parent, **kwargs)
