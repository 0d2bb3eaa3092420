# shellcheck shell=bash
# pf-bash's exec-mode launcher: internal to the runtime, not a library for scripts to source.
#
# Why it exists: fork() copies the page tables of the process that forks. Forking bash straight from the
# instance (a Node process of 150-250 MB) cost 3-4 ms of kernel time per message, more than running the script;
# the instance keeps one of these small bash processes per pool slot and has it fork the scripts instead
# (docs/architecture.md, "Exec mode"; docs/benchmarks.md has the figures).
#
# Started by the runtime in the script's working directory, with the part of the script's base environment
# that cannot change how this bash behaves (PATH, HOME, TZ, the locale, PF_*): the runs inherit it, so it is
# not exported again per run (exporting LANG alone cost 0.35 ms a run, bash reloading the locale).
#   bash pf-launcher.sh DIR MKFIFO RM
# DIR is private to this launcher (mode 0700) and removed when it ends; MKFIFO and RM are absolute paths.
#
# fd 0: from the runtime, messages of the form "<size>\n<header>\n<fields>": <size> is 9 decimal digits,
#       the byte count of what follows it; <header> is a letter and numbers, the last of them the fields'
#       byte lengths; the fields follow back to back. (A line would be read a byte per read(2) call; this
#       takes two calls.) First the rest of the base environment (what could change this bash, such as
#       POSIXLY_CORRECT or TMOUT, exported only in the runs): header "B <len>...", NAME=value fields. Then one
#       request per run, numbered 0, 1, 2, ... in order: header "R <n> <k> <len>...", fields: k NAME=value
#       entries to add to the environment, then the command and its arguments.
# fd 1: to the runtime, one line each:
#       L <kib>|unlimited   once, first: the stack limit, which bounds arguments plus environment
#       F <n>               the FIFOs of runs below n exist
#       S <n> <pid>         run n's process has opened its streams; it leads process group <pid>
#       E <n> <status>      run n's process ended; <status> as bash's `wait` gives it (128+k: signal k).
#                           The runtime then sends SIGKILL to group <pid>: nothing a run started outlives it.
# fd 2: the launcher's own diagnostics (and bash's notices of runs killed by a signal).
# Run n's stdin, stdout, stderr and fd 3 are the FIFOs DIR/i.n, DIR/o.n, DIR/e.n and DIR/c.n, which the
# runtime has opened before sending the request (so that opening them here does not block).
# It ends at end-of-file on fd 0: the runtime closed it, or exited.
#
# Nothing read here is ever evaluated: values only pass through `export` and `exec` as whole words.

dir=$1
mkfifo=$2
rm=$3
batch=64
fifos=0
number='(0|[1-9][0-9]*)'

# FIFOs are made ahead in batches, so that mkfifo costs one fork per `batch` runs. Each run gets fresh ones:
# a process that escapes its run's group keeps only its own.
make_fifos() {
  local i
  local -a names=()
  for ((i = fifos; i < fifos + batch; i++)); do
    names+=("$dir/i.$i" "$dir/o.$i" "$dir/e.$i" "$dir/c.$i")
  done
  "$mkfifo" -m 600 -- "${names[@]}" || exit 1
  fifos=$((fifos + batch))
  printf 'F %s\n' "$fifos"
}

# Reads one message from the runtime: its header's words into `words` (the kind, then numbers) and its fields
# into `fields`. Lengths are bytes: in the C locale read -N and ${var:offset:length} count bytes (the local
# LC_ALL ends with the function).
read_message() {
  local LC_ALL=C
  local kind=$1 skip=$2 size message line body length offset=0 total=0
  IFS= read -r -d '' -N 10 size || return 1
  [[ $size =~ ^[0-9]{9}$'\n'$ ]] || refuse "$kind" "$size"
  IFS= read -r -d '' -N "$((10#${size%$'\n'}))" message || return 1
  line=${message%%$'\n'*}
  body=${message#*$'\n'}
  [[ $line =~ ^$kind(\ $number)*$ ]] || refuse "$kind" "$line"
  # Only letters, digits and spaces (just checked): word splitting is all that applies.
  # shellcheck disable=SC2206
  words=($line)
  ((${#words[@]} >= skip)) || refuse "$kind" "$line"
  fields=()
  for length in "${words[@]:skip}"; do
    fields+=("${body:offset:length}")
    offset=$((offset + length))
    total=$((total + length))
  done
  ((total == ${#body})) || refuse "$kind" "$line (the fields take ${#body} bytes)"
}

refuse() {
  printf 'pf-launcher: expected a %s message, got %q\n' "$1" "$2" >&2
  exit 2
}

# Runs in the forked child: wires the streams, reports, then becomes the script's bash.
run() {
  local n=$1 k=$2
  exec 4>&1 <"$dir/i.$n" >"$dir/o.$n" 2>"$dir/e.$n" 3>"$dir/c.$n" || exit 125
  printf 'S %s %s\n' "$n" "$BASHPID" >&4
  exec 4>&-
  # The launcher's own SHLVL would make the script's one level deeper than a directly started bash's.
  unset SHLVL
  # Never empty (a run always has PF_MESSAGE_ID): `export --` alone would print the environment.
  export -- "${base[@]}" "${fields[@]:0:k}"
  exec -- "${fields[@]:k}"
}

# When the runtime is gone (killed), the next reply meets a closed pipe: SIGPIPE. The directory is removed then
# as it is at end-of-file. A trap rather than an ignored signal: runs start with SIGPIPE's default action.
trap '"$rm" -rf -- "$dir"; exit 141' PIPE
read_message B 1 || exit 1
base=("${fields[@]}")
printf 'L '
ulimit -s
make_fifos
while read_message R 3; do
  n=${words[1]}
  # Job control only while forking: the run leads a process group of its own (so that a timeout can kill
  # everything it started), and bash prints no job notices for runs that end normally.
  set -m
  run "$n" "${words[2]}" &
  pid=$!
  set +m
  wait "$pid"
  # The runtime kills what the run left in its group (background jobs) when it reads this: a `kill` here
  # fails when the group is empty, the usual case, and bash's localised error message cost 0.4 ms a run.
  printf 'E %s %s\n' "$n" "$?"
  if ((n + batch / 2 >= fifos)); then make_fifos; fi
done
"$rm" -rf -- "$dir"
