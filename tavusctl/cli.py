"""The command line: click groups and options only.

Each command builds its collaborators and hands off to a plain function in the package that
returns data or an exit code. Nothing below this module imports click. Heavy modules are
imported inside the commands so that ``tavusctl --version`` starts fast.
"""

from __future__ import annotations

import os
import sys
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any, TypeVar

import click

from tavusctl import __version__
from tavusctl.errors import ExitCode, TavusctlError

DEFAULT_API_URL = "https://tavusapi.com"

F = TypeVar("F", bound=Callable[..., Any])


@dataclass(frozen=True)
class GlobalOptions:
    """Options shared by every command."""

    api_url: str
    api_key: str | None
    lockfile: Path
    color: bool
    verbose: int


def _fail(exc: TavusctlError) -> None:
    click.echo(f"Error: {exc.message}", err=True)
    raise SystemExit(int(exc.exit_code))


class TavusctlGroup(click.Group):
    """Turns user errors into one clean line on stderr and an exit code; never a traceback."""

    def invoke(self, ctx: click.Context) -> Any:
        try:
            return super().invoke(ctx)
        except TavusctlError as exc:
            _fail(exc)
        except KeyboardInterrupt:
            click.echo("Interrupted.", err=True)
            raise SystemExit(int(ExitCode.INTERRUPTED)) from None


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
    default=Path("tavus.lock"),
    show_default=True,
    help="Where tavusctl records what it applied.",
)
@click.option(
    "--no-color", is_flag=True, help="Never colour output (default: colour on a terminal)."
)
@click.option("-v", "--verbose", count=True, help="More detail on stderr; repeat for more.")
@click.pass_context
def cli(
    ctx: click.Context,
    api_url: str,
    api_key: str | None,
    lockfile: Path,
    no_color: bool,
    verbose: int,
) -> None:
    """Infrastructure-as-code for Tavus personas: validate, plan and apply persona YAML."""
    color = not no_color and sys.stdout.isatty() and "NO_COLOR" not in os.environ
    ctx.obj = GlobalOptions(api_url.rstrip("/"), api_key or None, lockfile, color, verbose)


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


def _choice(*values: str) -> click.Choice[str]:
    return click.Choice(values)


@cli.command()
@click.option("--host", default="127.0.0.1", show_default=True, help="Address to listen on.")
@click.option(
    "--port",
    default=8787,
    show_default=True,
    type=int,
    help="Port to listen on (0: any free port).",
)
@click.option(
    "--get-shape",
    type=_choice("flat", "wrapped"),
    default="flat",
    show_default=True,
    help="GET /v2/personas/{id} answers the flat persona (what real clients read), or "
    "'wrapped' in {\"data\": [persona]} (what the docs show).",
)
@click.option(
    "--secrets",
    type=_choice("stored", "masked", "omitted"),
    default="stored",
    show_default=True,
    help="How reads show api_key fields (any depth) and layers.llm.headers values: as "
    "stored, 'masked' as ****+last 4 characters, or 'omitted'.",
)
@click.option(
    "--fill-defaults/--no-fill-defaults",
    default=False,
    show_default=True,
    help="Fill server defaults on create (llm tavus-gpt-oss, tts cartesia, perception "
    "raven-1, stt tavus-auto) and conversational_flow sibling defaults (sparrow-1, "
    "medium, medium) when any flow field is set.",
)
@click.option(
    "--missing-status",
    type=_choice("400", "404"),
    default="400",
    show_default=True,
    help='An unknown persona id: 400 {"error": "Invalid persona_id"} (documented) or '
    '404 {"error": "Persona not found"}. A repeat DELETE gets the same.',
)
@click.option(
    "--patch-response",
    type=_choice("full", "message", "empty"),
    default="full",
    show_default=True,
    help="Body of a PATCH 200: the full updated persona, "
    '{"message": "Persona updated successfully"}, or empty.',
)
@click.option(
    "--create-response",
    type=_choice("minimal", "full"),
    default="minimal",
    show_default=True,
    help="Body of a create: {persona_id, persona_name, created_at} (documented), or the full persona.",
)
@click.option(
    "--unknown-fields",
    type=_choice("accept", "reject"),
    default="accept",
    show_default=True,
    help="Persona fields the docs do not list: stored as sent, or rejected with 400 "
    '{"error": "Unknown field: <path>"}.',
)
@click.option(
    "--list-system-personas/--no-list-system-personas",
    default=True,
    show_default=True,
    help="Whether GET /v2/personas without persona_type also lists the stock system personas.",
)
@click.option(
    "--patch-error-status",
    type=_choice("422", "400"),
    default="422",
    show_default=True,
    help='A malformed or failing JSON Patch: 422 {"message": "Invalid JSON patch format"} '
    '(documented) or 400 {"error": "Invalid patch operation"}.',
)
@click.option(
    "--max-page-size",
    type=click.IntRange(min=1),
    default=100,
    show_default=True,
    help="Largest list page; a larger limit is cut down to it.",
)
@click.option(
    "--latency-ms",
    type=click.FloatRange(min=0),
    default=0.0,
    show_default=True,
    help="Delay added to every Tavus API response, in milliseconds.",
)
@click.option(
    "--jitter-ms",
    type=click.FloatRange(min=0),
    default=0.0,
    show_default=True,
    help="Random +/- variation of the latency, in milliseconds.",
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
