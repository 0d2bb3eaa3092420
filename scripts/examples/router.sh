#!/usr/bin/env bash
# router.sh: content-based routing, as in the Pulsar Functions docs' routing example. Fruits go to the topic
# "fruits", vegetables to "vegetables" (both in the function's tenant and namespace), tagged with a
# "category" property; anything else is logged as a warning and produces no message.
# Uses the helper library: the output keeps its payload on stdout and is routed over the control channel.
set -euo pipefail
# PF_LIB is set by pf-bash; the fallback lets the script be tried by hand from the source tree.
# shellcheck source=scripts/lib/pf-function.sh
source "${PF_LIB:-$(dirname "${BASH_SOURCE[0]}")/../lib/pf-function.sh}"

item=$(cat) # the item name; trailing newlines dropped
namespace="persistent://${PF_TENANT:-public}/${PF_NAMESPACE:-default}"

case ${item,,} in
  apple | banana | grape | mango | orange | pear)
    category=fruit topic=$namespace/fruits ;;
  carrot | lettuce | onion | potato | radish | spinach)
    category=vegetable topic=$namespace/vegetables ;;
  *)
    pf_log warn "The item $item is neither a fruit nor a vegetable"
    exit 0 ;;
esac

pf_set_output_topic "$topic"
pf_set_output_property category "$category"
printf '%s\n' "$item"
