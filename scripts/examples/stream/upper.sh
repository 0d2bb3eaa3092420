#!/usr/bin/env bash
# upper.sh: stream mode, lines codec (PF_MODE=stream PF_STREAM_CODEC=lines). Upper-cases each message.
# The script starts once and answers every message it reads: one message per line in, one reply line out, in
# the same order. An empty reply line means no output message. printf writes each reply at once (no buffering).
while IFS= read -r line; do
  printf '%s\n' "${line^^}"
done
