"""The in-memory Tavus store: accounts keyed by API key, each with personas and conversations.

Pure logic: no HTTP and no I/O. Handlers translate its HttpErrors into responses. Accounts are
keyed by a hash of the API key, so the key itself is never kept or written to a state file.
"""

from __future__ import annotations

import copy
import hashlib
import itertools
import random
import uuid
from collections.abc import Iterator, Mapping
from dataclasses import dataclass, field
from datetime import datetime, timezone
from typing import Any

from tavusctl.emulator import seeds, vocab
from tavusctl.emulator.config import EmulatorConfig
from tavusctl.emulator.http import HttpError, error
from tavusctl.emulator.patching import apply_ops, check_ops, same_document
from tavusctl.emulator.persona_rules import SERVER_FIELDS, fill_defaults, validate_persona
from tavusctl.emulator.views import pal_server_fields

GENERIC_CONVERSATION_ERROR = (
    "There was an error creating the conversation, please reach out to support at support@tavus.io!"
)
CONCURRENCY_ERROR = "User has reached maximum concurrent conversations"
CREDITS_ERROR = "The user is out of conversational credits"


def account_id(api_key: str) -> str:
    """The account an API key opens: a hash, so the key is never stored."""
    return hashlib.sha256(api_key.encode()).hexdigest()[:32]


@dataclass
class Account:
    """One Tavus account: personas, conversations and the objects of the other collections
    (``objects``: by collection name, then id; see objects.py), each in creation order."""

    personas: dict[str, dict[str, object]] = field(default_factory=dict)
    conversations: dict[str, dict[str, object]] = field(default_factory=dict)
    started: int = 0  # conversations ever started, for the ``credits`` switch
    objects: dict[str, dict[str, dict[str, object]]] = field(default_factory=dict)


class Clock:
    """ISO 8601 UTC timestamps that never go backwards, in the three forms the API was seen to
    use (tavus-api-2026.md): ``millis`` ``…19.990Z`` (§11), ``micros`` ``…56.504765Z``,
    ``offset`` ``…45.123456+00:00``."""

    def __init__(self) -> None:
        self.last = datetime.min.replace(tzinfo=timezone.utc)

    def now(self, form: str = "millis") -> str:
        self.last = max(self.last, datetime.now(timezone.utc))
        return stamp(self.last, form)


def stamp(when: datetime, form: str) -> str:
    """``when`` (UTC) written in one of the three forms."""
    text = when.strftime("%Y-%m-%dT%H:%M:%S.%f")
    if form == "millis":
        return text[:-3] + "Z"
    return text + ("Z" if form == "micros" else "+00:00")


class Store:
    """All accounts, the shared stock replicas and system personas, and the id generator."""

    def __init__(self, config: EmulatorConfig) -> None:
        self.accounts: dict[str, Account] = {}
        self.replicas = seeds.replicas(config.replicas)
        self.system_personas = seeds.system_personas()
        self.clock = Clock()
        self._ids = random.Random(config.seed)
        self.version = 0  # bumped on every change; the state writer watches it

    def account(self, api_key: str) -> Account:
        """The account for ``api_key``, created empty on first use."""
        return self.accounts.setdefault(account_id(api_key), Account())

    def new_id(self, prefix: str, taken: Mapping[str, object], digits: int = 11) -> str:
        """A fresh ``prefix`` + ``digits`` lowercase hex id (§2.6, §11: 11; a 2026 tool: 12),
        unique within ``taken``."""
        while True:
            candidate = prefix + f"{self._ids.getrandbits(4 * digits):0{digits}x}"
            if candidate not in taken and candidate not in self.system_personas:
                return candidate

    def new_uuid(self) -> str:
        """A fresh UUID (version 4 form), from the same seeded generator."""
        return str(uuid.UUID(int=self._ids.getrandbits(128), version=4))

    def changed(self) -> None:
        """Record that the data changed (for the state file)."""
        self.version += 1

    # Personas

    def create_persona(
        self, acct: Account, body: object, config: EmulatorConfig
    ) -> dict[str, object]:
        """Validate and store a new persona; return the stored document."""
        if not isinstance(body, dict):
            raise error(400, "Invalid request body")
        doc = {k: copy.deepcopy(v) for k, v in body.items() if k not in SERVER_FIELDS}
        validate_persona(doc, self.replicas, strict=config.unknown_fields == "reject")
        if config.fill_defaults:
            fill_defaults(doc, at_create=True)
        now = self.clock.now(config.timestamps)
        pid = self.new_id("p", acct.personas)
        acct.personas[pid] = {"persona_id": pid, **doc, "persona_type": "user",
                              "created_at": now, "updated_at": now}  # fmt: skip
        self.changed()
        return acct.personas[pid]

    def persona(self, acct: Account, pid: str, config: EmulatorConfig) -> dict[str, object]:
        """A user or system persona by id; raises the missing-persona error."""
        found = acct.personas.get(pid) or self.system_personas.get(pid)
        if found is None:
            raise missing_persona(config)
        return found

    def user_persona(self, acct: Account, pid: str, config: EmulatorConfig) -> dict[str, object]:
        """A persona this account may change (system personas are read-only to it)."""
        if pid not in acct.personas:
            raise missing_persona(config)
        return acct.personas[pid]

    def patch_persona(
        self, acct: Account, pid: str, ops: object, config: EmulatorConfig, *, pal: bool = False
    ) -> dict[str, object] | None:
        """Apply a JSON Patch atomically; return the new document, or None when nothing changed.

        With ``pal`` the patch speaks PAL words: it applies to the PAL view (server fields
        included, so a ``test`` of them works), and the result is read back in persona words.
        """
        stored = self.user_persona(acct, pid, config)
        ops = check_ops(ops, config.patch_error_status)
        result: dict[str, object]
        if pal:
            shown = {**vocab.to_pal(stored), **pal_server_fields(stored)}
            result = vocab.from_pal(apply_ops(shown, ops, config.patch_error_status))
        else:
            result = apply_ops(stored, ops, config.patch_error_status)
        body = {k: v for k, v in result.items() if k not in SERVER_FIELDS}
        validate_persona(body, self.replicas, strict=config.unknown_fields == "reject")
        if config.fill_defaults:
            fill_defaults(result, at_create=False)
        if same_document(result, stored):
            return None
        result["updated_at"] = self.clock.now(config.timestamps)
        acct.personas[pid] = result
        self.changed()
        return result

    def delete_persona(self, acct: Account, pid: str, config: EmulatorConfig) -> None:
        """Delete a persona; conversations keep their ``persona_id`` (§11)."""
        self.user_persona(acct, pid, config)
        del acct.personas[pid]
        self.changed()

    def list_personas(
        self,
        acct: Account,
        persona_type: str | None,
        config: EmulatorConfig,
        *,
        descending: bool = False,
    ) -> tuple[Iterator[dict[str, object]], int]:
        """Personas oldest first, or newest first if ``descending`` (an iterator, so a page
        costs only its offset), and their count (tavus-api-2026.md: lists are oldest first)."""
        order: Any = reversed if descending else iter
        users: Iterator[dict[str, object]] = order(acct.personas.values())
        system: Iterator[dict[str, object]] = order(self.system_personas.values())
        if persona_type == "user" or (persona_type is None and not config.list_system_personas):
            return users, len(acct.personas)
        if persona_type == "system":
            return system, len(self.system_personas)
        # Every user persona is newer than the seeded system personas.
        both = itertools.chain(users, system) if descending else itertools.chain(system, users)
        return both, len(acct.personas) + len(self.system_personas)

    # Conversations

    def create_conversation(
        self, acct: Account, body: object, config: EmulatorConfig
    ) -> dict[str, object]:
        """Start a conversation, resolving the replica from the body or the persona (§8).

        ``pal_id``/``face_id`` (2026 words) stand for ``persona_id``/``replica_id``. Past the
        ``max_conversations`` active ones: 400; past ``credits`` started ones: 402.
        """
        if not isinstance(body, dict):
            raise error(400, GENERIC_CONVERSATION_ERROR)
        body = {**body, "persona_id": body.get("persona_id", body.get("pal_id")),
                "replica_id": body.get("replica_id") or body.get("face_id")}  # fmt: skip
        persona = self._conversation_persona(acct, body.get("persona_id"), config)
        replica_id = body.get("replica_id") or (persona or {}).get("default_replica_id")
        if replica_id not in self.replicas:
            raise error(400, GENERIC_CONVERSATION_ERROR)
        self._check_conversation_limits(acct, config)
        acct.started += 1
        cid = self.new_id("c", acct.conversations)
        conversation = {
            "conversation_id": cid,
            "conversation_name": body.get("conversation_name") or f"Conversation {cid}",
            "conversation_url": f"https://tavus.daily.co/{cid}",
            "status": "ended" if body.get("test_mode") is True else "active",
            "callback_url": body.get("callback_url"),
            "replica_id": replica_id,
            "persona_id": body.get("persona_id"),
            "created_at": self.clock.now(config.timestamps),
        }
        if body.get("require_auth") is True:
            conversation["meeting_token"] = f"token-{self.new_id('m', {})}"
        acct.conversations[cid] = conversation
        self.changed()
        return conversation

    def _check_conversation_limits(self, acct: Account, config: EmulatorConfig) -> None:
        active = sum(1 for c in acct.conversations.values() if c["status"] == "active")
        if config.max_conversations is not None and active >= config.max_conversations:
            raise HttpError(400, {"message": CONCURRENCY_ERROR})
        if config.credits is not None and acct.started >= config.credits:
            raise HttpError(402, {"message": CREDITS_ERROR})

    def conversation(self, acct: Account, cid: str) -> dict[str, object]:
        """A conversation by id; 404 when unknown (undocumented wording)."""
        if cid not in acct.conversations:
            raise error(404, "Conversation not found")
        return acct.conversations[cid]

    def end_conversation(self, acct: Account, cid: str) -> None:
        """Mark a conversation ended."""
        self.conversation(acct, cid)["status"] = "ended"
        self.changed()

    def delete_conversation(self, acct: Account, cid: str) -> None:
        """Delete a conversation."""
        self.conversation(acct, cid)
        del acct.conversations[cid]
        self.changed()

    def _conversation_persona(
        self, acct: Account, pid: object, config: EmulatorConfig
    ) -> dict[str, object] | None:
        if pid is None:
            return None
        try:
            return self.persona(acct, pid, config) if isinstance(pid, str) else None
        except HttpError:
            raise error(400, GENERIC_CONVERSATION_ERROR) from None


def missing_persona(config: EmulatorConfig) -> HttpError:
    """The answer for an unknown persona id under the ``missing_status`` switch (§11)."""
    if config.missing_status == 404:
        return error(404, "Persona not found")
    return error(400, "Invalid persona_id")
