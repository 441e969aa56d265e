"""The forms of Tavus ids (tavus-api.md §2.6): a prefix letter, then ``[0-9a-z-]``.

Only the form is checked, never hex or length: real ids come in 8-, 10- and 12-character forms,
and system personas such as ``pipecat-stream`` and ``pipecat0`` are not hex at all. The JSON
Schema carries the same patterns (a test keeps them equal).
"""

from __future__ import annotations

import re

PATTERNS = {
    "persona": r"^p[0-9a-z-]+$",
    "replica": r"^r[0-9a-z-]+$",
    "document": r"^d[0-9a-z-]+$",
    "objectives": r"^o[0-9a-z-]+$",
    "guardrail": r"^g[0-9a-z-]+$",
}


def is_valid(kind: str, value: str) -> bool:
    """Whether ``value`` has the form of a Tavus id of ``kind`` (a key of ``PATTERNS``)."""
    return re.fullmatch(PATTERNS[kind], value) is not None


def is_persona_id(value: str) -> bool:
    """Whether ``value`` has the form of a persona id, e.g. ``pcb7a34da5fe`` or ``pipecat0``."""
    return is_valid("persona", value)
