"""Run one fault case: arrange a service in moto, run the command through a FaultInjector,
record what was stored, then run the same command again against the healthy endpoint."""

from __future__ import annotations

import json
import re
import subprocess
import time
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from devtools.moto_server import MotoServer
from devtools.proxy import fault_injector
from tests.faults.cases import FaultRow, Target
from tests.secretctl.conftest import secretctl_path

SEEDED = {f"k{i:02d}": f"old-{i}" for i in range(25)}  # three pages of GetParametersByPath
IMPORTED = {
    **{f"k{i:02d}": f"old-{i}" for i in range(5)},  # unchanged
    **{f"k{i:02d}": f"new-{i}" for i in range(5, 25)},  # changed
    **{f"n{i:02d}": f"new-n{i}" for i in range(20)},  # new
}
TO_IMPORT = {k: v for k, v in IMPORTED.items() if SEEDED.get(k) != v}  # 40 writes
WRITE_KEY, WRITE_VALUE = "k03", "new-3"
EXEC_KEY = "K07"
EXPORT_BEFORE = "previous\n"


@dataclass(frozen=True)
class Run:
    returncode: int
    stdout: str
    stderr: str
    seconds: float


@dataclass
class Stored:
    """A service as stored: values, and each key's history of chamber counters."""

    values: dict[str, str]
    versions: dict[str, list[str]]


@dataclass
class CaseResult:
    row: FaultRow
    target: Target
    backend: str
    first: Run
    after_fault: Stored
    second: Run
    after_rerun: Stored
    injected: Counter[tuple[str, str]] = field(default_factory=Counter)
    puts_answered: int = 0  # PutParameter answered in full (200) during the faulted run
    puts_applied_unanswered: int = 0  # faulted PutParameter that the server applied anyway
    deletes_answered: int = 0  # DeleteParameters (batches) answered in full (200)
    deletes_applied_unanswered: int = 0  # faulted batches that the server applied anyway
    export_after_fault: str | None = None
    export_after_rerun: str | None = None

    @property
    def id(self) -> str:
        return f"{self.target.name} / {self.row.name} / {self.backend}"


def account_credentials(moto: MotoServer, account: str) -> dict[str, str]:
    """Credentials that act in ``account`` (moto: a role assumed there), as environment
    variables. Each case runs in its own account: moto's SSM listings iterate the account's
    parameters and fail (HTTP 500) when another case adds or deletes some at the same time."""
    import boto3

    sts = boto3.client(
        "sts",
        endpoint_url=moto.url,
        region_name="us-east-1",
        aws_access_key_id="testing",
        aws_secret_access_key="testing",
    )
    role = f"arn:aws:iam::{account}:role/fault-case"
    out = sts.assume_role(RoleArn=role, RoleSessionName="fault-case")["Credentials"]
    return {
        "AWS_ACCESS_KEY_ID": out["AccessKeyId"],
        "AWS_SECRET_ACCESS_KEY": out["SecretAccessKey"],
        "AWS_SESSION_TOKEN": out["SessionToken"],
    }


def ssm_client(moto: MotoServer, credentials: dict[str, str]) -> Any:
    import boto3

    return boto3.client(
        "ssm",
        endpoint_url=moto.url,
        region_name="us-east-1",
        aws_access_key_id=credentials["AWS_ACCESS_KEY_ID"],
        aws_secret_access_key=credentials["AWS_SECRET_ACCESS_KEY"],
        aws_session_token=credentials["AWS_SESSION_TOKEN"],
    )


def seed(ssm: Any, service: str, values: dict[str, str] = SEEDED) -> None:
    for key, value in values.items():
        ssm.put_parameter(
            Name=f"/{service}/{key}", Value=value, Type="SecureString", Description="1"
        )


def copy_source(service: str) -> str:
    """The service copy copies from: IMPORTED, so that copy writes what import writes."""
    return f"{service}-src"


def stored(ssm: Any, service: str) -> Stored:
    """Looked up by name: moto's listings (DescribeParameters, GetParametersByPath) iterate
    every parameter and can fail while other cases write at the same time."""
    keys = sorted(set(SEEDED) | set(IMPORTED))
    values = {}
    for start in range(0, len(keys), 10):
        names = [f"/{service}/{key}" for key in keys[start : start + 10]]
        found = ssm.get_parameters(Names=names, WithDecryption=True)["Parameters"]
        values.update({p["Name"].rsplit("/", 1)[1]: p["Value"] for p in found})
    versions = {
        key: [
            h.get("Description", "")
            for h in ssm.get_parameter_history(Name=f"/{service}/{key}")["Parameters"]
        ]
        for key in values
    }
    return Stored(values, versions)


def argv(target: Target, service: str, workdir: Path) -> list[str]:
    if target.name == "exec":
        return ["exec", service, "--", "printenv", EXEC_KEY]
    if target.name == "export":
        return ["export", service, "-o", str(workdir / "out.json")]
    if target.name == "write":
        return ["write", service, WRITE_KEY, WRITE_VALUE, "--skip-unchanged"]
    if target.name == "import":
        source = workdir / "import.json"
        source.write_text(json.dumps(IMPORTED))
        return ["import", service, str(source)]
    if target.name == "copy":
        return ["copy", copy_source(service), service]
    if target.name == "delete --all":
        return ["delete", service, "--all", "--yes"]
    raise AssertionError(f"no arrangement for {target.name}")


def run(args: list[str], env: dict[str, str]) -> Run:
    start = time.monotonic()
    done = subprocess.run(
        [secretctl_path(), *args], env=env, capture_output=True, text=True, timeout=300
    )
    return Run(done.returncode, done.stdout, done.stderr, time.monotonic() - start)


def run_case(
    moto: MotoServer,
    account: str,
    row: FaultRow,
    target: Target,
    backend: str,
    workdir: Path,
    service: str,
) -> CaseResult:
    """One case, in its own ``account`` (arranged and inspected with a boto3 client)."""
    credentials = account_credentials(moto, account)
    ssm = ssm_client(moto, credentials)
    seed(ssm, service)
    if target.name == "copy":
        seed(ssm, copy_source(service), IMPORTED)
    export_file = workdir / "out.json"
    export_file.write_text(EXPORT_BEFORE)
    args = argv(target, service, workdir)
    env = dict(moto.client_env(), **credentials)
    if backend == "boto3":
        env["SECRETCTL_LEAN"] = "0"
    with fault_injector(moto.url, row.faults(target)) as injector:
        faulted_env = dict(env, AWS_ENDPOINT_URL=injector.url)
        if row.read_timeout:
            faulted_env["SECRETCTL_READ_TIMEOUT"] = str(row.read_timeout)
        first = run(args, faulted_env)
        injected = Counter(injector.injected)
        puts_answered = injector.completed[("PutParameter", 200)]
        applied = injector.forwarded_faults("PutParameter")
        deletes_answered = injector.completed[("DeleteParameters", 200)]
        deletes_applied = injector.forwarded_faults("DeleteParameters")
    after_fault = stored(ssm, service)
    export_after_fault = export_file.read_text()
    second = run(args, env)
    return CaseResult(
        row=row,
        target=target,
        backend=backend,
        first=first,
        after_fault=after_fault,
        second=second,
        after_rerun=stored(ssm, service),
        injected=injected,
        puts_answered=puts_answered,
        puts_applied_unanswered=applied,
        deletes_answered=deletes_answered,
        deletes_applied_unanswered=deletes_applied,
        export_after_fault=export_after_fault,
        export_after_rerun=export_file.read_text(),
    )


_COUNTS = re.compile(
    r"(?:import|copy) incomplete: (?P<written>\d+) written(?: \(\d+ added, \d+ changed\))?, "
    r"(?P<unchanged>\d+) unchanged, "
    r"(?P<unknown>\d+) unknown \(sent, no answer: may be stored\), (?P<failed>\d+) failed"
    r"(?:, (?P<not_attempted>\d+) not attempted)?"
)


def import_counts(stderr: str) -> dict[str, int] | None:
    """The counts an incomplete import or copy reported, or None when it stopped before
    writing."""
    found = _COUNTS.search(stderr)
    if found is None:
        return None
    return {k: int(v or 0) for k, v in found.groupdict().items()}


_DELETES = re.compile(
    r"delete --all incomplete: (?P<deleted>\d+) deleted, (?P<remain>\d+) remain"
    r"(?:: (?P<keys>[^;]+))?(?:; (?P<unknown>\d+) may or may not be deleted "
    r"\(sent, no answer\): (?P<unknown_keys>[^;]+))?"
)


def delete_report(stderr: str) -> tuple[int, list[str], list[str]] | None:
    """What an incomplete delete --all reported: deleted, the keys that remain, the keys that
    may or may not be deleted; None when it stopped before deleting."""
    found = _DELETES.search(stderr)
    if found is None:
        return None

    def keys(text: str | None) -> list[str]:
        return text.split(", ") if text else []

    return int(found["deleted"]), keys(found["keys"]), keys(found["unknown_keys"])


def outcome(result: CaseResult) -> str:
    """One cell of the printed table: how the faulted run ended."""
    first = result.first
    if first.returncode == 0:
        return "success"
    deletes = delete_report(first.stderr)
    if deletes is not None:
        deleted, remain, unknown = deletes
        return f"error: {deleted} deleted, {len(remain)} remain, {len(unknown)} unknown"
    counts = import_counts(first.stderr)
    if counts is not None:
        return (
            f"error: {counts['written']} written, {counts['unknown']} unknown, "
            f"{counts['failed']} failed, {counts['not_attempted']} not attempted"
        )
    if "may or may not have been applied" in first.stderr:
        return "error: outcome unknown"
    return "error"
