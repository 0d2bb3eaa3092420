#!/usr/bin/env bash
# Runs a benchmark from a fresh machine: Node 24 and the npm dependencies, Apache's Python client in its venv,
# the shared Pulsar standalone and, for `image`, the Docker engine and local base image. Services are started
# through scripts/services.sh, which stops afterwards only what it started itself.
#   scripts/bench.sh client  [count] [rounds]   bench/client.bench.ts: our client vs Apache's Python client
#   scripts/bench.sh runtime [args]             bench/runtime.bench.ts: exec and stream modes vs their ceilings
#   scripts/bench.sh image   [args]             bench/image.bench.ts: image size, build times, start to ready
# Settings: PULSAR_BROKER_PORT / PULSAR_HTTP_PORT as for scripts/pulsar-standalone.sh; BENCH_* as in each bench.
set -euo pipefail
# shellcheck source-path=SCRIPTDIR source=lib/common.sh
source "$(dirname "${BASH_SOURCE[0]}")/lib/common.sh"

which=${1:-}
shift || true
case $which in
  client | runtime) export PF_SKIP_DOCKER=1 ;;
  image) ;;
  *) pf_die "usage: scripts/bench.sh client|runtime|image [args]" ;;
esac
bench=bench/$which.bench.ts

pf_use_node24
cd "$PF_ROOT"
bash scripts/install-deps.sh
bash scripts/services.sh up
trap 'bash scripts/services.sh down' EXIT
trap 'exit 130' INT
trap 'exit 143' TERM
# shellcheck source=/dev/null
source "$PF_CACHE/services.env"
pf_log "node $bench $*"
node "$bench" "$@"
