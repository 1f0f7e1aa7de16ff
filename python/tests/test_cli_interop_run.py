"""The CLI and Python run the same service-layer functions (run/dbn.hpp, run/couplings.hpp,
run/ising.hpp) for `dbn train`, `dbn flow`, `rg couplings` and `ising sample`: with the same files,
options and seeds they give bit-identical models, numbers and configurations."""
import json

import h5py
import numpy as np
import pytest

import rgflow

from test_cli_interop import PARAMETERS, binary_data


def layer_file(path, k):
    with h5py.File(path, "r") as f:
        g = f[f"/dbn/layer_{k}"]
        params = {name: g[name][()] for name in PARAMETERS}
        attrs = {a: (v.decode() if isinstance(v, bytes) else v) for a, v in g.attrs.items()}
    return params, attrs


def without(d, *keys):
    return {k: v for k, v in d.items() if k not in keys}


@pytest.mark.parametrize("visible,propagate,methods", [
    ("bernoulli", "mean", "cd"), ("spin", "sample", "pcd,cd"), ("bernoulli", "sample", "cd,pcd")])
def test_dbn_train_and_flow_match_the_cli(cli, tmp_path, visible, propagate, methods):
    X = binary_data(n=200, d=10, seed=3)
    if visible == "spin":
        X = 2 * X - 1
    rgflow.save_dataset(tmp_path / "x.npy", X)
    out = json.loads(cli("dbn", "train", tmp_path / "x.npy", "--layers", "10,6,4",
                         "--visible-type", visible, "--hidden-type", "bernoulli,spin",
                         "--method", methods, "--steps", "1,2", "--epochs", "2,3",
                         "--learning-rate", "0.05,0.03", "--batch-size", 20, "--l2", 1e-4,
                         "--momentum", 0.5, "--propagate", propagate, "--seed", 9, "-q", "--json",
                         "-o", tmp_path / "cli.h5"))
    est = rgflow.DBN(layers=(6, 4), visible_type=visible, hidden_type=["bernoulli", "spin"],
                     method=methods.split(",") if "," in methods else methods, steps=[1, 2], n_iter=[2, 3],
                     learning_rate=[0.05, 0.03], batch_size=20, l2=1e-4, momentum=0.5,
                     propagate=propagate, random_state=9).fit(X)
    est.save(tmp_path / "py.h5")
    for k in range(2):
        (cli_params, cli_attrs), (py_params, py_attrs) = (layer_file(tmp_path / "cli.h5", k),
                                                          layer_file(tmp_path / "py.h5", k))
        for name in PARAMETERS:
            assert cli_params[name].tobytes() == py_params[name].tobytes(), (k, name)
        assert cli_attrs["seed"] == py_attrs["seed"] == str(9 + k)
        assert json.loads(cli_attrs["train_config"]) == json.loads(py_attrs["train_config"])
    # The monitors of every epoch, as the CLI's JSON reports them.
    assert out["layers"] == [10, 6, 4] and out["seed"] == 9 and out["propagate"] == propagate
    assert len(out["epochs"]) == len(est.history_) == 5
    for theirs, (layer, stats) in zip(out["epochs"], est.history_):
        assert theirs["layer"] == layer and theirs["epoch"] == stats["epoch"]
        for key in ("reconstruction_error", "free_energy_train"):
            assert (theirs[key]["mean"], theirs[key]["error"]) == (stats[key]["mean"],
                                                                  stats[key]["error"]), key

    flow = json.loads(cli("dbn", "flow", tmp_path / "py.h5", tmp_path / "x.npy", "--log-z", "ais",
                          "--chains", 6, "--betas", 120, "--propagate", propagate, "--seed", 4,
                          "--json"))
    mine = est.free_energy_flow(X, log_z="ais", chains=6, betas=120, seed=4, propagate=propagate)
    assert len(flow["layers"]) == len(mine) == 2
    for theirs, ours in zip(flow["layers"], mine):
        for key in ("free_energy", "free_energy_per_unit", "log_z", "log_likelihood",
                    "log_likelihood_per_unit"):
            assert (theirs[key]["mean"], theirs[key]["error"]) == (ours[key].mean, ours[key].error), key
        assert theirs["log_z_method"] == ours["log_z_method"] == "ais"


def test_rg_couplings_match_the_cli(cli, tmp_path):
    X = 2 * binary_data(n=300, d=16, seed=5) - 1
    rgflow.save_dataset(tmp_path / "x.npy", X)
    cli("rbm", "train", tmp_path / "x.npy", "--hidden", 6, "--visible-type", "spin", "--epochs", 2,
        "--seed", 2, "-q", "-o", tmp_path / "rbm.h5")
    cli("dbn", "train", tmp_path / "x.npy", "--visible-type", "spin", "--layers", "16,8,5",
        "--epochs", 2, "--seed", 3, "-q", "-o", tmp_path / "dbn.h5")
    est = rgflow.load(tmp_path / "rbm.h5")
    cases = [
        ("rbm.h5", {}, []),
        ("rbm.h5", {"lattice": 4, "max_order": 4},
         ["--lattice", 4, "--max-order", 4]),
        # Monte Carlo for every unit: the samples and their seed must agree too.
        ("rbm.h5", {"lattice": 4, "max_exact_support": 3, "samples": 700, "seed": 8},
         ["--lattice", 4, "--max-exact-support", 3, "--samples", 700, "--seed", 8]),
        ("rbm.h5", {"chain": True, "max_order": 3, "extent": 3, "tolerance": 0.05},
         ["--chain", "--max-order", 3, "--extent", 3, "--tolerance", 0.05]),
        ("dbn.h5", {"layer": 1, "side": "hidden", "max_order": 3},
         ["--layer", 1, "--side", "hidden", "--max-order", 3]),
        ("dbn.h5", {"layer": 1, "max_exact_support": 4, "samples": 300, "seed": 1, "max_order": 2},
         ["--layer", 1, "--max-exact-support", 4, "--samples", 300, "--seed", 1, "--max-order", 2]),
    ]
    for name, options, flags in cases:
        theirs = json.loads(cli("rg", "couplings", tmp_path / name, *flags, "--json"))
        ours = rgflow.effective_couplings(tmp_path / name, **options)
        assert without(theirs, "model") == ours, (name, options)
        assert theirs["couplings"], (name, options)
        if name == "rbm.h5":  # the model in memory gives the same numbers as its file
            assert rgflow.effective_couplings(est, **options) == ours
    mc = rgflow.effective_couplings(tmp_path / "rbm.h5", max_exact_support=0, samples=400, seed=8)
    assert mc["monte_carlo_units"] == 6 and any(c["error"] > 0 for c in mc["couplings"])


@pytest.mark.parametrize("algorithm,chains", [("metropolis", 0), ("wolff", 2), ("sw", 1),
                                              ("metropolis-scalar", 3)])
def test_ising_sample_matches_the_cli(cli, tmp_path, algorithm, chains):
    flags = ["--chains", chains] if chains else []
    theirs = json.loads(cli("ising", "sample", "-L", 8, "-T", 2.4, "-n", 256, "--thermalize", 50,
                            "--algorithm", algorithm, "--seed", 13, *flags, "--json", "-o",
                            tmp_path / "s.h5"))
    ours = rgflow.ising.sample(8, 2.4, algorithm=algorithm, samples=256, thermalize=50,
                               chains=chains, seed=13)
    np.testing.assert_array_equal(rgflow.load_dataset(tmp_path / "s.h5").reshape(-1, 8, 8), ours.spins)
    assert without(theirs, "output") == ours.summary
    observables = ours.observables()
    for key, value in observables.items():
        assert (theirs[key]["mean"], theirs[key]["error"]) == (value.mean, value.error), key
    # MCRG of the stored configurations (chains from the file) and of the same array in Python.
    mcrg = json.loads(cli("ising", "mcrg", tmp_path / "s.h5", "--levels", 1, "--rule", "decimation",
                          "--seed", 2, "--json"))
    mine = rgflow.ising.mcrg(ours.spins, levels=1, rule="decimation", seed=2, chains=ours.chains)
    for key in ("y_t", "y_h", "lambda_t", "lambda_h"):
        assert (mcrg["steps"][0][key]["mean"], mcrg["steps"][0][key]["error"]) == (
            mine[0][key].mean, mine[0][key].error), key


@pytest.fixture
def lattice_files(cli, tmp_path):
    """Ising configurations on a 4x4 lattice (with their temperature attribute), an RBM and a DBN
    trained on them, and a Hopfield network storing them."""
    cli("ising", "sample", "-L", 4, "-T", 2.5, "-n", 300, "--algorithm", "wolff", "--seed", 21, "-q",
        "-o", tmp_path / "s.h5")
    cli("rbm", "train", tmp_path / "s.h5", "--hidden", 6, "--visible-type", "spin", "--epochs", 3,
        "--seed", 2, "-q", "-o", tmp_path / "rbm.h5")
    cli("dbn", "train", tmp_path / "s.h5", "--layers", "16,8,4", "--visible-type", "spin", "--epochs", 2,
        "--seed", 3, "-q",
        "-o", tmp_path / "dbn.h5")
    cli("hopfield", "store", tmp_path / "s.h5", "-o", tmp_path / "hop.h5")
    return tmp_path


def test_receptive_fields_match_the_cli(cli, lattice_files):
    d = lattice_files
    for name in ("rbm.h5", "dbn.h5"):
        theirs = json.loads(cli("rg", "receptive-fields", d / name, "--lattice", 4, "--radius", 1.2,
                                "--permutations", 30, "--seed", 5, "--json"))
        ours = rgflow.receptive_field_locality(d / name, 4, radius=1.2, permutations=30, seed=5)
        fields = ours.pop("fields")
        assert without(theirs, "model") == ours, name
        assert [f.shape for f in fields] == [(16, len(level["units"])) for level in ours["levels"]]
    # The bottom level's fields are the RBM's weights.
    est = rgflow.load(d / "rbm.h5")
    ours = rgflow.receptive_field_locality(est, 4, permutations=0)
    np.testing.assert_array_equal(ours["fields"][0], est.rbm_.weights.astype(np.float64))
    with pytest.raises(rgflow.Error, match="visible units"):
        rgflow.receptive_field_locality(d / "rbm.h5", 5)


@pytest.mark.parametrize("map_,flags,options", [
    ("rbm", ["--propagate", "sample", "--steps", 4, "--seed", 6],
     {"propagate": "sample", "steps": 4, "seed": 6}),
    ("rbm", ["--rows", 50, "--steps", 2], {"rows": 50, "steps": 2}),
    ("hopfield", ["--propagate", "sample", "--hopfield-temperature", 0, "--steps", 3, "--seed", 1],
     {"propagate": "sample", "hopfield_temperature": 0.0, "steps": 3, "seed": 1}),
    ("hopfield", ["--hopfield-temperature", 1.5, "--steps", 2], {"hopfield_temperature": 1.5, "steps": 2}),
])
def test_lattice_flow_matches_the_cli(cli, lattice_files, map_, flags, options):
    d = lattice_files
    model = d / ("rbm.h5" if map_ == "rbm" else "hop.h5")
    theirs = json.loads(cli("rg", "flow", model, d / "s.h5", "--map", map_, *flags, "--json"))
    ours = rgflow.lattice_flow(model, d / "s.h5", map=map_, **options)
    assert without(theirs, "model", "data") == ours
    assert ours["data_temperature"] == 2.5 and len(ours["steps"]) == options["steps"] + 1
    # The same configurations as an array [N, L, L] (the temperature given by hand).
    spins = rgflow.load_dataset(d / "s.h5").reshape(-1, 4, 4)
    assert rgflow.lattice_flow(model, spins, map=map_, temperature=2.5, **options) == ours
    if map_ == "rbm":  # the model in memory
        assert rgflow.lattice_flow(rgflow.load(model), d / "s.h5", **options) == ours
    # keep: the first configurations of every step; step 0 is the data.
    kept = rgflow.lattice_flow(model, spins, map=map_, keep=3, **options)
    assert kept.pop("kept").shape == ((options["steps"] + 1) * 3, 16)
    np.testing.assert_array_equal(rgflow.lattice_flow(model, spins, map=map_, keep=3, **options)["kept"][:3],
                                  spins[:3].reshape(3, 16))


def test_lattice_free_energy_matches_the_cli(cli, lattice_files):
    d = lattice_files
    for name, flags, options in [
            ("rbm.h5", [], {}),
            ("dbn.h5", ["--log-z", "ais", "--chains", 8, "--betas", 200, "--samples", 500, "--seed", 3],
             {"log_z": "ais", "chains": 8, "betas": 200, "samples": 500, "seed": 3}),
            ("dbn.h5", ["--temperature", 2.0, "--propagate", "sample", "--seed", 4],
             {"temperature": 2.0, "propagate": "sample", "seed": 4})]:
        theirs = json.loads(cli("rg", "free-energy-flow", d / name, d / "s.h5", *flags, "--json"))
        ours = rgflow.lattice_free_energy(d / name, d / "s.h5", **options)
        assert without(theirs, "model", "data") == ours, (name, options)
        assert ours["temperature"] == options.get("temperature", 2.5)
    with pytest.raises(rgflow.Error, match="temperature"):
        rgflow.lattice_free_energy(d / "rbm.h5", d / "s.h5", temperature=-1.0)


@pytest.mark.parametrize("flags,options", [
    (["--flip", 0.2, "--seed", 2], {"flip": 0.2, "random_state": 2}),
    (["--dynamics", "sync", "--flip", 0.3], {"flip": 0.3, "dynamics": "sync"}),
    (["--dynamics", "glauber", "--temperature", 0.3, "--sweeps", 15, "--seed", 4],
     {"dynamics": "glauber", "temperature": 0.3, "max_sweeps": 15, "random_state": 4}),
    (["PROBES", "--seed", 1], {"random_state": 1}),
])
def test_hopfield_recall_matches_the_cli(cli, tmp_path, flags, options):
    rng = np.random.default_rng(7)
    patterns = rng.choice([-1.0, 1.0], size=(6, 60)).astype(np.float32)
    probes = rng.choice([-1.0, 1.0], size=(9, 60)).astype(np.float32)
    np.savetxt(tmp_path / "patterns.csv", patterns, delimiter=",", fmt="%g")
    np.savetxt(tmp_path / "probes.csv", probes, delimiter=",", fmt="%g")
    cli("hopfield", "store", tmp_path / "patterns.csv", "-o", tmp_path / "net.h5")
    given = flags[0] == "PROBES"
    flags = [tmp_path / "probes.csv", *flags[1:]] if given else flags
    theirs = json.loads(cli("hopfield", "recall", tmp_path / "net.h5", *flags, "-o", tmp_path / "final.npy",
                            "--json"))
    flip = options.pop("flip", 0.1)
    h = rgflow.Hopfield.load(tmp_path / "net.h5", **options)
    ours = h.recall_study(probes if given else None, flip=flip)
    np.testing.assert_array_equal(ours.pop("states"), np.load(tmp_path / "final.npy"))
    assert without(theirs, "network", "probes", "dynamics", "temperature", "keep_diagonal") == ours
    assert ours["rows"] == (9 if given else 6) and ours["flip"] == (None if given else flip)


@pytest.mark.parametrize("neurons", ["120", "100,200"])
def test_hopfield_capacity_matches_the_cli(cli, neurons):
    theirs = json.loads(cli("hopfield", "capacity", "--neurons", neurons, "--loads", "0.05:0.35:7", "--trials", 4,
                            "--seed", 3, "--threshold", 0.9, "--json"))
    sizes = [int(n) for n in neurons.split(",")]
    ours = rgflow.hopfield.capacity_study(sizes if len(sizes) > 1 else sizes[0], np.linspace(0.05, 0.35, 7),
                                          trials=4, seed=3, threshold=0.9)
    assert without(theirs, "rule", "dynamics", "keep_diagonal", "trials", "seed", "retrieved_overlap",
                   "probes") == ours
    if len(sizes) > 1:
        assert len(ours["curves"]) == 2 and len(ours["extrapolations"]) == 4
    # One curve is the same numbers as capacity() and critical_load().
    points = rgflow.hopfield.capacity(sizes[-1], np.linspace(0.05, 0.35, 7), trials=4, seed=3)
    curve = ours["curves"][-1] if len(sizes) > 1 else ours
    assert rgflow.hopfield.critical_load(points).mean == curve["critical_load"]["mean"]


@pytest.mark.parametrize("order", [1, 2])
def test_sandpile_stats_match_the_cli(cli, tmp_path, order):
    files = []
    for L, grains in [(8, 3000), (12, 4000), (16, 6000), (24, 8000)]:
        cli("sandpile", "run", "-L", L, "-n", grains, "--seed", L, "--bootstrap", 0, "-o", tmp_path / f"r{L}.json",
            "--quiet")
        files.append(tmp_path / f"r{L}.json")
    theirs = json.loads(cli("sandpile", "stats", *files, "--order", order, "--q-min", 1.5, "--q-max", 3.5, "--json"))
    ours = rgflow.sandpile.stats(files, q_min=1.5, q_max=3.5, order=order)
    assert without(theirs, "files") == ours
    assert ours["heights"]["order"] == order and ours["exponents"]["sizes"] == [8, 12, 16, 24]
    # The runs as dicts from Python give the same analysis (the sources name them by position).
    runs = [json.load(open(f)) for f in files]
    mine = rgflow.sandpile.stats(runs, q_min=1.5, q_max=3.5, order=order)
    assert without(mine, "mean_size_check") == without(ours, "mean_size_check")
    assert [c["file"] for c in mine["mean_size_check"]] == [f"run {k}" for k in range(4)]


def test_dbn_layer_gates_match_the_cli(cli, tmp_path):
    X = 2 * binary_data(n=300, d=12, seed=4) - 1
    rgflow.save_dataset(tmp_path / "x.npy", X)
    out = json.loads(cli("dbn", "train", tmp_path / "x.npy", "--layers", "12,8,5", "--visible-type", "spin",
                         "--epochs", "5,4", "--seed", 11, "-q", "--json", "-o", tmp_path / "d.h5"))
    est = rgflow.DBN(layers=(8, 5), visible_type="spin", n_iter=[5, 4], random_state=11).fit(X)
    assert out["layer_fits"] == est.fit_report_
    assert len(est.fit_report_) == 2 and est.fit_report_[1]["log_z_method"] == "exact"
