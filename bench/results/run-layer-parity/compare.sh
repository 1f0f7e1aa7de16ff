#!/bin/bash
# Parity of the CLI before and after the run/ layer (issue #15): the same commands with the base
# build (OLD) and this branch (NEW); JSON compared without time fields, text outputs byte for byte,
# output files (HDF5 datasets and attributes other than command/version, PNGs) bit for bit.
# Usage: OLD=/path/to/base/rgflow NEW=build/release/rgflow bash compare.sh
OLD=${OLD:?the rgflow binary of the base commit}
NEW=${NEW:?the rgflow binary of this branch}
set -e
HERE=$(cd "$(dirname "$0")" && pwd)
WORK=${WORK:-/tmp/run-layer-parity}
mkdir -p "$WORK" && cd "$WORK"
rm -rf w && mkdir w && cd w
/usr/bin/python3 - <<'PY'
import numpy as np
rng=np.random.default_rng(0)
p=rng.random((3,10))>0.5
X=(p[rng.integers(0,3,200)]^(rng.random((200,10))<0.1)).astype(np.float32)
np.savetxt("x.csv",X,delimiter=",",fmt="%g")
PY
strip() { /usr/bin/python3 -c '
import json,sys
def s(o):
    if isinstance(o,dict): return {k:s(v) for k,v in o.items() if k not in ("time","output","seconds")}
    if isinstance(o,list): return [s(v) for v in o]
    return o
print(json.dumps(s(json.load(open(sys.argv[1]))),sort_keys=True))' "$1"; }
run() { name=$1; shift; "$OLD" "$@" > "old_$name.json"; "$NEW" "$@" > "new_$name.json";
  if [[ $name == *text* ]]; then cmp -s old_$name.json new_$name.json && echo "same: $name" || { echo "DIFFER: $name"; diff old_$name.json new_$name.json | head -5; }; return; fi
  if [ "$(strip old_$name.json)" == "$(strip new_$name.json)" ]; then echo "same: $name"; else echo "DIFFER: $name"; diff <(strip old_$name.json) <(strip new_$name.json) | head -5; fi; }
run dbntrain_old dbn train x.csv --layers 10,6,4 --epochs 2,3 --batch-size 20 --seed 6 -q --json -o dold.h5
"$NEW" dbn train x.csv --layers 10,6,4 --epochs 2,3 --batch-size 20 --seed 6 -q --json -o dnew.h5 > /dev/null
"$OLD" dbn train x.csv --layers 10,6,4 --epochs 2,3 --batch-size 20 --seed 6 -q --json -o dold.h5 > /dev/null
/usr/bin/python3 "$HERE"/h5cmp.py dold.h5 dnew.h5
run flow dbn flow dold.h5 x.csv --json
run flowais dbn flow dold.h5 x.csv --log-z ais --chains 10 --betas 100 --propagate sample --seed 3 --json
"$OLD" dbn train x.csv --layers 10,5,3 --epochs 2 --seed 1 -q -o two.h5 >/dev/null
run bound dbn flow two.h5 x.csv --bound --json
run flowtext dbn flow two.h5 x.csv --bound
"$OLD" rbm train x.csv --hidden 9 --epochs 2 --seed 1 -q -o r.h5 >/dev/null
run coup rg couplings r.h5 --json
run coupchain rg couplings r.h5 --chain --max-order 3 --json
run coupmc rg couplings r.h5 --chain --max-exact-support 3 --samples 500 --seed 4 --json
run couphid rg couplings dold.h5 --layer 1 --side hidden --json
run couptext rg couplings r.h5 --chain --max-order 3
