"""chamber v3's store configuration (``/_chamber/store-config``, the tags every new secret must
carry): every writer may read it, no writer may change it (a ``*`` writer included), and no
service may read it."""

from __future__ import annotations

from tests.proof.iam.claims import SERVICE_READS
from tests.proof.iam.evaluator import IamEvaluator, Row, assert_rows_hold
from tests.proof.iam.stack import Stack, read_spec

#: Written down from chamber's documentation, not taken from ``policies``.
STORE_CONFIG = "/_chamber/store-config"
#: Everything that changes a parameter, its tags or its labels.
CHANGES = (
    "ssm:PutParameter",
    "ssm:DeleteParameter",
    "ssm:DeleteParameters",
    "ssm:AddTagsToResource",
    "ssm:RemoveTagsFromResource",
    "ssm:LabelParameterVersion",
    "ssm:UnlabelParameterVersion",
)

SPEC = read_spec()


def test_writers_read_the_store_config_and_cannot_change_it(
    stack: Stack, evaluator: IamEvaluator
) -> None:
    assert any("*" in w.namespaces for w in SPEC.writers), "needs a writer of every namespace"
    rows = []
    for writer in SPEC.writers:
        who = stack.writers[writer.name]
        rows.append(
            Row(
                f"{writer.name} may read {STORE_CONFIG}",
                stack.ssm(who, "ssm:GetParameter", STORE_CONFIG),
                "Allowed",
            )
        )
        rows += [
            Row(
                f"{writer.name} cannot {action} {name}",
                stack.ssm(who, action, name),
                "Denied",
            )
            for action in CHANGES
            for name in (STORE_CONFIG, "/_chamber/other")
        ]
    assert_rows_hold(evaluator, rows)


def test_services_cannot_read_the_store_config(stack: Stack, evaluator: IamEvaluator) -> None:
    rows = [
        Row(
            f"{service.name} cannot {action} {STORE_CONFIG}",
            stack.ssm(stack.services[service.name], action, STORE_CONFIG),
            "Denied",
        )
        for service in SPEC.services
        for action in SERVICE_READS
    ]
    rows += [
        Row(
            f"{service.name} cannot list /_chamber",
            stack.ssm(stack.services[service.name], "ssm:GetParametersByPath", "/_chamber"),
            "Denied",
        )
        for service in SPEC.services
    ]
    assert_rows_hold(evaluator, rows)
