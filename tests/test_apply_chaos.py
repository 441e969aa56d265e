"""``tavusctl apply`` under trouble: random faults, SIGKILL at random moments, a rival apply.

Each test runs the real CLI in subprocesses against a real ``tavusctl emulator`` subprocess
(its own trouble options), once with each state store: the lockfile, and PostgreSQL (a real
server, tests/support/postgres.py). They are slower than the rest but bounded (tens of seconds),
and ``make test`` runs them: ``-m "not slow"`` skips them for a quick local loop.
"""

from __future__ import annotations

import contextlib
import random
import signal
import subprocess
import time
from collections import Counter
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest

from tests.support.cli import Result
from tests.support.emulator import Emulator, emulator_process
from tests.support.workspace import API_KEY, Workspace, changing, spec

pytestmark = pytest.mark.slow

MAX_RUNS = 30  # re-runs of apply allowed for the account to converge


@pytest.fixture(params=["lockfile", "postgres"])
def state_url(request: pytest.FixtureRequest) -> str | None:
    """Where the CLI keeps its state: None for the lockfile, or a PostgreSQL database."""
    if request.param == "lockfile":
        return None
    return str(request.getfixturevalue("postgres_url"))


@contextlib.contextmanager
def emulator_with(*options: str) -> Iterator[Emulator]:
    """A ``tavusctl emulator`` subprocess with ``options``; a handle on its hooks."""
    with emulator_process(*options) as (_proc, url), httpx.Client(timeout=30) as admin:
        yield Emulator(url, api_key=API_KEY, admin=admin)


def names_on_account(emu: Emulator) -> Counter[str]:
    """How many personas on the account carry each persona_name (read without faults)."""
    return Counter(p["persona_name"] for p in emu.list_personas())


def apply_until_done(ws: Workspace, *args: str) -> int:
    """Run apply until it exits 0; the number of runs it took (at most MAX_RUNS)."""
    for run in range(1, MAX_RUNS + 1):
        result = ws.apply(*args)
        assert "Traceback" not in result.output, result.output
        assert_failures_read_well(result)
        assert ws.lock() is not None  # reads after every run
        if result.code == 0:
            return run
    raise AssertionError(f"apply did not succeed in {MAX_RUNS} runs:\n{result.output}")


def assert_failures_read_well(result: Result) -> None:
    """Each ``failed: KEY: reason`` line of the summary gives a reason that does not repeat KEY."""
    for line in result.stdout.splitlines():
        if line.strip().startswith("failed: "):
            key, _, reason = line.strip().removeprefix("failed: ").partition(": ")
            assert reason and not reason.startswith(key), line


def assert_account_matches_lockfile(ws: Workspace, emu: Emulator, names: list[str]) -> None:
    """Exactly one persona per manifest, each recorded, nothing else; an empty plan."""
    emu.configure(fault_rate=0.0)
    assert names_on_account(emu) == Counter(f"Persona {n}" for n in names)
    ids = ws.ids()
    assert sorted(ids) == sorted(f"Persona/{n}" for n in names)
    assert set(ids.values()) == {p["persona_id"] for p in emu.list_personas()}
    assert changing(ws.plan_json("--prune")) == []
    assert ws.leaks() == []


# --- random faults -------------------------------------------------------------------------


@pytest.mark.parametrize("seed", [5])
def test_apply_of_100_personas_under_faults_converges_by_rerunning(
    tmp_path: Path, seed: int, state_url: str | None
) -> None:
    """--fault-rate 0.2, faults after writes included: create 100, update them all, prune 10."""
    names = [f"p{i:03d}" for i in range(100)]
    with emulator_with("--fault-rate", "0.2", "--seed", str(seed)) as emu:
        ws = Workspace(tmp_path, emu.url, state_url=state_url)
        for name in names:
            ws.write(name)
        create_runs = apply_until_done(ws)
        assert_account_matches_lockfile(ws, emu, names)

        emu.configure(fault_rate=0.2)
        for name in names:
            ws.write(name, spec(name, system_prompt=f"You are {name}, second edition."))
        update_runs = apply_until_done(ws)
        assert_account_matches_lockfile(ws, emu, names)
        assert {p["system_prompt"] for p in emu.list_personas()} == {
            f"You are {n}, second edition." for n in names
        }

        emu.configure(fault_rate=0.2)
        for name in names[:10]:
            (ws.manifests / f"{name}.yaml").unlink()
        prune_runs = apply_until_done(ws, "--prune")
        assert_account_matches_lockfile(ws, emu, names[10:])
        faults = Counter(r["method"] for r in emu.requests() if (r["status"] or 599) >= 429)

    print(
        f"\nchaos seed {seed}: apply runs until exit 0: create 100 = {create_runs}, "
        f"update 100 = {update_runs}, prune 10 = {prune_runs}; faults met: {dict(faults)}"
    )
    assert all(faults[method] > 0 for method in ("GET", "POST", "PATCH", "DELETE"))


# --- SIGKILL -------------------------------------------------------------------------------

KILLS = 20
CRASH_SEED = 20261125


def start_apply(ws: Workspace) -> subprocess.Popen[str]:
    """``tavusctl apply --auto-approve --parallelism 1`` in the background (slow on purpose)."""
    return ws.start("apply", "manifests", "--auto-approve", "--parallelism", "1")


def kill_after(proc: subprocess.Popen[str], delay: float) -> tuple[bool, Result]:
    """SIGKILL ``proc`` after ``delay`` seconds; (was it still running, what it printed)."""
    time.sleep(delay)
    return kill(proc)


def kill(proc: subprocess.Popen[str]) -> tuple[bool, Result]:
    """SIGKILL ``proc`` now; (was it still running, what it printed)."""
    running = proc.poll() is None
    if running:
        proc.send_signal(signal.SIGKILL)
    out, err = proc.communicate(timeout=30)
    return running, Result(proc.returncode, out, err)


def wait_for_request(emu: Emulator, method: str, seen: int, proc: subprocess.Popen[str]) -> None:
    """Wait until the emulator has received more than ``seen`` ``method`` requests, so that a
    kill timed from then falls in the writes however slowly the machine started the apply."""
    deadline = time.monotonic() + 60
    while sum(r["method"] == method for r in emu.requests()) <= seen:
        assert proc.poll() is None, "the apply ended before sending a request"
        assert time.monotonic() < deadline, f"the apply never sent a {method}"
        time.sleep(0.02)


def wait_until_answered(emu: Emulator) -> None:
    """Wait until the emulator has answered every request (a dead client's POST still lands)."""
    deadline = time.monotonic() + 10
    while any(r["status"] is None for r in emu.requests()):
        assert time.monotonic() < deadline, "the emulator never answered"
        time.sleep(0.02)


def assert_nothing_lost_or_doubled(ws: Workspace, emu: Emulator) -> None:
    """No persona twice; every persona on the account recorded by id or by a create intent."""
    lock = ws.lock()  # reads
    on_account = names_on_account(emu)
    assert [n for n, count in on_account.items() if count > 1] == []
    recorded = {e.id for e in lock.entries.values() if e.id}
    intents = {key for key, e in lock.entries.items() if e.id is None}
    for persona in emu.list_personas():
        key = "Persona/" + persona["persona_name"].removeprefix("Persona ")
        assert persona["persona_id"] in recorded or key in intents, persona["persona_id"]


def test_sigkill_at_20_random_moments_never_duplicates_or_loses_a_persona(
    tmp_path: Path, state_url: str | None
) -> None:
    """50 personas, one create in flight at a time, each request taking 300 ms: every kill
    lands in the apply (planning, between intent, POST and record), far from its end: the clock
    starts when the apply first reads the account, however slowly the machine started it.
    Re-run after each kill."""
    names = [f"c{i:02d}" for i in range(50)]
    rng = random.Random(CRASH_SEED)
    with emulator_with("--latency-ms", "300") as emu:
        ws = Workspace(tmp_path, emu.url, state_url=state_url)
        for name in names:
            ws.write(name)
        finished_alone: list[Result] = []
        posts_cut = 0  # kills made while a POST was in flight: it lands after the death
        for _ in range(KILLS):
            seen = sum(r["method"] == "GET" for r in emu.requests())
            proc = start_apply(ws)
            wait_for_request(emu, "GET", seen, proc)  # loaded and planning: the clock starts
            time.sleep(rng.uniform(0.0, 1.3))
            posts_cut += any(r["method"] == "POST" and r["status"] is None for r in emu.requests())
            running, result = kill(proc)
            ws.results.append(result)
            if not running:
                finished_alone.append(result)
            wait_until_answered(emu)
            assert_nothing_lost_or_doubled(ws, emu)
        created_before_end = sum(names_on_account(emu).values())
        final_runs = apply_until_done(ws)
        adoptions = sum(r.stderr.count(": adopted:") for r in ws.results)

        assert_account_matches_lockfile(ws, emu, names)
    print(
        f"\ncrash: {KILLS - len(finished_alone)}/{KILLS} kills hit a running apply, "
        f"{posts_cut} with a POST in flight; "
        f"{created_before_end} personas existed after the kills; {adoptions} adopted; "
        f"{final_runs} run(s) to finish"
    )
    assert finished_alone == []  # every kill interrupted an apply, none came too late
    assert 0 < created_before_end < len(names)  # the kills fell during the creates


def test_sigkill_during_updates_never_leaves_the_state_behind_the_account(
    tmp_path: Path, state_url: str | None
) -> None:
    """Kills between a PATCH landing and its record: the next apply has nothing to change, but
    must record what is live, or taking the field out of the manifests later does nothing."""
    names = [f"u{i:02d}" for i in range(24)]
    rng = random.Random(CRASH_SEED + 1)
    with emulator_with() as emu:
        ws = Workspace(tmp_path, emu.url, state_url=state_url)
        for name in names:
            ws.write(name)
        assert ws.apply().code == 0
        for name in names:
            ws.write(name, spec(name, default_replica_id="r90bbd427f71"))
        emu.configure(latency_ms=300)
        for _ in range(8):
            seen = sum(r["method"] == "PATCH" for r in emu.requests())
            proc = start_apply(ws)
            wait_for_request(emu, "PATCH", seen, proc)  # the updates have begun
            running, result = kill_after(proc, rng.uniform(0.0, 0.5))
            ws.results.append(result)
            assert running, result.output
            wait_until_answered(emu)
            ws.lock()  # reads
        emu.configure(latency_ms=0)
        updated_before_end = sum("default_replica_id" in p for p in emu.list_personas())
        apply_until_done(ws)
        for name in names:
            ws.write(name)  # default_replica_id taken out again
        apply_until_done(ws)

        assert_account_matches_lockfile(ws, emu, names)
        assert [p["persona_id"] for p in emu.list_personas() if "default_replica_id" in p] == []
    print(f"\nupdate crash: {updated_before_end}/{len(names)} updated when the kills ended")
    assert 0 < updated_before_end < len(names)  # the kills fell during the updates


def test_sigkill_while_the_journal_is_written_or_folded_loses_and_duplicates_nothing(
    tmp_path: Path, state_url: str | None
) -> None:
    """Issue 17: an apply appends each batch of results to tavus.lock.journal and rewrites
    tavus.lock once at the end; the next run folds a journal a kill left. Kills spread over
    whole applies of creates and updates (appends, the final rewrite, the next run's fold):
    nothing is lost or made twice, and the account and the state converge."""
    names = [f"j{i:02d}" for i in range(30)]
    rng = random.Random(CRASH_SEED + 2)
    with emulator_with("--latency-ms", "60") as emu:
        ws = Workspace(tmp_path, emu.url, state_url=state_url)
        for name in names[:15]:
            ws.write(name)
        assert ws.apply().code == 0
        journals_left = 0
        for edition in range(8):
            for name in names[: 15 + 2 * edition]:  # two more personas to create each time
                ws.write(name, spec(name, system_prompt=f"You are {name}, edition {edition}."))
            seen = len(emu.requests())
            proc = ws.start("apply", "manifests", "--auto-approve", "--parallelism", "4")
            deadline = time.monotonic() + 60
            while not any(r["method"] in ("PATCH", "POST") for r in emu.requests()[seen:]):
                assert proc.poll() is None, "the apply ended before writing"
                assert time.monotonic() < deadline, "the apply never wrote"
                time.sleep(0.01)
            _, result = kill_after(proc, rng.uniform(0.0, 0.8))
            ws.results.append(result)
            journals_left += (tmp_path / "tavus.lock.journal").exists()
            wait_until_answered(emu)
            assert_nothing_lost_or_doubled(ws, emu)
        apply_until_done(ws)
        assert_account_matches_lockfile(ws, emu, names[:29])
    print(f"\njournal crash: {journals_left} of 8 kills left a journal behind")
    if state_url is None:
        assert journals_left > 0  # the kills did fall while the journal was in use


# --- two applies at once -------------------------------------------------------------------


def wait_for_holder(ws: Workspace, proc: subprocess.Popen[str]) -> None:
    """Wait until ``proc`` holds the state's lock (the store names it by pid)."""
    deadline = time.monotonic() + 30
    while str(proc.pid) not in (ws.store().lock_holder() or ""):
        assert proc.poll() is None, "the first apply ended before taking the lock"
        assert time.monotonic() < deadline, "the first apply never took the lock"
        time.sleep(0.01)


def test_a_second_apply_on_the_same_state_is_refused_naming_the_first(
    tmp_path: Path, emulator: Emulator, state_url: str | None
) -> None:
    names = [f"d{i}" for i in range(8)]
    emulator.configure(latency_ms=300)
    ws = Workspace(tmp_path, emulator.url, state_url=state_url)
    for name in names:
        ws.write(name)
    first = start_apply(ws)
    wait_for_holder(ws, first)

    second = ws.apply()
    state_rm = ws.run("state", "rm", "d0")  # the other state writers are refused too
    still_running = first.poll() is None
    out, err = first.communicate(timeout=60)
    ws.results.append(Result(first.returncode, out, err))

    assert still_running  # both were refused while the first held the lock
    for refused in (second, state_rm):
        assert refused.code == 1
        assert f"pid {first.pid}" in refused.stderr
    assert first.returncode == 0, out + err
    emu = Emulator(emulator.url, api_key=API_KEY, admin=emulator.admin)
    emulator.configure(latency_ms=0)
    assert_account_matches_lockfile(ws, emu, names)


def test_two_working_copies_on_one_postgres_workspace_one_applies_the_other_is_refused(
    tmp_path: Path, emulator: Emulator, postgres_url: str
) -> None:
    """Two clones of one repository (two folders, no shared file), one database workspace:
    the second apply is refused naming the first, and the state has each persona once."""
    names = [f"t{i}" for i in range(6)]
    emulator.configure(latency_ms=300)
    first_copy, second_copy = (
        Workspace(tmp_path / copy, emulator.url, state_url=postgres_url) for copy in ("a", "b")
    )
    for ws in (first_copy, second_copy):
        ws.root.mkdir()
        for name in names:
            ws.write(name)
    first = start_apply(first_copy)
    wait_for_holder(first_copy, first)

    second = second_copy.apply()
    still_running = first.poll() is None
    out, err = first.communicate(timeout=60)
    first_copy.results.append(Result(first.returncode, out, err))

    assert still_running
    assert second.code == 1
    assert "locked by another tavusctl run" in second.stderr
    assert f"pid {first.pid}" in second.stderr
    assert first.returncode == 0, out + err
    assert not (second_copy.root / "tavus.lock").exists()
    emulator.configure(latency_ms=0)
    emu = Emulator(emulator.url, api_key=API_KEY, admin=emulator.admin)
    assert_account_matches_lockfile(second_copy, emu, names)  # the second copy sees it all
