#!/usr/bin/env bash
# Runs a real Apache Pulsar 4.0 standalone broker (RocksDB metadata, one in-process bookie) for development and
# integration tests, from the distribution Apache publishes on Maven Central, listening on 127.0.0.1 only.
#
#   scripts/pulsar-standalone.sh start|stop|restart|status|logs [-f]|wipe|kill9|resolve|env|token SUBJECT [SECONDS]
#
# Settings (environment, default):
#   PULSAR_BROKER_PORT 6650, PULSAR_HTTP_PORT 8080, PULSAR_BOOKIE_PORT 3181,
#   PULSAR_BOOKIE_HTTP_PORT 8000 and PULSAR_BOOKIE_STATS_PORT 8001 (both endpoints off; ports for when enabled),
#   PULSAR_DATA_DIR $PF_CACHE/pulsar-data, PULSAR_RUN_DIR $PF_CACHE/pulsar-run (config, pid, logs, tmp),
#   PULSAR_MEM "-Xms256m -Xmx1g -XX:MaxDirectMemorySize=1g",
#   PULSAR_START_TIMEOUT 180 (s), PULSAR_STOP_TIMEOUT 30 (s),
#   PULSAR_MVN_OFFLINE 0|1 (1 runs Maven with -o), PULSAR_M2_REPO $PF_CACHE/m2 (Maven's local repository),
#   PULSAR_TLS 0|1: also listen with TLS on PULSAR_BROKER_TLS_PORT 6651 and PULSAR_HTTPS_PORT 8443, with a CA and
#     certificate of our own (scripts/pulsar/security.sh),
#   PULSAR_AUTH_TOKEN 0|1: require JWT tokens (HS256) and authorize by role; the superuser token and a test user's
#     token are made in the run dir; `token` mints others; PULSAR_AUTH_REFRESH_SECONDS 60 is how often the
#     broker challenges connections whose token has expired.
# A second broker side by side needs its own ports and its own PULSAR_DATA_DIR and PULSAR_RUN_DIR; `env` prints
# what a client needs (URLs, CA and token files).
set -euo pipefail
# shellcheck source-path=SCRIPTDIR source=lib/common.sh
source "$(dirname "${BASH_SOURCE[0]}")/lib/common.sh"

PULSAR_BROKER_PORT=${PULSAR_BROKER_PORT:-6650}
PULSAR_HTTP_PORT=${PULSAR_HTTP_PORT:-8080}
PULSAR_BOOKIE_PORT=${PULSAR_BOOKIE_PORT:-3181}
PULSAR_BOOKIE_HTTP_PORT=${PULSAR_BOOKIE_HTTP_PORT:-8000}
PULSAR_BOOKIE_STATS_PORT=${PULSAR_BOOKIE_STATS_PORT:-8001}
PULSAR_DATA_DIR=${PULSAR_DATA_DIR:-$PF_CACHE/pulsar-data}
PULSAR_RUN_DIR=${PULSAR_RUN_DIR:-$PF_CACHE/pulsar-run}
PULSAR_MEM=${PULSAR_MEM:--Xms256m -Xmx1g -XX:MaxDirectMemorySize=1g}
PULSAR_START_TIMEOUT=${PULSAR_START_TIMEOUT:-180}
PULSAR_STOP_TIMEOUT=${PULSAR_STOP_TIMEOUT:-30}
PULSAR_MVN_OFFLINE=${PULSAR_MVN_OFFLINE:-0}
PULSAR_TLS=${PULSAR_TLS:-0}
PULSAR_BROKER_TLS_PORT=${PULSAR_BROKER_TLS_PORT:-6651}
PULSAR_HTTPS_PORT=${PULSAR_HTTPS_PORT:-8443}
PULSAR_AUTH_TOKEN=${PULSAR_AUTH_TOKEN:-0}
PULSAR_AUTH_REFRESH_SECONDS=${PULSAR_AUTH_REFRESH_SECONDS:-60}

SPEC_DIR=$PF_ROOT/scripts/pulsar
PULSAR_VERSION=$(sed -n 's:.*<pulsar.version>\(.*\)</pulsar.version>.*:\1:p' "$SPEC_DIR/pom.xml")
[ -n "$PULSAR_VERSION" ] || pf_die "no <pulsar.version> in $SPEC_DIR/pom.xml"
PULSAR_HOME=$PF_CACHE/pulsar-$PULSAR_VERSION
M2_REPO=${PULSAR_M2_REPO:-$PF_CACHE/m2}
PID_FILE=$PULSAR_RUN_DIR/broker.pid
LOG_DIR=$PULSAR_RUN_DIR/logs
HEALTH_PATH=/admin/v2/namespaces/public/default
HEALTH_URL=http://127.0.0.1:$PULSAR_HTTP_PORT$HEALTH_PATH
# shellcheck source-path=SCRIPTDIR source=pulsar/security.sh
source "$SPEC_DIR/security.sh"

# ---------------------------------------------------------------------------------------------------------------
# Resolution, once: Maven fetches Apache's distribution tarball (pom.xml says why not the jar graph) into
# $M2_REPO and its lib/, conf/ and bin/ are unpacked into $PULSAR_HOME. The marker records a hash of the jar
# listing; while it matches, Maven is not run at all, so a warm start touches no network. The tarball stays in
# $M2_REPO, so a damaged lib dir can be rebuilt offline (PULSAR_MVN_OFFLINE=1).
# ---------------------------------------------------------------------------------------------------------------
lib_count() { find "$PULSAR_HOME/lib" -maxdepth 1 -type f | wc -l; }
lib_listing_hash() { (cd "$PULSAR_HOME/lib" && ls -l --time-style=+%s) | sha256sum | cut -c1-16; }

lib_is_complete() {
  [ -f "$PULSAR_HOME/.resolved" ] && [ -d "$PULSAR_HOME/lib" ] && [ -f "$PULSAR_HOME/conf/standalone.conf" ] &&
    grep -qx "lib=$(lib_listing_hash)" "$PULSAR_HOME/.resolved"
}

mvn_run() {
  local offline=()
  [ "$PULSAR_MVN_OFFLINE" = 1 ] && offline=(-o)
  # Maven's output goes to stderr (stdout carries the result line), minus the colour codes Debian's Maven 3.8
  # prints even in batch mode.
  mvn -B -ntp -q "${offline[@]}" -s "$SPEC_DIR/settings.xml" -f "$SPEC_DIR/pom.xml" \
    -Dmaven.repo.local="$M2_REPO" "$@" 2>&1 | sed -e 's/\x1b\[[0-9;]*m//g' >&2
}

cmd_resolve() {
  if lib_is_complete; then
    echo "cached: $PULSAR_HOME ($(lib_count) files in lib)"
    return 0
  fi
  # One resolver at a time per version (brokers side by side share the cache); the winner's work is reused.
  mkdir -p "$PF_CACHE"
  exec 8>"$PULSAR_HOME.lock"
  flock -w 900 8 || pf_die "another resolve of Pulsar $PULSAR_VERSION holds $PULSAR_HOME.lock"
  if lib_is_complete; then
    exec 8>&-
    echo "cached: $PULSAR_HOME ($(lib_count) files in lib)"
    return 0
  fi
  command -v mvn >/dev/null || pf_die "mvn (Maven 3.6+) is needed to fetch Pulsar $PULSAR_VERSION"
  pf_log "resolving Apache Pulsar $PULSAR_VERSION from Maven Central into $PULSAR_HOME"
  local staging=$PULSAR_HOME.partial
  rm -rf "$staging" && mkdir -p "$staging"
  mvn_run dependency:resolve || pf_die "Maven could not resolve the Pulsar distribution"
  local tarball=$M2_REPO/org/apache/pulsar/pulsar-server-distribution/$PULSAR_VERSION
  tarball=$tarball/pulsar-server-distribution-$PULSAR_VERSION-bin.tar.gz
  [ -f "$tarball" ] || pf_die "Maven succeeded but $tarball is missing"
  tar -xzf "$tarball" -C "$staging" --strip-components=1 --wildcards '*/lib/*' '*/conf/*' '*/bin/*'
  [ -n "$(ls "$staging/lib"/*.jar 2>/dev/null)" ] && [ -f "$staging/conf/standalone.conf" ] ||
    pf_die "$tarball has no lib/*.jar or conf/standalone.conf"
  rm -rf "$PULSAR_HOME" && mv "$staging" "$PULSAR_HOME"
  printf 'version=%s\nlib=%s\n' "$PULSAR_VERSION" "$(lib_listing_hash)" >"$PULSAR_HOME/.resolved"
  exec 8>&-
  echo "resolved: $PULSAR_HOME ($(lib_count) files in lib)"
}

# ---------------------------------------------------------------------------------------------------------------
# Configuration: the one place that turns settings into the broker's files. Variants (TLS, token auth) append
# their own sections to the overrides; scripts/pulsar/security.sh makes their material and lines.
# ---------------------------------------------------------------------------------------------------------------
render_config() {
  local conf=$PULSAR_RUN_DIR/standalone.conf overrides=$PULSAR_RUN_DIR/overrides.conf
  mkdir -p "$PULSAR_RUN_DIR"
  # Section 1: our overrides (scripts/pulsar/standalone.conf) with ports substituted.
  sed -e "s/@PULSAR_BROKER_PORT@/$PULSAR_BROKER_PORT/g" \
      -e "s/@PULSAR_HTTP_PORT@/$PULSAR_HTTP_PORT/g" \
      -e "s/@PULSAR_BOOKIE_HTTP_PORT@/$PULSAR_BOOKIE_HTTP_PORT/g" \
      -e "s/@PULSAR_BOOKIE_STATS_PORT@/$PULSAR_BOOKIE_STATS_PORT/g" \
      "$SPEC_DIR/standalone.conf" >"$overrides"
  # Sections 2 (TLS) and 3 (token auth), when switched on.
  security_overrides >>"$overrides"
  if grep -v '^#' "$overrides" | grep -q '@[A-Z_]*@'; then pf_die "unsubstituted placeholder in $overrides"; fi
  # Apache's standalone.conf without the keys we override, then the overrides: every key once.
  awk -F= 'NR == FNR { if ($0 !~ /^#/ && NF > 1) mine[$1] = 1; next } !($1 in mine)' \
    "$overrides" "$PULSAR_HOME/conf/standalone.conf" >"$conf.tmp"
  { echo; echo "### pf-bash overrides from $SPEC_DIR/standalone.conf"; cat "$overrides"; } >>"$conf.tmp"
  mv "$conf.tmp" "$conf"
}

java_command() {
  # The JDK 17 module opens are the ones the distribution's bin/pulsar passes: netty's direct buffers
  # (java.nio, jdk.internal.misc), BookKeeper's posix_fadvise and direct-memory CRC32 (java.io, java.util.zip),
  # cgroup-aware limits (jdk.internal.platform) and JVM metrics (sun.management, com.sun.management.internal).
  local opens=(java.base/java.io java.base/java.util.zip java.base/java.nio java.base/jdk.internal.misc
               java.base/jdk.internal.platform java.management/sun.management
               jdk.management/com.sun.management.internal)
  local args=() o
  for o in "${opens[@]}"; do args+=(--add-opens "$o=ALL-UNNAMED"); done
  # shellcheck disable=SC2206 # PULSAR_MEM is a list of JVM flags
  local mem=($PULSAR_MEM)
  printf '%s\0' java "${mem[@]}" "${args[@]}" \
    -Djava.io.tmpdir="$PULSAR_RUN_DIR/tmp" \
    -Djava.net.preferIPv4Stack=true \
    -Dio.netty.tryReflectionSetAccessible=true \
    -Dorg.apache.pulsar.shade.io.netty.tryReflectionSetAccessible=true \
    -Dpulsar.allocator.exit_on_oom=true -Dio.netty.recycler.maxCapacityPerThread=4096 -Dlog4j2.is.webapp=false \
    -Dlog4j2.configurationFile="$SPEC_DIR/log4j2.xml" -Dpulsar.log.dir="$LOG_DIR" \
    -Dlog4j.shutdownHookEnabled=false \
    -Dpf.pulsar.run="$PULSAR_RUN_DIR" \
    -cp "$PULSAR_HOME/lib/*" org.apache.pulsar.PulsarStandaloneStarter \
    --config "$PULSAR_RUN_DIR/standalone.conf" --no-functions-worker --no-stream-storage \
    --metadata-dir "$PULSAR_DATA_DIR/metadata" \
    --bookkeeper-dir "$PULSAR_DATA_DIR/bookkeeper" --bookkeeper-port "$PULSAR_BOOKIE_PORT" \
    --zookeeper-dir "$PULSAR_DATA_DIR/zookeeper-unused"
}

# ---------------------------------------------------------------------------------------------------------------
# Process bookkeeping. The broker runs in its own session (setsid), so its pid is also its process group; only
# a pid whose command line carries our -Dpf.pulsar.run=<run dir> is ever signalled.
# ---------------------------------------------------------------------------------------------------------------
is_alive() {
  # Dead means gone, or a zombie whose threads have all exited: after SIGKILL the JVM's main thread turns zombie
  # while other threads still hold its sockets, and nothing may reap an orphan in a container without an init.
  local stat
  stat=$(cat "/proc/$1/stat" 2>/dev/null) || return 1
  stat=${stat##*) }
  [ "${stat%% *}" != Z ] && return 0
  [ "$(awk '/^Threads:/ { print $2 }' "/proc/$1/status" 2>/dev/null || echo 0)" -gt 1 ]
}

our_pid() {  # prints the broker's pid when the pid file names a live broker of this run dir
  local pid
  pid=$(cat "$PID_FILE" 2>/dev/null) || return 1
  [[ $pid =~ ^[0-9]+$ ]] && is_alive "$pid" || return 1
  local cmdline
  cmdline=$(tr '\0' '\n' <"/proc/$pid/cmdline" 2>/dev/null) || return 1
  grep -qxF -- "-Dpf.pulsar.run=$PULSAR_RUN_DIR" <<<"$cmdline" || return 1
  echo "$pid"
}

is_healthy() {  # the plain admin API answers (as the superuser when auth is on), and so does the TLS one
  local auth=()
  mapfile -d '' auth < <(admin_auth_args)
  [ "$(curl -s -o /dev/null -w '%{http_code}' --max-time 5 "${auth[@]}" "$HEALTH_URL" 2>/dev/null)" = 200 ] ||
    return 1
  [ "$PULSAR_TLS" = 1 ] || return 0
  [ "$(curl -s -o /dev/null -w '%{http_code}' --max-time 5 --cacert "$TLS_DIR/ca.cert.pem" "${auth[@]}" \
    "https://127.0.0.1:$PULSAR_HTTPS_PORT$HEALTH_PATH" 2>/dev/null)" = 200 ]
}

port_taken() { (exec 3<>"/dev/tcp/127.0.0.1/$1") 2>/dev/null; }

signal_broker() {  # signal pid: the whole process group when the broker leads it, else the pid alone
  local sig=$1 pid=$2
  if [ "$(ps -o pgid= -p "$pid" | tr -d ' ')" = "$pid" ]; then kill "-$sig" -- "-$pid" 2>/dev/null || true
  else kill "-$sig" "$pid" 2>/dev/null || true; fi
}

wait_dead() {  # pid seconds -> 0 when gone in time
  local pid=$1 deadline=$((SECONDS + $2))
  while is_alive "$pid"; do
    [ $SECONDS -lt "$deadline" ] || return 1
    sleep 0.2
  done
}

fail_start() {
  local pid=$1 why=$2
  pf_log "broker did not start: $why"
  if [ "$pid" -gt 0 ] && is_alive "$pid"; then signal_broker KILL "$pid"; wait_dead "$pid" 10 || true; fi
  rm -f "$PID_FILE"
  pf_log "last 40 lines of $LOG_DIR/broker.log:"
  tail -n 40 "$LOG_DIR/broker.log" >&2 2>/dev/null || true
  pf_log "last 10 lines of $LOG_DIR/console.log:"
  tail -n 10 "$LOG_DIR/console.log" >&2 2>/dev/null || true
  exit 1
}

wait_healthy() {  # pid deadline -> 0 healthy, 1 the JVM died, 2 deadline passed
  until is_healthy; do
    is_alive "$1" || return 1
    [ $SECONDS -lt "$2" ] || return 2
    sleep 0.5
  done
}

cmd_start() {
  cmd_resolve >/dev/null
  local pid t0=$SECONDS
  local deadline=$((t0 + PULSAR_START_TIMEOUT))
  if pid=$(our_pid); then
    if is_healthy; then echo "already running (pid $pid) on $HEALTH_URL"; return 0; fi
    pf_log "broker (pid $pid) is up but not healthy yet; waiting up to ${PULSAR_START_TIMEOUT}s"
    wait_healthy "$pid" "$deadline" || pf_die "broker (pid $pid) did not become healthy; try: $0 restart"
    echo "running (pid $pid) on $HEALTH_URL"
    return 0
  fi
  rm -f "$PID_FILE"
  local port
  local ports=("$PULSAR_BROKER_PORT" "$PULSAR_HTTP_PORT" "$PULSAR_BOOKIE_PORT")
  [ "$PULSAR_TLS" = 1 ] && ports+=("$PULSAR_BROKER_TLS_PORT" "$PULSAR_HTTPS_PORT")
  for port in "${ports[@]}"; do
    if port_taken "$port"; then pf_die "127.0.0.1:$port is already in use by another process"; fi
  done
  render_config
  local attempt log_mark
  for attempt in 1 2 3 4 5; do
    launch
    registration_looping || break
    [ "$attempt" -lt 5 ] || fail_start "$pid" "the bookie's registration looped after $attempt starts"
    pf_log "the bookie's registration is looping (a stale one from an unclean exit): killing pid $pid and" \
      "starting again"
    signal_broker KILL "$pid"
    wait_dead "$pid" 10 || pf_die "broker (pid $pid) survived SIGKILL"
    rm -f "$PID_FILE"
  done
  grant_test_user
  echo "started Pulsar $PULSAR_VERSION (pid $pid) in $((SECONDS - t0))s: pulsar://127.0.0.1:$PULSAR_BROKER_PORT" \
    "http://127.0.0.1:$PULSAR_HTTP_PORT"
}

launch() {  # starts the JVM and waits until it is healthy; sets the caller's pid and log_mark
  local t0=$SECONDS
  local deadline=$((t0 + PULSAR_START_TIMEOUT))
  # Where this start's lines begin in broker.log (the file is appended to across starts).
  log_mark=$(stat -c %s "$LOG_DIR/broker.log" 2>/dev/null || echo 0)
  # tmp holds native libraries (rocksdb, netty) the JVM extracts; a killed broker leaves its copies behind.
  rm -rf "$PULSAR_RUN_DIR/tmp"
  mkdir -p "$LOG_DIR" "$PULSAR_RUN_DIR/tmp" "$PULSAR_DATA_DIR"
  local cmd=()
  mapfile -d '' cmd < <(java_command)
  : >"$LOG_DIR/console.log"
  # Every step execs the next (subshell -> setsid -> bash -> java), so no shell of ours stays behind as the
  # JVM's parent; the inner bash writes its pid, which java then inherits. stdio is detached from the caller's
  # so a test runner reading our output sees it close when this script exits; fd 9 (the lock) is not inherited.
  # shellcheck disable=SC2016 # $$ and $@ belong to the inner shell
  (cd "$PULSAR_RUN_DIR" && exec setsid bash -c 'echo $$ >"$0"; exec "$@"' "$PID_FILE" "${cmd[@]}") \
    </dev/null >>"$LOG_DIR/console.log" 2>&1 9>&- &
  until [ -s "$PID_FILE" ]; do
    [ $SECONDS -lt $((t0 + 10)) ] || fail_start 0 "no pid file after 10s"
    sleep 0.1
  done
  pid=$(cat "$PID_FILE")
  local rc=0
  wait_healthy "$pid" "$deadline" || rc=$?
  case $rc in
    1) fail_start "$pid" "the JVM exited" ;;
    2) fail_start "$pid" "not healthy after ${PULSAR_START_TIMEOUT}s" ;;
  esac
}

# After an unclean exit (kill -9), Pulsar 4.0.8's standalone sometimes comes up with its bookie's registration in
# an endless loop. The dead process's ephemeral /ledgers/available/<bookie> node is removed lazily by the RocksDB
# metadata store; when that removal is notified after the new bookie took its lock, the lock revalidates by
# deleting and re-creating its node, and that deletion's own notification starts the next round (the lock compares
# BookieServiceInfo values, a class without equals(), so they never match). The bookie then vanishes and comes
# back hundreds of times a second, ledgers cannot be created ("Not enough non-faulty bookies available"), and it
# never settles. The loop starts as the bookie registers, before the broker is healthy (a few invalidations that
# die out, or those of a clean shutdown, stay well below the threshold); a new start, on the same data, usually
# comes up clean.
registration_looping() {  # looks at what this start logged (after log_mark) once it is healthy
  sleep 1
  local log=$LOG_DIR/broker.log size from=1 looped
  size=$(stat -c %s "$log" 2>/dev/null || echo 0)
  # A smaller file was rolled over since the mark: all of it is new.
  [ "$size" -lt "$log_mark" ] || from=$((log_mark + 1))
  looped=$(tail -c +"$from" "$log" 2>/dev/null | tail -n 2000 |
    grep -c 'Lock on resource /ledgers/available/.* was invalidated') || true
  [ "${looped:-0}" -gt 20 ]
}

cmd_stop() {
  local pid
  if ! pid=$(our_pid); then rm -f "$PID_FILE"; echo "not running"; return 0; fi
  signal_broker TERM "$pid"
  if ! wait_dead "$pid" "$PULSAR_STOP_TIMEOUT"; then
    pf_log "broker (pid $pid) still alive after ${PULSAR_STOP_TIMEOUT}s; sending SIGKILL"
    signal_broker KILL "$pid"
    wait_dead "$pid" 10 || pf_die "broker (pid $pid) survived SIGKILL"
  fi
  rm -f "$PID_FILE"
  echo "stopped (pid $pid)"
}

cmd_kill9() {  # simulates a crash: no shutdown hook runs, data is left as it is
  local pid
  if ! pid=$(our_pid); then echo "not running"; return 0; fi
  signal_broker KILL "$pid"
  wait_dead "$pid" 10 || pf_die "broker (pid $pid) survived SIGKILL"
  rm -f "$PID_FILE"
  echo "killed (pid $pid)"
}

cmd_status() {
  local pid
  if pid=$(our_pid) && is_healthy; then echo "running (pid $pid) on $HEALTH_URL"; return 0; fi
  if [ -n "${pid:-}" ]; then echo "unhealthy (pid $pid)"; else echo "not running"; fi
  return 1
}

cmd_logs() {
  local log=$LOG_DIR/broker.log
  [ -f "$log" ] || pf_die "no log yet at $log"
  if [ "${1:-}" = -f ]; then exec tail -n 100 -F "$log"; fi
  tail -n 200 "$log"
}

cmd_wipe() {
  cmd_stop >/dev/null
  rm -rf "$PULSAR_DATA_DIR"
  echo "wiped $PULSAR_DATA_DIR"
}

cmd_env() {  # the variables integration tests read
  echo "PULSAR_SERVICE_URL=pulsar://127.0.0.1:$PULSAR_BROKER_PORT"
  echo "PULSAR_ADMIN_URL=http://127.0.0.1:$PULSAR_HTTP_PORT"
  security_env
}

cmd_token() {  # SUBJECT [SECONDS]: a token signed with this broker's key (auth material made if missing)
  [ -n "${1:-}" ] || pf_die "usage: $0 token SUBJECT [EXPIRES_IN_SECONDS]"
  ensure_auth_material
  mint_token "$1" "${2:-}"
}

# start, stop and friends hold a lock on the run dir, so two callers cannot launch two brokers over one data dir.
lock_run_dir() {
  mkdir -p "$PULSAR_RUN_DIR"
  exec 9>"$PULSAR_RUN_DIR/.lock"
  flock -w $((PULSAR_START_TIMEOUT + PULSAR_STOP_TIMEOUT + 30)) 9 ||
    pf_die "$PULSAR_RUN_DIR is locked by another caller"
}

case ${1:-} in
  start|stop|restart|wipe|kill9) lock_run_dir ;;
esac
case ${1:-} in
  start) cmd_start ;;
  stop) cmd_stop ;;
  restart) cmd_stop && cmd_start ;;
  status) cmd_status ;;
  logs) cmd_logs "${2:-}" ;;
  wipe) cmd_wipe ;;
  kill9) cmd_kill9 ;;
  resolve) cmd_resolve ;;
  env) cmd_env ;;
  token) cmd_token "${2:-}" "${3:-}" ;;
  *) echo "usage: $0 start|stop|restart|status|logs [-f]|wipe|kill9|resolve|env|token SUBJECT [SECONDS]" >&2
     exit 2 ;;
esac
