"""httpx clients on the emulator's Tavus API, shared by the session (keep-alive, one SSL context)."""

from __future__ import annotations

from collections.abc import Iterator

import httpx
import pytest

from tests.support.emulator import Emulator, EmulatorServer


@pytest.fixture(scope="session")
def anonymous(emulator_server: EmulatorServer) -> Iterator[httpx.Client]:
    """A client for the Tavus routes that sends no API key unless told to."""
    with httpx.Client(base_url=emulator_server.url, timeout=10) as client:
        yield client


@pytest.fixture(scope="session")
def _api_client(emulator_server: EmulatorServer) -> Iterator[httpx.Client]:
    with httpx.Client(
        base_url=emulator_server.url, headers={"x-api-key": "test-key"}, timeout=10
    ) as client:
        yield client


@pytest.fixture
def api(emulator: Emulator, _api_client: httpx.Client) -> httpx.Client:
    """A client for the Tavus routes of the freshly reset emulator, as the test account."""
    return _api_client
