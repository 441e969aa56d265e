#!/usr/bin/env bash
# `make demo`: show tavusctl working end to end with no Tavus account.
set -euo pipefail
cd "$(dirname "$0")/.."
TAVUSCTL=.venv/bin/tavusctl
echo "== tavusctl validate examples/manifests"
LLM_API_KEY=demo-llm-key "$TAVUSCTL" validate examples/manifests
