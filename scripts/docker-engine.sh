#!/usr/bin/env bash
# Starts, checks and stops the Docker engine that pf-bash's image builds and image tests use.
# Usage: scripts/docker-engine.sh ensure|start|stop|status
#
#   ensure, start  Use the engine that already answers (DOCKER_HOST, else /var/run/docker.sock) and do nothing.
#                  Otherwise install Debian's docker.io when dockerd is missing and start dockerd in the
#                  background, loopback-only: --bridge=none --iptables=false (and --ip6tables=false where this
#                  dockerd knows the flag). Containers must then run with `--network host`.
#   stop           Stops dockerd only if this script started it (its pid file says so); a foreign engine is
#                  left alone. SIGTERM, then SIGKILL after PF_DOCKER_STOP_TIMEOUT seconds.
#   status         Prints what answers and who started it; exit 0 when an engine answers, 3 when none does.
#
# Where things live (each overridable from the environment):
#   socket        DOCKER_HOST when it is unix://PATH, else /var/run/docker.sock, so the docker CLI and dockerode
#                 find it without any setting. A tcp:// or ssh:// DOCKER_HOST is only used, never started.
#   data root     PF_DOCKER_DATA_ROOT=/var/lib/pf-bash/docker. Machine-wide rather than under .cache: CI runs
#                 in a fresh clone, and images (the base image above all) must outlive clones on one machine.
#   run dir       PF_DOCKER_RUN_DIR=/run/pf-bash: exec root, dockerd.pid. Runtime state only.
#   log           PF_DOCKER_LOG=/var/lib/pf-bash/dockerd.log (appended).
#   storage       PF_DOCKER_STORAGE_DRIVER, else whatever the data root already holds, else overlay2 when a
#                 test overlay mount succeeds on the data root's filesystem, else vfs (slow and disk-hungry,
#                 but needs nothing from the kernel).
#   timeouts      PF_DOCKER_START_TIMEOUT=60, PF_DOCKER_STOP_TIMEOUT=20 (seconds).
set -euo pipefail
# shellcheck source-path=SCRIPTDIR source=lib/common.sh
source "$(dirname "${BASH_SOURCE[0]}")/lib/common.sh"

STATE_DIR=${PF_DOCKER_STATE_DIR:-/var/lib/pf-bash}
DATA_ROOT=${PF_DOCKER_DATA_ROOT:-$STATE_DIR/docker}
RUN_DIR=${PF_DOCKER_RUN_DIR:-/run/pf-bash}
EXEC_ROOT=$RUN_DIR/exec
PID_FILE=$RUN_DIR/dockerd.pid
LOG_FILE=${PF_DOCKER_LOG:-$STATE_DIR/dockerd.log}
START_TIMEOUT=${PF_DOCKER_START_TIMEOUT:-60}
STOP_TIMEOUT=${PF_DOCKER_STOP_TIMEOUT:-20}

for pair in "PF_DOCKER_START_TIMEOUT:$START_TIMEOUT" "PF_DOCKER_STOP_TIMEOUT:$STOP_TIMEOUT"; do
  [[ ${pair#*:} =~ ^[0-9]+$ ]] || pf_die "Expected ${pair%%:*} to be a non-negative integer, got '${pair#*:}'"
done

# The unix socket we would serve, or empty when DOCKER_HOST points somewhere we cannot start an engine.
socket_path() {
  case "${DOCKER_HOST:-}" in
    '') echo /var/run/docker.sock ;;
    unix://*) echo "${DOCKER_HOST#unix://}" ;;
    *) echo '' ;;
  esac
}

engine_answers() {
  local version
  version=$(timeout 10 docker info --format '{{.ServerVersion}}' 2>/dev/null) && [ -n "$version" ]
}

# True when process $1 exists, is named $2 and is not a zombie. Zombies matter here: the sandbox's PID 1
# reaps orphans only now and then, and a dead dockerd's zombie still answers kill -0 and keeps its name.
alive() {
  local stat
  [ "$(cat "/proc/$1/comm" 2>/dev/null)" = "$2" ] || return 1
  stat=$(cat "/proc/$1/stat" 2>/dev/null) || return 1
  stat=${stat##*) }
  [ "${stat%% *}" != Z ]
}

# Prints the pid of the dockerd this script started, if it is still alive.
our_pid() {
  local pid
  [ -f "$PID_FILE" ] || return 1
  pid=$(cat "$PID_FILE" 2>/dev/null) || return 1
  [[ $pid =~ ^[0-9]+$ ]] && alive "$pid" dockerd || return 1
  echo "$pid"
}

install_dockerd() {
  command -v dockerd >/dev/null && return 0
  command -v apt-get >/dev/null || pf_die "dockerd is missing and apt-get is not available to install docker.io"
  [ "$(id -u)" = 0 ] || pf_die "dockerd is missing; installing docker.io needs root"
  pf_log "installing Debian's docker.io (dockerd, containerd, runc)"
  # The package's maintainer scripts would start the stock service (with a bridge and iptables rules); a
  # policy-rc.d that refuses service starts keeps them from doing so, unless the machine already has one.
  local policy=/usr/sbin/policy-rc.d placed_policy=
  if [ ! -e "$policy" ]; then
    printf '#!/bin/sh\nexit 101\n' >"$policy" && chmod +x "$policy" && placed_policy=1
  fi
  local started=$SECONDS rc=0
  {
    DEBIAN_FRONTEND=noninteractive apt-get update -qq &&
      DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends docker.io >/dev/null
  } || rc=$?
  [ -z "$placed_policy" ] || rm -f "$policy"
  [ "$rc" = 0 ] || pf_die "apt-get install docker.io failed (exit $rc)"
  command -v dockerd >/dev/null || pf_die "docker.io installed but dockerd is not on PATH"
  pf_log "docker.io installed in $((SECONDS - started))s: $(dockerd --version)"
}

# True when the kernel lets us mount overlayfs on the data root's filesystem, as overlay2 will.
overlay_mount_works() {
  local probe ok=1
  probe=$(mktemp -d "$DATA_ROOT/.overlay-probe.XXXXXX")
  mkdir -p "$probe/lower" "$probe/upper" "$probe/work" "$probe/merged"
  if mount -t overlay overlay -o "lowerdir=$probe/lower,upperdir=$probe/upper,workdir=$probe/work" \
    "$probe/merged" 2>/dev/null; then
    umount "$probe/merged" && ok=0
  fi
  rm -rf "$probe"
  return "$ok"
}

storage_driver() {
  if [ -n "${PF_DOCKER_STORAGE_DRIVER:-}" ]; then echo "$PF_DOCKER_STORAGE_DRIVER"; return; fi
  # Keep the driver the data root was filled with: another driver would not see its images.
  local d
  for d in overlay2 fuse-overlayfs vfs; do
    if [ -d "$DATA_ROOT/$d" ] && [ -n "$(ls -A "$DATA_ROOT/$d" 2>/dev/null)" ]; then echo "$d"; return; fi
  done
  if overlay_mount_works; then echo overlay2; else echo vfs; fi
}

start_engine() {
  if engine_answers; then
    if our_pid >/dev/null; then pf_log "dockerd (started by pf-bash) already answers"
    else pf_log "a Docker engine already answers; using it and leaving it alone"; fi
    return 0
  fi
  local socket
  socket=$(socket_path)
  [ -n "$socket" ] || pf_die "DOCKER_HOST=$DOCKER_HOST does not answer, and only a unix:// engine can be started here"
  if our_pid >/dev/null; then
    pf_die "dockerd pid $(our_pid) (ours) is alive but does not answer on $socket; see $LOG_FILE, or run '$0 stop'"
  fi
  install_dockerd
  command -v docker >/dev/null || pf_die "no docker client on PATH"

  mkdir -p "$DATA_ROOT" "$EXEC_ROOT" "$(dirname "$LOG_FILE")" "$(dirname "$socket")"
  rm -f "$PID_FILE"
  clear_leftovers
  # Nothing answers on it, so a socket file left there is stale; dockerd would refuse to bind it.
  [ ! -S "$socket" ] || rm -f "$socket"
  local driver
  driver=$(storage_driver)
  local flags=(
    --host "unix://$socket" --data-root "$DATA_ROOT" --exec-root "$EXEC_ROOT" --pidfile "$PID_FILE"
    --storage-driver "$driver" --bridge=none --iptables=false --userland-proxy=false
  )
  # --ip6tables appeared in dockerd 20.10; an older dockerd has no IPv6 rules to turn off.
  if dockerd --help 2>&1 | grep -q -- '--ip6tables'; then flags+=(--ip6tables=false); fi

  pf_log "starting dockerd (storage driver $driver, socket $socket, log $LOG_FILE)"
  local started=$SECONDS pid
  printf '\n==== %s dockerd %s\n' "$(date -Is)" "${flags[*]}" >>"$LOG_FILE"
  # setsid: the daemon must outlive this script and the job or terminal that ran it.
  setsid dockerd "${flags[@]}" </dev/null >>"$LOG_FILE" 2>&1 &
  pid=$!
  until engine_answers; do
    if ! alive "$pid" dockerd; then
      tail -n 20 "$LOG_FILE" >&2
      pf_die "dockerd exited while starting; the lines above are the end of $LOG_FILE"
    fi
    if [ $((SECONDS - started)) -ge "$START_TIMEOUT" ]; then
      tail -n 20 "$LOG_FILE" >&2
      pf_die "dockerd did not answer within ${START_TIMEOUT}s (pid $pid still running; '$0 stop' ends it)"
    fi
    sleep 0.2
  done
  pf_log "dockerd answers after $((SECONDS - started))s (pid $pid; client $(command -v docker)" \
    "$(docker version --format '{{.Client.Version}}, server {{.Server.Version}}'))"
  [ "$socket" = /var/run/docker.sock ] || pf_log "export DOCKER_HOST=unix://$socket to reach it"
}

# Waits up to $3 seconds for process $1 (named $2) to end.
wait_gone() {
  local pid=$1 name=$2 deadline=$((SECONDS + $3))
  while alive "$pid" "$name"; do
    [ "$SECONDS" -lt "$deadline" ] || return 1
    sleep 0.2
  done
}

# Cleans up after a dockerd of ours that is gone; called only when none of ours runs. Ends the containerd it
# supervised, if that outlived it, and removes its pid file: a new dockerd that finds that pid alive (a zombie
# counts) waits for its socket and times out. Then unmounts what it left under its roots (even a clean exit
# leaves exec/netns/default; a SIGKILL leaves the data root's bind mount, which would stack on the next start).
clear_leftovers() {
  local cpid_file=$EXEC_ROOT/containerd/containerd.pid cpid
  if [ -f "$cpid_file" ] && cpid=$(cat "$cpid_file") && [[ $cpid =~ ^[0-9]+$ ]] && alive "$cpid" containerd; then
    kill -TERM "$cpid" 2>/dev/null || true
    wait_gone "$cpid" containerd "$STOP_TIMEOUT" || kill -KILL "$cpid" 2>/dev/null || true
  fi
  rm -f "$cpid_file"
  local m
  awk -v d="$DATA_ROOT" -v e="$EXEC_ROOT" '$2 == d || index($2, d "/") == 1 || index($2, e "/") == 1 { print $2 }' \
    /proc/mounts | sort -r | while IFS= read -r m; do umount "$m" 2>/dev/null || umount -l "$m" || true; done
}

stop_engine() {
  local pid
  if ! pid=$(our_pid); then
    rm -f "$PID_FILE"
    pf_log "no dockerd started by pf-bash is running; nothing to stop"
    return 0
  fi
  pf_log "stopping dockerd (pid $pid)"
  kill -TERM "$pid" 2>/dev/null || true
  if ! wait_gone "$pid" dockerd "$STOP_TIMEOUT"; then
    pf_log "dockerd did not stop within ${STOP_TIMEOUT}s; killing it"
    kill -KILL "$pid" 2>/dev/null || true
    wait_gone "$pid" dockerd 10 || pf_die "dockerd pid $pid survived SIGKILL"
  fi
  clear_leftovers
  rm -f "$PID_FILE"
  pf_log "dockerd stopped"
}

status_engine() {
  local pid
  if engine_answers; then
    if pid=$(our_pid); then
      echo "running: dockerd pid $pid, started by pf-bash, socket $(socket_path), data root $DATA_ROOT," \
        "storage driver $(docker info --format '{{.Driver}}')"
    else
      echo "running: an engine pf-bash did not start ($(docker info --format '{{.ServerVersion}}, storage {{.Driver}}'))"
    fi
    return 0
  fi
  if pid=$(our_pid); then
    echo "not answering: dockerd pid $pid (started by pf-bash) is alive but silent; see $LOG_FILE"
  else
    echo "not running"
  fi
  return 3
}

case "${1:-}" in
  ensure | start) start_engine ;;
  stop) stop_engine ;;
  status) status_engine ;;
  *) echo "usage: $0 ensure|start|stop|status" >&2; exit 2 ;;
esac
