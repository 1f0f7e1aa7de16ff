# The GEMM backend (include/rgflow/core/gemm.hpp, issue #24): --version names it; RGFLOW_GEMM picks
# one per run (an unknown name: one line, exit 2, no output); a trained model records it as the
# `gemm` attribute; and for each backend the model is the same bits on 1 and 2 threads.
source "$(dirname "$0")/common.sh" "$1"

"$RGFLOW" --version >v.txt
grep -Eq '^GEMM: (eigen|dnnl) ' v.txt || fail "no GEMM line: $(cat v.txt)"
RGFLOW_GEMM=eigen "$RGFLOW" --version | grep -q '^GEMM: eigen (RGFLOW_GEMM)' || fail "RGFLOW_GEMM=eigen not in --version"

expect_bad_input "unknown RGFLOW_GEMM" model_bad.h5 "RGFLOW_GEMM=blas-of-the-future" -- \
  env RGFLOW_GEMM=blas-of-the-future "$RGFLOW" rbm train missing.h5 --hidden 4 -o model_bad.h5

backends=(eigen)
if RGFLOW_GEMM=dnnl "$RGFLOW" --version >/dev/null 2>&1; then backends+=(dnnl); fi

"$RGFLOW" ising sample -L 8 -T 2.5 -n 400 --algorithm wolff --seed 3 -q -o ising.h5 >/dev/null
for b in "${backends[@]}"; do
  # 100 × 64 × 40 multiply-adds per product: above the size where every backend falls back to Eigen.
  for t in 1 2; do
    RGFLOW_GEMM=$b "$RGFLOW" rbm train ising.h5 --hidden 40 --epochs 3 --seed 2 --threads "$t" -q \
      -o "model_${b}_$t.h5" >/dev/null
  done
  if have_h5py "GEMM backend $b"; then
    "$PY_H5" - "model_${b}_1.h5" "model_${b}_2.h5" "$b" <<'PY' || fail "backend $b: models differ or do not record it"
import h5py, numpy as np, sys
a, b = (h5py.File(p, "r")["/rbm"] for p in sys.argv[1:3])
for key in ("weights", "visible_bias", "hidden_bias"):
    assert np.array_equal(a[key][()], b[key][()]), key
gemm = a.attrs["gemm"]
assert (gemm.decode() if isinstance(gemm, bytes) else gemm) == sys.argv[3], gemm
PY
  fi
done
echo "PASS (${backends[*]})"
