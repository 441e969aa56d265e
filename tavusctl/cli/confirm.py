"""The confirmation asked before a command changes the Tavus account (apply, destroy).

As in Terraform: on a terminal the user must type ``yes`` in full; without a terminal (CI, a
pipe) nothing is asked and the command refuses unless ``--auto-approve`` was given, so that a
pipeline can never approve by accident. ``ask`` and ``isatty`` are injectable for tests.
"""

from __future__ import annotations

import sys
from collections.abc import Callable

from tavusctl.core.errors import TavusctlError, UsageError


class Cancelled(TavusctlError):
    """The user answered something other than ``yes``."""


def approve(
    question: str,
    *,
    verb: str,
    auto_approve: bool,
    ask: Callable[[str], str] = input,
    isatty: Callable[[], bool] | None = None,
) -> None:
    """Return if the change may go ahead; raise :class:`Cancelled` or a refusal otherwise.

    ``verb`` names the command in messages (``"apply"``, ``"destroy"``).
    """
    if auto_approve:
        return
    if not (isatty or sys.stdin.isatty)():
        raise UsageError(
            f"Refusing to {verb} without confirmation: standard input is not a terminal. "
            f"Review the plan above and pass --auto-approve to {verb} unattended."
        )
    prompt = f"\n{question}\n  Only 'yes' will be accepted to approve.\n\n  Enter a value: "
    try:
        answer = ask(prompt)
    except EOFError:
        answer = ""
    if answer.strip() != "yes":
        raise Cancelled(f"{verb.capitalize()} cancelled: nothing was changed.")
