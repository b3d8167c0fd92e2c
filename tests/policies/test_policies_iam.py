"""Exact Action, Resource and Condition sets of the IAM documents."""

from __future__ import annotations

import pytest

from policies.context import AwsContext
from policies.iam import (
    SSM_WRITE_ACTIONS,
    ec2_trust_policy,
    ecs_agent_policy,
    is_account_root,
    service_read_policy,
    service_trust_policy,
    sso_role_arn_patterns,
    writer_policy,
    writer_role_description,
    writer_trust_policy,
)

CTX = AwsContext(account="123456789012", region="us-east-1")
KEY = "arn:aws:kms:us-east-1:123456789012:key/k-1"
PARAM = "arn:aws:ssm:us-east-1:123456789012:parameter"


def _as_set(value: str | list[str]) -> set[str]:
    return {value} if isinstance(value, str) else set(value)


def _by_sid(document: dict) -> dict[str, dict]:
    assert document["Version"] == "2012-10-17"
    return {st["Sid"]: st for st in document["Statement"]}


def test_service_trust_is_ecs_tasks_of_this_account_and_region_only() -> None:
    (st,) = service_trust_policy(CTX)["Statement"]
    assert st["Effect"] == "Allow"
    assert st["Principal"] == {"Service": "ecs-tasks.amazonaws.com"}
    assert st["Action"] == "sts:AssumeRole"
    assert st["Condition"] == {
        "StringEquals": {"aws:SourceAccount": "123456789012"},
        "ArnLike": {"aws:SourceArn": "arn:aws:ecs:us-east-1:123456789012:*"},
    }


def test_service_reads_only_its_label_and_decrypts_only_via_ssm() -> None:
    statements = _by_sid(service_read_policy("api", CTX, KEY))
    assert set(statements) == {"ReadOwnSecrets", "DecryptOwnSecretsViaParameterStore"}
    read = statements["ReadOwnSecrets"]
    assert read["Effect"] == "Allow"
    assert _as_set(read["Action"]) == {
        "ssm:GetParameter",
        "ssm:GetParameters",
        "ssm:GetParametersByPath",
    }
    assert _as_set(read["Resource"]) == {f"{PARAM}/api", f"{PARAM}/api/*"}
    assert "Condition" not in read
    decrypt = statements["DecryptOwnSecretsViaParameterStore"]
    assert _as_set(decrypt["Action"]) == {"kms:Decrypt"}
    assert _as_set(decrypt["Resource"]) == {KEY}
    assert decrypt["Condition"] == {
        "StringEquals": {"kms:ViaService": "ssm.us-east-1.amazonaws.com"},
        "StringLike": {"kms:EncryptionContext:PARAMETER_ARN": f"{PARAM}/api/*"},
    }


def test_service_policy_never_has_star_resources_or_write_actions() -> None:
    for st in service_read_policy("team/api", CTX, KEY)["Statement"]:
        assert "*" not in _as_set(st["Resource"])
        assert not _as_set(st["Action"]) & set(SSM_WRITE_ACTIONS)
        assert all(not a.endswith("*") for a in _as_set(st["Action"]))


def test_multi_segment_label_has_one_slash_and_no_sibling_prefix() -> None:
    read = _by_sid(service_read_policy("team/api", CTX, KEY))["ReadOwnSecrets"]
    assert _as_set(read["Resource"]) == {f"{PARAM}/team/api", f"{PARAM}/team/api/*"}
    for arn in read["Resource"]:
        assert "parameter//" not in arn
        # '/api' must not reach '/apiv2/x': no resource is a bare prefix pattern
        assert not arn.endswith("api*")


def test_writer_trust_requires_mfa_for_account_roots_only() -> None:
    root = "arn:aws:iam::111111111111:root"
    ci = "arn:aws:iam::111111111111:role/ci"
    statements = _by_sid(writer_trust_policy([ci, root, ci], [], CTX))
    assert statements["NamedPrincipals"] == {
        "Sid": "NamedPrincipals",
        "Effect": "Allow",
        "Principal": {"AWS": [ci]},
        "Action": "sts:AssumeRole",
    }
    assert statements["AccountPrincipalsWithMfa"]["Principal"] == {"AWS": [root]}
    assert statements["AccountPrincipalsWithMfa"]["Condition"] == {
        "Bool": {"aws:MultiFactorAuthPresent": "true"}
    }
    assert set(_by_sid(writer_trust_policy([ci], [], CTX))) == {"NamedPrincipals"}
    with pytest.raises(ValueError, match="principal or SSO permission set"):
        writer_trust_policy([], [], CTX)


def test_sso_permission_sets_are_trusted_by_name_through_the_account() -> None:
    """No role ARN (its suffix changes on re-provisioning; IAM refuses a missing principal):
    the account, narrowed to the permission set's Identity Center roles in both path forms,
    and never a permission set whose name merely starts with ``<name>_``."""
    statements = _by_sid(writer_trust_policy([], ["Billing", "Break_Glass", "Billing"], CTX))
    assert set(statements) == {"SsoPermissionSet1", "SsoPermissionSet2"}
    sso = "arn:aws:iam::123456789012:role/aws-reserved/sso.amazonaws.com"
    billing = statements["SsoPermissionSet1"]
    assert billing == {
        "Sid": "SsoPermissionSet1",
        "Effect": "Allow",
        "Principal": {"AWS": "arn:aws:iam::123456789012:root"},
        "Action": "sts:AssumeRole",
        "Condition": {
            "ArnLike": {
                "aws:PrincipalArn": [
                    f"{sso}/AWSReservedSSO_Billing_*",
                    f"{sso}/*/AWSReservedSSO_Billing_*",
                ]
            },
            "ArnNotLike": {"aws:PrincipalArn": f"{sso}/*AWSReservedSSO_Billing_*_*"},
        },
    }
    assert statements["SsoPermissionSet2"]["Condition"]["ArnNotLike"] == {
        "aws:PrincipalArn": f"{sso}/*AWSReservedSSO_Break_Glass_*_*"
    }
    assert sso_role_arn_patterns(CTX, "Billing") == (
        billing["Condition"]["ArnLike"]["aws:PrincipalArn"],
        billing["Condition"]["ArnNotLike"]["aws:PrincipalArn"],
    )


def test_writer_role_descriptions() -> None:
    assert writer_role_description(["api", "team/x"]) == (
        "secrets-platform: writes secrets under /api/*, /team/x/*"
    )
    assert writer_role_description(["*", "api"]) == (
        "secrets-platform: writes every secret (namespace *)"
    )


@pytest.mark.parametrize(
    ("arn", "root"),
    [
        ("arn:aws:iam::111111111111:root", True),
        ("arn:aws-us-gov:iam::111111111111:root", True),
        ("arn:aws:iam::111111111111:role/root", False),
        ("arn:aws:iam::111111111111:user/root", False),
    ],
)
def test_is_account_root(arn: str, root: bool) -> None:
    assert is_account_root(arn) is root


def test_writer_policy_scopes_everything_to_its_namespaces() -> None:
    statements = _by_sid(writer_policy(["edge", "api"], CTX, KEY))
    manage = statements["ManageSecretsInNamespaces"]
    assert _as_set(manage["Action"]) == {
        "ssm:PutParameter",
        "ssm:DeleteParameter",
        "ssm:DeleteParameters",
        "ssm:GetParameter",
        "ssm:GetParameters",
        "ssm:GetParametersByPath",
        "ssm:GetParameterHistory",
        "ssm:LabelParameterVersion",
        "ssm:AddTagsToResource",
        "ssm:ListTagsForResource",
        "ssm:RemoveTagsFromResource",
    }
    assert _as_set(manage["Resource"]) == {
        f"{PARAM}/api",
        f"{PARAM}/api/*",
        f"{PARAM}/edge",
        f"{PARAM}/edge/*",
    }
    listing = statements["ListParameterNames"]
    assert _as_set(listing["Action"]) == {"ssm:DescribeParameters"}
    assert listing["Resource"] == "*"
    kms = statements["UseKeyViaParameterStoreInNamespaces"]
    assert _as_set(kms["Action"]) == {"kms:Encrypt", "kms:GenerateDataKey", "kms:Decrypt"}
    assert _as_set(kms["Resource"]) == {KEY}
    assert kms["Condition"]["StringEquals"] == {"kms:ViaService": "ssm.us-east-1.amazonaws.com"}
    assert _as_set(kms["Condition"]["StringLike"]["kms:EncryptionContext:PARAMETER_ARN"]) == {
        f"{PARAM}/api/*",
        f"{PARAM}/edge/*",
    }


def test_writer_with_star_namespace_gets_every_parameter() -> None:
    statements = _by_sid(writer_policy(["*", "api"], CTX, KEY))
    assert _as_set(statements["ManageSecretsInNamespaces"]["Resource"]) == {f"{PARAM}/*"}
    condition = statements["UseKeyViaParameterStoreInNamespaces"]["Condition"]["StringLike"]
    assert condition == {"kms:EncryptionContext:PARAMETER_ARN": f"{PARAM}/*"}


@pytest.mark.parametrize("namespaces", [["api"], ["*"]])
def test_writers_read_chamber_store_config_and_never_change_it(namespaces: list[str]) -> None:
    """chamber v3's required-tags config: GetParameter on exactly that parameter, and a Deny of
    every parameter-changing action under /_chamber (a "*" writer's parameter/* reaches it)."""
    statements = _by_sid(writer_policy(namespaces, CTX, KEY))
    assert set(statements) == {
        "ManageSecretsInNamespaces",
        "ListParameterNames",
        "ReadChamberStoreConfig",
        "ChamberConfigIsReadOnly",
        "UseKeyViaParameterStoreInNamespaces",
    }
    assert statements["ReadChamberStoreConfig"] == {
        "Sid": "ReadChamberStoreConfig",
        "Effect": "Allow",
        "Action": "ssm:GetParameter",
        "Resource": f"{PARAM}/_chamber/store-config",
    }
    deny = statements["ChamberConfigIsReadOnly"]
    assert deny["Effect"] == "Deny"
    assert _as_set(deny["Action"]) == {
        "ssm:AddTagsToResource",
        "ssm:DeleteParameter",
        "ssm:DeleteParameters",
        "ssm:LabelParameterVersion",
        "ssm:PutParameter",
        "ssm:RemoveTagsFromResource",
        "ssm:UnlabelParameterVersion",
    }
    assert _as_set(deny["Resource"]) == {f"{PARAM}/_chamber", f"{PARAM}/_chamber/*"}
    assert "Condition" not in deny


def test_only_describe_parameters_uses_star_in_writer_policy() -> None:
    for st in writer_policy(["api"], CTX, KEY)["Statement"]:
        if "*" in _as_set(st["Resource"]):
            assert _as_set(st["Action"]) == {"ssm:DescribeParameters"}


def test_ec2_trust_and_ecs_agent_policy() -> None:
    # As AWS's own ECS instance role: EC2 sends no aws:SourceAccount to condition on.
    assert ec2_trust_policy()["Statement"] == [
        {
            "Sid": "Ec2Instances",
            "Effect": "Allow",
            "Principal": {"Service": "ec2.amazonaws.com"},
            "Action": "sts:AssumeRole",
        }
    ]
    statements = _by_sid(ecs_agent_policy("prod", CTX))
    ecs = "arn:aws:ecs:us-east-1:123456789012"
    assert statements["AgentOnItsCluster"]["Resource"] == f"{ecs}:cluster/prod"
    assert _as_set(statements["AgentOnItsCluster"]["Action"]) == {
        "ecs:DeregisterContainerInstance",
        "ecs:RegisterContainerInstance",
        "ecs:SubmitAttachmentStateChanges",
        "ecs:SubmitContainerStateChange",
        "ecs:SubmitTaskStateChange",
    }
    assert statements["AgentOnItsContainerInstances"]["Resource"] == (
        f"{ecs}:container-instance/prod/*"
    )
    assert _as_set(statements["AgentOnItsContainerInstances"]["Action"]) == {
        "ecs:Poll",
        "ecs:StartTelemetrySession",
        "ecs:UpdateContainerInstancesState",
    }
    assert statements["AgentDiscoversEndpoints"] == {
        "Sid": "AgentDiscoversEndpoints",
        "Effect": "Allow",
        "Action": ["ecs:DiscoverPollEndpoint"],
        "Resource": "*",
    }
    actions = {a for st in statements.values() for a in _as_set(st["Action"])}
    assert not any(a.startswith(("ssm:", "kms:", "iam:", "s3:")) for a in actions)
