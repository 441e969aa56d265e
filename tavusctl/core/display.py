"""Text from outside (the API, a manifest) made safe to print: no terminal control.

A server, or a value in a pull request's manifest, may carry escape sequences that clear the
screen, rewrite earlier lines, set the window title or hide text, and characters such as ``\\r``
that overwrite a line. They are shown escaped (``\\x1b``), never acted on.
"""

from __future__ import annotations

import re

# C0 controls, DEL, C1 controls, and the bidirectional overrides that reorder what is shown.
_CONTROL = re.compile(r"[\x00-\x1f\x7f-\x9f\u202a-\u202e\u2066-\u2069\u2028\u2029]")

# In output we build ourselves: everything above except newline and tab, and escape sequences
# except the colour codes (SGR, ``ESC [ ... m``) our renderers emit on a terminal.
_OUTPUT_CONTROL = re.compile(
    r"\x1b(?!\[[0-9;]*m)|[\x00-\x08\x0b-\x1a\x1c-\x1f\x7f-\x9f\u202a-\u202e\u2066-\u2069\u2028\u2029]"
)


def _escaped(match: re.Match[str]) -> str:
    char = match.group(0)
    code = ord(char)
    return f"\\x{code:02x}" if code < 0x100 else f"\\u{code:04x}"


def one_line(text: str) -> str:
    """``text`` with every control character (newlines too) shown escaped: one printable line."""
    return _CONTROL.sub(_escaped, text)


def printable(text: str) -> str:
    """Output text with control characters shown escaped, keeping newlines, tabs and colours."""
    return _OUTPUT_CONTROL.sub(_escaped, text)


def cut(text: str, limit: int) -> str:
    """``text`` cut to ``limit`` characters, marked with ``…`` when cut."""
    return text if len(text) <= limit else text[: limit - 1] + "…"
