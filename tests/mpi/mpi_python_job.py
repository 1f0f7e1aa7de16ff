"""One rank of tests/mpi/test_mpi_python.sh: rgflow's comm= with mpi4py under mpirun.

Usage: python3 mpi_python_job.py MODE [PREFIX]   (every rank prints "rank R: ..." lines, also to
the file PREFIX.R when given, as mpirun may join lines of different ranks; exit 0 = passed)
  same       AIS, reverse AIS, exact log Z, log-likelihood and _core.ais_log_partition with
             comm=MPI.COMM_WORLD and with a split of it equal the same process's serial call
             (comm=None) bit for bit
  errors     in turn: rank 1 passes data with a wrong column count (its ValueError on rank 1,
             DistributedError naming rank 1 on the others); rank 1 passes another seed
             (rgflow.Error naming the difference on every rank); rank 1 fails (an exception from a
             signal handler) 1 s into a long AIS (its exception on rank 1, DistributedError on the
             others, well before the AIS would end); the same with KeyboardInterrupt
             (KeyboardInterrupt on every rank); then a good call equals the serial call
"""
import signal
import sys
import time

import numpy as np
from mpi4py import MPI

import rgflow

MODE = sys.argv[1]
WORLD = MPI.COMM_WORLD
RANK = WORLD.rank
REPORT = open(f"{sys.argv[2]}.{RANK}", "w") if len(sys.argv) > 2 else None


def say(text):
    print(f"rank {RANK}: {text}", flush=True)
    if REPORT:
        print(f"rank {RANK}: {text}", file=REPORT, flush=True)


def check(ok, what):
    if not ok:
        say(f"FAIL: {what}")
        sys.exit(1)


rng = np.random.default_rng(7)
X = (rng.random((200, 12)) < 0.3).astype(np.float32)
X[:, :4] = X[:, 4:8]  # some structure for the model to learn
model = rgflow.BernoulliRBM(n_components=10, n_iter=3, learning_rate=0.05, random_state=1).fit(X)
# 70 chains in batches of 25: 3 batches, 2 + 1 on 2 ranks, 1 + 1 + 1 on 3.
AIS = dict(chains=70, betas=300, seed=3, threads=1)


def bits(x):
    """x with every float as its bytes: equal bits <=> equal bits (NaN included)."""
    if isinstance(x, rgflow.Result):
        return ("Result", bits(x.mean), bits(x.error), bits(x.tau_int), x.n)
    if isinstance(x, dict):
        return {k: bits(v) for k, v in x.items()}
    if isinstance(x, (list, tuple)):
        return [bits(v) for v in x]
    if isinstance(x, np.ndarray):
        return (x.dtype.str, x.shape, x.tobytes())
    if isinstance(x, float):
        return np.float64(x).tobytes()
    return x


def same_bits(a, b):
    return bits(a) == bits(b)


def compare_all(comm, label):
    for method, data in (("ais", X), ("ais", None), ("reverse-ais", X), ("exact", None)):
        serial, sd = model.log_partition(method, data, return_details=True, **AIS)
        dist, dd = model.log_partition(method, data, return_details=True, comm=comm, **AIS)
        check(same_bits((serial, sd), (dist, dd)),
              f"{label} {method}: {dist} != serial {serial}")
    serial = model.log_likelihood(X, "ais", **AIS)
    dist = model.log_likelihood(X, "ais", comm=comm, **AIS)
    check(same_bits(serial, dist), f"{label} log_likelihood: {dist} != serial {serial}")
    base = rgflow._core.base_rate_model(model.rbm_, X)
    serial = rgflow._core.ais_log_partition(model.rbm_, base, 70, 300, 5, 1)
    dist = rgflow.collective(
        comm, lambda c: rgflow._core.ais_log_partition(model.rbm_, base, 70, 300, 5, 1, comm=c))
    check(same_bits(serial, dist), f"{label} _core.ais_log_partition differs from serial")
    say(f"ok: {label} ({comm.size} ranks) AIS, AIS uniform base, reverse AIS, exact, "
        f"log-likelihood, _core AIS equal the serial calls bit for bit "
        f"(log Z by AIS {serial['log_z'].mean!r})")


def expect_raise(fn, want, needle):
    start = time.monotonic()
    try:
        fn()
    except want as e:
        elapsed = time.monotonic() - start
        check(needle in str(e), f"{type(e).__name__} does not name {needle!r}: {e}")
        say(f"ok: raised {type(e).__name__} after {elapsed:.1f} s: {e}")
        return elapsed
    except BaseException as e:  # noqa: B036 -- the test reports any other outcome
        check(False, f"raised {type(e).__name__} ({e}), expected {want}")
    check(False, f"returned, expected {want}")


class Alarm(Exception):
    pass


def fail_in(seconds, exception):
    def handler(signum, frame):
        raise exception("the alarm went off")
    signal.signal(signal.SIGALRM, handler)
    signal.setitimer(signal.ITIMER_REAL, seconds)


LONG = dict(chains=50, betas=3_000_000, seed=1, threads=1)  # minutes if nobody stopped it

if MODE == "same":
    compare_all(WORLD, "COMM_WORLD")
    half = WORLD.Split(RANK % 2, RANK)
    compare_all(half, f"split {RANK % 2}")
    half.Free()
    # The script's own traffic on COMM_WORLD is untouched by rgflow's (it works on a duplicate).
    check(WORLD.allreduce(RANK) == WORLD.size * (WORLD.size - 1) // 2, "allreduce after rgflow")
elif MODE == "errors":
    # bad input: rank 1's data have 5 columns; it fails in the Python layer, before any collective.
    data = X if RANK != 1 else X[:, :5]
    expect_raise(lambda: model.log_likelihood(data, "ais", comm=WORLD, **LONG),
                 ValueError if RANK == 1 else rgflow.DistributedError,
                 "5 features" if RANK == 1 else "rank 1 of the distributed call failed: ValueError")
    # an inconsistent call: rank 1 passes another seed.
    options = dict(AIS, seed=3 + (RANK == 1))
    expect_raise(lambda: model.log_partition("ais", X, comm=WORLD, **options), rgflow.Error,
                 "rank 1 was given a different model, data or options than rank 0")
    # rank 1 fails, then is interrupted, 1 s into an AIS that would run for minutes.
    for exception in (Alarm, KeyboardInterrupt):
        if RANK == 1:
            fail_in(1.0, exception)
        want = exception if RANK == 1 or exception is KeyboardInterrupt else rgflow.DistributedError
        needle = "alarm" if RANK == 1 else ("rank 1 " if exception is Alarm else "rank 1 was interrupted")
        elapsed = expect_raise(lambda: model.log_partition("ais", X, comm=WORLD, **LONG), want, needle)
        check(elapsed < 20, f"took {elapsed:.1f} s to stop")
    # The communicator works as before after all that.
    serial = model.log_partition("ais", X, **AIS)
    check(same_bits(serial, model.log_partition("ais", X, comm=WORLD, **AIS)),
          "a call after the failures differs from the serial call")
    say("ok: a call after the failures equals the serial call bit for bit")
else:
    sys.exit(f"unknown mode {MODE}")
