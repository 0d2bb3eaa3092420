#!/usr/bin/env bash
# Installs the npm dependencies with Node 24 when package-lock.json changed since the last install.
set -euo pipefail
source "$(dirname "$0")/lib/common.sh"
pf_use_node24
cd "$PF_ROOT"
stamp=node_modules/.pf-bash-lock.sha256
want=$(sha256sum package-lock.json | cut -d' ' -f1)
if [ ! -f "$stamp" ] || [ "$(cat "$stamp")" != "$want" ]; then
  pf_log "npm install (Node $(node --version))"
  # Not `npm ci`: the registries reachable here serve only the Linux builds of biome's and buf's per-platform
  # packages, so the lock file cannot list the others and `npm ci` refuses it as out of sync. `npm install`
  # installs exactly the locked versions and leaves package-lock.json unchanged (checked below).
  npm install --no-audit --no-fund --loglevel=error
  [ "$(sha256sum package-lock.json | cut -d' ' -f1)" = "$want" ] ||
    pf_die "npm install changed package-lock.json: commit the updated lock file"
  echo "$want" >"$stamp"
fi
