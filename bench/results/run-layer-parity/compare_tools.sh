#!/bin/bash
# Parity of the CLI before and after moving rg receptive-fields | flow | free-energy-flow,
# hopfield recall | capacity, conv logz | loglik, sandpile stats and autoencoder reconstruct into
# the library's service layer (issue #15, second part): the same commands with the base build
# (OLD, main at 4499eb3) and this tree (NEW); stdout+stderr and exit status compared byte for byte,
# sandpile stats' PNGs bit for bit. Usage: OLD=/path/to/base/rgflow NEW=build/release/rgflow bash compare_tools.sh
OLD=${OLD:?the rgflow binary of the base commit}
NEW=${NEW:?the rgflow binary of this tree}
WORK=${WORK:-/tmp/run-tools-parity}
rm -rf "$WORK" && mkdir -p "$WORK" && cd "$WORK" || exit 1
$NEW ising sample -L 6 -T 2.3 -n 300 --algorithm wolff --seed 3 -q -o s.h5 >/dev/null
$NEW rbm train s.h5 --hidden 8 --visible-type spin --epochs 3 --seed 2 -q -o rbm.h5 >/dev/null
$NEW dbn train s.h5 --layers 36,12,4 --visible-type spin --epochs 2 --seed 3 -q -o dbn.h5 >/dev/null
$NEW hopfield store s.h5 -o hop.h5 >/dev/null
$NEW conv bonds --lattice 4 --coupling 0.4 -o bonds.h5 >/dev/null
$NEW ising sample -L 4 -T 2.269 -n 200 --seed 5 -q -o s4.h5 >/dev/null
$NEW conv train s4.h5 --epochs 2 --seed 1 -q -o c4.h5 >/dev/null
/usr/bin/python3 -c "
import numpy as np; r=np.random.default_rng(1); np.savetxt('x01.csv', (r.random((200,36))<0.3).astype(float), delimiter=',', fmt='%g')"
$NEW autoencoder train x01.csv --hidden 10 --epochs 2 --seed 1 -q -o ae.h5 >/dev/null
for L in 8 16 32; do $NEW sandpile run -L $L -n 20000 --seed 1 --bootstrap 10 -q -o run$L.json >/dev/null; done
run() { name=$1; shift; "$OLD" "$@" >old.$name 2>&1; echo "rc $?" >>old.$name; "$NEW" "$@" >new.$name 2>&1; echo "rc $?" >>new.$name
  if cmp -s old.$name new.$name; then echo "same $name: $*"; else echo "DIFFER $name: $*"; diff old.$name new.$name | head -5; fi; }
run rf1 rg receptive-fields dbn.h5 --lattice 6 --json
run rf2 rg receptive-fields rbm.h5 --lattice 6 --permutations 20 --seed 3
run rf3 rg receptive-fields rbm.h5 --lattice 5
run fl1 rg flow rbm.h5 s.h5 --steps 4 --json
run fl2 rg flow rbm.h5 s.h5 --propagate sample --seed 3 --rows 50
run fl3 rg flow hop.h5 s.h5 --map hopfield --hopfield-temperature 0 --propagate sample --json
run fl4 rg flow hop.h5 s.h5 --map nmf
run fl5 rg flow hop.h5 s4.h5 --map hopfield
run fl6 rg flow hop.h5 s.h5 --map hopfield --propagate mean --hopfield-temperature 1.5
run fe1 rg free-energy-flow dbn.h5 s.h5 --json
run fe2 rg free-energy-flow rbm.h5 s.h5 --log-z ais --chains 8 --betas 100 --samples 300 --seed 2
run fe3 rg free-energy-flow rbm.h5 s.h5 --temperature -1
run hr1 hopfield recall hop.h5 --flip 0.2 --seed 3 --json
run hr2 hopfield recall hop.h5 s.h5 --dynamics sync
run hr3 hopfield recall hop.h5 --flip 2
run hc1 hopfield capacity --neurons 100 --loads 0.05:0.3:6 --trials 4 --seed 2 --json -q
run hc2 hopfield capacity --neurons 100,200 --loads 0.05:0.35:7 --trials 4 --threshold 0.9 -q
run hc3 hopfield capacity --neurons 60,120 --loads 0.05:0.3:6 --trials 4 --seed 3 --threshold 0.7 --json
run cz1 conv logz bonds.h5 --json
run cz2 conv logz bonds.h5 --method ais --chains 8 --betas 200 --json
run cz3 conv logz c4.h5 --method reverse-ais --data s4.h5 --chains 8 --betas 200
run cz4 conv logz c4.h5 --method magic
run cz5 conv logz c4.h5 --method reverse-ais
run cl1 conv loglik c4.h5 s4.h5 --json
run cl2 conv loglik c4.h5 s4.h5 --method ais --chains 8 --betas 100
run cl3 conv loglik bonds.h5 s4.h5 --json
run ae1 autoencoder reconstruct ae.h5 x01.csv --steps 3 --json
run ae2 autoencoder reconstruct ae.h5 x01.csv --steps 2
mkdir -p pold pnew
run st1 sandpile stats run8.json run16.json run32.json --order 1 --json
run st2 sandpile stats run8.json run16.json run32.json --order 1
run st3 sandpile stats run8.json run16.json
run st4 sandpile stats run8.json --order 3
"$OLD" sandpile stats run8.json run16.json run32.json --order 1 --plot pold/fss >/dev/null
"$NEW" sandpile stats run8.json run16.json run32.json --order 1 --plot pnew/fss >/dev/null
for f in pold/*.png; do cmp -s "$f" "pnew/${f#pold/}" && echo "same ${f#pold/}" || echo "DIFFER ${f#pold/}"; done
