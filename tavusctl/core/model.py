"""Value objects shared by the stages: source locations and desired resources."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any


@dataclass(frozen=True, order=True)
class Location:
    """A place in a manifest file; line and column are 1-based."""

    file: str
    line: int
    column: int

    def __str__(self) -> str:
        return f"{self.file}:{self.line}:{self.column}"


@dataclass(frozen=True)
class Resource:
    """One desired resource, loaded from a manifest document.

    ``spec`` holds resolved values, secrets included: it lives in memory only and must never be
    rendered or written as is. ``secrets`` maps the JSON Pointer of every secret field in
    ``spec`` to the environment variable it was read from (``None`` for an allowed literal).
    ``locations`` maps JSON Pointers inside ``spec`` (``""`` for spec itself) to where the
    key was written, so that later stages can point at a line.
    """

    kind: str
    name: str
    spec: Mapping[str, Any]
    location: Location
    locations: Mapping[str, Location] = field(default_factory=dict)
    secrets: Mapping[str, str | None] = field(default_factory=dict)
    allow_unknown_fields: bool = False
    allow_duplicate_name: bool = False  # may share a live persona's persona_name (annotation)

    @property
    def key(self) -> str:
        """The lockfile key, e.g. ``Persona/interviewer``."""
        return f"{self.kind}/{self.name}"
