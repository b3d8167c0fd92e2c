"""AWS's length and size limits, held for every resource of the three stacks and of a stack
at the edges of what the config accepts (40-character service and writer names, a 255-character
cluster name, the longest label a role can be tagged with, the smallest Athena scan limit).
`components/config.py` refuses what would break these; everything it accepts must fit."""

from __future__ import annotations

import base64
import json
from collections.abc import Callable
from typing import Any

import pytest

from access_report.harness import AUTONAME_SUFFIX, ProgramRun, RecordedResource, run_program
from tests.platform.aws_stacks import STACK_FILES, stack_run

IAM_QUOTAS = "https://docs.aws.amazon.com/IAM/latest/UserGuide/reference_iam-quotas.html"
EC2_LT = "https://docs.aws.amazon.com/AWSEC2/latest/APIReference/API_LaunchTemplateVersion.html"
USER_DATA = "https://docs.aws.amazon.com/AWSEC2/latest/UserGuide/user-data.html"

#: (type, field, maximum, source): the value's length in characters (bytes for user data).
LENGTHS: tuple[tuple[str, str, int, str], ...] = (
    ("aws:iam/role:Role", "description", 1_000, IAM_QUOTAS),
    ("aws:iam/role:Role", "path", 512, IAM_QUOTAS),
    ("aws:iam/policy:Policy", "description", 1_000, IAM_QUOTAS),
    ("aws:ec2/launchTemplate:LaunchTemplate", "description", 255, EC2_LT),
    (
        "aws:cloudtrail/trail:Trail",
        "name",
        128,
        "https://docs.aws.amazon.com/awscloudtrail/latest/APIReference/API_CreateTrail.html",
    ),
    (
        "aws:ecs/cluster:Cluster",
        "name",
        255,
        "https://docs.aws.amazon.com/AmazonECS/latest/APIReference/API_CreateCluster.html",
    ),
    (
        "aws:kms/alias:Alias",
        "name",
        256,
        "https://docs.aws.amazon.com/kms/latest/APIReference/API_CreateAlias.html",
    ),
    (
        "aws:athena/workgroup:Workgroup",
        "name",
        128,
        "https://docs.aws.amazon.com/athena/latest/APIReference/API_CreateWorkGroup.html",
    ),
    (
        "aws:athena/workgroup:Workgroup",
        "description",
        1_024,
        "https://docs.aws.amazon.com/athena/latest/APIReference/API_CreateWorkGroup.html",
    ),
    (
        "aws:glue/catalogDatabase:CatalogDatabase",
        "name",
        255,
        "https://docs.aws.amazon.com/glue/latest/webapi/API_DatabaseInput.html",
    ),
    (
        "aws:cloudwatch/eventRule:EventRule",
        "description",
        512,
        "https://docs.aws.amazon.com/eventbridge/latest/APIReference/API_PutRule.html",
    ),
    (
        "aws:cloudwatch/eventRule:EventRule",
        "eventPattern",
        4_096,
        "https://docs.aws.amazon.com/eventbridge/latest/APIReference/API_PutRule.html",
    ),
)
#: Names Pulumi generates: the logical name and its suffix must fit the resource's name limit.
AUTONAMED: dict[str, int] = {
    "aws:iam/role:Role": 64,
    "aws:iam/rolePolicy:RolePolicy": 128,
    "aws:iam/policy:Policy": 128,
    "aws:iam/instanceProfile:InstanceProfile": 128,
    "aws:s3/bucket:Bucket": 63,
    "aws:cloudwatch/eventRule:EventRule": 64,
    "aws:sns/topic:Topic": 256,
    "aws:ec2/launchTemplate:LaunchTemplate": 128,
}
#: Policy documents, measured as IAM counts (JSON without whitespace).
DOCUMENT_SIZES: dict[tuple[str, str], int] = {
    ("aws:iam/role:Role", "assumeRolePolicy"): 2_048,
    ("aws:iam/rolePolicy:RolePolicy", "policy"): 10_240,
    ("aws:iam/policy:Policy", "policy"): 6_144,
    ("aws:kms/key:Key", "policy"): 32_768,
    ("aws:s3/bucketPolicy:BucketPolicy", "policy"): 20_480,
    ("aws:sns/topicPolicy:TopicPolicy", "policy"): 30_720,
}


def _size(text: str) -> int:
    return len(json.dumps(json.loads(text), separators=(",", ":")))


def _user_data(resource: RecordedResource) -> int:
    return len(base64.b64decode(resource.inputs["userData"]))


def violations(run: ProgramRun) -> list[str]:
    """Every value of ``run`` over an AWS limit, with the limit and where AWS states it."""
    found = []
    for type_, field, limit, source in LENGTHS:
        for r in run.of_type(type_):
            value = r.inputs.get(field)
            if value is not None and len(value) > limit:
                found.append(f"{r.name}.{field}: {len(value)} > {limit} ({source})")
    for r in run.resources:
        limit = AUTONAMED.get(r.type)
        if limit and "name" not in r.inputs and "bucket" not in r.inputs:
            if len(r.name) + AUTONAME_SUFFIX > limit:
                found.append(f"{r.name}: generated name over {limit} characters")
        for (type_, field), size_limit in DOCUMENT_SIZES.items():
            if r.type == type_ and _size(r.inputs[field]) > size_limit:
                found.append(f"{r.name}.{field}: {_size(r.inputs[field])} > {size_limit}")
        if r.type == "aws:iam/role:Role":
            found += [
                f"{r.name}.tags[{k}]: over 256 ({IAM_QUOTAS})"
                for k, v in (r.inputs.get("tags") or {}).items()
                if len(v) > 256
            ]
    checks: dict[str, Callable[[RecordedResource], Any]] = {
        "aws:ec2/launchTemplate:LaunchTemplate": lambda r: (
            _user_data(r) <= 16 * 1024
            or f"{r.name}.userData: {_user_data(r)} bytes > 16 KB raw ({USER_DATA})"
        ),
        "aws:athena/workgroup:Workgroup": lambda r: (
            r.inputs["configuration"]["bytesScannedCutoffPerQuery"] >= 10 * 1024 * 1024
            or f"{r.name}: scan cutoff under Athena's 10 MB minimum"
        ),
    }
    for type_, check in checks.items():
        found += [result for r in run.of_type(type_) if (result := check(r)) is not True]
    return found


def _edge_config() -> dict[str, str]:
    """The longest names and smallest limits the config accepts."""
    long_name = "s" + "e" * 39
    label = "/".join(["a" * 63] * 4)  # 255 characters, what a role's tag can hold
    return {
        "aws:region": "ap-southeast-2",
        "aws:allowedAccountIds": '["123456789012"]',
        "secrets-platform:services": json.dumps(
            [{"name": long_name, "secretLabel": label}, {"name": "api"}]
        ),
        "secrets-platform:kmsKeyAlias": "k" * 250,
        "secrets-platform:writers": json.dumps(
            [
                {
                    "name": "w" * 40,
                    "principals": ["arn:aws:iam::123456789012:root"],
                    "namespaces": ["*"],
                }
            ]
        ),
        "secrets-platform:ecsHosts": json.dumps(
            {"clusterName": "c" * 255, "instanceType": "t3.micro"}
        ),
        "secrets-platform:audit": json.dumps(
            {"athena": True, "athenaScanLimitGb": 1, "readers": ["arn:aws:iam::123456789012:root"]}
        ),
    }


@pytest.mark.parametrize("stack", sorted(STACK_FILES))
def test_example_stacks_fit_aws_limits(stack: str) -> None:
    assert violations(stack_run(stack)) == []


def test_a_stack_at_the_edges_of_the_config_fits_aws_limits() -> None:
    run = run_program(_edge_config(), stack="edge-" + "x" * 95)
    assert len(run.of_type("aws:ec2/launchTemplate:LaunchTemplate")) == 1
    assert violations(run) == []


def test_the_limits_are_checked() -> None:
    run = stack_run("dev")
    template = run.named("ecs-hosts-launch-template")
    too_long = dict(template.inputs, description="d" * 256)
    broken = ProgramRun(
        run.stack,
        run.account,
        run.region,
        [r for r in run.resources if r is not template]
        + [
            RecordedResource(
                template.type,
                "secrets-platform-hardened-ecs-host-template-x" * 3,
                too_long,
                template.outputs,
                template.id,
            )
        ],
        run.exports,
    )
    found = violations(broken)
    assert len(found) == 2
    assert "description: 256 > 255" in found[0] + found[1]
    assert "generated name over 128" in found[0] + found[1]
