#!/usr/bin/env bash
# Runs a benchmark against the local broker, from a fresh machine: Node 24 and the npm dependencies, Apache's
# Python client in its venv, and the shared Pulsar standalone — started here only when it is not running, and
# then stopped again when the benchmark ends (a broker someone else runs is left alone).
#   scripts/bench.sh client [count] [rounds]    bench/client.bench.ts: our client vs Apache's Python client
# Settings: PULSAR_BROKER_PORT / PULSAR_HTTP_PORT as for scripts/pulsar-standalone.sh; BENCH_* as in the bench.
set -euo pipefail
# shellcheck source-path=SCRIPTDIR source=lib/common.sh
source "$(dirname "${BASH_SOURCE[0]}")/lib/common.sh"

which=${1:-}
shift || true
case $which in
  client) bench=bench/client.bench.ts ;;
  *) pf_die "usage: scripts/bench.sh client [count] [rounds]" ;;
esac

pf_use_node24
cd "$PF_ROOT"
bash scripts/install-deps.sh
bash scripts/python-peer.sh setup >/dev/null

started_broker=0
stop_broker() {
  if [ "$started_broker" = 1 ]; then bash scripts/pulsar-standalone.sh stop || true; fi
}
trap stop_broker EXIT
trap 'exit 130' INT
trap 'exit 143' TERM
if ! bash scripts/pulsar-standalone.sh status >/dev/null 2>&1; then
  started_broker=1
  bash scripts/pulsar-standalone.sh start
fi

export PF_ROOT
export PULSAR_SERVICE_URL=pulsar://127.0.0.1:${PULSAR_BROKER_PORT:-6650}
export PULSAR_ADMIN_URL=http://127.0.0.1:${PULSAR_HTTP_PORT:-8080}
PF_PYTHON=$(bash scripts/python-peer.sh python)
export PF_PYTHON
pf_log "node $bench $*"
node "$bench" "$@"
