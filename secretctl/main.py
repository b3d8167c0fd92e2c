"""The ``secretctl`` entry point. Container start (a well-formed ``exec``) runs without loading
the CLI library; every other command line goes to the click CLI."""

from __future__ import annotations

import os
import sys


def main() -> None:
    from secretctl.exec_args import parse_exec_argv

    argv = sys.argv[1:]
    request = parse_exec_argv(argv, os.environ)
    if request is None:
        from secretctl.cli import main as cli_main

        cli_main(argv)
        return
    from secretctl.errors import run_reporting_errors
    from secretctl.execing import run_exec
    from secretctl.store.ssm import SsmStore

    run_reporting_errors(
        lambda: run_exec(
            SsmStore.from_environment(request.retries, request.timeout),
            request.services,
            request.command,
            pristine=request.pristine,
            strict=request.strict,
            strict_value=request.strict_value,
            preserve_case=request.preserve_case,
        )
    )
