"""SecretWriters: the roles engineers (aws-vault, SSO) and CI assume to write secrets."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import pulumi
import pulumi_aws as aws

from components._wiring import child, document, type_token
from components.config import Writer
from policies.context import AwsContext
from policies.iam import writer_policy, writer_role_description, writer_trust_policy


@dataclass
class SecretWritersArgs:
    context: pulumi.Input[AwsContext]
    writers: Sequence[Writer]
    key_arn: pulumi.Input[str]
    #: The IAM path of the roles (every role of the stack shares it; the key policy trusts it).
    role_path: str


class SecretWriters(pulumi.ComponentResource):
    role_arns: dict[str, pulumi.Output[str]]

    def __init__(
        self, name: str, args: SecretWritersArgs, opts: pulumi.ResourceOptions | None = None
    ) -> None:
        super().__init__(type_token("SecretWriters"), name, None, opts)
        self.role_arns = {}
        for writer in args.writers:
            namespaces = tuple(writer.namespaces)
            role = aws.iam.Role(
                f"{name}-{writer.name}-role",
                path=args.role_path,
                description=writer_role_description(namespaces),
                assume_role_policy=document(
                    lambda ctx, w=writer: writer_trust_policy(
                        w.principals, w.sso_permission_sets, ctx
                    ),
                    args.context,
                ),
                tags={"secrets-platform:writer": writer.name},
                opts=child(self),
            )
            aws.iam.RolePolicy(
                f"{name}-{writer.name}-write-secrets",
                role=role.id,
                policy=document(
                    lambda ctx, key_arn, ns=namespaces: writer_policy(ns, ctx, key_arn),
                    args.context,
                    args.key_arn,
                ),
                opts=child(self),
            )
            self.role_arns[writer.name] = role.arn
        self.register_outputs({"roleArns": self.role_arns})
