# pf-function.sh: the helper library for pf-bash function scripts (docs/script-contract.md). Source it:
#
#   source "$PF_LIB"
#
# It routes the output (topic, key, properties), publishes extra messages to any topic, logs at a level, reads
# message properties and fails permanently. Everything travels on the control channel (the file descriptor in
# PF_CONTROL_FD) as length-prefixed records, so any bytes are safe and stdout stays the output alone.
# Outside pf-bash (no control channel) each call says on stderr what it would have done, so a script can be
# tried by hand: `echo apple | bash router.sh`. Needs bash 4.1 or later.
#
# Record grammar (src/runtime/function-executor/control-reader.ts reads it):
#   record = field *field LF ; field = <decimal byte count> ":" <bytes> "," ; the first field is the kind.
# shellcheck shell=bash

# Sourcing twice is harmless.
if [[ -z ${_pf_lib_loaded:-} ]]; then
  _pf_lib_loaded=1
  _pf_ctl=
  if [[ ${PF_CONTROL_FD:-} =~ ^[0-9]+$ ]] && { : >&"$PF_CONTROL_FD"; } 2>/dev/null; then
    # A private copy on a free descriptor (10 or above): the script may reuse fd 3 (`exec 3>file`) freely.
    exec {_pf_ctl}>&"$PF_CONTROL_FD"
    # Scripts run from this one find the channel too.
    export PF_CONTROL_FD=$_pf_ctl
  fi
fi

# --- Routing the output (stdout) ---------------------------------------------------------------------------

# pf_set_output_topic TOPIC: publish stdout to TOPIC instead of the function's output topic.
pf_set_output_topic() {
  [[ $# -eq 1 && -n $1 ]] || { _pf_usage 'pf_set_output_topic TOPIC'; return 2; }
  _pf_record output-topic "$1"
}

# pf_set_output_key KEY: the output's key (by default it keeps the input's key).
pf_set_output_key() {
  [[ $# -eq 1 ]] || { _pf_usage 'pf_set_output_key KEY'; return 2; }
  _pf_record output-key "$1"
}

# pf_clear_output_key: the output has no key.
pf_clear_output_key() {
  [[ $# -eq 0 ]] || { _pf_usage 'pf_clear_output_key'; return 2; }
  _pf_record output-no-key
}

# pf_set_output_property NAME VALUE: set one property of the output (the input's are kept unless cleared).
pf_set_output_property() {
  [[ $# -eq 2 && -n $1 ]] || { _pf_usage 'pf_set_output_property NAME VALUE'; return 2; }
  _pf_record output-property "$1" "$2"
}

# pf_clear_output_properties: drop the inherited properties and those set so far.
pf_clear_output_properties() {
  [[ $# -eq 0 ]] || { _pf_usage 'pf_clear_output_properties'; return 2; }
  _pf_record output-no-properties
}

# --- Extra messages ----------------------------------------------------------------------------------------

# pf_publish TOPIC [--key KEY] [--property NAME VALUE]... [--data TEXT | --file PATH]
# Publishes one more message to TOPIC. The payload is TEXT, the file's bytes, or else this function's stdin
# (any bytes, NUL included): `printf 'x\0y' | pf_publish t`. Extra messages inherit nothing from the input.
# Calls must not run concurrently (e.g. from parallel background jobs): records would interleave.
pf_publish() {
  local usage='pf_publish TOPIC [--key KEY] [--property NAME VALUE]... [--data TEXT | --file PATH]'
  [[ $# -ge 1 && -n $1 ]] || { _pf_usage "$usage"; return 2; }
  local topic=$1 from=stdin data='' file=''
  local -a options=()
  shift
  while [[ $# -gt 0 ]]; do
    case $1 in
      --key)
        [[ $# -ge 2 ]] || { _pf_usage "$usage"; return 2; }
        options+=(key "$2"); shift 2 ;;
      --property)
        [[ $# -ge 3 && -n $2 ]] || { _pf_usage "$usage"; return 2; }
        options+=(property "$2" "$3"); shift 3 ;;
      --data)
        [[ $# -ge 2 ]] || { _pf_usage "$usage"; return 2; }
        from=data data=$2; shift 2 ;;
      --file)
        [[ $# -ge 2 && -n $2 ]] || { _pf_usage "$usage"; return 2; }
        from=file file=$2; shift 2 ;;
      *) _pf_usage "$usage"; return 2 ;;
    esac
  done
  case $from in
    data) _pf_record publish "$topic" "$data" ${options[@]+"${options[@]}"} ;;
    file) _pf_record_with_file "$file" publish "$topic" -- ${options[@]+"${options[@]}"} ;;
    stdin)
      # A bash variable cannot hold NUL bytes, and the length must be known first: stdin goes to a file.
      local tmp status
      tmp=$(mktemp "${TMPDIR:-/tmp}/pf-publish.XXXXXX") || return 1
      if cat >"$tmp"; then
        _pf_record_with_file "$tmp" publish "$topic" -- ${options[@]+"${options[@]}"}
        status=$?
      else
        status=1
      fi
      rm -f -- "$tmp"
      return "$status" ;;
  esac
}

# --- Logging and failing -----------------------------------------------------------------------------------

# pf_log LEVEL MESSAGE...: LEVEL is debug, info, warn or error; goes to the log topic with that level.
pf_log() {
  [[ $# -ge 1 ]] || { _pf_usage 'pf_log debug|info|warn|error MESSAGE...'; return 2; }
  case $1 in
    debug | info | warn | error) ;;
    *) _pf_usage 'pf_log debug|info|warn|error MESSAGE...'; return 2 ;;
  esac
  local level=$1
  shift
  if [[ -n $_pf_ctl ]]; then
    _pf_record log "$level" "$*"
  else
    printf '[%s] %s\n' "$level" "$*" >&2
  fi
}

# pf_fail_permanently [MESSAGE...]: log MESSAGE at error level, then exit with PF_EXIT_PERMANENT: the message
# goes to the dead-letter topic without retries. (In a subshell, only the subshell exits.)
pf_fail_permanently() {
  [[ $# -eq 0 ]] || pf_log error "$*"
  exit "${PF_EXIT_PERMANENT:-100}"
}

# --- Reading the message -----------------------------------------------------------------------------------

# pf_get_property NAME: print the input message's property NAME (no newline added); status 1 when absent.
# Reads PF_MESSAGE_PROPERTIES, the JSON object pf-bash writes (string values only), without jq.
pf_get_property() {
  [[ $# -eq 1 ]] || { _pf_usage 'pf_get_property NAME'; return 2; }
  local LC_ALL=C # byte offsets and byte-wise matching
  local json=${PF_MESSAGE_PROPERTIES:-'{}'} name
  local re='^[{,]"((\\.|[^"\\])*)":"((\\.|[^"\\])*)"'
  while [[ $json =~ $re ]]; do
    json=${json:${#BASH_REMATCH[0]}}
    _pf_json_unescape name "${BASH_REMATCH[1]}"
    if [[ $name == "$1" ]]; then
      _pf_json_unescape '' "${BASH_REMATCH[3]}"
      return 0
    fi
  done
  return 1
}

# --- Internals ---------------------------------------------------------------------------------------------

# _pf_json_unescape VAR TEXT: decode a JSON string's inside into VAR, or print it when VAR is empty.
# JSON.stringify emits only \" \\ \b \f \n \r \t and \u00XX; printf %b decodes all but \", which becomes \x22.
_pf_json_unescape() {
  local q='\x22' text=$2
  text=${text//'\"'/"$q"}
  if [[ -n $1 ]]; then
    printf -v "$1" '%b' "$text"
  else
    printf '%b' "$text"
  fi
}

# _pf_record KIND FIELD...: write one record of text fields in a single write.
_pf_record() {
  local LC_ALL=C # ${#field} counts bytes
  local record='' field
  for field in "$@"; do
    printf -v record '%s%d:%s,' "$record" "${#field}" "$field"
  done
  _pf_write_record "$record" "$@"
}

# _pf_record_with_file FILE FIELD... -- FIELD...: a record whose field between the two lists is FILE's bytes.
_pf_record_with_file() {
  local LC_ALL=C
  local file=$1 before='' after='' field size
  shift
  while [[ $# -gt 0 && $1 != -- ]]; do
    printf -v before '%s%d:%s,' "$before" "${#1}" "$1"
    shift
  done
  shift
  for field in "$@"; do
    printf -v after '%s%d:%s,' "$after" "${#field}" "$field"
  done
  size=$(wc -c <"$file") || return 1
  size=${size//[!0-9]/}
  _pf_write_file_record "$file" "$before" "$size" "$after"
}

# Where records go: the control channel, or a description on stderr when not running under pf-bash.
# pf-stream.sh redefines these two to frame records on stdout instead.

# _pf_write_record RECORD FIELD...: RECORD is the encoded record; the FIELDs only serve the description.
_pf_write_record() {
  if [[ -n $_pf_ctl ]]; then
    printf '%s\n' "$1" >&"$_pf_ctl"
  else
    shift
    _pf_describe "$@"
  fi
}

# _pf_write_file_record FILE BEFORE SIZE AFTER: BEFORE, then "SIZE:", FILE's first SIZE bytes, ",", AFTER.
_pf_write_file_record() {
  local file=$1 before=$2 size=$3 after=$4
  if [[ -z $_pf_ctl ]]; then
    echo "pf-bash: (not running under pf-bash) would publish $size bytes; record ${before}<payload>,${after}" >&2
    return 0
  fi
  # head -c: exactly the bytes counted, even if the file grows meanwhile.
  { printf '%s%d:' "$before" "$size" && head -c "$size" <"$file" && printf ',%s\n' "$after"; } >&"$_pf_ctl"
}

_pf_describe() {
  local IFS=' '
  echo "pf-bash: (not running under pf-bash) $*" >&2
}

_pf_usage() {
  echo "pf-bash: usage: $1" >&2
}
