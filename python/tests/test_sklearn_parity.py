"""scikit-learn parity of rgflow.BernoulliRBM beyond scikit-learn's own test_rbm.py (issue #21
item 2): sparse input everywhere scikit-learn takes it, gibbs() shapes, scikit-learn's internal
methods and attributes, partial_fit's learning rate, and the verbose line."""
import re
import warnings

import numpy as np
import pytest
import scipy.sparse as sp

import rgflow


@pytest.fixture(scope="module")
def digits():
    from sklearn.datasets import load_digits
    X, _ = load_digits(return_X_y=True)
    return (X[:200] / 16.0).astype(np.float64)


def quiet_fit(est, X):
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", RuntimeWarning)
        return est.fit(X)


@pytest.mark.parametrize("fmt", [sp.csr_matrix, sp.csc_matrix, sp.lil_matrix, sp.coo_matrix])
def test_sparse_input_gives_the_dense_results(digits, fmt):
    X = digits
    Xs = fmt(X)
    kw = dict(n_components=16, batch_size=20, n_iter=3, random_state=3)
    dense = quiet_fit(rgflow.BernoulliRBM(**kw), X)
    sparse = quiet_fit(rgflow.BernoulliRBM(**kw), Xs)
    np.testing.assert_array_equal(dense.components_, sparse.components_)
    np.testing.assert_array_equal(dense.transform(X), sparse.transform(Xs))
    np.testing.assert_array_equal(dense.score_samples(X), sparse.score_samples(Xs))
    np.testing.assert_array_equal(dense.free_energy(X), sparse.free_energy(Xs))
    np.testing.assert_array_equal(dense._mean_hiddens(X), sparse._mean_hiddens(Xs))
    np.testing.assert_array_equal(dense.gibbs(X), sparse.gibbs(Xs))
    dense.partial_fit(X[:20])
    sparse.partial_fit(Xs[:20] if fmt is not sp.coo_matrix else sp.csr_matrix(Xs)[:20])
    np.testing.assert_array_equal(dense.components_, sparse.components_)


def test_gibbs_keeps_the_shape_of_a_row(digits):
    rbm = quiet_fit(rgflow.BernoulliRBM(n_components=8, n_iter=1, random_state=0), digits)
    assert rbm.gibbs(digits[0]).shape == (64,)
    assert rbm.gibbs(digits[:1]).shape == (1, 64)
    assert rbm.gibbs(digits[:5].astype(np.float32)).dtype == np.float32
    assert rbm._mean_hiddens(digits[0]).shape == (8,)
    np.testing.assert_array_equal(rbm._mean_hiddens(digits[0]), rbm.transform(digits[:1])[0])
    assert rbm._free_energy(digits[0]) == rbm.free_energy(digits[:1])[0]


def test_sampling_helpers_draw_from_the_conditionals(digits):
    """_sample_hiddens / _sample_visibles (scikit-learn's signatures) against the exact
    conditional means: 4,000 draws, 5 standard errors."""
    rbm = quiet_fit(rgflow.BernoulliRBM(n_components=6, n_iter=2, random_state=1), digits)
    rng = np.random.RandomState(5)
    v = np.repeat(digits[:1], 4000, axis=0)
    h = rbm._sample_hiddens(v, rng)
    assert set(np.unique(h)) <= {0.0, 1.0}
    p = rbm._mean_hiddens(digits[0])
    assert np.all(np.abs(h.mean(0) - p) <= 5 * np.sqrt(p * (1 - p) / 4000) + 1e-12)
    h0 = np.repeat(h[:1], 4000, axis=0)
    vs = rbm._sample_visibles(h0, np.random.default_rng(2))
    q = 1 / (1 + np.exp(-(h[0] @ rbm.components_.astype(np.float64) + rbm.intercept_visible_)))
    assert np.all(np.abs(vs.mean(0) - q) <= 5 * np.sqrt(q * (1 - q) / 4000) + 1e-12)


def test_spin_sampling_helpers_give_spins(digits):
    X = np.where(digits > 0.5, 1.0, -1.0)
    rbm = quiet_fit(rgflow.SpinRBM(n_components=5, n_iter=2, random_state=1), X)
    rng = np.random.RandomState(0)
    h = rbm._sample_hiddens(X[:50], rng)
    assert set(np.unique(h)) <= {-1.0, 1.0}
    assert set(np.unique(rbm._sample_visibles(h, rng))) <= {-1.0, 1.0}


@pytest.mark.parametrize("hidden_state", [False, True])
def test_h_samples_are_hidden_states_of_the_persistent_chains(digits, hidden_state):
    kw = dict(n_components=7, batch_size=25, n_iter=2, random_state=4, method="pcd",
              train_options={"pcd_hidden_state": hidden_state})
    rbm = quiet_fit(rgflow.BernoulliRBM(**kw), digits)
    chains = rbm._train_state.persistent_chains
    assert rbm.h_samples_.shape == (chains.shape[0], 7)
    assert set(np.unique(rbm.h_samples_)) <= {0.0, 1.0}
    again = quiet_fit(rgflow.BernoulliRBM(**kw), digits.astype(np.float32))
    np.testing.assert_array_equal(rbm.h_samples_, again.h_samples_)
    cd = quiet_fit(rgflow.BernoulliRBM(n_components=7, n_iter=1, method="cd"), digits)
    assert cd.h_samples_.shape == (0, 7)


def test_partial_fit_runs_at_the_learning_rate(digits):
    """Every partial_fit call updates at learning_rate (no decay schedule), so two calls on one
    batch give the bits of fit with lr_schedule='constant' and two epochs of that batch."""
    X = digits[:20]
    kw = dict(n_components=8, batch_size=20, learning_rate=0.1, random_state=6)
    est = rgflow.BernoulliRBM(**kw)  # default lr_schedule: 'cosine'
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", RuntimeWarning)
        est.partial_fit(X)
        est.partial_fit(X)
    ref = quiet_fit(rgflow.BernoulliRBM(n_iter=2, lr_schedule="constant", **kw), X)
    np.testing.assert_array_equal(est.components_, ref.components_)
    np.testing.assert_array_equal(est.intercept_visible_, ref.intercept_visible_)


def test_verbose_line_is_scikit_learns(digits, capsys):
    """The line of scikit-learn 1.2's BernoulliRBM.fit ("[%s] Iteration %d, pseudo-likelihood =
    %.2f, time = %.2fs") and nothing else in it."""
    quiet_fit(rgflow.BernoulliRBM(n_components=4, n_iter=2, verbose=1, random_state=0), digits)
    lines = capsys.readouterr().out.splitlines()
    assert len(lines) == 2
    for k, line in enumerate(lines, 1):
        assert re.fullmatch(rf"\[BernoulliRBM\] Iteration {k}, pseudo-likelihood = -?\d+\.\d\d, "
                            r"time = \d+\.\d\ds", line), line


def test_visible_bias_init_zero_starts_the_visible_biases_at_zero(digits):
    """visible_bias_init='zero' is the data initialisation with the visible biases at 0 and
    nothing else changed: after 0 epochs the weights equal the default's, the biases are 0; and
    a fit differs from the default's (the biases did start elsewhere)."""
    kw = dict(n_components=6, batch_size=20, random_state=2)
    data = quiet_fit(rgflow.BernoulliRBM(n_iter=0, **kw), digits)
    zero = quiet_fit(rgflow.BernoulliRBM(n_iter=0, visible_bias_init="zero", **kw), digits)
    np.testing.assert_array_equal(data.components_, zero.components_)
    assert np.all(zero.intercept_visible_ == 0) and np.any(data.intercept_visible_ != 0)
    first = rgflow.BernoulliRBM(n_iter=1, visible_bias_init="zero", momentum=0.0,
                                centering=False, **kw)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", RuntimeWarning)
        first.partial_fit(digits[:20])
    # One plain-SGD update from zero biases: each moves by learning_rate * (<v>_data - <v>_model),
    # at most learning_rate in magnitude.
    assert np.all(np.abs(first.intercept_visible_) <= first.learning_rate + 1e-6)
    fitted = quiet_fit(rgflow.BernoulliRBM(n_iter=2, visible_bias_init="zero", **kw), digits)
    default = quiet_fit(rgflow.BernoulliRBM(n_iter=2, **kw), digits)
    assert not np.array_equal(fitted.intercept_visible_, default.intercept_visible_)


def test_visible_bias_init_survives_save_and_load(digits, tmp_path):
    est = quiet_fit(rgflow.BernoulliRBM(n_components=4, n_iter=1, visible_bias_init="zero",
                                        random_state=0), digits)
    est.save(tmp_path / "m.h5")
    assert rgflow.BernoulliRBM.load(tmp_path / "m.h5").visible_bias_init == "zero"
