# shellcheck shell=bash
# pf-bash's exec-mode launcher: internal to the runtime, not a library for scripts to source.
#
# Why it exists: fork() copies the page tables of the process that forks. Forking bash straight from the
# instance (a Node process of 150-250 MB) cost 3-4 ms of kernel time per message, more than running the script;
# the instance keeps one of these small bash processes per pool slot and has it fork the scripts instead
# (docs/architecture.md, "Exec mode"; docs/benchmarks.md has the figures).
#
# Started by the runtime with an empty environment (so this bash works on bytes: the C locale), in the
# script's working directory:
#   bash pf-launcher.sh DIR MKFIFO RM
# DIR is private to this launcher (mode 0700) and removed when it ends; MKFIFO and RM are absolute paths.
#
# fd 0: from the runtime. First the base environment: a line "B <len>...", then the entries' bytes back to
#       back (NAME=value each, <len> bytes each). Then one request per run, numbered 0, 1, 2, ... in order:
#       a line "R <n> <k> <len>...", then the fields' bytes back to back: k NAME=value entries to add to
#       the environment, then the command and its arguments.
# fd 1: to the runtime, one line each:
#       L <kib>|unlimited   once, first: the stack limit, which bounds arguments plus environment
#       F <n>               the FIFOs of runs below n exist
#       S <n> <pid>         run n's process has opened its streams; it leads process group <pid>
#       E <n> <status>      run n's process ended; <status> as bash's `wait` gives it (128+k: signal k)
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

# Reads one line from the runtime into `words` (its kind, then numbers) and the bytes of the fields whose
# lengths are its last numbers into `fields`. Byte lengths: this bash runs in the C locale, where read -N and
# ${var:offset:length} count bytes.
read_message() {
  local kind=$1 skip=$2 line body length offset=0 total=0
  IFS= read -r line || return 1
  [[ $line =~ ^$kind(\ $number)+$ ]] || refuse "$kind" "$line"
  # Only letters, digits and spaces (just checked): word splitting is all that applies.
  # shellcheck disable=SC2206
  words=($line)
  ((${#words[@]} >= skip)) || refuse "$kind" "$line"
  fields=()
  for length in "${words[@]:skip}"; do total=$((total + length)); done
  if ((total > 0)); then IFS= read -r -d '' -N "$total" body || return 1; fi
  for length in "${words[@]:skip}"; do
    fields+=("${body:offset:length}")
    offset=$((offset + length))
  done
}

refuse() {
  printf 'pf-launcher: expected a %s line, got %q\n' "$1" "$2" >&2
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
  export -- "${base[@]}" "${fields[@]:0:k}"
  exec -- "${fields[@]:k}"
}

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
  status=$?
  # What the run left behind in its group (background jobs) ends with it.
  kill -KILL -- "-$pid" 2>/dev/null
  printf 'E %s %s\n' "$n" "$status"
  if ((n + batch / 2 >= fifos)); then make_fifos; fi
done
"$rm" -rf -- "$dir"
