# Shared by the bench/mpi_*_scaling.sh scripts (sourced, not run): `timed`, one timed run of rgflow
# on 1 rank (without mpirun) or on NP ranks, 1 OpenMP thread per rank. Needs RGFLOW, OUT, MPIRUN.
mpi_flags=(--allow-run-as-root --oversubscribe -q --mca btl_vader_single_copy_mechanism none
           --bind-to none -x OMP_NUM_THREADS=1)
now() { date +%s.%N; }

# timed NAME NP ARGS...: one run on NP ranks (NP = 1: without mpirun); stdout to OUT/NAME.json, the
# user CPU seconds of rank k to OUT/cpu_NAME.k; prints the wall seconds.
timed() {
  local name="$1" np="$2"
  shift 2
  local t0 t1
  t0=$(now)
  if [[ "$np" == 1 ]]; then
    OMP_NUM_THREADS=1 /usr/bin/time -f %U -o "$OUT/cpu_$name.0" "$RGFLOW" "$@" >"$OUT/$name.json"
  else
    "$MPIRUN" "${mpi_flags[@]}" -np "$np" bash -c '/usr/bin/time -f %U -o "$0.$OMPI_COMM_WORLD_RANK" "$@"' \
      "$OUT/cpu_$name" "$RGFLOW" "$@" >"$OUT/$name.json"
  fi
  t1=$(now)
  echo "$t1 - $t0" | bc
}
