#!/usr/bin/env bash
# reverse-argv.sh: the Reverse Function in the interview runtime's calling convention, where the payload
# arrives as the first argument and the result is echoed. Run it with payloadAsArgument (PF_SCRIPT_ARGV_PAYLOAD=true)
# switched on; docs/script-contract.md lists what $1 cannot carry (NUL bytes, more than 131071 bytes).
input=${1-}
reversed=
for ((i = ${#input} - 1; i >= 0; i--)); do
  reversed+=${input:i:1}
done
echo "$reversed"
