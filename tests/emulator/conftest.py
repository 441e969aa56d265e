"""A plain httpx client on the emulator's Tavus API, authenticated as the test account."""

from __future__ import annotations

from collections.abc import Iterator

import httpx
import pytest

from tests.support.emulator import Emulator


@pytest.fixture
def api(emulator: Emulator) -> Iterator[httpx.Client]:
    """An httpx client for the Tavus routes, sending the test account's key."""
    with httpx.Client(
        base_url=emulator.url, headers={"x-api-key": emulator.api_key}, timeout=10
    ) as client:
        yield client
