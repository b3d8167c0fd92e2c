"""AWS's size and name limits, as the config checks them."""

from __future__ import annotations

import pytest

from policies.limits import policy_size, trail_name_problem


def test_policy_size_counts_json_without_whitespace() -> None:
    document = {"Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Action": "s3:*"}]}
    assert policy_size(document) == len(
        '{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":"s3:*"}]}'
    )


@pytest.mark.parametrize("name", ["secrets-platform-dev", "abc", "a.b_c-d", "x" * 128, "a1.b2"])
def test_valid_trail_names(name: str) -> None:
    assert trail_name_problem(name) is None


@pytest.mark.parametrize(
    ("name", "rule"),
    [
        ("ab", "3-128"),
        ("x" * 129, "3-128"),
        ("secrets-platform--dev", "no two of"),
        ("secrets-platform-my_-stack", "no two of"),
        ("secrets-platform-dev.", "end with a letter or digit"),
        ("-dev", "start and end"),
        ("my stack", "letters, digits"),
        ("10.0.0.1", "IP address"),
    ],
)
def test_invalid_trail_names_name_the_rule(name: str, rule: str) -> None:
    problem = trail_name_problem(name)
    assert problem is not None and rule in problem
