#!/usr/bin/env bash
# Installs the npm dependencies with Node 24 when package-lock.json changed since the last install.
set -euo pipefail
source "$(dirname "$0")/lib/common.sh"
pf_use_node24
cd "$PF_ROOT"
stamp=node_modules/.pf-bash-lock.sha256
want=$(sha256sum package-lock.json | cut -d' ' -f1)
if [ ! -f "$stamp" ] || [ "$(cat "$stamp")" != "$want" ]; then
  pf_log "npm ci (Node $(node --version))"
  npm ci --no-audit --no-fund --loglevel=error
  echo "$want" >"$stamp"
fi
