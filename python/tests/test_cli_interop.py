"""Python and the rgflow CLI share files and seeds: models written by one load in the other with
bit-identical parameters, and the same seed gives the same model, samples and estimates."""
import json

import h5py
import numpy as np
import pytest

import rgflow

PARAMETERS = ("weights", "visible_bias", "hidden_bias")


def binary_data(n=300, d=12, seed=0):
    rng = np.random.default_rng(seed)
    prototypes = rng.random((3, d)) > 0.5
    rows = prototypes[rng.integers(0, 3, n)] ^ (rng.random((n, d)) < 0.1)
    return rows.astype(np.float32)


def stored(path, group="/rbm"):
    with h5py.File(path, "r") as f:
        g = f[group]
        return ({name: g[name][()] for name in PARAMETERS},
                {k: (v.decode() if isinstance(v, bytes) else v) for k, v in g.attrs.items()})


def assert_bit_identical(a, b):
    for name in PARAMETERS:
        assert a[name].dtype == b[name].dtype == np.float32, name
        assert a[name].tobytes() == b[name].tobytes(), name


@pytest.mark.parametrize("visible", ["bernoulli", "spin"])
@pytest.mark.parametrize("method", ["cd", "pcd"])
def test_same_seed_same_model_as_the_cli(cli, tmp_path, visible, method):
    X = binary_data()
    if visible == "spin":
        X = 2 * X - 1
    rgflow.save_dataset(tmp_path / "x.npy", X)
    cli("rbm", "train", tmp_path / "x.npy", "--hidden", 7, "--visible-type", visible,
        "--method", method, "--steps", 2, "--epochs", 3, "--batch-size", 25,
        "--learning-rate", 0.05, "--momentum", 0.5, "--l2", 1e-4, "--seed", 11, "-q",
        "-o", tmp_path / "cli.h5")
    cls = rgflow.SpinRBM if visible == "spin" else rgflow.BernoulliRBM
    est = cls(n_components=7, method=method, steps=2, n_iter=3, batch_size=25, learning_rate=0.05,
              momentum=0.5, l2=1e-4, random_state=11).fit(X)
    est.save(tmp_path / "py.h5")
    cli_params, cli_attrs = stored(tmp_path / "cli.h5")
    py_params, py_attrs = stored(tmp_path / "py.h5")
    assert_bit_identical(cli_params, py_params)
    assert py_attrs["seed"] == cli_attrs["seed"] == "11"
    assert json.loads(py_attrs["train_config"]) == json.loads(cli_attrs["train_config"])
    assert py_attrs["visible_type"] == cli_attrs["visible_type"] == visible


# The defaults are one set (train::default_config, docs/training.md "Default options"): with no
# training option the CLI and the estimators train the same model, bit for bit, and record the
# same configuration (Z2 chosen from the data for spin data, no centring for Gaussian units).
@pytest.mark.parametrize("visible", ["bernoulli", "spin", "gaussian"])
def test_default_options_are_the_clis(cli, tmp_path, visible):
    if visible == "gaussian" and not rgflow.gaussian_supported():
        pytest.skip("this build's C++ core has no Gaussian visible units")
    X = binary_data(n=200, seed=5)
    if visible == "spin":  # every row and its flip: data with the symmetry v -> -v
        X = np.concatenate([2 * X - 1, 1 - 2 * X])
    if visible == "gaussian":
        X = X + np.random.default_rng(2).normal(0, 0.3, X.shape).astype(np.float32)
    rgflow.save_dataset(tmp_path / "x.npy", X)
    typed = ["--visible-type", "gaussian"] if visible == "gaussian" else []
    cli("rbm", "train", tmp_path / "x.npy", "--hidden", 5, "--epochs", 4, *typed, "--seed", 2, "-q",
        "-o", tmp_path / "cli.h5")
    cls = {"bernoulli": rgflow.BernoulliRBM, "spin": rgflow.SpinRBM, "gaussian": rgflow.GaussianRBM}[visible]
    est = cls(n_components=5, n_iter=4, random_state=2).fit(X)
    est.save(tmp_path / "py.h5")
    cli_params, cli_attrs = stored(tmp_path / "cli.h5")
    py_params, py_attrs = stored(tmp_path / "py.h5")
    assert_bit_identical(cli_params, py_params)
    config = json.loads(cli_attrs["train_config"])
    assert json.loads(py_attrs["train_config"]) == config
    assert config["symmetry"] == ("z2" if visible == "spin" else "none")
    assert config["centering"] == (visible != "gaussian")
    assert py_attrs["hidden_type"] == cli_attrs["hidden_type"] == ("spin" if visible == "spin" else "bernoulli")


def test_cli_model_loads_in_python_and_saves_back_bit_identically(cli, tmp_path):
    rgflow.save_dataset(tmp_path / "x.npy", binary_data(seed=1))
    cli("rbm", "train", tmp_path / "x.npy", "--hidden", 5, "--epochs", 2, "--seed", 3, "-q",
        "-o", tmp_path / "cli.h5")
    est = rgflow.load(tmp_path / "cli.h5")
    assert isinstance(est, rgflow.BernoulliRBM)
    assert est.n_components == 5 and est.random_state == 3 and est.n_iter_ == 2
    cli_params, _ = stored(tmp_path / "cli.h5")
    assert est.components_.T.tobytes() == cli_params["weights"].tobytes()
    est.save(tmp_path / "again.h5")
    assert_bit_identical(stored(tmp_path / "again.h5")[0], cli_params)


def test_python_model_in_the_cli_gives_the_same_estimates_and_samples(cli, tmp_path):
    X = binary_data(seed=2)
    est = rgflow.BernoulliRBM(n_components=9, n_iter=4, random_state=5, learning_rate=0.05).fit(X)
    est.save(tmp_path / "py.h5")
    rgflow.save_dataset(tmp_path / "x.npy", X)
    exact = json.loads(cli("rbm", "logz", tmp_path / "py.h5", "--method", "exact", "--json"))
    assert exact["log_z"]["mean"] == est.log_partition("exact").mean
    ais = json.loads(cli("rbm", "logz", tmp_path / "py.h5", "--method", "ais", "--chains", 10,
                         "--betas", 200, "--seed", 3, "--data", tmp_path / "x.npy", "--json"))
    mine = est.log_partition("ais", X, chains=10, betas=200, seed=3)
    assert (ais["log_z"]["mean"], ais["log_z"]["error"]) == (mine.mean, mine.error)
    loglik = json.loads(cli("rbm", "loglik", tmp_path / "py.h5", tmp_path / "x.npy", "--json"))
    ll = est.log_likelihood(X)
    assert (loglik["log_likelihood"]["mean"], loglik["log_likelihood"]["error"]) == (ll.mean, ll.error)
    cli("rbm", "sample", tmp_path / "py.h5", "--samples", 6, "--gibbs-steps", 4, "--seed", 8,
        "-o", tmp_path / "s.h5")
    np.testing.assert_array_equal(rgflow.load_dataset(tmp_path / "s.h5"),
                                  est.sample(6, gibbs_steps=4, seed=8))


def test_dbn_same_seed_and_files_shared_with_the_cli(cli, tmp_path):
    X = binary_data(n=200, d=10, seed=4)
    rgflow.save_dataset(tmp_path / "x.npy", X)
    cli("dbn", "train", tmp_path / "x.npy", "--layers", "10,6,4", "--epochs", "2,3",
        "--batch-size", 20, "--seed", 6, "-q", "-o", tmp_path / "cli.h5")
    est = rgflow.DBN(layers=(6, 4), n_iter=[2, 3], batch_size=20, random_state=6).fit(X)
    est.save(tmp_path / "py.h5")
    loaded = rgflow.load(tmp_path / "cli.h5")
    assert isinstance(loaded, rgflow.DBN) and loaded.dbn_.level_sizes == [10, 6, 4]
    for k in range(2):
        a, _ = stored(tmp_path / "cli.h5", f"/dbn/layer_{k}")
        b, _ = stored(tmp_path / "py.h5", f"/dbn/layer_{k}")
        assert_bit_identical(a, b)
        np.testing.assert_array_equal(loaded.layers_[k].weights, est.layers_[k].weights)
    flow = json.loads(cli("dbn", "flow", tmp_path / "py.h5", tmp_path / "x.npy", "--json"))
    mine = est.free_energy_flow(X)
    for theirs, ours in zip(flow["layers"], mine):
        assert theirs["free_energy"]["mean"] == ours["free_energy"].mean
        assert theirs["log_z"]["mean"] == ours["log_z"].mean


# Every estimator, unit-type pairing and training method through the CLI and through Python on the
# same files and seeds: the same service-layer calls (run/rbm.hpp, estimate/log_partition.hpp), so
# bit-identical models and numbers.
PAIRINGS = [("bernoulli", "bernoulli"), ("bernoulli", "spin"), ("spin", "bernoulli"),
            ("spin", "spin"), ("gaussian", "bernoulli"), ("gaussian", "spin")]
METHODS = {"cd": {}, "pcd": {}, "pt": {"pt_replicas": 4, "pt_beta_min": 0.3},
           "tap1": {"tap_iterations": 2}, "tap2": {"tap_iterations": 2}, "tap3": {"tap_iterations": 2}}
CLI_METHOD_FLAGS = {"pt_replicas": "--replicas", "pt_beta_min": "--pt-beta-min",
                    "tap_iterations": "--tap-iterations"}


def pairing_data(visible, n=160, d=9, seed=21):
    X = binary_data(n=n, d=d, seed=seed)
    if visible == "spin":
        return 2 * X - 1
    if visible == "gaussian":
        return X + 0.3 * np.random.default_rng(seed).standard_normal(X.shape).astype(np.float32)
    return X


def estimator_class(visible):
    return {"bernoulli": rgflow.BernoulliRBM, "spin": rgflow.SpinRBM,
            "gaussian": rgflow.GaussianRBM}[visible]


@pytest.mark.parametrize("visible,hidden", PAIRINGS)
@pytest.mark.parametrize("method", list(METHODS))
def test_every_training_method_gives_the_cli_model(cli, tmp_path, visible, hidden, method):
    if method == "pt" and visible == "gaussian":
        pytest.skip("parallel tempering is defined for binary units only (sample/tempering.hpp)")
    X = pairing_data(visible)
    rgflow.save_dataset(tmp_path / "x.npy", X)
    extra = METHODS[method]
    flags = [x for key, value in extra.items() for x in (CLI_METHOD_FLAGS[key], value)]
    cli("rbm", "train", tmp_path / "x.npy", "--hidden", 4, "--visible-type", visible,
        "--hidden-type", hidden, "--method", method, "--epochs", 2, "--batch-size", 40,
        "--learning-rate", 0.02, "--momentum", 0.5, "--seed", 5, "-q", *flags,
        "-o", tmp_path / "cli.h5")
    est = estimator_class(visible)(n_components=4, hidden_type=hidden, method=method, n_iter=2,
                                   batch_size=40, learning_rate=0.02, momentum=0.5,
                                   random_state=5, train_options=extra).fit(X)
    est.save(tmp_path / "py.h5")
    assert_bit_identical(stored(tmp_path / "cli.h5")[0], stored(tmp_path / "py.h5")[0])


@pytest.mark.parametrize("visible,hidden", PAIRINGS)
def test_every_estimator_gives_the_cli_numbers(cli, tmp_path, visible, hidden):
    X = pairing_data(visible, seed=22)
    rgflow.save_dataset(tmp_path / "x.npy", X)
    est = estimator_class(visible)(n_components=5, hidden_type=hidden, n_iter=3, batch_size=40,
                                   learning_rate=0.02, random_state=7).fit(X)
    est.save(tmp_path / "m.h5")
    for method in ["exact", "ais", "reverse-ais", "tap1", "tap2", "tap3"]:
        out = json.loads(cli("rbm", "logz", tmp_path / "m.h5", "--method", method, "--chains", 8,
                             "--betas", 150, "--seed", 4, "--tap-iterations", 2000,
                             "--data", tmp_path / "x.npy", "--json"))
        mine, details = est.log_partition(method, X, chains=8, betas=150, seed=4,
                                          tap_iterations=2000, return_details=True)
        assert (out["log_z"]["mean"], out["log_z"]["error"]) == (mine.mean, mine.error), method
        assert out["method"] == method
        if method in ("ais", "reverse-ais"):
            assert out["details"]["effective_sample_size"] == details["effective_sample_size"]
    loglik = json.loads(cli("rbm", "loglik", tmp_path / "m.h5", tmp_path / "x.npy", "--json"))
    ll = est.log_likelihood(X)
    assert (loglik["log_likelihood"]["mean"], loglik["log_likelihood"]["error"]) == (ll.mean, ll.error)
    for sampler in ["gibbs"] + (["pt"] if visible != "gaussian" else []):
        cli("rbm", "sample", tmp_path / "m.h5", "--samples", 5, "--gibbs-steps", 3, "--seed", 9,
            "--method", sampler, "-o", tmp_path / f"s-{sampler}.h5")
        np.testing.assert_array_equal(rgflow.load_dataset(tmp_path / f"s-{sampler}.h5"),
                                      est.rbm_.sample(5, 3, 9, sampler))


def test_module_and_cli_use_the_same_gemm(cli):
    # Bit-identity between the module and the CLI needs the same GEMM backend
    # (include/rgflow/core/gemm.hpp): both take RGFLOW_GEMM or the build's calibrated default.
    line = next(l for l in cli("--version").splitlines() if l.startswith("GEMM: "))
    assert line.split()[1] == rgflow._core.gemm_backend
    assert rgflow._core.gemm_backend in ("eigen", "dnnl")
