"""The access diff: what a stack config change does to who can read, write, administer and
assume; Markdown by default, JSON on request, "no change in access" when nothing changes."""

from __future__ import annotations

import json
import subprocess
from pathlib import Path
from typing import Any

import pytest

from access_report.diff import NO_CHANGE, AccessDiff, diff_configs, render_markdown
from access_report.model import Grant
from access_report.sources import load_source
from tests.access_report.conftest import StackFile, run_access_report

ROOT = Path(__file__).resolve().parents[2]
ACCOUNT = "111111111111"

BASE: dict[str, Any] = {
    "aws:region": "eu-west-1",
    "aws:allowedAccountIds": [ACCOUNT],
    "services": [
        {"name": "api"},
        {"name": "worker"},
        {"name": "nginx", "secretLabel": "edge"},
        {"name": "haproxy", "secretLabel": "edge"},
    ],
    "keyAdmins": [f"arn:aws:iam::{ACCOUNT}:role/key-admins"],
    "writers": [
        {"name": "break-glass", "ssoPermissionSets": ["BreakGlass"], "namespaces": ["*"]},
        {
            "name": "ci",
            "principals": [f"arn:aws:iam::{ACCOUNT}:role/ci"],
            "namespaces": ["api", "edge"],
        },
    ],
    "ecsHosts": {"clusterName": "dev", "instanceType": "t3.small"},
    "audit": {"retentionDays": 30, "deployerRoleArn": f"arn:aws:iam::{ACCOUNT}:role/deployer"},
}


def _changed(**changes: Any) -> dict[str, Any]:
    config = json.loads(json.dumps(BASE))
    config.update(changes)
    return config


def _cli(*args: str, cwd: Path = ROOT) -> subprocess.CompletedProcess[str]:
    return run_access_report(args, cwd=cwd)


def _diff(stack_file: StackFile, tmp_path: Path, new: dict[str, Any]) -> AccessDiff:
    """The diff from BASE to ``new`` (two files of the same stack in two directories)."""
    paths = []
    for side, config in (("old", BASE), ("new", new)):
        (tmp_path / side).mkdir()
        paths.append(str(stack_file(config, directory=tmp_path / side)))
    return diff_configs(load_source(paths[0]), load_source(paths[1]))


def test_the_same_config_is_no_change_in_access(stack_file: StackFile, tmp_path: Path) -> None:
    diff = _diff(stack_file, tmp_path, BASE)
    assert not diff.changed and not diff.added and not diff.removed
    assert NO_CHANGE in render_markdown(diff)
    assert "```mermaid" not in render_markdown(diff)
    path = str(stack_file(BASE))
    done = _cli("--diff", path, path)
    assert done.returncode == 0, done.stderr
    assert "**no change in access.**" in done.stdout
    as_json = json.loads(_cli("--diff", path, path, "--json").stdout)
    assert as_json["changed"] is False and as_json["summary"] == NO_CHANGE


def test_services_labels_and_who_now_shares_a_label(stack_file: StackFile, tmp_path: Path) -> None:
    services = [
        {"name": "api", "secretLabel": "api-v2"},
        {"name": "nginx", "secretLabel": "edge"},
        {"name": "haproxy", "secretLabel": "edge"},
        {"name": "varnish", "secretLabel": "edge"},
        {"name": "billing", "secretLabel": "team/billing"},
    ]
    diff = _diff(stack_file, tmp_path, _changed(services=services))
    assert diff.services == {
        "added": [
            {"name": "billing", "label": "team/billing"},
            {"name": "varnish", "label": "edge"},
        ],
        "removed": [{"name": "worker", "label": "worker"}],
        "relabelled": [{"name": "api", "old": "api", "new": "api-v2"}],
    }
    assert diff.shared_labels == [
        {
            "label": "edge",
            "readers": ["haproxy", "nginx", "varnish"],
            "before": ["haproxy", "nginx"],
        }
    ]
    assert Grant("service:varnish", "read", "/edge/*") in diff.added
    assert Grant("service:api", "read", "/api-v2/*") in diff.added
    assert Grant("service:api", "read", "/api/*") in diff.removed
    assert Grant("service:worker", "read", "/worker/*") in diff.removed
    markdown = render_markdown(diff)
    assert "- added `varnish`, reading `/edge/*`" in markdown
    assert "- removed `worker` (read `/worker/*`)" in markdown
    assert "- `api` now reads `/api-v2/*` instead of `/api/*`" in markdown
    assert (
        "- `/edge/*` is now read by `haproxy`, `nginx`, `varnish` (before: `haproxy`, `nginx`)"
        in markdown
    )
    assert "| + | `service:varnish` | read | `/edge/*` |  |" in markdown


def test_writers_principals_permission_sets_and_namespaces(
    stack_file: StackFile, tmp_path: Path
) -> None:
    writers = [
        {
            "name": "break-glass",
            "ssoPermissionSets": ["BreakGlass", "Incident"],
            "principals": [f"arn:aws:iam::{ACCOUNT}:root"],
            "namespaces": ["*"],
        },
        {
            "name": "ci",
            "principals": [f"arn:aws:iam::{ACCOUNT}:role/ci2"],
            "namespaces": ["api", "worker"],
        },
        {"name": "billing", "ssoPermissionSets": ["Billing"], "namespaces": ["worker"]},
    ]
    diff = _diff(stack_file, tmp_path, _changed(writers=writers))
    assert diff.writers["added"] == [
        {"name": "billing", "assumed_by": ["sso:Billing"], "namespaces": ["worker"]}
    ]
    assert diff.writers["removed"] == []
    by_name = {w["name"]: w for w in diff.writers["changed"]}
    assert by_name["ci"]["principals"] == {
        "added": [f"arn:aws:iam::{ACCOUNT}:role/ci2"],
        "removed": [f"arn:aws:iam::{ACCOUNT}:role/ci"],
    }
    assert by_name["ci"]["namespaces"] == {"added": ["worker"], "removed": ["edge"]}
    assert by_name["break-glass"]["sso_permission_sets"] == {"added": ["Incident"], "removed": []}
    # break-glass: who can assume a writer of every secret
    assert diff.break_glass == {
        "added": [
            f"arn:aws:iam::{ACCOUNT}:root (writer break-glass)",
            "sso:Incident (writer break-glass)",
        ],
        "removed": [],
    }
    assert diff.must_exist == {
        "added": [f"arn:aws:iam::{ACCOUNT}:role/ci2"],
        "removed": [f"arn:aws:iam::{ACCOUNT}:role/ci"],
    }
    assert Grant("writer:ci", "write", "/worker/*") in diff.added
    assert Grant("writer:ci", "write", "/edge/*") in diff.removed
    markdown = render_markdown(diff)
    assert "### Break-glass (who can assume a writer of every secret)" in markdown
    assert "- gains: `sso:Incident (writer break-glass)`" in markdown
    assert "- `ci`: principals + `arn:aws:iam::111111111111:role/ci2`" in markdown
    assert "namespaces + `/worker/*`; namespaces - `/edge/*`" in markdown


def test_key_hosts_and_audit(stack_file: StackFile, tmp_path: Path) -> None:
    new = _changed(
        keyAdmins=[],
        kmsKeyAlias="dev/parameter_store_key",
        ecsHosts={"clusterName": "dev2", "instanceType": "t3.small"},
        audit={"retentionDays": 30, "enabled": False},
    )
    diff = _diff(stack_file, tmp_path, new)
    assert diff.key_admins == {"added": [], "removed": [f"arn:aws:iam::{ACCOUNT}:role/key-admins"]}
    assert diff.key_alias == {
        "old": "alias/parameter_store_key",
        "new": "alias/dev/parameter_store_key",
    }
    assert diff.hosts == {"old": "dev", "new": "dev2"}
    assert diff.audit == [
        "the audit trail is turned OFF: secret reads are no longer recorded",
        "who may change the audit bucket's policy, versioning and object lock: "
        f"arn:aws:iam::{ACCOUNT}:role/deployer -> the root user only",
    ]
    markdown = render_markdown(diff)
    assert "`SECRETCTL_KMS_KEY=alias/dev/parameter_store_key`" in markdown
    assert "- cluster `dev` -> `dev2`" in markdown


def test_hosts_added_or_removed_read_as_none(stack_file: StackFile, tmp_path: Path) -> None:
    """A stack that gains or loses ECS hosts: the Markdown says (none), never Python's None."""
    without_hosts = {k: v for k, v in BASE.items() if k != "ecsHosts"}
    (tmp_path / "a").mkdir()
    (tmp_path / "b").mkdir()
    old = load_source(str(stack_file(without_hosts, directory=tmp_path / "a")))
    new = load_source(str(stack_file(BASE, directory=tmp_path / "b")))
    added, removed = (
        render_markdown(diff_configs(old, new)),
        render_markdown(diff_configs(new, old)),
    )
    assert "- cluster (none) -> `dev`" in added
    assert "- cluster `dev` -> (none)" in removed
    assert "None" not in added + removed


def test_two_files_of_one_name_are_told_apart(stack_file: StackFile, tmp_path: Path) -> None:
    """`--diff Pulumi.prod.yaml /tmp/Pulumi.prod.yaml` (the docs' example): the heading names
    each file as given, not twice the same name."""
    (tmp_path / "old").mkdir()
    (tmp_path / "new").mkdir()
    stack_file(BASE, directory=tmp_path / "old")
    stack_file(_changed(keyAdmins=[]), directory=tmp_path / "new")
    done = _cli("--diff", "old/Pulumi.dev.yaml", "new/Pulumi.dev.yaml", cwd=tmp_path)
    assert done.returncode == 0, done.stderr
    heading = done.stdout.splitlines()[0]
    assert heading == "## Access changes: old/Pulumi.dev.yaml -> new/Pulumi.dev.yaml"
    as_json = json.loads(
        _cli("--diff", "old/Pulumi.dev.yaml", "new/Pulumi.dev.yaml", "--json", cwd=tmp_path).stdout
    )
    assert (as_json["old"], as_json["new"]) == ("old/Pulumi.dev.yaml", "new/Pulumi.dev.yaml")


def test_audit_readers_gained_and_lost(stack_file: StackFile, tmp_path: Path) -> None:
    """Who may assume the audit-reader role (and read every log of the trail) is summed up
    like break-glass, not left to the table of grants."""
    audit = dict(BASE["audit"], readerSsoPermissionSets=["SecurityAudit"])
    diff = _diff(stack_file, tmp_path, _changed(audit=audit))
    assert diff.audit_readers == {"added": ["sso:SecurityAudit"], "removed": []}
    markdown = render_markdown(diff)
    assert "### Audit readers (assume the audit-reader role: read the trail's logs)" in markdown
    assert "- gains: `sso:SecurityAudit`" in markdown


def test_git_ref_is_the_same_file_as_of_a_revision(stack_file: StackFile, tmp_path: Path) -> None:
    repo = tmp_path / "repo"
    repo.mkdir()
    git = ["git", "-c", "user.name=t", "-c", "user.email=t@example.com"]
    subprocess.run([*git, "init", "-q", "-b", "main"], cwd=repo, check=True)
    path = stack_file(BASE, directory=repo)
    subprocess.run([*git, "add", path.name], cwd=repo, check=True)
    subprocess.run([*git, "commit", "-qm", "base"], cwd=repo, check=True)
    stack_file(_changed(keyAdmins=[]), directory=repo)

    done = _cli("--diff", "git:main", path.name, cwd=repo)
    assert done.returncode == 0, done.stderr
    assert done.stdout.startswith("## Access changes: Pulumi.dev.yaml at main -> Pulumi.dev.yaml")
    assert "- removed `arn:aws:iam::111111111111:role/key-admins`" in done.stdout
    # the explicit form, and the JSON
    done = _cli("--diff", f"git:main:{path.name}", path.name, "--json", cwd=repo)
    as_json = json.loads(done.stdout)
    assert as_json["key_admins"]["removed"] == ["arn:aws:iam::111111111111:role/key-admins"]
    # a stack that did not exist at the revision: everything is new
    new_stack = stack_file(BASE, stack="staging", directory=repo)
    done = _cli("--diff", "git:main", new_stack.name, cwd=repo)
    assert done.returncode == 0, done.stderr
    assert "Pulumi.staging.yaml at main did not exist: everything below is new." in done.stdout
    assert "- added `api`, reading `/api/*`" in done.stdout
    # an unknown revision: one line, exit 2
    done = _cli("--diff", "git:no-such-branch", path.name, cwd=repo)
    assert done.returncode == 2 and done.stdout == ""
    assert done.stderr.count("\n") == 1 and "git:no-such-branch: not a git revision" in done.stderr


def test_a_git_path_that_exists_nowhere_is_an_error(stack_file: StackFile, tmp_path: Path) -> None:
    """git:REF:PATH is relative to the current directory: from a subdirectory, a path meant
    from the repository's root names no file at REF and none on disk. That is a mistake to
    name, not a new stack whose every grant is added; the root-relative path and `git:REF`
    next to the file both work from there."""
    repo = tmp_path / "repo"
    (repo / "docs").mkdir(parents=True)
    git = ["git", "-c", "user.name=t", "-c", "user.email=t@example.com"]
    subprocess.run([*git, "init", "-q", "-b", "main"], cwd=repo, check=True)
    path = stack_file(BASE, directory=repo)
    subprocess.run([*git, "add", path.name], cwd=repo, check=True)
    subprocess.run([*git, "commit", "-qm", "base"], cwd=repo, check=True)
    here = repo / "docs"
    done = _cli("--diff", "git:main:Pulumi.dev.yaml", "../Pulumi.dev.yaml", cwd=here)
    assert done.returncode == 2 and done.stdout == "", done.stdout
    assert done.stderr.count("\n") == 1, done.stderr
    assert "git:main:Pulumi.dev.yaml" in done.stderr and "current directory" in done.stderr
    for old in ("git:main:../Pulumi.dev.yaml", "git:main"):
        done = _cli("--diff", old, "../Pulumi.dev.yaml", cwd=here)
        assert done.returncode == 0, done.stderr
        assert NO_CHANGE in done.stdout


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["--diff", "missing/Pulumi.a.yaml", "Pulumi.dev.yaml"], "No such file or directory"),
        (["--diff", "git:main", "git:main"], "name a revision and a file"),
        (["--diff", "Pulumi.dev.yaml", "README.md"], "is not a stack config file"),
        # options that do not apply are refused, not silently ignored
        (["--diff", "Pulumi.dev.yaml", "Pulumi.prod.yaml", "--account", "1"], "--account is for"),
        (["--preflight", "Pulumi.dev.yaml", "--account", "1"], "--account is for"),
        (["--format", "mermaid", "Pulumi.dev.yaml", "--account", "1"], "--account is for"),
        (["--diff", "Pulumi.dev.yaml", "Pulumi.prod.yaml", "--region", "x"], "--region is for"),
    ],
)
def test_bad_sources_are_one_line_errors(args: list[str], message: str) -> None:
    done = _cli(*args)
    assert done.returncode == 2 and done.stdout == ""
    assert done.stderr.count("\n") == 1 and message in done.stderr, done.stderr


def test_an_invalid_config_names_the_key(stack_file: StackFile) -> None:
    bad = stack_file(_changed(services=[{"name": "api", "secretLabel": "/api"}]), stack="bad")
    done = _cli("--diff", str(stack_file(BASE)), str(bad))
    assert done.returncode == 2
    assert "secrets-platform:services[0].secretLabel: secret label '/api'" in done.stderr


def test_git_ref_outside_a_repository_says_so(stack_file: StackFile, tmp_path: Path) -> None:
    """A stack file in no git repository: git:REF cannot work, whatever REF is."""
    path = stack_file(BASE)
    done = _cli("--diff", "git:main", path.name, cwd=path.parent)
    assert done.returncode == 2 and done.stdout == ""
    assert done.stderr.count("\n") == 1
    assert "not in a git repository" in done.stderr, done.stderr


def test_an_invalid_side_is_named(stack_file: StackFile, tmp_path: Path) -> None:
    """Either side may break a rule (an old revision written before a rule existed): the one
    line says which config it is, then the key."""
    bad = _changed(services=[{"name": "api", "secretLabel": "/api"}])
    (tmp_path / "old").mkdir()
    (tmp_path / "new").mkdir()
    stack_file(bad, directory=tmp_path / "old")
    stack_file(BASE, directory=tmp_path / "new")
    done = _cli("--diff", "old/Pulumi.dev.yaml", "new/Pulumi.dev.yaml", cwd=tmp_path)
    assert done.returncode == 2 and done.stdout == ""
    assert done.stderr.count("\n") == 1
    assert done.stderr.startswith(
        "access_report: old/Pulumi.dev.yaml: secrets-platform:services[0].secretLabel: "
    ), done.stderr


def test_example_stacks_diff_to_a_full_picture() -> None:
    """dev -> prod: the two examples differ in every section (a smoke test of the renderer
    on real configs)."""
    diff = diff_configs(
        load_source(str(ROOT / "Pulumi.dev.yaml")), load_source(str(ROOT / "Pulumi.prod.yaml"))
    )
    markdown = render_markdown(diff)
    for section in (
        "### Services",
        "### Writers",
        "### Key administrators",
        "### Key",
        "### Every grant that changed",
        "```mermaid",
    ):
        assert section in markdown
