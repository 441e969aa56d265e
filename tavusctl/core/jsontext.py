"""Reading JSON that tavusctl wrote (the lockfile, saved plans) and a person may have edited.

``json.loads`` accepts a key written twice (the last wins, silently), and fails with a
``RecursionError`` or a ``ValueError`` on nesting or numbers no tavusctl file has; walkers
further on would fail on depths it accepts. :func:`load` turns all of these into one
:class:`BadJson` with a sentence to show.
"""

from __future__ import annotations

import json
import re
from typing import Any

# Deeper than any persona: a file nested 100,000 deep is refused here, not by a RecursionError
# in whichever walker meets it first.
MAX_DEPTH = 64


class BadJson(ValueError):
    """Text that is not JSON as tavusctl writes it; ``str()`` is a sentence fragment."""


def load(text: str) -> Any:
    """Parse ``text``; raises :class:`BadJson` (``json.JSONDecodeError`` for bad syntax)."""
    try:
        data = json.loads(text, object_pairs_hook=_no_repeats)
    except json.JSONDecodeError:
        raise
    except RecursionError:
        raise BadJson(f"it is nested more than {MAX_DEPTH} levels deep") from None
    except ValueError as exc:  # a key written twice, a number of thousands of digits
        raise BadJson(str(exc).split(";")[0]) from None
    _check_nodes(data)
    return data


# A lone UTF-16 surrogate (``"\ud800"``): JSON text can escape one, UTF-8 cannot carry it.
_SURROGATE = re.compile("[\ud800-\udfff]")


def _check_nodes(data: Any) -> None:
    """Refuse nesting deeper than MAX_DEPTH and strings that are not Unicode text (walked level
    by level, without recursion)."""
    level: list[Any] = [data]
    for _ in range(MAX_DEPTH + 1):
        nxt: list[Any] = []
        for node in level:
            if isinstance(node, dict):
                nxt.extend(node.keys())
                nxt.extend(node.values())
            elif isinstance(node, list):
                nxt.extend(node)
            elif isinstance(node, str) and _SURROGATE.search(node):
                raise BadJson("it holds a lone surrogate (\\ud800 to \\udfff), which is not text")
        if not nxt:
            return
        level = nxt
    raise BadJson(f"it is nested more than {MAX_DEPTH} levels deep")


def _no_repeats(pairs: list[tuple[str, Any]]) -> dict[str, Any]:
    out: dict[str, Any] = {}
    for key, value in pairs:
        if key in out:
            raise ValueError(f"the key {json.dumps(key)} is written twice in one object")
        out[key] = value
    return out
