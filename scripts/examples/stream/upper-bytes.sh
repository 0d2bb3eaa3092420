#!/usr/bin/env bash
# upper-bytes.sh: stream mode, length-prefixed codec (PF_MODE=stream PF_STREAM_CODEC=length-prefixed).
# Upper-cases the ASCII letters of any payload; every other byte, NUL included, passes unchanged.
# Each message is a header line, "<size> <metadata…>", then exactly <size> payload bytes. A bash variable cannot
# hold NUL, so the payload streams through head -c (GNU head reads no more than it is asked for) into a file;
# the reply is "ok <size>" and a line feed, then the output's bytes.
export LC_ALL=C
out=$(mktemp) && trap 'rm -f "$out"' EXIT
while read -r size _; do
  head -c "$size" | tr a-z A-Z >"$out"
  printf 'ok %d\n' "$(wc -c <"$out")"
  cat "$out"
done
