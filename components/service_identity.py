"""ServiceIdentity: one ECS task role per service, reading only its own secrets.

Three resources per service (this component, the role, its inline policy), so that hundreds
of services stay cheap to deploy.
"""

from __future__ import annotations

from dataclasses import dataclass

import pulumi
import pulumi_aws as aws

from components._wiring import child, document, type_token
from policies.context import AwsContext
from policies.iam import (
    service_read_policy,
    service_role_description,
    service_trust_policy,
)


@dataclass
class ServiceIdentityArgs:
    context: pulumi.Input[AwsContext]
    service: str
    secret_label: str
    key_arn: pulumi.Input[str]
    #: The IAM path of the role (every role of the stack shares it; the key policy trusts it).
    role_path: str


class ServiceIdentity(pulumi.ComponentResource):
    role_arn: pulumi.Output[str]
    role_name: pulumi.Output[str]

    def __init__(
        self, name: str, args: ServiceIdentityArgs, opts: pulumi.ResourceOptions | None = None
    ) -> None:
        super().__init__(type_token("ServiceIdentity"), name, None, opts)
        label = args.secret_label
        role = aws.iam.Role(
            f"{name}-role",
            path=args.role_path,
            description=service_role_description(args.service, label),
            assume_role_policy=document(service_trust_policy, args.context),
            tags={"secrets-platform:service": args.service, "secrets-platform:label": label},
            opts=child(self),
        )
        aws.iam.RolePolicy(
            f"{name}-read-secrets",
            role=role.id,
            policy=document(
                lambda ctx, key_arn: service_read_policy(label, ctx, key_arn),
                args.context,
                args.key_arn,
            ),
            opts=child(self),
        )
        self.role_arn = role.arn
        self.role_name = role.name
        self.register_outputs({"roleArn": self.role_arn, "roleName": self.role_name})
