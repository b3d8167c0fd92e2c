"""Fixtures for the network-namespace proofs: prerequisites (skip outside CI with what to
install, fail under CI=true), and an ECS-like host built once per test module and always torn
down (namespaces, interfaces and servers), even when a test or the setup fails."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from devtools.netns import Network
from tests.proof.netns.ecs_host import (
    EcsHost,
    build_ecs_host,
    netns_supported,
)
from tests.proof.prereq import require, require_command, require_root

IPTABLES_HINT = "apt-get install -y iptables"


def require_netns_prerequisites() -> None:
    require_root()
    require_command("ip", "apt-get install -y iproute2")
    require_command("iptables", IPTABLES_HINT)
    why = netns_supported()
    require(why is None, f"permission to create network namespaces ({why})")


@pytest.fixture(scope="module")
def network() -> Iterator[Network]:
    require_netns_prerequisites()
    with Network() as net:  # removes stale spnx* namespaces of dead runs first
        yield net


def build_or_require(net: Network, tmp: Path, *, with_moto: bool = False) -> EcsHost:
    host = build_ecs_host(net, tmp, with_moto=with_moto)
    require(host is not None, f"an iptables that works in a network namespace ({IPTABLES_HINT})")
    assert host is not None
    return host
