#!/usr/bin/env bash
# Runs a command (a node_modules/.bin tool or any program) with Node 24 first on PATH.
set -euo pipefail
source "$(dirname "$0")/lib/common.sh"
pf_use_node24
PATH=$PF_ROOT/node_modules/.bin:$PATH
exec "$@"
