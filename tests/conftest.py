"""Shared fixtures. Fixture modules live in tests/support/ and are loaded here."""

from __future__ import annotations

import pytest

pytest_plugins = [
    "tests.support.cli",
    "tests.support.emulator",
    "tests.support.postgres",
    "tests.support.hostile",
    "tests.support.fixtures",
]


@pytest.fixture(autouse=True)
def no_real_tavus(monkeypatch: pytest.MonkeyPatch) -> None:
    """Make any accidental call to the real Tavus API fail loudly: the default URL is unroutable."""
    monkeypatch.setenv("TAVUS_API_URL", "http://tavusapi.invalid")
    monkeypatch.delenv("TAVUS_API_KEY", raising=False)
    for name in [n for n in __import__("os").environ if n.startswith("TAVUSCTL_")]:
        monkeypatch.delenv(name)
