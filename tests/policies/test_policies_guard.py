"""The guard pack's rules as pure functions: each one called with resource properties as a
service stack would register them, a passing and a failing case at least."""

from __future__ import annotations

import json
from typing import Any

import pytest

from policies.guard.rules import (
    GROUP_POLICY,
    MANAGED_POLICY,
    POLICY_ATTACHMENT,
    ROLE,
    ROLE_POLICY,
    ROLE_POLICY_ATTACHMENT,
    RULES,
    TASK_DEFINITION,
    USER_POLICY,
    GuardConfigError,
    Platform,
    no_host_network,
    not_privileged,
    own_role,
    pack_config,
    platform_roles_untouched,
    reaches_label,
    secret_access_in_scope,
    violations,
)

ACCOUNT, REGION = "222222222222", "eu-west-1"
ROLES = f"arn:aws:iam::{ACCOUNT}:role/secrets-platform/prod"
PARAM = f"arn:aws:ssm:{REGION}:{ACCOUNT}:parameter"
KEY = f"arn:aws:kms:{REGION}:{ACCOUNT}:key/1234abcd-0000-0000-0000-000000000000"
AUDIT_POLICY = f"arn:aws:iam::{ACCOUNT}:policy/audit-log-writers-abc"
PLATFORM = Platform(
    account=ACCOUNT,
    region=REGION,
    partition="aws",
    key_arn=KEY,
    services={
        "api": (f"{ROLES}/svc-api-role-1a2b3c4", "api"),
        "apiv2": (f"{ROLES}/svc-apiv2-role-5d6e7f8", "apiv2"),
        "billing": (f"{ROLES}/svc-billing-role-0f0f0f0", "team/billing"),
    },
    writers={
        "ci": (f"{ROLES}/writers-ci-role-1111111", ("api",)),
        "break-glass": (f"{ROLES}/writers-break-glass-role-2222222", ("*",)),
    },
    other_roles=(f"{ROLES}/ecs-hosts-instance-role-3333333",),
    policy_arns=(AUDIT_POLICY,),
)
API_ROLE = PLATFORM.services["api"][0]


def _task(**props: Any) -> dict[str, Any]:
    base: dict[str, Any] = {
        "family": "api",
        "taskRoleArn": API_ROLE,
        "networkMode": "awsvpc",
        "containerDefinitions": json.dumps([{"name": "app", "image": "app:1"}]),
    }
    base.update(props)
    return base


def _policy(*statements: dict[str, Any]) -> str:
    return json.dumps({"Version": "2012-10-17", "Statement": list(statements)})


def _allow(action: str | list[str], resource: str | list[str], **extra: Any) -> dict[str, Any]:
    return {"Effect": "Allow", "Action": action, "Resource": resource, **extra}


# --- matching -----------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("pattern", "label", "reaches"),
    [
        (f"{PARAM}/api/*", "api", True),
        (f"{PARAM}/api", "api", True),  # GetParametersByPath on the label's path
        (f"{PARAM}/api/*", "apiv2", False),
        (f"{PARAM}/api*", "apiv2", True),  # a sibling prefix
        (f"{PARAM}/team", "team/billing", True),  # a parent path reads below it
        (f"{PARAM}/", "team/billing", True),  # the root path
        (f"{PARAM}/team/other/*", "team/billing", False),
        (f"{PARAM}/*", "team/billing", True),
        ("*", "api", True),
        (f"arn:aws:ssm:*:{ACCOUNT}:parameter/api/*", "api", True),
        (f"arn:aws:ssm:{REGION}:111111111111:parameter/api/*", "api", False),
        (f"{PARAM}/_chamber/store-config", "api", False),
        (f"{PARAM}/a?i/x", "api", True),
    ],
)
def test_reaches_label(pattern: str, label: str, reaches: bool) -> None:
    assert reaches_label(pattern, label, PLATFORM) is reaches


# --- task definitions -------------------------------------------------------------------------


def test_host_network_is_refused_with_a_platform_role() -> None:
    assert no_host_network(TASK_DEFINITION, _task(), PLATFORM) == []
    assert no_host_network(TASK_DEFINITION, _task(networkMode="bridge"), PLATFORM) == []
    (message,) = no_host_network(TASK_DEFINITION, _task(networkMode="host"), PLATFORM)
    assert "networkMode host" in message and "'api'" in message
    # the execution role counts too; a task definition with no platform role is not ours
    host = _task(networkMode="host", taskRoleArn=None, executionRoleArn=API_ROLE)
    assert no_host_network(TASK_DEFINITION, host, PLATFORM)
    other = _task(networkMode="host", taskRoleArn=f"arn:aws:iam::{ACCOUNT}:role/other")
    assert no_host_network(TASK_DEFINITION, other, PLATFORM) == []
    assert no_host_network(ROLE, _task(networkMode="host"), PLATFORM) == []


def test_privileged_containers_are_refused() -> None:
    assert not_privileged(TASK_DEFINITION, _task(), PLATFORM) == []
    containers = [
        {"name": "app", "image": "app:1", "privileged": False},
        {"name": "sidecar", "image": "s:1", "privileged": True},
    ]
    (message,) = not_privileged(
        TASK_DEFINITION, _task(containerDefinitions=json.dumps(containers)), PLATFORM
    )
    assert "'sidecar' is privileged" in message
    # a list (not JSON text) works the same
    assert not_privileged(TASK_DEFINITION, _task(containerDefinitions=containers), PLATFORM)


def test_a_task_uses_only_the_role_of_the_service_it_names() -> None:
    assert own_role(TASK_DEFINITION, _task(), PLATFORM) == []
    # named by tag, whatever the family
    tagged = _task(family="api-migrations", tags={"secrets-platform:service": "api"})
    assert own_role(TASK_DEFINITION, tagged, PLATFORM) == []
    # by name instead of ARN (ECS accepts either)
    assert own_role(TASK_DEFINITION, _task(taskRoleArn="svc-api-role-1a2b3c4"), PLATFORM) == []
    # another service's role
    (message,) = own_role(TASK_DEFINITION, _task(family="apiv2"), PLATFORM)
    assert "names service 'apiv2' but its taskRoleArn is the role of 'api'" in message
    assert PLATFORM.services["apiv2"][0] in message
    # a platform role, no platform service named
    (message,) = own_role(TASK_DEFINITION, _task(family="batch"), PLATFORM)
    assert "names no platform service" in message
    # the execution role is judged the same way
    borrowed = _task(taskRoleArn=None, executionRoleArn=PLATFORM.services["billing"][0])
    assert own_role(TASK_DEFINITION, borrowed, PLATFORM)
    # no platform role at all: not the pack's business
    assert own_role(TASK_DEFINITION, _task(taskRoleArn="arn:aws:iam::1:role/x"), PLATFORM) == []


# --- IAM policies ------------------------------------------------------------------------------


@pytest.mark.parametrize("type_", [MANAGED_POLICY, USER_POLICY, GROUP_POLICY])
def test_other_principals_read_no_secret_label(type_: str) -> None:
    ok = _policy(_allow("ssm:GetParameter", f"{PARAM}/myapp-config/*"))
    assert secret_access_in_scope(type_, {"policy": ok}, PLATFORM) == []
    public = _policy(_allow("ssm:GetParameters", "arn:aws:ssm:*::parameter/aws/service/*"))
    assert secret_access_in_scope(type_, {"policy": public}, PLATFORM) == []
    for bad in (
        _allow("ssm:GetParameter", f"{PARAM}/api/*"),
        _allow("ssm:Get*", "*"),
        _allow("ssm:*", f"{PARAM}/team"),
        _allow("*", f"{PARAM}/api*"),
        {"Effect": "Allow", "NotAction": "s3:*", "Resource": f"{PARAM}/apiv2/x"},
        {"Effect": "Allow", "Action": "ssm:GetParametersByPath", "NotResource": f"{PARAM}/x"},
    ):
        (message,) = secret_access_in_scope(type_, {"policy": _policy(bad)}, PLATFORM)
        assert "grants ssm:GetParameter*" in message
    # a Deny is never a grant
    deny = _policy({"Effect": "Deny", "Action": "ssm:*", "Resource": "*"})
    assert secret_access_in_scope(type_, {"policy": deny}, PLATFORM) == []


def test_decrypt_on_the_secrets_key_only_for_platform_roles_in_scope() -> None:
    decrypt_all = _policy(_allow("kms:Decrypt", "*"))
    (message,) = secret_access_in_scope(MANAGED_POLICY, {"policy": decrypt_all}, PLATFORM)
    assert "kms:Decrypt on the secrets key" in message
    kms_all = _policy(_allow("kms:*", KEY))
    assert secret_access_in_scope(MANAGED_POLICY, {"policy": kms_all}, PLATFORM)
    other_key = _policy(_allow("kms:Decrypt", KEY.replace("1234abcd", "99999999")))
    assert secret_access_in_scope(MANAGED_POLICY, {"policy": other_key}, PLATFORM) == []
    # inline on the api role: within its label, as the platform grants it
    within = _policy(
        _allow(
            "kms:Decrypt",
            KEY,
            Condition={"StringLike": {"kms:EncryptionContext:PARAMETER_ARN": f"{PARAM}/api/*"}},
        )
    )
    on_api = {"role": "svc-api-role-1a2b3c4", "policy": within}
    assert secret_access_in_scope(ROLE_POLICY, on_api, PLATFORM) == []
    # the same document on a role of the service stack, or on api's role without the
    # context condition, or with another label's context
    assert secret_access_in_scope(ROLE_POLICY, {"role": "my-role", "policy": within}, PLATFORM)
    loose = {"role": "svc-api-role-1a2b3c4", "policy": _policy(_allow("kms:Decrypt", KEY))}
    assert secret_access_in_scope(ROLE_POLICY, loose, PLATFORM)
    wider = within.replace(f"{PARAM}/api/*", f"{PARAM}/*")
    wide = {"role": "svc-api-role-1a2b3c4", "policy": wider}
    assert secret_access_in_scope(ROLE_POLICY, wide, PLATFORM)


def test_policies_on_platform_roles_stay_inside_their_labels() -> None:
    own = _policy(_allow("ssm:GetParameter", [f"{PARAM}/api", f"{PARAM}/api/*"]))
    assert secret_access_in_scope(ROLE_POLICY, {"role": API_ROLE, "policy": own}, PLATFORM) == []
    more = _policy(_allow("ssm:GetParameter", f"{PARAM}/team/billing/*"))
    (message,) = secret_access_in_scope(ROLE_POLICY, {"role": API_ROLE, "policy": more}, PLATFORM)
    assert "/team/billing/*" in message
    # the break-glass writer covers every label; the ci writer only api
    everything = _policy(_allow("ssm:GetParameter", f"{PARAM}/*"))
    glass = {"role": PLATFORM.writers["break-glass"][0], "policy": everything}
    assert secret_access_in_scope(ROLE_POLICY, glass, PLATFORM) == []
    ci = {"role": PLATFORM.writers["ci"][0], "policy": everything}
    assert secret_access_in_scope(ROLE_POLICY, ci, PLATFORM)
    # a role's inline policies (aws.iam.Role inlinePolicies) are judged as the stack's own
    role = {"name": "my-task", "inlinePolicies": [{"name": "read", "policy": more}]}
    assert secret_access_in_scope(ROLE, role, PLATFORM)
    assert secret_access_in_scope(ROLE, {"name": "my-task"}, PLATFORM) == []


def test_platform_roles_are_untouched() -> None:
    own_path = {"name": "svc-api-role-1a2b3c4", "path": "/secrets-platform/prod/"}
    assert platform_roles_untouched(ROLE, own_path, PLATFORM) == []
    assert platform_roles_untouched(ROLE, {"name": "mine", "path": "/team/"}, PLATFORM) == []
    (message,) = platform_roles_untouched(
        ROLE, {"name": "sneaky", "path": "/secrets-platform/prod/"}, PLATFORM
    )
    assert "only the platform creates roles there" in message
    admin = "arn:aws:iam::aws:policy/AdministratorAccess"
    attach = {"role": "svc-api-role-1a2b3c4", "policyArn": admin}
    (message,) = platform_roles_untouched(ROLE_POLICY_ATTACHMENT, attach, PLATFORM)
    assert admin in message
    host_audit = {"role": "ecs-hosts-instance-role-3333333", "policyArn": AUDIT_POLICY}
    assert platform_roles_untouched(ROLE_POLICY_ATTACHMENT, host_audit, PLATFORM) == []
    mine = {"role": "my-role", "policyArn": admin}
    assert platform_roles_untouched(ROLE_POLICY_ATTACHMENT, mine, PLATFORM) == []
    many = {"roles": ["my-role", API_ROLE], "policyArn": admin}
    assert platform_roles_untouched(POLICY_ATTACHMENT, many, PLATFORM)


def test_violations_and_pack_config() -> None:
    bad = _task(family="apiv2", networkMode="host")
    assert set(violations(TASK_DEFINITION, bad, PLATFORM)) == {
        "platform-task-no-host-network",
        "platform-task-own-role",
    }
    assert violations(TASK_DEFINITION, _task(), PLATFORM) == {}
    config = pack_config(PLATFORM)
    assert set(config) == {rule.name for rule in RULES}
    assert all(Platform.from_config(c["platform"]) == PLATFORM for c in config.values())
    with pytest.raises(GuardConfigError, match="guardPolicyConfig"):
        Platform.from_config(None)
    with pytest.raises(GuardConfigError, match="keyArn"):
        Platform.from_config({"account": ACCOUNT, "region": REGION})
