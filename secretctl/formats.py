"""Export renderers and import parsers for secrets: pure functions from text to text.

Messages name keys, formats, lines and columns, never a value or a piece of the input.
PyYAML is imported only when YAML is used, so importing this module stays fast.
"""

from __future__ import annotations

import csv
import io
import json
import re
from typing import Any

from secretctl.environ import env_name, is_shell_name, secrets_to_env
from secretctl.errors import UsageError

EXPORT_FORMATS = ("json", "yaml", "dotenv", "java-properties", "csv", "tsv", "tfvars")
IMPORT_FORMATS = ("json", "yaml", "dotenv")
_FORMAT_ALIASES = {"properties": "java-properties"}  # chamber accepts both names

# ---------------------------------------------------------------------------------------
# Export


def render(fmt: str, secrets: dict[str, str]) -> str:
    """Render key -> value (keys as stored) in an export format."""
    name = _FORMAT_ALIASES.get(fmt.lower(), fmt.lower())
    renderer = _RENDERERS.get(name)
    if renderer is None:
        raise UsageError(f"unknown export format {fmt!r}; use one of: {', '.join(EXPORT_FORMATS)}")
    return renderer(secrets)


def render_json(secrets: dict[str, str]) -> str:
    """Compact JSON object, sorted keys, UTF-8 characters as they are."""
    return json.dumps(secrets, sort_keys=True, separators=(",", ":"), ensure_ascii=False) + "\n"


def render_yaml(secrets: dict[str, str]) -> str:
    """A YAML mapping, sorted keys, each value a string that loads back exactly."""
    import yaml

    return yaml.dump(
        secrets,
        Dumper=_yaml_dumper(),
        allow_unicode=True,
        sort_keys=True,
        default_flow_style=False,
        width=float("inf"),
    )


# Values with line breaks are double-quoted: one line each, and PyYAML folds \x85, \u2028
# and \u2029 inside plain and single-quoted scalars (double quotes escape them as \N, \L, \P).
_YAML_LINE_BREAKS = frozenset("\n\r\x85\u2028\u2029")
_yaml_dumper_class: Any = None


def _yaml_dumper() -> Any:
    """A SafeDumper that double-quotes strings PyYAML would otherwise not round-trip."""
    global _yaml_dumper_class
    if _yaml_dumper_class is None:
        import yaml

        class _ExportDumper(yaml.SafeDumper):
            pass

        def represent_str(dumper: yaml.SafeDumper, value: str) -> yaml.ScalarNode:
            style = '"' if _YAML_LINE_BREAKS.intersection(value) else None
            return dumper.represent_scalar("tag:yaml.org,2002:str", value, style=style)

        _ExportDumper.add_representer(str, represent_str)
        _yaml_dumper_class = _ExportDumper
    return _yaml_dumper_class


_DOTENV_ESCAPES = str.maketrans(
    {"\\": "\\\\", '"': '\\"', "$": "\\$", "`": "\\`", "\n": "\\n", "\r": "\\r", "\t": "\\t"}
)


def render_dotenv(secrets: dict[str, str]) -> str:
    """``NAME="value"`` lines, NAME as for exec, sorted by NAME, specials backslash-escaped."""
    env = secrets_to_env(secrets)
    key_of = {env_name(key): key for key in secrets}
    lines = []
    for name in sorted(env):
        if not is_shell_name(name):
            raise UsageError(
                f"key {key_of[name]!r} gives {name!r}, which is not a valid dotenv/shell "
                "variable name (letters, digits and '_', not starting with a digit); rename it"
            )
        lines.append(f'{name}="{env[name].translate(_DOTENV_ESCAPES)}"')
    return "".join(line + "\n" for line in lines)


_JAVA_ESCAPES = {"\\": "\\\\", "=": "\\=", ":": "\\:", "#": "\\#", "!": "\\!",
                 "\t": "\\t", "\n": "\\n", "\r": "\\r", "\f": "\\f"}  # fmt: skip


def _java_escape(text: str, *, is_key: bool) -> str:
    """Escape like java.util.Properties.store: ASCII out, \\uXXXX (UTF-16) for the rest."""
    out = []
    for i, ch in enumerate(text):
        if ch == " ":
            out.append("\\ " if is_key or i == 0 else " ")
        elif ch in _JAVA_ESCAPES:
            out.append(_JAVA_ESCAPES[ch])
        elif " " < ch <= "~":
            out.append(ch)
        else:
            units = ch.encode("utf-16-be")
            for j in range(0, len(units), 2):
                out.append(f"\\u{units[j]:02X}{units[j + 1]:02X}")
    return "".join(out)


def render_java_properties(secrets: dict[str, str]) -> str:
    """``key=value`` lines, sorted, escaped for java.util.Properties (ASCII only)."""
    return "".join(
        f"{_java_escape(k, is_key=True)}={_java_escape(secrets[k], is_key=False)}\n"
        for k in sorted(secrets)
    )


def _render_delimited(secrets: dict[str, str], delimiter: str) -> str:
    """``key<delimiter>value`` rows, sorted, quoted by the csv module."""
    buf = io.StringIO()
    minimal = csv.writer(buf, delimiter=delimiter, lineterminator="\n")
    # Python < 3.13 does not quote a lone '\r' when the line terminator is '\n'.
    quote_all = csv.writer(buf, delimiter=delimiter, lineterminator="\n", quoting=csv.QUOTE_ALL)
    for key in sorted(secrets):
        row = [key, secrets[key]]
        (quote_all if any("\r" in field for field in row) else minimal).writerow(row)
    return buf.getvalue()


def render_csv(secrets: dict[str, str]) -> str:
    """Comma-separated ``key,value`` rows."""
    return _render_delimited(secrets, ",")


def render_tsv(secrets: dict[str, str]) -> str:
    """Tab-separated ``key<TAB>value`` rows."""
    return _render_delimited(secrets, "\t")


_TFVAR_PREFIX = "tf_var_"
_HCL_IDENT_RE = re.compile(r"[A-Za-z_][A-Za-z0-9_-]*", re.ASCII)
_TO_UNDERSCORE_RE = re.compile(r"[-.\s]")
_HCL_ESCAPES = {"\\": "\\\\", '"': '\\"', "\n": "\\n", "\r": "\\r", "\t": "\\t"}


def tfvars_name(key: str) -> str:
    """The Terraform variable name of a key: no ``tf_var_`` prefix, '-', '.', space as '_'."""
    if key.startswith(_TFVAR_PREFIX):
        key = key[len(_TFVAR_PREFIX) :]
    return _TO_UNDERSCORE_RE.sub("_", key)


def _hcl_escape(text: str) -> str:
    """Escape a string for an HCL quoted template, as Terraform's hclwrite does."""
    out = []
    for i, ch in enumerate(text):
        if ch in _HCL_ESCAPES:
            out.append(_HCL_ESCAPES[ch])
        elif ch in "$%":
            # "${" and "%{" start template sequences; "$${" and "%%{" are their escapes.
            out.append(ch * 2 if text[i + 1 : i + 2] == "{" else ch)
        elif not ch.isprintable():
            out.append(f"\\u{ord(ch):04x}" if ord(ch) < 0x10000 else f"\\U{ord(ch):08x}")
        else:
            out.append(ch)
    return "".join(out)


def render_tfvars(secrets: dict[str, str]) -> str:
    """``name = "value"`` lines, sorted by name, valid HCL."""
    keys_of: dict[str, list[str]] = {}
    for key in secrets:
        keys_of.setdefault(tfvars_name(key), []).append(key)
    lines = []
    for name, keys in sorted(keys_of.items()):
        if len(keys) > 1:
            listed = ", ".join(repr(k) for k in sorted(keys))
            raise UsageError(
                f"keys {listed} map to the same tfvars name {name!r}; "
                "rename or delete all but one of them"
            )
        if not _HCL_IDENT_RE.fullmatch(name):
            raise UsageError(
                f"key {keys[0]!r} gives {name!r}, which is not a valid Terraform variable name "
                "(letters, digits, '_' and '-', not starting with a digit); rename it"
            )
        lines.append(f'{name} = "{_hcl_escape(secrets[keys[0]])}"\n')
    return "".join(lines)


_RENDERERS = {
    "json": render_json,
    "yaml": render_yaml,
    "dotenv": render_dotenv,
    "java-properties": render_java_properties,
    "csv": render_csv,
    "tsv": render_tsv,
    "tfvars": render_tfvars,
}

# ---------------------------------------------------------------------------------------
# Import

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
