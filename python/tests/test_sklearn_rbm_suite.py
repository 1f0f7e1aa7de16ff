"""scikit-learn's own BernoulliRBM tests, unchanged, against rgflow.BernoulliRBM (issue #21 item 2).

The installed scikit-learn's ``sklearn/neural_network/tests/test_rbm.py`` is read from its package
directory and executed, text unchanged, as the body of a module while
``sklearn.neural_network.BernoulliRBM`` is bound to :class:`rgflow.BernoulliRBM`, so that its
``from sklearn.neural_network import BernoulliRBM`` picks up rgflow's class. Every ``test_*``
function it defines (with its ``pytest.mark.parametrize`` marks) becomes a test of this module.

The tests listed in ``RNG_BOUND`` compare numbers that come out of scikit-learn's own random
stream (NumPy's RandomState driving its initialisation and sampling); rgflow draws from its
Philox streams, so those assertions cannot hold number for number. They run, marked strictly as
expected failures (``strict=True``: a pass would flag the list as stale), and docs/python.md
("scikit-learn's test_rbm.py") lists them with the reason. The parts of them that do not depend
on the stream are checked by the companion tests at the end of this file.
"""
import importlib.util
import os

import numpy as np
import pytest
import sklearn.neural_network

import rgflow

_SPEC = importlib.util.find_spec("sklearn.neural_network")
_PATH = os.path.join(os.path.dirname(_SPEC.origin), "tests", "test_rbm.py")

# test name -> why its assertion depends on scikit-learn's random stream (docs/python.md).
RNG_BOUND = {
    "test_fit_gibbs": "asserts components_ == [[0.02649814], [0.02009084]] to 4 decimals: the "
                      "weights scikit-learn reaches from RandomState(42)'s N(0, 0.01) draws and "
                      "its sampling sequence; rgflow draws from its own Philox streams",
}


def _load_sklearn_tests():
    """The test functions of scikit-learn's test_rbm.py, executed with rgflow's class."""
    with open(_PATH, encoding="utf-8") as f:
        source = f.read()
    namespace = {"__name__": "sklearn_test_rbm_on_rgflow", "__file__": _PATH}
    original = sklearn.neural_network.BernoulliRBM
    sklearn.neural_network.BernoulliRBM = rgflow.BernoulliRBM
    try:
        exec(compile(source, _PATH, "exec"), namespace)  # noqa: S102 - scikit-learn's own file
    finally:
        sklearn.neural_network.BernoulliRBM = original
    assert namespace["BernoulliRBM"] is rgflow.BernoulliRBM
    return {k: v for k, v in namespace.items() if k.startswith("test_") and callable(v)}


if os.path.exists(_PATH):
    _TESTS = _load_sklearn_tests()
    for _name, _fn in _TESTS.items():
        if _name in RNG_BOUND:
            _fn = pytest.mark.xfail(reason=RNG_BOUND[_name], raises=AssertionError,
                                    strict=True)(_fn)
        globals()[_name] = _fn
    del _name, _fn
else:  # scikit-learn installed without its tests
    _TESTS = {}

    def test_sklearn_test_rbm_is_installed():
        pytest.skip(f"{_PATH} is absent (scikit-learn installed without its tests)")


def test_the_suite_was_loaded_and_the_list_is_current():
    if not _TESTS:
        pytest.skip(f"{_PATH} is absent")
    assert len(_TESTS) >= 10
    assert set(RNG_BOUND) <= set(_TESTS), set(RNG_BOUND) - set(_TESTS)


def test_fit_gibbs_without_the_rng_bound_numbers():
    """test_fit_gibbs's checks that do not depend on scikit-learn's stream: a dense and a sparse
    fit from the same seed give the same weights, and one Gibbs step from the same stream state
    gives the same draws for dense and sparse input, in the input's shape. (Its
    ``gibbs(X) == X`` is a property of the draws of RandomState(42) too: with weights of 0.02 the
    step reproduces [[0], [1]] only by luck, as its own "very seed-dependent" comment says.)"""
    from scipy.sparse import csc_matrix

    X = np.array([[0.0], [1.0]])
    Xs = csc_matrix(X)
    rbm1 = rgflow.BernoulliRBM(n_components=2, batch_size=2, n_iter=42,
                               random_state=np.random.RandomState(42)).fit(X)
    rbm2 = rgflow.BernoulliRBM(n_components=2, batch_size=2, n_iter=42,
                               random_state=np.random.RandomState(42)).fit(Xs)
    np.testing.assert_array_equal(rbm1.components_, rbm2.components_)
    dense, sparse = rbm1.gibbs(X), rbm2.gibbs(Xs)
    assert dense.shape == sparse.shape == X.shape
    np.testing.assert_array_equal(dense, sparse)
    assert set(np.unique(dense)) <= {0.0, 1.0}
    row = rbm1.gibbs(X[1])
    assert row.shape == (1,)
