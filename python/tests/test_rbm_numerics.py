"""The estimators' numbers against exact answers: brute-force sums over all states of small RBMs,
closed-form conditionals, and sampling histograms within error bars."""
import itertools
import pickle

import numpy as np
import pytest

import rgflow
from rgflow.rbm import _row_flip_index


def states(n, spin=False):
    s = np.array(list(itertools.product([0.0, 1.0], repeat=n)))
    return 2 * s - 1 if spin else s


def log_partition(phi, unit):
    return np.abs(phi) + np.log1p(np.exp(-2 * np.abs(phi))) if unit == "spin" else np.logaddexp(0, phi)


def model(cls, n_visible, n_hidden, seed, scale=1.0, hidden_type="bernoulli"):
    """A fitted estimator whose parameters are then overwritten through the NumPy views."""
    rng = np.random.default_rng(seed)
    spin = cls is rgflow.SpinRBM
    X = states(n_visible, spin)[rng.integers(0, 2**n_visible, 50)]
    est = cls(n_components=n_hidden, n_iter=1, random_state=seed, hidden_type=hidden_type).fit(X)
    est.components_[:] = scale * rng.standard_normal((n_hidden, n_visible))
    est.intercept_visible_[:] = rng.standard_normal(n_visible)
    est.intercept_hidden_[:] = rng.standard_normal(n_hidden)
    return est


def reference(est):
    W = est.components_.T.astype(np.float64)
    a = est.intercept_visible_.astype(np.float64)
    b = est.intercept_hidden_.astype(np.float64)
    return W, a, b


def free_energy(est, V):
    W, a, b = reference(est)
    return -V @ a - log_partition(V @ W + b, est.hidden_type).sum(axis=1)


CASES = [(rgflow.BernoulliRBM, "bernoulli"), (rgflow.BernoulliRBM, "spin"),
         (rgflow.SpinRBM, "bernoulli"), (rgflow.SpinRBM, "spin")]


@pytest.mark.parametrize("cls,hidden", CASES)
def test_views_share_memory_with_the_core_model(cls, hidden):
    est = model(cls, 5, 3, 1, hidden_type=hidden)
    assert np.shares_memory(est.components_, est.rbm_.weights)
    assert est.components_.flags["F_CONTIGUOUS"] and est.components_.dtype == np.float32
    est.components_[1, 2] = 0.25
    assert est.rbm_.weights[2, 1] == np.float32(0.25)


@pytest.mark.parametrize("cls,hidden", CASES)
def test_free_energy_log_z_and_likelihood_against_enumeration(cls, hidden):
    est = model(cls, 6, 4, 2, hidden_type=hidden)
    V = states(6, cls is rgflow.SpinRBM)
    F = free_energy(est, V)
    np.testing.assert_allclose(est.free_energy(V), F, rtol=0, atol=1e-5)
    log_z = np.logaddexp.reduce(-F)
    exact = est.log_partition("exact")
    assert exact.error == 0 and abs(exact.mean - log_z) < 1e-5
    rows = V[[0, 5, 5, 17, 33, 63, 40]]
    ll = -free_energy(est, rows) - log_z
    got = est.log_likelihood(rows)
    assert abs(got.mean - ll.mean()) < 1e-5
    assert abs(got.error - ll.std(ddof=1) / np.sqrt(len(ll))) < 1e-5


@pytest.mark.parametrize("cls,hidden", CASES)
def test_transform_is_the_conditional_mean(cls, hidden):
    est = model(cls, 7, 5, 3, hidden_type=hidden)
    V = states(7, cls is rgflow.SpinRBM)
    W, a, b = reference(est)
    phi = V @ W + b
    expected = np.tanh(phi) if hidden == "spin" else 1 / (1 + np.exp(-phi))
    got = est.transform(V)
    assert got.dtype == np.float64
    np.testing.assert_allclose(got, expected, atol=2e-6)
    assert est.transform(V.astype(np.float32)).dtype == np.float32


@pytest.mark.parametrize("cls,hidden", CASES)
def test_score_samples_is_the_flipped_unit_conditional(cls, hidden):
    est = model(cls, 6, 3, 4, hidden_type=hidden)
    spin = cls is rgflow.SpinRBM
    V = states(6, spin)
    index = _row_flip_index(V.astype(np.float32), 6, est.seed_)
    flipped = V.copy()
    rows = np.arange(len(V))
    flipped[rows, index] = -flipped[rows, index] if spin else 1 - flipped[rows, index]
    F, F_flipped = free_energy(est, V), free_energy(est, flipped)
    # n log p(v_i | v_-i) = n log [e^-F(v) / (e^-F(v) + e^-F(v~))]
    expected = -6 * np.logaddexp(0, F - F_flipped)
    np.testing.assert_allclose(est.score_samples(V), expected, rtol=1e-9, atol=1e-9)
    # A row's score does not depend on the rows passed with it.
    np.testing.assert_array_equal(est.score_samples(V[::-1])[::-1], est.score_samples(V))


def test_flipped_unit_is_uniform_over_distinct_rows():
    n_features, n_rows = 8, 20000
    X = np.random.default_rng(5).random((n_rows, n_features)).astype(np.float32)
    counts = np.bincount(_row_flip_index(X, n_features, 11), minlength=n_features)
    expected = n_rows / n_features
    sigma = np.sqrt(n_rows * (1 / n_features) * (1 - 1 / n_features))
    assert np.all(np.abs(counts - expected) < 5 * sigma), counts


@pytest.mark.parametrize("cls", [rgflow.BernoulliRBM, rgflow.SpinRBM])
def test_samples_follow_the_exact_marginal(cls):
    est = model(cls, 4, 3, 6)
    V = states(4, cls is rgflow.SpinRBM)
    p = np.exp(-free_energy(est, V))
    p /= p.sum()
    n = 20000
    samples = est.sample(n, gibbs_steps=30, seed=9)
    codes = ((samples > 0).astype(int) * (1 << np.arange(3, -1, -1))).sum(axis=1)
    counts = np.bincount(codes, minlength=16)
    sigma = np.sqrt(n * p * (1 - p))
    assert np.all(np.abs(counts - n * p) < 5 * sigma + 1), (counts, n * p)
    # Same seed, same draws.
    np.testing.assert_array_equal(est.sample(50, gibbs_steps=5, seed=3), est.sample(50, 5, 3))


def test_gibbs_step_matches_the_conditionals():
    est = model(rgflow.BernoulliRBM, 3, 2, 7)
    v0 = np.array([[1.0, 0.0, 1.0]])
    n = 20000
    out = est.gibbs(np.repeat(v0, n, axis=0))
    W, a, b = reference(est)
    H = states(2)
    p_h = np.prod(np.where(H == 1, 1 / (1 + np.exp(-(v0 @ W + b))), 1 / (1 + np.exp(v0 @ W + b))), axis=1)
    mean_v = (p_h[:, None] / (1 + np.exp(-(H @ W.T + a)))).sum(axis=0)
    sigma = np.sqrt(mean_v * (1 - mean_v) / n)
    assert np.all(np.abs(out.mean(axis=0) - mean_v) < 5 * sigma)


def test_ais_brackets_the_exact_value():
    est = model(rgflow.BernoulliRBM, 14, 10, 8, scale=0.5)
    exact = est.log_partition("exact").mean
    ais = est.log_partition("ais", chains=100, betas=1000, seed=1)
    assert ais.error > 0 and abs(ais.mean - exact) < 4 * ais.error + 1e-9
    tap1 = est.log_partition("tap1")
    assert tap1.mean <= exact + 1e-9  # naive mean field is a lower bound on log Z


def test_partial_fit_continues_training_bit_identically():
    X = states(6)[np.random.default_rng(0).integers(0, 64, 200)]
    # partial_fit has no learning-rate schedule (every call runs at learning_rate), so the whole
    # fit it repeats is one with a constant rate.
    whole = rgflow.BernoulliRBM(5, n_iter=3, batch_size=20, random_state=4, momentum="hinton",
                                lr_schedule="constant").fit(X)
    parts = rgflow.BernoulliRBM(5, n_iter=3, batch_size=20, random_state=4, momentum="hinton",
                                lr_schedule="constant")
    for _ in range(3):
        parts.partial_fit(X)
    assert parts.n_iter_ == 3
    np.testing.assert_array_equal(parts.components_, whole.components_)
    np.testing.assert_array_equal(parts.intercept_visible_, whole.intercept_visible_)


def test_pickle_keeps_the_model_and_its_views():
    est = model(rgflow.BernoulliRBM, 5, 3, 9)
    copy = pickle.loads(pickle.dumps(est))
    assert np.shares_memory(copy.components_, copy.rbm_.weights)
    np.testing.assert_array_equal(copy.components_, est.components_)
    V = states(5)
    np.testing.assert_array_equal(copy.transform(V), est.transform(V))


def test_bad_input_raises_value_error():
    est = model(rgflow.BernoulliRBM, 4, 2, 10)
    with pytest.raises(ValueError, match="is not a bernoulli state"):
        est.log_likelihood(np.full((2, 4), 0.5))
    with pytest.raises(ValueError, match="method"):
        est.log_partition("magic")
    with pytest.raises(ValueError):
        rgflow.BernoulliRBM(3, method="no-such-method", n_iter=1).fit(states(4))
    with pytest.raises(rgflow.FileError, match="missing.h5"):
        rgflow.load("missing.h5")


@pytest.mark.parametrize("method,options", [("pt", {"pt_replicas": 3}), ("tap2", {}),
                                            ("pcd", {"pcd_hidden_state": True})])
def test_pickled_estimator_continues_bit_identically(method, options):
    """The pickle keeps the whole sampler state (tempering ladder and swap counters, TAP's hidden
    magnetisations, hidden-state chains): a copy trained further equals the original trained
    further."""
    X = states(6)  # all 64 states
    est = rgflow.BernoulliRBM(4, n_iter=1, batch_size=20, random_state=2, method=method,
                              train_options=options)
    est.partial_fit(X)
    copy = pickle.loads(pickle.dumps(est))
    est.partial_fit(X)
    copy.partial_fit(X)
    np.testing.assert_array_equal(copy.components_, est.components_)
    np.testing.assert_array_equal(copy.intercept_hidden_, est.intercept_hidden_)


def test_fit_report_is_the_exact_gate_and_adam_z2_train_through_train_options():
    """fit_report_ (the quality gate) against a brute-force sum: the model's log-likelihood per unit
    on the training rows and the independent-unit baseline with half a count each way; Adam with the
    Z2 symmetry through train_options keeps every bias at exactly 0."""
    rng = np.random.default_rng(5)
    protos = np.array([[1, 1, 1, 1, -1, -1, -1, -1], [-1, -1, -1, -1, 1, 1, 1, 1]], float)
    X = protos[rng.integers(0, 2, 300)]
    X[rng.random(X.shape) < 0.05] *= -1
    est = rgflow.SpinRBM(n_components=4, hidden_type="spin", n_iter=20, batch_size=20,
                         learning_rate=0.01, random_state=2,
                         train_options={"optimizer": "adam", "symmetry": "z2"}).fit(X)
    assert np.all(est.intercept_visible_ == 0) and np.all(est.intercept_hidden_ == 0)
    r = est.fit_report_
    assert r["rows"] == "training" and r["log_z_method"] == "exact"
    V = states(8, spin=True)
    log_z = np.logaddexp.reduce(-free_energy(est, V))
    ll = np.mean(-free_energy(est, X) - log_z) / 8
    assert abs(r["log_likelihood_per_unit"]["mean"] - ll) < 1e-5
    p = ((X > 0).sum(axis=0) + 0.5) / (len(X) + 1)
    independent = np.mean(np.where(X > 0, np.log(p), np.log(1 - p)).sum(axis=1)) / 8
    assert abs(r["independent_per_unit"] - independent) < 1e-9
    assert r["above_baseline"] and ll > independent + 0.2
