#!/usr/bin/env bash
# `make demo`: tavusctl end to end against its bundled emulator — no Tavus account needed.
# Validate, plan, apply, an empty re-plan, a dashboard edit shown as drift and reverted; the
# clinic graph (a PAL naming its objectives, guardrails, tool and dictionary by ${ref:}) planned
# with known-after-apply ids, applied in dependency order, and one guardrail prompt edited.
set -euo pipefail
cd "$(dirname "$0")/.."
ROOT=$PWD
TAVUSCTL="${TAVUSCTL:-$ROOT/.venv/bin/tavusctl}"
WORK=$(mktemp -d)
PORT=$("$ROOT/.venv/bin/python" -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')

"$TAVUSCTL" emulator --port "$PORT" 2>"$WORK/emulator.log" &
EMULATOR=$!
trap 'kill $EMULATOR 2>/dev/null; wait $EMULATOR 2>/dev/null; rm -rf "$WORK"' EXIT
PY="$ROOT/.venv/bin/python"
# Only Python is assumed on the machine: no curl.
"$PY" -c 'import httpx, sys, time
for _ in range(100):
    try:
        httpx.get(sys.argv[1]); break
    except httpx.TransportError:
        time.sleep(0.1)' "http://127.0.0.1:$PORT/_emulator/config"

cp -r examples/manifests "$WORK/personas"
cd "$WORK"
export TAVUS_API_URL="http://127.0.0.1:$PORT" TAVUS_API_KEY=demo-api-key LLM_API_KEY=demo-llm-key
export BOOKING_TOKEN=demo-booking-token
step() { printf '\n\033[1m== %s\033[0m\n' "$*"; }

step "tavusctl validate personas"
"$TAVUSCTL" validate personas
step "tavusctl plan personas --target Pal/clinic-intake   (the clinic PAL and all it names)"
"$TAVUSCTL" plan personas --target Pal/clinic-intake | grep -E 'known after apply|^  [+~-]|Plan:'
step "tavusctl plan personas   (no lockfile yet: everything is created)"
"$TAVUSCTL" plan personas | tail -n 3
step "tavusctl apply personas --auto-approve   (what the PAL names first, then the PAL)"
"$TAVUSCTL" apply personas --auto-approve >apply.out 2>&1
grep -E '^(Guardrail|Tool|Objectives|PronunciationDictionary|Pal/clinic)' apply.out || true
tail -n 1 apply.out
step "tavusctl plan personas --detailed-exitcode   (in sync: exit 0)"
"$TAVUSCTL" plan personas --detailed-exitcode
step "someone edits the interviewer in the dashboard; a manifest edit renames the support agent"
ID=$("$TAVUSCTL" state list | awk '/interviewer/ {print $2}')
"$PY" -c 'import httpx, sys
httpx.patch(sys.argv[1], headers={"x-api-key": "demo-api-key"}, json=[
    {"op": "replace", "path": "/layers/conversational_flow/turn_taking_patience", "value": "low"}
]).raise_for_status()' "http://127.0.0.1:$PORT/_emulator/personas/$ID"
sed -i.bak 's/persona_name: Acme Support/persona_name: Acme Helpdesk/' personas/support-agent.yaml && rm personas/*.bak
sed -i.bak 's/payment card details/card numbers/' personas/guardrail-no-pii.yaml && rm personas/*.bak
step "tavusctl plan personas -o demo.plan   (drift is shown and will be reverted; one guardrail prompt edited: one operation)"
"$TAVUSCTL" plan personas -o demo.plan
step "tavusctl apply demo.plan"
"$TAVUSCTL" apply demo.plan | tail -n 1
step "tavusctl plan personas   (empty again)"
"$TAVUSCTL" plan personas
step "tavus.lock holds ids and hashes, never a secret"
grep -c -e demo-llm-key -e demo-booking-token tavus.lock demo.plan || true
