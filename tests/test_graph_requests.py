"""Fetch stays cheap for the graph: plan reads each kind in use with its list (pages of one
kind read after the first says how many), never a kind that no manifest declares and the state
does not record, and says in its summary line how many requests each kind took."""

from __future__ import annotations

import json
from collections import Counter

import httpx

from tests.support.emulator import Emulator
from tests.support.workspace import API_KEY, Workspace


def graph(ws: Workspace) -> None:
    ws.write(
        "no-pii",
        kind="Guardrail",
        persona={"guardrail_name": "no_pii", "guardrail_prompt": "No PII."},
    )
    ws.write("notify", kind="Tool", persona={
        "name": "notify", "description": "Tell the app.", "delivery": {"app_message": True},
    })  # fmt: skip
    ws.write("intake", kind="Pal", persona={
        "pal_name": "Intake", "system_prompt": "You take intake calls.",
        "guardrail_ids": ["${ref:Guardrail/no-pii}"], "tool_ids": ["${ref:Tool/notify}"],
    })  # fmt: skip


def test_a_replan_of_the_graph_is_one_list_per_kind_in_use_and_says_so(
    ws: Workspace, emu: Emulator
) -> None:
    graph(ws)
    assert ws.apply().code == 0
    emu.clear_requests()
    plan = ws.run("plan", "manifests", "--detailed-exitcode")
    assert plan.code == 0, plan.output
    reads = [(r["method"], r["path"]) for r in emu.requests()]
    assert sorted(reads) == [("GET", "/v2/guardrails"), ("GET", "/v2/pals"), ("GET", "/v2/tools")]
    assert "(3 API requests: Pal 1, Guardrail 1, Tool 1)" in plan.stdout, plan.stdout
    doc = json.loads(ws.run("plan", "manifests", "--format", "json").stdout)
    assert doc["requests"] == 3
    assert doc["requests_by_kind"] == {"Pal": 1, "Guardrail": 1, "Tool": 1}


def test_pages_of_a_kind_are_counted_for_that_kind_only(ws: Workspace, emu: Emulator) -> None:
    graph(ws)
    assert ws.apply().code == 0
    for i in range(24):  # guardrails made outside tavusctl: listed, never read one by one
        body = {"guardrail_name": f"other_{i}", "guardrail_prompt": "Other."}
        headers = {"x-api-key": API_KEY}
        assert httpx.post(f"{emu.url}/v2/guardrails", json=body, headers=headers).is_success
    emu.configure(max_page_size=10)
    emu.clear_requests()
    doc = json.loads(ws.run("plan", "manifests", "--format", "json").stdout)
    paths = Counter(r["path"] for r in emu.requests())
    assert paths == {"/v2/guardrails": 3, "/v2/pals": 1, "/v2/tools": 1}  # 25 at 10 a page
    assert doc["requests_by_kind"] == {"Pal": 1, "Guardrail": 3, "Tool": 1}
    pages = sorted(r["query"].get("page") for r in emu.requests() if r["path"] == "/v2/guardrails")
    assert pages == ["1", "2", "3"]


def test_a_single_kind_project_keeps_the_plain_count(ws: Workspace, emu: Emulator) -> None:
    ws.write(
        "no-pii",
        kind="Guardrail",
        persona={"guardrail_name": "no_pii", "guardrail_prompt": "No PII."},
    )
    plan = ws.run("plan", "manifests")
    assert plan.code == 0 and "(1 API request)" in plan.stdout, plan.output
    assert [r["path"] for r in emu.requests()] == ["/v2/guardrails"]


def test_a_targeted_referrer_is_planned_and_applied_with_what_it_refers_to(
    ws: Workspace, emu: Emulator
) -> None:
    graph(ws)
    ws.write(
        "unrelated",
        kind="Guardrail",
        persona={"guardrail_name": "unrelated", "guardrail_prompt": "X."},
    )
    doc = json.loads(ws.run("plan", "manifests", "--format", "json", "--target", "intake").stdout)
    keys = sorted(a["key"] for a in doc["actions"])
    assert keys == ["Guardrail/no-pii", "Pal/intake", "Tool/notify"]
    applied = ws.apply("--target", "Pal/intake")
    assert applied.code == 0, applied.output
    assert sorted(ws.ids()) == ["Guardrail/no-pii", "Pal/intake", "Tool/notify"]
    posts = [r["path"] for r in emu.requests() if r["method"] == "POST"]
    assert sorted(posts[:2]) == ["/v2/guardrails", "/v2/tools"] and posts[2:] == ["/v2/pals"]
