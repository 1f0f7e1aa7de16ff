"""rgflow.ising against exact results (enumeration, Kaufman) and NumPy references; DBNs against
exact enumeration; GaussianRBM against numerical integration."""
import itertools
import pickle

import numpy as np
import pytest

import rgflow
from rgflow import ising


def test_kaufman_matches_enumeration():
    for L, T in ((2, 1.5), (3, 2.269), (4, 3.0)):
        a, b = ising.exact(L, T), ising.enumerate_exact(L, T)
        for key in ("log_z", "energy_per_spin", "specific_heat"):
            assert abs(a[key] - b[key]) < 1e-9 * max(1.0, abs(b[key])), (L, T, key)
    assert abs(ising.critical_temperature() - 2 / np.log(1 + np.sqrt(2))) < 1e-14


def numpy_energy(spins):
    s = spins.astype(np.float64)
    return -(s * np.roll(s, -1, axis=-1) + s * np.roll(s, -1, axis=-2)).sum(axis=(-1, -2)) / spins[0].size


def test_samples_measure_and_observables_within_error_bars():
    L, T = 6, 2.5
    run = ising.sample(L, T, samples=64 * 60, thermalize=200, seed=3)
    assert run.spins.shape == (64 * 60, L, L) and run.spins.dtype == np.int8
    assert set(np.unique(run.spins)) == {-1, 1}
    np.testing.assert_allclose(run.energy, numpy_energy(run.spins), atol=1e-12)
    energy, magnetization = ising.measure(run.spins)
    np.testing.assert_array_equal(energy, run.energy)
    np.testing.assert_allclose(magnetization, run.spins.mean(axis=(1, 2)), atol=1e-12)
    obs = run.observables()
    exact = ising.exact(L, T)
    e = obs["energy_per_spin"]
    assert e.error > 0 and abs(e.mean - exact["energy_per_spin"]) < 5 * e.error
    c = obs["specific_heat_per_spin"]
    assert abs(c.mean - exact["specific_heat"]) < 5 * c.error
    # Same seed, same chains.
    again = ising.sample(L, T, samples=64, thermalize=10, seed=3)
    np.testing.assert_array_equal(again.spins, ising.sample(L, T, samples=64, thermalize=10, seed=3).spins)


def test_block_spins_against_numpy():
    spins = np.where(np.random.default_rng(1).random((5, 9, 9)) < 0.5, -1, 1).astype(np.int8)
    blocks = spins.reshape(5, 3, 3, 3, 3).sum(axis=(2, 4))
    np.testing.assert_array_equal(ising.block_spins(spins, 3), np.sign(blocks))
    np.testing.assert_array_equal(ising.block_spins(spins, 3, rule="decimation"), spins[:, ::3, ::3])
    even = ising.block_spins(spins[:, :8, :8], 2, seed=4)
    sums = spins[:, :8, :8].reshape(5, 4, 2, 4, 2).sum(axis=(2, 4))
    decided = sums != 0
    np.testing.assert_array_equal(even[decided], np.sign(sums[decided]))


def states(n):
    return np.array(list(itertools.product([0.0, 1.0], repeat=n)))


def test_dbn_flow_and_bound_against_enumeration():
    rng = np.random.default_rng(2)
    X = (rng.random((300, 8)) < np.linspace(0.2, 0.8, 8)).astype(np.float32)
    dbn = rgflow.DBN(layers=(5, 3), n_iter=3, batch_size=30, random_state=1).fit(X)
    assert dbn.transform(X).shape == (300, 3)
    flow = dbn.free_energy_flow(X, log_z="exact")
    bottom = dbn.layers_[0]
    V = states(8)
    W, a, b = (np.asarray(x, dtype=np.float64) for x in (bottom.weights, bottom.visible_bias, bottom.hidden_bias))
    F = lambda v: -v @ a - np.logaddexp(0, v @ W + b).sum(axis=1)
    assert abs(flow[0]["log_z"].mean - np.logaddexp.reduce(-F(V))) < 1e-6
    assert abs(flow[0]["free_energy"].mean - F(X.astype(np.float64)).mean()) < 1e-5
    bound = dbn.lower_bound(X[:40], log_z="exact", method="exact")
    exact = rgflow._core.dbn_exact_log_probability(dbn.dbn_, X[:40], bound["log_z_top"].mean)
    assert np.all(bound["per_row"] <= exact + 1e-9)
    copy = pickle.loads(pickle.dumps(dbn))
    np.testing.assert_array_equal(copy.transform(X), dbn.transform(X))


@pytest.mark.skipif(not rgflow.gaussian_supported(), reason="C++ core without Gaussian units")
def test_gaussian_rbm_density_integrates_to_one(tmp_path):
    rng = np.random.default_rng(3)
    X = rng.standard_normal((200, 2)).astype(np.float32)
    est = rgflow.GaussianRBM(n_components=3, n_iter=2, random_state=0, sigma=0.8).fit(X)
    est.components_[:] = 0.5 * rng.standard_normal((3, 2))
    assert np.shares_memory(est.sigma_, est.rbm_.visible_sigma)
    log_z = est.log_partition("exact").mean
    grid = np.linspace(-9, 9, 721)
    V = np.stack(np.meshgrid(grid, grid, indexing="ij"), axis=-1).reshape(-1, 2)
    density = np.exp(-est.free_energy(V) - log_z).reshape(len(grid), len(grid))
    total = np.trapz(np.trapz(density, grid, axis=1), grid)
    assert abs(total - 1.0) < 1e-6
    est.save(tmp_path / "g.h5")
    loaded = rgflow.load(tmp_path / "g.h5")
    assert isinstance(loaded, rgflow.GaussianRBM)
    np.testing.assert_array_equal(loaded.sigma_, est.sigma_)
    np.testing.assert_array_equal(loaded.components_, est.components_)


def test_plots_show_the_model():
    import rgflow.plot as rplot
    X = (np.random.default_rng(0).random((100, 16)) < 0.5).astype(float)
    est = rgflow.BernoulliRBM(6, n_iter=3, random_state=0).fit(X)
    fig = rplot.receptive_fields(est)
    images = [ax.images[0].get_array() for ax in fig.axes if ax.images]
    assert len(images) == 6
    for k, image in enumerate(images):
        np.testing.assert_array_equal(np.asarray(image), est.components_[k].reshape(4, 4))
    curves = rplot.training_curves(est)
    np.testing.assert_allclose(np.asarray(curves.axes[0].lines[0].get_ydata(), dtype=float),
                               [h["reconstruction_error"]["mean"] for h in est.history_])


@pytest.mark.skipif(not rgflow.gaussian_supported(), reason="C++ core without Gaussian units")
def test_gaussian_history_has_no_pseudo_likelihood(capsys):
    """Gaussian visible units have no pseudo-likelihood: the history says None (not NaN), and the
    verbose progress line and the training curves cope with it."""
    import rgflow.plot as rplot
    X = np.random.default_rng(1).standard_normal((120, 4)).astype(np.float32)
    est = rgflow.GaussianRBM(n_components=3, n_iter=2, random_state=0, verbose=1).fit(X)
    assert [h["pseudo_log_likelihood"] for h in est.history_] == [None, None]
    out = capsys.readouterr().out
    assert out.count("pseudo-likelihood = n/a") == 2, out
    curves = rplot.training_curves(est)
    assert np.all(np.isnan(np.asarray(curves.axes[1].lines[0].get_ydata(), dtype=float)))
