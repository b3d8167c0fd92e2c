"""The proof covers the whole stack: every role and policy the program emits is tied to an
identity and judged, the matrix stack is rich enough to test the claims, the engine is the
pinned one, and the host role (what a container reaching the metadata service would get)
holds no secret."""

from __future__ import annotations

import json
from collections import Counter

import pytest

from access_report.harness import (
    MANAGED_POLICY,
    ROLE,
    ROLE_POLICY,
    ROLE_POLICY_ATTACHMENT,
    UnmodelledResource,
)
from tests.proof.iam.claims import BY_PATH, SERVICE_READS
from tests.proof.iam.evaluator import NODE_DIR, IamEvaluator, Row, assert_rows_hold
from tests.proof.iam.stack import Stack, build_stack, read_spec

SPEC = read_spec()


def test_matrix_stack_is_rich_enough() -> None:
    """At least four services, two of them sharing a label, one label a sibling prefix of
    another, a multi-segment label, two writers with different namespaces, writers in every
    form (a named role, an account root, a permission set with an '_' in its name), a key
    administrator, a deploying role, and the Athena table with audit readers in every form."""
    labels = Counter(s.label for s in SPEC.services)
    assert len(SPEC.services) >= 4
    assert any(n >= 2 for n in labels.values()), "two services must share a label"
    assert any(a != b and b.startswith(a) for a in labels for b in labels), "a sibling prefix"
    assert any("/" in label for label in labels), "a multi-segment label"
    assert len({frozenset(w.namespaces) for w in SPEC.writers}) >= 2
    principals = [p for w in SPEC.writers for p in w.principals]
    assert any(p.endswith(":root") for p in principals)
    assert any(":role/" in p for p in principals)
    assert any("_" in ps for w in SPEC.writers for ps in w.sso_permission_sets)
    assert SPEC.key_admins and SPEC.deployer_role_arn
    reader = SPEC.audit_reader
    assert SPEC.athena and reader is not None
    assert any(p.endswith(":root") for p in reader.principals)
    assert any(":role/" in p for p in reader.principals)
    assert any("_" in ps for ps in reader.sso_permission_sets)


def test_every_role_and_policy_is_modelled(stack: Stack) -> None:
    run = stack.run
    assert stack.audit_reader is not None
    identities = [
        *stack.services.values(),
        *stack.writers.values(),
        *stack.others.values(),
        stack.audit_reader,
    ]
    assert {s.name for s in SPEC.services} == set(stack.services)
    assert {w.name for w in SPEC.writers} == set(stack.writers)
    assert len(identities) == len(run.of_type(ROLE))
    modelled = Counter(p.name for i in identities for p in i.policies)
    emitted = Counter(r.name for r in run.of_type(ROLE_POLICY))
    emitted.update(
        next(
            p.name for p in run.of_type(MANAGED_POLICY) if p.outputs["arn"] == a.inputs["policyArn"]
        )
        for a in run.of_type(ROLE_POLICY_ATTACHMENT)
    )
    assert modelled == emitted
    for identity in [*stack.services.values(), *stack.writers.values(), stack.audit_reader]:
        assert len(identity.policies) == 1, f"{identity.name}: {identity.policies}"
    roles = [json.loads(r.inputs["assumeRolePolicy"]) for r in run.of_type(ROLE)]
    assert all(doc["Statement"] for doc in roles)
    assert stack.account == SPEC.account and stack.region == SPEC.region


def test_an_unmodelled_role_fails_the_proof(stack: Stack) -> None:
    """A role the program emits that is neither exported nor a host role cannot slip by."""
    run = stack.run
    role = next(r for r in run.of_type(ROLE) if r.name.startswith("svc-"))
    exports = dict(run.exports)
    exports["serviceRoleArns"] = {
        k: v for k, v in exports["serviceRoleArns"].items() if v != role.outputs["arn"]
    }
    tampered = type(run)(run.stack, run.account, run.region, run.resources, exports, run.config)
    with pytest.raises(UnmodelledResource, match=role.name):
        build_stack(tampered, SPEC)


def test_an_unexported_audit_reader_role_fails_the_proof(stack: Stack) -> None:
    run = stack.run
    exports = {k: v for k, v in run.exports.items() if k != "auditReaderRoleArn"}
    tampered = type(run)(run.stack, run.account, run.region, run.resources, exports, run.config)
    with pytest.raises(UnmodelledResource, match="audit-reader-role"):
        build_stack(tampered, SPEC)


def test_engine_is_the_pinned_one(evaluator: IamEvaluator) -> None:
    lock = json.loads((NODE_DIR / "package-lock.json").read_text())
    package = json.loads((NODE_DIR / "package.json").read_text())
    running = evaluator.version()
    for name, pinned in package["dependencies"].items():
        assert pinned == lock["packages"][f"node_modules/{name}"]["version"], name
        assert running[name] == pinned, f"{name}: running {running[name]}, pinned {pinned}"


def test_host_role_reads_no_secret(stack: Stack, evaluator: IamEvaluator) -> None:
    hosts = [i for i in stack.others.values() if i.kind == "host"]
    assert hosts
    rows = []
    for host in hosts:
        assert host.policies, "the host role has the ECS agent policy"
        for label in SPEC.labels:
            rows += [
                Row(
                    f"host role cannot {action} /{label}/db_url",
                    stack.ssm(host, action, f"/{label}/db_url"),
                    "Denied",
                )
                for action in (*SERVICE_READS, "ssm:PutParameter")
            ]
            rows.append(
                Row(
                    f"host role cannot list /{label}",
                    stack.ssm(host, BY_PATH, f"/{label}"),
                    "Denied",
                )
            )
            rows.append(
                Row(
                    f"host role cannot decrypt /{label}/db_url via SSM",
                    stack.kms(host.role_arn, host.policies, "kms:Decrypt", f"/{label}/db_url"),
                    "Denied",
                )
            )
    assert_rows_hold(evaluator, rows)
