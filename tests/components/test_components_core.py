"""SecretsKey, ServiceIdentity and SecretWriters under mocks: resources, wiring, documents."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from access_report.harness import ProgramRun
from components import (
    SecretsKey,
    SecretsKeyArgs,
    SecretWriters,
    SecretWritersArgs,
    ServiceIdentity,
    ServiceIdentityArgs,
)
from components.config import Writer
from policies.iam import (
    service_read_policy,
    service_trust_policy,
    writer_policy,
    writer_trust_policy,
)
from policies.kms import secrets_key_policy
from tests.components.component_support import CTX, ROLE_PATH, doc

KEY = "arn:aws:kms:us-east-1:123456789012:key/k"
ADMIN = "arn:aws:iam::123456789012:role/admins"


def _types(run: ProgramRun) -> list[str]:
    return [r.type for r in run.resources]


def test_secrets_key(run: Callable[..., ProgramRun]) -> None:
    result = run(
        lambda ctx: SecretsKey(
            "secrets-key",
            SecretsKeyArgs(
                context=ctx, alias="parameter_store_key", role_path=ROLE_PATH, key_admins=[ADMIN]
            ),
        )
    )
    assert sorted(_types(result)) == [
        "aws:kms/alias:Alias",
        "aws:kms/key:Key",
        "secrets-platform:index:SecretsKey",
    ]
    key = result.named("secrets-key-key").inputs
    assert key["enableKeyRotation"] is True
    assert key["deletionWindowInDays"] >= 7
    assert doc(result, "secrets-key-key") == secrets_key_policy(CTX, [ADMIN], ROLE_PATH)
    alias = result.named("secrets-key-alias").inputs
    assert alias["name"] == "alias/parameter_store_key"
    assert alias["targetKeyId"] == result.named("secrets-key-key").outputs["keyId"]


def test_key_and_alias_are_protected(run: Callable[..., ProgramRun]) -> None:
    """`pulumi destroy`, or a component renamed without an alias, must not schedule the key's
    deletion (30 days later every secret would be unreadable): Pulumi refuses to delete or
    replace a protected resource. The component itself and nothing else is protected."""
    result = run(
        lambda ctx: SecretsKey("secrets-key", SecretsKeyArgs(ctx, "k", role_path=ROLE_PATH))
    )
    protected = {r.name for r in result.resources if r.protect}
    assert protected == {"secrets-key-key", "secrets-key-alias"}
    assert {r.parent for r in result.resources if r.protect} == {"secrets-key"}


def test_secrets_key_refuses_short_deletion_window(run: Callable[..., ProgramRun]) -> None:
    import pytest

    with pytest.raises(ValueError, match="7 to 30"):
        run(
            lambda ctx: SecretsKey(
                "k", SecretsKeyArgs(ctx, "a", role_path=ROLE_PATH, deletion_window_days=6)
            )
        )


def test_service_identity_is_three_resources(run: Callable[..., ProgramRun]) -> None:
    def build(ctx: Any) -> None:
        ServiceIdentity("svc-nginx", ServiceIdentityArgs(ctx, "nginx", "edge", KEY, ROLE_PATH))

    result = run(build)
    assert sorted(_types(result)) == [
        "aws:iam/role:Role",
        "aws:iam/rolePolicy:RolePolicy",
        "secrets-platform:index:ServiceIdentity",
    ]
    role = result.named("svc-nginx-role")
    assert role.inputs["path"] == ROLE_PATH
    assert role.outputs["arn"] == f"arn:aws:iam::123456789012:role{ROLE_PATH}svc-nginx-role"
    assert doc(result, "svc-nginx-role", "assumeRolePolicy") == service_trust_policy(CTX)
    policy = result.named("svc-nginx-read-secrets")
    assert policy.inputs["role"] == role.id
    assert doc(result, "svc-nginx-read-secrets") == service_read_policy("edge", CTX, KEY)
    # the literal documents, not only "what the function returns"
    read = doc(result, "svc-nginx-read-secrets")["Statement"][0]
    assert read["Resource"] == [
        "arn:aws:ssm:us-east-1:123456789012:parameter/edge",
        "arn:aws:ssm:us-east-1:123456789012:parameter/edge/*",
    ]
    assert role.inputs["tags"] == {
        "secrets-platform:service": "nginx",
        "secrets-platform:label": "edge",
    }
    assert not role.inputs.get("managedPolicyArns")
    assert not role.inputs.get("inlinePolicies")


def test_secret_writers(run: Callable[..., ProgramRun]) -> None:
    writers = [
        Writer("engineers", ("arn:aws:iam::123456789012:root",), ("*",)),
        Writer("ci", ("arn:aws:iam::123456789012:role/ci",), ("api", "edge")),
        Writer("billing", (), ("team/billing",), ("BillingEngineers",)),
    ]

    def build(ctx: Any) -> None:
        SecretWriters("writers", SecretWritersArgs(ctx, writers, KEY, ROLE_PATH))

    result = run(build)
    assert sorted(_types(result)) == sorted(
        ["secrets-platform:index:SecretWriters"]
        + ["aws:iam/role:Role", "aws:iam/rolePolicy:RolePolicy"] * 3
    )
    for writer in writers:
        role = result.named(f"writers-{writer.name}-role")
        assert role.inputs["path"] == ROLE_PATH
        assert doc(result, role.name, "assumeRolePolicy") == writer_trust_policy(
            writer.principals, writer.sso_permission_sets, CTX
        )
        policy = result.named(f"writers-{writer.name}-write-secrets")
        assert policy.inputs["role"] == role.id
        assert doc(result, policy.name) == writer_policy(writer.namespaces, CTX, KEY)
    engineers_trust = doc(result, "writers-engineers-role", "assumeRolePolicy")
    assert engineers_trust["Statement"][0]["Condition"] == {
        "Bool": {"aws:MultiFactorAuthPresent": "true"}
    }
    billing_trust = doc(result, "writers-billing-role", "assumeRolePolicy")
    assert [st["Sid"] for st in billing_trust["Statement"]] == ["SsoPermissionSet1"]
    assert result.named("writers-billing-role").inputs["description"] == (
        "secrets-platform: writes secrets under /team/billing/*"
    )
