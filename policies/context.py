"""Where a stack is deployed: the account, region and partition every ARN is built from."""

from __future__ import annotations

from dataclasses import dataclass

POLICY_VERSION = "2012-10-17"


@dataclass(frozen=True)
class AwsContext:
    """The account and region a stack deploys into (from the provider, never hard-coded)."""

    account: str
    region: str
    partition: str = "aws"
    dns_suffix: str = "amazonaws.com"

    @property
    def ssm_service(self) -> str:
        """The ``kms:ViaService`` value of calls that Parameter Store makes on a caller's behalf."""
        return f"ssm.{self.region}.{self.dns_suffix}"

    @property
    def root_arn(self) -> str:
        return f"arn:{self.partition}:iam::{self.account}:root"

    def role_arn(self, path_and_name: str) -> str:
        """ARN (or ARN pattern) of a role of this account: ``/secrets-platform/dev/*`` gives
        ``arn:aws:iam::<account>:role/secrets-platform/dev/*``."""
        return f"arn:{self.partition}:iam::{self.account}:role/{path_and_name.lstrip('/')}"

    def parameter_arn(self, path: str) -> str:
        """ARN of an SSM parameter (or ARN pattern); ``path`` is given without its leading '/'.

        ``/api/x`` is ``arn:aws:ssm:<region>:<account>:parameter/api/x``: one slash only.
        """
        return f"arn:{self.partition}:ssm:{self.region}:{self.account}:parameter/{path.lstrip('/')}"


def label_resources(ctx: AwsContext, label: str) -> list[str]:
    """The parameter ARNs a secret label covers: the path itself (for GetParametersByPath)
    and everything below it. ``/api`` never reaches ``/apiv2/x``. The label ``*`` is every
    parameter."""
    if label == "*":
        return [ctx.parameter_arn("*")]
    return [ctx.parameter_arn(label), ctx.parameter_arn(f"{label}/*")]


def label_secret_pattern(ctx: AwsContext, label: str) -> str:
    """The ``kms:EncryptionContext:PARAMETER_ARN`` pattern of the secrets under a label."""
    if label == "*":
        return ctx.parameter_arn("*")
    return ctx.parameter_arn(f"{label}/*")


def policy(*statements: dict) -> dict:
    """A policy document from its statements."""
    return {"Version": POLICY_VERSION, "Statement": list(statements)}
