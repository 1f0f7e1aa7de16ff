# rgflow sandpile recurrent | run | stats | rg and rgflow lppl synth | fit | coverage: exact
# counts, the JSON contracts of issue #23, reproducibility across thread counts, Dhar's exact mean
# avalanche size, and bad input -> exit 2 with one "rgflow: error:" line and no output file.
source "$(dirname "$0")/common.sh" "$1"

# recurrent: enumeration = det(Delta) (shared/REFERENCES.md: 192, 100352).
"$RGFLOW" sandpile recurrent --size 2 --json >r2.json
json_check r2.json 'j["count"] == 192 and j["det"] == 192' "L=2 count"
"$RGFLOW" sandpile recurrent --size 3 --json >r3.json
json_check r3.json 'j["count"] == 100352 and j["matches_det"]' "L=3 count"
"$RGFLOW" sandpile recurrent --size 4 --json >r4.json
json_check r4.json 'j["count"] == j["det"] and abs(sum(j["height_probabilities"]) - 1) < 1e-12' "L=4 count"
"$RGFLOW" sandpile recurrent --size 3 --method brute --json >r3b.json
json_check r3b.json 'j["count"] == 100352 and j["burning_tests"] == 4**9' "L=3 brute"
echo "ok: recurrent"

# run: the JSON keys of the issue, estimates {mean, error}; mean size vs Dhar within 4 sigma.
"$RGFLOW" sandpile run --size 16 --grains 20000 --seed 3 --bootstrap 40 --json >run.json
json_check run.json 'len(j["height_distribution"]) == 4 and all(set(h) == {"mean", "error"} for h in j["height_distribution"])' "height_distribution"
json_check run.json 'set(j["mean_height"]) == {"mean", "error"} and j["avalanches"] > 0 and j["topplings"] > 0' "mean_height, avalanches, topplings"
json_check run.json 'abs(j["mean_size"]["mean"] - j["mean_size_exact"]) < 4 * j["mean_size"]["error"]' "mean size vs Dhar"
json_check run.json 'j["seed"] == 3 and j["L"] == 16 and j["grains"] == 20000 and j["transient"] == 0' "parameters"
json_check run.json 'set(j["fits"]["size"]["tau"]) == {"mean", "error"}' "size fit"
"$RGFLOW" sandpile run -L 16 -n 2000 --seed 3 | grep -q "topplings per grain" || fail "text output of run"
strip() { grep -v -e '"seconds"' -e '"topplings_per_second"' "$1"; }
OMP_NUM_THREADS=1 "$RGFLOW" sandpile run -L 20 -n 8000 --lattices 6 --seed 9 --json >t1.json
OMP_NUM_THREADS=2 "$RGFLOW" sandpile run -L 20 -n 8000 --lattices 6 --seed 9 --json >t2.json
cmp -s <(strip t1.json) <(strip t2.json) || fail "1 and 2 threads differ"
"$RGFLOW" sandpile run -L 20 -n 8000 --lattices 6 --seed 10 --json >t3.json
cmp -s <(strip t1.json) <(strip t3.json) && fail "different seeds, same output"
"$RGFLOW" sandpile run -L 12 -n 4000 --start empty --seed 1 --json >empty.json
json_check empty.json 'j["start"] == "empty" and j["transient"] == 4 * 144' "documented transient of the empty start"
echo "ok: run"

# run -o + stats: heights extrapolated, mean-size check, moment analysis, plots.
for L in 8 16 32; do
  "$RGFLOW" sandpile run -L $L -n 40000 --seed 1 --bootstrap 20 -q -o "run$L.json" >/dev/null
done
json_check run16.json '"raw" in j and "provenance" in j and len(j["raw"]["block_avalanches"]) == 32' "run file"
"$RGFLOW" sandpile stats run8.json run16.json run32.json --order 1 --plot fss --json >stats.json
json_check stats.json 'set(j["exponents"]["size"]["tau"]) >= {"mean", "error"} and j["exponents"]["sizes"] == [8, 16, 32]' "exponents"
json_check stats.json 'len(j["heights"]["probabilities"]) == 4 and "mean_height" in j["heights"]' "heights"
json_check stats.json 'all(abs(c["deviation_sigma"]) < 4 for c in j["mean_size_check"])' "mean size check"
for p in size collapse sigma heights; do [[ -s "fss_$p.png" ]] || fail "missing fss_$p.png"; done
"$RGFLOW" sandpile rg -L 16 -n 4000 --blocks 1,2,4 --height-samples 40 --seed 2 --json >rg.json
json_check rg.json '[l["b"] for l in j["levels"]] == [1, 2, 4] and j["levels"][0]["p_k"][4]["mean"] == 1.0' "rg levels"
echo "ok: stats, rg"

# lppl: synth -> fit recovers t_c within its interval; JSON contract.
"$RGFLOW" lppl synth --tc 1.1 --m 0.5 --omega 9 --C 0.05 --points 150 --noise 0.005 --seed 4 -o series.csv
"$RGFLOW" lppl fit series.csv --bootstrap 40 --seed 1 --plot fit.png --json >fit.json
json_check fit.json 'all(set(j[k]) >= {"mean", "lower", "upper"} for k in ["t_c", "m", "omega"])' "lppl JSON keys"
json_check fit.json 'j["t_c"]["lower"] <= j["t_c"]["mean"] <= j["t_c"]["upper"] and abs(j["t_c"]["mean"] - 1.1) < 4 * j["t_c"]["error"]' "t_c recovered"
[[ -s fit.png ]] || fail "fit plot"
"$RGFLOW" lppl coverage --series 4 --points 60 --bootstrap 20 --starts 6 --bootstrap-starts 2 --json >cov.json
json_check cov.json 'j["series"] == 4 and set(j["coverage"]["t_c"]) >= {"mean", "error"}' "coverage JSON"
echo "ok: lppl"

# Bad input.
expect_bad_input "size 0" - "--size" -- "$RGFLOW" sandpile run --size 0 --grains 10
expect_bad_input "size text" - "--size" -- "$RGFLOW" sandpile run --size abc --grains 10
expect_bad_input "negative grains" - "--grains" -- "$RGFLOW" sandpile run --size 8 --grains -1
expect_bad_input "absurd grains" - "--grains" -- "$RGFLOW" sandpile run --size 8 --grains 300000000000
expect_bad_input "start" - "--start" -- "$RGFLOW" sandpile run --size 8 --grains 10 --start sideways
expect_bad_input "lattices" - "--lattices" -- "$RGFLOW" sandpile run --size 8 --grains 10 --lattices 0
expect_bad_input "output dir" - "nodir/x.json" -- "$RGFLOW" sandpile run --size 8 --grains 10 -o nodir/x.json
expect_bad_input "output ext" out.txt "out.txt" -- "$RGFLOW" sandpile run --size 8 --grains 10 -o out.txt
expect_bad_input "stats missing" - "missing.json" -- "$RGFLOW" sandpile stats missing.json
echo '{"L": 8' >corrupt.json
expect_bad_input "stats corrupt" - "corrupt.json" -- "$RGFLOW" sandpile stats corrupt.json
echo '{"L": 8}' >notarun.json
expect_bad_input "stats not a run" - "notarun.json" -- "$RGFLOW" sandpile stats notarun.json
expect_bad_input "stats q range" - "--q-min" -- "$RGFLOW" sandpile stats run8.json run16.json --q-min 3 --q-max 2
expect_bad_input "recurrent size" - "--size" -- "$RGFLOW" sandpile recurrent --size 5
expect_bad_input "recurrent method" - "--method" -- "$RGFLOW" sandpile recurrent --size 3 --method magic
expect_bad_input "rg blocks" - "--blocks" -- "$RGFLOW" sandpile rg --size 16 --grains 1000 --blocks 3
expect_bad_input "rg blocks text" - "--blocks" -- "$RGFLOW" sandpile rg --size 16 --grains 1000 --blocks 2,x
expect_bad_input "lppl missing" - "nothere.csv" -- "$RGFLOW" lppl fit nothere.csv
printf 't,y\n1,2\n2,3\n' >short.csv
expect_bad_input "lppl short" - "short.csv" -- "$RGFLOW" lppl fit short.csv
{ echo "t,y"; for i in $(seq 1 20); do echo "$((20 - i)),1"; done; } >decreasing.csv
expect_bad_input "lppl decreasing" - "decreasing.csv" -- "$RGFLOW" lppl fit decreasing.csv
{ echo "t,y"; for i in $(seq 1 20); do echo "$i,nan"; done; } >nan.csv
expect_bad_input "lppl nan" - "nan.csv" -- "$RGFLOW" lppl fit nan.csv
expect_bad_input "lppl level" - "--level" -- "$RGFLOW" lppl fit series.csv --level 2
expect_bad_input "lppl bootstrap" - "--bootstrap" -- "$RGFLOW" lppl fit series.csv --bootstrap 5
expect_bad_input "lppl m range" - "--m-min" -- "$RGFLOW" lppl fit series.csv --m-min 0.9 --m-max 0.1
expect_bad_input "lppl plot ext" fit.txt "fit.txt" -- "$RGFLOW" lppl fit series.csv --plot fit.txt
expect_bad_input "synth tc" s2.csv "--tc" -- "$RGFLOW" lppl synth --tc 0.5 -o s2.csv
expect_bad_input "coverage series" - "--series" -- "$RGFLOW" lppl coverage --series 0
echo "ok: bad input"
