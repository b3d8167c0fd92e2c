"""Property tests: every export we can import reads back exactly what was exported."""

from __future__ import annotations

import csv
import io
import shlex
import string

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from secretctl.environ import secrets_to_env, shell_export_lines
from secretctl.export_formats import render
from secretctl.import_formats import detect_format, parse

# No test may depend on the machine's speed (the suite runs on busy shared cores): no deadline
# per example, and no health check that times how long inputs take to generate. The checks
# about the inputs themselves (too many filtered out, too large) stay on.
SPEED_INDEPENDENT = settings(deadline=None, suppress_health_check=[HealthCheck.too_slow])

# Keys as secretctl stores them: ^[\w.-]+$, ASCII.
KEYS = st.text(alphabet=string.ascii_letters + string.digits + "_.-", min_size=1, max_size=16)

# Values: non-empty UTF-8 text (SSM rejects empty values). Surrogates cannot be encoded as
# UTF-8, and NUL is excluded because SSM values are text that no environment or C string
# can carry; every other control character, quote, '$', backslash and astral char is in.
VALUES = st.text(
    alphabet=st.characters(codec="utf-8", exclude_characters="\x00"), min_size=1, max_size=40
)
# Values biased to the characters every format must escape.
SPECIAL_VALUES = st.text(
    alphabet=st.sampled_from(list(" \t\n\r\"'\\$`#:=!{}%,-\x0b\x0c\x85\u2028\u2029é😀\x7f\x01")),
    min_size=1,
    max_size=20,
)
ANY_VALUES = st.one_of(VALUES, SPECIAL_VALUES)

SECRETS = st.dictionaries(KEYS, ANY_VALUES, max_size=8)

# Dotenv keys whose env name (upper case) is a shell name and unique: [a-z_][a-z0-9_]*.
# At least one: an import with no entries is an error ("nothing to import").
DOTENV_KEYS = st.from_regex(r"[a-z_][a-z0-9_]{0,15}", fullmatch=True)
DOTENV_SECRETS = st.dictionaries(DOTENV_KEYS, ANY_VALUES, min_size=1, max_size=8)


@settings(SPEED_INDEPENDENT, max_examples=300)
@given(SECRETS)
def test_json_round_trip(secrets: dict[str, str]) -> None:
    assert parse(render("json", secrets), "json") == secrets


@settings(SPEED_INDEPENDENT, max_examples=300)
@given(SECRETS)
def test_yaml_round_trip(secrets: dict[str, str]) -> None:
    assert parse(render("yaml", secrets), "yaml") == secrets


@settings(SPEED_INDEPENDENT, max_examples=300)
@given(DOTENV_SECRETS)
def test_dotenv_round_trip(secrets: dict[str, str]) -> None:
    expected = {k.upper(): v for k, v in secrets.items()}
    assert parse(render("dotenv", secrets), "dotenv") == expected


@SPEED_INDEPENDENT
@given(SECRETS)
def test_detection_picks_json(secrets: dict[str, str]) -> None:
    text = render("json", secrets)
    assert detect_format(text) == "json"
    assert parse(text) == secrets


@SPEED_INDEPENDENT
@given(st.dictionaries(KEYS, ANY_VALUES, min_size=1, max_size=8))
def test_detection_picks_yaml(secrets: dict[str, str]) -> None:
    text = render("yaml", secrets)
    assert detect_format(text) == "yaml"
    assert parse(text) == secrets


@SPEED_INDEPENDENT
@given(st.dictionaries(DOTENV_KEYS, ANY_VALUES, min_size=1, max_size=8))
def test_detection_picks_dotenv(secrets: dict[str, str]) -> None:
    text = render("dotenv", secrets)
    assert detect_format(text) == "dotenv"
    assert parse(text) == {k.upper(): v for k, v in secrets.items()}


@SPEED_INDEPENDENT
@given(SECRETS, st.sampled_from([("csv", ","), ("tsv", "\t")]))
def test_csv_tsv_round_trip(secrets: dict[str, str], fmt_delimiter: tuple[str, str]) -> None:
    fmt, delimiter = fmt_delimiter
    text = render(fmt, secrets)
    rows = list(csv.reader(io.StringIO(text, newline=""), delimiter=delimiter))
    assert rows == sorted([k, v] for k, v in secrets.items())


@SPEED_INDEPENDENT
@given(DOTENV_SECRETS)
def test_shell_export_lines_split_back(secrets: dict[str, str]) -> None:
    env = secrets_to_env(secrets)
    lines = shell_export_lines(env)
    assert [shlex.split(line) for line in lines] == [
        ["export", f"{name}={env[name]}"] for name in sorted(env)
    ]


def test_no_property_test_depends_on_the_machines_speed() -> None:
    tests = [
        f for name, f in globals().items() if name.startswith("test_") and hasattr(f, "hypothesis")
    ]
    assert len(tests) == 8
    for test in tests:
        chosen = test._hypothesis_internal_use_settings
        assert chosen.deadline is None, test.__name__
        assert HealthCheck.too_slow in chosen.suppress_health_check, test.__name__
