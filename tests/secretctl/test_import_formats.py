"""Tests for secretctl.import_formats: import parsing and format detection."""

from __future__ import annotations

import re

import pytest

from secretctl.errors import UsageError
from secretctl.import_formats import IMPORT_FORMATS, detect_format, parse

SECRET = "s3cr3t-VALUE"  # never allowed in a message


# --------------------------------------------------------------------------- parse: json


def test_parse_json_scalars() -> None:
    text = '{"s": "x", "i": 42, "n": -0.50, "e": 1E3, "t": true, "f": false}'
    assert parse(text, "json") == {
        "s": "x", "i": "42", "n": "-0.50", "e": "1E3", "t": "true", "f": "false",
    }  # fmt: skip


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ('{"db": {"a": 1}}', "value of key 'db' is a nested object; only strings, numbers"),
        ('{"db": [1]}', "value of key 'db' is a list"),
        ('{"db": null}', "value of key 'db' is null"),
        ('{"db": ""}', "value of key 'db' is empty"),
        ('{"db": "a", "db": "b"}', "duplicate key 'db'"),
        ('["a"]', "the top level is a list"),
        ('"a"', "the top level is a str"),
        ('{"a": NaN}', "NaN is not valid JSON"),
    ],
)
def test_parse_json_errors(text: str, message: str) -> None:
    with pytest.raises(UsageError, match=re.escape(message)):
        parse(text, "json")


def test_parse_json_malformed_gives_position_without_content() -> None:
    text = '{\n  "a": "' + SECRET + '" "b"\n}'
    with pytest.raises(UsageError) as exc:
        parse(text, "json", source="secrets.json")
    message = str(exc.value)
    assert message == (
        "import: secrets.json: not valid JSON: Expecting ',' delimiter at line 2, column 23"
    )


def test_parse_json_bad_escape_does_not_echo_content() -> None:
    with pytest.raises(UsageError) as exc:
        parse('{"a": "x\\' + SECRET + '"}', "json")
    assert str(exc.value) == "import: input: not valid JSON: Invalid \\escape at line 1, column 9"


# --------------------------------------------------------------------------- parse: yaml


def test_parse_yaml_scalars_as_written() -> None:
    text = (
        "s: x\nq: 'true'\ni: 0x1F\nv: 1.10\nt: True\nf: false\non: yes\n"
        "d: 2024-01-02\ninf: .inf\nsp: ' a '\nmulti: |\n  l1\n  l2\n"
    )
    assert parse(text, "yaml") == {
        "s": "x", "q": "true", "i": "0x1F", "v": "1.10", "t": "true", "f": "false",
        "on": "yes", "d": "2024-01-02", "inf": ".inf", "sp": " a ", "multi": "l1\nl2\n",
    }  # fmt: skip


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("db:\n  a: 1\n", "value of key 'db' is a nested object; only strings, numbers and"),
        ("db: [1]\n", "value of key 'db' is a list"),
        ("db:\n", "value of key 'db' is null"),
        ("db: ~\n", "value of key 'db' is null"),
        ("db: ''\n", "value of key 'db' is empty; SSM cannot store empty values"),
        ("db: a\ndb: b\n", "duplicate key 'db' at line 2"),
        ("- a\n- b\n", "the top level is a list"),
        ("just text\n", "the top level is a str"),
        ("", "nothing to import: the input is empty or only comments"),
        ("# only a comment\n", "nothing to import"),
        ("null\n", "the top level is null"),
        ("db: !!binary aGk=\n", "value of key 'db' is binary data"),
        ("true: x\n", "key True is not a string"),
        ("a: 1\n---\nb: 2\n", "expected a single document"),
    ],
)
def test_parse_yaml_errors(text: str, message: str) -> None:
    with pytest.raises(UsageError, match=re.escape(message)):
        parse(text, "yaml")


def test_parse_yaml_error_messages_start_with_import_and_source() -> None:
    with pytest.raises(UsageError) as exc:
        parse("db: [1]\n", "yaml", source="f.yml")
    assert str(exc.value) == (
        "import: f.yml: value of key 'db' is a list; "
        "only strings, numbers and booleans can be imported"
    )


@pytest.mark.parametrize(
    "text",
    [
        f'a: "{SECRET}\n',  # unterminated
        f'a: "\\q{SECRET}"\n',  # unknown escape
        f"a: !{SECRET} x\n",  # unknown tag
        f"a: *{SECRET}\n",  # undefined alias
        f"a: b\n  {SECRET}: c: d\n",  # bad indentation
    ],
)
def test_parse_yaml_malformed_does_not_echo_content(text: str) -> None:
    with pytest.raises(UsageError) as exc:
        parse(text, "yaml")
    message = str(exc.value)
    assert message.startswith("import: input: not valid YAML: ")
    assert SECRET not in message
    assert re.search(r"line \d+, column \d+", message)


def test_parse_yaml_reader_error_does_not_echo_content() -> None:
    with pytest.raises(UsageError) as exc:
        parse(f"a: {SECRET}\x00\n", "yaml")
    assert str(exc.value) == (
        "import: input: not valid YAML: character #x0000 at position 15 is not allowed"
    )


def test_parse_yaml_is_safe() -> None:
    with pytest.raises(UsageError, match="not valid YAML"):
        parse("a: !!python/object/apply:os.system ['true']\n", "yaml")


def test_parse_yaml_merge_keys_are_not_duplicates() -> None:
    text = "base: &b {x: '1'}\n"
    with pytest.raises(UsageError, match="nested object"):
        parse(text + "<<: *b\nx: '2'\n", "yaml")
    assert parse("<<: {x: '1', y: '2'}\nx: '3'\n", "yaml") == {"x": "3", "y": "2"}


# --------------------------------------------------------------------------- parse: dotenv


def test_parse_dotenv_forms() -> None:
    text = (
        "# comment\n"
        "\n"
        "PLAIN=value\n"
        "export EXPORTED=yes\n"
        "  SPACED = padded value   \n"
        "COMMENTED=value # a comment\n"
        "HASH=a#b\n"
        "SINGLE='lit\\n $HOME \"x\"' # c\n"
        'DOUBLE="a\\"b\\\\c\\$d\\`e\\nf\\rg\\th\\q"\n'
        'MULTI="line1\nline2"\n'
        "SMULTI='l1\nl2'\n"
        "db-url=lower.and-dash\n"
        "WIN=crlf\r\n"
        "EQ=a=b\n"
    )
    assert parse(text, "dotenv") == {
        "PLAIN": "value",
        "EXPORTED": "yes",
        "SPACED": "padded value",
        "COMMENTED": "value",
        "HASH": "a#b",
        "SINGLE": 'lit\\n $HOME "x"',
        "DOUBLE": 'a"b\\c$d`e\nf\rg\th\\q',
        "MULTI": "line1\nline2",
        "SMULTI": "l1\nl2",
        "db-url": "lower.and-dash",
        "WIN": "crlf",
        "EQ": "a=b",
    }


def test_parse_dotenv_reads_chamber_bang_escape() -> None:
    assert parse('A="x\\!y"\n', "dotenv") == {"A": "x!y"}


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("A=1\nA=2\n", "duplicate name 'A' at line 2"),
        ("# comment only\n\n", "nothing to import: the input is empty or only comments"),
        ("A=\n", "value of 'A' is empty"),
        ('A=""\n', "value of 'A' is empty"),
        ("A= # only a comment\n", "value of 'A' is empty"),
        (f"A=1\n{SECRET}\n", "line 2 is not NAME=value"),
        (f'A=1\nB="{SECRET}\n', "the double quote of 'B' at line 2 is never closed"),
        (f"B='{SECRET}\n", "the single quote of 'B' at line 1 is never closed"),
        (f'A="x\ny" {SECRET}\n', "unexpected text after the closing quote of 'A' at line 2"),
    ],
)
def test_parse_dotenv_errors(text: str, message: str) -> None:
    with pytest.raises(UsageError) as exc:
        parse(text, "dotenv")
    assert message in str(exc.value)
    assert SECRET not in str(exc.value)


# --------------------------------------------------------------------------- parse: detection


@pytest.mark.parametrize(
    ("text", "fmt"),
    [
        ('{"a": "b"}', "json"),
        ('\n  {"a": 1}\n', "json"),
        ("{a: b}", "yaml"),
        ('["a"]', "yaml"),
        ("a: b\n", "yaml"),
        ("# c\n\nA=b\n", "dotenv"),
        ("export A=b\n", "dotenv"),
        ("db-url = x\n", "dotenv"),
        ("---\nA=b\n", "yaml"),
        ("", "yaml"),
        ("# only comments\n", "yaml"),
    ],
)
def test_detect_format(text: str, fmt: str) -> None:
    assert detect_format(text) == fmt


def test_parse_detects_and_strips_bom() -> None:
    assert parse('\ufeff{"a": "b"}') == {"a": "b"}
    assert parse("\ufeffA=b\n") == {"A": "b"}


def test_unknown_import_format() -> None:
    with pytest.raises(UsageError, match="use one of: json, yaml, dotenv"):
        parse("a: b", "toml")
    assert IMPORT_FORMATS == ("json", "yaml", "dotenv")
