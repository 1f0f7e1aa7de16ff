#!/bin/bash
ulimit -c unlimited; export OMPI_MCA_opal_signal=""
n=0
for i in $(seq 1 60); do
  BIN=/work/main/build/rdbg/rgflow RGFLOW_GEMM=${GEMM:-} timeout 120 ./t.sh 9 $(python3 -c "import random;print(round(random.uniform(0.2,2.5),2))") > /tmp/vint/L$i.log 2>&1
  w=$(grep "^WORK" /tmp/vint/L$i.log | cut -d' ' -f2)
  if grep -q "^ok$" /tmp/vint/L$i.log; then rm -rf "$w"; else echo "run $i $w"; n=$((n+1)); ((n>=3)) && break; fi
done
echo fin $i
