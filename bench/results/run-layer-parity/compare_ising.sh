#!/bin/bash
# Parity of the ising commands before and after the run/ layer (issue #15); see compare.sh.
# Usage: OLD=/path/to/base/rgflow NEW=build/release/rgflow bash compare_ising.sh
OLD=${OLD:?the rgflow binary of the base commit}
NEW=${NEW:?the rgflow binary of this branch}
HERE=$(cd "$(dirname "$0")" && pwd)
WORK=${WORK:-/tmp/run-layer-parity}
mkdir -p "$WORK" && cd "$WORK" && rm -rf wi && mkdir wi && cd wi
strip() { /usr/bin/python3 -c '
import json,sys
def s(o):
    if isinstance(o,dict): return {k:s(v) for k,v in o.items() if k not in ("time","seconds")}
    if isinstance(o,list): return [s(v) for v in o]
    return o
print(json.dumps(s(json.load(open(sys.argv[1]))),sort_keys=True))' "$1"; }
run() { name=$1; shift; (mkdir -p old && cd old && "$OLD" "$@" > "../old_$name.out" 2>&1); (mkdir -p new && cd new && "$NEW" "$@" > "../new_$name.out" 2>&1)
  if [[ $name == *text* ]]; then cmp -s old_$name.out new_$name.out && echo "same: $name" || { echo "DIFFER: $name"; diff old_$name.out new_$name.out | head -5; }; return; fi
  if [ "$(strip old_$name.out)" == "$(strip new_$name.out)" ]; then echo "same: $name"; else echo "DIFFER: $name"; diff <(strip old_$name.out) <(strip new_$name.out) | head -5; fi; }
run s1 ising sample -L 8 -T 2.5 -n 300 --seed 3 --json -o s.h5
run s2 ising sample -L 6 -T 2.2 -n 200 --algorithm wolff --seed 4 --json
run s3text ising sample -L 6 -T 2.2 -n 200 --algorithm sw --seed 4 --field 0 -J -1
run s4 ising sample -L 5 -T 2.2 -n 200 --algorithm metropolis-scalar --field 0.1 --seed 4 --json
run scan ising sample -L 4,6 -T 2.0:2.6:4 -n 300 --thermalize 50 --seed 5 --json -o sc.h5 --plot pl
run scantext ising sample -L 4,6 -T 2.0:2.6:3 -n 300 --thermalize 50 --seed 5
run ex ising exact -L 8 -T 2.3 --json
run extext ising exact -L 8 -T 2.269185314213022
run obs ising observe s.h5 --json
run obs2 ising observe s.h5 -T 3 -J 2 --field 0.5 --chains 2 --json
run obstext ising observe s.h5
run blk ising block s.h5 -b 2 --seed 3 -o b.h5
run mc ising mcrg s.h5 --levels 1 --json
run mctext ising mcrg s.h5 --levels 1 --chains 4
run mc2 ising mcrg -L 8 -T 2.27 -n 300 --levels 1 --seed 2 --json
run mc3 ising mcrg s.h5 --levels 1 --rule decimation,majority --json
run mc4text ising mcrg s.h5 --levels 1 --rule decimation --seed 3
run mc5text ising mcrg -L 8 -T 2.27 -n 300 --levels 1 --seed 2 --algorithm wolff
run err3text ising mcrg s.h5 --levels 1 --chains 400
run err4text ising mcrg -L 8 -T 2.27 -n 300 --levels 3 --seed 2
run err1text ising observe s.h5 --chains 301
run err2text ising block s.h5 -b 3 -o b3.h5
for f in s.h5 sc_L4_T0.h5 sc_L6_T3.h5 b.h5 pl_energy.png pl_binder.png pl_abs_magnetization.png; do
  if [[ $f == *.png ]]; then cmp -s old/$f new/$f && echo "same: $f" || echo "DIFFER: $f"; else /usr/bin/python3 "$HERE"/h5cmp.py old/$f new/$f; fi
done
