"""Tests for secretctl.export_formats: exact export output per format."""

from __future__ import annotations

import csv
import io
import json
import subprocess
import sys
from pathlib import Path

import pytest
import yaml

from secretctl.errors import UsageError
from secretctl.export_formats import EXPORT_FORMATS, render, tfvars_name
from secretctl.import_formats import parse

REPO = Path(__file__).resolve().parents[2]
SECRET = "s3cr3t-VALUE"  # never allowed in a message
TRICKY = 'q"b\\c$d`e\nf\rg\th é😀'

# --------------------------------------------------------------------------- render: json


def test_json_exact() -> None:
    out = render("json", {"b": TRICKY, "a": "1"})
    assert out == '{"a":"1","b":"q\\"b\\\\c$d`e\\nf\\rg\\th é😀"}\n'
    assert json.loads(out) == {"a": "1", "b": TRICKY}


def test_json_empty() -> None:
    assert render("json", {}) == "{}\n"


# --------------------------------------------------------------------------- render: yaml


@pytest.mark.parametrize(
    ("value", "line"),
    [
        ("plain", "k: plain"),
        ("true", "k: 'true'"),
        ("yes", "k: 'yes'"),
        ("123", "k: '123'"),
        ("1.5", "k: '1.5'"),
        ("null", "k: 'null'"),
        ("~", "k: '~'"),
        (" lead", "k: ' lead'"),
        ("trail ", "k: 'trail '"),
        ("#x", "k: '#x'"),
        ("a: b", "k: 'a: b'"),
        ("it's", "k: it's"),
        ('a"b', 'k: a"b'),
        ("a\\b", "k: a\\b"),
        ("é😀", "k: é😀"),
        ("a\tb", 'k: "a\\tb"'),
        ("a\nb", 'k: "a\\nb"'),
        ("x\r\n", 'k: "x\\r\\n"'),
        ("x\x85", 'k: "x\\N"'),
        ("x\u2028", 'k: "x\\L"'),
    ],
)
def test_yaml_exact_and_round_trip(value: str, line: str) -> None:
    out = render("yaml", {"k": value})
    assert out == line + "\n"
    assert yaml.safe_load(out) == {"k": value}


def test_yaml_sorted_keys() -> None:
    assert render("yaml", {"b": "2", "a": "1", "a.b": "3"}) == "a: '1'\na.b: '3'\nb: '2'\n"


def test_yaml_is_not_imported_with_the_modules() -> None:
    code = (
        "import sys, secretctl.export_formats, secretctl.import_formats; "
        "print('yaml' in sys.modules)"
    )
    out = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, check=True, text=True, cwd=REPO
    )
    assert out.stdout.strip() == "False"


# --------------------------------------------------------------------------- render: dotenv


def test_dotenv_exact() -> None:
    out = render("dotenv", {"db-url": TRICKY, "a.b": "x", "z": "it's #1"})
    assert out == ('A_B="x"\nDB_URL="q\\"b\\\\c\\$d\\`e\\nf\\rg\\th é😀"\nZ="it\'s #1"\n')


def test_dotenv_round_trips_through_parse() -> None:
    secrets = {"db-url": TRICKY, "api_key": "${HOME} $(id) \\n"}
    assert parse(render("dotenv", secrets), "dotenv") == {
        "DB_URL": TRICKY,
        "API_KEY": "${HOME} $(id) \\n",
    }


def test_dotenv_collision_names_both_keys() -> None:
    with pytest.raises(UsageError) as exc:
        render("dotenv", {"db-url": SECRET, "db_url": SECRET})
    assert "keys 'db-url', 'db_url' map to the same environment variable DB_URL" in str(exc.value)
    assert SECRET not in str(exc.value)


def test_dotenv_rejects_names_that_are_not_shell_names() -> None:
    with pytest.raises(UsageError, match="key '1abc' gives '1ABC'"):
        render("dotenv", {"1abc": SECRET})


def test_dotenv_read_by_python_dotenv() -> None:
    dotenv = pytest.importorskip("dotenv")
    # python-dotenv leaves '\$' and '\`' escaped (it has no such escapes), so those two
    # characters are left out here; every other escape we write must read back the same.
    secrets = {
        "a": 'q"b\\c',
        "b": "l1\nl2\rl3\tt",
        "c": "é😀 #not a comment",
        "d": "it's",
        "e": " lead and trail ",
        "f": "\x01\x0b\x0c\x85\u2028",
    }
    out = dotenv.dotenv_values(stream=io.StringIO(render("dotenv", secrets)), interpolate=False)
    assert out == {k.upper(): v for k, v in secrets.items()}


# --------------------------------------------------------------------------- render: java


def _java_unescape(text: str) -> str:
    """Unescape one logical-line element as java.util.Properties.load does."""
    out: list[str] = []
    i = 0
    while i < len(text):
        ch = text[i]
        if ch != "\\":
            out.append(ch)
            i += 1
            continue
        nxt = text[i + 1]
        if nxt == "u":
            out.append(chr(int(text[i + 2 : i + 6], 16)))
            i += 6
            continue
        out.append({"t": "\t", "n": "\n", "r": "\r", "f": "\f"}.get(nxt, nxt))
        i += 2
    # \uXXXX units are UTF-16: join surrogate pairs.
    return "".join(out).encode("utf-16", "surrogatepass").decode("utf-16")


def load_java_properties(text: str) -> dict[str, str]:
    """A small reference decoder for java.util.Properties.load (no line continuations)."""
    result: dict[str, str] = {}
    for line in text.split("\n"):
        line = line.lstrip(" \t\f")
        if not line or line[0] in "#!":
            continue
        i = 0
        while i < len(line) and line[i] not in "=: \t\f":
            i += 2 if line[i] == "\\" else 1
        key = line[:i]
        while i < len(line) and line[i] in " \t\f":
            i += 1
        if i < len(line) and line[i] in "=:":
            i += 1
        while i < len(line) and line[i] in " \t\f":
            i += 1
        result[_java_unescape(key)] = _java_unescape(line[i:])
    return result


def test_java_properties_exact() -> None:
    out = render(
        "java-properties",
        {"db-url": TRICKY, "b.c": "  a=b:c #d !e", "e": "\x01\f\x7f"},
    )
    assert out == (
        "b.c=\\  a\\=b\\:c \\#d \\!e\n"
        'db-url=q"b\\\\c$d`e\\nf\\rg\\th \\u00E9\\uD83D\\uDE00\n'
        "e=\\u0001\\f\\u007F\n"
    )
    assert out.isascii()


def test_java_properties_escapes_keys() -> None:
    assert render("java-properties", {"a b=c:d#!": "v"}) == "a\\ b\\=c\\:d\\#\\!=v\n"


def test_java_properties_reference_decoder() -> None:
    secrets = {"db-url": TRICKY, "b.c": "  a=b:c #d !e", "e": "\x01\f\x7f", "a b=c": " x "}
    assert load_java_properties(render("java-properties", secrets)) == secrets


# --------------------------------------------------------------------------- render: csv/tsv


def test_csv_exact() -> None:
    out = render("csv", {"b": 'x,y"z', "a": "plain", "c": "l1\nl2"})
    assert out == 'a,plain\nb,"x,y""z"\nc,"l1\nl2"\n'


def test_tsv_exact() -> None:
    out = render("tsv", {"b": "x\ty", "a": "a,b"})
    assert out == 'a\ta,b\nb\t"x\ty"\n'


def test_csv_quotes_lone_carriage_returns() -> None:
    assert render("csv", {"a": "x\ry"}) == '"a","x\ry"\n'


@pytest.mark.parametrize(("fmt", "delimiter"), [("csv", ","), ("tsv", "\t")])
def test_csv_tsv_read_back_by_csv_module(fmt: str, delimiter: str) -> None:
    secrets = {"a": TRICKY, "b": "x,y\tz", "c": "l1\r\nl2\r", "d": " lead"}
    rows = list(csv.reader(io.StringIO(render(fmt, secrets), newline=""), delimiter=delimiter))
    assert dict(rows) == secrets


# --------------------------------------------------------------------------- render: tfvars


def test_tfvars_exact() -> None:
    out = render(
        "tfvars",
        {"tf_var_region": "eu", "db-url": TRICKY, "t": "${a} %{b} $${c} $x %y\x01\u2028"},
    )
    assert out == (
        'db_url = "q\\"b\\\\c$d`e\\nf\\rg\\th é😀"\n'
        'region = "eu"\n'
        't = "$${a} %%{b} $$${c} $x %y\\u0001\\u2028"\n'
    )


@pytest.mark.parametrize(
    ("key", "name"),
    [
        ("tf_var_x", "x"),
        ("a.b-c", "a_b_c"),
        ("Keep_Case", "Keep_Case"),
        ("x_tf_var_y", "x_tf_var_y"),
    ],
)
def test_tfvars_name(key: str, name: str) -> None:
    assert tfvars_name(key) == name


def test_tfvars_collision() -> None:
    with pytest.raises(UsageError, match="keys 'region', 'tf_var_region' map to the same"):
        render("tfvars", {"tf_var_region": SECRET, "region": SECRET})


@pytest.mark.parametrize("key", ["1abc", "tf_var_", "tf_var_9"])
def test_tfvars_invalid_identifier(key: str) -> None:
    with pytest.raises(UsageError) as exc:
        render("tfvars", {key: SECRET})
    assert f"key {key!r}" in str(exc.value)
    assert SECRET not in str(exc.value)


# --------------------------------------------------------------------------- render: misc


def test_unknown_export_format_lists_the_valid_ones() -> None:
    with pytest.raises(UsageError, match="unknown export format 'xml'; use one of: json, yaml"):
        render("xml", {})


def test_export_format_alias_and_case() -> None:
    assert render("properties", {"a": "b"}) == render("java-properties", {"a": "b"})
    assert render("JSON", {"a": "b"}) == '{"a":"b"}\n'


@pytest.mark.parametrize("fmt", EXPORT_FORMATS)
def test_every_format_renders_empty_input(fmt: str) -> None:
    assert render(fmt, {}) in ("", "{}\n")
