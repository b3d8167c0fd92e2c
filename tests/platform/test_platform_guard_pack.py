"""The guard policy pack as Pulumi's policy SDK runs it: its policies, their config, the
entry point the CLI starts, and zero violations over everything the platform program itself
registers (the Pulumi CLI cannot run here, so the pack's policies are called directly with
``ResourceValidationArgs``, as the SDK's analyzer would)."""

from __future__ import annotations

import json
import subprocess
import sys
from collections.abc import Mapping
from pathlib import Path
from typing import Any

import pytest
from pulumi_policy import (
    EnforcementLevel,
    PolicyCustomTimeouts,
    PolicyResourceOptions,
    ResourceValidationArgs,
    ResourceValidationPolicy,
)

from access_report import ProgramRun, run_stack_file
from policies.guard.pack import PACK_NAME, build_policies
from policies.guard.rules import RULES, TASK_DEFINITION, GuardConfigError

ROOT = Path(__file__).resolve().parents[2]
STACKS = [
    ROOT / "Pulumi.dev.yaml",
    ROOT / "Pulumi.prod.yaml",
    ROOT / "tests/proof/iam/Pulumi.matrix.yaml",
]
POLICIES = {p.name: p for p in build_policies()}


def _args(type_: str, props: Mapping[str, Any], config: Mapping[str, Any] | None) -> Any:
    options = PolicyResourceOptions(False, [], None, [], PolicyCustomTimeouts(0, 0, 0), [])
    return ResourceValidationArgs(
        type_, props, f"urn:pulumi:svc::app::{type_}::r", "r", options, None, config
    )


def _violations(
    policy: ResourceValidationPolicy, type_: str, props: Mapping[str, Any], config: Any
) -> list[str]:
    found: list[str] = []
    policy.validate(_args(type_, props, config), lambda message, urn=None: found.append(message))
    return found


@pytest.fixture(scope="module", params=STACKS, ids=lambda p: p.name)
def run(request: pytest.FixtureRequest) -> ProgramRun:
    return run_stack_file(request.param)


def test_one_mandatory_policy_per_rule_each_needing_the_platform() -> None:
    assert list(POLICIES) == [rule.name for rule in RULES]
    for policy in POLICIES.values():
        assert isinstance(policy, ResourceValidationPolicy)
        assert policy.enforcement_level == EnforcementLevel.MANDATORY
        assert policy.config_schema is not None
        assert policy.config_schema.required == ["platform"]


def test_the_platform_exports_the_packs_config(run: ProgramRun) -> None:
    config = run.exports["guardPolicyConfig"]
    assert set(config) == set(POLICIES)
    platform = config["secret-access-in-scope"]["platform"]
    assert platform["keyArn"] == run.exports["kmsKeyArn"]
    assert {n: s["roleArn"] for n, s in platform["services"].items()} == (
        run.exports["serviceRoleArns"]
    )
    writers = {n: w["roleArn"] for n, w in platform["writers"].items()}
    assert writers == run.exports["writerRoleArns"]


def test_zero_violations_over_every_resource_of_the_platform_program(run: ProgramRun) -> None:
    config = run.exports["guardPolicyConfig"]
    checked = 0
    for resource in run.resources:
        # what the policy SDK sees: the inputs, with the names the provider gave (autonaming)
        props = {**resource.outputs, **resource.inputs}
        for name, policy in POLICIES.items():
            found = _violations(policy, resource.type, props, config[name])
            assert found == [], f"{resource.type} {resource.name}: {found}"
            checked += 1
    assert checked == len(run.resources) * len(POLICIES)
    # the rules had something to judge: inline policies on platform roles, the attachment of
    # the audit policy to the host role, every role under the stack's path
    types = {r.type for r in run.resources}
    assert {"aws:iam/rolePolicy:RolePolicy", "aws:iam/role:Role"} <= types


def test_a_changed_platform_resource_is_caught(run: ProgramRun) -> None:
    """The zero above is not vacuous: widen one service's read policy to another label."""
    config = run.exports["guardPolicyConfig"]["secret-access-in-scope"]
    api = run.named("svc-api-read-secrets")
    document = json.loads(api.inputs["policy"])
    labels = {s["label"] for s in config["platform"]["services"].values()} - {"api"}
    other = sorted(labels)[0]
    statement = document["Statement"][0]
    wider = statement["Resource"][1].replace("/api/", f"/{other}/")
    statement["Resource"] = [*statement["Resource"], wider]
    props = {**api.inputs, "policy": json.dumps(document)}
    found = _violations(POLICIES["secret-access-in-scope"], api.type, props, config)
    assert len(found) == 1 and f"/{other}/*" in found[0]


def test_each_policy_reports_through_the_sdk(run: ProgramRun) -> None:
    """One failing resource per policy, as a service stack would register it."""
    config = run.exports["guardPolicyConfig"]
    platform = config["platform-task-own-role"]["platform"]
    api_role = platform["services"]["api"]["roleArn"]
    worker_role = platform["services"]["worker"]["roleArn"]
    task = {
        "family": "api",
        "taskRoleArn": api_role,
        "networkMode": "awsvpc",
        "containerDefinitions": json.dumps([{"name": "app", "image": "a"}]),
    }
    cases = {
        "platform-task-no-host-network": (TASK_DEFINITION, {**task, "networkMode": "host"}),
        "platform-task-not-privileged": (
            TASK_DEFINITION,
            {**task, "containerDefinitions": json.dumps([{"name": "a", "privileged": True}])},
        ),
        "platform-task-own-role": (TASK_DEFINITION, {**task, "taskRoleArn": worker_role}),
        "secret-access-in-scope": (
            "aws:iam/policy:Policy",
            {
                "policy": json.dumps(
                    {"Statement": [{"Effect": "Allow", "Action": "kms:Decrypt", "Resource": "*"}]}
                )
            },
        ),
        "platform-roles-untouched": (
            "aws:iam/rolePolicyAttachment:RolePolicyAttachment",
            {
                "role": api_role.rsplit("/", 1)[1],
                "policyArn": "arn:aws:iam::aws:policy/AdministratorAccess",
            },
        ),
    }
    for name, (type_, props) in cases.items():
        found = _violations(POLICIES[name], type_, props, config[name])
        assert len(found) == 1, (name, found)
        assert _violations(POLICIES[name], TASK_DEFINITION, task, config[name]) == []


def test_without_the_platform_config_the_pack_refuses_to_judge() -> None:
    with pytest.raises(GuardConfigError, match="guardPolicyConfig"):
        _violations(POLICIES["platform-task-own-role"], TASK_DEFINITION, {}, {})


def test_the_pack_entry_point_serves_as_the_cli_starts_it() -> None:
    """What `pulumi preview --policy-pack policies/guard` runs: the pack's __main__.py, from
    its own directory; it starts the analyzer and prints its port."""
    pack_dir = ROOT / "policies/guard"
    process = subprocess.Popen(
        [sys.executable, "-u", str(pack_dir / "__main__.py")],
        cwd=pack_dir,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    try:
        assert process.stdout is not None
        port = process.stdout.readline().strip()
        assert port.isdigit() and int(port) > 0, process.stderr.read() if process.stderr else ""
        assert process.poll() is None
    finally:
        process.kill()
        process.wait(timeout=30)
    assert PACK_NAME == "secrets-platform-guard"
