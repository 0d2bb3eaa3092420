#!/usr/bin/env bash
# reverse.sh: stream mode, lines codec (PF_MODE=stream PF_STREAM_CODEC=lines). The interview's Reverse Function
# as a long-lived process: each message (a line) comes back with its characters in reverse order,
# "hello" → "olleh", "añb" → "bña" (characters follow the locale: UTF-8 in pf-bash images). Pure bash.
while IFS= read -r line; do
  reversed=
  for ((i = ${#line} - 1; i >= 0; i--)); do
    reversed+=${line:i:1}
  done
  printf '%s\n' "$reversed"
done
