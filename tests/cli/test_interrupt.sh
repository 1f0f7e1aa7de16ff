# Ctrl-C (SIGINT) during long computations: `rbm logz --method ais` with a schedule that would
# run for many minutes, `ising sample -o FILE`, `hopfield capacity`, `nmf fit` and
# `autoencoder train`, must exit with status 130 well before they
# could have finished, print exactly one line on stderr ("rgflow: interrupted"), nothing on
# stdout, and leave no output file behind.
source "$(dirname "$0")/common.sh" "$1"

make_binary_csv data.csv 200 7
"$RGFLOW" rbm train data.csv --hidden 12 --epochs 2 --seed 1 -q -o model.h5 >/dev/null

check_interrupted() {
  local name="$1"
  [[ "$STATUS" == 130 ]] || fail "$name: exit status $STATUS after SIGINT, expected 130 ($(cat "$name.err"))"
  [[ "$(wc -l <"$name.err")" == 1 ]] || fail "$name: expected one line on stderr, got: $(cat "$name.err")"
  grep -qx "rgflow: interrupted" "$name.err" || fail "$name: unexpected message: $(cat "$name.err")"
  [[ ! -s "$name.out" ]] || fail "$name: printed on stdout after SIGINT: $(cat "$name.out")"
}

# AIS over 10^7 temperatures x 1000 chains: hours uninterrupted.
interrupt_run logz "$RGFLOW" rbm logz model.h5 --method ais --data data.csv --betas 10000000 \
  --chains 1000 --json
check_interrupted logz

# Scalar Metropolis, 10^5 sweeps between 2000 samples of a 32x32 lattice: many minutes.
interrupt_run ising "$RGFLOW" ising sample -L 32 -T 2.3 -n 2000 --algorithm metropolis-scalar \
  --chains 2 --thermalize 0 --sweeps-between 100000 -o spins.h5 --json
check_interrupted ising
# The flow-map machines (issue #22): a capacity scan of hours, and training runs of 10^8
# iterations / 10^5 epochs on 5000 rows of 100 binary pixels.
interrupt_run hopfield "$RGFLOW" hopfield capacity --neurons 3000 --loads 0.1:0.2:40 --trials 200 --json
check_interrupted hopfield
awk 'BEGIN { s = 5; for (r = 0; r < 5000; r++) { line = ""; for (c = 0; c < 100; c++) {
  s = (s * 1103515245 + 12345) % 2147483648; line = line (c ? "," : "") (s / 2147483648 < 0.3) } print line } }' >big.csv
interrupt_run nmf "$RGFLOW" nmf fit big.csv --rank 20 --iterations 100000000 --tolerance 0 -o nmf.h5 --json
check_interrupted nmf
interrupt_run autoencoder "$RGFLOW" autoencoder train big.csv --hidden 50 --epochs 100000 -o ae.h5 --json
check_interrupted autoencoder
for f in *; do
  case "$f" in
    data.csv | model.h5 | logz.out | logz.err | ising.out | ising.err | big.csv) ;;
    hopfield.out | hopfield.err | nmf.out | nmf.err | autoencoder.out | autoencoder.err) ;;
    *) fail "file left behind after SIGINT: $f" ;;
  esac
done

# The same commands run to completion when not interrupted (the handler changes nothing else).
"$RGFLOW" rbm logz model.h5 --method ais --data data.csv --betas 200 --chains 20 --json >ok.json
json_check ok.json 'j["details"]["temperatures"] == 200' "uninterrupted AIS"
echo "ok"

# Sandpile run (2·10^8 grains on L = 512: days) and LPPL coverage (10^5 series: hours).
interrupt_run sandpile "$RGFLOW" sandpile run -L 512 --grains 200000000 --lattices 2 -o sandpile.json --json
check_interrupted sandpile
[[ ! -e sandpile.json ]] || fail "sandpile run left sandpile.json after SIGINT"
interrupt_run lppl "$RGFLOW" lppl coverage --series 100000 -o coverage.json --json
check_interrupted lppl
[[ ! -e coverage.json ]] || fail "lppl coverage left coverage.json after SIGINT"
echo "ok: sandpile, lppl"
