"""The compiled validator (fastjsonschema) gives exactly jsonschema's findings (issue 17).

``schema.check(fast=True)`` asks the compiled validator first and jsonschema only for documents
it finds invalid: a document the two disagree on would lose its located, worded errors. Checked
on realistic personas (bench/personas.py) and on a thousand deterministic mutations of them: a
leaf given a value of another type, out of range, outside its list, or an unknown key added.
"""

from __future__ import annotations

import copy
import random
from typing import Any

import pytest

from bench import personas
from tavusctl.manifest import schema

ODD_VALUES: list[Any] = [
    "true", "false", True, 0, -5, 2.5, 10**6, None, [], {}, [1], {"x": 1}, "", "x" * 300,
    "bogus", "FULL", "speech-to-speech", "echo", "r7bc3db0d581", "https://x.test/v1",
]  # fmt: skip


def documents(n: int) -> list[dict[str, Any]]:
    return [
        {
            "apiVersion": "tavusctl/v1",
            "kind": "Persona",
            "metadata": {"name": p.name},
            "spec": p.spec,
        }
        for p in personas.generate(n, seed=17)
    ]


def places(node: Any, path: tuple[Any, ...] = ()) -> list[tuple[Any, ...]]:
    """Every path to a value in ``node`` (objects and lists included)."""
    found = [path]
    if isinstance(node, dict):
        for key, value in node.items():
            found += places(value, (*path, key))
    elif isinstance(node, list):
        for index, value in enumerate(node):
            found += places(value, (*path, index))
    return found


def mutated(doc: dict[str, Any], rng: random.Random) -> dict[str, Any]:
    doc = copy.deepcopy(doc)
    path = rng.choice([p for p in places(doc) if p])
    *parents, last = path
    node: Any = doc
    for token in parents:
        node = node[token]
    if isinstance(node, dict) and rng.random() < 0.25:
        node[rng.choice(["bogus", "persona_nam", "llm", "model", "api_key"])] = rng.choice(
            ODD_VALUES
        )
    else:
        node[last] = rng.choice(ODD_VALUES)
    return doc


def test_valid_documents_have_no_finding_either_way() -> None:
    for doc in documents(60):
        assert schema.check(doc, fast=True) == schema.check(doc) == []


@pytest.mark.parametrize("allow_unknown", [False, True])
def test_the_compiled_validator_never_hides_a_finding(allow_unknown: bool) -> None:
    rng = random.Random(1700 + allow_unknown)
    docs = documents(40)
    differing = 0
    for _ in range(600):
        doc = mutated(rng.choice(docs), rng)
        slow = schema.check(doc, allow_unknown_fields=allow_unknown)
        assert schema.check(doc, allow_unknown_fields=allow_unknown, fast=True) == slow, doc
        differing += bool(slow)
    assert differing > 300  # the mutations do make documents invalid
