"""Pure: what differs between two services, how diff prints it, and what copy plans."""

from __future__ import annotations

import json

import pytest
from hypothesis import given
from hypothesis import strategies as st

from secretctl.diffing import diff_document, diff_lines, diff_services, plan_copy

SRC = {"a": "1", "b": "2", "c": "3", "e": "same"}
DST = {"b": "two", "d": "4", "e": "same"}


def test_diff_kinds_and_counts() -> None:
    diff = diff_services(SRC, DST)
    assert diff.only_in_source == ["a", "c"]
    assert diff.only_in_destination == ["d"]
    assert diff.different == ["b"]
    assert diff.equal == 1
    assert diff.differs
    assert diff.summary() == "2 only in SRC, 1 only in DST, 1 different, 1 equal"
    same = diff_services(SRC, dict(SRC))
    assert not same.differs and same.equal == 4
    empty = diff_services({}, {})
    assert not empty.differs and empty.summary().endswith("0 equal")


def test_text_never_shows_values_unless_asked() -> None:
    diff = diff_services(SRC, DST)
    lines = diff_lines(diff, SRC, DST, show_values=False)
    assert lines == ["- a", "~ b", "- c", "+ d", diff.summary()]
    assert not any(value in "\n".join(lines) for value in ("two", "same", "="))
    shown = diff_lines(diff, SRC, DST, show_values=True)
    assert shown[:4] == ['- a = "1"', '~ b: "2" -> "two"', '- c = "3"', '+ d = "4"']


def test_json_document() -> None:
    diff = diff_services(SRC, DST)
    document = diff_document(diff, SRC, DST, show_values=False)
    assert document == {
        "onlyInSource": ["a", "c"],
        "onlyInDestination": ["d"],
        "different": ["b"],
        "equal": 1,
    }
    assert "same" not in json.dumps(document) and "two" not in json.dumps(document)
    values = diff_document(diff, SRC, DST, show_values=True)["values"]
    assert values == {
        "a": {"source": "1"},
        "b": {"source": "2", "destination": "two"},
        "c": {"source": "3"},
        "d": {"destination": "4"},
    }


def test_copy_plan() -> None:
    plan = plan_copy(SRC, DST)
    assert (plan.add, plan.change, plan.unchanged, plan.kept, plan.delete) == (
        ["a", "c"],
        ["b"],
        ["e"],
        [],
        [],
    )
    assert plan.writes == ["a", "b", "c"]
    assert plan.lines() == ["add a", "change b", "add c"]
    kept = plan_copy(SRC, DST, no_overwrite=True)
    assert kept.change == [] and kept.kept == ["b"] and kept.writes == ["a", "c"]
    pruned = plan_copy(SRC, DST, prune=True)
    assert pruned.delete == ["d"] and pruned.lines()[-1] == "delete d"


mapping = st.dictionaries(st.sampled_from("abcdefg"), st.sampled_from(["x", "y", "z"]))


@given(mapping, mapping, st.booleans(), st.booleans())
def test_copy_then_diff_converges(
    source: dict[str, str], destination: dict[str, str], no_overwrite: bool, prune: bool
) -> None:
    """Applying a plan gives a DST that differs from SRC only where the options said so."""
    plan = plan_copy(source, destination, no_overwrite=no_overwrite, prune=prune)
    after = {k: v for k, v in destination.items() if k not in plan.delete}
    after.update({k: source[k] for k in plan.writes})
    diff = diff_services(source, after)
    assert diff.only_in_source == []
    assert diff.different == (sorted(plan.kept) if no_overwrite else [])
    if prune:
        assert diff.only_in_destination == []
    assert plan_copy(source, after, no_overwrite=no_overwrite, prune=prune).writes == []


@pytest.mark.parametrize("show_values", [False, True])
def test_equal_services_print_only_the_count(show_values: bool) -> None:
    diff = diff_services(SRC, dict(SRC))
    assert diff_lines(diff, SRC, SRC, show_values) == [
        "0 only in SRC, 0 only in DST, 0 different, 4 equal"
    ]
