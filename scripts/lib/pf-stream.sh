# pf-stream.sh: the helper library for pf-bash scripts in stream mode (docs/script-contract.md, "Stream mode").
# In stream mode PF_LIB points here, so scripts source it the same way in both modes:
#
#   source "$PF_LIB"
#
# It sources pf-function.sh, so routing, pf_publish, pf_log and pf_get_property work as in exec mode, for the
# message being answered: their records travel on stdout as `ctl` frames, in order with the replies. It adds:
#
#   pf_next                     read the next message (status 1 at the end of input); sets PF_MESSAGE_*
#   pf_payload                  copy its payload to stdout, any bytes
#   pf_read_payload VAR         its payload into VAR (status 1, payload left unread, when it holds a NUL byte)
#   pf_reply [--data TEXT | --file PATH]     answer with an output (default: this function's stdin)
#   pf_reply_none               answer with no output (the message is filtered)
#   pf_reply_fail [--permanent] REASON...    answer with a failure (retried, or dead-lettered now)
#
# Every message gets exactly one reply, in the order the messages came. A skeleton that works with both codecs:
#
#   source "$PF_LIB"
#   while pf_next; do
#     pf_read_payload text || { pf_payload >/dev/null; pf_reply_fail --permanent 'binary payload'; continue; }
#     pf_reply --data "${text^^}"
#   done
#
# Needs bash 4.1 or later and GNU head (coreutils): `head -c N` must read no more than N bytes from a pipe.
# shellcheck shell=bash

# shellcheck source=pf-function.sh
source "${BASH_SOURCE[0]%/*}/pf-function.sh"

if [[ -z ${_pf_stream_loaded:-} ]]; then
  _pf_stream_loaded=1
  _pf_codec=${PF_STREAM_CODEC:-}
  # Where frames go: the copy of stdout pf-function.sh made (PF_CONTROL_FD=1), so a script may redirect its
  # own stdout inside the loop; stdout itself when tried by hand.
  _pf_out=${_pf_ctl:-1}
  # In the lines codec a frame starts with a NUL byte (a printf escape: a variable cannot hold the byte).
  _pf_nul_fmt=
  [[ $_pf_codec == lines ]] && _pf_nul_fmt='\0'
  _pf_size=0 # the current message's payload size
  _pf_has_nul=0
  _pf_line=    # the current message (lines)
fi

# --- Reading messages --------------------------------------------------------------------------------------

# pf_next: read the next message's header (length-prefixed) or line (lines). Status 1 at the end of input.
# Length-prefixed: sets and exports PF_MESSAGE_ID, _KEY (unset when none, or when it holds a NUL byte), _TOPIC,
# _PUBLISH_TIME, _EVENT_TIME (unset when none), _REDELIVERY_COUNT, _PROPERTIES (JSON) and _SIZE. The payload
# follows on stdin: read it exactly once, with pf_payload or pf_read_payload (`pf_payload >/dev/null` skips it),
# before the next pf_next. Lines: only PF_MESSAGE_SIZE (the codec carries no metadata).
pf_next() {
  local LC_ALL=C # sizes and offsets in bytes
  case $_pf_codec in
    lines)
      IFS= read -r _pf_line || return 1
      export PF_MESSAGE_SIZE=${#_pf_line} ;;
    length-prefixed)
      local size id topic key publish event redeliveries nul properties
      IFS=' ' read -r size id topic key publish event redeliveries nul properties || return 1
      [[ $size =~ ^[0-9]+$ ]] || { echo "pf-bash: pf_next: not a message header: ${size:0:40}" >&2; return 2; }
      _pf_size=$size _pf_has_nul=$nul
      export PF_MESSAGE_SIZE=$size PF_MESSAGE_PUBLISH_TIME=$publish PF_MESSAGE_REDELIVERY_COUNT=$redeliveries
      export PF_MESSAGE_PROPERTIES=$properties
      _pf_percent_decode PF_MESSAGE_ID "$id"
      _pf_percent_decode PF_MESSAGE_TOPIC "$topic"
      export PF_MESSAGE_ID PF_MESSAGE_TOPIC
      if [[ $event == - ]]; then unset PF_MESSAGE_EVENT_TIME; else export PF_MESSAGE_EVENT_TIME=$event; fi
      if [[ $key == -* || $key == *%00* ]]; then
        unset PF_MESSAGE_KEY
      else
        _pf_percent_decode PF_MESSAGE_KEY "${key:1}"
        export PF_MESSAGE_KEY
      fi ;;
    *) _pf_not_stream pf_next; return 2 ;;
  esac
}

# pf_payload: write the current message's payload to stdout (any bytes: NUL included). Once per message; it
# changes no variable, so it may run in a pipeline (`pf_payload | tr a-z A-Z | pf_reply`).
pf_payload() {
  case $_pf_codec in
    lines) printf '%s' "$_pf_line" ;;
    length-prefixed) ((_pf_size == 0)) || head -c "$_pf_size" ;;
    *) _pf_not_stream pf_payload; return 2 ;;
  esac
}

# pf_read_payload VAR: the current message's payload into VAR. Status 1, leaving it unread for pf_payload,
# when it holds a NUL byte (a bash variable cannot).
pf_read_payload() {
  [[ $# -eq 1 && $1 =~ ^[A-Za-z_][A-Za-z0-9_]*$ ]] || { _pf_usage 'pf_read_payload VAR'; return 2; }
  case $_pf_codec in
    lines) printf -v "$1" '%s' "$_pf_line" ;;
    length-prefixed)
      ((_pf_has_nul == 0)) || return 1
      # Locals carry the _pf_ prefix: VAR may be any name the caller chose.
      local LC_ALL=C _pf_data
      if ((_pf_size <= 65536)); then
        # No process started; bash reads a pipe a byte at a time, which beats a fork for small payloads.
        IFS= read -r -N "$_pf_size" "$1" || return 1
      else
        _pf_data=$(head -c "$_pf_size" && printf .) || return 1
        printf -v "$1" '%s' "${_pf_data%.}"
      fi ;;
    *) _pf_not_stream pf_read_payload; return 2 ;;
  esac
}

# --- Replying ----------------------------------------------------------------------------------------------

# pf_reply [--data TEXT | --file PATH]: answer the current message with an output: TEXT, the file's bytes, or
# else this function's stdin (any bytes; one trailing newline removed unless PF_TRIM_TRAILING_NEWLINE=false, as
# exec mode does with stdout). An empty output means no output message, as in exec mode.
pf_reply() {
  local usage='pf_reply [--data TEXT | --file PATH]'
  [[ -n $_pf_codec ]] || { _pf_not_stream pf_reply; return 2; }
  case ${1:-} in
    --data)
      [[ $# -eq 2 ]] || { _pf_usage "$usage"; return 2; }
      local LC_ALL=C
      if [[ $_pf_codec == lines && $2 != *$'\n'* ]]; then
        printf '%s\n' "$2" >&"$_pf_out"
      else
        printf "${_pf_nul_fmt}ok %d\n%s" "${#2}" "$2" >&"$_pf_out"
      fi ;;
    --file)
      [[ $# -eq 2 && -n $2 ]] || { _pf_usage "$usage"; return 2; }
      _pf_reply_file ok "$2" ;;
    '')
      [[ $# -eq 0 ]] || { _pf_usage "$usage"; return 2; }
      _pf_reply_stdin ;;
    *) _pf_usage "$usage"; return 2 ;;
  esac
}

# pf_reply_none: answer the current message with no output (a filter).
pf_reply_none() {
  [[ $# -eq 0 ]] || { _pf_usage 'pf_reply_none'; return 2; }
  [[ -n $_pf_codec ]] || { _pf_not_stream pf_reply_none; return 2; }
  if [[ $_pf_codec == lines ]]; then
    printf '\n' >&"$_pf_out"
  else
    printf 'ok 0\n' >&"$_pf_out"
  fi
}

# pf_reply_fail [--permanent] REASON...: answer the current message with a failure. It is retried (negative
# acknowledgement) like a non-zero exit in exec mode; with --permanent it goes to the dead-letter topic now.
# The process keeps running (unlike pf_fail_permanently, which exits).
pf_reply_fail() {
  [[ -n $_pf_codec ]] || { _pf_not_stream pf_reply_fail; return 2; }
  local word=fail
  if [[ ${1:-} == --permanent ]]; then
    word=fail-permanent
    shift
  fi
  local LC_ALL=C IFS=' '
  local reason="$*"
  printf "${_pf_nul_fmt}%s %d\n%s" "$word" "${#reason}" "$reason" >&"$_pf_out"
}

# --- Internals ---------------------------------------------------------------------------------------------

# _pf_percent_decode VAR TEXT: the header's percent-encoding (bytes 0x00-0x20, %, \ and 0x7F as %XX) undone.
# Only %XX sequences exist once `\` is encoded, so printf %b sees nothing else to interpret.
_pf_percent_decode() {
  printf -v "$1" '%b' "${2//%/\\x}"
}

# _pf_reply_stdin: an `ok` frame of stdin's bytes, read by bash itself: no process started, which matters at
# thousands of messages a second. A variable cannot hold NUL, so stdin is cut at each NUL (read -d '') and the
# NULs are written back between the pieces.
_pf_reply_stdin() {
  local LC_ALL=C piece size=0 last
  local -a pieces=()
  while IFS= read -r -d '' piece; do
    pieces+=("$piece")
    size=$((size + ${#piece} + 1))
  done
  # What followed the last NUL (read failed at the end of input, but kept it). One trailing newline goes, as
  # exec mode trims stdout (PF_TRIM_TRAILING_NEWLINE): tools end their output with one.
  [[ ${PF_TRIM_TRAILING_NEWLINE:-true} == false ]] || piece=${piece%$'\n'}
  size=$((size + ${#piece}))
  if [[ $_pf_codec == lines && ${#pieces[@]} -eq 0 && $piece != *$'\n'* ]]; then
    printf '%s\n' "$piece" >&"$_pf_out"
    return
  fi
  {
    printf "${_pf_nul_fmt}ok %d\n" "$size"
    for last in ${pieces[@]+"${pieces[@]}"}; do printf '%s\0' "$last"; done
    printf '%s' "$piece"
  } >&"$_pf_out"
}

# _pf_reply_file WORD FILE: one frame whose data is FILE's bytes.
_pf_reply_file() {
  local size
  size=$(wc -c <"$2") || return 1
  size=${size//[!0-9]/}
  # head -c: exactly the bytes counted, even if the file grows meanwhile.
  { printf "${_pf_nul_fmt}%s %d\n" "$1" "$size" && head -c "$size" <"$2"; } >&"$_pf_out"
}

_pf_not_stream() {
  echo "pf-bash: $1 works in stream mode only (PF_MODE=stream sets PF_STREAM_CODEC)" >&2
}

# In stream mode, pf-function.sh's records become `ctl` frames on stdout: frames and replies share one ordered
# stream, so each record belongs to the message whose reply follows it.
if [[ -n $_pf_codec ]]; then
  _pf_write_record() {
    local LC_ALL=C # ${#1} counts bytes
    printf "${_pf_nul_fmt}ctl %d\n%s\n" "$((${#1} + 1))" "$1" >&"$_pf_out"
  }

  _pf_write_file_record() {
    local LC_ALL=C
    local file=$1 before=$2 size=$3 after=$4
    # before, "<size>:", the bytes, ",", after, LF.
    local total=$((${#before} + ${#size} + 1 + size + 1 + ${#after} + 1))
    {
      printf "${_pf_nul_fmt}ctl %d\n%s%d:" "$total" "$before" "$size" &&
        head -c "$size" <"$file" &&
        printf ',%s\n' "$after"
    } >&"$_pf_out"
  }
fi
