"""Run the real platform program under Pulumi's mocks and record what it would create.

No AWS account, no Pulumi CLI, no provider plugin: ``pulumi.runtime.set_mocks`` answers the
resource registrations and invokes. Every resource's inputs (policy documents, launch
template settings, user data) and options (protect, retain on delete, parent) are recorded,
and the stack exports are resolved.

This is the one place the mocks are set up: the access report, the component tests and the
IAM proof all run through ``run_under_mocks`` (``run_program``, ``run_stack_file`` and
``run_components`` are its three entry points) and read roles with ``ProgramRun.roles``.
"""

from __future__ import annotations

import json
import re
import runpy
import sys
import threading
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any

import pulumi
import yaml
from pulumi.runtime import settings as runtime_settings
from pulumi.runtime.mocks import MockMonitor

PROJECT = "secrets-platform"
PROGRAM_DIR = Path(__file__).resolve().parent.parent
DEFAULT_ACCOUNT = "123456789012"
#: The mocks name a resource by its logical name where Pulumi, unless told a name, adds "-"
#: and 7 random characters: this many more in AWS.
AUTONAME_SUFFIX = 8
DEFAULT_REGION = "us-east-1"

CALLER_IDENTITY = "aws:index/getCallerIdentity:getCallerIdentity"
GET_REGION = "aws:index/getRegion:getRegion"
GET_PARTITION = "aws:index/getPartition:getPartition"

# Resource types the report, the tests and the proof read.
ROLE = "aws:iam/role:Role"
ROLE_POLICY = "aws:iam/rolePolicy:RolePolicy"
ROLE_POLICY_ATTACHMENT = "aws:iam/rolePolicyAttachment:RolePolicyAttachment"
MANAGED_POLICY = "aws:iam/policy:Policy"
KMS_KEY = "aws:kms/key:Key"
KMS_ALIAS = "aws:kms/alias:Alias"


@dataclass(frozen=True)
class RecordedResource:
    """One resource the program registered: its type token, logical name, inputs, the
    outputs the mocks gave it, and the options Pulumi would act on at deploy and destroy."""

    type: str
    name: str
    inputs: dict[str, Any]
    outputs: dict[str, Any]
    id: str
    protect: bool = False
    retain_on_delete: bool = False
    #: The logical name of the parent ("" for the stack itself).
    parent: str = ""
    #: Logical names of the resources Pulumi finishes before this one (``depends_on`` and
    #: the resources whose outputs are among its inputs): the order AWS sees the calls in.
    dependencies: tuple[str, ...] = ()


class UnmodelledResource(AssertionError):
    """The program emitted an IAM role or policy that cannot be tied to a role of the stack."""


@dataclass(frozen=True)
class RoleDocuments:
    """A role the program creates, its trust policy, and every permission policy it gets
    (inline policies and attached managed policies of the stack), by resource name."""

    role: RecordedResource
    trust: dict[str, Any]
    policies: tuple[tuple[str, dict[str, Any]], ...]


@dataclass
class ProgramRun:
    """What the program would create, in a deterministic order (type, then name)."""

    stack: str
    account: str
    region: str
    resources: list[RecordedResource]
    exports: dict[str, Any]
    config: dict[str, str] = field(default_factory=dict)

    def of_type(self, type_: str) -> list[RecordedResource]:
        return [r for r in self.resources if r.type == type_]

    def named(self, name: str) -> RecordedResource:
        matches = [r for r in self.resources if r.name == name]
        if len(matches) != 1:
            raise KeyError(f"{len(matches)} resources named {name!r}")
        return matches[0]

    def policy(self, name: str, field_name: str = "policy") -> dict[str, Any]:
        """A recorded policy document, parsed."""
        return json.loads(self.named(name).inputs[field_name])

    def roles(self) -> list[RoleDocuments]:
        """Every role with its documents. Raises ``UnmodelledResource`` for an inline policy or
        attachment on a role the stack does not create, an attachment of a policy that is not
        the stack's, and any other kind of IAM policy resource: nothing escapes the report or
        the proof."""
        roles = self.of_type(ROLE)
        by_id = {r.id: r for r in roles}
        by_name = {r.outputs["name"]: r for r in roles}
        managed = {p.outputs["arn"]: p for p in self.of_type(MANAGED_POLICY)}
        policies: dict[str, list[tuple[str, dict[str, Any]]]] = {r.name: [] for r in roles}
        for inline in self.of_type(ROLE_POLICY):
            role = by_id.get(inline.inputs.get("role"))
            if role is None:
                raise UnmodelledResource(
                    f"inline policy {inline.name} is on an unknown role "
                    f"{inline.inputs.get('role')!r}"
                )
            policies[role.name].append((inline.name, _document(inline.inputs["policy"])))
        for attachment in self.of_type(ROLE_POLICY_ATTACHMENT):
            role = by_name.get(attachment.inputs.get("role"))
            arn = attachment.inputs.get("policyArn")
            if role is None:
                raise UnmodelledResource(
                    f"attachment {attachment.name} is on an unknown role "
                    f"{attachment.inputs.get('role')!r}"
                )
            if arn not in managed:
                raise UnmodelledResource(
                    f"attachment {attachment.name} attaches {arn!r}, not a policy of this stack"
                )
            policy = managed[arn]
            policies[role.name].append((policy.name, _document(policy.inputs["policy"])))
        others = {
            r.type for r in self.resources if r.type.startswith("aws:iam/") and "Polic" in r.type
        } - {ROLE_POLICY, ROLE_POLICY_ATTACHMENT, MANAGED_POLICY}
        if others:
            raise UnmodelledResource(f"IAM policy resources nothing models: {sorted(others)}")
        return [
            RoleDocuments(r, _document(r.inputs["assumeRolePolicy"]), tuple(policies[r.name]))
            for r in roles
        ]


def _document(value: Any) -> dict[str, Any]:
    return json.loads(value) if isinstance(value, str) else dict(value)


@dataclass(frozen=True)
class _Options:
    protect: bool
    retain_on_delete: bool
    parent: str
    dependencies: tuple[str, ...]


class RecordingMonitor(MockMonitor):
    """Pulumi's mock monitor, also keeping the options and dependencies of each registration
    (the mocks' ``new_resource`` sees only inputs)."""

    def __init__(self, mocks: pulumi.runtime.Mocks) -> None:
        super().__init__(mocks)
        self.options: dict[tuple[str, str], _Options] = {}

    def RegisterResource(self, request: Any) -> Any:  # noqa: N802 - the gRPC method's name
        parent = request.parent.rsplit("::", 1)[-1] if request.parent else ""
        self.options[(request.type, request.name)] = _Options(
            protect=bool(request.protect),
            retain_on_delete=bool(request.retainOnDelete),
            parent=parent,
            dependencies=tuple(sorted(urn.rsplit("::", 1)[-1] for urn in request.dependencies)),
        )
        return super().RegisterResource(request)


class PlatformMocks(pulumi.runtime.Mocks):
    """Answers like AWS would, enough for the program: ARNs and ids for resources, account,
    region and partition for the invokes."""

    def __init__(self, account: str = DEFAULT_ACCOUNT, region: str = DEFAULT_REGION) -> None:
        self.account = account
        self.region = region
        self.recorded: list[RecordedResource] = []
        self._lock = threading.Lock()

    def call(self, args: pulumi.runtime.MockCallArgs) -> tuple[dict, list[tuple[str, str]]]:
        if args.token == CALLER_IDENTITY:
            return {
                "accountId": self.account,
                "arn": f"arn:aws:iam::{self.account}:user/platform-deployer",
                "id": self.account,
                "userId": "AIDAMOCKDEPLOYER",
            }, []
        if args.token == GET_REGION:
            return {
                "region": self.region,
                "name": self.region,
                "id": self.region,
                "description": self.region,
                "endpoint": f"ec2.{self.region}.amazonaws.com",
            }, []
        if args.token == GET_PARTITION:
            return {
                "partition": "aws",
                "dnsSuffix": "amazonaws.com",
                "id": "aws",
                "reverseDnsPrefix": "com.amazonaws",
            }, []
        raise NotImplementedError(f"the platform mocks do not answer the invoke {args.token}")

    def _arn(self, type_: str, name: str, inputs: Mapping[str, Any]) -> str:
        acct, region = self.account, self.region
        if type_ == "aws:kms/key:Key":
            return f"arn:aws:kms:{region}:{acct}:key/{name}-0000"
        if type_ == "aws:kms/alias:Alias":
            return f"arn:aws:kms:{region}:{acct}:{inputs.get('name', name)}"
        if type_ == "aws:iam/role:Role":
            return f"arn:aws:iam::{acct}:role{inputs.get('path') or '/'}{name}"
        if type_ == "aws:ecs/cluster:Cluster":
            return f"arn:aws:ecs:{region}:{acct}:cluster/{name}"
        if type_ == "aws:iam/instanceProfile:InstanceProfile":
            return f"arn:aws:iam::{acct}:instance-profile/{name}"
        if type_ == "aws:iam/policy:Policy":
            return f"arn:aws:iam::{acct}:policy/{name}"
        if type_ == "aws:s3/bucket:Bucket":
            return f"arn:aws:s3:::{name}"
        if type_ == "aws:cloudtrail/trail:Trail":
            return f"arn:aws:cloudtrail:{region}:{acct}:trail/{name}"
        if type_ == "aws:cloudwatch/eventRule:EventRule":
            return f"arn:aws:events:{region}:{acct}:rule/{name}"
        if type_ == "aws:sns/topic:Topic":
            return f"arn:aws:sns:{region}:{acct}:{name}"
        if type_ == "aws:ec2/launchTemplate:LaunchTemplate":
            return f"arn:aws:ec2:{region}:{acct}:launch-template/lt-{name}"
        if type_ == "aws:athena/workgroup:Workgroup":
            return f"arn:aws:athena:{region}:{acct}:workgroup/{name}"
        if type_ == "aws:glue/catalogDatabase:CatalogDatabase":
            return f"arn:aws:glue:{region}:{acct}:database/{name}"
        if type_ == "aws:glue/catalogTable:CatalogTable":
            return f"arn:aws:glue:{region}:{acct}:table/{inputs.get('databaseName')}/{name}"
        service = type_.split(":")[1].split("/")[0]
        return f"arn:aws:{service}:{region}:{acct}:{name}"

    def new_resource(self, args: pulumi.runtime.MockResourceArgs) -> tuple[str, dict]:
        inputs = _whole_numbers(dict(args.inputs))
        # Physical names: what was asked for, else the logical name (AWS would add a suffix).
        physical = inputs.get("name") or inputs.get("bucket") or args.name
        outputs = dict(inputs)
        resource_id = physical
        if args.typ == "aws:kms/key:Key":
            resource_id = f"{args.name}-0000"
            outputs["keyId"] = resource_id
        elif args.typ == "aws:ec2/launchTemplate:LaunchTemplate":
            resource_id = f"lt-{args.name}"
            outputs["latestVersion"] = 1
        elif args.typ == "aws:s3/bucket:Bucket":
            outputs["bucket"] = physical
        elif args.typ == "aws:sns/topic:Topic":
            resource_id = self._arn(args.typ, physical, inputs)
        outputs.setdefault("name", physical)
        outputs["arn"] = self._arn(args.typ, physical, inputs)
        with self._lock:
            self.recorded.append(
                RecordedResource(args.typ, args.name, inputs, outputs, resource_id)
            )
        return resource_id, outputs


def _whole_numbers(value: Any) -> Any:
    """Pulumi carries every number as a float; give whole numbers back as ints."""
    if isinstance(value, float) and value.is_integer():
        return int(value)
    if isinstance(value, dict):
        return {k: _whole_numbers(v) for k, v in value.items()}
    if isinstance(value, list):
        return [_whole_numbers(v) for v in value]
    return value


def stack_name_of(stack_file: Path) -> str:
    """``Pulumi.dev.yaml`` is the stack ``dev``."""
    parts = stack_file.name.split(".")
    if len(parts) < 3 or parts[0] != "Pulumi" or parts[-1] not in ("yaml", "yml"):
        raise ValueError(f"{stack_file} is not a stack config file (Pulumi.<stack>.yaml)")
    return ".".join(parts[1:-1])


def load_stack_config(stack_file: Path) -> dict[str, str]:
    """A stack config file as Pulumi hands it to a program: ``<namespace>:<key>`` to strings,
    objects and lists as JSON text."""
    return stack_config_from_yaml(stack_file.read_text(), str(stack_file))


def stack_config_from_yaml(text: str, source: str) -> dict[str, str]:
    """The same from a stack config's text (``source`` names it in errors), for configs that
    are not files, such as a file as of a git revision."""
    document = yaml.safe_load(text) or {}
    config = document.get("config") or {}
    if not isinstance(config, dict):
        raise ValueError(f"{source}: 'config' must be a mapping")
    result: dict[str, str] = {}
    for key, value in config.items():
        key = key if ":" in key else f"{PROJECT}:{key}"  # Pulumi's default namespace
        if isinstance(value, str):
            result[key] = value
        elif isinstance(value, bool):
            result[key] = "true" if value else "false"
        elif isinstance(value, (int, float)):
            result[key] = str(value)
        else:
            result[key] = json.dumps(value)
    return result


def run_under_mocks(
    body: Callable[[], None],
    config: Mapping[str, str] | None = None,
    stack: str = "dev",
    account: str | None = None,
    region: str | None = None,
) -> ProgramRun:
    """Run ``body`` (a Pulumi program) under mocks with ``config`` (Pulumi's string form) and
    record every resource it registers and every stack export.

    The account comes from ``account``, else the first ``aws:allowedAccountIds`` entry, else
    123456789012; the region from ``region``, else ``aws:region``, else us-east-1. Raises what
    the program raises (``pulumi.RunError`` for a bad stack config).
    """
    config = dict(config or {})
    account, region = stack_account_and_region(config, account, region)
    mocks = PlatformMocks(account=account, region=region)
    monitor = RecordingMonitor(mocks)
    # A fresh root stack for every run: resources never leak from one run into the next.
    runtime_settings.set_root_resource(None)
    pulumi.runtime.set_mocks(mocks, project=PROJECT, stack=stack, preview=False, monitor=monitor)
    pulumi.runtime.set_all_config(config)
    exports: dict[str, Any] = {}

    @pulumi.runtime.test
    def _run() -> pulumi.Output[None]:
        body()
        root = runtime_settings.get_root_resource()
        outputs = dict(getattr(root, "outputs", {}))
        return pulumi.Output.from_input(outputs).apply(exports.update)

    try:
        _run()
    finally:
        runtime_settings.set_root_resource(None)
        pulumi.runtime.set_all_config({})
    resources = sorted(
        (replace(r, **vars(monitor.options[(r.type, r.name)])) for r in mocks.recorded),
        key=lambda r: (r.type, r.name),
    )
    return ProgramRun(
        stack=stack,
        account=account,
        region=region,
        resources=resources,
        exports=_whole_numbers(exports),
        config=config,
    )


def allowed_accounts(config: Mapping[str, str]) -> list[str]:
    """The stack's ``aws:allowedAccountIds`` (empty when it pins none)."""
    raw = config.get("aws:allowedAccountIds")
    if not raw:
        return []
    try:
        accounts = json.loads(raw)
    except json.JSONDecodeError:
        accounts = raw
    if not isinstance(accounts, list) or not all(
        isinstance(a, (str, int)) and re.fullmatch(r"\d{12}", str(a)) for a in accounts
    ):
        raise ValueError(
            f"aws:allowedAccountIds: {raw} must be a list of 12-digit account ids, quoted: "
            '["111111111111"]'
        )
    return [str(a) for a in accounts]


def stack_account_and_region(
    config: Mapping[str, str], account: str | None = None, region: str | None = None
) -> tuple[str, str]:
    """The account (``account``, else the first ``aws:allowedAccountIds`` entry, else
    123456789012) and region (``region``, else ``aws:region``, else us-east-1) a stack config
    is run or judged for."""
    accounts = allowed_accounts(config)
    return (
        account or (accounts[0] if accounts else DEFAULT_ACCOUNT),
        region or config.get("aws:region") or DEFAULT_REGION,
    )


def run_program(
    config: Mapping[str, str],
    stack: str = "dev",
    account: str | None = None,
    region: str | None = None,
    program_dir: Path = PROGRAM_DIR,
) -> ProgramRun:
    """Run the real ``<program_dir>/__main__.py`` under mocks, as `pulumi up` would run it."""
    program = str(program_dir / "__main__.py")

    def body() -> None:
        added = str(program_dir) not in sys.path
        if added:
            sys.path.insert(0, str(program_dir))
        try:
            runpy.run_path(program, run_name="__main__")
        finally:
            if added:
                sys.path.remove(str(program_dir))

    return run_under_mocks(body, config, stack=stack, account=account, region=region)


def run_stack_file(
    stack_file: str | Path,
    account: str | None = None,
    region: str | None = None,
    program_dir: Path = PROGRAM_DIR,
) -> ProgramRun:
    """Run the program for a ``Pulumi.<stack>.yaml`` file."""
    path = Path(stack_file)
    return run_program(
        load_stack_config(path),
        stack=stack_name_of(path),
        account=account,
        region=region,
        program_dir=program_dir,
    )


def run_components(
    build: Callable[[Any], None],
    account: str = DEFAULT_ACCOUNT,
    region: str = DEFAULT_REGION,
    stack: str = "dev",
) -> ProgramRun:
    """Run ``build(context)`` under mocks, ``context`` being the provider's account and region
    (as the program gets it): for testing components one at a time."""
    from components import current_context

    return run_under_mocks(
        lambda: build(current_context()), stack=stack, account=account, region=region
    )
