#!/usr/bin/env bash
# The whole test suite, from a fresh machine: installs Node 24 and the npm dependencies, typechecks and lints,
# then (for integration) starts the real Pulsar broker, Apache's Python client and a Docker engine, runs the
# tests on Node's test runner, and stops whatever it started — also when tests fail or the run is interrupted.
#   scripts/test.sh [all|unit|integration] [extra node --test arguments, e.g. a file or --test-name-pattern=x]
set -euo pipefail
source "$(dirname "$0")/lib/common.sh"

mode=${1:-all}
shift || true
case $mode in all | unit | integration) ;; *) pf_die "usage: scripts/test.sh [all|unit|integration] [files…]" ;; esac

pf_use_node24
cd "$PF_ROOT"
bash scripts/install-deps.sh
PATH=$PF_ROOT/node_modules/.bin:$PATH

pf_log "typecheck and lint"
tsc -p tsconfig.json --noEmit
biome check .

files=()
if [ $# -gt 0 ] && [[ $1 != -* ]]; then
  files=("$@")
  shift $#
fi
[ "${#files[@]}" -gt 0 ] || case $mode in
  unit) files=('test/unit/**/*.test.ts') ;;
  integration) files=('test/integration/**/*.test.ts') ;;
  all) files=('test/unit/**/*.test.ts' 'test/integration/**/*.test.ts') ;;
esac

if [ "$mode" != unit ]; then
  bash scripts/services.sh up
  # Stop only what services.sh started, whatever way this script ends.
  trap 'bash scripts/services.sh down' EXIT
  trap 'exit 130' INT
  trap 'exit 143' TERM
  # shellcheck source=/dev/null
  source "$PF_CACHE/services.env"
  # The broker's jars are now in the cache: also check our codecs against Apache's Java ones.
  export PF_JAVA_INTEROP=${PF_JAVA_INTEROP:-1}
fi

pf_log "node --test ${files[*]}"
# One test file at a time: integration tests share one broker, and resilience tests restart it.
node --test --test-concurrency=1 --test-timeout=600000 --test-reporter=spec "${files[@]}" "$@"
