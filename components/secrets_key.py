"""SecretsKey: the KMS key that encrypts every secret, usable only through Parameter Store."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field

import pulumi
import pulumi_aws as aws

from components._wiring import child, document, type_token
from policies.context import AwsContext
from policies.kms import secrets_key_policy

MIN_DELETION_WINDOW_DAYS = 7


@dataclass
class SecretsKeyArgs:
    context: pulumi.Input[AwsContext]
    alias: str
    #: The IAM path of the roles that may use the key (every role of this stack).
    role_path: str
    key_admins: Sequence[str] = field(default_factory=tuple)
    deletion_window_days: int = 30


class SecretsKey(pulumi.ComponentResource):
    key_arn: pulumi.Output[str]
    key_id: pulumi.Output[str]
    alias_name: pulumi.Output[str]

    def __init__(
        self, name: str, args: SecretsKeyArgs, opts: pulumi.ResourceOptions | None = None
    ) -> None:
        super().__init__(type_token("SecretsKey"), name, None, opts)
        if not MIN_DELETION_WINDOW_DAYS <= args.deletion_window_days <= 30:
            raise ValueError("the key's deletion window must be 7 to 30 days")
        admins, path = tuple(args.key_admins), args.role_path
        # Protected: deleting the key (a `pulumi destroy`, or a renamed component) would make
        # every secret unreadable once the deletion window ends. Pulumi refuses to delete or
        # replace a protected resource until `pulumi state unprotect`. Children are named after
        # the component, so a renamed component keeps them with `aliases=[Alias(name=old)]` on
        # the component alone (Pulumi derives the children's aliases from it).
        key = aws.kms.Key(
            f"{name}-key",
            description="secrets-platform: encrypts Parameter Store secrets, usable via SSM only",
            enable_key_rotation=True,
            deletion_window_in_days=args.deletion_window_days,
            policy=document(lambda ctx: secrets_key_policy(ctx, admins, path), args.context),
            opts=child(self, protect=True),
        )
        alias = aws.kms.Alias(
            f"{name}-alias",
            name=f"alias/{args.alias}",
            target_key_id=key.key_id,
            opts=child(self, protect=True),
        )
        self.key_arn = key.arn
        self.key_id = key.key_id
        self.alias_name = alias.name
        self.register_outputs(
            {"keyArn": self.key_arn, "keyId": self.key_id, "aliasName": self.alias_name}
        )
