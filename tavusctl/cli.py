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


def main() -> None:
    """Console entry point."""
    cli(prog_name="tavusctl")


@cli.command()
@click.argument("paths", nargs=-1, type=click.Path(path_type=Path))
@click.option(
    "--format",
    "fmt",
    type=click.Choice(["text", "json", "github"]),
    default="text",
    show_default=True,
    help="text: file:line:col: message; json: a list of objects; github: workflow annotations.",
)
@click.option("--strict", is_flag=True, help="Fail on warnings (legacy fields, string booleans).")
@click.option(
    "--allow-unknown-fields",
    is_flag=True,
    help="Accept spec fields this schema does not know (fields Tavus added later).",
)
@click.option(
    "--allow-plaintext-secrets",
    is_flag=True,
    help="Accept secrets written in manifests instead of read with ${env:NAME}.",
)
@click.pass_context
def validate(
    ctx: click.Context,
    paths: tuple[Path, ...],
    fmt: str,
    strict: bool,
    allow_unknown_fields: bool,
    allow_plaintext_secrets: bool,
) -> None:
    """Check manifests offline: envelope, schema, references, secrets, names.

    PATH is a manifest file or a folder searched recursively for *.yaml and *.yml (default: .).
    Every problem is reported, sorted, as file:line:col: message. Exit 0 when valid, 1 when not.
    """
    from tavusctl import diagnostics, manifest

    result = manifest.load(
        paths,
        allow_unknown_fields=allow_unknown_fields,
        allow_plaintext_secrets=allow_plaintext_secrets,
    )
    click.echo(diagnostics.render(result.diagnostics, fmt), nl=False)
    summary = diagnostics.summary(result.diagnostics, len(result.resources), strict=strict)
    click.echo(summary, err=True)
    ctx.exit(int(diagnostics.exit_code(result.diagnostics, strict=strict)))
