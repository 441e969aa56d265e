"""Which Tavus account a lockfile belongs to, and the refusal to plan against another one.

A lockfile records the API URL and a salted fingerprint of the key it was last applied with
(never the key). The fingerprint alone cannot decide: a rotated key is the same account. What
decides is the account's content: when the lockfile records ids and *none* of them exists on
the account read, planning would create every persona again and leave the originals orphaned,
so plan refuses, naming the likely cause. When the ids are found, the fingerprint is simply
brought up to date by the next write.
"""

from __future__ import annotations

from collections.abc import Container
from dataclasses import replace

from tavusctl.core.errors import LockfileError
from tavusctl.state.lockfile import Account, Lockfile


def bind(lock: Lockfile, current: Account) -> Lockfile:
    """``lock`` recording ``current`` as its account (the next write saves it). A ``current``
    without an environment keeps the one recorded (commands that do not know it never erase it)."""
    if current.environment is None and lock.account is not None:
        current = replace(current, environment=lock.account.environment)
    return lock if lock.account == current else replace(lock, account=current)


def check_environment(lock: Lockfile, environment: str, lock_name: str) -> None:
    """Refuse (LockfileError) a state recorded for another environment than ``environment``."""
    recorded = lock.account.environment if lock.account is not None else None
    if recorded is None or recorded == environment:
        return
    raise LockfileError(
        f"{lock_name} is the state of environment {recorded}, not of environment "
        f"{environment}: using it would plan {environment}'s account against {recorded}'s "
        f"personas, so nothing was read or written. Use --env {recorded} with this state, or "
        f"fix environments.{environment}.state in tavusctl.yaml (or drop --lockfile or "
        "--state-workspace)."
    )


def check_bound(
    lock: Lockfile,
    live_ids: Container[str],
    current: Account,
    lock_name: str,
    *,
    destroying: bool = False,
) -> None:
    """Refuse (LockfileError) when the lockfile records ids and none of them is on the account."""
    recorded = [e.id for e in lock.entries.values() if e.id]
    if not recorded or any(i in live_ids for i in recorded):
        return
    n = len(recorded)
    them = "it" if n == 1 else f"all {n}"
    if destroying:
        then = (
            f"Destroying now would delete nothing and forget {them}, leaving the originals "
            "orphaned, so nothing was done."
        )
        out = "If the personas were really all deleted, forget them with `tavusctl state rm NAME`."
    else:
        then = (
            f"Planning now would create {them} again and leave the originals orphaned, so "
            "nothing was planned or written."
        )
        out = (
            "If the personas were really all deleted, plan with --allow-recreate-all to create "
            "them again, or forget them with `tavusctl state rm NAME`."
        )
    raise LockfileError(
        f"None of the {n} persona id{'' if n == 1 else 's'} recorded in {lock_name} exist"
        f"{'s' if n == 1 else ''} on the account this API key reaches at {current.api_url}: "
        f"{_cause(lock.account, current)} {then} {_check(current)} {out}"
    )


def _check(current: Account) -> str:
    if current.environment is None:
        return (
            "Check TAVUS_API_KEY, --api-url and the state used (--lockfile, --state-workspace, "
            "or the environment)."
        )
    return (
        f"This is environment {current.environment}: check that its API key variable in "
        "tavusctl.yaml holds that environment's key, and its api_url and state."
    )


def _cause(recorded: Account | None, current: Account) -> str:
    if recorded is None:
        return "most likely another API key (another account) or another environment."
    if recorded.api_url != current.api_url:
        return (
            f"it was last applied at {recorded.api_url}, not here: another environment or API URL."
        )
    if recorded.key_fingerprint != current.key_fingerprint:
        return "it was last applied with a different API key: another account."
    return "they were deleted outside tavusctl, or the account was emptied."
