#!/usr/bin/env bash
# sanitize.sh: the "sanitize" step of the Pulsar Functions docs' example pipeline — removes extra whitespace
# and lower-cases the text:  "  Hello,   WORLD <TAB> again " → "hello, world again".
# Runs of whitespace (space, tab, newline, CR, VT, FF) become one space; leading and trailing whitespace goes.
# Lower-casing follows the locale (ASCII always, other letters in a UTF-8 locale). A payload of whitespace
# only gives no output message.
set -euo pipefail

words=()
# Split all of stdin (not just one line) on whitespace; read returns 1 at end of input, which is expected.
IFS=$' \t\n\r\v\f' read -r -d '' -a words || true
text=${words[*]-}
printf '%s\n' "${text,,}"
