"""``${env:NAME}`` and ``${file:relative/path}`` references inside manifest string values.

Security: a manifest from an untrusted pull request must not be able to copy CI secrets into
plan output. So ``${file:}`` reads only files inside the folder tree the manifests were loaded
from (never hidden ones), and ``${env:}`` outside secret fields reads only variables named
``TAVUSCTL_*``.
``$${`` writes a literal ``${``.

``${var:NAME}`` reads a variable of the selected environment (``tavusctl.yaml``). As the whole
value it keeps the variable's YAML type; inside text it must be a string or a number. Variables
are in git, so a secret field never reads one (``${env:}`` is for secrets).
"""

from __future__ import annotations

import dataclasses
import re
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path

from tavusctl.core.secrets import Scrubber

MAX_FILE_BYTES = 5 * 1024 * 1024
# What all ``${file:}`` references of one load may expand to together: a small manifest with a
# hundred references to a 5 MiB file would otherwise take gigabytes.
MAX_EXPANDED_BYTES = 64 * 1024 * 1024
ENV_PREFIX = "TAVUSCTL_"

# What an unset secret variable reads as when secrets are not needed (offline validate).
UNRESOLVED = "(secret not resolved)"

# ``$${``, a reference, or a ``${`` never closed (an error: it would be sent as written).
_REFERENCE = re.compile(r"\$\$\{|\$\{([^}]*)\}|\$\{")
_SURROGATE = re.compile("[\ud800-\udfff]")
_ENV_NAME = re.compile(r"[A-Za-z_][A-Za-z0-9_]*")


class ReferenceProblem(Exception):
    """A reference that cannot be resolved; the message is a whole sentence."""


class Budget:
    """How many bytes ``${file:}`` references may still expand to in this load."""

    def __init__(self, limit: int | None = None) -> None:
        self.limit, self.spent = MAX_EXPANDED_BYTES if limit is None else limit, 0

    def spend(self, size: int, ref: str, field: str) -> None:
        self.spent += size
        if self.spent > self.limit:
            raise ReferenceProblem(
                f"{field} reads '{ref}', which brings what the ${{file:}} references of these "
                f"manifests expand to above {_size(self.limit)} in all. Reference fewer or "
                "smaller files, or load fewer manifests at once."
            )


def _size(n: int) -> str:
    return f"{n // 2**20} MiB" if n % 2**20 == 0 else f"{n:,} bytes"


@dataclass(frozen=True)
class Context:
    """Where references are resolved from.

    ``root`` is the folder tree ``${file:}`` may read from; ``folder`` the manifest's folder,
    which relative paths start from. ``field`` names the field in messages; the value of a
    ``secret`` one is added to ``seen``.
    """

    root: Path
    folder: Path
    environ: Mapping[str, str]
    field: str
    secret: bool
    seen: Scrubber
    unset_secrets: set[str] | None = None  # offline: collect unset secret variables here
    variables: Mapping[str, object] | None = None  # the environment's vars (None: none chosen)
    environment: str | None = None
    variables_file: str = "tavusctl.yaml"
    budget: Budget = dataclasses.field(default_factory=Budget)


@dataclass(frozen=True)
class Resolved:
    """A resolved string and the environment variables it read."""

    value: str
    env_names: tuple[str, ...]


def has_reference(text: str) -> bool:
    """Whether ``text`` contains a reference or an escaped ``$${``."""
    return _REFERENCE.search(text) is not None


_WHOLE_VAR = re.compile(r"\$\{var:([^}]*)\}")


def resolve_value(text: str, ctx: Context) -> tuple[object, tuple[str, ...]]:
    """``text`` resolved; a whole ``${var:NAME}`` keeps the variable's type. Also returns the
    environment variables read. Raises ``ReferenceProblem`` for the first bad reference."""
    whole = _WHOLE_VAR.fullmatch(text)
    if whole:
        return _var(whole.group(1), ctx), ()
    resolved = resolve(text, ctx)
    return resolved.value, resolved.env_names


def resolve(text: str, ctx: Context) -> Resolved:
    """Replace every reference in ``text``; raises ``ReferenceProblem`` for the first bad one."""
    env_names: list[str] = []

    def replace(match: re.Match[str]) -> str:
        if match.group(0) == "$${":
            return "${"
        if match.group(1) is None:
            raise ReferenceProblem(
                f"{ctx.field} has '${{' with no closing '}}' ({_near(text, match.start())}). "
                "Close the reference, or write $${ for a literal ${."
            )
        return _resolve_one(match.group(1), ctx, env_names)

    return Resolved(_REFERENCE.sub(replace, text), tuple(env_names))


def _near(text: str, start: int) -> str:
    return repr(text[start : start + 40])


def _resolve_one(body: str, ctx: Context, env_names: list[str]) -> str:
    kind, sep, arg = body.partition(":")
    if sep and kind == "env":
        env_names.append(arg)
        return _env(arg, ctx)
    if sep and kind == "file":
        return _file(arg, ctx)
    if sep and kind == "var":
        value = _var(arg, ctx)
        if isinstance(value, bool) or not isinstance(value, (str, int, float)):
            raise ReferenceProblem(
                f"{ctx.field} uses '${{var:{arg}}}' inside text, but in environment "
                f"{ctx.environment} it is {type(value).__name__}, not a string or a number. Use "
                "it as the whole value, or make the variable a string."
            )
        return str(value)
    raise ReferenceProblem(
        f"{ctx.field} contains the unknown reference '${{{body}}}'. Use ${{env:NAME}}, "
        "${var:NAME} or ${file:relative/path}, or write $${ for a literal ${."
    )


def _var(name: str, ctx: Context) -> object:
    ref = f"${{var:{name}}}"
    if not _ENV_NAME.fullmatch(name):
        raise ReferenceProblem(f"{ctx.field}: '{ref}' is not a valid variable name.")
    if ctx.secret:
        raise ReferenceProblem(
            f"{ctx.field} is a secret field and reads '{ref}', but variables sit in git in "
            f"{ctx.variables_file}, so they are never secrets. Read the secret from the "
            f"environment instead: ${{env:NAME}}."
        )
    if ctx.variables is None:
        raise ReferenceProblem(
            f"{ctx.field} reads '{ref}', but no environment is selected: variables belong to "
            f"the environments of {ctx.variables_file}. Pass --env NAME (or set TAVUSCTL_ENV), "
            "or declare environments there."
        )
    if name not in ctx.variables:
        raise ReferenceProblem(
            f"{ctx.field} reads '{ref}', but environment {ctx.environment} has no variable "
            f"{name}. Add it under environments.{ctx.environment}.vars in {ctx.variables_file}, "
            "or limit this manifest with metadata.environments."
        )
    return ctx.variables[name]


def _env(name: str, ctx: Context) -> str:
    ref = f"${{env:{name}}}"
    if not _ENV_NAME.fullmatch(name):
        raise ReferenceProblem(f"{ctx.field}: '{ref}' is not a valid environment variable name.")
    if not ctx.secret and not name.startswith(ENV_PREFIX):
        raise ReferenceProblem(
            f"{ctx.field} reads '{ref}', but outside secret fields (api_key and other "
            f"credential-named keys, layers.llm.headers) only variables named "
            f"{ENV_PREFIX}* may be read, so that a manifest cannot copy other environment "
            f"values into plan output. If {name} holds a credential, move it to a secret field "
            f"(the LLM layer's api_key, a header, or a query parameter named api-key): this "
            f"field is shown in plans "
            f"and stored in the lockfile in clear. If it holds none, rename the variable to "
            f"{ENV_PREFIX}{name}."
        )
    if name not in ctx.environ and ctx.secret and ctx.unset_secrets is not None:
        ctx.unset_secrets.add(name)
        return UNRESOLVED
    if name not in ctx.environ:
        raise ReferenceProblem(
            f"{ctx.field} reads '{ref}', but the environment variable {name} is not set. "
            "Set it before running tavusctl."
        )
    value = ctx.environ[name]
    if _SURROGATE.search(value):  # os.environ keeps bytes that are not UTF-8 as surrogates
        raise ReferenceProblem(
            f"{ctx.field} reads '{ref}', but the variable {name} holds bytes that are not "
            "UTF-8 text, which cannot be sent. Set it to UTF-8 text."
        )
    if ctx.secret:
        ctx.seen.add(value)
    return value


def _file(relative: str, ctx: Context) -> str:
    ref = f"${{file:{relative}}}"
    target = _inside_root(relative, ref, ctx)
    if not target.is_file():
        raise ReferenceProblem(
            f"{ctx.field} reads '{ref}', but {_shown(relative, ctx)} does not exist or is "
            "not a file."
        )
    try:
        with target.open("rb") as file:
            data = file.read(MAX_FILE_BYTES + 1)
    except OSError as exc:
        raise ReferenceProblem(
            f"{ctx.field} reads '{ref}', which cannot be read: {exc.strerror}."
        ) from None
    if len(data) > MAX_FILE_BYTES:
        raise ReferenceProblem(
            f"{ctx.field} reads '{ref}', which is larger than 5 MiB. Shorten or split it."
        )
    ctx.budget.spend(len(data), ref, ctx.field)
    try:
        return data.decode("utf-8")
    except UnicodeDecodeError:
        raise ReferenceProblem(
            f"{ctx.field} reads '{ref}', which is not UTF-8 text. Save it as UTF-8."
        ) from None


def _inside_root(relative: str, ref: str, ctx: Context) -> Path:
    """The resolved target, if it stays inside the root tree (symlinks followed).

    Hidden files and folders are refused too: ``.git/config`` holds the token that CI checkouts
    persist, and ``.env`` files hold secrets.
    """
    if "\0" in relative:
        raise ReferenceProblem(
            f"{ctx.field} reads a ${{file:}} path with a NUL character; no file has one."
        )
    if not relative or Path(relative).is_absolute():
        raise ReferenceProblem(
            f"{ctx.field} reads '{ref}': ${{file:}} takes a path relative to the manifest, "
            "such as ${file:prompts/persona.md}."
        )
    try:
        target = (ctx.folder / relative).resolve()
    except (RuntimeError, OSError):  # a symlink loop: RuntimeError up to 3.12, OSError after
        raise ReferenceProblem(
            f"{ctx.field} reads '{ref}', but {_shown(relative, ctx)} is a symlink that points "
            "back at itself (a loop). Point it at a real file, or name the file directly."
        ) from None
    root = ctx.root.resolve()
    if not target.is_relative_to(root):
        raise ReferenceProblem(
            f"{ctx.field} reads '{ref}', which is outside the folder the manifests were "
            f"loaded from ({ctx.root}). ${{file:}} may only read files inside that folder "
            "tree; move the file there."
        )
    if any(part.startswith(".") for part in target.relative_to(root).parts):
        raise ReferenceProblem(
            f"{ctx.field} reads '{ref}', a hidden file or folder. ${{file:}} never reads "
            "hidden files (they often hold credentials, like .git/config or .env); rename it."
        )
    return target


def _shown(relative: str, ctx: Context) -> str:
    return str(ctx.folder / relative)
