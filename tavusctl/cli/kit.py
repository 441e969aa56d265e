"""The GitOps kit's commands: init, schema, fmt, drift, completion (click only).

They are registered on the ``cli`` group of :mod:`tavusctl.cli.main` when the ``tavusctl.cli``
package is imported, and hand off to one module each in ``tavusctl.commands``.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import click

from tavusctl.cli.main import GlobalOptions, _console, _inputs, _run, cli


@cli.command()
@click.argument("paths", nargs=-1, type=click.Path(path_type=Path))
@click.option(
    "--format",
    "fmt",
    type=click.Choice(["text", "json", "markdown"]),
    default="text",
    show_default=True,
    help="text for people, json for scripts, markdown for an issue body.",
)
@click.option("--target", "targets", multiple=True, metavar="NAME", help="Only this persona.")
@click.option("--allow-unknown-fields", is_flag=True, help="As for plan.")
@click.option("--allow-plaintext-secrets", is_flag=True, help="As for plan.")
@click.pass_obj
def drift(opts: GlobalOptions, /, paths: tuple[Path, ...], fmt: str, **kwargs: Any) -> int:
    """Report what changed on the account outside tavusctl: fields edited in the dashboard,
    managed personas deleted, unmanaged personas with a manifest's persona_name.

    Exit 0 when there is none, 2 when there is some, 1 on error. Nothing is written.
    """
    from tavusctl.commands import drift as command

    inputs = _inputs(paths, {**kwargs, "prune": False})
    job = lambda c: command.run(c, inputs, opts.lockfile, fmt, _console(opts))  # noqa: E731
    return int(_run(opts, job))
