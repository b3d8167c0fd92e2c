"""python -m access_report Pulumi.<stack>.yaml [--account ID] [--region R] [--json | --format F]
python -m access_report --diff OLD NEW [--json | --format mermaid]   (OLD may be git:REF)
python -m access_report --preflight Pulumi.<stack>.yaml [--json]
"""

from __future__ import annotations

import argparse
import json
import sys

from access_report.harness import DEFAULT_ACCOUNT, run_stack_file
from access_report.report import build_report, render_text

FORMATS = ("text", "json", "mermaid")


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="python -m access_report",
        description="Print what `pulumi up` would grant for a stack config, offline "
        "(the real program under Pulumi mocks; no AWS, no Pulumi CLI); compare two configs "
        "(--diff); or check a stack against its AWS account before `pulumi up` (--preflight).",
    )
    parser.add_argument("stack_file", nargs="?", help="a stack config file, e.g. Pulumi.dev.yaml")
    parser.add_argument(
        "--diff",
        nargs=2,
        metavar=("OLD", "NEW"),
        help="what changes in access from OLD to NEW (files; OLD may be git:REF for NEW's file "
        "as of a git revision, or git:REF:PATH); Markdown for a pull request",
    )
    parser.add_argument(
        "--preflight",
        action="store_true",
        help="check the stack against its AWS account with your credentials (read-only calls)",
    )
    parser.add_argument(
        "--account",
        help=f"account id (default: the stack's aws:allowedAccountIds, else {DEFAULT_ACCOUNT})",
    )
    parser.add_argument("--region", help="region (default: the stack's aws:region)")
    parser.add_argument("--json", action="store_true", help="print JSON (same as --format json)")
    parser.add_argument(
        "--format",
        choices=FORMATS,
        help="text (the report; Markdown for --diff), json, or mermaid (who reads and writes "
        "which labels, as a Mermaid flowchart)",
    )
    return parser


def _fail(message: object) -> int:
    print(f"access_report: {message}", file=sys.stderr)
    return 2


def _is_run_error(error: Exception) -> bool:
    """pulumi.RunError (a bad stack config inside the program), without importing pulumi."""
    return type(error).__name__ == "RunError"


def _diff(old: str, new: str, fmt: str) -> int:
    from access_report import diff, mermaid
    from access_report.sources import load_source

    new_source = load_source(new)
    old_source = load_source(old, default_path=None if new.startswith("git:") else new)
    result = diff.diff_configs(old_source, new_source)
    if fmt == "json":
        print(json.dumps(result.to_dict(), indent=2, sort_keys=True))
    elif fmt == "mermaid":
        print(mermaid.render(result.new_model, result.old_model, compare=True), end="")
    else:
        print(diff.render_markdown(result), end="")
    return 0


def _mermaid(stack_file: str) -> int:
    from access_report import mermaid
    from access_report.model import access_model
    from access_report.sources import load_source

    config = load_source(stack_file).config
    print(mermaid.render(access_model(config) if config else None), end="")
    return 0


def _close_event_loop() -> None:
    """Close the event loop Pulumi's mocks ran on before the interpreter exits: torn down by
    the garbage collector at exit, it can print "Exception ignored ... Invalid file
    descriptor" after the one-line error (seen once on a loaded machine)."""
    import asyncio

    try:
        loop = asyncio.get_event_loop_policy().get_event_loop()
    except RuntimeError:
        return
    if not loop.is_running() and not loop.is_closed():
        loop.close()


def main(argv: list[str] | None = None) -> int:
    try:
        return _main(argv)
    finally:
        _close_event_loop()


def _main(argv: list[str] | None = None) -> int:
    parser = _parser()
    args = parser.parse_args(argv)
    fmt = "json" if args.json else (args.format or "text")
    if args.json and args.format not in (None, "json"):
        parser.error("--json and --format other than json exclude each other")
    if args.diff and (args.stack_file or args.preflight):
        parser.error("--diff takes OLD and NEW and no other stack file or --preflight")
    if not args.diff and not args.stack_file:
        parser.error("give a stack file (Pulumi.<stack>.yaml), or --diff OLD NEW")
    if args.account and (args.diff or args.preflight or fmt == "mermaid"):
        return _fail(
            "--account is for the report: --preflight checks the account your credentials act "
            "in, and --diff and --format mermaid draw from the configs alone"
        )
    if args.region and (args.diff or fmt == "mermaid"):
        return _fail("--region is for the report and --preflight; --diff and mermaid use none")
    try:
        if args.diff:
            return _diff(args.diff[0], args.diff[1], fmt)
        if args.preflight:
            from access_report.preflight import main as preflight_main

            if fmt == "mermaid":
                parser.error("--preflight prints text or JSON")
            return preflight_main(args.stack_file, as_json=fmt == "json", region=args.region)
        if fmt == "mermaid":
            return _mermaid(args.stack_file)
        run = run_stack_file(args.stack_file, account=args.account, region=args.region)
    except (OSError, ValueError) as error:
        return _fail(error)
    except Exception as error:  # noqa: BLE001 - pulumi.RunError and friends: one message
        if not _is_run_error(error):
            raise
        return _fail(error)
    report = build_report(run)
    if fmt == "json":
        print(json.dumps(report.to_dict(), indent=2, sort_keys=True))
    else:
        print(render_text(report), end="")
    return 0


if __name__ == "__main__":
    sys.exit(main())
