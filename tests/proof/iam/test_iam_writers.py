"""Writers write within their namespaces and nowhere else, and use the key only through
Parameter Store with a context inside their namespaces."""

from __future__ import annotations

import pytest

from tests.proof.iam.claims import (
    KMS_MANAGEMENT,
    KMS_NEVER_FOR_ROLES,
    OTHER_REGION,
    WRITER_KMS,
    WRITER_SSM,
    covered,
    parents,
    sibling_paths,
    siblings,
)
from tests.proof.iam.evaluator import IamEvaluator, Request, Row, assert_rows_hold
from tests.proof.iam.stack import Stack, WriterSpec, read_spec

SPEC = read_spec()
WRITERS = {w.name: w for w in SPEC.writers}
LABELS = SPEC.labels


def _inside(writer: WriterSpec) -> list[str]:
    """Keys inside the writer's namespaces (for ``*``: every label and a brand-new one)."""
    spaces = [*LABELS, "brand-new"] if "*" in writer.namespaces else list(writer.namespaces)
    return [f"/{ns}/db_url" for ns in spaces] + [f"/{ns}/nested/key" for ns in spaces]


def _outside(writer: WriterSpec) -> list[str]:
    """Keys outside every namespace of the writer: other labels, siblings, parents, root."""
    spaces = [ns for ns in writer.namespaces if ns != "*"]
    candidates = [f"/{label}/db_url" for label in LABELS] + ["/db_url", "/brand-new/db_url"]
    for ns in spaces:
        candidates += siblings(ns) + [f"{p}/db_url" for p in parents(ns)]
    return [n for n in dict.fromkeys(candidates) if not covered(writer.namespaces, n)]


def _outside_paths(writer: WriterSpec) -> list[str]:
    spaces = [ns for ns in writer.namespaces if ns != "*"]
    candidates = [f"/{label}" for label in LABELS] + ["/"]
    for ns in spaces:
        candidates += sibling_paths(ns) + parents(ns)
    return [p for p in dict.fromkeys(candidates) if not covered(writer.namespaces, p)]


@pytest.mark.parametrize("writer", list(WRITERS))
def test_writer_manages_its_namespaces(stack: Stack, evaluator: IamEvaluator, writer: str) -> None:
    spec, who = WRITERS[writer], stack.writers[writer]
    names = _inside(spec)
    rows = [
        Row(f"{writer} may {action} {name}", stack.ssm(who, action, name), "Allowed")
        for action in WRITER_SSM
        for name in names
    ]
    paths = [f"/{ns}" for ns in spec.namespaces if ns != "*"]
    if "*" in spec.namespaces:
        paths += [f"/{label}" for label in LABELS] + ["/"]
    rows += [
        Row(
            f"{writer} may list path {path}",
            stack.ssm(who, "ssm:GetParametersByPath", path),
            "Allowed",
        )
        for path in paths
    ]
    rows += [
        Row(
            f"{writer} may {action} via SSM for {name}",
            stack.kms(who.role_arn, who.policies, action, name),
            "Allowed",
        )
        for action in WRITER_KMS
        for name in names
    ]
    rows.append(
        Row(
            f"{writer} may list parameter names (DescribeParameters, Resource *)",
            Request(
                who.role_arn,
                "ssm:DescribeParameters",
                "*",
                stack.account,
                stack.principal_context(who.role_arn),
                who.policies,
            ),
            "Allowed",
        )
    )
    assert_rows_hold(evaluator, rows)


@pytest.mark.parametrize("writer", list(WRITERS))
def test_writer_writes_nowhere_else(stack: Stack, evaluator: IamEvaluator, writer: str) -> None:
    spec, who = WRITERS[writer], stack.writers[writer]
    arn, policies = who.role_arn, who.policies
    rows = [
        Row(
            f"{writer} cannot {action} {name} (outside {', '.join(spec.namespaces)})",
            stack.ssm(who, action, name),
            "Denied",
        )
        for action in WRITER_SSM
        for name in _outside(spec)
    ]
    rows += [
        Row(
            f"{writer} cannot list path {path}",
            stack.ssm(who, "ssm:GetParametersByPath", path),
            "Denied",
        )
        for path in _outside_paths(spec)
    ]
    rows += [
        Row(
            f"{writer} cannot {action} via SSM for {name}",
            stack.kms(arn, policies, action, name),
            "Denied",
        )
        for action in WRITER_KMS
        for name in _outside(spec)
    ]
    inside = _inside(spec)[0]
    for action in WRITER_KMS:
        rows += [
            Row(
                f"{writer} cannot {action} directly",
                stack.kms(arn, policies, action, inside, via=None),
                "Denied",
            ),
            Row(
                f"{writer} cannot {action} via SSM of {OTHER_REGION}",
                stack.kms(arn, policies, action, inside, via=f"ssm.{OTHER_REGION}.amazonaws.com"),
                "Denied",
            ),
            Row(
                f"{writer} cannot {action} via SSM without an encryption context",
                stack.kms(arn, policies, action, None),
                "Denied",
            ),
            Row(
                f"{writer} cannot {action} with another key",
                stack.kms(
                    arn,
                    policies,
                    action,
                    inside,
                    key_arn=stack.other_key_arn(),
                    key_policy=stack.default_key_policy,
                ),
                "Denied",
            ),
            Row(
                f"[own policy only] {writer} cannot {action} directly",
                stack.kms(
                    arn, policies, action, inside, via=None, key_policy=stack.default_key_policy
                ),
                "Denied",
            ),
        ]
    rows += [
        Row(
            f"{writer} cannot {action} even via SSM",
            stack.kms(arn, policies, action, inside),
            "Denied",
        )
        for action in KMS_NEVER_FOR_ROLES
    ]
    rows += [
        Row(f"{writer} cannot {action}", stack.kms(arn, policies, action, None, via=None), "Denied")
        for action in KMS_MANAGEMENT
    ]
    assert_rows_hold(evaluator, rows)


def test_the_stack_has_writers_with_different_namespaces() -> None:
    """The matrix needs at least two writers whose namespaces differ (else 'nowhere else' is
    never tested between writers)."""
    namespaces = {frozenset(w.namespaces) for w in SPEC.writers}
    assert len(SPEC.writers) >= 2 and len(namespaces) >= 2
    assert any("*" not in w.namespaces for w in SPEC.writers)
