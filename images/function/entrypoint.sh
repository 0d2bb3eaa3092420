#!/bin/sh
# pf-bash function image entrypoint: starts the runtime CLI (`run` by default, from the image's CMD) as the
# container's main process, under tini when the container has no other init. See README.md, "PID 1".
#
# Scripts may leave orphans (a `cmd &` that outlives the script, the children of a script killed at its timeout).
# They are re-parented to PID 1, which must reap them or they stay zombies. Node does not reap processes it did
# not spawn, so when this process is PID 1 (plain `docker run`, or a pod without a shared process namespace) and
# the base image has tini, tini becomes PID 1: it reaps, and forwards signals to the runtime. Otherwise something
# else is PID 1 already (`docker run --init`, or the pause container of a pod with shareProcessNamespace, as
# pf-bash's manifests set it) and the runtime is exec'd directly. exec, so no shell stays between.
set -eu
main=/opt/pf-bash/dist/cli/main.js
if [ "$$" = 1 ]; then
  if [ -x /usr/bin/tini ]; then exec /usr/bin/tini -- node "$main" "$@"; fi
  echo "pf-bash: running as PID 1 without an init: orphans of scripts will not be reaped (docker run --init)" >&2
fi
exec node "$main" "$@"
