"""Which fields are secret, how they are hashed, and how they are shown.

A secret value never leaves memory: the lockfile and plan files hold a salted hash, and every
rendering shows ``(sensitive value)``.
"""

from __future__ import annotations

import hashlib
import hmac
import json
import re
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass
from functools import lru_cache
from typing import Literal
from urllib.parse import quote, quote_plus

from tavusctl.core import pointer

SENSITIVE = "(sensitive value)"
HASH_PREFIX = "sha256:"


IsSecret = Callable[[str], bool]


@dataclass(frozen=True)
class SecretRule:
    """Which JSON Pointers of a spec name secret fields: the one answer to "is this secret?".

    Secret: a key named one of ``keys`` at any depth, the exact pointers of ``fields`` (a
    tool's ``/delivery/api/auth/token``: a ``token`` elsewhere is not secret), and every value
    of an object found at one of ``under`` (e.g. custom LLM auth headers). Each kind carries its
    rule (:attr:`tavusctl.kinds.Kind.secrets`); this class is the only place that reads it.
    """

    keys: frozenset[str] = frozenset()
    under: tuple[str, ...] = ()
    fields: frozenset[str] = frozenset()

    def __call__(self, path: str) -> bool:
        """Whether the JSON Pointer ``path`` (relative to a spec) names a secret field."""
        return _by_rule(self, path)

    def paths(self, doc: object, prefix: str = "") -> Iterator[str]:
        """The pointer of every secret leaf (or secret subtree) present in ``doc``, lists
        included: an ``api_key`` in a list of fallbacks is as secret as any other."""
        for path, _ in pointer.leaves(doc, prefix, stop=self, lists=True):
            if self(path):
                yield path

    def marked(self, extra: Iterable[str] = ()) -> IsSecret:
        """This rule, plus the ``extra`` pointers (fields the loader read from a secret
        reference, say)."""
        marked = frozenset(extra)
        if not marked:
            return self
        return lambda path: path in marked or self(path)


@lru_cache(maxsize=8192)
def _by_rule(rule: SecretRule, path: str) -> bool:
    # Resources of a kind share their paths: caching makes a 1,000-persona plan several times faster.
    tokens = pointer.split(path)
    if tokens and tokens[-1].lower() in rule.keys:  # keys are compared without case
        return True
    if path in rule.fields:
        return True
    return any(pointer.below(path, parent) for parent in rule.under)


def hash_secret(value: object, salt: str) -> str:
    """A salted, keyed hash of a secret value, safe to store and compare."""
    digest = hmac.new(salt.encode(), repr(value).encode(), hashlib.sha256).hexdigest()
    return HASH_PREFIX + digest


# How APIs hide a secret on read: a run of three or more ``*`` or ``•``, or an ellipsis
# (``****6789``, ``sk-…6789``). Runs of ``x``/``X`` are not taken as masks: real keys have them.
_MASK = re.compile(r"[*\u2022]{3,}|\.\.\.|\u2026")

Verdict = Literal["same", "different", "unknown"]


def is_masked(value: object) -> bool:
    """Whether ``value``, a secret as the API returned it, is masked."""
    return isinstance(value, str) and _MASK.search(value) is not None


def mask_fits(masked: str, value: object) -> bool:
    """Whether ``value`` could be the secret behind ``masked``: what the mask shows before its
    first run and after its last one must be how ``value`` starts and ends."""
    parts = _MASK.split(masked)
    text = str(value)
    return text.startswith(parts[0]) and text.endswith(parts[-1])


def compare_live(live: object, value: object, salt: str) -> Verdict:
    """What a secret as read from the API says about whether it is ``value``.

    Equal by hash: ``same``. A non-empty string that is not masked is the secret in clear:
    ``different``; so is a mask whose visible ends do not fit ``value``. Anything else
    (absent, ``null``, ``""``, a mask that fits) tells nothing: ``unknown``.
    """
    if _hash_equal(live, value, salt):
        return "same"
    if not isinstance(live, str) or not live:
        return "unknown"
    if is_masked(live) and mask_fits(live, value):
        return "unknown"
    return "different"


def _hash_equal(live: object, value: object, salt: str) -> bool:
    return hmac.compare_digest(hash_secret(live, salt), hash_secret(value, salt))


def is_hash(value: object) -> bool:
    """Whether ``value`` looks like the output of :func:`hash_secret`."""
    return isinstance(value, str) and value.startswith(HASH_PREFIX) and len(value) == 71


class Scrubber:
    """The secret values read in this run, hidden from everything printed: the last line of
    defence. Nothing should try to print a secret, but if a bug does, the user sees
    ``(sensitive value)``.

    The CLI makes one and fills it explicitly: it adds the API key and hands the scrubber to
    the manifest loader (secret values read) and the client (secrets the API shows in clear);
    it scrubs everything it prints. A value is hidden as written and as it appears inside JSON
    text or a URL (``\\"``, ``\\\\``, ``\\u00e9``, ``%2F``): an API error that echoes the
    request shows it escaped. A value shorter than :data:`SHORT` is hidden only as a whole token
    (not inside a longer word): hiding every ``e`` would mangle every message and show the
    secret by its absence. The API key is never that short (the CLI refuses such a key).
    """

    def __init__(self) -> None:
        self._known: set[str] = set()

    def add(self, value: object) -> None:
        """Hide ``value`` (a secret string) from now on."""
        if isinstance(value, str) and value:
            self._known.add(value)

    def add_shown(self, doc: object, rule: SecretRule) -> None:
        """Hide every secret value that ``doc`` (an object as the API returned it) shows in
        clear, so that an API message echoing one is scrubbed too."""
        for path in rule.paths(doc):
            self.add(pointer.resolve(doc, path))

    def scrub(self, text: str, also: Iterable[str] = ()) -> str:
        """``text`` with every secret value added (and each of ``also``) replaced by
        ``(sensitive value)``, in each of its written forms."""
        values = self._known.union(v for v in also if isinstance(v, str) and v)
        return scrub_values(text, values)


SHORT = 8


def scrub_values(text: str, values: Iterable[str]) -> str:
    """``text`` with each of ``values`` replaced by ``(sensitive value)`` (see :data:`SHORT`)."""
    forms = {form for value in values for form in _forms(value)}
    for form in sorted(forms, key=len, reverse=True):
        if len(form) >= SHORT:
            text = text.replace(form, SENSITIVE)
        elif form in text:
            text = re.sub(rf"(?<![\w-]){re.escape(form)}(?![\w-])", SENSITIVE, text)
    return text


@lru_cache(maxsize=4096)
def _forms(value: str) -> frozenset[str]:
    """How ``value`` can appear in text: as is, JSON-escaped (with and without ``\\u``
    escapes), URL-encoded."""
    as_json = json.dumps(value, ensure_ascii=False)[1:-1]
    as_ascii = json.dumps(value)[1:-1]
    raw = value.encode("utf-8", "surrogatepass")  # a value read from bytes that are not UTF-8
    return frozenset({value, as_json, as_ascii, quote(raw, safe=""), quote_plus(raw)})
