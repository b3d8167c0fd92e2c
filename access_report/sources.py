"""Where a stack config comes from: a ``Pulumi.<stack>.yaml`` file, or the same file as of a
git revision (``git:REF`` or ``git:REF:PATH``), validated into a ``PlatformConfig``.

A file that did not exist at the revision, but does in the working tree, is a stack that did
not exist then: its config is ``None`` (no access at all), so a diff shows everything the new
stack grants. A file that exists in neither is a mistake in the path (paths are relative to
the current directory, as for ``git show REF:./PATH``).
"""

from __future__ import annotations

import subprocess
from dataclasses import dataclass
from pathlib import Path

import yaml

from access_report.harness import stack_account_and_region, stack_config_from_yaml, stack_name_of
from components.config import PlatformConfig, decode_config, parse_config
from policies.context import AwsContext

GIT_PREFIX = "git:"


class SourceError(ValueError):
    """A stack config source that cannot be read: one line naming it and the fix."""


@dataclass(frozen=True)
class StackSource:
    #: How the source is named in output: the path as given (``Pulumi.dev.yaml``,
    #: ``/tmp/Pulumi.dev.yaml``) or ``Pulumi.dev.yaml at main``.
    label: str
    stack: str
    #: None: the file did not exist at that git revision.
    config: PlatformConfig | None


def validated(raw: dict[str, str], stack: str) -> PlatformConfig:
    """A stack config as Pulumi hands it to the program, validated as the program would
    (sizes included, for the stack's own account and region)."""
    account, region = stack_account_and_region(raw)
    return parse_config(decode_config(raw), stack, AwsContext(account=account, region=region))


def _git(args: list[str], cwd: Path) -> subprocess.CompletedProcess[str]:
    try:
        return subprocess.run(["git", *args], cwd=cwd, capture_output=True, text=True, check=False)
    except FileNotFoundError:
        raise SourceError("git is not installed (needed for a git:REF source)") from None


def _git_text(ref: str, path: Path) -> str | None:
    """``path`` (relative to the current directory) as of ``ref``; None if it did not exist."""
    directory = path.parent if str(path.parent) else Path(".")
    if not directory.is_dir():
        raise SourceError(f"{directory}: no such directory (for git:{ref})")
    if _git(["rev-parse", "--git-dir"], directory).returncode != 0:
        raise SourceError(
            f"git:{ref}: {directory.resolve()} is not in a git repository (give OLD as a file)"
        )
    verify = _git(["rev-parse", "--verify", "--quiet", f"{ref}^{{commit}}"], directory)
    if verify.returncode != 0:
        raise SourceError(
            f"git:{ref}: not a git revision of the repository at {directory.resolve()} "
            "(give a branch, tag or commit, e.g. git:main)"
        )
    shown = _git(["show", f"{ref}:./{path.name}"], directory)
    if shown.returncode != 0:
        if "does not exist" in shown.stderr or "exists on disk, but not in" in shown.stderr:
            return None
        raise SourceError(f"git:{ref}:{path}: {shown.stderr.strip().splitlines()[-1]}")
    return shown.stdout


def load_source(spec: str, default_path: str | None = None) -> StackSource:
    """Read and validate the stack config ``spec``: a file path, ``git:REF:PATH``, or
    ``git:REF`` (then ``default_path``, the other side's file, as of REF)."""
    if spec.startswith(GIT_PREFIX):
        ref, _, path_text = spec[len(GIT_PREFIX) :].partition(":")
        path_text = path_text or (default_path or "")
        if not ref or not path_text or path_text.startswith(GIT_PREFIX):
            raise SourceError(
                f"{spec}: name a revision and a file: git:REF:Pulumi.<stack>.yaml, or git:REF "
                "next to a stack file (the same file as of REF)"
            )
        path = Path(path_text)
        stack = stack_name_of(path)
        label = f"{path_text} at {ref}"
        text = _git_text(ref, path)
        if text is None:
            if not path.is_file():
                raise SourceError(
                    f"{spec}: {path} exists neither at {ref} nor here (a path is relative to "
                    f"the current directory, {Path.cwd()})"
                )
            return StackSource(label=label, stack=stack, config=None)
    else:
        path = Path(spec)
        stack = stack_name_of(path)
        label = spec
        try:
            text = path.read_text()
        except OSError as error:
            raise SourceError(f"{spec}: {error.strerror or error}") from None
    try:
        raw = stack_config_from_yaml(text, label)
    except yaml.YAMLError as error:
        raise SourceError(f"{label}: not valid YAML ({error})") from None
    try:
        config = validated(raw, stack)
    except ValueError as error:  # a broken rule: say which config (a diff reads two)
        raise SourceError(f"{label}: {error}") from None
    return StackSource(label=label, stack=stack, config=config)
