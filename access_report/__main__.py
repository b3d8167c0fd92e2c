"""python -m access_report Pulumi.<stack>.yaml [--account ID] [--region R] [--json]"""

from __future__ import annotations

import argparse
import json
import sys

from access_report.harness import DEFAULT_ACCOUNT, run_stack_file
from access_report.report import build_report, render_text


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        prog="python -m access_report",
        description="Print what `pulumi up` would grant for a stack config, offline "
        "(the real program under Pulumi mocks; no AWS, no Pulumi CLI).",
    )
    parser.add_argument("stack_file", help="a stack config file, e.g. Pulumi.dev.yaml")
    parser.add_argument(
        "--account",
        help=f"account id (default: the stack's aws:allowedAccountIds, else {DEFAULT_ACCOUNT})",
    )
    parser.add_argument("--region", help="region (default: the stack's aws:region)")
    parser.add_argument("--json", action="store_true", help="print the report as JSON")
    args = parser.parse_args(argv)
    try:
        run = run_stack_file(args.stack_file, account=args.account, region=args.region)
    except (OSError, ValueError) as error:
        print(f"access_report: {error}", file=sys.stderr)
        return 2
    except Exception as error:  # noqa: BLE001 - pulumi.RunError and friends: one message
        if type(error).__name__ != "RunError":
            raise
        print(f"access_report: {error}", file=sys.stderr)
        return 2
    report = build_report(run)
    if args.json:
        print(json.dumps(report.to_dict(), indent=2, sort_keys=True))
    else:
        print(render_text(report), end="")
    return 0


if __name__ == "__main__":
    sys.exit(main())
