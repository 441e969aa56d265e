"""GET /v2/personas: pages, limits, filters, order and total_count (tavus-api.md §3.4, §11;
oldest first with a ``sort`` parameter, ``page=0`` as the first page: tavus-api-2026.md)."""

from __future__ import annotations

import pytest

from tavusctl.emulator.seeds import SYSTEM_PERSONAS
from tests.support.emulator import Emulator

SYSTEM = len(SYSTEM_PERSONAS)


def seed(emulator: Emulator, count: int) -> list[str]:
    return [
        emulator.create_persona({"persona_name": f"n{i}", "system_prompt": "x"})
        for i in range(count)
    ]


def test_list_is_oldest_first_with_full_objects_and_default_limit_10(api, emulator):
    ids = seed(emulator, 12)
    body = api.get("/v2/personas", params={"persona_type": "user"}).json()
    assert body["total_count"] == 12
    assert [p["persona_id"] for p in body["data"]] == ids[:10]
    assert body["data"][0]["system_prompt"] == "x"


@pytest.mark.parametrize(
    ("sort", "newest_first"),
    [("asc", False), ("ascending", False), ("desc", True), ("descending", True)],
)
def test_the_sort_parameter_orders_the_list(api, emulator, sort, newest_first):
    ids = seed(emulator, 3)
    body = api.get("/v2/personas", params={"persona_type": "user", "sort": sort}).json()
    assert [p["persona_id"] for p in body["data"]] == (ids[::-1] if newest_first else ids)


def test_an_unknown_sort_is_400(api):
    assert api.get("/v2/personas", params={"sort": "sideways"}).status_code == 400


def test_page_0_is_the_first_page(api, emulator):
    ids = seed(emulator, 4)
    params = {"persona_type": "user", "limit": 2}
    zero = api.get("/v2/personas", params={**params, "page": 0}).json()
    assert [p["persona_id"] for p in zero["data"]] == ids[:2]


def test_pages_are_1_based_and_cover_everything_once(api, emulator):
    ids = seed(emulator, 7)
    pages = [
        api.get("/v2/personas", params={"persona_type": "user", "limit": 3, "page": n}).json()
        for n in (1, 2, 3, 4)
    ]
    seen = [p["persona_id"] for page in pages for p in page["data"]]
    assert seen == ids
    assert [len(p["data"]) for p in pages] == [3, 3, 1, 0]
    assert {p["total_count"] for p in pages} == {7}


def test_unfiltered_list_includes_system_personas_before_the_newer_user_ones(api, emulator):
    ids = seed(emulator, 2)
    body = api.get("/v2/personas", params={"limit": 100}).json()
    assert body["total_count"] == 2 + SYSTEM
    types = [p["persona_type"] for p in body["data"]]
    assert types == ["system"] * SYSTEM + ["user", "user"]
    assert [p["persona_id"] for p in body["data"][SYSTEM:]] == ids
    newest = api.get("/v2/personas", params={"limit": 100, "sort": "desc"}).json()
    assert [p["persona_type"] for p in newest["data"]] == ["user", "user"] + ["system"] * SYSTEM


def test_system_filter_lists_only_the_stock_personas(api, emulator):
    seed(emulator, 2)
    body = api.get("/v2/personas", params={"persona_type": "system", "limit": 100}).json()
    assert body["total_count"] == SYSTEM
    assert {p["persona_id"] for p in body["data"]} == set(SYSTEM_PERSONAS)


@pytest.mark.parametrize("limit", ["0", "-1", "ten"])
def test_a_limit_that_is_not_positive_is_400(api, limit):
    response = api.get("/v2/personas", params={"limit": limit})
    assert (response.status_code, response.json()) == (
        400,
        {"error": "Invalid request: limit must be a positive integer"},
    )


@pytest.mark.parametrize("page", ["-1", "x"])
def test_a_page_that_is_not_positive_is_400(api, page):
    assert api.get("/v2/personas", params={"page": page}).status_code == 400


def test_an_unknown_persona_type_is_400(api):
    assert api.get("/v2/personas", params={"persona_type": "robot"}).status_code == 400


@pytest.mark.parametrize(
    ("max_page_size", "asked", "served"), [(100, 1000, 100), (25, 100, 25), (25, 10, 10)]
)
def test_a_limit_above_the_maximum_page_size_is_cut_down(
    api, emulator, max_page_size, asked, served
):
    emulator.configure(max_page_size=max_page_size)
    seed_ids = emulator.admin.post(
        f"{emulator.url}/_emulator/seed",
        json={"api_key": emulator.api_key, "personas": [{"system_prompt": "x"}] * 120},
    ).json()["persona_ids"]
    body = api.get("/v2/personas", params={"persona_type": "user", "limit": asked}).json()
    assert len(body["data"]) == served
    assert body["total_count"] == len(seed_ids) == 120


def test_list_system_personas_switch_off_hides_them_from_the_unfiltered_list(api, emulator):
    emulator.configure(list_system_personas=False)
    seed(emulator, 3)
    assert api.get("/v2/personas").json()["total_count"] == 3
    assert (
        api.get("/v2/personas", params={"persona_type": "system"}).json()["total_count"] == SYSTEM
    )


def test_ten_thousand_personas_page_out_completely_oldest_first(api, emulator):
    bodies = [{"persona_name": f"n{i}", "system_prompt": "x"} for i in range(10_000)]
    seeded = emulator.admin.post(
        f"{emulator.url}/_emulator/seed", json={"api_key": emulator.api_key, "personas": bodies}
    ).json()["persona_ids"]
    seen: list[str] = []
    for page in range(1, 101):
        body = api.get(
            "/v2/personas", params={"persona_type": "user", "limit": 100, "page": page}
        ).json()
        assert body["total_count"] == 10_000
        seen += [p["persona_id"] for p in body["data"]]
    assert seen == seeded
