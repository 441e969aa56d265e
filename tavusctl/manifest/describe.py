"""Words for fields and values in messages: ``spec.layers.llm.tools[0]``, ``the string 'x'``."""

from __future__ import annotations

from collections.abc import Sequence

_TYPES = {
    "string": "a string",
    "boolean": "true or false",
    "object": "a mapping",
    "array": "a list",
    "number": "a number",
    "integer": "a whole number",
    "null": "empty (null)",
}


def field_name(tokens: Sequence[str | int]) -> str:
    """A field as a user writes it: ``["spec", "tools", 0, "name"]`` → ``spec.tools[0].name``."""
    text = ""
    for token in tokens:
        if isinstance(token, int) or (isinstance(token, str) and token.isdigit()):
            text += f"[{token}]"
        else:
            text += f".{token}" if text else str(token)
    return text


def describe(value: object) -> str:
    """A value in words: ``the string 'x'``, ``the number 3``, ``a list``."""
    if isinstance(value, bool):
        return f"the boolean {str(value).lower()}"
    if isinstance(value, str):
        return f"the string '{value}'" if len(value) <= 60 else "a long string"
    if isinstance(value, (int, float)):
        return f"the number {value}"
    if isinstance(value, dict):
        return "a mapping"
    if isinstance(value, list):
        return "a list"
    return "empty (null)"


def a_type(expected: str | Sequence[str]) -> str:
    """A JSON Schema type (or list of types) in words: ``"object"`` → ``a mapping``."""
    names = [expected] if isinstance(expected, str) else list(expected)
    return " or ".join(_TYPES.get(name, name) for name in names)
