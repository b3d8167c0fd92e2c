"""One measured run of a Pulumi program under mocks, in its own process (so its peak RSS is
its own). Writes a JSON summary to OUT.

    python -m bench.program_child real N OUT    the platform program, N generated services
    python -m bench.program_child bare R OUT    a bare program: R plain CustomResources

Both run under ``access_report.harness`` (the same mocks). The timed part is the program
itself; the imports (pulumi, and for the real program the pulumi_aws modules it uses) and one
small warm-up run of each (pulumi_aws loads a resource class's module on first use) come
before the clock starts and are reported apart.
"""

from __future__ import annotations

import json
import sys
import time
from pathlib import Path

AWS_MODULES = ("iam", "kms", "s3", "cloudtrail", "cloudwatch", "sns", "ec2")


def real(services: int) -> dict[str, object]:
    started = time.perf_counter()
    from access_report.harness import PROGRAM_DIR, load_stack_config, run_program

    sys.path.insert(0, str(PROGRAM_DIR))
    import pulumi_aws

    import components  # noqa: F401  (the program's own modules, imported ahead of the clock)

    for name in AWS_MODULES:  # lazy modules: any plain attribute access loads them
        getattr(getattr(pulumi_aws, name), "_bench_load", None)
    config = load_stack_config(PROGRAM_DIR / "Pulumi.dev.yaml")
    # a one-service run first: pulumi_aws loads each resource class's module on first use,
    # which is import time, not the program's
    config["secrets-platform:services"] = json.dumps([{"name": "warmup"}])
    run_program(config, stack="dev")
    config["secrets-platform:services"] = json.dumps(
        [{"name": f"svc{i:04d}"} for i in range(services)]
    )
    imported = time.perf_counter()
    run = run_program(config, stack="dev")
    done = time.perf_counter()
    per_service = sum(1 for r in run.resources if r.name.startswith("svc-"))
    return {
        "resources": len(run.resources),
        "service_resources": per_service,
        "seconds": done - imported,
        "import_seconds": imported - started,
    }


def bare(resources: int) -> dict[str, object]:
    started = time.perf_counter()
    import pulumi

    from access_report.harness import run_under_mocks

    def body(count: int) -> None:
        for i in range(count):
            pulumi.CustomResource(
                "bench:index:Plain", f"plain-{i}", {"name": f"plain-{i}", "tag": "bench"}
            )

    run_under_mocks(lambda: body(1), {}, stack="dev")  # warm-up, as for the real program
    imported = time.perf_counter()
    run = run_under_mocks(lambda: body(resources), {}, stack="dev")
    done = time.perf_counter()
    return {
        "resources": len(run.resources),
        "service_resources": 0,
        "seconds": done - imported,
        "import_seconds": imported - started,
    }


def main() -> None:
    mode, count, out = sys.argv[1], int(sys.argv[2]), Path(sys.argv[3])
    summary = real(count) if mode == "real" else bare(count)
    out.write_text(json.dumps(summary))


if __name__ == "__main__":
    main()
