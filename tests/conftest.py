"""Fixtures shared by every test suite."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from devtools.moto_server import MotoServer, moto_server


@pytest.fixture(scope="session")
def moto() -> Iterator[MotoServer]:
    """One moto server for the session, on a free loopback port."""
    with moto_server() as server:
        yield server


@pytest.fixture
def aws_env(moto: MotoServer) -> dict[str, str]:
    """A clean moto server and an environment pointing the AWS SDK at it."""
    moto.reset()
    return moto.client_env()
