"""The emulator's switches and trouble options, as one frozen value object.

Every behaviour that tavus-api.md marks as uncertain has a switch here (§10, §11), so that
tavusctl can be tested against each plausible variant of the real API. Defaults follow the
evidence: tavus-api-2026.md where it is newer (unset fields read as null, for one).
"""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass
from typing import Any

CHOICES: dict[str, tuple[object, ...]] = {
    "get_shape": ("flat", "wrapped"),
    "secrets": ("stored", "masked", "masked-stars", "omitted", "masked-bullets", "masked-ellipsis"),
    "missing_status": (400, 404),
    "patch_response": ("full", "message", "empty"),
    "create_response": ("minimal", "full"),
    "unknown_fields": ("accept", "reject"),
    "patch_error_status": (422, 400),
    "unset_fields": ("null", "absent"),
    "timestamps": ("millis", "micros", "offset"),
}
# Positive whole numbers, or None for "no limit".
LIMITS = ("max_conversations", "credits")
BOOLEANS = ("fill_defaults", "list_system_personas")
# Fixed at start: they shape the accounts and the files, not the behaviour of one request.
FIXED_AT_START = ("state_file", "api_keys", "replicas")


@dataclass(frozen=True)
class EmulatorConfig:
    """How the emulator behaves. Defaults follow tavus-api.md §11 (the first variant listed)."""

    get_shape: str = "flat"
    secrets: str = "stored"
    fill_defaults: bool = False
    missing_status: int = 400
    patch_response: str = "full"
    create_response: str = "minimal"
    unknown_fields: str = "accept"
    list_system_personas: bool = True
    patch_error_status: int = 422
    max_page_size: int = 100
    latency_ms: float = 0.0
    jitter_ms: float = 0.0
    rate_limit: float | None = None
    fault_rate: float = 0.0
    seed: int | None = None
    state_file: str | None = None
    api_keys: tuple[str, ...] = ()
    replicas: tuple[str, ...] = ()
    unset_fields: str = "null"
    timestamps: str = "millis"
    max_conversations: int | None = None
    credits: int | None = None

    def __post_init__(self) -> None:
        for name in (*CHOICES, *LIMITS):
            check_field(name, getattr(self, name))
        check_field("max_page_size", self.max_page_size)
        check_field("fault_rate", self.fault_rate)
        for name in ("latency_ms", "jitter_ms"):
            check_field(name, getattr(self, name))
        check_field("rate_limit", self.rate_limit)

    def to_json(self) -> dict[str, object]:
        """The configuration as a JSON object (tuples become lists)."""
        return {k: list(v) if isinstance(v, tuple) else v for k, v in vars(self).items()}

    def changed(self, changes: dict[str, Any]) -> EmulatorConfig:
        """A copy with ``changes`` applied; raises ValueError naming a bad field or value."""
        names = {f.name for f in dataclasses.fields(self)}
        for name, value in changes.items():
            if name not in names:
                raise ValueError(f"Unknown emulator setting {name!r}.")
            if name in FIXED_AT_START:
                raise ValueError(f"The setting {name!r} can only be set when the emulator starts.")
            check_field(name, value)
        return dataclasses.replace(self, **changes)


def check_field(name: str, value: Any) -> None:
    """Raise ValueError unless ``value`` is allowed for the setting ``name``."""
    if name in CHOICES and value not in CHOICES[name]:
        allowed = ", ".join(str(c) for c in CHOICES[name])
        raise ValueError(f"The setting {name!r} must be one of {allowed}, not {value!r}.")
    if name in BOOLEANS and not isinstance(value, bool):
        raise ValueError(f"The setting {name!r} must be true or false, not {value!r}.")
    if name in LIMITS and value is not None and not (_is_count(value) and value >= 0):
        raise ValueError(
            f"The setting {name!r} must be a whole number >= 0 or null, not {value!r}."
        )
    if name == "max_page_size" and not (_is_number(value) and int(value) == value and value >= 1):
        raise ValueError(f"The setting 'max_page_size' must be a positive integer, not {value!r}.")
    if name == "fault_rate" and not (_is_number(value) and 0 <= value <= 1):
        raise ValueError(f"The setting 'fault_rate' must be between 0 and 1, not {value!r}.")
    if name in ("latency_ms", "jitter_ms") and not (_is_number(value) and value >= 0):
        raise ValueError(f"The setting {name!r} must be a number of milliseconds >= 0.")
    if name == "rate_limit" and value is not None and not (_is_number(value) and value > 0):
        raise ValueError(
            f"The setting 'rate_limit' must be a positive number per second, not {value!r}."
        )
    if (
        name == "seed"
        and value is not None
        and not (isinstance(value, int) and not isinstance(value, bool))
    ):
        raise ValueError(f"The setting 'seed' must be an integer, not {value!r}.")


def _is_count(value: object) -> bool:
    return isinstance(value, int) and not isinstance(value, bool)


def _is_number(value: object) -> bool:
    return isinstance(value, (int, float)) and not isinstance(value, bool)
