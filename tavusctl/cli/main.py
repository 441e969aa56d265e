"""The command line: click groups and options only.

Each command builds its collaborators and hands off to a plain function in the package that
returns data or an exit code. Nothing below this module imports click. Heavy modules are
imported inside the commands so that ``tavusctl --version`` starts fast.
"""

from __future__ import annotations

import functools
import os
import sys
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, replace
from pathlib import Path
from typing import TYPE_CHECKING, Any, TypeVar

import click

from tavusctl import __version__
from tavusctl.core.display import printable
from tavusctl.core.errors import ExitCode, TavusctlError, UsageError
from tavusctl.core.project_root import PROJECT_FILE
from tavusctl.core.secrets import Scrubber

if TYPE_CHECKING:
    from click.shell_completion import CompletionItem

    from tavusctl.api.client import TavusClient
    from tavusctl.commands.common import Console, Inputs
    from tavusctl.manifest.diagnostics import Diagnostic
    from tavusctl.manifest.project import Environment, Project
    from tavusctl.state.locate import StateLocation
    from tavusctl.state.select import Choice
    from tavusctl.state.store import StateStore

DEFAULT_API_URL = "https://tavusapi.com"

# Every secret value this run reads (the API key, secret fields of manifests, secrets the API
# shows): the CLI hands it to the loader and the client, and scrubs all it prints through it.
SECRETS_READ = Scrubber()

F = TypeVar("F", bound=Callable[..., Any])
T = TypeVar("T")


@dataclass(frozen=True)
class GlobalOptions:
    """Options shared by every command. ``lockfile_option`` is ``--lockfile`` as given; the
    lockfile used is :attr:`state` (found upward when not given, see ``tavusctl.state.locate``)."""

    api_url: str
    api_key: str | None
    lockfile_option: Path | None
    color: bool
    verbose: int
    timeout: float = 30.0
    envs: tuple[str, ...] = ()  # --env before the command (or TAVUSCTL_ENV)
    given: frozenset[str] = frozenset()  # global options given on the command line
    environment: Environment | None = None  # the one selected (see _selected)
    project: Project | None = None  # tavusctl.yaml, when found
    state_url_env: str | None = None
    workspace: str | None = None
    lock_timeout: float = 0.0

    def store(self) -> StateStore:
        """The state store these options name: PostgreSQL with ``--state-url-env`` or a
        ``backend: postgres`` block in tavusctl.yaml, else the lockfile."""
        from tavusctl.state.select import open_store

        choice = self.store_choice
        return open_store(
            self.lockfile, choice.url_env, choice.workspace, SECRETS_READ, how=choice.how
        )

    @property
    def store_choice(self) -> Choice:
        """Which store: the ``--state-*`` options, else the project file's block that applies
        (see ``tavusctl.commands.common.store_choice``)."""
        from tavusctl.commands.common import store_choice

        given = self.state.how in ("--lockfile", "TAVUSCTL_LOCKFILE")
        return store_choice(
            self.project, self.environment, self.state_url_env, self.workspace, given
        )

    deadline: float | None = None  # seconds the API part of a run may take in all

    @functools.cached_property
    def state(self) -> StateLocation:
        """Where the lockfile is, and how it was found (looked up once, when first needed):
        ``--lockfile``, else the selected environment's state, else ``locate``."""
        from tavusctl.state.locate import StateLocation, locate

        env, proj = self.environment, self.project
        if self.lockfile_option is None and env is not None and proj is not None:
            # a store block has no file: the project folder is the home of its manifest paths
            block = proj.state_of(env)
            path = block.path if block is not None else None
            return StateLocation(path or proj.folder / "tavus.lock", f"environment {env.name}")
        return locate(self.lockfile_option, os.environ)

    @property
    def lockfile(self) -> Path:
        return self.state.path


def echo(message: object = "", *, err: bool = False, nl: bool = True) -> None:
    """``click.echo`` with every secret value this process has read scrubbed out.

    The last line of defence: nothing should try to print a secret, but if a bug does, the
    user sees ``(sensitive value)``. Every output of the CLI goes through here. Control
    characters (a server's terminal escapes, say) are shown escaped, never acted on.
    """
    click.echo(printable(SECRETS_READ.scrub(str(message))), err=err, nl=nl)


def _fail(exc: TavusctlError) -> None:
    echo(f"Error: {exc.message}", err=True)
    raise SystemExit(int(exc.exit_code))


class TavusctlGroup(click.Group):
    """Turns user errors into one clean line on stderr and an exit code; never a traceback.

    A command that returns an int exits with it (commands return an ``ExitCode``). Every
    command added (here or in a subgroup, whenever it is registered) also takes the global
    options after its name.
    """

    group_class = type  # subgroups (state) are TavusctlGroups too

    def add_command(self, cmd: click.Command, name: str | None = None) -> None:
        if not isinstance(cmd, click.Group) and cmd.name != "emulator":
            cmd.params.extend(_late_globals())  # emulator's --api-key means the keys it accepts
        super().add_command(cmd, name)

    def invoke(self, ctx: click.Context) -> object:
        try:
            result = super().invoke(ctx)
        except TavusctlError as exc:
            _fail(exc)
        except KeyboardInterrupt:
            echo(f"Interrupted.{_pending(ctx)}", err=True)
            raise SystemExit(int(ExitCode.INTERRUPTED)) from None
        if isinstance(result, int) and result:
            raise SystemExit(result)
        return result


def _pending(ctx: click.Context) -> str:
    """After Ctrl-C: how many creates the lockfile holds as intents (their outcome unknown)."""
    opts = ctx.obj
    if not isinstance(opts, GlobalOptions) or "state" not in opts.__dict__:
        return ""  # the lockfile was never looked for: nothing can be pending
    if opts.store_choice.url_env is not None:
        return ""  # in PostgreSQL: not worth a connection on the way out
    try:
        from tavusctl.state import lockfile

        lock = lockfile.read(opts.lockfile)
    except TavusctlError:
        return ""
    n = sum(1 for e in lock.entries.values() if e.id is None)
    if not n:
        return ""
    return (
        f" {n} create{'' if n == 1 else 's'} {'was' if n == 1 else 'were'} left pending in "
        f"{opts.lockfile}: the next apply looks for {'it' if n == 1 else 'them'} on the "
        "account before creating anything, so nothing is created twice."
    )


@click.group(cls=TavusctlGroup, context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(__version__, prog_name="tavusctl")
@click.option(
    "--api-url",
    envvar="TAVUS_API_URL",
    default=DEFAULT_API_URL,
    show_default=True,
    help="Tavus API base URL (env TAVUS_API_URL). Plain http:// only for loopback.",
)
@click.option(
    "--api-key",
    envvar="TAVUS_API_KEY",
    default=None,
    help="Tavus API key (env TAVUS_API_KEY; prefer the variable, it stays out of shell history).",
)
@click.option(
    "--lockfile",
    type=click.Path(dir_okay=False, path_type=Path),
    default=None,
    help="Where tavusctl records what it applied (env TAVUSCTL_LOCKFILE; default: tavus.lock "
    "found from here upward to the repository root, else ./tavus.lock).",
)
@click.option(
    "--env",
    "envs",
    multiple=True,
    metavar="NAME",
    envvar="TAVUSCTL_ENV",
    help="The environment of tavusctl.yaml to use (env TAVUSCTL_ENV); also after the command.",
)
@click.option(
    "--no-color", is_flag=True, help="Never colour output (default: colour on a terminal)."
)
@click.option("-v", "--verbose", count=True, help="More detail on stderr; repeat for more.")
@click.option(
    "--timeout",
    type=click.FloatRange(min=0.1),
    default=30.0,
    show_default=True,
    envvar="TAVUSCTL_TIMEOUT",
    help="Seconds each API answer may take, first byte to last (env TAVUSCTL_TIMEOUT).",
)
@click.option(
    "--deadline",
    type=click.FloatRange(min=0.1),
    default=None,
    envvar="TAVUSCTL_DEADLINE",
    help="Seconds the whole run may spend on the API before it stops (env TAVUSCTL_DEADLINE; "
    "default: no limit). What was done is recorded; run again to finish.",
)
@click.option(
    "--state-url-env",
    envvar="TAVUSCTL_STATE_URL_ENV",
    metavar="NAME",
    default=None,
    help="Keep the state in PostgreSQL: the environment variable holding its connection string "
    "(env TAVUSCTL_STATE_URL_ENV). Default: the state of tavusctl.yaml, else the lockfile.",
)
@click.option(
    "--state-workspace",
    "workspace",
    envvar="TAVUSCTL_STATE_WORKSPACE",
    metavar="NAME",
    default=None,
    help="The workspace in the PostgreSQL state (env TAVUSCTL_STATE_WORKSPACE; default: the "
    "state's in tavusctl.yaml, else the project folder's name/ENV, else default).",
)
@click.option(
    "--lock-timeout",
    type=click.FloatRange(min=0),
    default=0.0,
    envvar="TAVUSCTL_LOCK_TIMEOUT",
    metavar="SECONDS",
    help="Wait this long for another run's lock on the state instead of failing at once "
    "(env TAVUSCTL_LOCK_TIMEOUT).",
)
@click.pass_context
def cli(
    ctx: click.Context,
    api_url: str,
    api_key: str | None,
    lockfile: Path | None,
    envs: tuple[str, ...],
    no_color: bool,
    verbose: int,
    timeout: float,
    state_url_env: str | None,
    workspace: str | None,
    lock_timeout: float,
    deadline: float | None,
) -> None:
    """Infrastructure-as-code for Tavus personas: validate, plan and apply persona YAML.

    Global options may also follow the command (tavusctl plan -v --lockfile x.lock).
    """
    color = not no_color and sys.stdout.isatty() and "NO_COLOR" not in os.environ
    SECRETS_READ.add(api_key)
    given = frozenset(
        name
        for name in ("api_url", "api_key", "lockfile")
        if ctx.get_parameter_source(name) is click.core.ParameterSource.COMMANDLINE
    )
    ctx.obj = GlobalOptions(
        api_url.rstrip("/"),
        api_key or None,
        lockfile,
        color,
        verbose,
        timeout,
        envs,
        given,
        state_url_env=state_url_env or None,
        workspace=workspace or None,
        lock_timeout=lock_timeout,
        deadline=deadline,
    )


# --- environments (tavusctl.yaml) ----------------------------------------------------------


def _env_option(fn: F) -> F:
    """``--env NAME`` after the command (repeatable where the command plans several)."""
    return _env_flag("The environment of tavusctl.yaml to use (env TAVUSCTL_ENV).")(fn)


def _env_flag(help: str) -> Callable[[F], F]:
    return click.option("--env", "envs", multiple=True, metavar="NAME", help=help)


# --- option factories: one definition for each option several commands take ----------------


def _format_option(choices: tuple[str, ...], help: str | None = None) -> Callable[[F], F]:
    """``--format`` (parameter ``fmt``), the first choice the default."""
    return click.option(
        "--format",
        "fmt",
        type=click.Choice(choices),
        default=choices[0],
        show_default=True,
        help=help,
    )


def _target_option(help: str) -> Callable[[F], F]:
    return click.option(
        "--target",
        "targets",
        multiple=True,
        metavar="NAME",
        shell_complete=_complete_names,
        help=help,
    )


def _loader_flags(
    unknown: str = "As for plan.", plaintext: str = "As for plan."
) -> Callable[[F], F]:
    """``--allow-unknown-fields`` and ``--allow-plaintext-secrets``: what the loader accepts."""

    def add(fn: F) -> F:
        fn = click.option("--allow-plaintext-secrets", is_flag=True, help=plaintext)(fn)
        return click.option("--allow-unknown-fields", is_flag=True, help=unknown)(fn)

    return add


_PARALLELISM = click.option(
    "--parallelism",
    type=click.IntRange(1, 256),
    default=16,
    show_default=True,
    help="Concurrent API requests.",
)
_AUTO_APPROVE = click.option(
    "--auto-approve", is_flag=True, help="Do not ask; required without a terminal."
)
_FAIL_FAST = click.option("--fail-fast", is_flag=True, help="Stop at the first persona that fails.")


def _project() -> Project | None:
    """``tavusctl.yaml`` found from the current folder upward, read (errors located)."""
    from tavusctl.manifest import project

    found = project.find(Path.cwd())
    return None if found is None else project.read_or_raise(found, _shown(found))


def _shown(path: Path) -> str:
    try:
        return str(path.relative_to(Path.cwd()))
    except ValueError:
        return str(path)


def _selected(opts: GlobalOptions, envs: tuple[str, ...] = ()) -> GlobalOptions:
    """The options for exactly one environment (``--env`` after the command wins): its key,
    API URL and state. Without a project file, or one without environments, ``opts`` with the
    project's defaults; ``--env`` then is an error."""
    names = envs or opts.envs
    proj = _project()
    if proj is None:
        if names:
            raise UsageError(
                f"--env {names[0]} was given, but no tavusctl.yaml was found from here up to "
                "the repository root. Run tavusctl inside the project, or drop --env."
            )
        return opts
    if len(names) > 1:
        raise UsageError(
            f"This command works on one environment, but {len(names)} were given "
            f"(--env {' --env '.join(names)}). Name one; only plan and diff take several."
        )
    env = proj.environment(names[0] if names else None)
    return _for(opts, proj, env)


def _for(opts: GlobalOptions, proj: Project, env: Environment | None) -> GlobalOptions:
    """``opts`` for ``env`` of ``proj`` (options given on the command line win)."""
    if env is None:
        return replace(opts, project=proj)  # its state: tavusctl.state.locate
    state = proj.state_of(env)
    if state is not None and state.path is not None and opts.lockfile_option is None:
        _folder_for(state.path)
    key = opts.api_key
    if "api_key" not in opts.given:
        key = os.environ.get(env.api_key_env) or None
        SECRETS_READ.add(key)
    url = opts.api_url
    if "api_url" not in opts.given and env.api_url:
        url = env.api_url.rstrip("/")
    chosen = replace(opts, api_url=url, api_key=key, environment=env, project=proj)
    _check_state(chosen, env.name)
    return chosen


def _check_state(opts: GlobalOptions, environment: str) -> None:
    """Refuse a state recorded for another environment (before any request or write)."""
    from tavusctl.state.account import check_environment

    store = opts.store()
    if not store.anchored:
        return  # no lockfile yet: nothing recorded for any environment
    check_environment(store.read(), environment, store.name)


def _folder_for(lock: Path) -> None:
    """Create the folder of a state the project file names (state/prod.lock), when missing."""
    try:
        lock.parent.mkdir(parents=True, exist_ok=True)
    except OSError as exc:
        raise UsageError(
            f"Cannot create {lock.parent} for the state {lock}: {exc.strerror or exc}. "
            "Create it, or fix the state path in tavusctl.yaml."
        ) from None


def _selected_many(
    opts: GlobalOptions, names: tuple[str, ...], all_envs: bool
) -> list[GlobalOptions]:
    """The options of each environment named (every one with ``all_envs``)."""
    proj = _project()
    if proj is None or not proj.environments:
        raise UsageError(
            "Several environments were asked for, but no tavusctl.yaml with environments was "
            "found from here up to the repository root."
        )
    if len(set(names)) != len(names):
        raise UsageError("An environment is named twice with --env; name each once.")
    chosen = tuple(proj.environments) if all_envs else names
    return [_for(opts, proj, proj.environment(name)) for name in chosen]


def _plan_many(
    made: list[tuple[GlobalOptions, Inputs]], output: Any, console: Console, parallelism: int
) -> int:
    """Plan several environments, reading their accounts concurrently; one report."""
    import asyncio

    from tavusctl.commands import plan as command
    from tavusctl.commands.common import prepare
    from tavusctl.core.errors import ExitCode, TavusctlError

    async def one(opts: GlobalOptions, inputs: Inputs) -> tuple[str, Any]:
        name = opts.environment.name if opts.environment else "default"
        try:
            async with _client(opts, parallelism) as client:
                return name, await prepare(client, inputs, opts.store(), console)
        except TavusctlError as exc:
            raise type(exc)(f"Environment {name}: {exc.message}") from None

    async def main() -> list[tuple[str, Any]]:
        return list(await asyncio.gather(*(one(o, i) for o, i in made)))

    plans = asyncio.run(main())
    console.out(command.show_many(plans, output.fmt, console.color))
    changes = any(p.plan.has_changes for _, p in plans)
    return int(ExitCode.CHANGES if output.detailed_exitcode and changes else ExitCode.OK)


def _manifest_paths(opts: GlobalOptions, paths: tuple[Path, ...]) -> tuple[Path, ...]:
    """The PATHs given, else the project file's ``manifests``, else none (the current folder)."""
    if paths or opts.project is None:
        return paths
    return tuple(Path(os.path.relpath(p)) for p in opts.project.manifests)


def _late_global(ctx: click.Context, param: click.Parameter, value: Any) -> Any:
    """A global option given after the command: it overrides the one given before it."""
    if value is None or value is False or value == 0 or not isinstance(ctx.obj, GlobalOptions):
        return value
    opts: GlobalOptions = ctx.obj
    if param.name == "api_key":
        SECRETS_READ.add(value)
    name = str(param.name)
    new: Any = value
    if name == "api_url":
        new = str(value).rstrip("/")
    elif name == "no_color":
        new = False
    elif name == "verbose":
        new = opts.verbose + value
    field = {"lockfile": "lockfile_option", "no_color": "color"}.get(name, name)
    changes: dict[str, Any] = {field: new, "given": opts.given | {name}}
    ctx.obj = replace(opts, **changes)
    ctx.find_root().obj = ctx.obj  # what the group reports after Ctrl-C (see _pending)
    return value


def _late_globals() -> list[click.Option]:
    """The global options, accepted after a command too (hidden from its --help)."""
    common: dict[str, Any] = {"expose_value": False, "callback": _late_global, "hidden": True}
    return [
        click.Option(["--api-url"], default=None, **common),
        click.Option(["--api-key"], default=None, **common),
        click.Option(
            ["--lockfile"], type=click.Path(dir_okay=False, path_type=Path), default=None, **common
        ),
        click.Option(["--no-color"], is_flag=True, default=False, **common),
        click.Option(["-v", "--verbose"], count=True, default=0, **common),
        click.Option(["--timeout"], type=click.FloatRange(min=0.1), default=None, **common),
        click.Option(["--state-url-env"], default=None, **common),
        click.Option(["--state-workspace", "workspace"], default=None, **common),
        click.Option(["--lock-timeout"], type=click.FloatRange(min=0), default=None, **common),
    ]


def _rate(ctx: click.Context, param: click.Parameter, value: str | None) -> float | None:
    """Parse ``N/s`` (or a bare ``N``) into requests per second."""
    if value is None:
        return None
    text = value.removesuffix("/s")
    try:
        rate = float(text)
    except ValueError:
        raise click.BadParameter(f"{value!r} is not a rate such as 20/s.") from None
    if rate <= 0:
        raise click.BadParameter("the rate must be above 0, such as 20/s.")
    return rate


def _complete_names(
    ctx: click.Context, param: click.Parameter, incomplete: str
) -> list[CompletionItem]:
    """Shell completion of resource names: those the lockfile records and the manifests under
    the current folder declare."""
    from click.shell_completion import CompletionItem

    from tavusctl.commands.completion import names

    lock = ctx.find_root().params.get("lockfile") or Path("tavus.lock")
    return [CompletionItem(name) for name in names(Path(lock)) if name.startswith(incomplete)]


def _switch(flag: str, values: tuple[str, ...], help: str) -> Callable[[F], F]:
    """An emulator switch: one of ``values``, the first the default."""
    return click.option(
        flag, type=click.Choice(values), default=values[0], show_default=True, help=help
    )


def _cap(flag: str, help: str) -> Callable[[F], F]:
    """An emulator limit: a count from 0, none by default."""
    return click.option(flag, type=click.IntRange(min=0), default=None, help=help)


def _millis(flag: str, help: str) -> Callable[[F], F]:
    return click.option(
        flag, type=click.FloatRange(min=0), default=0.0, show_default=True, help=help
    )


@cli.command()
@click.option("--host", default="127.0.0.1", show_default=True, help="Address to listen on.")
@click.option(
    "--port",
    default=8787,
    show_default=True,
    type=int,
    help="Port to listen on (0: any free port).",
)
@_switch(
    "--get-shape",
    ("flat", "wrapped"),
    "GET /v2/personas/{id} answers the flat persona (what real clients read), or "
    "'wrapped' in {\"data\": [persona]} (what the docs show).",
)
@_switch(
    "--secrets",
    ("stored", "masked", "masked-stars", "masked-bullets", "masked-ellipsis", "omitted"),
    "How reads show api_key fields (any depth) and layers.llm.headers values: as "
    "stored, 'masked' as ****+last 4 characters, 'masked-stars' as exactly ******** "
    "(as the 2026 API was seen to), 'masked-bullets' as ••••+last 4, 'masked-ellipsis' as "
    "first 3…last 4, or 'omitted'.",
)
@_switch(
    "--unset-fields",
    ("null", "absent"),
    "How reads show known fields that were never set: as null (as a recorded 2026 GET "
    "does) or left out.",
)
@_switch(
    "--timestamps",
    ("millis", "micros", "offset"),
    "Form of created_at/updated_at, all three seen: 2026-01-01T10:00:19.990Z, "
    "…56.504765Z or …45.123456+00:00.",
)
@_cap(
    "--max-conversations",
    'Concurrent active conversations per account; one more answers 400 {"message": '
    '"User has reached maximum concurrent conversations"}. Default: no cap.',
)
@_cap(
    "--credits",
    'Conversations an account may start; one more answers 402 {"message": "The user is '
    'out of conversational credits"}. Default: unlimited.',
)
@click.option(
    "--fill-defaults/--no-fill-defaults",
    default=False,
    show_default=True,
    help="Fill server defaults on create (llm tavus-gpt-oss, tts cartesia, perception "
    "raven-1, stt tavus-auto) and conversational_flow sibling defaults (sparrow-1, "
    "medium, medium) when any flow field is set.",
)
@_switch(
    "--missing-status",
    ("400", "404"),
    'An unknown persona id: 400 {"error": "Invalid persona_id"} (documented) or '
    '404 {"error": "Persona not found"}. A repeat DELETE gets the same.',
)
@_switch(
    "--patch-response",
    ("full", "message", "empty"),
    "Body of a PATCH 200: the full updated persona, "
    '{"message": "Persona updated successfully"}, or empty.',
)
@_switch(
    "--create-response",
    ("minimal", "full"),
    "Body of a create: {persona_id, persona_name, created_at} (documented), or the full persona.",
)
@_switch(
    "--unknown-fields",
    ("accept", "reject"),
    "Persona fields the docs do not list: stored as sent, or rejected with 400 "
    '{"error": "Unknown field: <path>"}.',
)
@click.option(
    "--list-system-personas/--no-list-system-personas",
    default=True,
    show_default=True,
    help="Whether GET /v2/personas without persona_type also lists the stock system personas.",
)
@_switch(
    "--patch-error-status",
    ("422", "400"),
    'A malformed or failing JSON Patch: 422 {"message": "Invalid JSON patch format"} '
    '(documented) or 400 {"error": "Invalid patch operation"}.',
)
@click.option(
    "--max-page-size",
    type=click.IntRange(min=1),
    default=100,
    show_default=True,
    help="Largest list page; a larger limit is cut down to it.",
)
@_millis(
    "--latency-ms",
    "Delay added to every Tavus API response, in milliseconds.",
)
@_millis(
    "--jitter-ms",
    "Random +/- variation of the latency, in milliseconds.",
)
@click.option(
    "--rate-limit",
    callback=_rate,
    metavar="N/s",
    help="Token-bucket rate limit; beyond it, 429 with a Retry-After header.",
)
@click.option(
    "--fault-rate",
    type=click.FloatRange(0, 1),
    default=0.0,
    show_default=True,
    help="Probability of a random fault per request: 500, 502, 503, 429 or a dropped "
    "connection; on writes, half strike after the change was made.",
)
@click.option(
    "--seed",
    type=int,
    default=None,
    help="Seed for faults and ids: the same requests meet the same faults.",
)
@click.option(
    "--state-file",
    type=click.Path(dir_okay=False),
    default=None,
    help="Keep the accounts in this file across restarts (written atomically after changes).",
)
@click.option(
    "--api-key",
    "api_keys",
    multiple=True,
    help="Accepted API key, each its own account (repeatable). Default: any non-empty "
    "key, each key its own account.",
)
@click.option(
    "--replica",
    "replicas",
    multiple=True,
    help="Add a user replica id (repeatable), besides the stock replicas.",
)
def emulator(
    host: str, port: int, missing_status: str, patch_error_status: str, **switches: Any
) -> int:
    """Run a local Tavus API emulator (personas, replicas, conversations) for tests and CI.

    Also serves the 2026 aliases /v2/pals (pal_id, pal_name, default_face_id) and /v2/faces
    over the same stores; the stock PAL pb87e71797da and face r4067604db72 are seeded.

    Switches choose among the plausible variants of behaviours the Tavus docs leave uncertain
    (default first); trouble options add latency, rate limits and faults. Prints its URL on
    stderr; stops cleanly on Ctrl-C or SIGTERM.

    \b
    Test hooks (JSON, no auth, not in the request log):
      POST /_emulator/reset                 empty accounts, log and injections; starting switches
      GET|DELETE /_emulator/requests        the request log: method, path, query, status, body
      POST /_emulator/inject                {method, path, count, status, body, headers, drop,
                                            after_write}: answer the next requests to a route
      GET|POST /_emulator/config            read or change switches (partial JSON)
      POST /_emulator/seed                  {api_key, personas: [bodies]} -> {persona_ids}
      GET /_emulator/personas               the account's personas as stored (x-api-key)
      PATCH /_emulator/personas/{id}        JSON Patch "in the dashboard" (x-api-key)
    """
    from tavusctl.emulator.config import EmulatorConfig
    from tavusctl.emulator.server import serve

    config = EmulatorConfig(
        missing_status=int(missing_status), patch_error_status=int(patch_error_status), **switches
    )
    serve(config, host, port)
    return int(ExitCode.OK)


def main() -> None:
    """Console entry point."""
    cli(prog_name="tavusctl")


@cli.command()
@click.argument("paths", nargs=-1, metavar="[PATH]...", type=click.Path(path_type=Path))
@_format_option(
    ("text", "json", "github"),
    "text: file:line:col: message; json: a list of objects; github: workflow annotations.",
)
@click.option("--strict", is_flag=True, help="Fail on warnings (legacy fields, string booleans).")
@_loader_flags(
    "Accept spec fields this schema does not know (fields Tavus added later).",
    "Accept secrets written in manifests instead of read with ${env:NAME}.",
)
@_env_option
@click.pass_context
def validate(
    ctx: click.Context,
    paths: tuple[Path, ...],
    fmt: str,
    strict: bool,
    allow_unknown_fields: bool,
    allow_plaintext_secrets: bool,
    envs: tuple[str, ...],
) -> None:
    """Check manifests offline: envelope, schema, references, secrets, names.

    PATH is a manifest file or a folder searched recursively for *.yaml and *.yml (default: .).
    Every problem is reported, sorted, as file:line:col: message. Exit 0 when valid, 1 when not.
    tavusctl.yaml is checked too; with environments and no --env, the manifests are checked
    for every environment (each ${var:} defined wherever its manifest applies).
    """
    from tavusctl.manifest import diagnostics, project
    from tavusctl.manifest import load as manifest

    found = project.find(Path.cwd())
    proj, problems = (None, []) if found is None else project.read(found, _shown(found))
    if proj is not None and not paths:
        paths = tuple(Path(os.path.relpath(p)) for p in proj.manifests)
    names = envs or ctx.obj.envs
    environments: list[Environment | None] = [None]
    if proj is not None and (proj.environments or names):
        chosen = names or tuple(proj.environments)
        environments = [proj.environment(name) for name in chosen]
    found_all: set[Diagnostic] = set(problems)
    unset: set[str] = set()
    count = 0
    for env in environments:
        result = manifest.load(
            paths,
            allow_unknown_fields=allow_unknown_fields,
            allow_plaintext_secrets=allow_plaintext_secrets,
            scrubber=SECRETS_READ,
            environment=env,
            project_file=proj.display if proj else PROJECT_FILE,
            offline_secrets=True,
        )
        found_all.update(result.diagnostics)
        unset.update(result.unset_secrets)
        count = max(count, len(result.resources))
    every = sorted(found_all)
    echo(diagnostics.render(every, fmt), nl=False)
    if unset:
        echo(
            f"Note: secrets were not resolved: {', '.join(sorted(unset))} "
            f"{'is' if len(unset) == 1 else 'are'} not set. validate does not "
            "need them; plan and apply do.",
            err=True,
        )
    echo(diagnostics.summary(every, count, strict=strict), err=True)
    ctx.exit(int(diagnostics.exit_code(every, strict=strict)))


def _client(opts: GlobalOptions, max_concurrency: int = 16) -> TavusClient:
    """The API client for the global options; a missing key is a clear error."""
    from tavusctl.api.client import TavusClient
    from tavusctl.api.wire import check_key

    if not opts.api_key:
        if opts.environment is not None:
            name, var = opts.environment.name, opts.environment.api_key_env
            raise UsageError(
                f"No API key for environment {name}: set {var} (in CI, one secret per "
                "environment) or pass --api-key."
            )
        raise UsageError("No API key: set TAVUS_API_KEY or pass --api-key.")
    check_key(opts.api_key)
    log = (lambda line: echo(line, err=True)) if opts.verbose >= 2 else None
    return TavusClient(
        opts.api_url,
        opts.api_key,
        timeout=opts.timeout,
        max_concurrency=max_concurrency,
        log=log,
        scrubber=SECRETS_READ,
    )


def _run(
    opts: GlobalOptions, job: Callable[[TavusClient], Awaitable[T]], max_concurrency: int = 16
) -> T:
    """Run ``job`` with a client opened for it, in a fresh event loop."""
    import asyncio

    async def main() -> T:
        async with _client(opts, max_concurrency) as client:
            try:
                return await asyncio.wait_for(job(client), opts.deadline)
            except asyncio.TimeoutError:
                where = "the lockfile" if opts.store_choice.url_env is None else "the state"
                raise UsageError(
                    f"The run reached its deadline (--deadline {opts.deadline:g} s) and was "
                    f"stopped. Every write that was answered is recorded in {where} (a create "
                    "in flight is adopted by the next run); run again to finish."
                ) from None

    return asyncio.run(main())


def _console(opts: GlobalOptions) -> Console:
    from tavusctl.commands.common import Console

    return Console(
        out=lambda text: echo(text.rstrip("\n")),
        err=lambda text: echo(text.rstrip("\n"), err=True),
        color=opts.color,
        verbose=opts.verbose,
        scrubber=SECRETS_READ,
    )


# --- plan and apply ------------------------------------------------------------------------


def _no_lockfile(opts: GlobalOptions) -> str | None:
    """What to say before a plan made without a lockfile: how to find the project's."""
    if opts.store_choice.url_env is not None:  # the state is in PostgreSQL
        return (
            f"No state is recorded in {opts.store().name} yet: every persona below will be "
            "created. If this project was applied before, check the workspace (state.workspace "
            "or name in tavusctl.yaml, --state-workspace), or adopt the existing personas with "
            "`tavusctl import --by-name`."
        )
    return None if opts.state.exists else opts.state.missing_notice()


def _manifest_options(fn: F) -> F:
    """Options shared by plan and apply: what to load and what to plan."""
    for option in reversed(
        [
            _env_flag("The environment of tavusctl.yaml (env TAVUSCTL_ENV); plan takes several."),
            click.option(
                "--prune", is_flag=True, help="Delete managed personas whose manifest is gone."
            ),
            _target_option("Plan only this persona (repeatable)."),
            _PARALLELISM,
            _loader_flags(
                "Accept spec fields this schema does not know.",
                "Accept secrets written in manifests instead of ${env:NAME}.",
            ),
            click.option(
                "--allow-duplicate-names",
                is_flag=True,
                help="Create personas even when an unmanaged persona of the same persona_name "
                "exists (by default such a create is blocked: import it instead).",
            ),
            click.option(
                "--allow-recreate-all",
                is_flag=True,
                help="Plan even when none of the lockfile's personas exists on the account "
                "(they were all deleted): every one is created again.",
            ),
        ]
    ):
        fn = option(fn)
    return fn


def _inputs(
    opts: GlobalOptions,
    paths: tuple[Path, ...],
    prune: bool,
    targets: tuple[str, ...],
    allow_unknown_fields: bool,
    allow_plaintext_secrets: bool,
    allow_duplicate_names: bool = False,
    allow_recreate_all: bool = False,
) -> Inputs:
    from tavusctl.commands.common import Inputs

    return Inputs(
        _manifest_paths(opts, paths),
        allow_unknown_fields,
        allow_plaintext_secrets,
        prune,
        tuple(targets),
        allow_duplicate_names,
        allow_recreate_all,
        opts.environment,
    )


@cli.command()
@click.argument("paths", nargs=-1, type=click.Path(path_type=Path))
@click.option(
    "-o",
    "-out",
    "--out",
    "plan_file",
    type=click.Path(dir_okay=False, path_type=Path),
    help="Save the plan to this file, for `tavusctl apply FILE` (no secret is saved).",
)
@_format_option(
    ("text", "json", "markdown"), "text for people, json for scripts, markdown for PR comments."
)
@click.option(
    "--detailed-exitcode", is_flag=True, help="Exit 2 when there are changes, 0 when none."
)
@click.option(
    "--all-envs", is_flag=True, help="Plan every environment of tavusctl.yaml, in one report."
)
@_manifest_options
@click.pass_obj
def plan(
    opts: GlobalOptions,
    /,
    paths: tuple[Path, ...],
    plan_file: Path | None,
    fmt: str,
    detailed_exitcode: bool,
    all_envs: bool,
    prune: bool,
    targets: tuple[str, ...],
    parallelism: int,
    allow_unknown_fields: bool,
    allow_plaintext_secrets: bool,
    allow_duplicate_names: bool,
    allow_recreate_all: bool,
    envs: tuple[str, ...],
) -> int:
    """Show what apply would change on the Tavus account: a three-way diff of manifests,
    lockfile and live personas. PATH: manifest files or folders (default: .)."""
    from tavusctl.commands import plan as command

    output = command.Output(fmt, plan_file, detailed_exitcode)
    flags = (
        allow_unknown_fields,
        allow_plaintext_secrets,
        allow_duplicate_names,
        allow_recreate_all,
    )
    names = envs or opts.envs
    if all_envs or len(names) > 1:
        many = _selected_many(opts, names, all_envs)
        if plan_file is not None:
            raise UsageError(
                "--out saves the plan of one environment; name one --env to save a plan."
            )
        made = [(o, _inputs(o, paths, prune, targets, *flags)) for o in many]
        return int(_plan_many(made, output, _console(opts), parallelism))
    opts = _selected(opts, envs)
    inputs = _inputs(opts, paths, prune, targets, *flags)

    store = opts.store()

    async def job(client: TavusClient) -> int:
        notice = _no_lockfile(opts)
        return await command.run(client, inputs, store, output, _console(opts), notice)

    return int(_run(opts, job, parallelism))


@cli.command()
@click.argument("paths", nargs=-1, type=click.Path(path_type=Path))
@_AUTO_APPROVE
@click.option(
    "--no-preconditions",
    is_flag=True,
    help="Send PATCHes without `test` operations (for an API that rejects them).",
)
@_FAIL_FAST
@_manifest_options
@click.pass_obj
def apply(
    opts: GlobalOptions,
    /,
    paths: tuple[Path, ...],
    auto_approve: bool,
    no_preconditions: bool,
    fail_fast: bool,
    prune: bool,
    targets: tuple[str, ...],
    parallelism: int,
    allow_unknown_fields: bool,
    allow_plaintext_secrets: bool,
    allow_duplicate_names: bool,
    allow_recreate_all: bool,
    envs: tuple[str, ...],
) -> int:
    """Make the Tavus account match the manifests: plan, confirm, write.

    PATH: manifest files or folders (default: .), or one saved plan file (from plan -o),
    which is applied exactly and without a question, or refused if anything changed since.
    """
    from functools import partial

    from tavusctl.cli.confirm import approve
    from tavusctl.commands import apply as command
    from tavusctl.commands import saved_plan as saved

    opts = _selected(opts, envs)
    console = _console(opts)
    execution = command.Execution(parallelism, not no_preconditions, fail_fast)
    ok = partial(approve, verb="apply", auto_approve=auto_approve)
    inputs = _inputs(
        opts,
        paths,
        prune,
        targets,
        allow_unknown_fields,
        allow_plaintext_secrets,
        allow_duplicate_names,
        allow_recreate_all,
    )
    from_plan = saved.names_a_plan(paths)
    if from_plan:
        _refuse_plan_options(paths[0], inputs)

    async def job(client: TavusClient) -> int:
        if from_plan:
            return await saved.run(client, paths[0], store, execution, console)
        notice = _no_lockfile(opts)
        return await command.run(client, inputs, store, execution, ok, console, notice)

    store = opts.store()
    with store.hold(opts.lock_timeout):
        return int(_run(opts, job, parallelism))


_PLAN_OPTIONS = {
    "targets": "--target",
    "prune": "--prune",
    "allow_unknown_fields": "--allow-unknown-fields",
    "allow_plaintext_secrets": "--allow-plaintext-secrets",
    "allow_duplicate_names": "--allow-duplicate-names",
    "allow_recreate_all": "--allow-recreate-all",
}


def _refuse_plan_options(plan_file: Path, inputs: Inputs) -> None:
    """A saved plan is applied exactly as made: options that would change it are an error."""
    given = [flag for name, flag in _PLAN_OPTIONS.items() if getattr(inputs, name)]
    if given:
        raise UsageError(
            f"{given[0]} cannot be used with a saved plan ({plan_file}): it is applied exactly "
            f"as it was made. Make a new plan with `tavusctl plan {given[0]} ... -o FILE`, or "
            "apply the manifests instead."
        )


@cli.command("diff")
@_env_option
@click.pass_obj
def diff(opts: GlobalOptions, envs: tuple[str, ...]) -> int:
    """Compare what two environments hold live (--env A --env B): each managed resource read
    from each account through each state. Exit 0 when they agree, 2 when they differ."""
    import asyncio

    from tavusctl.commands import promote
    from tavusctl.core.errors import ExitCode

    names = envs or opts.envs
    if len(names) != 2:
        raise UsageError(
            "diff compares two environments: name them, e.g. tavusctl diff --env staging "
            f"--env prod ({len(names)} given)."
        )
    sides = _selected_many(opts, names, False)

    async def one(o: GlobalOptions) -> promote.Side:
        name = o.environment.name if o.environment else "default"
        async with _client(o) as client:
            return await promote.read(client, name, o.store().read())

    async def both() -> list[promote.Side]:
        return list(await asyncio.gather(*(one(o) for o in sides)))

    a, b = asyncio.run(both())
    lines, differ = promote.compare(a, b)
    for line in lines:
        echo(line)
    return int(ExitCode.CHANGES if differ else ExitCode.OK)


# --- lifecycle: state, import, export, conversation, destroy -------------------------------


@cli.group()
def state() -> None:
    """Inspect, repair and move the state (what tavusctl manages)."""


@state.command("list")
@_env_option
@click.pass_obj
def state_list(opts: GlobalOptions, envs: tuple[str, ...]) -> None:
    """List every managed resource and its persona id."""
    opts = _selected(opts, envs)
    from tavusctl.commands import state as state_mod

    for line in state_mod.list_lines(opts.store().read()):
        echo(line)


@state.command("show")
@click.argument("name", shell_complete=_complete_names)
@_format_option(("yaml", "json"))
@_env_option
@click.pass_obj
def state_show(opts: GlobalOptions, name: str, fmt: str, envs: tuple[str, ...]) -> None:
    """Show the spec last applied to NAME; secrets are never shown."""
    opts = _selected(opts, envs)
    from tavusctl.commands import state as state_mod

    store = opts.store()
    echo(state_mod.show(store.read(), name, fmt, store.noun))


@state.command("rm")
@click.argument("name", shell_complete=_complete_names)
@_env_option
@click.pass_obj
def state_rm(opts: GlobalOptions, name: str, envs: tuple[str, ...]) -> None:
    """Forget NAME; its persona stays on the Tavus account, unmanaged."""
    opts = _selected(opts, envs)
    from tavusctl.commands import state as state_mod

    echo(state_mod.remove(opts.store(), name, timeout=opts.lock_timeout))


@state.command("mv")
@click.argument("old", shell_complete=_complete_names)
@click.argument("new")
@_env_option
@click.pass_obj
def state_mv(opts: GlobalOptions, old: str, new: str, envs: tuple[str, ...]) -> None:
    """Rename OLD to NEW, keeping its persona (rename the manifest's metadata.name too)."""
    opts = _selected(opts, envs)
    from tavusctl.commands import state as state_mod

    echo(state_mod.move(opts.store(), old, new, timeout=opts.lock_timeout))


@state.command("migrate")
@click.option(
    "--from",
    "source",
    required=True,
    type=click.Path(dir_okay=False, path_type=Path),
    help="The lockfile to copy into the configured state store.",
)
@_env_option
@click.pass_obj
def state_migrate(opts: GlobalOptions, source: Path, envs: tuple[str, ...]) -> None:
    """Copy a lockfile into the configured state store (e.g. PostgreSQL), exactly.

    Refuses a store that records anything already; reads the copy back to verify it.
    """
    opts = _selected(opts, envs)
    from tavusctl.commands import state as state_mod

    echo(state_mod.migrate(opts.store(), source, timeout=opts.lock_timeout))


@state.command("pull")
@click.option(
    "-o",
    "--out",
    type=click.Path(dir_okay=False, path_type=Path),
    default=None,
    help="Write the lockfile here (default: standard output).",
)
@_env_option
@click.pass_obj
def state_pull(opts: GlobalOptions, out: Path | None, envs: tuple[str, ...]) -> None:
    """Write the configured state store out as a lockfile."""
    opts = _selected(opts, envs)
    from tavusctl.commands import state as state_mod

    text = state_mod.pull(opts.store())
    if out is None:
        echo(text, nl=False)
    else:
        echo(state_mod.write_pulled(out, text), err=True)


@state.command("unlock")
@_AUTO_APPROVE
@_env_option
@click.pass_obj
def state_unlock(opts: GlobalOptions, auto_approve: bool, envs: tuple[str, ...]) -> None:
    """Release the state's lock when the run holding it is gone but the lock stayed.

    A run that ends, even killed, releases its lock by itself; this is for a session the
    database still keeps open (a hung process, a machine cut off from the network).
    """
    from tavusctl.cli.confirm import approve
    from tavusctl.commands import state as state_mod

    store = _selected(opts, envs).store()
    question = state_mod.unlock_question(store)
    if question is None:
        echo(f"Nobody holds the lock on {store.name}; nothing was done.")
        return
    approve(question, verb="unlock", auto_approve=auto_approve)
    echo(store.unlock())


@state.command("merge-driver")
@click.argument("base", type=click.Path(dir_okay=False, path_type=Path))
@click.argument("ours", type=click.Path(dir_okay=False, path_type=Path))
@click.argument("theirs", type=click.Path(dir_okay=False, path_type=Path))
def state_merge_driver(base: Path, ours: Path, theirs: Path) -> int:
    """git merge driver: merge lockfile THEIRS into OURS (%A, written) against BASE (%O).

    \b
    Set up once per clone, and in .gitattributes:
      git config merge.tavusctl.driver 'tavusctl state merge-driver %O %A %B'
      echo 'tavus.lock merge=tavusctl' >> .gitattributes
    Exit 0 when merged cleanly; 1 when both branches recorded different personas for one name
    (both ids are named; ours is kept).
    """
    from tavusctl.commands import state as state_mod

    clean, lines = state_mod.merge_driver(base, ours, theirs)
    for line in lines:
        echo(line, err=True)
    return int(ExitCode.OK if clean else ExitCode.ERROR)


@cli.command("import")
@click.argument(
    "args",
    nargs=-1,
    metavar="NAME PERSONA_ID [PATH]... | --by-name [PATH]...",
    shell_complete=_complete_names,
)
@click.option(
    "--by-name",
    is_flag=True,
    help="Adopt, for every manifest without a lockfile entry, the one unmanaged persona with "
    "its persona_name (recovers a lost lockfile).",
)
@_loader_flags()
@_env_option
@click.pass_obj
def import_(
    opts: GlobalOptions,
    /,
    args: tuple[str, ...],
    by_name: bool,
    allow_unknown_fields: bool,
    allow_plaintext_secrets: bool,
    envs: tuple[str, ...],
) -> int:
    """Adopt the existing persona PERSONA_ID as NAME, without recreating it.

    As in Terraform, the manifest comes first: one in PATHS (default: .) must declare NAME.
    With --by-name, every manifest in PATHS without a lockfile entry adopts the one unmanaged
    persona of its persona_name (two or more: refused for that manifest, naming them).
    """
    from tavusctl.commands import lifecycle
    from tavusctl.manifest.load import load_or_raise

    opts = _selected(opts, envs)
    if not by_name and len(args) < 2:
        raise UsageError(
            "import needs NAME and PERSONA_ID (tavusctl import interviewer p1234abcd), or "
            "--by-name to adopt every unmanaged persona whose persona_name a manifest has."
        )
    paths = [Path(a) for a in (args if by_name else args[2:])]
    paths = paths or list(_manifest_paths(opts, ()))
    for path in paths:
        if not path.exists():
            raise UsageError(f"Path '{path}' does not exist.")
    if not by_name:
        lifecycle.check_id(args[0], args[1])
    resources = load_or_raise(
        paths,
        allow_unknown_fields=allow_unknown_fields,
        allow_plaintext_secrets=allow_plaintext_secrets,
        scrubber=SECRETS_READ,
        environment=opts.environment,
    ).resources
    store, wait = opts.store(), opts.lock_timeout
    if by_name:
        clean, lines = _run(
            opts,
            lambda c: lifecycle.import_by_name(c, store, resources, tuple(paths), timeout=wait),
        )
        for line in lines:
            echo(line)
        return int(ExitCode.OK if clean else ExitCode.ERROR)
    name, persona_id = args[0], args[1]
    echo(
        _run(
            opts,
            lambda c: lifecycle.import_persona(c, store, name, persona_id, resources, timeout=wait),
        )
    )
    return int(ExitCode.OK)


@cli.command("export")
@click.option(
    "--out",
    type=click.Path(file_okay=False, path_type=Path),
    default=Path("."),
    show_default=True,
    help="Folder to write the manifests into.",
)
@click.option(
    "--kind",
    type=click.Choice(["Persona", "Pal", "Guardrail", "Objectives", "Tool",
                       "PronunciationDictionary"]),
    default="Persona",
    show_default=True,
    help="The kind to export: Persona manifests (/v2/personas names), Pal (/v2/pals, the "
    "2026 names pal_name, default_face_id...), or one of the graph's kinds. Ids of managed or "
    "exported objects are written as ${ref:Kind/name}.",
)  # fmt: skip
@click.argument("persona_ids", nargs=-1)
@_env_option
@click.pass_obj
def export_(
    opts: GlobalOptions, out: Path, kind: str, persona_ids: tuple[str, ...], envs: tuple[str, ...]
) -> None:
    """Write manifests from live objects of one kind (default: every unmanaged one) and manage
    them.

    Secrets become ${env:...} references (the variables to set are listed); an existing file
    is never overwritten.
    """
    from tavusctl.commands.export import export_personas
    from tavusctl.kinds import of

    chosen = of(kind)
    opts = _selected(opts, envs)
    store, wait = opts.store(), opts.lock_timeout
    result = _run(opts, lambda c: export_personas(c, store, out, persona_ids, chosen, timeout=wait))
    for line in result.lines():
        echo(line)


@cli.command()
@click.argument("name", shell_complete=_complete_names)
@click.option("--test-mode", is_flag=True, help="Create it without a replica joining (no cost).")
@click.option("--replica-id", default=None, help="Replica to use instead of the persona default.")
@_env_option
@click.pass_obj
def conversation(
    opts: GlobalOptions, name: str, test_mode: bool, replica_id: str | None, envs: tuple[str, ...]
) -> None:
    """Start a conversation with the managed persona NAME and print its URL."""
    opts = _selected(opts, envs)
    from tavusctl.commands.lifecycle import start_conversation

    store = opts.store()
    lock = store.read()
    url = _run(
        opts,
        lambda c: start_conversation(
            c, lock, name, test_mode=test_mode, replica_id=replica_id, where=store.noun
        ),
    )
    echo(url)


@cli.command()
@_AUTO_APPROVE
@_PARALLELISM
@_FAIL_FAST
@_env_option
@click.pass_obj
def destroy(
    opts: GlobalOptions,
    auto_approve: bool,
    parallelism: int,
    fail_fast: bool,
    envs: tuple[str, ...],
) -> int:
    """Delete every persona the lockfile records, after confirmation (like apply's)."""
    opts = _selected(opts, envs)
    from functools import partial

    from tavusctl.apply.execute import Options
    from tavusctl.cli.confirm import approve
    from tavusctl.commands.destroy import destroy as command

    ok = partial(approve, verb="destroy", auto_approve=auto_approve)
    execution = Options(parallelism, fail_fast=fail_fast)
    store, wait = opts.store(), opts.lock_timeout
    job = lambda c: command(  # noqa: E731
        c, store, approve=ok, console=_console(opts), execution=execution, timeout=wait
    )
    return int(_run(opts, job, parallelism))
