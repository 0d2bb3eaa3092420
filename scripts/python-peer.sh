#!/usr/bin/env bash
# Sets up the Python peer (Apache's pulsar-client from PyPI, see test/support/requirements.txt) in a venv in the
# cache, for test/support/peer.py.
#
#   scripts/python-peer.sh setup     create/refresh $PF_CACHE/venv; a no-op when the requirements are unchanged
#   scripts/python-peer.sh python    print the venv's python path (for PF_PYTHON)
#
# Settings: PF_PYTHON_BASE (python3) is the interpreter the venv is made from.
set -euo pipefail
# shellcheck source-path=SCRIPTDIR source=lib/common.sh
source "$(dirname "${BASH_SOURCE[0]}")/lib/common.sh"

VENV=$PF_CACHE/venv
REQUIREMENTS=$PF_ROOT/test/support/requirements.txt
STAMP=$VENV/.requirements.sha256

requirements_hash() { sha256sum "$REQUIREMENTS" | cut -d' ' -f1; }

cmd_setup() {
  [ -f "$REQUIREMENTS" ] || pf_die "missing $REQUIREMENTS"
  local want
  want=$(requirements_hash)
  if [ -x "$VENV/bin/python" ] && [ "$(cat "$STAMP" 2>/dev/null)" = "$want" ]; then
    echo "up to date: $VENV"
    return 0
  fi
  local base=${PF_PYTHON_BASE:-python3}
  command -v "$base" >/dev/null || pf_die "$base is needed to create the venv"
  pf_log "installing $(grep -v '^#' "$REQUIREMENTS" | xargs) into $VENV"
  rm -f "$STAMP"
  [ -x "$VENV/bin/python" ] || "$base" -m venv "$VENV" || pf_die "could not create a venv with $base"
  "$VENV/bin/python" -m pip install --quiet --disable-pip-version-check --requirement "$REQUIREMENTS" ||
    pf_die "pip install failed"
  "$VENV/bin/python" -c 'import pulsar' || pf_die "pulsar-client installed but does not import"
  echo "$want" >"$STAMP"
  echo "installed: $VENV"
}

case ${1:-} in
  setup) cmd_setup ;;
  python)
    [ -x "$VENV/bin/python" ] || pf_die "no venv yet; run: $0 setup"
    echo "$VENV/bin/python" ;;
  *) echo "usage: $0 setup|python" >&2; exit 2 ;;
esac
