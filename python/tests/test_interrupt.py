"""Ctrl-C stops long calls: training and Gibbs sampling check for signals with the GIL released
(simulated with _thread.interrupt_main, which trips SIGINT's handler as a key press does), and so
do the estimators (AIS, exact log Z, TAP, the DBN flow) and Ising sampling, which poll through
rgflow's StopPoll (SIGINT sent to the process with os.kill).

For the estimators a long call is interrupted 0.3 s after it starts; KeyboardInterrupt must come
well before the call could have finished: the uninterrupted duration is estimated from a timed run
of the same call at a size `ratio` times smaller (its cost is linear in that size), and the
interrupted call must take less than a quarter of it. The estimate includes the small run's fixed
overheads, so it errs long, and the bound is then ~10x the expected 0.3-0.4 s; a call that ignores
Ctrl-C runs to completion and fails it. Afterwards the same object must give the same result for
a short call as before the interruption."""
import _thread
import os
import signal
import threading
import time

import numpy as np
import pytest

import rgflow
from rgflow import _core


def interrupt_soon():
    timer = threading.Timer(0.3, _thread.interrupt_main)
    timer.start()
    return timer


def test_fit_stops_on_ctrl_c_and_leaves_a_usable_model():
    X = (np.random.default_rng(0).random((2000, 64)) < 0.3).astype(np.float32)
    est = rgflow.BernoulliRBM(n_components=64, n_iter=100000, batch_size=10, random_state=0)
    timer = interrupt_soon()
    with pytest.raises(KeyboardInterrupt):
        est.fit(X)
    timer.join()
    assert np.all(np.isfinite(est.components_))
    assert est.transform(X[:3]).shape == (3, 64)


def test_sampling_stops_on_ctrl_c():
    est = rgflow.BernoulliRBM(n_components=32, n_iter=1, random_state=0).fit(
        (np.random.default_rng(1).random((50, 32)) < 0.5).astype(float))
    timer = interrupt_soon()
    with pytest.raises(KeyboardInterrupt):
        est.sample(200, gibbs_steps=10**9, seed=0)
    timer.join()


def test_dbn_training_stops_on_ctrl_c():
    X = (np.random.default_rng(2).random((2000, 64)) < 0.3).astype(np.float32)
    dbn = rgflow.DBN(layers=(64, 32), n_iter=100000, batch_size=10, random_state=0)
    timer = interrupt_soon()
    with pytest.raises(KeyboardInterrupt):
        dbn.fit(X)
    timer.join()


# ---------------------------------------------------------------------------------------------
# Estimators and Ising sampling (StopPoll).

DELAY = 0.3  # seconds from the start of the long call to SIGINT


def seconds(call):
    start = time.perf_counter()
    call()
    return time.perf_counter() - start


def assert_interrupted_early(long_call, small_call, ratio):
    """Runs small_call (timed), then long_call with SIGINT after DELAY: KeyboardInterrupt must be
    raised in less than a quarter of the long call's estimated duration, ratio * t(small)."""
    full = ratio * seconds(small_call)
    assert full > 8 * DELAY, f"the long call ({full:.2f} s estimated) is too short to interrupt"
    timer = threading.Timer(DELAY, os.kill, (os.getpid(), signal.SIGINT))
    start = time.perf_counter()
    timer.start()
    try:
        with pytest.raises(KeyboardInterrupt):
            long_call()
    finally:
        timer.join()
    elapsed = time.perf_counter() - start
    print(f"interrupted after {elapsed:.2f} s of an estimated {full:.2f} s")
    assert elapsed < full / 4, (
        f"Ctrl-C took {elapsed:.2f} s to stop a call estimated at {full:.2f} s uninterrupted")


def random_rbm(n_visible, n_hidden, seed, scale=0.1):
    rng = np.random.default_rng(seed)
    return rgflow.Rbm.from_parameters(
        (scale * rng.standard_normal((n_visible, n_hidden))).astype(np.float32),
        (0.1 * rng.standard_normal(n_visible)).astype(np.float32),
        (0.1 * rng.standard_normal(n_hidden)).astype(np.float32))


def binary_rows(n, n_visible, seed):
    return (np.random.default_rng(seed).random((n, n_visible)) < 0.3).astype(np.float32)


@pytest.mark.parametrize("method", ["ais", "reverse-ais"])
def test_ais_stops_on_ctrl_c_and_the_model_stays_usable(method):
    est = rgflow.BernoulliRBM(n_components=40, n_iter=1, random_state=0).fit(binary_rows(200, 100, 3))
    X = binary_rows(200, 100, 4)

    def logz(betas, chains=40, seed=1):
        return est.log_partition(method, X, chains=chains, betas=betas, seed=seed, threads=2)

    before = logz(200, chains=10)
    assert_interrupted_early(lambda: logz(400_000), lambda: logz(4_000), ratio=100)
    after = logz(200, chains=10)
    assert (after.mean, after.error) == (before.mean, before.error)


def test_exact_log_z_stops_on_ctrl_c():
    small = random_rbm(120, 20, seed=5)  # 2^20 hidden states
    big = random_rbm(120, 28, seed=5)    # 2^28: 256 times the work
    before = _core.exact_log_partition(small, threads=2)
    assert_interrupted_early(lambda: _core.exact_log_partition(big, threads=2),
                             lambda: _core.exact_log_partition(small, threads=2), ratio=256)
    assert _core.exact_log_partition(small, threads=2) == before


def test_tap_estimate_stops_on_ctrl_c():
    # Every start runs exactly max_iterations sweeps: 1e-300 is never reached (damping 0.999
    # leaves changes far above it, and an exact float fixed point is not reached in this budget).
    rbm = random_rbm(300, 200, seed=6, scale=0.05)
    starts = binary_rows(8, 300, 7)

    def tap(iterations):
        return _core.tap_fixed_point(rbm, order=3, max_iterations=iterations, damping=0.999,
                                     tolerance=1e-300, start=starts[0].astype(np.float64))

    short = tap(200)
    assert short["iterations"] == 200 and not short["converged"]
    assert_interrupted_early(lambda: tap(200_000), lambda: tap(2_000), ratio=100)
    again = tap(200)
    assert np.array_equal(again["visible"], short["visible"])


@pytest.mark.parametrize("algorithm, chains, rounds",
                         [("metropolis-scalar", 2, 80_000), ("metropolis", 128, 20_000)])
def test_ising_sampling_stops_on_ctrl_c_on_two_threads(algorithm, chains, rounds):
    # Two threads, chains spread over both: chain 0 (the progress chain) may run on a worker,
    # the poll runs on this (the calling) thread only.
    def sample(samples, L=64):
        return rgflow.ising.sample(L, 2.3, algorithm=algorithm, samples=samples, chains=chains,
                                   thermalize=0, seed=3, keep_spins=False, threads=2)

    per_round = chains
    before = sample(4 * per_round, L=8)
    assert_interrupted_early(lambda: sample(rounds * per_round),
                             lambda: sample(rounds // 100 * per_round), ratio=100)
    after = sample(4 * per_round, L=8)
    assert np.array_equal(after.energy, before.energy)
    assert np.array_equal(after.magnetization, before.magnetization)


def test_dbn_free_energy_flow_stops_on_ctrl_c():
    X = binary_rows(300, 64, 8)
    dbn = rgflow.DBN(layers=(48, 40), n_iter=1, random_state=0).fit(X)

    def flow(betas):
        return dbn.free_energy_flow(X, log_z="ais", chains=40, betas=betas)

    before = flow(100)
    assert_interrupted_early(lambda: flow(200_000), lambda: flow(2_000), ratio=100)
    after = flow(100)
    assert [f["log_z"].mean for f in after] == [f["log_z"].mean for f in before]
