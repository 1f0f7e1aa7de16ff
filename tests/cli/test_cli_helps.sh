# The CLI helps (issue #21 item 5): progress on the long estimators (seen on a pseudo-terminal,
# silenced by --quiet and --json), --scale for PNG mosaics, column/value-range options for data
# such as the digits CSV, help text without CLI11's "{false}" noise, and `rgflow demo` never
# writing into rgflow's own source tree by default (documented in its --help).
HERE="$(cd "$(dirname "$0")" && pwd)"
source "$HERE/common.sh" "$1"

# on_tty CMD...: runs CMD with stdout and stderr on a pseudo-terminal (util-linux `script`),
# the transcript in tty.txt.
on_tty() {
  script -qefc "$(printf '%q ' "$@")" /dev/null >tty.txt 2>&1 </dev/null
}

make_binary_csv data.csv 400 5
# (The models need not fit: only the commands' progress and outputs are checked here.)
"$RGFLOW" rbm train data.csv --hidden 12 --epochs 30 --seed 1 -q -o m.h5 >/dev/null 2>train.err

# --- progress --------------------------------------------------------------------------------
# On a terminal the first report is drawn at once (and the line cleared at the end), so even a
# short run shows it in the transcript.
on_tty "$RGFLOW" rbm logz m.h5 --method ais --chains 100 --seed 3
grep -q 'rgflow rbm logz (ais): [0-9.]*% ' tty.txt || fail "rbm logz: no progress line on a terminal: $(tr '\r' '\n' <tty.txt | tail -3)"
grep -q '^log Z = ' <(tr '\r' '\n' <tty.txt | sed 's/\x1b\[K//g') || fail "rbm logz: no result: $(cat tty.txt)"
for method in exact tap2; do
  on_tty "$RGFLOW" rbm logz m.h5 --method "$method"
  grep -q "rgflow rbm logz ($method): [0-9.]*% " tty.txt || fail "rbm logz --method $method: no progress line: $(tr '\r' '\n' <tty.txt | tail -3)"
done
on_tty "$RGFLOW" rbm logz m.h5 --method ais --chains 100 --seed 3 --quiet
if grep -q '%' tty.txt; then fail "rbm logz --quiet printed progress: $(cat tty.txt)"; fi
on_tty "$RGFLOW" rbm logz m.h5 --method ais --chains 100 --seed 3 --json
if grep -q '%' tty.txt; then fail "rbm logz --json printed progress: $(cat tty.txt)"; fi
# Not a terminal: a short run prints nothing but its result on stderr.
"$RGFLOW" rbm loglik m.h5 data.csv --method ais --chains 100 --seed 3 >out.txt 2>err.txt
[[ ! -s err.txt ]] || fail "rbm loglik: stderr in a log for a short run: $(cat err.txt)"

"$RGFLOW" dbn train data.csv --layers 16,10,6 --epochs 30 --seed 1 -q -o dbn.h5 >/dev/null 2>train.err
on_tty "$RGFLOW" dbn flow dbn.h5 data.csv --log-z ais --chains 50
grep -q 'rgflow dbn flow (2 layers, log Z ais): [0-9.]*% ' tty.txt || fail "dbn flow: no progress line: $(tr '\r' '\n' <tty.txt | tail -3)"

# The line is cleared (CR, erase to end of line) before the results are printed.
grep -q $'\r\x1b\\[Klayer ' tty.txt || fail "dbn flow: the results do not start on a cleared line: $(cat -v tty.txt | tail -3)"

"$RGFLOW" ising sample --size 4 --temperature 2.5 --samples 300 -q -o lat.h5 >/dev/null
"$RGFLOW" dbn train lat.h5 --layers 16,8 --visible-type spin --hidden-type spin --epochs 5 -q -o ldbn.h5 >/dev/null 2>train.err
on_tty "$RGFLOW" rg free-energy-flow ldbn.h5 lat.h5 --log-z ais --chains 20
grep -q 'rgflow rg free-energy-flow (1 layers, log Z ais): [0-9.]*% ' tty.txt || fail "rg free-energy-flow: no progress line: $(tr '\r' '\n' <tty.txt | tail -3)"

on_tty "$RGFLOW" rg couplings m.h5 --max-exact-support 0 --samples 5000 --max-order 2
grep -q 'rgflow rg couplings (layer 0, visible side): [0-9.]*% ' tty.txt || fail "rg couplings: no progress line: $(tr '\r' '\n' <tty.txt | tail -3)"

on_tty "$RGFLOW" ising mcrg --size 32 --temperature 2.269 --samples 10000 --thermalize 200 --levels 2 --seed 1
grep -q 'rgflow ising mcrg: sampling L=32 T=2.269: [0-9.]*% ' tty.txt || fail "ising mcrg: no progress line: $(tr '\r' '\n' <tty.txt | tail -3)"

# --- PNG scale -------------------------------------------------------------------------------
png_size() {  # prints "WIDTH HEIGHT" from the IHDR chunk
  python3 -c 'import struct,sys; b=open(sys.argv[1],"rb").read(24); print(*struct.unpack(">II", b[16:24]))' "$1"
}
"$RGFLOW" rbm filters m.h5 -o f1.png --scale 1 >/dev/null
read -r w1 h1 < <(png_size f1.png)
# 12 tiles of 4x4 on a 4x3 grid with 1-pixel borders: 21 x 16 pixels.
[[ "$w1 $h1" == "21 16" ]] || fail "rbm filters --scale 1: $w1 x $h1, expected 21 x 16"
"$RGFLOW" rbm filters m.h5 -o f3.png --scale 3 >/dev/null
[[ "$(png_size f3.png)" == "63 48" ]] || fail "rbm filters --scale 3: $(png_size f3.png)"
"$RGFLOW" rbm filters m.h5 -o fa.png >/dev/null  # automatic: ceil(512 / 21) = 25 -> at most 16
[[ "$(png_size fa.png)" == "336 256" ]] || fail "rbm filters default scale: $(png_size fa.png)"
"$RGFLOW" rbm sample m.h5 --samples 4 --gibbs-steps 5 -o s.png --scale 2 >/dev/null
[[ "$(png_size s.png)" == "22 22" ]] || fail "rbm sample --scale 2: $(png_size s.png)"
expect_bad_input "scale out of range" bad.png "--scale" -- "$RGFLOW" rbm filters m.h5 -o bad.png --scale 65

# --- data columns and value range ------------------------------------------------------------
# Four pixels in 0..16 and a label column.
printf '0,16,16,0,3\n16,0,0,16,7\n0,16,16,0,3\n16,0,0,16,7\n' > px.csv
"$RGFLOW" rbm train px.csv --drop-columns -1 --value-range 0,16 --hidden 2 --epochs 2 -q -o px.h5 >/dev/null
"$RGFLOW" rbm loglik px.h5 px.csv --drop-columns 4 --value-range 0,16 --json >ll.json
json_check ll.json 'j["samples"] == 4' "rbm loglik with --drop-columns"
"$RGFLOW" rbm loglik px.h5 px.csv --columns :4 --value-range 0,16 --json >ll2.json
json_check ll2.json 'abs(j["log_likelihood"]["mean"] - '"$(json_get ll.json 'j["log_likelihood"]["mean"]')"') < 1e-12' "--columns :4 and --drop-columns 4 differ"
expect_bad_input "label column kept" bad.h5 "px.csv" -- "$RGFLOW" rbm train px.csv --value-range 0,16 --hidden 2 -o bad.h5
expect_bad_input "value outside the range" bad.h5 "outside the value range [0, 10]" -- "$RGFLOW" rbm train px.csv --drop-columns -1 --value-range 0,10 --hidden 2 -o bad.h5
expect_bad_input "malformed column list" bad.h5 "--columns" -- "$RGFLOW" rbm train px.csv --columns 1:x --hidden 2 -o bad.h5
expect_bad_input "column out of range" bad.h5 "column 9 does not exist" -- "$RGFLOW" rbm train px.csv --drop-columns 9 --hidden 2 -o bad.h5
expect_bad_input "empty value range" bad.h5 "--value-range" -- "$RGFLOW" rbm train px.csv --value-range 3,3 --hidden 2 -o bad.h5

DIGITS="${RGFLOW_SHARED_DATA_DIR:-$HERE/../../../shared/data}/digits/digits.csv.gz"
if [[ -f "$DIGITS" ]]; then
  "$RGFLOW" rbm train "$DIGITS" --drop-columns -1 --value-range 0,16 --binarize threshold \
    --hidden 16 --epochs 2 --seed 1 -q --json -o digits.h5 >digits.json 2>train.err
  json_check digits.json 'j["n_visible"] == 64' "digits: 64 visible units"
else
  echo "SKIP (shared data not found): digits CSV from the CLI" >&2
fi

# --- help text ---------------------------------------------------------------------------------
for cmd in "rbm train" "dbn train" "demo"; do
  # shellcheck disable=SC2086
  "$RGFLOW" $cmd --help >help.txt
  if grep -qE '\{(true|false)\}' help.txt; then fail "$cmd --help shows CLI11 flag defaults: $(grep -E '\{(true|false)\}' help.txt)"; fi
done
"$RGFLOW" rbm train --help >help.txt
grep -q -- '--tap-persistent,--no-tap-persistent' help.txt || fail "rbm train --help lacks --no-tap-persistent"

# --- rgflow demo's default output directory (the rule itself: tests/unit/test_run_default_dir.cpp)
"$RGFLOW" demo --help >help.txt
grep -q "next to the rgflow binary" help.txt || fail "demo --help does not document --dir's default"
echo "PASS"
