"""What apply did: one Outcome per changing action, progress Events, and the ApplyResult."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

from tavusctl.plan.model import ActionKind
from tavusctl.state.lockfile import Lockfile

Status = Literal["succeeded", "failed", "skipped"]


@dataclass(frozen=True)
class Outcome:
    """The result of one action. ``reason`` says why it failed (or how it succeeded, e.g.
    by adopting a persona created by an interrupted run)."""

    key: str
    kind: ActionKind
    status: Status
    persona_id: str | None = None
    reason: str | None = None


@dataclass(frozen=True)
class Event:
    """Progress, for the CLI to show on stderr as it happens.

    ``what``: started (message: the action kind), creating, created, adopted, updated,
    deleted, failed, skipped, warning.
    ``message`` never holds a secret value.
    """

    key: str
    what: str
    message: str


@dataclass(frozen=True)
class ApplyResult:
    """Every outcome (in plan order), the state as last written, read-back warnings, how many
    HTTP requests the run made, and why the state stopped accepting writes if it did."""

    outcomes: tuple[Outcome, ...]
    lock: Lockfile
    warnings: tuple[str, ...] = ()
    requests: int = 0
    state_error: str | None = None  # why the state stopped accepting writes, if it did
    state_writes: int = 0  # batches recorded in the state
    longest_unrecorded: float = 0.0  # seconds the longest a result waited for its state write

    def having(self, status: Status) -> tuple[Outcome, ...]:
        """The outcomes with ``status``."""
        return tuple(o for o in self.outcomes if o.status == status)

    @property
    def ok(self) -> bool:
        """True when nothing failed or was skipped."""
        return self.state_error is None and all(o.status == "succeeded" for o in self.outcomes)
