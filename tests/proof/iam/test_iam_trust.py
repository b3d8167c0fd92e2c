"""Who may assume each role: the trust policies, judged by the engine.

Service roles: ECS tasks of this account and region only (``aws:SourceAccount`` and
``aws:SourceArn``). Writer roles: their named principals; through an account root only with
MFA; users of their IAM Identity Center permission sets (whatever the role's suffix, never a
look-alike). The audit-reader role: its readers, in the same shape. The host role: the EC2
service (which sends no source keys), never an ECS task or an IAM principal.
"""

from __future__ import annotations

import pytest

from tests.proof.iam.claims import OTHER_ACCOUNT, OTHER_REGION, SSO_PATH
from tests.proof.iam.evaluator import (
    Expectation,
    IamEvaluator,
    NamedPolicy,
    Row,
    assert_rows_hold,
)
from tests.proof.iam.stack import Identity, Stack, WriterSpec, read_spec

SPEC = read_spec()
ECS = "ecs-tasks.amazonaws.com"
EC2 = "ec2.amazonaws.com"


def _may_assume(role_arn: str) -> NamedPolicy:
    """What a caller's own policy needs to call AssumeRole (same or other account)."""
    return NamedPolicy(
        "allow sts:AssumeRole",
        "identity",
        {
            "Version": "2012-10-17",
            "Statement": [{"Effect": "Allow", "Action": "sts:AssumeRole", "Resource": role_arn}],
        },
    )


def _principal_row(
    stack: Stack,
    target: Identity,
    principal: str,
    claim: str,
    expect: Expectation,
    extra: dict[str, str] | None = None,
) -> Row:
    """``principal`` (an IAM principal whose own policy allows sts:AssumeRole on ``target``,
    same or other account) calls AssumeRole on ``target``, with ``extra`` context."""
    context = stack.principal_context(principal)
    context.update(extra or {})
    return Row(
        claim, stack.assume(target, principal, context, [_may_assume(target.role_arn)]), expect
    )


def _account_principals_cannot(stack: Stack, target: Identity, role: str) -> list[Row]:
    """A user and the root of this account, with MFA and their own sts:AssumeRole, cannot
    assume ``target`` (a role only a service assumes)."""
    acct = stack.account
    return [
        _principal_row(
            stack,
            target,
            principal,
            f"{principal} cannot assume {role}, even with MFA and sts:AssumeRole",
            "Denied",
            {"aws:MultiFactorAuthPresent": "true"},
        )
        for principal in (f"arn:aws:iam::{acct}:user/alice", f"arn:aws:iam::{acct}:root")
    ]


def _sso_session(account: str, role_path: str, permission_set: str, suffix: str) -> tuple[str, str]:
    """(session ARN, role ARN) of a user signed in through Identity Center: the session is
    ``assumed-role/<role name>/<user>``, ``aws:PrincipalArn`` the role's ARN with its path."""
    name = f"AWSReservedSSO_{permission_set}_{suffix}"
    return (
        f"arn:aws:sts::{account}:assumed-role/{name}/alice",
        f"arn:aws:iam::{account}:role/{role_path}{name}",
    )


def _sso_rows(stack: Stack, target: Identity, writer: str, permission_set: str) -> list[Row]:
    acct = stack.account
    regional, global_ = f"{SSO_PATH}/eu-west-1/", f"{SSO_PATH}/"
    cases: list[tuple[str, str, str, str, Expectation]] = [
        ("its users (regional path)", acct, regional, permission_set, "Allowed"),
        (
            "its users (identity source in us-east-1: no region)",
            acct,
            global_,
            permission_set,
            "Allowed",
        ),
        ("a longer permission set name", acct, regional, f"{permission_set}_Admins", "Denied"),
        ("another permission set", acct, regional, "ReadOnly", "Denied"),
        ("a look-alike role outside aws-reserved", acct, "", permission_set, "Denied"),
        ("a look-alike role under another path", acct, "team/", permission_set, "Denied"),
        (
            "the permission set in another account",
            OTHER_ACCOUNT,
            regional,
            permission_set,
            "Denied",
        ),
    ]
    rows = []
    for why, account, path, name, expect in cases:
        for suffix in ("0123456789abcdef", "fedcba9876543210"):
            session, role = _sso_session(account, path, name, suffix)
            context = {"aws:PrincipalArn": role, "aws:PrincipalAccount": account}
            rows.append(
                Row(
                    f"SSO {why} {'may' if expect == 'Allowed' else 'cannot'} assume {writer} "
                    f"(role {name}_{suffix})",
                    stack.assume(target, session, context, [_may_assume(target.role_arn)]),
                    expect,
                )
            )
    session, role = _sso_session(acct, regional, permission_set, "0123456789abcdef")
    rows.append(
        Row(
            f"SSO users of {permission_set} cannot assume {writer} unless the permission set's "
            "own policy allows sts:AssumeRole (the trust names the account)",
            stack.assume(target, session, {"aws:PrincipalArn": role, "aws:PrincipalAccount": acct}),
            "Denied",
        )
    )
    return rows


def _task(account: str, region: str) -> str:
    return f"arn:aws:ecs:{region}:{account}:task/matrix/0123456789abcdef0123456789abcdef"


@pytest.mark.parametrize("service", [s.name for s in SPEC.services])
def test_service_role_trusts_only_ecs_tasks_of_this_account(
    stack: Stack, evaluator: IamEvaluator, service: str
) -> None:
    target = stack.services[service]
    acct, region = stack.account, stack.region
    ok = {"aws:SourceAccount": acct, "aws:SourceArn": _task(acct, region)}
    rows = [
        Row(
            f"ECS tasks of {acct} may assume {service}'s role",
            stack.assume(target, ECS, ok),
            "Allowed",
        ),
        Row(
            "ECS tasks of another account cannot",
            stack.assume(
                target,
                ECS,
                {"aws:SourceAccount": OTHER_ACCOUNT, "aws:SourceArn": _task(OTHER_ACCOUNT, region)},
            ),
            "Denied",
        ),
        Row(
            "a task ARN of another account cannot (confused deputy)",
            stack.assume(
                target,
                ECS,
                {"aws:SourceAccount": acct, "aws:SourceArn": _task(OTHER_ACCOUNT, region)},
            ),
            "Denied",
        ),
        Row(
            "a source account other than the task's cannot",
            stack.assume(
                target,
                ECS,
                {"aws:SourceAccount": OTHER_ACCOUNT, "aws:SourceArn": _task(acct, region)},
            ),
            "Denied",
        ),
        Row(
            f"ECS tasks of {OTHER_REGION} cannot",
            stack.assume(
                target, ECS, {"aws:SourceAccount": acct, "aws:SourceArn": _task(acct, OTHER_REGION)}
            ),
            "Denied",
        ),
        Row(
            "without aws:SourceArn cannot",
            stack.assume(target, ECS, {"aws:SourceAccount": acct}),
            "Denied",
        ),
        Row(
            "without aws:SourceAccount cannot",
            stack.assume(target, ECS, {"aws:SourceArn": _task(acct, region)}),
            "Denied",
        ),
        Row("EC2 cannot", stack.assume(target, EC2, ok), "Denied"),
        Row("Lambda cannot", stack.assume(target, "lambda.amazonaws.com", ok), "Denied"),
    ]
    rows += _account_principals_cannot(stack, target, f"{service}'s role")
    assert_rows_hold(evaluator, rows)


def _trusted_like_writers_rows(
    stack: Stack, target: Identity, role: str, spec: WriterSpec
) -> list[Row]:
    """The rows of a role trusted in the writers' shape (a writer role, the audit reader):
    its named principals, an account root only with MFA, its permission sets' users, and no
    one else (another account, ECS tasks, the service roles)."""
    rows: list[Row] = []
    roots = {p.split(":")[4] for p in spec.principals if p.endswith(":root")}
    for principal in spec.principals:
        account = principal.split(":")[4]
        if principal.endswith(":root"):
            user = f"arn:aws:iam::{account}:user/alice"
            cases: tuple[tuple[str | None, Expectation], ...] = (
                ("true", "Allowed"),
                ("false", "Denied"),
                (None, "Denied"),
            )
            for mfa, expect in cases:
                rows.append(
                    _principal_row(
                        stack,
                        target,
                        user,
                        f"a user of {account} {'with MFA ' + mfa if mfa else 'without MFA info'}"
                        f" {'may' if expect == 'Allowed' else 'cannot'} assume {role}",
                        expect,
                        {} if mfa is None else {"aws:MultiFactorAuthPresent": mfa},
                    )
                )
        else:
            other = principal.rsplit("/", 1)[0] + "/someone-else"
            # With the account root trusted too, anyone of the account with MFA may: the row
            # for a principal that is not named is then one without MFA.
            mfa = "false" if account in roots else "true"
            rows += [
                _principal_row(
                    stack,
                    target,
                    principal,
                    f"{principal} may assume {role} (no MFA needed)",
                    "Allowed",
                ),
                _principal_row(
                    stack,
                    target,
                    other,
                    f"{other} (not named; MFA {mfa}) cannot assume {role}",
                    "Denied",
                    {"aws:MultiFactorAuthPresent": mfa},
                ),
            ]
    for permission_set in spec.sso_permission_sets:
        rows += _sso_rows(stack, target, role, permission_set)
    if not spec.sso_permission_sets:
        # Identity Center sessions come from AssumeRoleWithSAML, which carries no MFA
        # (https://docs.aws.amazon.com/IAM/latest/UserGuide/id_credentials_sts-comparison.html):
        # without a permission set listed, an SSO user cannot use the MFA form.
        session, sso_role = _sso_session(
            stack.account, f"{SSO_PATH}/eu-west-1/", "AdministratorAccess", "0123456789abcdef"
        )
        rows.append(
            Row(
                f"an SSO session (no aws:MultiFactorAuthPresent) cannot assume {role}",
                stack.assume(
                    target,
                    session,
                    {"aws:PrincipalArn": sso_role, "aws:PrincipalAccount": stack.account},
                    [_may_assume(target.role_arn)],
                ),
                "Denied",
            )
        )
    rows.append(
        _principal_row(
            stack,
            target,
            f"arn:aws:iam::{OTHER_ACCOUNT}:user/alice",
            f"a user of {OTHER_ACCOUNT} with MFA cannot assume {role}",
            "Denied",
            {"aws:MultiFactorAuthPresent": "true"},
        )
    )
    ecs = {"aws:SourceAccount": stack.account, "aws:SourceArn": _task(stack.account, stack.region)}
    rows.append(Row(f"ECS tasks cannot assume {role}", stack.assume(target, ECS, ecs), "Denied"))
    rows += [
        _principal_row(
            stack,
            target,
            service.role_arn,
            f"service {service.name}'s role cannot assume {role}",
            "Denied",
        )
        for service in stack.services.values()
    ]
    return rows


@pytest.mark.parametrize("writer", [w.name for w in SPEC.writers])
def test_writer_role_trusts_its_principals(
    stack: Stack, evaluator: IamEvaluator, writer: str
) -> None:
    spec = next(w for w in SPEC.writers if w.name == writer)
    rows = _trusted_like_writers_rows(stack, stack.writers[writer], writer, spec)
    assert_rows_hold(evaluator, rows)


def test_audit_reader_role_trusts_its_readers(stack: Stack, evaluator: IamEvaluator) -> None:
    """The audit reader is trusted exactly like a writer: readers by ARN, the account root
    only with MFA, the users of its permission sets; writers cannot assume it either."""
    spec, reader = SPEC.audit_reader, stack.audit_reader
    assert spec is not None and reader is not None
    rows = _trusted_like_writers_rows(stack, reader, "the audit reader", spec)
    rows += [
        _principal_row(
            stack,
            reader,
            writer.role_arn,
            f"writer {name}'s role cannot assume the audit reader",
            "Denied",
        )
        for name, writer in stack.writers.items()
    ]
    assert_rows_hold(evaluator, rows)


def test_host_role_trusts_only_ec2(stack: Stack, evaluator: IamEvaluator) -> None:
    """EC2 assumes an instance role without ``aws:SourceAccount`` (AWS's own ECS instance role
    trusts ``ec2.amazonaws.com`` without conditions), so the trust policy cannot tell accounts
    apart and must not try: a condition on a key EC2 never sends would lock every host out.
    What keeps the role in this account is outside the trust policy: only an instance profile
    of this account carries it, and attaching one takes ``iam:PassRole`` here."""
    hosts = [i for i in stack.others.values() if i.kind == "host"]
    assert hosts, "the matrix stack sets ecsHosts, so it has a host role"
    acct = stack.account
    rows = []
    for host in hosts:
        rows += [
            Row(
                "EC2 may assume the host role (it sends no aws:SourceAccount)",
                stack.assume(host, EC2, {}),
                "Allowed",
            ),
            Row(
                "ECS tasks cannot assume the host role",
                stack.assume(
                    host,
                    ECS,
                    {"aws:SourceAccount": acct, "aws:SourceArn": _task(acct, stack.region)},
                ),
                "Denied",
            ),
            Row("Lambda cannot", stack.assume(host, "lambda.amazonaws.com", {}), "Denied"),
        ]
        rows += _account_principals_cannot(stack, host, "the host role")
    assert_rows_hold(evaluator, rows)
