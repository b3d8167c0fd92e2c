"""Who may assume each role: the trust policies, judged by the engine.

Service roles: ECS tasks of this account and region only (``aws:SourceAccount`` and
``aws:SourceArn``). Writer roles: their named principals; through an account root only with
MFA. The host role: EC2 of this account, never an ECS task.
"""

from __future__ import annotations

import pytest

from tests.proof.iam.claims import OTHER_ACCOUNT, OTHER_REGION
from tests.proof.iam.evaluator import (
    ContextValue,
    Expectation,
    IamEvaluator,
    NamedPolicy,
    Row,
    assert_rows_hold,
)
from tests.proof.iam.stack import Identity, Stack, read_spec

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


def _principal_call(
    stack: Stack, target: Identity, principal: str, extra: dict[str, str] | None = None
) -> tuple[dict[str, ContextValue], list[NamedPolicy]]:
    """The context and own policy of an IAM principal calling AssumeRole on ``target``."""
    context = stack.principal_context(principal)
    context.update(extra or {})
    return context, [_may_assume(target.role_arn)]


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
    for principal in (f"arn:aws:iam::{acct}:user/alice", f"arn:aws:iam::{acct}:root"):
        context, policies = _principal_call(
            stack, target, principal, {"aws:MultiFactorAuthPresent": "true"}
        )
        rows.append(
            Row(
                f"{principal} cannot, even with MFA and sts:AssumeRole",
                stack.assume(target, principal, context, policies),
                "Denied",
            )
        )
    assert_rows_hold(evaluator, rows)


@pytest.mark.parametrize("writer", [w.name for w in SPEC.writers])
def test_writer_role_trusts_its_principals(
    stack: Stack, evaluator: IamEvaluator, writer: str
) -> None:
    spec = next(w for w in SPEC.writers if w.name == writer)
    target = stack.writers[writer]
    rows: list[Row] = []
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
                extra = {} if mfa is None else {"aws:MultiFactorAuthPresent": mfa}
                context, policies = _principal_call(stack, target, user, extra)
                rows.append(
                    Row(
                        f"a user of {account} {'with MFA ' + mfa if mfa else 'without MFA info'}"
                        f" {'may' if expect == 'Allowed' else 'cannot'} assume {writer}",
                        stack.assume(target, user, context, policies),
                        expect,
                    )
                )
        else:
            context, policies = _principal_call(stack, target, principal)
            rows.append(
                Row(
                    f"{principal} may assume {writer} (no MFA needed)",
                    stack.assume(target, principal, context, policies),
                    "Allowed",
                )
            )
            other = principal.rsplit("/", 1)[0] + "/someone-else"
            context, policies = _principal_call(
                stack, target, other, {"aws:MultiFactorAuthPresent": "true"}
            )
            rows.append(
                Row(
                    f"{other} (not named) cannot assume {writer}",
                    stack.assume(target, other, context, policies),
                    "Denied",
                )
            )
    stranger = f"arn:aws:iam::{OTHER_ACCOUNT}:user/alice"
    context, policies = _principal_call(
        stack, target, stranger, {"aws:MultiFactorAuthPresent": "true"}
    )
    rows.append(
        Row(
            f"a user of {OTHER_ACCOUNT} with MFA cannot assume {writer}",
            stack.assume(target, stranger, context, policies),
            "Denied",
        )
    )
    ecs = {"aws:SourceAccount": stack.account, "aws:SourceArn": _task(stack.account, stack.region)}
    rows.append(Row(f"ECS tasks cannot assume {writer}", stack.assume(target, ECS, ecs), "Denied"))
    for service in stack.services.values():
        context, policies = _principal_call(stack, target, service.role_arn)
        rows.append(
            Row(
                f"service {service.name}'s role cannot assume {writer}",
                stack.assume(target, service.role_arn, context, policies),
                "Denied",
            )
        )
    assert_rows_hold(evaluator, rows)


def test_host_role_trusts_only_ec2_of_this_account(stack: Stack, evaluator: IamEvaluator) -> None:
    hosts = [i for i in stack.others.values() if i.kind == "host"]
    assert hosts, "the matrix stack sets ecsHosts, so it has a host role"
    acct = stack.account
    rows = []
    for host in hosts:
        rows += [
            Row(
                "EC2 of this account may assume the host role",
                stack.assume(host, EC2, {"aws:SourceAccount": acct}),
                "Allowed",
            ),
            Row(
                "EC2 of another account cannot",
                stack.assume(host, EC2, {"aws:SourceAccount": OTHER_ACCOUNT}),
                "Denied",
            ),
            Row("EC2 without aws:SourceAccount cannot", stack.assume(host, EC2, {}), "Denied"),
            Row(
                "ECS tasks cannot assume the host role",
                stack.assume(
                    host,
                    ECS,
                    {"aws:SourceAccount": acct, "aws:SourceArn": _task(acct, stack.region)},
                ),
                "Denied",
            ),
        ]
    assert_rows_hold(evaluator, rows)
