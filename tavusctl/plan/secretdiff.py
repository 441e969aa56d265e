"""How the three-way diff judges secret fields, whose live value may be hidden.

An API may return a secret in clear, masked (``****6789``) or not at all. What live shows is
used for all it tells (:func:`tavusctl.core.secrets.compare_live`); where it tells nothing, the
lockfile's salted hash decides. Pure: no I/O. See README, "How plan decides".
"""

from __future__ import annotations

import copy
from collections.abc import Mapping, Sequence
from typing import Any

from tavusctl.core import pointer
from tavusctl.core.secrets import IsSecret, compare_live, hash_secret, is_masked, mask_fits
from tavusctl.core.values import MISSING

# Stands for a secret the server stores but hides on read, while a patch is verified.
HIDDEN = "\x00hidden-secret"


class SecretView:
    """The secret leaves of desired (``want``) and last-applied (``last``, hashed) against
    live, by JSON Pointer."""

    def __init__(
        self,
        want: Mapping[str, object],
        last: Mapping[str, object],
        live: Mapping[str, object],
        salt: str,
        is_secret: IsSecret,
    ) -> None:
        self.want, self.last, self.live, self.salt = want, last, live, salt
        self.is_secret = is_secret

    def differs(self, path: str, value: object) -> bool:
        """Whether the desired secret ``value`` at ``path`` must be sent.

        In clear, or masked with visible ends that do not fit, live decides. Otherwise the
        lockfile does: unchanged hash, nothing to send; unless the object holding it is gone
        from live, in which case the secret is surely gone too.
        """
        got = pointer.get(self.live, path)
        verdict = "unknown" if got is MISSING else compare_live(got, value, self.salt)
        if verdict != "unknown":
            return verdict == "different"
        if hash_secret(value, self.salt) != self.last.get(path):
            return True
        return got is MISSING and not pointer.exists(self.live, self.holder(path, self.want))

    def drifted(self, path: str, last_hash: object) -> bool:
        """Whether live shows a secret other than the one last applied: in clear with another
        hash, or masked with visible ends that do not fit it (known only while desired still
        holds that secret, the only place its value is known)."""
        got = pointer.get(self.live, path)
        if got is MISSING or hash_secret(got, self.salt) == last_hash:
            return False
        if is_masked(got):
            want = self.want.get(path, MISSING)
            same = want is not MISSING and hash_secret(want, self.salt) == last_hash
            return same and not mask_fits(got, want)
        return isinstance(got, str) and got != ""

    def hides(self, path: str) -> bool:
        """Whether live lacks the last-applied secret ``path`` though the object holding it
        (see :meth:`holder`) is there, at a point no desired leaf touches: the server stores
        it and only hides it on read."""
        tokens = pointer.split(path)
        node: object = self.live
        depth = len(pointer.split(self.holder(path, self.last)))
        for i, token in enumerate(tokens):
            if not isinstance(node, Mapping):
                return False
            if token not in node:
                missing = pointer.join(tokens[: i + 1])
                return i >= depth and not any(pointer.related(missing, d) for d in self.want)
            node = node[token]
        return False

    def holder(self, path: str, doc_leaves: Mapping[str, object]) -> str:
        """The nearest ancestor of ``path`` whose content in ``doc_leaves`` is not only secrets.

        A server that hides secrets may drop an object that held nothing else (``headers``).
        """
        parent = path.rsplit("/", 1)[0]
        while parent and all(self.is_secret(p) for p in doc_leaves if pointer.below(p, parent)):
            parent = parent.rsplit("/", 1)[0]
        return parent


def with_hidden(live: Mapping[str, Any], paths: list[str]) -> Mapping[str, object]:
    """``live`` with :data:`HIDDEN` at each of ``paths`` (objects created), in a copy: the
    document as the server stores it, for verifying a patch that removes hidden secrets."""
    if not paths:
        return live
    doc = copy.deepcopy(dict(live))
    for path in paths:
        *parents, last = pointer.split(path)
        node = doc
        for token in parents:
            node = node.setdefault(token, {})
        node[last] = HIDDEN
    return doc


def prune_unseen(doc: object, live: Mapping[str, object], paths: Sequence[str]) -> object:
    """``doc`` without the objects :func:`with_hidden` made for ``paths`` that are left empty.

    Live does not show them: whether a patch removes the hidden secret alone or its emptied
    object too is then the same to the reader, and to the verification.
    """
    for path in paths:
        tokens = pointer.split(path)
        for i in range(len(tokens) - 1, 0, -1):
            ancestor = pointer.join(tokens[:i])
            if pointer.exists(live, ancestor) or pointer.get(doc, ancestor, None) != {}:
                break
            del pointer.resolve(doc, pointer.join(tokens[: i - 1]))[tokens[i - 1]]
    return doc
