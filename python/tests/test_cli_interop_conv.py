"""rgflow.ConvRBM runs the computations of `rgflow conv train | logz | loglik | sample` (docs/conv.md):
with the same data, options and seeds Python and the CLI give bit-identical kernels, biases, log Z,
log-likelihoods and samples, and the model files are interchangeable."""
import json

import h5py
import numpy as np
import pytest

import rgflow


def conv_params(path):
    with h5py.File(path, "r") as f:
        g = f["conv_rbm"]
        return {name: g[name][()] for name in ("kernels", "hidden_bias", "visible_bias")}


@pytest.fixture()
def ising4(cli, tmp_path):
    cli("ising", "sample", "-L", 4, "-T", 2.5, "-n", 300, "--seed", 3, "-o", tmp_path / "ising4.h5", "-q")
    with h5py.File(tmp_path / "ising4.h5", "r") as f:
        X = f["spins"][()].reshape(300, 16).astype(np.float32)
    return tmp_path / "ising4.h5", X


@pytest.mark.parametrize("options", [
    dict(method="pcd", optimizer="sgd", learning_rate=0.05, learning_rate_final=0.005, symmetry="none"),
    dict(method="cd", optimizer="adam", learning_rate=0.02, learning_rate_final=0.002, lr_schedule="cosine",
         warmup_epochs=1, symmetry="z2"),
    dict(method="pt", optimizer="adam", learning_rate=0.02, learning_rate_final=0.002, symmetry="none",
         replicas=3, pt_beta_min=0.3, centering=False),
])
def test_conv_train_logz_loglik_match_the_cli(cli, tmp_path, ising4, options):
    data, X = ising4
    flags = ["--method", options["method"], "--optimizer", options["optimizer"],
             "--learning-rate", options["learning_rate"], "--learning-rate-final", options["learning_rate_final"],
             "--symmetry", options["symmetry"]]
    if "lr_schedule" in options:
        flags += ["--lr-schedule", options["lr_schedule"], "--warmup-epochs", options["warmup_epochs"]]
    if "replicas" in options:
        flags += ["--replicas", options["replicas"], "--pt-beta-min", options["pt_beta_min"], "--no-centering"]
    cli("conv", "train", data, "--conv", "kernel:2,stride:1,channels:2", "--epochs", 3, "--batch-size", 50,
        "--weight-std", 0.2, "--seed", 7, *flags, "-q", "-o", tmp_path / "cli.h5")
    est = rgflow.ConvRBM(kernel=2, stride=1, channels=2, epochs=3, batch_size=50, weight_std=0.2,
                         random_state=7, **options).fit(X)
    est.save(tmp_path / "py.h5")
    a, b = conv_params(tmp_path / "cli.h5"), conv_params(tmp_path / "py.h5")
    for name in a:
        assert a[name].tobytes() == b[name].tobytes(), name
    assert len(est.history_) == 3
    if options["method"] == "pt":
        assert all(len(h["swap_acceptance"]) == options["replicas"] - 1 for h in est.history_)
    # log Z and the log-likelihood: exact (2^16 states) and AIS, both bit-identical.
    for method in ("exact", "ais"):
        theirs = json.loads(cli("conv", "loglik", tmp_path / "cli.h5", data, "--method", method,
                                "--chains", 20, "--betas", 200, "--seed", 2, "--json"))
        ours = est.log_likelihood(X, method=method, chains=20, betas=200, seed=2, coupling=1 / 2.5)
        assert ours["log_z"] == theirs["log_z"], method
        assert ours["log_likelihood_per_spin"] == theirs["log_likelihood_per_spin"], method
        assert ours["ising"]["kl_per_spin"] == theirs["ising"]["kl_per_spin"], method
    logz = json.loads(cli("conv", "logz", tmp_path / "cli.h5", "--method", "exact", "--json"))
    assert est.log_partition(method="exact")["log_z"] == logz["log_z"]
    # The CLI's file loads into Python and gives the same numbers.
    loaded = rgflow.ConvRBM.load(tmp_path / "cli.h5")
    assert loaded.log_partition(method="exact")["log_z"] == logz["log_z"]
    assert loaded.kernels_.shape == (2, 2, 2)


def test_conv_sample_matches_the_cli(cli, tmp_path):
    cli("conv", "bonds", "--lattice", 4, "--coupling", 0.3, "-o", tmp_path / "b.h5")
    out = json.loads(cli("conv", "sample", tmp_path / "b.h5", "-n", 200, "--sweeps", 20, "--seed", 5,
                         "-o", tmp_path / "s.h5", "-q", "--json"))
    with h5py.File(tmp_path / "s.h5", "r") as f:
        theirs = f["spins"][()].reshape(200, 16).astype(np.float32)
    ours = rgflow.ConvRBM.load(tmp_path / "b.h5").sample(200, sweeps=20, seed=5)
    assert ours.dtype == np.float32 and ours.shape == (200, 16)
    assert np.array_equal(ours, theirs)
    assert out["site_mean"]["mean"] == float(np.mean(ours.astype(np.float64).mean(axis=1)))


def test_conv_rbm_checks_and_geometry():
    m = rgflow.ConvRBM()
    with pytest.raises(ValueError, match="not fitted"):
        m.sample(3)
    with pytest.raises(ValueError, match="Adam has no momentum"):
        rgflow.ConvRBM(optimizer="adam", momentum=0.5).fit(np.ones((4, 16), np.float32))
    with pytest.raises(ValueError, match="not an L x L lattice"):
        rgflow.ConvRBM().fit(np.ones((4, 15), np.float32))
    with pytest.raises(rgflow.Error):
        rgflow.ConvRBM(kernel=2, stride=3).fit(np.ones((4, 16), np.float32))  # 3 does not divide 4
    est = rgflow.ConvRBM(kernel=3, stride=2, channels=1, epochs=1, random_state=1).fit(
        np.sign(np.random.default_rng(0).standard_normal((20, 8, 8))))
    assert est.hidden_positions()[:2] == [(1.0, 1.0), (1.0, 3.0)]  # patch centres S p + (K - 1)/2
    dense = est.to_dense()
    assert dense.n_visible == 64 and dense.n_hidden == 16


def test_conv_transform_matches_the_cli(cli, tmp_path):
    cli("conv", "bonds", "--lattice", 4, "--coupling", 0.3, "-o", tmp_path / "b.h5")
    cli("conv", "sample", tmp_path / "b.h5", "-n", 100, "--sweeps", 10, "--seed", 1, "-o", tmp_path / "v.h5", "-q")
    cli("conv", "transform", tmp_path / "b.h5", tmp_path / "v.h5", "--channel", 1, "--seed", 4,
        "-o", tmp_path / "h.h5")
    with h5py.File(tmp_path / "v.h5", "r") as f:
        V = f["spins"][()].reshape(100, 16).astype(np.float32)
    with h5py.File(tmp_path / "h.h5", "r") as f:
        theirs = f["spins"][()].reshape(100, 16).astype(np.float32)
    est = rgflow.ConvRBM.load(tmp_path / "b.h5")
    assert np.array_equal(est.transform(V, channel=1, seed=4), theirs)
    means = est.transform(V, channel=1, mean=True)
    assert means.shape == (100, 16) and np.all(np.abs(means) < 1)
    with pytest.raises(ValueError):
        est.transform(V, channel=2)
