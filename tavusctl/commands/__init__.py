"""The plain functions behind the CLI commands that plan and apply.

Each takes its collaborators (an API client, a :class:`Console`) and returns an exit code; the
click callbacks in ``cli.py`` only build those collaborators.
"""
