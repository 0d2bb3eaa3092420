#!/usr/bin/env bash
# router.sh: stream mode, either codec, with the helper library. Content-based routing as scripts/examples/
# router.sh does it per process: fruits go to "fruits", vegetables to "vegetables", tagged with a "category"
# property and the input's message id; anything else is logged and filtered. The routing records travel on stdout
# as frames, in order with the replies, so each applies to the message answered next.
set -uo pipefail
# shellcheck source=scripts/lib/pf-stream.sh
source "$PF_LIB"
namespace="persistent://${PF_TENANT:-public}/${PF_NAMESPACE:-default}"

while pf_next; do
  if ! pf_read_payload item; then # it holds a NUL byte: not an item name
    pf_payload >/dev/null
    pf_reply_fail --permanent 'the payload is not text'
    continue
  fi
  case ${item,,} in
    apple | banana | grape | mango | orange | pear) category=fruit ;;
    carrot | lettuce | onion | potato | radish | spinach) category=vegetable ;;
    *)
      pf_log warn "The item $item is neither a fruit nor a vegetable"
      pf_reply_none
      continue ;;
  esac
  pf_set_output_topic "$namespace/${category}s"
  pf_set_output_property category "$category"
  # PF_MESSAGE_ID is set per message by the length-prefixed codec only.
  [[ -z ${PF_MESSAGE_ID:-} ]] || pf_set_output_property source-id "$PF_MESSAGE_ID"
  pf_reply --data "$item"
done
