"""Import parsers: the text of a JSON, YAML or dotenv file to key -> value.

Pure functions. Messages name keys, formats, lines and columns, never a value or a piece of
the input. PyYAML is imported only when YAML is parsed, so importing this module stays fast.
"""

from __future__ import annotations

import json
import re
from typing import Any

from secretctl.errors import UsageError

IMPORT_FORMATS = ("json", "yaml", "dotenv")

_DOTENV_ASSIGN_RE = re.compile(r"[ \t]*(?:export[ \t]+)?([\w.-]+)[ \t]*=", re.ASCII)
_QUOTED_RE = re.compile(r"'[^'\n]*'|\"[^\"\n]*\"")
# Quoted snippets a parser message may keep: token names like '<scalar>' and one punctuation.
_SAFE_SNIPPET_RE = re.compile(r"""(['"])(?:<[a-z ]+>|[!-/:-@[-`{-~])\1""")


def parse(text: str, fmt: str | None = None, source: str = "input") -> dict[str, str]:
    """Parse an import file into key -> value; ``fmt=None`` detects the format."""
    text = text.removeprefix("\ufeff")
    if fmt is None:
        fmt = detect_format(text)
    fmt = fmt.lower()
    if fmt == "json":
        return parse_json(text, source)
    if fmt == "yaml":
        return parse_yaml(text, source)
    if fmt == "dotenv":
        return parse_dotenv(text, source)
    raise UsageError(f"unknown import format {fmt!r}; use one of: {', '.join(IMPORT_FORMATS)}")


def detect_format(text: str) -> str:
    """'json' if text is a JSON object, 'dotenv' if it starts like NAME=..., else 'yaml'."""
    text = text.removeprefix("\ufeff")
    try:
        value = json.loads(text, object_pairs_hook=_JsonPairs, parse_constant=_no_constant)
    except ValueError:
        value = None
    if isinstance(value, _JsonPairs):
        return "json"
    first = next((line for line in text.split("\n") if _has_content(line)), "")
    return "dotenv" if _DOTENV_ASSIGN_RE.match(first) else "yaml"


class _JsonPairs(list):  # type: ignore[type-arg]
    """Marks a decoded JSON object during format detection."""


def _no_constant(name: str) -> Any:
    """Reject NaN and Infinity, which are not JSON."""
    raise ValueError(f"{name} is not valid JSON")


def _redact(message: str) -> str:
    """Drop quoted snippets of the input from a parser's message, keeping syntax tokens."""
    return _QUOTED_RE.sub(
        lambda m: m.group(0) if _SAFE_SNIPPET_RE.fullmatch(m.group(0)) else "'…'", message
    )


def _error(source: str, message: str) -> UsageError:
    return UsageError(f"import: {source}: {message}")


def parse_json(text: str, source: str = "input") -> dict[str, str]:
    """Parse a JSON object of scalars; numbers are kept as written."""

    def pairs_hook(pairs: list[tuple[str, Any]]) -> dict[str, Any]:
        result: dict[str, Any] = {}
        for key, value in pairs:
            if key in result:
                raise _error(source, f"duplicate key {key!r}; keep only one of them")
            result[key] = value
        return result

    try:
        data = json.loads(
            text,
            object_pairs_hook=pairs_hook,
            parse_int=str,
            parse_float=str,
            parse_constant=_no_constant,
        )
    except json.JSONDecodeError as exc:
        raise _error(
            source,
            f"not valid JSON: {_redact(exc.msg)} at line {exc.lineno}, column {exc.colno}",
        ) from None
    except ValueError as exc:  # NaN / Infinity
        raise _error(source, f"not valid JSON: {exc}") from None
    return _scalars_to_strings(data, source, "JSON object")


def _scalars_to_strings(data: Any, source: str, what: str) -> dict[str, str]:
    """Check a decoded top level (mapping of string keys to scalars) and stringify it."""
    if not isinstance(data, dict):
        raise _error(
            source, f"the top level is {_kind(data)}; expected a {what} of key: value pairs"
        )
    result: dict[str, str] = {}
    for key, value in data.items():
        if not isinstance(key, str):
            raise _error(source, f"key {key!r} is not a string; quote it")
        result[key] = _scalar_to_string(key, value, source)
    return result


def _kind(value: Any) -> str:
    """What a decoded value is, for messages ("a list", "null", ...)."""
    if isinstance(value, dict):
        return "a nested object"
    if isinstance(value, (list, tuple)):
        return "a list"
    if value is None:
        return "null"
    if isinstance(value, (bytes, bytearray)):
        return "binary data"
    if isinstance(value, (set, frozenset)):
        return "a set"
    return f"a {type(value).__name__}"


def _scalar_to_string(key: str, value: Any, source: str) -> str:
    """A string, number (already text) or boolean as a string; anything else is an error."""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, str):
        if value == "":
            raise _error(source, f"value of key {key!r} is empty; SSM cannot store empty values")
        return value
    raise _error(
        source,
        f"value of key {key!r} is {_kind(value)}; "
        "only strings, numbers and booleans can be imported",
    )


def parse_yaml(text: str, source: str = "input") -> dict[str, str]:
    """Parse a YAML mapping of scalars with yaml.safe_load rules; numbers kept as written."""
    import yaml

    try:
        data = yaml.load(text, Loader=_yaml_loader(source))
    except yaml.MarkedYAMLError as exc:
        where = ""
        if exc.problem_mark is not None:
            where = f" at line {exc.problem_mark.line + 1}, column {exc.problem_mark.column + 1}"
        parts = [part for part in (exc.context, exc.problem) if part]
        problem = _redact(", ".join(parts) or "syntax error")
        raise _error(source, f"not valid YAML: {problem}{where}") from None
    except yaml.reader.ReaderError as exc:
        raise _error(
            source,
            f"not valid YAML: character #x{exc.character:04x} at position {exc.position} "
            "is not allowed",
        ) from None
    except yaml.YAMLError:
        raise _error(source, "not valid YAML") from None
    if data is None and not _has_content(text):
        raise _error(source, _NOTHING_TO_IMPORT)
    return _scalars_to_strings(data, source, "YAML mapping")


_NOTHING_TO_IMPORT = "nothing to import: the input is empty or only comments"


def _has_content(text: str) -> bool:
    """Whether text has a line that is neither blank nor a '#' comment."""
    return any(
        line.strip(" \t\r") and not line.strip(" \t\r").startswith("#") for line in text.split("\n")
    )


# YAML 1.1 booleans that YAML 1.2 (and chamber) read as strings: imported as written.
_YAML_11_ONLY_BOOLS = frozenset({"yes", "no", "on", "off", "y", "n"})


def _yaml_loader(source: str) -> Any:
    """A SafeLoader that keeps numbers and dates as written and rejects duplicate keys."""
    import yaml

    class _ImportLoader(yaml.SafeLoader):
        def construct_mapping(self, node: yaml.Node, deep: bool = False) -> dict[Any, Any]:
            seen: set[Any] = set()
            if isinstance(node, yaml.MappingNode):
                for key_node, _ in node.value:
                    if key_node.tag == "tag:yaml.org,2002:merge":
                        continue
                    key = self.construct_object(key_node, deep=True)
                    if isinstance(key, (dict, list, set)):
                        continue  # the base class reports unhashable keys
                    if key in seen:
                        line = key_node.start_mark.line + 1
                        raise _error(source, f"duplicate key {key!r} at line {line}; keep only one")
                    seen.add(key)
            return super().construct_mapping(node, deep=deep)  # type: ignore[no-any-return]

    def as_written(loader: yaml.SafeLoader, node: yaml.Node) -> str:
        return str(node.value)

    def boolean(loader: yaml.SafeLoader, node: yaml.Node) -> bool | str:
        if str(node.value).lower() in _YAML_11_ONLY_BOOLS:
            return str(node.value)
        return bool(loader.construct_yaml_bool(node))

    for tag in ("int", "float", "timestamp"):
        _ImportLoader.add_constructor(f"tag:yaml.org,2002:{tag}", as_written)
    _ImportLoader.add_constructor("tag:yaml.org,2002:bool", boolean)
    return _ImportLoader


_DQ_UNESCAPES = {"\\": "\\", '"': '"', "$": "$", "`": "`", "n": "\n", "r": "\r", "t": "\t",
                 "!": "!"}  # fmt: skip
_AFTER_QUOTE_RE = re.compile(r"[ \t\r]*(?:#.*)?")
_INLINE_COMMENT_RE = re.compile(r"[ \t]#")


def parse_dotenv(text: str, source: str = "input") -> dict[str, str]:
    """Parse ``[export ]NAME=value`` lines; names are returned as written."""
    result: dict[str, str] = {}
    pos, line = 0, 1
    while pos < len(text):
        eol = _line_end(text, pos)
        stripped = text[pos:eol].strip(" \t\r")
        if not stripped or stripped.startswith("#"):
            pos, line = eol + 1, line + 1
            continue
        match = _DOTENV_ASSIGN_RE.match(text, pos, eol)
        if match is None:
            raise _error(source, f"line {line} is not NAME=value")
        name = match.group(1)
        value, pos, end_line = _dotenv_value(text, match.end(), name, line, source)
        if name in result:
            raise _error(source, f"duplicate name {name!r} at line {line}; keep only one")
        if value == "":
            raise _error(source, f"value of {name!r} is empty; SSM cannot store empty values")
        result[name] = value
        line = end_line + 1
    if not result:
        raise _error(source, _NOTHING_TO_IMPORT)
    return result


def _line_end(text: str, pos: int) -> int:
    """Index of the newline ending the line at pos (len(text) on the last line)."""
    eol = text.find("\n", pos)
    return len(text) if eol < 0 else eol


def _dotenv_value(text: str, pos: int, name: str, line: int, source: str) -> tuple[str, int, int]:
    """Read the value at pos; return it, the position after its line and its last line."""
    start = pos
    while start < len(text) and text[start] in " \t":
        start += 1
    quote = text[start : start + 1]
    if quote not in ("'", '"'):
        eol = _line_end(text, pos)
        raw = text[pos:eol]
        comment = _INLINE_COMMENT_RE.search(raw)
        if comment is not None:
            raw = raw[: comment.start()]
        return raw.strip(" \t\r"), eol + 1, line
    if quote == "'":
        close = text.find("'", start + 1)
        if close < 0:
            raise _error(source, f"the single quote of {name!r} at line {line} is never closed")
        value = text[start + 1 : close]
    else:
        value, close = _read_double_quoted(text, start + 1, name, line, source)
    end_line = line + text.count("\n", start, close)
    eol = _line_end(text, close)
    if not _AFTER_QUOTE_RE.fullmatch(text, close + 1, eol):
        raise _error(
            source, f"unexpected text after the closing quote of {name!r} at line {end_line}"
        )
    return value, eol + 1, end_line


def _read_double_quoted(text: str, pos: int, name: str, line: int, source: str) -> tuple[str, int]:
    """Decode a double-quoted value from pos; return it and the index of the closing quote."""
    out = []
    while pos < len(text):
        ch = text[pos]
        if ch == '"':
            return "".join(out), pos
        if ch == "\\" and text[pos + 1 : pos + 2] in _DQ_UNESCAPES:
            out.append(_DQ_UNESCAPES[text[pos + 1]])
            pos += 2
            continue
        out.append(ch)
        pos += 1
    raise _error(source, f"the double quote of {name!r} at line {line} is never closed")
