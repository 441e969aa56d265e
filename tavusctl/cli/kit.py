"""The GitOps kit's commands: init, schema, fmt, drift, completion (click only).

They are registered on the ``cli`` group of :mod:`tavusctl.cli.main` when the ``tavusctl.cli``
package is imported, and hand off to one module each in ``tavusctl.commands``.
"""

from __future__ import annotations

from pathlib import Path

import click

from tavusctl.cli.main import (
    GlobalOptions,
    _console,
    _env_option,
    _format_option,
    _inputs,
    _loader_flags,
    _run,
    _selected,
    _target_option,
    cli,
    echo,
)


@cli.command()
@click.argument("paths", nargs=-1, type=click.Path(path_type=Path))
@_format_option(
    ("text", "json", "markdown"), "text for people, json for scripts, markdown for an issue body."
)
@_target_option("Only this persona (repeatable).")
@_loader_flags()
@_env_option
@click.pass_obj
def drift(
    opts: GlobalOptions,
    /,
    paths: tuple[Path, ...],
    fmt: str,
    targets: tuple[str, ...],
    allow_unknown_fields: bool,
    allow_plaintext_secrets: bool,
    envs: tuple[str, ...],
) -> int:
    """Report what changed on the account outside tavusctl: fields edited in the dashboard,
    managed personas deleted, unmanaged personas with a manifest's persona_name.

    Exit 0 when there is none, 2 when there is some, 1 on error. Nothing is written.
    """
    from tavusctl.commands import drift as command

    opts = _selected(opts, envs)
    inputs = _inputs(opts, paths, False, targets, allow_unknown_fields, allow_plaintext_secrets)
    store = opts.store()
    job = lambda c: command.run(c, inputs, store, fmt, _console(opts))  # noqa: E731
    return int(_run(opts, job))


@cli.command()
@click.argument(
    "directory", default=".", type=click.Path(file_okay=False, path_type=Path), required=False
)
@click.option(
    "--ci",
    type=click.Choice(["github", "gitlab", "none"]),
    default="github",
    show_default=True,
    help="Which CI files to write: GitHub workflows, a GitLab CI template, or none.",
)
@click.option(
    "--env",
    "environments",
    multiple=True,
    metavar="NAME",
    help="Declare an environment (repeatable): its own API key variable, state and variables.",
)
@click.option("--branch", default="main", show_default=True, help="The branch apply runs on.")
def init(directory: Path, ci: str, environments: tuple[str, ...], branch: str) -> None:
    """Scaffold a tavusctl project in DIRECTORY (default: .): tavusctl.yaml, an example
    manifest, the schemas, .gitignore, pre-commit and editor settings, and CI workflows.

    Never overwrites a file: if any exists, it names them and writes nothing.
    """
    from tavusctl import scaffold
    from tavusctl.commands.init import init as command

    options = scaffold.Options(ci=ci, environments=environments, branch=branch)
    for line in command(directory, options).lines():
        echo(line)


@cli.command()
@click.option(
    "--write",
    "folder",
    type=click.Path(file_okay=False, path_type=Path),
    default=None,
    help="Copy the schemas into this folder of the project (e.g. schemas).",
)
def schema(folder: Path | None) -> None:
    """Print the manifest JSON Schema, or copy every schema into a folder of the project
    (--write DIR), for editor completion that works on every machine."""
    from tavusctl.commands import schema as command

    if folder is None:
        echo(command.shipped()[command.MANIFEST], nl=False)
        return
    for path in command.write(folder):
        echo(f"Wrote {path}")


@cli.command()
@click.argument("paths", nargs=-1, type=click.Path(path_type=Path))
@click.option("--check", is_flag=True, help="Change nothing; exit 1 if a file would change.")
@click.option("--diff", is_flag=True, help="Show the changes as a unified diff.")
@click.pass_obj
def fmt(opts: GlobalOptions, /, paths: tuple[Path, ...], check: bool, diff: bool) -> int:
    """Lay out manifests canonically, in place: key order of the Tavus docs, two-space
    indentation, block scalars for long or multi-line text. Comments and values are kept;
    files that are not tavusctl manifests are left alone. PATH: files or folders (default: .).
    """
    from tavusctl.commands import fmt as command

    return int(command.run(paths, command.Mode(check=check, diff=diff), _console(opts)))


@cli.command()
@click.argument("shell", type=click.Choice(["bash", "zsh", "fish"]))
def completion(shell: str) -> None:
    """Print the shell completion script for SHELL (commands, options, and resource names from
    the lockfile and manifests). For bash: eval "$(tavusctl completion bash)" in ~/.bashrc;
    zsh: the same in ~/.zshrc; fish: tavusctl completion fish > ~/.config/fish/completions/
    tavusctl.fish."""
    from click.shell_completion import get_completion_class

    completer = get_completion_class(shell)
    assert completer is not None, "click knows bash, zsh and fish"
    echo(completer(cli, {}, "tavusctl", "_TAVUSCTL_COMPLETE").source())
