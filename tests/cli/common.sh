# Shared set-up for the CLI tests (sourced by test_*.sh; not a test itself).
# Usage in a test: source "$(dirname "$0")/common.sh" "$1"
set -euo pipefail

RGFLOW="${1:?usage: bash test_NAME.sh PATH_TO_rgflow}"
case "$RGFLOW" in /*) ;; *) RGFLOW="$PWD/$RGFLOW" ;; esac
[[ -x "$RGFLOW" ]] || { echo "not executable: $RGFLOW" >&2; exit 1; }

WORK="$(mktemp -d "${TMPDIR:-/tmp}/rgflow-cli.XXXXXX")"
trap 'rm -rf "$WORK"' EXIT
cd "$WORK"

fail() {
  echo "FAIL: $*" >&2
  exit 1
}

# A Python 3 with numpy + h5py, if any (Debian's /usr/bin/python3 first: a pyenv/venv python3
# on PATH may lack the Debian packages). Empty when none: h5py checks are then skipped.
PY_H5=""
for candidate in /usr/bin/python3 python3; do
  if command -v "$candidate" >/dev/null 2>&1 && "$candidate" -c 'import h5py, numpy' 2>/dev/null; then
    PY_H5="$candidate"
    break
  fi
done
have_h5py() {
  if [[ -z "$PY_H5" ]]; then
    echo "SKIP (h5py not installed): $*" >&2
    return 1
  fi
}

# json_get FILE EXPR: evaluates a Python expression over the parsed JSON `j`, prints the result.
json_get() {
  python3 -c 'import json,sys; j=json.load(open(sys.argv[1])); print(eval(sys.argv[2]))' "$1" "$2"
}
# json_check FILE EXPR MESSAGE: fails unless the expression is true.
json_check() {
  python3 -c 'import json,sys; j=json.load(open(sys.argv[1])); sys.exit(0 if eval(sys.argv[2]) else 1)' \
    "$1" "$2" || fail "$3 (in $(cat "$1"))"
}

# make_binary_csv FILE ROWS SEED: ROWS x 16 values in {0,1}: two 4x4 prototype patterns (a bar
# and its complement) with 10% of the pixels flipped; deterministic (an LCG in awk).
make_binary_csv() {
  awk -v rows="$2" -v seed="$3" 'BEGIN {
    s = seed;
    for (r = 0; r < rows; r++) {
      s = (s * 1103515245 + 12345) % 2147483648; proto = (s / 2147483648 < 0.5);
      line = "";
      for (c = 0; c < 16; c++) {
        x = ((c % 4) < 2) ? proto : 1 - proto;
        s = (s * 1103515245 + 12345) % 2147483648;
        if (s / 2147483648 < 0.1) x = 1 - x;
        line = line (c ? "," : "") x;
      }
      print line;
    }
  }' > "$1"
}

# expect_bad_input NAME OUTPUT NEEDLE -- COMMAND...: the command must exit with status 2, print
# exactly one line on stderr that starts with "rgflow: error: " and contains NEEDLE (the file or
# option at fault), and leave neither OUTPUT (use "-" for none) nor any temporary file behind.
expect_bad_input() {
  local name="$1" output="$2" needle="$3"
  shift 4
  local status=0
  "$@" >"$WORK/bad.out" 2>"$WORK/bad.err" || status=$?
  [[ $status -eq 2 ]] || fail "$name: exit status $status, expected 2 (stderr: $(cat "$WORK/bad.err"))"
  local lines
  lines=$(wc -l <"$WORK/bad.err")
  [[ $lines -eq 1 ]] || fail "$name: expected one line on stderr, got $lines: $(cat "$WORK/bad.err")"
  grep -q '^rgflow: error: ' "$WORK/bad.err" || fail "$name: stderr lacks 'rgflow: error: ': $(cat "$WORK/bad.err")"
  grep -qF -- "$needle" "$WORK/bad.err" || fail "$name: stderr does not name '$needle': $(cat "$WORK/bad.err")"
  if [[ "$output" != "-" && -e "$output" ]]; then fail "$name: left an output file $output"; fi
  if compgen -G "$WORK/*.tmp*" >/dev/null || compgen -G "$WORK/.*.tmp*" >/dev/null; then
    fail "$name: left a temporary file: $(ls -a "$WORK")"
  fi
  echo "ok: $name -> $(cat "$WORK/bad.err")"
}

# interrupt_run NAME COMMAND...: starts COMMAND in the background (stdout NAME.out, stderr NAME.err),
# sends SIGINT after 1.5 s and waits at most 30 s for it to end; sets STATUS.
# wait_for_sigint_handler PID: waits (at most 60 s) until the process catches SIGINT (bit 2 of
# SigCgt in /proc/PID/status). A background job of a script starts with SIGINT ignored, so a
# SIGINT sent before rgflow installs its handler would be lost and the command would run on.
wait_for_sigint_handler() {
  local pid="$1" tries=0 mask
  while ((tries < 600)); do
    mask=$(awk '/^SigCgt:/ { print $2 }' "/proc/$pid/status" 2>/dev/null) || return 0
    [[ -z "$mask" ]] && return 0  # the process has ended
    (((16#$mask & 2) != 0)) && return 0
    sleep 0.1
    tries=$((tries + 1))
  done
  return 1
}

# wait_ended PID NAME: waits at most 30 s for PID to end after a signal; otherwise kills it (and
# any further PIDs given) and fails.
wait_ended() {
  local pid="$1" name="$2" waited=0
  shift 2
  while kill -0 "$pid" 2>/dev/null; do
    if ((waited >= 300)); then
      kill -KILL "$pid" "$@" 2>/dev/null || true
      fail "$name still running 30 s after the signal"
    fi
    sleep 0.1
    waited=$((waited + 1))
  done
}

interrupt_run() {
  local name="$1"
  shift
  "$@" >"$name.out" 2>"$name.err" &
  local pid=$!
  sleep 1.5
  kill -0 "$pid" 2>/dev/null || fail "$name ended before it was interrupted: $(cat "$name.err")"
  wait_for_sigint_handler "$pid" || fail "$name installed no SIGINT handler within 60 s"
  kill -INT "$pid"
  wait_ended "$pid" "$name"
  STATUS=0
  wait "$pid" || STATUS=$?
}
