"""DBN(n_iter="auto") (automatic stopping per layer, docs/training.md): every layer stops on its
own rule and keeps its best epoch, bit for bit the layer of a fit with that many epochs per layer
(through the binding, with a constant learning rate); the quality gate of every layer scores the
same sampled held-out states, so its exact log-likelihood is the best score; the same seed and
options give the CLI's `dbn train --epochs auto` model; bad values are refused."""
import json

import h5py
import numpy as np
import pytest

import rgflow
from rgflow import _core
from test_autostop import prototype_rows


def params(**kw):
    return {"layers": (6, 4), "method": "pcd", "learning_rate": 0.1, "batch_size": 10,
            "momentum": 0.5, "random_state": 7, **kw}


def test_every_layer_stops_and_the_gate_scores_its_best_epoch():
    X = prototype_rows(600, 1)
    est = rgflow.DBN(**params(n_iter="auto", patience=3, validation_fraction=0.25)).fit(X)
    assert len(est.stops_) == 2
    for k, (stop, fit) in enumerate(zip(est.stops_, est.fit_report_)):
        assert stop["layer"] == k and stop["score"] == "exact" and stop["patience"] == 3
        assert stop["stop_reason"] == "converged" and stop["best_epoch"] >= 2
        assert len(stop["history"]) == stop["best_epoch"] + 3
        assert fit["above_baseline"]
        assert fit["rows"] == "validation" and fit["n_rows"] == 150
        assert abs(fit["log_likelihood_per_unit"]["mean"] - stop["best_score"]["mean"]) < 1e-9
        epochs = [s for layer, s in est.history_ if layer == k]
        assert [s["heldout_score"] for s in epochs] == [h["score"] for h in stop["history"]]


def test_auto_layers_equal_a_fit_of_the_chosen_epochs():
    X = prototype_rows(500, 2)
    train, validation = _core.split_validation(X, 0.25, 5)
    # No schedule in the configs: a constant learning rate, so fewer epochs follow the same path.
    specs = [{"n_hidden": n, "config": {"method": "pcd", "batch_size": 10, "learning_rate": 0.3,
                                        "auto_epochs": True, "patience": 3, "epochs": 200}}
             for n in (6, 4)]
    dbn, _, stops = _core.train_dbn(train, "bernoulli", specs, "mean", validation, None, seed=5)
    for spec, stop in zip(specs, stops):
        assert stop["stop_reason"] == "converged" and stop["best_epoch"] >= 2
        spec["config"].update(auto_epochs=False, epochs=stop["best_epoch"])
    plain, _, none = _core.train_dbn(train, "bernoulli", specs, "mean", validation, None, seed=5)
    assert none == [None, None]
    for k in range(2):
        for name in ("weights", "visible_bias", "hidden_bias"):
            a, b = (np.asarray(getattr(d.layer(k), name)) for d in (dbn, plain))
            assert a.tobytes() == b.tobytes(), (k, name)


def test_same_model_as_the_cli(cli, tmp_path):
    X = prototype_rows(400, 3)
    rgflow.save_dataset(tmp_path / "x.npy", X)
    out = cli("dbn", "train", tmp_path / "x.npy", "--layers", "8,6,4", "--method", "pcd",
              "--learning-rate", 0.1, "--batch-size", 10, "--momentum", 0.5, "--seed", 7,
              "--validation", 0.25, "--epochs", "auto,4", "--patience", 3, "--max-epochs", 60,
              "--json", "-q", "-o", tmp_path / "cli.h5")
    est = rgflow.DBN(**params(n_iter=["auto", 4], patience=3, max_iter=60,
                              validation_fraction=0.25)).fit(X)
    est.save(tmp_path / "py.h5")
    j = json.loads(out)
    assert est.stops_[1] is None and j["stops"][1] is None
    assert est.stops_[0]["history"] == j["stops"][0]["history"]
    with h5py.File(tmp_path / "cli.h5") as a, h5py.File(tmp_path / "py.h5") as b:
        for k in range(2):
            for name in ("weights", "visible_bias", "hidden_bias"):
                assert a[f"/dbn/layer_{k}/{name}"][()].tobytes() == b[f"/dbn/layer_{k}/{name}"][()].tobytes()
        text = lambda v: v.decode() if isinstance(v, bytes) else v
        for key in ("best_epoch", "stop_reason"):
            assert text(a["/dbn/layer_0"].attrs[key]) == text(b["/dbn/layer_0"].attrs[key])
        assert "best_epoch" not in b["/dbn/layer_1"].attrs


def test_refusals():
    X = prototype_rows(100, 4)
    with pytest.raises(ValueError, match="n_iter"):
        rgflow.DBN(**params(n_iter="soon")).fit(X)
    with pytest.raises(ValueError, match="validation_fraction"):
        rgflow.DBN(**params(n_iter="auto", validation_fraction=1.5)).fit(X)
    with pytest.raises(ValueError, match="patience"):
        rgflow.DBN(**params(n_iter="auto", patience=[1, 2, 3])).fit(X)
    with pytest.raises(Exception, match="exact held-out score"):
        rgflow.DBN(**params(layers=(40, 40), n_iter=[1, "auto"], stop_score="exact")).fit(X)
