#!/bin/bash
WORK=/tmp/vint/w$1; mkdir -p $WORK; cd $WORK
fail() { echo "FAIL: $*"; for p in "${RANKS[@]}"; do echo "== rank $p $(ps -o stat=,wchan= -p $p)"; gdb -p $p -batch -ex "thread apply all bt" 2>/dev/null | grep -E "^#" | head -40; done; exit 1; }
source /work/main/tests/cli/common.sh ${BIN:-/work/main/build/release/rgflow} >/dev/null
source /work/main/tests/mpi/mpi_common.sh /usr/bin/mpirun ON
fail() { echo "FAIL: $*"; exit 1; }
dump() { for p in $(pgrep -P $JOB) ; do echo "== rank $p $(ps -o stat=,wchan=,cmd= -p $p)"; gdb -p $p -batch -ex "thread apply all bt" 2>/dev/null | grep -E "^#" | head -60; done; }
wait_ended() { local w=0; while kill -0 $JOB 2>/dev/null; do if ((w>=300)); then echo HANG; ps -o pid,stat,wchan,cmd --ppid $JOB; dump; kill -9 $JOB "${RANKS[@]}"; fail hang; fi; sleep 0.1; w=$((w+1)); done; }
trap - EXIT; echo "WORK $WORK"; cp /tmp/vint/long.toml .
rm -rf int
start_mpi_job int 2 "$RGFLOW" vrg run --config long.toml -o int --no-figures --threads 1 -q
sleep ${2:-1}
kill -INT "${RANKS[@]}" 2>/dev/null || true
end_job int
[[ $STATUS == 130 ]] || fail "exit $STATUS $(cat int.err)"
echo ok
