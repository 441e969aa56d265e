"""The plain functions behind the CLI commands, one module per command.

Each takes its collaborators (an API client, a :class:`~tavusctl.commands.common.Console`) and
returns an exit code or data; the click callbacks in :mod:`tavusctl.cli.main` only build those
collaborators.
"""
