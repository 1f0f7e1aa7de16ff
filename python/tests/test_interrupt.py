"""Ctrl-C stops long calls: training and Gibbs sampling check for signals with the GIL released
(simulated with _thread.interrupt_main, which trips SIGINT's handler as a key press does)."""
import _thread
import threading

import numpy as np
import pytest

import rgflow


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
