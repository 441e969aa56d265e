"""Run the shell steps of a GitHub workflow job here, the way a runner would.

Not a GitHub Actions emulator: just enough to execute the shipped workflows for real. Each
``run:`` step runs in bash with GitHub's environment files (``GITHUB_OUTPUT``, ``GITHUB_ENV``,
``GITHUB_PATH``, ``GITHUB_STEP_SUMMARY``); ``${{ }}`` expressions in ``env:``, ``with:``,
``if:`` and ``working-directory`` are evaluated over plain contexts (paths, string literals,
``==``, ``!=``, ``&&``, ``||``, ``!``, ``always()``, ``success()``, ``failure()``);
``actions/checkout`` is skipped (the test made the checkout); a step using this repository's
action runs the composite steps of ``action.yml`` (its setup-python and install steps are
skipped: tavusctl is already on PATH). An expression inside a ``run:`` script is an error, so
that the scripts stay runnable as they are.
"""

from __future__ import annotations

import os
import re
import subprocess
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import yaml

ROOT = Path(__file__).resolve().parent.parent.parent
EXPRESSION = re.compile(r"\$\{\{\s*(.*?)\s*\}\}")
TOKEN = re.compile(
    r"\s*(?:(?P<str>'(?:[^']|'')*')|(?P<op>==|!=|&&|\|\||!|\(|\))|(?P<name>[A-Za-z_][\w.\-]*(?:\(\))?))"
)
SKIPPED_ACTIONS = ("actions/checkout@", "actions/setup-python@")


@dataclass
class StepResult:
    name: str
    ran: bool
    code: int = 0
    stdout: str = ""
    stderr: str = ""


@dataclass
class JobRun:
    """What a job did: each step's result, its outputs, the summary, and its status."""

    steps: list[StepResult] = field(default_factory=list)
    outputs: dict[str, dict[str, dict[str, str]]] = field(default_factory=dict)
    summary: str = ""
    failed: bool = False

    def step(self, name: str) -> StepResult:
        return next(s for s in self.steps if s.name == name)


def load(path: Path) -> dict[str, Any]:
    # PyYAML reads the key ``on`` as True (YAML 1.1); nothing here needs it.
    return dict(yaml.safe_load(path.read_text(encoding="utf-8")))


def evaluate(text: str, contexts: Mapping[str, Any]) -> str:
    """``text`` with every ``${{ expression }}`` replaced by its value."""
    return EXPRESSION.sub(lambda m: _string(_value(m.group(1), contexts)), text)


def condition(expression: str | None, contexts: Mapping[str, Any], failed: bool) -> bool:
    """Whether a step with ``if: expression`` runs, as GitHub decides it."""
    if expression is None:
        return not failed
    text = EXPRESSION.sub(lambda m: m.group(1), str(expression))
    status = {"always()": True, "success()": not failed, "failure()": failed, "cancelled()": False}
    value = _value(text, {**contexts, **status})
    uses_status = any(word in text for word in status)
    return bool(value) if uses_status else bool(value) and not failed


def _string(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, bool):
        return "true" if value else "false"
    return str(value)


def _value(expression: str, contexts: Mapping[str, Any]) -> Any:
    """Evaluate a small GitHub expression by translating it into Python over its values."""
    python: list[str] = []
    names: dict[str, Any] = {}
    pos = 0
    while pos < len(expression.rstrip()):
        match = TOKEN.match(expression, pos)
        assert match, f"expression not understood here: {expression!r}"
        pos = match.end()
        if match.group("str") is not None:
            python.append(repr(match.group("str")[1:-1].replace("''", "'")))
        elif (op := match.group("op")) is not None:
            python.append({"&&": " and ", "||": " or ", "!": " not "}.get(op, f" {op} "))
        else:
            key = f"_v{len(names)}"
            names[key] = _lookup(match.group("name"), contexts)
            python.append(key)
    return eval("".join(python), {"__builtins__": {}}, names)


def _lookup(name: str, contexts: Mapping[str, Any]) -> Any:
    literals = {"true": True, "false": False, "null": None}
    if name in literals:
        return literals[name]
    if name in contexts:
        return contexts[name]
    node: Any = contexts
    for part in name.split("."):
        node = node.get(part) if isinstance(node, Mapping) else None
    return "" if node is None else node


@dataclass
class Runner:
    """Runs jobs in ``workspace`` with ``env`` as the runner's environment."""

    workspace: Path
    temp: Path
    env: dict[str, str]
    contexts: dict[str, Any]

    def run_job(self, workflow: Path, job: str) -> JobRun:
        spec = load(workflow)["jobs"][job]
        run = JobRun()
        job_env = {k: evaluate(str(v), self.contexts) for k, v in spec.get("env", {}).items()}
        env = {**self.env, **job_env}
        for number, step in enumerate(spec["steps"]):
            name = step.get("name") or step.get("uses") or f"step {number}"
            self._step(step, name, env, run, self.contexts)
        return run

    def _step(
        self, step: dict[str, Any], name: str, env: dict[str, str], run: JobRun,
        contexts: Mapping[str, Any], shell: tuple[str, ...] = ("bash", "-e"),
    ) -> dict[str, str]:  # fmt: skip
        local = {**contexts, "steps": run.outputs, "env": env}
        name = evaluate(name, local)
        if not condition(step.get("if"), local, run.failed):
            run.steps.append(StepResult(name, ran=False))
            return {}
        uses = str(step.get("uses", ""))
        if uses.startswith(SKIPPED_ACTIONS):
            run.steps.append(StepResult(name, ran=False))
            return {}
        with_ = {k: evaluate(str(v), local) for k, v in step.get("with", {}).items()}
        step_env = {**env, **{k: evaluate(str(v), local) for k, v in step.get("env", {}).items()}}
        if uses:
            outputs = self._action(uses, with_, step_env, run, local)
        else:
            cwd = self.workspace / evaluate(str(step.get("working-directory", ".")), local)
            outputs = self._script(str(step["run"]), name, step_env, run, cwd, shell, env)
        if "id" in step:
            run.outputs[step["id"]] = {"outputs": outputs}
        return outputs

    def _action(
        self, uses: str, with_: dict[str, str], env: dict[str, str], run: JobRun,
        contexts: Mapping[str, Any],
    ) -> dict[str, str]:  # fmt: skip
        assert uses == "./" or uses.startswith("tavusctl/tavusctl@"), f"unknown action {uses}"
        action = load(ROOT / "action.yml")
        inputs = {k: str(v.get("default", "")) for k, v in action["inputs"].items()}
        unknown = set(with_) - set(inputs)
        assert not unknown, f"the action has no input {unknown}"
        inputs.update(with_)
        inner = JobRun(failed=run.failed)
        github = {**contexts.get("github", {}), "action_path": str(ROOT)}
        scope = {**contexts, "inputs": inputs, "github": github}
        for step in action["runs"]["steps"]:
            if step.get("id") == "install":  # tavusctl is already installed and on PATH
                inner.steps.append(StepResult("install", ran=False))
                continue
            self._step(step, step.get("name", step.get("uses", "")), env, inner, scope,
                       ("bash", "--noprofile", "--norc", "-eo", "pipefail"))  # fmt: skip
        run.steps.extend(inner.steps)
        run.summary += inner.summary
        run.failed = inner.failed
        outer = {**scope, "steps": inner.outputs}
        return {k: evaluate(str(v["value"]), outer) for k, v in action["outputs"].items()}

    def _script(
        self, script: str, name: str, env: dict[str, str], run: JobRun, cwd: Path,
        shell: tuple[str, ...], job_env: dict[str, str],
    ) -> dict[str, str]:  # fmt: skip
        """Run one script; GITHUB_ENV and GITHUB_PATH change ``job_env`` for the later steps."""
        assert "${{" not in script, f"step {name!r}: an expression inside a script"
        files = {n: self.temp / f"{n}-{len(run.steps)}" for n in ("output", "env", "path", "summary")}  # fmt: skip
        for path in files.values():
            path.write_text("")
        script_file = self.temp / f"step-{len(run.steps)}.sh"
        script_file.write_text(script)
        full = {**env, "GITHUB_OUTPUT": str(files["output"]), "GITHUB_ENV": str(files["env"]),
                "GITHUB_PATH": str(files["path"]), "GITHUB_STEP_SUMMARY": str(files["summary"])}  # fmt: skip
        proc = subprocess.run([*shell, str(script_file)], cwd=cwd, env=full,
                              capture_output=True, text=True, timeout=300)  # fmt: skip
        run.steps.append(StepResult(name, True, proc.returncode, proc.stdout, proc.stderr))
        run.failed = run.failed or proc.returncode != 0
        run.summary += files["summary"].read_text()
        job_env.update(_key_values(files["env"].read_text()))
        for line in files["path"].read_text().splitlines():
            job_env["PATH"] = f"{line}{os.pathsep}{job_env['PATH']}"
        return _key_values(files["output"].read_text())


def _key_values(text: str) -> dict[str, str]:
    """``name=value`` lines and ``name<<DELIMITER`` blocks of a GitHub environment file."""
    out: dict[str, str] = {}
    lines = iter(text.splitlines())
    for line in lines:
        if "<<" in line and ("=" not in line or line.index("<<") < line.index("=")):
            key, delimiter = line.split("<<", 1)
            out[key] = "\n".join(iter(lambda: next(lines), delimiter))
        elif "=" in line:
            key, value = line.split("=", 1)
            out[key] = value
    return out
