#!/usr/bin/env bash
# reverse.sh: the interview's Reverse Function, reading the payload from stdin. Prints the payload's
# characters in reverse order:
#   "hello" → "olleh"   "añb" → "bña" (UTF-8 characters stay whole)   "ab<LF>cd" → "dc<LF>ba"
# One trailing newline of the payload ends the line and is not reversed: "hello<LF>" → "olleh".
# The result ends with a newline, which the runtime drops (trimTrailingNewline, the default); an empty payload
# gives no output message. Characters follow the locale (UTF-8 in pf-bash images); a byte that is not part of
# a valid character counts as one. NUL bytes are dropped (bash variables cannot hold them).
# Pure bash, no process started: about 7 µs per character, meant for text messages rather than megabytes.
set -euo pipefail

chunks=() part=""
# One character per read; reversed 64 characters at a time, so no string grows long (bash copies strings).
while IFS= read -r -N 1 char; do
  part=$char$part
  if ((${#part} >= 64)); then
    chunks+=("$part")
    part=
  fi
done
chunks+=("$part")

# The result starts with the payload's last character: drop it when it is the trailing newline.
last=$((${#chunks[@]} - 1))
while ((last > 0)) && [[ -z ${chunks[last]} ]]; do last=$((last - 1)); done
chunks[last]=${chunks[last]#$'\n'}

for ((k = ${#chunks[@]} - 1; k >= 0; k--)); do
  printf '%s' "${chunks[k]}"
done
printf '\n'
