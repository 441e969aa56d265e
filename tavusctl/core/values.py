"""Values as tavusctl compares them: the one absent marker and the one equality."""

from __future__ import annotations

from collections.abc import Mapping


class Missing:
    """The absence of a value (distinct from JSON ``null``); falsy, one instance."""

    _instance: Missing | None = None

    def __new__(cls) -> Missing:
        if cls._instance is None:
            cls._instance = super().__new__(cls)
        return cls._instance

    def __repr__(self) -> str:
        return "MISSING"

    def __bool__(self) -> bool:
        return False


MISSING = Missing()

_TRUE, _FALSE = "\x00bool:true", "\x00bool:false"


def normal(value: object) -> object:
    """A form where equal means equivalent: string booleans are booleans, ``1`` is ``1.0``.

    Booleans become tagged strings because Python (and DeepDiff) take ``True`` for ``1``.
    """
    if isinstance(value, bool):
        return _TRUE if value else _FALSE
    if isinstance(value, str) and value.lower() in ("true", "false"):
        return _TRUE if value.lower() == "true" else _FALSE
    if isinstance(value, int) and abs(value) < 2**53:
        return float(value)
    if isinstance(value, Mapping):
        return {k: normal(v) for k, v in value.items()}
    if isinstance(value, list):
        return [normal(v) for v in value]
    return value


def same(a: object, b: object) -> bool:
    """Equal as JSON, except that ``"true"``/``"false"`` strings equal the booleans and ``1``
    equals ``1.0``. :data:`MISSING` equals only itself."""
    return a is b or (a is not MISSING and b is not MISSING and normal(a) == normal(b))
