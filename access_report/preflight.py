"""Pre-flight: check a stack against its AWS account before the first `pulumi up`.

    aws-vault exec platform-deployer -- python -m access_report --preflight Pulumi.prod.yaml

Mocks and `pulumi preview` cannot see the account; this does, with the deployer's own
credentials and read-only calls only (sts:GetCallerIdentity, iam:GetRole, iam:GetUser,
iam:ListRoles, iam:GetAccountSummary, ecs:DescribeClusters, kms:ListAliases,
kms:GetKeyPolicy, s3:HeadBucket, ec2:DescribeRegions, cloudtrail:DescribeTrails). One
line per check, PASS, WARN (could not be verified from here; does not fail) or FAIL with the
fix; exit 1 on any FAIL.

The program itself runs under mocks for the caller's account (``run_stack_file``), so the
checks judge exactly the names it would create.
"""

from __future__ import annotations

import json
import os
import re
import sys
import threading
from collections.abc import Callable, Iterable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Any

from access_report.harness import (
    ROLE,
    ProgramRun,
    allowed_accounts,
    load_stack_config,
    run_stack_file,
    stack_name_of,
)
from access_report.model import access_model
from access_report.sources import validated
from components.config import PlatformConfig
from policies.context import AwsContext
from policies.host_hardening import CLUSTER_STACK_TAG
from policies.iam import SSO_ROLE_PATH, sso_role_arn_patterns
from policies.matching import arn_like
from policies.naming import role_path

PASS, WARN, FAIL = "PASS", "WARN", "FAIL"
#: Who a reader permission set's users may assume, in a check's words.
AUDIT_READER = "the audit-reader role"
#: CloudTrail: 5 trails per region and account, not adjustable; a multi-region trail counts
#: in every region (https://docs.aws.amazon.com/awscloudtrail/latest/userguide/
#: WhatIsCloudTrail-Limits.html).
TRAILS_PER_REGION = 5
BUCKET = "aws:s3/bucket:Bucket"
TRAIL = "aws:cloudtrail/trail:Trail"
_IAM_ARN = re.compile(
    r"^arn:(?P<partition>[^:]+):(?:iam::(?P<account>\d{12}):(?P<kind>role|user)/(?P<path>.*/)?"
    r"(?P<name>[^/]+)|sts::(?P<sts_account>\d{12}):assumed-role/(?P<role>[^/]+)/.+)$"
)

#: ``clients(service, region)`` gives a boto3 client (tests pass moto's, or a stub).
Clients = Callable[[str, str], Any]


@dataclass(frozen=True)
class Check:
    name: str
    status: str
    detail: str
    fix: str = ""

    def line(self) -> str:
        fix = f" Fix: {self.fix}" if self.fix and self.status != PASS else ""
        return f"{self.status}  {self.name}: {self.detail}{fix}"


@dataclass(frozen=True)
class Preflight:
    stack: str
    account: str
    caller: str
    region: str
    checks: tuple[Check, ...]

    @property
    def ok(self) -> bool:
        return all(c.status != FAIL for c in self.checks)

    def to_dict(self) -> dict[str, Any]:
        return {
            "stack": self.stack,
            "account": self.account,
            "caller": self.caller,
            "region": self.region,
            "ok": self.ok,
            "checks": [asdict(c) for c in self.checks],
        }

    def render(self) -> str:
        head = (
            f"secrets-platform pre-flight of stack {self.stack!r}: account {self.account}, "
            f"{self.region}, as {self.caller}"
        )
        failed = sum(c.status == FAIL for c in self.checks)
        tail = "ready for `pulumi up`" if self.ok else f"{failed} check(s) FAILED"
        return "\n".join([head, *(c.line() for c in self.checks), tail]) + "\n"


def _error_code(error: Exception) -> str:
    response = getattr(error, "response", None) or {}
    return str(response.get("Error", {}).get("Code", ""))


def _denied(name: str, action: str, error: Exception) -> Check:
    """A check whose read-only call failed: name the call and what it answered."""
    return Check(
        name,
        FAIL,
        f"{action} failed ({_error_code(error) or type(error).__name__})",
        f"let the deploying identity call {action} (read-only), then run the pre-flight again",
    )


def check_account(caller_account: str, allowed: list[str]) -> Check:
    if not allowed:
        return Check(
            "account",
            WARN,
            f"aws:allowedAccountIds is not set: `pulumi up` deploys into whatever account the "
            f"credentials belong to (now {caller_account})",
            f'pin it: aws:allowedAccountIds: ["{caller_account}"]',
        )
    if caller_account in allowed:
        return Check("account", PASS, f"{caller_account} is in aws:allowedAccountIds")
    return Check(
        "account",
        FAIL,
        f"the credentials are of account {caller_account}; the stack allows {', '.join(allowed)}",
        "use credentials of the stack's account (e.g. `aws-vault exec <its profile> --`)",
    )


def _where(config: PlatformConfig, arn: str) -> str:
    places = [f"keyAdmins[{i}]" for i, a in enumerate(config.key_admins) if a == arn]
    places += [
        f"writers[{i}].principals ({w.name})"
        for i, w in enumerate(config.writers)
        if arn in w.principals
    ]
    places += [f"audit.readers[{i}]" for i, r in enumerate(config.audit.readers) if r == arn]
    return " and ".join(places) or "the config"


def check_principal(arn: str, where: str, caller_account: str, clients: Clients) -> Check:
    """A role or user named by ARN exists (IAM refuses a trust policy naming a missing one)."""
    name = f"principal {arn}"
    match = _IAM_ARN.match(arn)
    if not match:
        return Check(name, FAIL, "not an IAM role, user or role session ARN", f"correct {where}")
    account = match.group("account") or match.group("sts_account")
    if account != caller_account:
        return Check(
            name,
            WARN,
            f"in account {account}: cannot be checked with credentials of {caller_account}",
            f"make sure it exists in {account} (IAM refuses a policy naming a missing principal)",
        )
    iam = clients("iam", "")
    kind = "role" if match.group("role") or match.group("kind") == "role" else "user"
    entity = match.group("role") or match.group("name")
    try:
        if kind == "role":
            actual = iam.get_role(RoleName=entity)["Role"]["Arn"]
        else:
            actual = iam.get_user(UserName=entity)["User"]["Arn"]
    except Exception as error:  # noqa: BLE001 - botocore's ClientError, without importing it
        if _error_code(error) == "NoSuchEntity":
            return Check(
                name,
                FAIL,
                f"no such {kind}: IAM refuses a trust policy (and KMS a key policy) naming it "
                '("Invalid principal")',
                f"create the {kind} first, or remove it from {where}",
            )
        return _denied(name, f"iam:Get{kind.capitalize()}", error)
    if match.group("role") or actual == arn:
        return Check(name, PASS, f"exists ({where})")
    return Check(
        name,
        FAIL,
        f"a {kind} named {entity} exists, as {actual} (another path)",
        f"name it {actual} in {where}",
    )


def check_permission_set(
    permission_set: str, users: list[str], ctx: AwsContext, sso_roles: list[str]
) -> Check:
    """The permission set is provisioned to this account: a role of its own under the
    Identity Center path that the trust of the roles it may assume (``users``: "writer ci",
    "the audit-reader role") matches (the same patterns)."""
    name = f"SSO permission set {permission_set}"
    matches, longer_name = sso_role_arn_patterns(ctx, permission_set)
    roles = [
        arn
        for arn in sso_roles
        if any(arn_like(p, arn) for p in matches) and not arn_like(longer_name, arn)
    ]
    if roles:
        return Check(name, PASS, f"provisioned to {ctx.account} as {roles[0].rsplit('/', 1)[1]}")
    keys = " or ".join(
        dict.fromkeys(
            "audit.readerSsoPermissionSets" if user == AUDIT_READER else "ssoPermissionSets"
            for user in users
        )
    )
    return Check(
        name,
        FAIL,
        f"no IAM Identity Center role of it in account {ctx.account}: no one can assume "
        f"{', '.join(users)}",
        f"assign the permission set to this account in IAM Identity Center (or correct its "
        f"name in {keys})",
    )


def _permission_set_users(config: PlatformConfig) -> dict[str, list[str]]:
    """Each permission set the stack trusts, with the roles its users may assume."""
    users: dict[str, list[str]] = {}
    for writer in config.writers:
        for permission_set in writer.sso_permission_sets:
            users.setdefault(permission_set, []).append(f"writer {writer.name}")
    if config.audit.enabled:
        for permission_set in config.audit.reader_sso_permission_sets:
            users.setdefault(permission_set, []).append(AUDIT_READER)
    return dict(sorted(users.items()))


def _sso_roles(clients: Clients) -> list[str]:
    paginator = clients("iam", "").get_paginator("list_roles")
    return [
        role["Arn"]
        for page in paginator.paginate(PathPrefix=f"/{SSO_ROLE_PATH}/")
        for role in page["Roles"]
    ]


def check_deployer(config: PlatformConfig, caller_arn: str, clients: Clients) -> Check:
    """Whoever runs `pulumi up` should be ``audit.deployerRoleArn``: after the first `up`,
    only that role may change the audit bucket's policy, versioning and object lock."""
    name = "deployer"
    deployer = config.audit.deployer_role_arn
    session = _IAM_ARN.match(caller_arn)
    role = session.group("role") if session else None
    caller_role = caller_arn
    if role:
        try:
            caller_role = clients("iam", "").get_role(RoleName=role)["Role"]["Arn"]
        except Exception as error:  # noqa: BLE001 - botocore's ClientError
            return _denied(name, "iam:GetRole", error)
    if deployer is None:
        return Check(
            name,
            WARN,
            "audit.deployerRoleArn is not set: only the account root user can change the audit "
            "bucket's policy after the first `pulumi up`",
            f"set audit.deployerRoleArn: {caller_role}" if role else "deploy with a role",
        )
    if caller_role == deployer:
        return Check(name, PASS, f"you run as {deployer}, the audit.deployerRoleArn")
    return Check(
        name,
        FAIL,
        f"you run as {caller_role}, but audit.deployerRoleArn is {deployer}: after this "
        "`pulumi up` only that role may change the audit bucket's settings",
        f"run the pre-flight and `pulumi up` as {deployer}, or set audit.deployerRoleArn to "
        "the role you deploy with",
    )


def check_cluster(config: PlatformConfig, region: str, clients: Clients) -> Check | None:
    hosts = config.ecs_hosts
    if hosts is None:
        return None
    name = f"ECS cluster {hosts.cluster_name}"
    try:
        found = clients("ecs", region).describe_clusters(
            clusters=[hosts.cluster_name], include=["TAGS"]
        )["clusters"]
    except Exception as error:  # noqa: BLE001 - botocore's ClientError
        return _denied(name, "ecs:DescribeClusters", error)
    active = [c for c in found if c.get("status") == "ACTIVE"]
    tags = {t["key"]: t["value"] for t in active[0].get("tags", [])} if active else {}
    ours = tags.get(CLUSTER_STACK_TAG) == config.stack
    if hosts.existing_cluster:
        if active and ours:
            return Check(
                name,
                WARN,
                "exists, created by this stack: with existingCluster: true, `pulumi up` deletes "
                "it if it is still in the stack's state",
                "keep it: `pulumi state delete` its resource first (the aws:ecs/cluster:Cluster "
                "ecs-hosts-cluster; `pulumi stack --show-urns` gives its URN), or drop "
                "existingCluster",
            )
        if active:
            return Check(name, PASS, "exists (existingCluster: true, managed elsewhere)")
        return Check(
            name,
            FAIL,
            f"does not exist in {region}, and existingCluster: true says it does",
            "create it first, or drop existingCluster so the stack creates it",
        )
    if not active:
        return Check(name, PASS, "does not exist yet: the stack creates it")
    if ours:
        return Check(name, PASS, "exists, created by this stack")
    return Check(
        name,
        FAIL,
        "exists and was not created by this stack: CreateCluster would adopt it silently and "
        "`pulumi destroy` would delete it",
        "set ecsHosts.existingCluster: true to use it, or choose another clusterName",
    )


def _aliases(kms: Any) -> dict[str, str]:
    paginator = kms.get_paginator("list_aliases")
    return {
        alias["AliasName"]: alias.get("TargetKeyId", "")
        for page in paginator.paginate()
        for alias in page["Aliases"]
    }


def check_alias(config: PlatformConfig, ctx: AwsContext, clients: Clients) -> Check:
    """The alias is free, or already names this stack's key: the one whose policy keeps its
    use to this stack's role path (the key policy's last Deny)."""
    alias = f"alias/{config.kms_key_alias}"
    name = f"KMS alias {alias}"
    kms = clients("kms", ctx.region)
    try:
        aliases = _aliases(kms)
        target = aliases.get(alias)
        if target is None:
            return Check(name, PASS, f"free in {ctx.region}")
        policy = json.loads(kms.get_key_policy(KeyId=target, PolicyName="default")["Policy"])
    except Exception as error:  # noqa: BLE001 - botocore's ClientError
        return _denied(name, "kms:ListAliases and kms:GetKeyPolicy", error)
    ours = ctx.role_arn(f"{config.role_path}*")
    for statement in policy.get("Statement", []):
        condition = statement.get("Condition", {}).get("ArnNotLike", {})
        if statement.get("Effect") == "Deny" and condition.get("aws:PrincipalArn") == ours:
            return Check(name, PASS, f"names key {target}, this stack's")
    return Check(
        name,
        FAIL,
        f"taken: it names key {target}, which is not this stack's (aliases are unique per "
        "account and region)",
        f"choose a free kmsKeyAlias, e.g. {_free_alias(config.stack, aliases)} (and writers "
        "set SECRETCTL_KMS_KEY)",
    )


def _free_alias(stack: str, taken: dict[str, str]) -> str:
    """An alias name for the stack that no key of the account and region holds yet."""
    candidates = [f"{stack}/parameter_store_key", f"secrets-platform/{stack}"]
    candidates += [f"secrets-platform/{stack}-{n}" for n in range(2, 2 + len(taken))]
    return next(c for c in candidates if f"alias/{c}" not in taken)


def check_bucket(logical: str, bucket: str | None, region: str, clients: Clients) -> Check:
    """An S3 bucket name the program asks for is free (names are global), or already ours."""
    if bucket is None:
        return Check(
            f"S3 bucket {logical}",
            PASS,
            f"named by Pulumi with a random suffix ({logical}-xxxxxxx): nothing to collide with",
        )
    name = f"S3 bucket {bucket}"
    try:
        clients("s3", region).head_bucket(Bucket=bucket)
    except Exception as error:  # noqa: BLE001 - botocore's ClientError
        code = _error_code(error)
        if code in ("404", "NoSuchBucket", "NotFound"):
            return Check(name, PASS, "free")
        if code in ("403", "AccessDenied", "Forbidden"):
            return Check(
                name,
                FAIL,
                "taken by another account (bucket names are global)",
                "choose another bucket name",
            )
        return _denied(name, "s3:HeadBucket", error)
    return Check(
        name,
        WARN,
        "exists in your account: fine if this stack created it, else `pulumi up` fails",
        "choose another bucket name unless it is this stack's",
    )


def _regions(clients: Clients, region: str) -> list[str]:
    found = clients("ec2", region).describe_regions()["Regions"]
    return sorted({r["RegionName"] for r in found} | {region})


def _trails_homed_in(clients: Clients, region: str) -> list[dict[str, Any]]:
    return clients("cloudtrail", region).describe_trails(includeShadowTrails=False)["trailList"]


def check_trails(trail_name: str, ctx: AwsContext, clients: Clients) -> Check:
    """The stack's multi-region trail fits CloudTrail's quota in every enabled region (its own
    trail, from an earlier `pulumi up`, already counts)."""
    name = f"CloudTrail trail {trail_name}"
    try:
        regions = _regions(clients, ctx.region)
        with ThreadPoolExecutor(max_workers=8) as pool:
            homed = list(pool.map(lambda r: _trails_homed_in(clients, r), regions))
    except Exception as error:  # noqa: BLE001 - botocore's ClientError
        return _denied(name, "ec2:DescribeRegions and cloudtrail:DescribeTrails", error)
    # Organization trails of a management account are listed too; they count there.
    trails = [t for trails in homed for t in trails if t["TrailARN"].split(":")[4] == ctx.account]
    same_name = [t for t in trails if t["Name"] == trail_name]
    if same_name:
        home = same_name[0].get("HomeRegion", "")
        if home == ctx.region and same_name[0].get("IsMultiRegionTrail"):
            return Check(name, PASS, f"exists in {home} (this stack's): no new trail")
        return Check(
            name,
            FAIL,
            f"a trail of that name already exists (home region {home})",
            "set audit.trailName to a free name",
        )
    multi = sum(1 for t in trails if t.get("IsMultiRegionTrail"))
    counts = {
        region: multi
        + sum(1 for t in trails if not t.get("IsMultiRegionTrail") and t["HomeRegion"] == region)
        for region in regions
    }
    full = sorted(r for r, n in counts.items() if n >= TRAILS_PER_REGION)
    busiest = max(counts.values(), default=0)
    if full:
        verb = "logs" if len(full) == 1 else "log"
        return Check(
            name,
            FAIL,
            f"{', '.join(full)} already {verb} {TRAILS_PER_REGION} trails (CloudTrail's quota per "
            "region, not adjustable; a multi-region trail counts in every region)",
            "remove a trail there, or set audit.enabled: false and use an existing trail",
        )
    return Check(
        name,
        PASS,
        f"at most {busiest} of {TRAILS_PER_REGION} trails in any of {len(regions)} regions; "
        "this stack adds one",
    )


def check_roles_quota(run: ProgramRun, clients: Clients) -> Check:
    """The account has room for the roles this stack adds: IAM allows 1,000 roles per account
    unless the quota was raised (https://docs.aws.amazon.com/IAM/latest/UserGuide/
    reference_iam-quotas.html), and a `pulumi up` that runs out stops half way. The stack's
    roles from an earlier `up` (under its path) are counted already."""
    name = "IAM roles"
    planned = len(run.of_type(ROLE))
    path = role_path(run.stack)
    iam = clients("iam", "")
    try:
        summary = iam.get_account_summary()["SummaryMap"]
        paginator = iam.get_paginator("list_roles")
        existing = sum(len(page["Roles"]) for page in paginator.paginate(PathPrefix=path))
    except Exception as error:  # noqa: BLE001 - botocore's ClientError
        return _denied(name, "iam:GetAccountSummary and iam:ListRoles", error)
    roles, quota = summary["Roles"], summary["RolesQuota"]
    adds = max(planned - existing, 0)
    detail = f"the account has {roles} of its {quota} roles and this stack adds {adds}"
    if roles + adds <= quota:
        return Check(name, PASS, detail)
    return Check(
        name,
        FAIL,
        detail,
        "ask for a higher 'Roles per account' quota (Service Quotas, IAM; up to 5,000), or "
        "deploy fewer services in this account",
    )


def run_checks(
    run: ProgramRun,
    config: PlatformConfig,
    allowed: list[str],
    caller: dict[str, str],
    clients: Clients,
) -> tuple[Check, ...]:
    account = caller["Account"]
    ctx = AwsContext(account=account, region=run.region)
    checks: list[Check | None] = [check_account(account, allowed)]
    checks += [
        check_principal(arn, _where(config, arn), account, clients)
        for arn in access_model(config).must_exist
    ]
    if config.audit.enabled:
        checks.append(check_deployer(config, caller["Arn"], clients))
    sets = _permission_set_users(config)
    if sets:
        try:
            sso_roles = _sso_roles(clients)
        except Exception as error:  # noqa: BLE001 - botocore's ClientError
            checks.append(_denied("SSO permission sets", "iam:ListRoles", error))
        else:
            checks += [
                check_permission_set(ps, users, ctx, sso_roles) for ps, users in sets.items()
            ]
    checks.append(check_cluster(config, run.region, clients))
    checks.append(check_alias(config, ctx, clients))
    checks += [
        check_bucket(b.name, b.inputs.get("bucket"), run.region, clients)
        for b in run.of_type(BUCKET)
    ]
    checks += [check_trails(t.inputs["name"], ctx, clients) for t in run.of_type(TRAIL)]
    checks.append(check_roles_quota(run, clients))
    return tuple(c for c in checks if c is not None)


def boto3_clients(region: str | None = None) -> Clients:
    """Clients of the standard credential chain (aws-vault, profiles, SSO), with retries."""
    import boto3
    from botocore.config import Config

    session = boto3.Session(region_name=region)
    config = Config(retries={"mode": "adaptive", "max_attempts": 5})
    # A Session is not thread safe: clients are made one at a time (the trails check asks
    # every region from a thread pool), then used in parallel, which clients allow
    # (https://boto3.amazonaws.com/v1/documentation/api/latest/guide/session.html).
    lock = threading.Lock()

    def client(service: str, client_region: str) -> Any:
        with lock:
            return session.client(
                service,
                region_name=client_region or session.region_name or "us-east-1",
                config=config,
            )

    return client


def _sdk_region() -> str | None:
    """The region the AWS provider takes when the stack sets no aws:region: AWS_REGION, then
    AWS_DEFAULT_REGION, then the profile's (boto3 reads the last two)."""
    import boto3

    return os.environ.get("AWS_REGION") or boto3.Session().region_name


def preflight(
    stack_file: str | Path, clients: Clients | None = None, region: str | None = None
) -> Preflight:
    """Run every check for ``stack_file`` with ``clients`` (default: boto3's credentials)."""
    path = Path(stack_file)
    raw = load_stack_config(path)
    stack = stack_name_of(path)
    region = region or raw.get("aws:region") or _sdk_region()
    if not region:
        raise ValueError(
            f"{path}: no region: set aws:region in the stack config (or AWS_REGION, as for "
            "`pulumi up`), or give --region"
        )
    config = validated(raw, stack)  # offline first: a broken rule before any AWS call
    allowed = allowed_accounts(raw)
    clients = clients or boto3_clients(region)
    caller = clients("sts", region).get_caller_identity()
    run = run_stack_file(path, account=caller["Account"], region=region)
    checks = run_checks(run, config, allowed, caller, clients)
    return Preflight(stack, caller["Account"], caller["Arn"], region, checks)


def main(stack_file: str, as_json: bool = False, region: str | None = None) -> int:
    """The CLI: 0 when nothing failed, 1 on any FAIL, 2 when the checks cannot run."""
    try:
        import boto3  # noqa: F401 - present, or one line saying how to get it
        from botocore.exceptions import BotoCoreError, ClientError
    except ImportError:
        print(
            "access_report: the pre-flight needs boto3: pip install -r requirements.txt "
            "(or pip install 'boto3>=1.34')",
            file=sys.stderr,
        )
        return 2

    try:
        result = preflight(stack_file, region=region)
    except (BotoCoreError, ClientError) as error:  # no credentials, expired, no network
        print(
            f"access_report: pre-flight cannot reach AWS: {error} (run it with the deployer's "
            "credentials, e.g. `aws-vault exec <profile> -- python -m access_report "
            "--preflight ...`)",
            file=sys.stderr,
        )
        return 2
    if as_json:
        print(json.dumps(result.to_dict(), indent=2, sort_keys=True))
    else:
        print(result.render(), end="")
    return 0 if result.ok else 1


def statuses(checks: Iterable[Check]) -> dict[str, str]:
    """Check name -> status (for tests and scripts)."""
    return {c.name: c.status for c in checks}
