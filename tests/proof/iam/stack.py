"""The matrix stack as the proof sees it: the real program run under Pulumi's mocks, and every
identity policy, trust policy and the key policy it emitted, tied to the role they belong to
(by the harness's ``ProgramRun.roles``, which refuses anything it cannot tie).

The expectations (which labels and namespaces each identity should reach) come from the stack
config file itself, read here with plain YAML, never from ``policies`` or ``components``: a
change there cannot move the expectation along with the behaviour.
"""

from __future__ import annotations

import json
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import yaml

from access_report.harness import (
    KMS_KEY,
    ProgramRun,
    RecordedResource,
    RoleDocuments,
    UnmodelledResource,
    run_stack_file,
)
from tests.proof.iam.evaluator import ContextValue, NamedPolicy, Request

HERE = Path(__file__).resolve().parent
MATRIX_STACK = HERE / "Pulumi.matrix.yaml"
NS = "secrets-platform"
#: Where the stack's roles live, written down here (not taken from ``policies``).
ROLE_PATH = "secrets-platform/matrix/"


def default_key_policy(account: str) -> dict[str, Any]:
    """The AWS default key policy (the account root may do everything, so IAM policies
    decide): a key with no Deny. Judged against it, a principal's own policy shows what it
    allows on its own, one layer of the defence at a time."""
    return {
        "Version": "2012-10-17",
        "Statement": [
            {
                "Sid": "Enable IAM User Permissions",
                "Effect": "Allow",
                "Principal": {"AWS": f"arn:aws:iam::{account}:root"},
                "Action": "kms:*",
                "Resource": "*",
            }
        ],
    }


@dataclass(frozen=True)
class Identity:
    """A role the program created, with its trust policy and identity policies."""

    kind: str  # "service", "writer", "reader" or "host"
    name: str
    role_arn: str
    trust: NamedPolicy
    policies: tuple[NamedPolicy, ...]


@dataclass(frozen=True)
class ServiceSpec:
    name: str
    label: str


@dataclass(frozen=True)
class WriterSpec:
    name: str
    principals: tuple[str, ...]
    namespaces: tuple[str, ...]
    sso_permission_sets: tuple[str, ...] = ()


@dataclass(frozen=True)
class StackSpec:
    """What the stack config file says (the source of every expectation)."""

    account: str
    region: str
    services: tuple[ServiceSpec, ...]
    writers: tuple[WriterSpec, ...]
    key_admins: tuple[str, ...]
    deployer_role_arn: str
    #: Who may assume the audit-reader role, in the writers' shape (namespaces unused).
    audit_reader: WriterSpec | None = None
    athena: bool = False

    @property
    def labels(self) -> tuple[str, ...]:
        return tuple(sorted({s.label for s in self.services}))


def read_spec(stack_file: Path = MATRIX_STACK) -> StackSpec:
    config = yaml.safe_load(stack_file.read_text())["config"]
    services = tuple(
        ServiceSpec(s["name"], s.get("secretLabel", s["name"])) for s in config[f"{NS}:services"]
    )
    writers = tuple(
        WriterSpec(
            w["name"],
            tuple(w.get("principals", [])),
            tuple(w["namespaces"]),
            tuple(w.get("ssoPermissionSets", [])),
        )
        for w in config.get(f"{NS}:writers", [])
    )
    audit = config[f"{NS}:audit"]
    readers = tuple(audit.get("readers", []))
    reader_sets = tuple(audit.get("readerSsoPermissionSets", []))
    return StackSpec(
        account=str(config["aws:allowedAccountIds"][0]),
        region=config["aws:region"],
        services=services,
        writers=writers,
        key_admins=tuple(config.get(f"{NS}:keyAdmins", [])),
        deployer_role_arn=audit["deployerRoleArn"],
        audit_reader=(
            WriterSpec("audit-reader", readers, (), reader_sets) if readers or reader_sets else None
        ),
        athena=bool(audit.get("athena", False)),
    )


@dataclass(frozen=True)
class Stack:
    """The program's output, organised for requests."""

    spec: StackSpec
    run: ProgramRun
    account: str
    region: str
    key_arn: str
    key_policy: NamedPolicy
    services: Mapping[str, Identity]
    writers: Mapping[str, Identity]
    others: Mapping[str, Identity]
    #: The audit-reader role (exported as auditReaderRoleArn), when the stack has readers.
    audit_reader: Identity | None = None

    # --- ARNs, built here from the account and region (not from the program's helpers) ---

    def parameter_arn(self, name: str) -> str:
        """``/api/x`` -> ``arn:aws:ssm:<region>:<account>:parameter/api/x``; ``/`` is the root
        path ``parameter/``."""
        return f"arn:aws:ssm:{self.region}:{self.account}:parameter/{name.lstrip('/')}"

    @property
    def ssm_service(self) -> str:
        return f"ssm.{self.region}.amazonaws.com"

    def other_key_arn(self) -> str:
        return f"arn:aws:kms:{self.region}:{self.account}:key/11111111-2222-3333-4444-555555555555"

    @property
    def default_key_policy(self) -> NamedPolicy:
        return NamedPolicy("aws-default-key-policy", "resource", default_key_policy(self.account))

    # --- requests ---

    def bucket_policy(self, resource_name: str) -> NamedPolicy:
        """The policy of a bucket, as the program emitted it (by its resource's name)."""
        document = _policy(self.run.named(resource_name))
        return NamedPolicy(f"{resource_name} (bucket policy)", "resource", document)

    def principal_context(self, principal_arn: str) -> dict[str, ContextValue]:
        account = principal_arn.split(":")[4]
        return {"aws:PrincipalArn": principal_arn, "aws:PrincipalAccount": account}

    def ssm(self, who: Identity, action: str, name: str) -> Request:
        """``who`` calls an SSM parameter action on the parameter (or path) ``name``."""
        return Request(
            principal=who.role_arn,
            action=action,
            resource=self.parameter_arn(name),
            resource_account=self.account,
            context=self.principal_context(who.role_arn),
            identity_policies=who.policies,
        )

    def kms_context(
        self,
        principal_arn: str,
        parameter: str | None,
        via: str | None = "ssm",
    ) -> dict[str, ContextValue]:
        """The context of a KMS call Parameter Store makes for ``principal_arn`` on the secret
        ``parameter`` (None: no encryption context); ``via`` None: a direct call, ``"ssm"``:
        through this region's Parameter Store, anything else: that service endpoint."""
        context = self.principal_context(principal_arn)
        context["kms:CallerAccount"] = principal_arn.split(":")[4]
        if via is not None:
            context["kms:ViaService"] = self.ssm_service if via == "ssm" else via
        if parameter is not None:
            context["kms:EncryptionContext:PARAMETER_ARN"] = self.parameter_arn(parameter)
            context["kms:EncryptionContextKeys"] = ["PARAMETER_ARN"]
        return context

    def kms(
        self,
        principal_arn: str,
        policies: Sequence[NamedPolicy],
        action: str,
        parameter: str | None,
        via: str | None = "ssm",
        key_arn: str | None = None,
        key_policy: NamedPolicy | None = None,
    ) -> Request:
        """A KMS ``action`` on the secrets key (or ``key_arn``), judged against the stack's key
        policy (or ``key_policy``)."""
        return Request(
            principal=principal_arn,
            action=action,
            resource=key_arn or self.key_arn,
            resource_account=self.account,
            context=self.kms_context(principal_arn, parameter, via),
            identity_policies=tuple(policies),
            resource_policy=key_policy or self.key_policy,
        )

    def assume(
        self,
        target: Identity,
        principal: str,
        context: Mapping[str, ContextValue] | None = None,
        policies: Sequence[NamedPolicy] = (),
    ) -> Request:
        """``principal`` calls sts:AssumeRole on ``target``'s role, judged by its trust policy."""
        return Request(
            principal=principal,
            action="sts:AssumeRole",
            resource=target.role_arn,
            resource_account=self.account,
            context=dict(context or {}),
            identity_policies=tuple(policies),
            resource_policy=target.trust,
        )


def _policy(resource: RecordedResource, field_name: str = "policy") -> dict[str, Any]:
    value = resource.inputs[field_name]
    return json.loads(value) if isinstance(value, str) else value


def build_stack(run: ProgramRun, spec: StackSpec) -> Stack:
    """Tie every role, inline policy, attached managed policy and the key policy together.
    Raises ``UnmodelledResource`` for anything that cannot be tied, so that nothing the
    program emits escapes the proof."""
    exports = run.exports
    service_arns: dict[str, str] = dict(exports["serviceRoleArns"])
    writer_arns: dict[str, str] = dict(exports["writerRoleArns"])

    def identity(kind: str, name: str, documents: RoleDocuments) -> Identity:
        role = documents.role
        return Identity(
            kind=kind,
            name=name,
            role_arn=role.outputs["arn"],
            trust=NamedPolicy(f"{role.name} trust", "trust", documents.trust),
            policies=tuple(NamedPolicy(n, "identity", d) for n, d in documents.policies),
        )

    by_arn = {d.role.outputs["arn"]: d for d in run.roles()}
    services, writers, others = {}, {}, {}
    for name, arn in service_arns.items():
        if arn not in by_arn:
            raise UnmodelledResource(f"service {name}'s exported role {arn} was never created")
        services[name] = identity("service", name, by_arn.pop(arn))
    for name, arn in writer_arns.items():
        if arn not in by_arn:
            raise UnmodelledResource(f"writer {name}'s exported role {arn} was never created")
        writers[name] = identity("writer", name, by_arn.pop(arn))
    reader = None
    if "auditReaderRoleArn" in exports:
        arn = exports["auditReaderRoleArn"]
        if arn not in by_arn:
            raise UnmodelledResource(f"the exported audit reader role {arn} was never created")
        reader = identity("reader", "audit-reader", by_arn.pop(arn))
    for arn, documents in by_arn.items():
        if documents.role.name.endswith("-instance-role"):
            others[documents.role.name] = identity("host", documents.role.name, documents)
        else:
            raise UnmodelledResource(
                f"role {documents.role.name} ({arn}) is neither exported nor a host role"
            )

    keys = run.of_type(KMS_KEY)
    if len(keys) != 1:
        raise UnmodelledResource(f"expected exactly one KMS key, found {len(keys)}")
    key = keys[0]
    if key.outputs["arn"] != exports["kmsKeyArn"]:
        raise UnmodelledResource("the exported kmsKeyArn is not the key the program created")
    return Stack(
        spec=spec,
        run=run,
        account=run.account,
        region=run.region,
        key_arn=key.outputs["arn"],
        key_policy=NamedPolicy("secrets key policy", "resource", _policy(key)),
        services=services,
        writers=writers,
        others=others,
        audit_reader=reader,
    )


def load_stack(stack_file: Path = MATRIX_STACK) -> Stack:
    """Run the real program for ``stack_file`` under mocks and model what it emitted."""
    return build_stack(run_stack_file(stack_file), read_spec(stack_file))
