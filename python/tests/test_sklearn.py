"""scikit-learn compatibility: the estimator checks, and the digits pipeline against sklearn's own
BernoulliRBM."""
import warnings

import numpy as np
import pytest
from sklearn.linear_model import LogisticRegression
from sklearn.model_selection import train_test_split
from sklearn.neural_network import BernoulliRBM as SklearnBernoulliRBM
from sklearn.pipeline import Pipeline
from sklearn.utils.estimator_checks import check_estimator

import rgflow


@pytest.mark.parametrize("estimator", [rgflow.BernoulliRBM(), rgflow.SpinRBM(),
                                       rgflow.BernoulliRBM(method="cd", momentum="hinton",
                                                           hidden_type="spin"),
                                       rgflow.GaussianRBM()],
                         ids=["BernoulliRBM", "SpinRBM", "BernoulliRBM-cd-spin-hidden",
                              "GaussianRBM"])
def test_check_estimator(estimator):
    if isinstance(estimator, rgflow.GaussianRBM) and not rgflow.gaussian_supported():
        pytest.skip("this build's C++ core has no Gaussian visible units")
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        check_estimator(estimator)
    skipped = [str(w.message) for w in caught if "SkipTest" in type(w.message).__name__]
    assert not skipped, skipped


def digits(data_dir):
    d = rgflow.load_dataset(data_dir / "digits" / "digits.csv.gz")
    assert d.shape == (1797, 65)
    return d[:, :64] / 16.0, d[:, 64].astype(int)


def test_pipeline_on_digits_is_at_least_as_accurate_as_sklearn(data_dir):
    X, y = digits(data_dir)
    X_train, X_test, y_train, y_test = train_test_split(X, y, test_size=0.2, random_state=0)
    scores = {}
    # The same settings for both: scikit-learn's defaults (batch 10, no momentum, a constant rate,
    # no centering), which differ from rgflow's (docs/training.md, "Default options").
    same = {"sklearn": {}, "rgflow": dict(batch_size=10, momentum=0.0, lr_schedule="constant",
                                          centering=False)}
    for name, cls in (("sklearn", SklearnBernoulliRBM), ("rgflow", rgflow.BernoulliRBM)):
        pipeline = Pipeline([
            ("rbm", cls(n_components=100, learning_rate=0.06, n_iter=20, random_state=0, **same[name])),
            ("logistic", LogisticRegression(C=100.0, max_iter=2000)),
        ])
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            pipeline.fit(X_train, y_train)
        scores[name] = pipeline.score(X_test, y_test)
    # Both far above chance (0.1), and the drop-in no worse than the original.
    assert scores["sklearn"] > 0.85, scores
    assert scores["rgflow"] >= scores["sklearn"], scores


def test_one_line_switch_keeps_the_api():
    """Every public parameter, attribute and method of sklearn's BernoulliRBM exists here."""
    X = (np.random.default_rng(0).random((40, 6)) > 0.5).astype(float)
    ours = rgflow.BernoulliRBM(n_components=3, n_iter=2, random_state=0).fit(X)
    theirs = SklearnBernoulliRBM(n_components=3, n_iter=2, random_state=0).fit(X)
    assert set(theirs.get_params()) <= set(ours.get_params())
    for attr in ("components_", "intercept_hidden_", "intercept_visible_", "n_features_in_"):
        assert np.shape(getattr(ours, attr)) == np.shape(getattr(theirs, attr)), attr
    for method in ("transform", "score_samples", "gibbs"):
        assert getattr(ours, method)(X).shape == getattr(theirs, method)(X).shape, method
    assert list(ours.get_feature_names_out()) == list(theirs.get_feature_names_out())
    assert ours.n_iter_ == 2
