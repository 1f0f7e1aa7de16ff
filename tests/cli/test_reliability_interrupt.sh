# Issue #20: Ctrl-C (SIGINT) in the long commands that had no handler — rbm train (with
# checkpoints), dbn train, rbm sample (Gibbs and parallel tempering), rg couplings — ends them
# with exit status 130, the one line "rgflow: interrupted", nothing on stdout, no new output file
# and no temporary; a checkpoint written before the interrupt stays valid and resumes.
source "$(dirname "$0")/common.sh" "$1"

make_binary_csv data.csv 200 7
"$RGFLOW" rbm train data.csv --hidden 4 --epochs 1 --seed 1 -q -o model.h5 >/dev/null

# interrupt NAME COMMAND...: interrupt_run (common.sh: SIGINT after 1.5 s, at most 30 s), then
# checks status 130, the message, empty stdout and no temporaries.
interrupt() {
  interrupt_run "$@"
  local name="$1" status="$STATUS"
  [[ $status == 130 ]] || fail "$name: exit status $status after SIGINT, expected 130 ($(cat "$name.err"))"
  [[ "$(wc -l <"$name.err")" == 1 ]] || fail "$name: expected one line on stderr, got: $(cat "$name.err")"
  grep -qx "rgflow: interrupted" "$name.err" || fail "$name: unexpected message: $(cat "$name.err")"
  [[ ! -s "$name.out" ]] || fail "$name: printed on stdout: $(cat "$name.out")"
  if compgen -G "*.tmp-*" >/dev/null; then fail "$name: left a temporary: $(ls)"; fi
  echo "ok: $name -> 130"
}

interrupt train "$RGFLOW" rbm train data.csv --hidden 64 --epochs 10000000 --checkpoint-every 1 \
  --seed 3 -q -o train.h5
[[ ! -e train.h5 ]] || fail "rbm train wrote its model after SIGINT"
[[ -e train.checkpoint.h5 ]] || fail "no checkpoint written in 1.5 s"
"$RGFLOW" rbm train data.csv --resume train.checkpoint.h5 --epochs 10000000 -q -o resumed.h5 \
  >/dev/null 2>&1 &
pid=$!
sleep 0.5
wait_for_sigint_handler "$pid" || fail "resumed training installed no SIGINT handler within 60 s"
kill -INT "$pid"
wait "$pid" && fail "resumed training was not interrupted" || true
"$RGFLOW" rbm logz train.checkpoint.h5 >/dev/null || fail "the checkpoint is not a valid model after SIGINT"

interrupt dbn "$RGFLOW" dbn train data.csv --layers 16,64,64 --epochs 10000000 -q -o dbn.h5
[[ ! -e dbn.h5 ]] || fail "dbn train wrote its model after SIGINT"

interrupt gibbs "$RGFLOW" rbm sample model.h5 --samples 2000 --gibbs-steps 100000000 -o gibbs.h5
[[ ! -e gibbs.h5 ]] || fail "rbm sample wrote its output after SIGINT"
interrupt pt "$RGFLOW" rbm sample model.h5 --method pt --samples 200 --gibbs-steps 100000000 -o pt.h5
[[ ! -e pt.h5 ]] || fail "rbm sample --method pt wrote its output after SIGINT"

interrupt couplings "$RGFLOW" rg couplings model.h5 --max-exact-support 0 --samples 1000000000 --json

echo "ok"
