"""n_iter="auto" (automatic stopping, docs/training.md): the estimator stops when the exact
held-out log-likelihood stops improving and keeps the best epoch, bit for bit the model of a plain
fit of that many epochs on the same training rows; a pickled checkpoint resumes to the same stop."""
import pickle

import numpy as np
import pytest

import rgflow
from rgflow import _core


def prototype_rows(n, seed):
    """Rows of 8 bits: one of three prototypes with 5 % of the bits flipped."""
    protos = np.array([[1, 1, 1, 1, 0, 0, 0, 0], [0, 0, 0, 0, 1, 1, 1, 1], [1, 1, 0, 0, 1, 1, 0, 0]])
    rng = np.random.default_rng(seed)
    x = protos[rng.integers(0, 3, n)]
    flip = rng.random(x.shape) < 0.05
    return np.where(flip, 1 - x, x).astype(np.float32)


def params(**kw):
    # A constant learning rate: a decaying schedule runs over max_iter in an automatic run but over
    # n_iter in a plain one, so only then is the automatic model a plain run's.
    return dict(n_components=4, learning_rate=0.3, batch_size=10, method="pcd", momentum=0.5,
                lr_schedule="constant", random_state=7, **kw)


def test_auto_keeps_the_best_epoch_of_a_plain_fit():
    X = prototype_rows(600, 1)
    est = rgflow.BernoulliRBM(**params(n_iter="auto", patience=3, validation_fraction=0.25)).fit(X)
    stop = est.stop_
    assert stop["score"] == "exact" and stop["stop_reason"] == "converged"
    assert est.n_iter_ == stop["best_epoch"] + 3 and len(stop["history"]) == est.n_iter_
    assert est.fit_report_["rows"] == "validation"
    assert abs(est.fit_report_["log_likelihood_per_unit"]["mean"] - stop["best_score"]["mean"]) < 1e-9
    train, validation = _core.split_validation(X, 0.25, 7)
    assert train.shape == (450, 8) and validation.shape == (150, 8)
    plain = rgflow.BernoulliRBM(**params(n_iter=stop["best_epoch"])).fit(train)
    assert np.array_equal(est.components_, plain.components_)
    assert np.array_equal(est.intercept_visible_, plain.intercept_visible_)
    assert np.array_equal(est.intercept_hidden_, plain.intercept_hidden_)
    # One more pass after an automatic fit trains (a fixed epoch count).
    before = est.components_.copy()
    est.partial_fit(train)
    assert est.n_iter_ == stop["best_epoch"] + 4 and not np.array_equal(before, est.components_)
    # Pickled estimators keep the report.
    assert pickle.loads(pickle.dumps(est)).stop_ == est.stop_


def test_pickled_checkpoint_resumes_to_the_same_stop():
    X = prototype_rows(600, 2)
    train, validation = _core.split_validation(X, 0.25, 3)
    config = {"method": "pcd", "batch_size": 10, "learning_rate": 0.3, "seed": 3,
              "auto_epochs": True, "patience": 3, "epochs": 200}
    straight = _core.Rbm(8, 4, "bernoulli", "bernoulli")
    full = _core.Trainer(straight, config, train, validation)
    while not full.finished:
        full.run_epoch()
    cut = next(h["epoch"] for h in full.convergence["history"][1:] if not h["improved"])
    part_rbm = _core.Rbm(8, 4, "bernoulli", "bernoulli")
    part = _core.Trainer(part_rbm, config, train, validation)
    while part.epochs_done < cut:
        part.run_epoch()
    state = pickle.loads(pickle.dumps(part.checkpoint()))
    resumed = _core.Rbm(8, 4, "bernoulli", "bernoulli")
    rest = _core.Trainer(resumed, state, train, validation)
    while not rest.finished:
        rest.run_epoch()
    assert rest.convergence == full.convergence
    assert np.array_equal(resumed.weights, straight.weights)
    assert np.array_equal(resumed.hidden_bias, straight.hidden_bias)


def test_bad_values():
    X = prototype_rows(100, 3)
    with pytest.raises(ValueError):
        rgflow.BernoulliRBM(n_iter="forever").fit(X)
    with pytest.raises(ValueError):
        rgflow.BernoulliRBM(n_iter="auto", patience=0).fit(X)
    with pytest.raises(ValueError):
        rgflow.BernoulliRBM(n_iter="auto", validation_fraction=1.0).fit(X)
    with pytest.raises(rgflow.Error, match="validation"):
        _core.Trainer(_core.Rbm(8, 2, "bernoulli", "bernoulli"), {"auto_epochs": True}, X)
