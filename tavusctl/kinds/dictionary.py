"""The pronunciation dictionary of the 2026 API (tavus-api-2026.md "Pronunciation
dictionaries"), over ``/v2/pronunciation-dictionaries``, named by a PAL's
``layers.tts.pronunciation_dictionary_id``.

Its id is ``uuid``. An update is a plain JSON body (``name``, ``rules``: given fields replace).
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping

from tavusctl.core.secrets import SecretRule
from tavusctl.kinds.kind import KeyOrder, Kind, UpdateStyle


def check_rules(spec: Mapping[str, object]) -> Iterator[tuple[str, str]]:
    """(spec pointer, sentence) for a rule whose ``text`` an earlier rule already has: Tavus
    keeps one pronunciation per text."""
    rules = spec.get("rules")
    seen: dict[str, int] = {}
    for index, rule in enumerate(rules if isinstance(rules, list) else []):
        text = rule.get("text") if isinstance(rule, Mapping) else None
        if not isinstance(text, str):
            continue
        if text in seen:
            yield (
                f"/rules/{index}/text",
                (
                    f"the text '{text}' already has a rule (rules[{seen[text]}]); keep one rule "
                    "per text."
                ),
            )
        seen.setdefault(text, index)


PRONUNCIATION_DICTIONARY = Kind(
    name="PronunciationDictionary",
    noun="pronunciation dictionary",
    collection="/v2/pronunciation-dictionaries",
    id_field="uuid",
    name_field="name",
    update=UpdateStyle.JSON_BODY,
    secrets=SecretRule(),
    server_owned=frozenset({"uuid", "owner_id", "created_at", "updated_at"}),
    volatile=frozenset({"updated_at"}),
    spec_schema="pronunciation-dictionary-spec.schema.json",
    rules=check_rules,
    key_order=KeyOrder(
        top=("name", "rules"),
        nested={
            "/rules/*": (
                "text",
                "pronunciation",
                "type",
                "alphabet",
                "case_sensitive",
                "word_boundaries",
            )
        },
    ),
)
