"""Export renderers: secrets (key -> value, keys as stored) to the text of an export format.

Pure functions. Messages name keys and formats, never a value. PyYAML is imported only when
YAML is rendered, so importing this module stays fast.
"""

from __future__ import annotations

import csv
import io
import json
import re
from typing import Any

from secretctl.environ import env_name, secrets_to_env, shell_export_lines
from secretctl.errors import UsageError

EXPORT_FORMATS = ("json", "yaml", "dotenv", "java-properties", "csv", "tsv", "tfvars")
_FORMAT_ALIASES = {"properties": "java-properties"}  # chamber accepts both names


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


def render_dotenv(secrets: dict[str, str]) -> str:
    """``NAME="value"`` lines, NAME as for exec, sorted by NAME, specials backslash-escaped."""
    key_of = {env_name(key): key for key in secrets}
    lines = shell_export_lines(secrets_to_env(secrets), escaped=True, key_of=key_of)
    return "".join(line.removeprefix("export ") + "\n" for line in lines)


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
_HCL_ESCAPES = {"\\": "\\\\", '"': '\\"', "\n": "\\n", "\r": "\\r", "\t": "\\t"}


def tfvars_name(key: str) -> str:
    """The Terraform variable name of a key: no ``tf_var_`` prefix, '-', '.', space as '_'."""
    if key.startswith(_TFVAR_PREFIX):
        key = key[len(_TFVAR_PREFIX) :]
    return env_name(key, keep_case=True)


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
