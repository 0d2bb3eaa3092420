#!/usr/bin/env bash
# Brings up (or down) what integration tests, the demo and benchmarks need: Apache's Python client in a venv,
# the Pulsar standalone broker and, unless PF_SKIP_DOCKER=1, a Docker engine with the local base image.
# `up` writes $PF_CACHE/services.env (the variables tests read) and remembers what it started; `down` stops
# only that, so a broker or engine someone else runs is left alone.
set -euo pipefail
source "$(dirname "$0")/lib/common.sh"
cd "$PF_ROOT"
mkdir -p "$PF_CACHE"
started=$PF_CACHE/services.started

up() {
  : >"$started"
  bash scripts/python-peer.sh setup
  if ! bash scripts/pulsar-standalone.sh status >/dev/null 2>&1; then
    bash scripts/pulsar-standalone.sh start
    echo broker >>"$started"
  fi
  local base_image=${PF_BASE_IMAGE:-pf-bash/base:bookworm-node24}
  if [ "${PF_SKIP_DOCKER:-0}" != 1 ]; then
    bash scripts/docker-engine.sh ensure
    echo docker >>"$started"
    PF_BASE_IMAGE=$base_image bash scripts/base-image.sh
  fi
  cat >"$PF_CACHE/services.env" <<ENV
export PF_ROOT='$PF_ROOT'
export PULSAR_SERVICE_URL='pulsar://127.0.0.1:${PULSAR_BROKER_PORT:-6650}'
export PULSAR_ADMIN_URL='http://127.0.0.1:${PULSAR_HTTP_PORT:-8080}'
export PF_PYTHON='$(bash scripts/python-peer.sh python)'
export PF_BASE_IMAGE='$base_image'
ENV
}

down() {
  [ -f "$started" ] || return 0
  if grep -qx broker "$started"; then bash scripts/pulsar-standalone.sh stop || true; fi
  # docker-engine.sh stop leaves an engine alone unless it started it itself.
  if grep -qx docker "$started"; then bash scripts/docker-engine.sh stop || true; fi
  rm -f "$started"
}

case ${1:-} in
  up) up ;;
  down) down ;;
  *) pf_die "usage: scripts/services.sh up|down" ;;
esac
