#!/usr/bin/env bash
# The demo: the reverse function end to end against a local Apache Pulsar broker. Sets everything up on a
# fresh machine (Node 24, npm deps, broker jars, Apache's Python client), starts the broker and one function
# instance running scripts/examples/reverse.sh, produces a few messages with Apache's client, prints the
# reversed output read back from the output topic, then stops what it started.
set -euo pipefail
source "$(dirname "$0")/lib/common.sh"
pf_use_node24
cd "$PF_ROOT"
bash scripts/install-deps.sh
PF_SKIP_DOCKER=1 bash scripts/services.sh up
# shellcheck source=/dev/null
source "$PF_CACHE/services.env"

run=$(date +%s)-$$
in=persistent://public/default/demo-in-$run
out=persistent://public/default/demo-out-$run
work=$(mktemp -d)
instance_pid=
cleanup() {
  [ -n "$instance_pid" ] && kill -TERM "$instance_pid" 2>/dev/null && wait "$instance_pid" 2>/dev/null
  rm -rf "$work"
  bash scripts/services.sh down
}
trap cleanup EXIT

pf_log "starting the reverse function: $in → $out"
PF_SCRIPT=scripts/examples/reverse.sh PF_INPUTS=$in PF_OUTPUT=$out PF_SUBSCRIPTION_POSITION=Earliest \
  PF_SERVICE_URL=$PULSAR_SERVICE_URL PF_HTTP_HOST=127.0.0.1 PF_HTTP_PORT=0 PF_LOG_LEVEL=warn \
  node src/cli/main.ts run >"$work/instance.log" 2>&1 &
instance_pid=$!

messages=('Hello, Pulsar!' 'pf-bash runs bash scripts as Pulsar Functions' 'stressed' 'racecar' '12345')
for i in "${!messages[@]}"; do printf '%s' "${messages[$i]}" >"$work/in-$i"; done

# Subscribe to the output before producing, so nothing is missed.
"$PF_PYTHON" test/support/peer.py consume --service-url "$PULSAR_SERVICE_URL" --topic "$out" \
  --subscription demo --initial-position earliest --count "${#messages[@]}" --timeout-ms 60000 \
  >"$work/out.jsonl" 2>"$work/consume.log" &
consumer_pid=$!
args=()
for i in "${!messages[@]}"; do args+=(--payload-file "$work/in-$i"); done
"$PF_PYTHON" test/support/peer.py produce --service-url "$PULSAR_SERVICE_URL" --topic "$in" \
  --count "${#messages[@]}" --key-template 'm{i}' "${args[@]}" >/dev/null 2>"$work/produce.log"

if ! wait "$consumer_pid"; then
  cat "$work/consume.log" "$work/instance.log" >&2
  pf_die "the demo did not receive every output message"
fi
echo
echo "input  →  output (read back from $out; the output keeps the input's key)"
"$PF_PYTHON" - "$work/out.jsonl" "${messages[@]}" <<'PY'
import base64, json, sys
out = {}
for line in open(sys.argv[1]):
    m = json.loads(line)
    if 'payload_b64' in m:
        out[m['key']] = base64.b64decode(m['payload_b64']).decode()
for i, text in enumerate(sys.argv[2:]):
    print(f"  {text:<46} →  {out.get(f'm{i}', '(missing)')}")
PY
echo
