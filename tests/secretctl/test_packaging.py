"""secretctl installs alone: its wheel holds only the secretctl package and depends on boto3, a
CLI library and PyYAML, never Pulumi; and it runs where Pulumi cannot be imported."""

from __future__ import annotations

import subprocess
import sys
import zipfile
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]


def build_wheel(directory: Path) -> Path:
    """The wheel ``pip install .`` would install, built into ``directory``."""
    subprocess.run(
        [sys.executable, "-m", "pip", "wheel", "--no-deps", "--no-build-isolation", "-q"]
        + ["-w", str(directory), str(ROOT)],
        check=True,
        capture_output=True,
    )
    (wheel,) = directory.glob("secretctl-*.whl")
    return wheel


def test_wheel_contents_and_dependencies(tmp_path: Path) -> None:
    wheel = build_wheel(tmp_path)
    with zipfile.ZipFile(wheel) as archive:
        names = archive.namelist()
        metadata_name = next(n for n in names if n.endswith(".dist-info/METADATA"))
        metadata = archive.read(metadata_name).decode()
        entry_points = archive.read(metadata_name.replace("METADATA", "entry_points.txt")).decode()
    packages = {n.split("/")[0] for n in names if not n.split("/")[0].endswith(".dist-info")}
    assert packages == {"secretctl"}
    requires = sorted(
        line.split(":", 1)[1].strip().split(";")[0].split(">")[0].split("=")[0].strip().lower()
        for line in metadata.splitlines()
        if line.startswith("Requires-Dist:") and "extra ==" not in line
    )
    assert requires == ["boto3", "click", "pyyaml"]
    assert "secretctl = secretctl.main:main" in entry_points


def test_runs_without_pulumi() -> None:
    program = (
        "import sys; sys.modules['pulumi'] = None; sys.modules['pulumi_aws'] = None\n"
        "from secretctl.cli import main\n"
        "sys.argv = ['secretctl', 'exec', '--help']\n"
        "main()\n"
    )
    result = subprocess.run([sys.executable, "-c", program], capture_output=True, text=True)
    assert result.returncode == 0, result.stderr
    assert "Usage: secretctl exec" in result.stdout


def test_audit_extra_is_optional_and_declared(tmp_path: Path) -> None:
    """The audit's local engine needs msgspec and isal: declared as the ``audit`` extra, never
    in the base install."""
    wheel = build_wheel(tmp_path)
    with zipfile.ZipFile(wheel) as archive:
        name = next(n for n in archive.namelist() if n.endswith(".dist-info/METADATA"))
        metadata = archive.read(name).decode()
    audit = sorted(
        line.split(":", 1)[1].split(";")[0].split(">")[0].strip().lower()
        for line in metadata.splitlines()
        if line.startswith("Requires-Dist:") and 'extra == "audit"' in line
    )
    assert audit == ["isal", "msgspec"]
    assert "Provides-Extra: audit" in metadata


def test_missing_audit_extra_is_one_line_naming_the_install(tmp_path: Path) -> None:
    program = (
        "import sys; sys.modules['msgspec'] = None\n"
        "from secretctl.cli import main\n"
        f"sys.argv = ['secretctl', 'audit', 'writes', 'api', '--source', {str(tmp_path)!r}]\n"
        "main()\n"
    )
    result = subprocess.run([sys.executable, "-c", program], capture_output=True, text=True)
    assert result.returncode == 1
    assert result.stderr.strip().splitlines() == [
        "secretctl: error: secretctl audit needs the optional package 'msgspec': "
        "pip install 'secretctl[audit]'"
    ]


def test_audit_stays_off_the_cli_import_path() -> None:
    """The audit loads only when an audit command runs (never for exec, nor for --help)."""
    program = (
        "import sys\n"
        "import secretctl.cli\n"
        "loaded = [m for m in sys.modules if m.startswith('secretctl.audit') or m in "
        "('msgspec', 'isal', 'duckdb', 'sqlglot')]\n"
        "print(loaded)\n"
    )
    result = subprocess.run([sys.executable, "-c", program], capture_output=True, text=True)
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip() == "[]"
