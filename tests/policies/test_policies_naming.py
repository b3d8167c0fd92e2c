from __future__ import annotations

import pytest

from policies.naming import label_problem


@pytest.mark.parametrize("label", ["api", "team/api", "a.b-c_d", "x/y/z", "edge"])
def test_valid_labels(label: str) -> None:
    assert label_problem(label) is None


@pytest.mark.parametrize(
    ("label", "rule"),
    [
        ("api*", "'*' or '?'"),
        ("ap?", "'*' or '?'"),
        ("team//api", "'//'"),
        ("/api", "start or end with '/'"),
        ("api/", "start or end with '/'"),
        ("_chamber", "'_chamber'"),
        ("team/_chamber", "'_chamber'"),
        ("API", "lowercase"),
        ("a b", "pattern"),
        ("", "non-empty"),
        ("/".join(["a"] * 15), "at most 14 segments"),
    ],
)
def test_invalid_labels_name_the_rule(label: str, rule: str) -> None:
    problem = label_problem(label)
    assert problem is not None and rule in problem
