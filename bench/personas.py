"""A deterministic generator of realistic persona manifests for the benchmarks.

``generate(n, seed)`` returns N :class:`BenchPersona` objects: each has a manifest (the YAML
document, with ``${env:…}`` references for secrets and sometimes ``${file:…}`` for the prompt)
and the resolved spec (what the API receives, used to seed the emulator). ``write(folder, ...)``
writes one manifest per file. The same seed always gives the same personas.
"""

from __future__ import annotations

import random
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import yaml

LLM_KEY_VAR = "BENCH_LLM_KEY"
TTS_KEY_VAR = "BENCH_TTS_KEY"
SECRET_ENV = {
    LLM_KEY_VAR: "bench-llm-key-0123456789abcdef",
    TTS_KEY_VAR: "bench-tts-key-fedcba9876543210",
}

# Stock replica ids from the Tavus docs (tavus-api.md §7): the emulator knows them.
REPLICAS = ("r7bc3db0d581", "rf25acd9e3f5", "re0eae1fbe11", "r1af76e94d00", "r95fd27b5a37")
ROLES = (
    ("interviewer", "conducts structured first-round interviews for engineering roles"),
    ("sales-coach", "role-plays difficult sales calls and gives feedback afterwards"),
    ("support-agent", "answers billing and account questions for a SaaS product"),
    ("tutor", "explains secondary-school mathematics step by step"),
    ("intake-nurse", "collects symptoms and history before a telehealth visit"),
    ("concierge", "helps hotel guests with bookings, directions and local tips"),
    ("onboarding-guide", "walks new customers through setting up their workspace"),
    ("language-partner", "holds relaxed practice conversations in Spanish"),
)
LANGUAGES = ("English", "Spanish", "German", "French", "Portuguese", "Japanese")
SENTENCES = (
    "Greet the participant warmly and introduce yourself by name before anything else.",
    "Keep every answer short: two or three sentences, then hand the turn back.",
    "If the participant seems confused, rephrase the last point with a concrete example.",
    "Never invent prices, dates or policies; say you will check and follow up instead.",
    "Ask one question at a time and wait for the full answer before moving on.",
    "When the participant shares their screen, describe only what is relevant to the task.",
    "Avoid jargon unless the participant uses it first, and define any term you introduce.",
    "If the conversation drifts, acknowledge the remark briefly and return to the agenda.",
    "Summarise the agreed next steps at the end and confirm that they are correct.",
    "Speak in a calm, friendly tone, and match the participant's pace and formality.",
    "Do not give medical, legal or financial advice beyond the scope described here.",
    "If you are unsure what the participant meant, ask a short clarifying question.",
    "Use the participant's name occasionally, but not in every sentence.",
    "Escalate to a human colleague when the participant asks for one, without arguing.",
)


@dataclass(frozen=True)
class BenchPersona:
    """One generated persona: its name, manifest document, resolved spec and prompt file."""

    name: str
    manifest: dict[str, Any]  # the YAML document, with ${env:} / ${file:} references
    spec: dict[str, Any]  # resolved: what the API receives
    prompt_file: str | None  # relative path of the prompt file, if the prompt lives in one


def generate(n: int, seed: int = 6) -> list[BenchPersona]:
    """N personas named ``bench-00001`` …, the same for the same seed."""
    rng = random.Random(seed)
    return [_persona(rng, i + 1) for i in range(n)]


def _persona(rng: random.Random, index: int) -> BenchPersona:
    name = f"bench-{index:05d}"
    role, duty = rng.choice(ROLES)
    echo = rng.random() < 0.1
    spec: dict[str, Any] = {
        "persona_name": f"{role.replace('-', ' ').title()} {index}",
        "pipeline_mode": "echo" if echo else "full",
        "default_replica_id": rng.choice(REPLICAS),
    }
    manifest_spec: dict[str, Any] = dict(spec)
    prompt_file = None
    if not echo:
        prompt = _prompt(rng, duty)
        spec["system_prompt"] = prompt
        if rng.random() < 0.25:
            prompt_file = f"prompts/{name}.md"
            manifest_spec["system_prompt"] = f"${{file:{prompt_file}}}"
        else:
            manifest_spec["system_prompt"] = prompt
        spec["context"] = manifest_spec["context"] = f"The company is Example {index % 97} Ltd."
    layers, manifest_layers = _layers(rng, echo)
    if layers:
        spec["layers"], manifest_spec["layers"] = layers, manifest_layers
    manifest = {
        "apiVersion": "tavusctl/v1",
        "kind": "Persona",
        "metadata": {"name": name},
        "spec": manifest_spec,
    }
    return BenchPersona(name, manifest, spec, prompt_file)


def _prompt(rng: random.Random, duty: str) -> str:
    """2–10 KB of plausible prose in a few Markdown sections."""
    target = rng.randint(2048, 10240)
    parts = [f"# Role\n\nYou are a video assistant who {duty}.\n"]
    section = 0
    while sum(len(p) for p in parts) < target:
        section += 1
        lines = " ".join(rng.choice(SENTENCES) for _ in range(rng.randint(3, 7)))
        parts.append(f"\n## Guideline {section}\n\n{lines}\n")
    text = "".join(parts)[:target]
    return text[: text.rfind(".") + 1] + "\n"  # end on a whole sentence


def _layers(rng: random.Random, echo: bool) -> tuple[dict[str, Any], dict[str, Any]]:
    """The layers as sent, and as written in the manifest (secrets as env references)."""
    layers: dict[str, Any] = {}
    manifest: dict[str, Any] = {}
    if not echo and rng.random() < 0.6:
        llm = _llm(rng)
        layers["llm"] = llm
        manifest["llm"] = _with_key_ref(llm, LLM_KEY_VAR)
    if rng.random() < 0.7:
        tts = _tts(rng)
        layers["tts"] = tts
        manifest["tts"] = _with_key_ref(tts, TTS_KEY_VAR)
    if not echo:
        for layer, make in (
            ("stt", _stt),
            ("perception", _perception),
            ("conversational_flow", _flow),
        ):
            if rng.random() < 0.5:
                layers[layer] = manifest[layer] = make(rng)
    return layers, manifest


def _with_key_ref(layer: dict[str, Any], var: str) -> dict[str, Any]:
    if "api_key" not in layer:
        return layer
    return {**layer, "api_key": f"${{env:{var}}}"}


def _llm(rng: random.Random) -> dict[str, Any]:
    if rng.random() < 0.5:
        return {
            "model": rng.choice(("tavus-gpt-oss", "tavus-gpt-4o-mini", "tavus-claude-haiku-4.5")),
            "speculative_inference": rng.random() < 0.7,
            "extra_body": {"temperature": round(rng.uniform(0.1, 1.2), 2)},
        }
    return {
        "model": rng.choice(("gpt-4.1-mini", "llama-3.3-70b-instruct", "mistral-large")),
        "base_url": f"https://llm{rng.randint(1, 9)}.example.com/v1",
        "api_key": SECRET_ENV[LLM_KEY_VAR],
        "speculative_inference": True,
    }


def _tts(rng: random.Random) -> dict[str, Any]:
    engine = rng.choice(("cartesia", "elevenlabs"))
    tts: dict[str, Any] = {
        "tts_engine": engine,
        "external_voice_id": f"{rng.getrandbits(64):016x}",
    }
    if engine == "cartesia":
        tts["tts_model_name"] = rng.choice(("sonic-2", "sonic-3"))
    if rng.random() < 0.3:
        tts["api_key"] = SECRET_ENV[TTS_KEY_VAR]
    return tts


def _stt(rng: random.Random) -> dict[str, Any]:
    return {
        "stt_engine": rng.choice(("tavus-auto", "tavus-parakeet", "tavus-soniox")),
        "hotwords": ", ".join(rng.sample(("Tavus", "Acme", "SKU", "onboarding", "invoice"), 3)),
    }


def _perception(rng: random.Random) -> dict[str, Any]:
    return {
        "perception_model": "raven-1",
        "visual_awareness_queries": ["Is the participant looking at the camera?"],
        "perception_analysis_queries": [
            f"Which {rng.choice(LANGUAGES)} words did they struggle with?"
        ],
    }


def _flow(rng: random.Random) -> dict[str, Any]:
    return {
        "turn_detection_model": "sparrow-1",
        "turn_taking_patience": rng.choice(("low", "medium", "high")),
        "replica_interruptibility": rng.choice(("low", "medium", "high")),
    }


class _BlockDumper(yaml.SafeDumper):
    """Writes multi-line strings as literal blocks, as a person would."""


def _str(dumper: yaml.SafeDumper, value: str) -> yaml.ScalarNode:
    style = "|" if "\n" in value else None
    return dumper.represent_scalar("tag:yaml.org,2002:str", value, style=style)


_BlockDumper.add_representer(str, _str)


def to_yaml(manifest: dict[str, Any]) -> str:
    """The manifest as YAML text, keys in their natural order."""
    return yaml.dump(manifest, Dumper=_BlockDumper, sort_keys=False, allow_unicode=True, width=100)


def write(folder: Path, personas: Sequence[BenchPersona]) -> None:
    """Write one ``<name>.yaml`` per persona (and prompt files) into ``folder``."""
    folder.mkdir(parents=True, exist_ok=True)
    (folder / "prompts").mkdir(exist_ok=True)
    for persona in personas:
        (folder / f"{persona.name}.yaml").write_text(to_yaml(persona.manifest), encoding="utf-8")
        if persona.prompt_file is not None:
            (folder / persona.prompt_file).write_text(
                persona.spec["system_prompt"], encoding="utf-8"
            )


def with_field(persona: BenchPersona, field: str, value: Any) -> BenchPersona:
    """The persona with one top-level spec field changed, in both manifest and spec."""
    manifest_spec = {**persona.manifest["spec"], field: value}
    manifest = {**persona.manifest, "spec": manifest_spec}
    return BenchPersona(persona.name, manifest, {**persona.spec, field: value}, persona.prompt_file)
