"""Small, reusable network-namespace plumbing for tests: namespaces, bridges, veth pairs,
addresses, routes, and commands or Python servers run inside a namespace.

Everything here is created inside namespaces this module made (never in the caller's own
namespace): a veth pair is created in one of its namespaces with its peer placed straight in
the other, so no interface ever appears in the root namespace. Every resource is registered on
a :class:`contextlib.ExitStack`, so leaving the ``with`` block tears down what was built, in
reverse order, also when the body raised. Every wait is bounded in time.

Names are ``<prefix><pid>x<n>-<role>``: unique per process and call, and a later run can
recognise (and remove) what a crashed run with the same prefix left behind, because that run's
pid is gone (:func:`remove_stale`).

Typical use::

    with Network(prefix="spnx") as net:
        host = net.namespace("host")
        ctr = net.namespace("ctr")
        net.bridge(host, "docker0", "172.17.0.1/16")
        net.veth(host, "veth0", ctr, "eth0", master="docker0", address_b="172.17.0.2/16")
        net.route(ctr, "default", via="172.17.0.1")
        with net.serve(host, [sys.executable, "-m", "http.server", "80"], ready="http://172.17.0.1/"):
            print(ctr.http_get("http://172.17.0.1/"))
"""

from __future__ import annotations

import itertools
import json
import os
import re
import signal
import subprocess
import sys
import time
from collections.abc import Iterator, Mapping, Sequence
from contextlib import ExitStack, contextmanager
from dataclasses import dataclass, field
from typing import Any

DEFAULT_PREFIX = "spnx"
COMMAND_TIMEOUT = 20.0
_counter = itertools.count(1)


class NetnsError(RuntimeError):
    """A namespace command failed; the message has the command and its stderr."""


def minimal_env(extra: Mapping[str, str] | None = None) -> dict[str, str]:
    """A small environment for commands in a namespace: PATH and a UTF-8 locale, nothing else
    (no proxies, no AWS settings, no credentials), plus ``extra``."""
    env = {"PATH": os.environ.get("PATH", os.defpath), "LANG": "C.UTF-8", "LC_ALL": "C.UTF-8"}
    env.update(extra or {})
    return env


def _check(argv: Sequence[str], timeout: float = COMMAND_TIMEOUT) -> str:
    done = subprocess.run(
        list(argv), capture_output=True, text=True, timeout=timeout, stdin=subprocess.DEVNULL
    )
    if done.returncode != 0:
        raise NetnsError(f"{' '.join(argv)} exited {done.returncode}: {done.stderr.strip()}")
    return done.stdout


def list_namespaces() -> list[str]:
    """Names of the named network namespaces (``ip netns list``)."""
    out = _check(["ip", "netns", "list"])
    return [line.split()[0] for line in out.splitlines() if line.strip()]


def namespace_pids(name: str) -> list[int]:
    try:
        out = _check(["ip", "netns", "pids", name])
    except NetnsError:
        return []
    return [int(pid) for pid in out.split() if pid.isdigit()]


def _pid_alive(pid: int) -> bool:
    """Whether ``pid`` is a running process (a zombie, exited but not yet reaped, is not)."""
    try:
        with open(f"/proc/{pid}/stat") as stat:
            return stat.read().rsplit(")", 1)[1].split()[0] != "Z"
    except (FileNotFoundError, ProcessLookupError, IndexError):
        return False


def _wait_gone(pids: Sequence[int], timeout: float) -> list[int]:
    deadline = time.monotonic() + timeout
    alive = [pid for pid in pids if _pid_alive(pid)]
    while alive and time.monotonic() < deadline:
        time.sleep(0.02)
        alive = [pid for pid in alive if _pid_alive(pid)]
    return alive


def delete_namespace(name: str, timeout: float = 5.0) -> None:
    """Stop the processes still inside namespace ``name`` (TERM, then KILL) and delete it.
    Its interfaces (veth ends, bridges, dummies) go with it; a veth's peer in another
    namespace is destroyed with it."""
    pids = namespace_pids(name)
    for sig in (signal.SIGTERM, signal.SIGKILL):
        for pid in pids:
            try:
                os.kill(pid, sig)
            except ProcessLookupError:
                pass
        pids = _wait_gone(pids, timeout / 2)
        if not pids:
            break
    if name in list_namespaces():
        _check(["ip", "netns", "delete", name])


_NAME_RE = re.compile(r"^(?P<prefix>[A-Za-z]+)(?P<pid>\d+)x\d+-")


def remove_stale(prefix: str = DEFAULT_PREFIX) -> list[str]:
    """Delete the namespaces a crashed earlier run with ``prefix`` left behind (their creating
    process is gone). Namespaces of live runs, including parallel ones, are kept."""
    removed = []
    for name in list_namespaces():
        match = _NAME_RE.match(name)
        if not match or match["prefix"] != prefix:
            continue
        pid = int(match["pid"])
        if pid == os.getpid() or _pid_alive(pid):
            continue
        delete_namespace(name)
        removed.append(name)
    return removed


@dataclass(frozen=True)
class Probe:
    """The outcome of one HTTP GET made from inside a namespace."""

    outcome: str  # "ok" (any HTTP response), "timeout", "refused", "unreachable" or "error"
    status: int | None = None
    body: str = ""
    error: str = ""

    @property
    def ok(self) -> bool:
        return self.outcome == "ok"


# Run in the namespace by Namespace.http_get; one interpreter, one bounded attempt.
_PROBE = r"""
import errno, json, socket, sys, urllib.error, urllib.request
url, timeout = sys.argv[1], float(sys.argv[2])
opener = urllib.request.build_opener(urllib.request.ProxyHandler({}))
def out(outcome, status=None, body="", error=""):
    print(json.dumps({"outcome": outcome, "status": status, "body": body, "error": error}))
try:
    with opener.open(url, timeout=timeout) as r:
        out("ok", r.status, r.read().decode("utf-8", "replace"))
except urllib.error.HTTPError as e:
    out("ok", e.code, e.read().decode("utf-8", "replace"))
except Exception as e:
    reason = getattr(e, "reason", e)
    if isinstance(reason, (TimeoutError, socket.timeout)):
        out("timeout", error=str(reason))
    elif isinstance(reason, ConnectionRefusedError):
        out("refused", error=str(reason))
    elif isinstance(reason, OSError) and reason.errno in (
        errno.EHOSTUNREACH, errno.ENETUNREACH, errno.EPERM, errno.EACCES
    ):
        out("unreachable", error=str(reason))
    else:
        out("error", error=repr(reason))
"""

# Run in the namespace by Namespace.wait_http: poll until any HTTP answer or the deadline.
_WAIT = r"""
import sys, time, urllib.error, urllib.request
url, deadline = sys.argv[1], time.monotonic() + float(sys.argv[2])
opener = urllib.request.build_opener(urllib.request.ProxyHandler({}))
while time.monotonic() < deadline:
    try:
        opener.open(url, timeout=1).read()
        sys.exit(0)
    except urllib.error.HTTPError:
        sys.exit(0)
    except Exception:
        time.sleep(0.05)
sys.exit(1)
"""


@dataclass(frozen=True)
class Namespace:
    """A named network namespace; commands run in it through ``ip netns exec``."""

    name: str

    def argv(self, argv: Sequence[str]) -> list[str]:
        return ["ip", "netns", "exec", self.name, *argv]

    def run(
        self,
        argv: Sequence[str],
        *,
        env: Mapping[str, str] | None = None,
        timeout: float = COMMAND_TIMEOUT,
        check: bool = False,
        input: str | None = None,
        cwd: str | None = None,
    ) -> subprocess.CompletedProcess[str]:
        """Run ``argv`` in this namespace (``env`` defaults to :func:`minimal_env`) and
        capture its output as text."""
        done = subprocess.run(
            self.argv(argv),
            env=dict(minimal_env() if env is None else env),
            capture_output=True,
            text=True,
            timeout=timeout,
            input=input,
            stdin=None if input is not None else subprocess.DEVNULL,
            cwd=cwd,
        )
        if check and done.returncode != 0:
            raise NetnsError(
                f"in {self.name}: {' '.join(argv)} exited {done.returncode}: {done.stderr.strip()}"
            )
        return done

    def popen(
        self, argv: Sequence[str], *, env: Mapping[str, str] | None = None, **kwargs: Any
    ) -> subprocess.Popen[bytes]:
        """Start ``argv`` in this namespace (``ip netns exec`` execs into it, so the
        process's pid is the command's)."""
        kwargs.setdefault("stdin", subprocess.DEVNULL)
        return subprocess.Popen(
            self.argv(argv), env=dict(minimal_env() if env is None else env), **kwargs
        )

    def ip(self, *args: str) -> str:
        """``ip -n <ns> ARGS``; raises :class:`NetnsError` on failure."""
        return _check(["ip", "-n", self.name, *args])

    def sysctl(self, key: str, value: str) -> None:
        self.run(["sysctl", "-q", "-w", f"{key}={value}"], check=True)

    def http_get(self, url: str, timeout: float = 1.5) -> Probe:
        """One GET of ``url`` from inside this namespace, bounded by ``timeout`` seconds."""
        done = self.run(
            [sys.executable, "-c", _PROBE, url, str(timeout)], timeout=timeout + COMMAND_TIMEOUT
        )
        if done.returncode != 0 or not done.stdout.strip():
            raise NetnsError(f"probe of {url} in {self.name} failed: {done.stderr.strip()}")
        return Probe(**json.loads(done.stdout))

    def wait_http(self, url: str, timeout: float = 20.0) -> bool:
        """Poll ``url`` from inside this namespace until any HTTP answer (True) or
        ``timeout`` seconds have passed (False)."""
        done = self.run([sys.executable, "-c", _WAIT, url, str(timeout)], timeout=timeout + 10)
        return done.returncode == 0


@dataclass
class Network:
    """Builds namespaces and links; tears all of them down when the ``with`` block exits."""

    prefix: str = DEFAULT_PREFIX
    run_id: str = field(default_factory=lambda: f"{os.getpid()}x{next(_counter)}")
    _stack: ExitStack = field(default_factory=ExitStack)
    namespaces: list[Namespace] = field(default_factory=list)

    def __post_init__(self) -> None:
        if not re.fullmatch(r"[A-Za-z]+", self.prefix):
            raise ValueError("prefix must be letters only")

    def __enter__(self) -> Network:
        remove_stale(self.prefix)
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def close(self) -> None:
        self._stack.close()

    def callback(self, fn: Any, *args: Any) -> None:
        """Run ``fn(*args)`` at teardown (before what was built earlier is removed)."""
        self._stack.callback(fn, *args)

    def namespace(self, role: str) -> Namespace:
        """A new namespace ``<prefix><run_id>-<role>`` with its loopback up."""
        ns = Namespace(f"{self.prefix}{self.run_id}-{role}")
        _check(["ip", "netns", "add", ns.name])
        self._stack.callback(delete_namespace, ns.name)
        self.namespaces.append(ns)
        ns.ip("link", "set", "lo", "up")
        return ns

    def bridge(self, ns: Namespace, name: str, address: str | None = None) -> None:
        """A Linux bridge ``name`` in ``ns``, up, with ``address`` (CIDR) when given."""
        ns.ip("link", "add", name, "type", "bridge")
        if address:
            ns.ip("addr", "add", address, "dev", name)
        ns.ip("link", "set", name, "up")

    def veth(
        self,
        ns_a: Namespace,
        name_a: str,
        ns_b: Namespace,
        name_b: str,
        *,
        address_a: str | None = None,
        address_b: str | None = None,
        master_a: str | None = None,
    ) -> None:
        """A veth pair: ``name_a`` in ``ns_a`` (optionally a port of bridge ``master_a``) and
        ``name_b`` in ``ns_b``, both up. Created inside ``ns_a``, peer placed in ``ns_b``."""
        ns_a.ip("link", "add", name_a, "type", "veth", "peer", "name", name_b, "netns", ns_b.name)
        if master_a:
            ns_a.ip("link", "set", name_a, "master", master_a)
        if address_a:
            ns_a.ip("addr", "add", address_a, "dev", name_a)
        if address_b:
            ns_b.ip("addr", "add", address_b, "dev", name_b)
        ns_a.ip("link", "set", name_a, "up")
        ns_b.ip("link", "set", name_b, "up")

    def address(self, ns: Namespace, address: str, dev: str) -> None:
        ns.ip("addr", "add", address, "dev", dev)

    def route(
        self, ns: Namespace, destination: str, *, via: str | None = None, dev: str | None = None
    ) -> None:
        args = ["route", "add", destination]
        if via:
            args += ["via", via]
        if dev:
            args += ["dev", dev]
        ns.ip(*args)

    @contextmanager
    def serve(
        self,
        ns: Namespace,
        argv: Sequence[str],
        *,
        ready_url: str,
        env: Mapping[str, str] | None = None,
        timeout: float = 30.0,
        log_path: str | None = None,
    ) -> Iterator[subprocess.Popen[bytes]]:
        """Run a server ``argv`` in ``ns`` until the block exits; ready once ``ready_url``
        answers from inside ``ns`` (bounded by ``timeout``). Its output goes to
        ``log_path`` (or nowhere); the error names that file when it does not start."""
        log = open(log_path, "wb") if log_path else None
        try:
            process = ns.popen(
                argv,
                env=env,
                stdout=log or subprocess.DEVNULL,
                stderr=subprocess.STDOUT if log else subprocess.DEVNULL,
            )
            try:
                if not ns.wait_http(ready_url, timeout) or process.poll() is not None:
                    raise NetnsError(
                        f"server {' '.join(argv)[:120]} in {ns.name} did not answer on "
                        f"{ready_url} within {timeout}s (exit {process.poll()}; log "
                        f"{log_path or 'not kept'})"
                    )
                yield process
            finally:
                process.terminate()
                try:
                    process.wait(timeout=5)
                except subprocess.TimeoutExpired:
                    process.kill()
                    process.wait(timeout=5)
        finally:
            if log:
                log.close()

    def start_server(self, ns: Namespace, argv: Sequence[str], **kwargs: Any) -> None:
        """:meth:`serve` for the lifetime of this network (stopped at teardown)."""
        self._stack.enter_context(self.serve(ns, argv, **kwargs))


def interfaces(ns: Namespace) -> list[str]:
    """Interface names in ``ns``."""
    data = json.loads(ns.ip("-j", "link", "show"))
    return [link["ifname"] for link in data]
