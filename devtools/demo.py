"""The README's main job on an embedded default: start a local moto server, run real
secretctl commands against it (printing each one and its output), then stop the server."""

from __future__ import annotations

import shlex
import shutil
import subprocess
import sys
import textwrap

from devtools.moto_server import moto_server

PROD_WRITER = "arn:aws:iam::222222222222:role/secrets-platform/prod/writers-engineers-role"
STEPS: list[tuple[list[str], str | None]] = [
    (["write", "demo/api", "db_url", "postgres://api@db.internal/app"], None),
    (["write", "demo/api", "api-key", "-"], "s3cr3t-from-stdin"),
    (["write", "demo/api", "db_url", "postgres://api@db-2.internal/app"], None),
    (["write", "demo/shared", "log.level", "info"], None),
    (["list", "demo/api"], None),
    (["read", "demo/api", "db_url"], None),
    (["read", "-q", "demo/api", "db_url", "--version", "1"], None),
    (["history", "demo/api", "db_url"], None),
    (["list-services", "demo"], None),
    (["env", "demo/shared", "demo/api"], None),
    (["export", "demo/shared", "demo/api", "--format", "dotenv"], None),
    (["exec", "demo/shared", "demo/api", "--", "printenv", "DB_URL", "LOG_LEVEL"], None),
    (["import", "demo/worker", "-"], '{"queue_url": "https://sqs.internal/q", "threads": 8}'),
    (["find", "db_url"], None),
    (["rollback", "demo/api", "db_url", "--previous"], None),
    # another account (moto keeps accounts apart): its writer role, assumed for DST
    (["copy", "demo/api", "demo/api", "--to-role", PROD_WRITER, "--dry-run"], None),
    (["copy", "demo/api", "demo/api", "--to-role", PROD_WRITER], None),
    (["diff", "demo/api", "demo/api", "--to-role", PROD_WRITER], None),
]


def main() -> int:
    exe = shutil.which("secretctl")
    if exe is None:
        print("secretctl is not installed: run `make demo` (it installs it)", file=sys.stderr)
        return 1
    with moto_server() as server:
        env = server.client_env()
        print(f"# local AWS emulator (moto) at {server.url}; no AWS account is used\n")
        for args, stdin in STEPS:
            shown = "secretctl " + " ".join(shlex.quote(a) for a in args)
            if stdin is not None:
                shown = f"printf %s {shlex.quote(stdin)} | {shown}"
            print(f"$ {shown}")
            result = subprocess.run(
                [exe, *args], input=stdin, env=env, capture_output=True, text=True
            )
            output = (result.stdout + result.stderr).rstrip()
            if output:
                print(textwrap.indent(output, "  "))
            if result.returncode != 0:
                print(f"step failed with exit status {result.returncode}", file=sys.stderr)
                return result.returncode
            print()
    # The prod example: SSO permission sets as writers, a key administrator, a non-default
    # alias (what writers export as SECRETCTL_KMS_KEY) and a pending alert subscription.
    print("$ python -m access_report Pulumi.prod.yaml   # what `pulumi up` would grant, offline")
    report = subprocess.run(
        [sys.executable, "-m", "access_report", "Pulumi.prod.yaml"], capture_output=True, text=True
    )
    print(textwrap.indent((report.stdout + report.stderr).rstrip(), "  "))
    return report.returncode


if __name__ == "__main__":
    sys.exit(main())
