"""The service access matrix, judged by an IAM engine this project did not write.

For every service: it reads its own secrets (GetParameter/GetParameters on its keys,
GetParametersByPath on its path) and decrypts them only through Parameter Store with its own
``PARAMETER_ARN`` encryption context. For every ordered pair (A, B): A reads and decrypts B's
secrets exactly when they share a label. Nothing reaches a sibling prefix, a parent path or the
root path; no service writes anywhere or uses the key for anything else.
"""

from __future__ import annotations

import pytest

from tests.proof.iam.claims import (
    BY_PATH,
    KMS_MANAGEMENT,
    KMS_NEVER_FOR_ROLES,
    OTHER_REGION,
    SERVICE_FORBIDDEN_SSM,
    SERVICE_READS,
    parents,
    sibling_paths,
    siblings,
)
from tests.proof.iam.evaluator import (
    Expectation,
    IamEvaluator,
    Request,
    Row,
    assert_rows_hold,
)
from tests.proof.iam.stack import Stack, read_spec

SPEC = read_spec()
SERVICES = [s.name for s in SPEC.services]
LABEL = {s.name: s.label for s in SPEC.services}
PAIRS = [(a, b) for a in SERVICES for b in SERVICES if a != b]


def _reads(stack: Stack, a: str, label: str, expect: Expectation, why: str) -> list[Row]:
    """A's GetParameter/GetParameters on keys under ``label``, GetParametersByPath on the
    label's path, and Decrypt through Parameter Store with those keys' context."""
    who = stack.services[a]
    rows = [
        Row(f"{a} {why}: {action} {name}", stack.ssm(who, action, name), expect)
        for action in SERVICE_READS
        for name in (f"/{label}/db_url", f"/{label}/nested/deep_key")
    ]
    rows += [
        Row(f"{a} {why}: {BY_PATH} {path}", stack.ssm(who, BY_PATH, path), expect)
        for path in (f"/{label}", f"/{label}/", f"/{label}/nested")
    ]
    rows += [
        Row(
            f"{a} {why}: kms:Decrypt via SSM with the context of {name}",
            stack.kms(who.role_arn, who.policies, "kms:Decrypt", name),
            expect,
        )
        for name in (f"/{label}/db_url", f"/{label}/nested/deep_key")
    ]
    return rows


@pytest.mark.parametrize("service", SERVICES)
def test_service_reads_and_decrypts_its_own_secrets(
    stack: Stack, evaluator: IamEvaluator, service: str
) -> None:
    assert_rows_hold(evaluator, _reads(stack, service, LABEL[service], "Allowed", "own secrets"))


@pytest.mark.parametrize(("a", "b"), PAIRS, ids=[f"{a}->{b}" for a, b in PAIRS])
def test_service_pair(stack: Stack, evaluator: IamEvaluator, a: str, b: str) -> None:
    """A reads and decrypts B's secrets if and only if A and B share a secret label."""
    shared = LABEL[a] == LABEL[b]
    expect: Expectation = "Allowed" if shared else "Denied"
    why = f"{b}'s secrets ({'shared' if shared else 'other'} label {LABEL[b]})"
    assert_rows_hold(evaluator, _reads(stack, a, LABEL[b], expect, why))


@pytest.mark.parametrize("service", SERVICES)
def test_service_reaches_no_sibling_parent_or_root(
    stack: Stack, evaluator: IamEvaluator, service: str
) -> None:
    """``/api`` never reaches ``/apiv2/x``; a label never reaches its parent or the root."""
    who, label = stack.services[service], LABEL[service]
    names = siblings(label) + [f"{p}/db_url" for p in parents(label)] + ["/db_url"]
    paths = sibling_paths(label) + parents(label) + ["/"]
    rows = [
        Row(f"{service} cannot read {name}", stack.ssm(who, action, name), "Denied")
        for action in SERVICE_READS
        for name in dict.fromkeys(names)
    ]
    rows += [
        Row(f"{service} cannot list path {path}", stack.ssm(who, BY_PATH, path), "Denied")
        for path in paths
    ]
    rows += [
        Row(
            f"{service} cannot decrypt {name}",
            stack.kms(who.role_arn, who.policies, "kms:Decrypt", name),
            "Denied",
        )
        for name in dict.fromkeys(names)
    ]
    assert_rows_hold(evaluator, rows)


@pytest.mark.parametrize("service", SERVICES)
def test_service_writes_nowhere(stack: Stack, evaluator: IamEvaluator, service: str) -> None:
    """No write, tag, label, history or listing action, on its own keys or anyone's."""
    who, label = stack.services[service], LABEL[service]
    names = [f"/{label}/db_url", f"/{label}", "/db_url", "/brand-new/db_url"]
    names += [f"/{other}/db_url" for other in sorted(set(LABEL.values()) - {label})]
    rows = [
        Row(f"{service} cannot {action} {name}", stack.ssm(who, action, name), "Denied")
        for action in SERVICE_FORBIDDEN_SSM
        for name in names
    ]
    rows.append(
        Row(
            f"{service} cannot list parameter names",
            Request(
                who.role_arn,
                "ssm:DescribeParameters",
                "*",
                stack.account,
                stack.principal_context(who.role_arn),
                who.policies,
            ),
            "Denied",
        )
    )
    assert_rows_hold(evaluator, rows)


@pytest.mark.parametrize("service", SERVICES)
def test_service_decrypts_only_via_ssm_with_its_context(
    stack: Stack, evaluator: IamEvaluator, service: str
) -> None:
    """Decrypt needs Parameter Store of this region and the service's own PARAMETER_ARN; no
    other key and no other use of this key."""
    who, label = stack.services[service], LABEL[service]
    own = f"/{label}/db_url"
    arn, policies = who.role_arn, who.policies
    rows = [
        Row(
            f"{service} cannot decrypt directly",
            stack.kms(arn, policies, "kms:Decrypt", own, via=None),
            "Denied",
        ),
        Row(
            f"{service} cannot decrypt via SSM of {OTHER_REGION}",
            stack.kms(arn, policies, "kms:Decrypt", own, via=f"ssm.{OTHER_REGION}.amazonaws.com"),
            "Denied",
        ),
        Row(
            f"{service} cannot decrypt via Secrets Manager",
            stack.kms(
                arn,
                policies,
                "kms:Decrypt",
                own,
                via=f"secretsmanager.{stack.region}.amazonaws.com",
            ),
            "Denied",
        ),
        Row(
            f"{service} cannot decrypt via SSM without an encryption context",
            stack.kms(arn, policies, "kms:Decrypt", None),
            "Denied",
        ),
        Row(
            f"{service} cannot decrypt with another key, even with its own context",
            stack.kms(
                arn,
                policies,
                "kms:Decrypt",
                own,
                key_arn=stack.other_key_arn(),
                key_policy=stack.default_key_policy,
            ),
            "Denied",
        ),
    ]
    rows += [
        Row(
            f"{service} cannot {action} even via SSM",
            stack.kms(arn, policies, action, own),
            "Denied",
        )
        for action in ("kms:Encrypt", "kms:GenerateDataKey", *KMS_NEVER_FOR_ROLES)
    ]
    rows += [
        Row(
            f"{service} cannot {action}", stack.kms(arn, policies, action, None, via=None), "Denied"
        )
        for action in KMS_MANAGEMENT
    ]
    assert_rows_hold(evaluator, rows)


@pytest.mark.parametrize("service", SERVICES)
def test_service_policy_alone_requires_ssm(
    stack: Stack, evaluator: IamEvaluator, service: str
) -> None:
    """Defence in depth: under a key policy with no Deny (the AWS default, where IAM policies
    decide), the service's own policy still allows Decrypt only via this region's SSM with
    its own context. The Allowed row shows the layer is really what is being judged."""
    who, label = stack.services[service], LABEL[service]
    own = f"/{label}/db_url"
    default = stack.default_key_policy

    def row(claim: str, via: str | None, name: str | None, expect: Expectation) -> Row:
        request = stack.kms(
            who.role_arn, who.policies, "kms:Decrypt", name, via=via, key_policy=default
        )
        return Row(f"[own policy only] {service} {claim}", request, expect)

    rows = [
        row("decrypts its own secret via SSM", "ssm", own, "Allowed"),
        row("cannot decrypt directly", None, own, "Denied"),
        row(
            f"cannot decrypt via SSM of {OTHER_REGION}",
            f"ssm.{OTHER_REGION}.amazonaws.com",
            own,
            "Denied",
        ),
        row(
            "cannot decrypt via Secrets Manager",
            f"secretsmanager.{stack.region}.amazonaws.com",
            own,
            "Denied",
        ),
        row("cannot decrypt without an encryption context", "ssm", None, "Denied"),
    ]
    rows += [
        row(f"cannot decrypt {label2}'s secrets", "ssm", f"/{label2}/db_url", "Denied")
        for label2 in sorted(set(LABEL.values()) - {label})
    ]
    assert_rows_hold(evaluator, rows)
