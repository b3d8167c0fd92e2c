"""A small, long-lived process that starts the measured commands, so their peak RSS is their
own: Linux gives a child the high-water mark of the memory it was forked from (the mark is
copied at fork and folded in at ``execve``), so spawning straight from the benchmark (tens of
MiB, boto3 loaded) would report at least the benchmark's own size. Forked from this process
(a few MiB, ``python -S -I``), a child reports max(its own peak, this process's size).

Protocol, one JSON object per line on stdin and stdout:
  in:  {"argv": [...], "env": {...}, "stdin": PATH|null, "stderr": PATH, "timeout": SECONDS}
  out: {"wall": SECONDS, "maxrss_kib": N, "status": EXIT_CODE}
Only the standard library; run it as ``python -S -I bench/launcher.py``.
"""

import json
import os
import signal
import sys
import time

_child = 0


def _on_alarm(signum, frame):  # noqa: ARG001
    if _child:
        try:
            os.kill(_child, signal.SIGKILL)
        except ProcessLookupError:
            pass


def _run(request):
    global _child
    actions = [
        (os.POSIX_SPAWN_OPEN, 0, request.get("stdin") or os.devnull, os.O_RDONLY, 0),
        (os.POSIX_SPAWN_OPEN, 1, os.devnull, os.O_WRONLY, 0),
        (os.POSIX_SPAWN_OPEN, 2, request["stderr"], os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600),
    ]
    argv = request["argv"]
    start = time.perf_counter()
    _child = os.posix_spawnp(argv[0], argv, request["env"], file_actions=actions)
    signal.setitimer(signal.ITIMER_REAL, float(request.get("timeout", 120)))
    try:
        _, status, usage = os.wait4(_child, 0)
    finally:
        signal.setitimer(signal.ITIMER_REAL, 0)
        _child = 0
    wall = time.perf_counter() - start
    code = os.waitstatus_to_exitcode(status)
    return {"wall": wall, "maxrss_kib": usage.ru_maxrss, "status": code}


def main():
    signal.signal(signal.SIGALRM, _on_alarm)
    for line in sys.stdin:
        try:
            answer = _run(json.loads(line))
        except OSError as error:  # the command could not be started
            answer = {"wall": 0.0, "maxrss_kib": 0, "status": 127, "error": str(error)}
        sys.stdout.write(json.dumps(answer) + "\n")
        sys.stdout.flush()


if __name__ == "__main__":
    main()
