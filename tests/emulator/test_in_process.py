"""The same app in-process through httpx.ASGITransport, with start-time settings."""

from __future__ import annotations

import asyncio
from typing import Any

import httpx
import pytest

from tavusctl.emulator.app import create_app
from tavusctl.emulator.config import EmulatorConfig


def call(config: EmulatorConfig, *requests: tuple[str, str, str, Any]) -> list[httpx.Response]:
    """Send (method, path, api_key, json) requests in order to a fresh in-process app."""

    async def run() -> list[httpx.Response]:
        transport = httpx.ASGITransport(app=create_app(config))
        async with httpx.AsyncClient(transport=transport, base_url="http://emulator") as client:
            return [
                await client.request(m, p, headers={"x-api-key": k}, json=j)
                for m, p, k, j in requests
            ]

    return asyncio.run(run())


def test_in_process_app_serves_the_tavus_api():
    created, listed = call(
        EmulatorConfig(),
        ("POST", "/v2/personas", "k", {"system_prompt": "x"}),
        ("GET", "/v2/personas?persona_type=user", "k", None),
    )
    assert created.status_code == 200
    assert [p["persona_id"] for p in listed.json()["data"]] == [created.json()["persona_id"]]


def test_only_the_configured_api_keys_are_accepted_each_with_its_own_account():
    config = EmulatorConfig(api_keys=("alpha", "beta"))
    a, b, wrong, a_list, b_list = call(
        config,
        ("POST", "/v2/personas", "alpha", {"system_prompt": "x"}),
        ("POST", "/v2/personas", "beta", {"system_prompt": "y"}),
        ("GET", "/v2/personas", "gamma", None),
        ("GET", "/v2/personas?persona_type=user", "alpha", None),
        ("GET", "/v2/personas?persona_type=user", "beta", None),
    )
    assert (a.status_code, b.status_code) == (200, 200)
    assert (wrong.status_code, wrong.json()) == (401, {"message": "Invalid access token"})
    assert [p["system_prompt"] for p in a_list.json()["data"]] == ["x"]
    assert [p["system_prompt"] for p in b_list.json()["data"]] == ["y"]


def test_replica_option_adds_user_replicas_usable_as_default_replica():
    config = EmulatorConfig(replicas=("rmine0000001",))
    replica, created, users = call(
        config,
        ("GET", "/v2/replicas/rmine0000001?verbose=true", "k", None),
        ("POST", "/v2/personas", "k", {"system_prompt": "x", "default_replica_id": "rmine0000001"}),
        ("GET", "/v2/replicas?replica_type=user&verbose=true", "k", None),
    )
    assert (replica.status_code, replica.json()["replica_type"]) == (200, "user")
    assert created.status_code == 200
    assert [r["replica_id"] for r in users.json()["data"]] == ["rmine0000001"]


def test_an_in_process_dropped_connection_raises_a_transport_error():
    async def run() -> None:
        transport = httpx.ASGITransport(app=create_app(EmulatorConfig()))
        async with httpx.AsyncClient(transport=transport, base_url="http://emulator") as client:
            spec = {"method": "GET", "path": "/v2/personas", "drop": True}
            await client.post("/_emulator/inject", json=spec)
            await client.get("/v2/personas", headers={"x-api-key": "k"})

    with pytest.raises(httpx.TransportError):
        asyncio.run(run())
