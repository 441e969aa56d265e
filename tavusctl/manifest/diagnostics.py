"""Problems found in manifests, and how they are shown: text, JSON or GitHub annotations."""

from __future__ import annotations

import json
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Literal

from tavusctl.core import display
from tavusctl.core.errors import ExitCode
from tavusctl.core.model import Location

Severity = Literal["error", "warning"]


@dataclass(frozen=True, order=True)
class Diagnostic:
    """One problem at one place in a manifest. Sorts by location."""

    location: Location
    severity: Severity
    message: str

    def __str__(self) -> str:
        """One line ``file:line:col: message``. Values quoted from a manifest are data: control
        characters are escaped, so no line can start with a CI command such as ``::error``."""
        prefix = "warning: " if self.severity == "warning" else ""
        file = self.location.file
        file = f"./{file}" if file.startswith(":") else file
        where = f"{file}:{self.location.line}:{self.location.column}"
        return display.one_line(f"{where}: {prefix}{self.message}")


def render(diagnostics: Sequence[Diagnostic], fmt: str) -> str:
    """All diagnostics in ``fmt`` (text, json or github), one per line, newline-terminated."""
    if fmt == "json":
        return json.dumps([_as_json(d) for d in diagnostics], indent=2) + "\n"
    lines = [_github(d) if fmt == "github" else str(d) for d in diagnostics]
    return "".join(line + "\n" for line in lines)


def _as_json(d: Diagnostic) -> dict[str, object]:
    loc = d.location
    return {
        "file": loc.file,
        "line": loc.line,
        "column": loc.column,
        "severity": d.severity,
        "message": d.message,
    }


def _github(d: Diagnostic) -> str:
    """A GitHub Actions workflow command: ``::error file=F,line=L,col=C::message``."""
    loc = d.location
    props = f"file={_escape_property(loc.file)},line={loc.line},col={loc.column}"
    return f"::{d.severity} {props}::{_escape_data(d.message)}"


def _escape_data(text: str) -> str:
    # As GitHub's toolkit (core/src/command.ts) escapes a command's message.
    return text.replace("%", "%25").replace("\r", "%0D").replace("\n", "%0A")


def _escape_property(text: str) -> str:
    return _escape_data(text).replace(":", "%3A").replace(",", "%2C")


def summary(diagnostics: Sequence[Diagnostic], manifests: int, *, strict: bool) -> str:
    """The last line on stderr: ``2 manifests valid`` or ``3 errors, 1 warning``."""
    errors = sum(d.severity == "error" for d in diagnostics)
    warnings = len(diagnostics) - errors
    if errors or (strict and warnings):
        text = f"{_count(errors, 'error')}, {_count(warnings, 'warning')}"
        return text + (" (--strict: warnings fail)" if strict and warnings else "")
    valid = f"{_count(manifests, 'manifest')} valid"
    return f"{valid}, {_count(warnings, 'warning')}" if warnings else valid


def _count(n: int, noun: str) -> str:
    return f"{n} {noun}" if n == 1 else f"{n} {noun}s"


def exit_code(diagnostics: Sequence[Diagnostic], *, strict: bool) -> ExitCode:
    """1 when there are errors (or warnings with ``strict``), else 0."""
    failing = {"error", "warning"} if strict else {"error"}
    return ExitCode.ERROR if any(d.severity in failing for d in diagnostics) else ExitCode.OK
