"""Exit codes and the user-facing error types.

Every error a user can cause is a ``TavusctlError``: the CLI prints its message (one or more
whole sentences naming the file, key or persona, and what to do) and exits with its code.
Anything else that escapes is a bug and is reported as one.
"""

from __future__ import annotations

from enum import IntEnum


class ExitCode(IntEnum):
    """Process exit codes, documented in the README."""

    OK = 0
    ERROR = 1
    CHANGES = 2  # plan --detailed-exitcode: the plan has changes
    INTERRUPTED = 130


class TavusctlError(Exception):
    """Base of every error caused by input, configuration or the remote API."""

    exit_code: ExitCode = ExitCode.ERROR

    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message


class UsageError(TavusctlError):
    """Bad command-line usage that click itself cannot detect."""


class ManifestError(TavusctlError):
    """Manifests that cannot be loaded or are invalid."""


class StateError(TavusctlError):
    """The state (lockfile or database) cannot be read or written, or is held by another run."""


class LockfileError(StateError):
    """A lockfile that cannot be read, is of an unknown version, or is held by another run."""


class LockfileWriteError(LockfileError):
    """The lockfile could not be written (``reason``: the operating system's words); the
    previous file is whole."""

    def __init__(self, message: str, reason: str) -> None:
        super().__init__(message)
        self.reason = reason


class StateLost(StateError):
    """The state stopped accepting writes during a run (a lost database connection, a full
    disk): nothing more is written or sent; what was recorded before is safe."""


class ApiError(TavusctlError):
    """The Tavus API answered with an error or could not be reached."""

    def __init__(self, message: str, *, status: int | None = None) -> None:
        super().__init__(message)
        self.status = status


class PlanError(TavusctlError):
    """A plan that cannot be made, or a saved plan that is stale or invalid."""


class InternalError(TavusctlError):
    """A bug in tavusctl, found by one of its own checks (e.g. a patch that does not verify)."""

    def __init__(self, message: str) -> None:
        super().__init__(
            f"{message} This is a bug in tavusctl; please report it with the command you ran."
        )


# The API client's errors, by what the caller can do about them. Messages name the persona or
# the request and the HTTP status, say what to do, and never contain the API key.


class AuthError(ApiError):
    """The API rejected the key (401) or refused access (403)."""


class NotFound(ApiError):
    """The persona (or other resource) does not exist on the account."""


class InvalidRequest(ApiError):
    """The API refused the request as invalid (400/422): fix the input, retrying will not help."""


class Conflict(ApiError):
    """The resource changed in a way that makes the request inapplicable."""


class PreconditionFailed(Conflict):
    """A PATCH whose ``test`` operations failed: the persona changed since the plan was made."""


class RateLimited(ApiError):
    """Still rate limited (429) after every retry; ``retry_after`` is the server's hint, if any."""

    retry_after: float | None = None


class ServerError(ApiError):
    """The API failed (5xx) after every retry."""


class Unreachable(ApiError):
    """The API could not be reached, or did not answer in time, after every retry."""


class OutcomeUnknown(ApiError):
    """A write whose effect is unknown: it may or may not have happened (never retried blindly)."""
