"""SIGKILL during the apply of a graph: PALs that name guardrails, tools and a dictionary by
``${ref:}``. After each kill, every object on the account is recorded (by id, or by a create
intent that the next run adopts) and no PAL names an id that is not on the account; re-runs
converge to exactly the manifests, each PAL pointing at its own resources."""

from __future__ import annotations

import random
import time
from collections import Counter
from pathlib import Path
from typing import Any

import httpx
import pytest
import yaml

from tests.support.emulator import Emulator
from tests.support.workspace import API_KEY, Workspace, changing
from tests.test_apply_chaos import (
    apply_until_done,
    emulator_with,
    kill,
    start_apply,
    wait_until_answered,
)

pytestmark = pytest.mark.slow

KILLS = 6
SEED = 20261130
COLLECTIONS = {
    "Guardrail": ("/v2/guardrails", "uuid"),
    "Tool": ("/v2/tools", "tool_id"),
    "PronunciationDictionary": ("/v2/pronunciation-dictionaries", "uuid"),
    "Pal": ("/v2/pals", "pal_id"),
}


def write(ws: Workspace, kind: str, name: str, spec: dict[str, Any]) -> None:
    doc = {"apiVersion": "tavusctl/v1", "kind": kind, "metadata": {"name": name}, "spec": spec}
    ws.manifests.mkdir(exist_ok=True)
    (ws.manifests / f"{kind.lower()}-{name}.yaml").write_text(yaml.safe_dump(doc, sort_keys=False))


def graph(ws: Workspace) -> dict[str, int]:
    """4 PALs, each with 2 guardrails and a tool of its own, all sharing one dictionary."""
    write(ws, "PronunciationDictionary", "brands", {
        "name": "Brands", "rules": [{"text": "Tavus", "pronunciation": "TAH-vus"}],
    })  # fmt: skip
    for p in range(4):
        for g in range(2):
            write(ws, "Guardrail", f"g{p}{g}",
                  {"guardrail_name": f"g{p}{g}", "guardrail_prompt": f"Rule {g} of {p}."})  # fmt: skip
        write(ws, "Tool", f"t{p}", {
            "name": f"t{p}", "description": "Tell the app.", "delivery": {"app_message": True},
        })  # fmt: skip
        write(ws, "Pal", f"p{p}", {
            "pal_name": f"P{p}", "system_prompt": "You help.",
            "guardrail_ids": [f"${{ref:Guardrail/g{p}0}}", f"${{ref:Guardrail/g{p}1}}"],
            "tool_ids": [f"${{ref:Tool/t{p}}}"],
            "layers": {"tts": {"pronunciation_dictionary_id":
                               "${ref:PronunciationDictionary/brands}"}},
        })  # fmt: skip
    return {"Guardrail": 8, "Tool": 4, "PronunciationDictionary": 1, "Pal": 4}


def sent(emu: Emulator, method: str, path: str | None) -> list[dict[str, Any]]:
    """The requests of ``method`` (to ``path``, if given) the emulator received."""
    return [r for r in emu.requests() if r["method"] == method and path in (None, r["path"])]


def account(url: str) -> dict[str, list[dict[str, Any]]]:
    """Every object of each kind on the account (one page of 100 is all of them here)."""
    out = {}
    with httpx.Client(base_url=url, headers={"x-api-key": API_KEY}, timeout=30) as api:
        for kind, (collection, _) in COLLECTIONS.items():
            params: dict[str, str | int] = {"limit": 100, "page": 1}
            if kind == "Pal":
                params["persona_type"] = "user"
            out[kind] = api.get(collection, params=params).json()["data"]
    return out


def assert_no_orphan_and_no_dangling_reference(ws: Workspace, url: str) -> None:
    lock = ws.lock()
    recorded = {e.id for e in lock.entries.values() if e.id}
    intents = {key.split("/", 1)[0] for key, e in lock.entries.items() if e.id is None}
    objects = account(url)
    on_account = {o[COLLECTIONS[k][1]] for k, docs in objects.items() for o in docs}
    for kind, docs in objects.items():
        for doc in docs:  # recorded, or its kind has a create intent the next run adopts
            assert doc[COLLECTIONS[kind][1]] in recorded or kind in intents, (kind, doc)
    for pal in objects["Pal"]:
        tts = (pal.get("layers") or {}).get("tts") or {}
        named = [*(pal.get("guardrail_ids") or []), *(pal.get("tool_ids") or [])]
        named += (
            [tts["pronunciation_dictionary_id"]] if "pronunciation_dictionary_id" in tts else []
        )
        assert all(i in on_account for i in named), pal  # no dangling reference


def test_sigkill_at_random_moments_of_a_graph_apply_leaves_no_orphan_nor_dangling_reference(
    tmp_path: Path,
) -> None:
    rng = random.Random(SEED)
    with emulator_with("--latency-ms", "200") as emu:
        ws = Workspace(tmp_path, emu.url)
        counts = graph(ws)
        pals: list[int] = []  # PALs on the account after each kill
        for n in range(KILLS):
            # The first kills fall anywhere from planning on; the last ones among the PALs'
            # creates, the referrers, timed from this run's first POST of a PAL.
            method, path = ("GET", None) if n < KILLS // 2 else ("POST", "/v2/pals")
            seen = len(sent(emu, method, path))
            proc = start_apply(ws)
            while len(sent(emu, method, path)) <= seen and proc.poll() is None:
                time.sleep(0.02)
            time.sleep(rng.uniform(0.0, 0.8) if path is None else rng.uniform(0.0, 0.25))
            running, result = kill(proc)
            ws.results.append(result)
            if not running:  # every PAL was created already: this run only finished the rest
                assert result.code == 0, result.output
                break
            wait_until_answered(emu)
            assert_no_orphan_and_no_dangling_reference(ws, emu.url)
            pals.append(len(account(emu.url)["Pal"]))
        made = sum(len(v) for v in account(emu.url).values())
        runs = apply_until_done(ws)
        print(
            f"\ngraph crash: {len(pals)} kills; {made} objects existed "
            f"after the kills; PALs after each kill: {pals}; {runs} run(s) to finish"
        )
        assert made > 0
        assert any(0 < n < counts["Pal"] for n in pals)  # some between the referrers' creates
        objects = account(emu.url)
        assert {k: len(v) for k, v in objects.items()} == counts
        ids = ws.ids()
        for pal in objects["Pal"]:
            p = pal["pal_name"][1:]
            assert pal["guardrail_ids"] == [ids[f"Guardrail/g{p}0"], ids[f"Guardrail/g{p}1"]]
            assert pal["tool_ids"] == [ids[f"Tool/t{p}"]]
        assert Counter(k.split("/")[0] for k in ids) == Counter(counts)
        assert changing(ws.plan_json("--prune")) == []
        assert ws.leaks() == []
