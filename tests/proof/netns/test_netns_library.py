"""devtools/netns.py itself: teardown on error, and removal of what a crashed run left."""

from __future__ import annotations

import os
import subprocess
import sys

import pytest

from devtools.netns import Network, delete_namespace, interfaces, list_namespaces, remove_stale
from tests.proof.netns.conftest import require_netns_prerequisites
from tests.proof.netns.ecs_host import SERVERS


@pytest.fixture(autouse=True)
def _prerequisites() -> None:
    require_netns_prerequisites()


def _alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    return True


def test_teardown_removes_namespaces_links_and_servers_even_on_error() -> None:
    names: list[str] = []
    pids: list[int] = []
    with pytest.raises(RuntimeError, match="boom"), Network() as net:
        a, b = net.namespace("a"), net.namespace("b")
        names += [a.name, b.name]
        net.veth(a, "veth-b", b, "eth0", address_a="10.9.0.1/24", address_b="10.9.0.2/24")
        net.start_server(
            a,
            [sys.executable, SERVERS, "identity", "a", "0.0.0.0", "80"],
            ready_url="http://10.9.0.1/",
        )
        assert "veth-b" in interfaces(a) and "eth0" in interfaces(b)
        probe = b.http_get("http://10.9.0.1/x")
        assert probe.ok and '"server": "a"' in probe.body
        pids += [
            int(p)
            for p in subprocess.run(
                ["ip", "netns", "pids", a.name], capture_output=True, text=True, timeout=10
            ).stdout.split()
        ]
        assert pids
        raise RuntimeError("boom")
    assert not set(names) & set(list_namespaces())
    assert not [pid for pid in pids if _alive(pid)]


def test_stale_namespaces_of_dead_runs_are_removed_live_ones_kept() -> None:
    dead = subprocess.Popen(["true"])
    dead.wait(timeout=10)
    stale = f"spnxtest{dead.pid}x1-host"
    live = f"spnxtest{os.getpid()}x1-host"
    leftover: subprocess.Popen[bytes] | None = None
    try:
        for name in (stale, live):
            subprocess.run(["ip", "netns", "add", name], check=True, timeout=10)
        # a server the crashed run left running inside its namespace
        leftover = subprocess.Popen(["ip", "netns", "exec", stale, "sleep", "60"])
        assert remove_stale("spnxtest") == [stale]
        assert leftover.wait(timeout=10) != 0  # stopped by the clean-up
        assert stale not in list_namespaces() and live in list_namespaces()
    finally:
        if leftover is not None and leftover.poll() is None:
            leftover.kill()
            leftover.wait(timeout=10)
        for name in (stale, live):
            delete_namespace(name)
