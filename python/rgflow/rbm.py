"""scikit-learn estimators for restricted Boltzmann machines, backed by rgflow's C++ trainer.

``BernoulliRBM`` takes the constructor parameters of ``sklearn.neural_network.BernoulliRBM``
(``n_components``, ``learning_rate``, ``batch_size``, ``n_iter``, ``verbose``, ``random_state``),
exposes the same fitted attributes (``components_`` [n_components, n_features],
``intercept_hidden_``, ``intercept_visible_``, ``h_samples_``, ``n_features_in_``, plus
``n_iter_``) and methods (``fit``, ``partial_fit``, ``transform``, ``score_samples``, ``gibbs``,
``fit_transform``, and the internals ``_mean_hiddens``, ``_sample_hiddens``,
``_sample_visibles``, ``_free_energy`` that scikit-learn's tests and subclasses call), takes
sparse input wherever scikit-learn does, and passes scikit-learn's own test_rbm.py
(python/tests/test_sklearn_rbm_suite.py). Its defaults are rgflow's training defaults, not
scikit-learn's; with scikit-learn's settings spelled out (``learning_rate=0.1, batch_size=10,
n_iter=10, momentum=0.0, lr_schedule='constant', centering=False``) it trains by PCD-1 as
scikit-learn does. The remaining differences (docs/python.md, "scikit-learn parity"): rgflow
initialises the visible biases from the data (Hinton 2010 section 8), shuffles the mini-batches
every epoch and keeps the visible states of its persistent chains; ``score_samples`` draws the
flipped unit of each row from a seeded hash of the row, so the score of a row does not depend on
the other rows passed with it.

This file is over 600 lines because the three estimators share one base class (_RBMBase) whose
numpydoc docstrings are half of it; the shared class docstring sections are in _rbm_docs.py.

The parameters live in the C++ model (``rbm_``, an :class:`rgflow.Rbm`); ``components_`` and the
intercepts are NumPy views of its float32 storage (no copies; writing to them changes the model).
"""
import json
import numbers
import sys
import time
import warnings

import numpy as np
from sklearn.base import BaseEstimator, ClassNamePrefixFeaturesOutMixin, TransformerMixin
from sklearn.utils import check_random_state
from sklearn.utils.metaestimators import available_if
from sklearn.utils.validation import check_is_fitted

try:  # scikit-learn >= 1.6
    from sklearn.utils.validation import validate_data as _sk_validate_data
except ImportError:  # pragma: no cover - depends on the installed scikit-learn
    _sk_validate_data = None
try:
    from sklearn.utils._param_validation import Interval, StrOptions
except ImportError:  # pragma: no cover
    Interval = StrOptions = None

from . import _core
from ._rbm_docs import class_docstring
from .distributed import collective

_VIEWS = ("components_", "intercept_hidden_", "intercept_visible_")
# Stream of the Rng behind gibbs(): apart from the trainer's streams (0, 1, 2^32 + e).
_GIBBS_STREAM = 1 << 40


def _validate(estimator, X, **kwargs):
    if _sk_validate_data is not None:
        return _sk_validate_data(estimator, X, **kwargs)
    return estimator._validate_data(X, **kwargs)


def _as_float32(X):
    """Dense, C-contiguous float32 (no copy when X already is)."""
    if hasattr(X, "toarray"):
        X = X.toarray()
    return np.ascontiguousarray(X, dtype=np.float32)


def _rows(v, float_dtype=False):
    """(v as a 2-D dense or sparse matrix, whether v was one 1-D row); float_dtype: a non-float
    dtype becomes float64."""
    if not hasattr(v, "toarray"):
        v = np.asarray(v)
    one_row = v.ndim == 1
    if one_row:
        v = v.reshape(1, -1)
    if float_dtype and v.dtype not in (np.float32, np.float64):
        v = v.astype(np.float64)
    return v, one_row


def _uniform(rng):
    """rng's U(0, 1) draw, for a NumPy RandomState (``uniform``) or Generator (``random``)."""
    if isinstance(rng, np.random.Generator):
        return rng.random
    return check_random_state(rng).uniform


def seed_from_random_state(random_state):
    """An integer seed for rgflow's Philox streams from a scikit-learn ``random_state``.

    Parameters
    ----------
    random_state : int, RandomState instance or None
        An int >= 0 is the seed itself; otherwise two draws from the RandomState
        (None: NumPy's global RandomState, as scikit-learn does) make a 62-bit seed.

    Returns
    -------
    seed : int
        The seed, >= 0.
    """
    if isinstance(random_state, numbers.Integral) and not isinstance(random_state, bool):
        if random_state < 0:
            raise ValueError(f"random_state must be >= 0, got {random_state}")
        return int(random_state)
    rs = check_random_state(random_state)
    return int(rs.randint(0, 2**31 - 1)) * (1 << 32) + int(rs.randint(0, 2**31 - 1))


def _row_flip_index(X32, n_features, key):
    """The unit flipped in row r by score_samples: a seeded hash of the row's bytes, uniform over
    0..n_features-1 for distinct rows (splitmix64 finaliser over a random linear form)."""
    words = X32.view(np.uint32).astype(np.uint64)
    rng = np.random.default_rng(key)
    coeff = rng.integers(1, 2**63, size=X32.shape[1], dtype=np.uint64) * np.uint64(2) + np.uint64(1)
    with np.errstate(over="ignore"):
        h = (words * coeff[None, :]).sum(axis=1, dtype=np.uint64)
        h ^= h >> np.uint64(30)
        h *= np.uint64(0xBF58476D1CE4E5B9)
        h ^= h >> np.uint64(27)
        h *= np.uint64(0x94D049BB133111EB)
        h ^= h >> np.uint64(31)
    return (h % np.uint64(n_features)).astype(np.intp)


# The defaults of every front end (train::default_config() of the C++ core, docs/results.md):
# `rgflow rbm train` with no options trains the same model as these classes with theirs.
_DEFAULTS = _core.default_train_config()
_GAUSSIAN_DEFAULTS = _core.default_train_config("gaussian")


def gaussian_supported():
    """Whether the C++ core trains and evaluates RBMs with Gaussian visible units.

    Returns
    -------
    supported : bool
        True when :class:`GaussianRBM` can be fitted with this build.
    """
    try:
        rbm = _core.Rbm(2, 1, "gaussian", "bernoulli")
        rbm.free_energy_visible(np.zeros((1, 2), np.float32))
        return hasattr(rbm, "visible_sigma")
    except (ValueError, RuntimeError):
        return False


class _RBMBase(ClassNamePrefixFeaturesOutMixin, TransformerMixin, BaseEstimator):
    """Shared by BernoulliRBM, SpinRBM and GaussianRBM; subclasses set _visible_type.
    """

    _visible_type = "bernoulli"

    def _more_tags(self):
        return {"preserves_dtype": [np.float64, np.float32]}

    # ------------------------------------------------------------------ configuration
    def _train_config(self, seed):
        momentum = self.momentum
        auto = self._auto()
        config = {
            "method": self.method,
            "steps": int(self.steps),
            "epochs": int(self.max_iter) if auto else int(self.n_iter),
            "batch_size": int(self.batch_size),
            "learning_rate": float(self.learning_rate),
            "l1": float(self.l1),
            "l2": float(self.l2),
            "seed": int(seed),
            "centering": bool(self.centering),
            "symmetry": self._symmetry(),
        }
        # The learning-rate schedule: 'constant', or a decay to learning_rate_final ('auto':
        # learning_rate / 100, as `rgflow rbm train` without --learning-rate-final).
        final = self.learning_rate_final
        if self.lr_schedule == "constant":
            if final not in ("auto", None):
                raise ValueError("learning_rate_final: not with lr_schedule='constant'")
            config["learning_rate_final"] = None
        else:
            config["schedule"] = self.lr_schedule
            config["learning_rate_final"] = (
                _core.default_final_learning_rate(float(self.learning_rate))
                if final in ("auto", None) else float(final))
        if auto:  # automatic stopping (docs/training.md): n_iter="auto", at most max_iter epochs
            config["auto_epochs"] = True
            config["patience"] = int(self.patience)
        if isinstance(momentum, str):
            if momentum != "hinton":
                raise ValueError(f"momentum must be a number in [0, 1) or 'hinton', got {momentum!r}")
        else:
            config["momentum_initial"] = config["momentum_final"] = float(momentum)
        if self.sparsity_target is not None:
            config["sparsity_target"] = float(self.sparsity_target)
            config["sparsity_cost"] = float(self.sparsity_cost)
        config.update(self.train_options or {})
        return config

    def _auto(self):
        return isinstance(self.n_iter, str) and self.n_iter == "auto"

    def _hidden_type(self):
        """hidden_type, with 'auto' resolved as `rgflow rbm train` does: spin hidden units for
        spin visible units, else Bernoulli."""
        if self.hidden_type != "auto":
            return self.hidden_type
        return "spin" if self._visible_type == "spin" else "bernoulli"

    def _symmetry(self):
        """symmetry, with 'auto' resolved by fit (symmetry_); 'none' before."""
        if self.symmetry != "auto":
            return self.symmetry
        return getattr(self, "symmetry_", "none")

    def _resolve_symmetry(self, X32):
        """symmetry_: 'z2' when symmetry='auto', both layers are spin units, no sparsity target is
        set and the rows are consistent with p(v) = p(-v) (rgflow.z2_consistent), as
        `rgflow rbm train --symmetry auto`; else the given symmetry."""
        if self.symmetry != "auto":
            self.symmetry_ = self.symmetry
            return
        spins = self._visible_type == "spin" and self._hidden_type() == "spin"
        self.symmetry_ = ("z2" if spins and self.sparsity_target is None and _core.z2_consistent(X32)
                          else "none")

    def _split(self, X32):
        """(training rows, validation rows or None): with n_iter="auto" the seeded split of
        ``rgflow rbm train --validation FRACTION`` (validation_fraction, seed_)."""
        if not self._auto():
            return X32, None
        return _core.split_validation(X32, float(self.validation_fraction), int(self.seed_))

    def _check_params(self):
        if hasattr(self, "_validate_params"):
            self._validate_params()

    def _new_rbm(self, n_features):
        return _core.Rbm(int(n_features), int(self.n_components), self._visible_type,
                         self._hidden_type())

    def _set_views(self):
        rbm = self.rbm_
        self.components_ = rbm.weights.T          # [n_components, n_features], Fortran order
        self.intercept_hidden_ = rbm.hidden_bias
        self.intercept_visible_ = rbm.visible_bias
        self._n_features_out = rbm.n_hidden

    # ------------------------------------------------------------------ training
    def _run_epochs(self, trainer, X32):
        while not trainer.finished:
            start = time.time()
            stats = trainer.run_epoch()
            self.history_.append(stats)
            # The divergence guard restored the last good state and halved the step.
            for line in stats.get("notices") or ():
                warnings.warn(f"{type(self).__name__}: {line}", RuntimeWarning, stacklevel=3)
            if self.verbose:
                pll = stats["pseudo_log_likelihood"]  # None for rows of probabilities
                if pll is not None:
                    pll = f"{pll['mean']:.2f}"
                elif self._visible_type != "gaussian":  # as scikit-learn: score_samples(X).mean()
                    pll = f"{self._pseudo_likelihood(X32).mean():.2f}"
                else:
                    pll = "n/a"
                # scikit-learn's line, character for character, so that its log parsers read ours.
                print(f"[{type(self).__name__}] Iteration {stats['epoch']}, pseudo-likelihood = "
                      f"{pll}, time = {time.time() - start:.2f}s", file=sys.stdout)
                score = stats.get("heldout_score")
                if score is not None:  # n_iter="auto": the stopping score on a line of its own
                    print(f"[{type(self).__name__}] Iteration {stats['epoch']}, held-out score = "
                          f"{score['mean']:.5f} +- {score['error']:.5f}", file=sys.stdout)
        self.n_iter_ = trainer.epochs_done
        self.stop_ = trainer.convergence
        self._train_state = trainer.checkpoint()
        self.h_samples_ = self._chain_hidden_states(self._train_state)

    def _chain_hidden_states(self, state):
        """h_samples_: the hidden states of the persistent chains (scikit-learn's attribute).
        Hidden-state PCD (``train_options={"pcd_hidden_state": True}``, scikit-learn's scheme)
        keeps them; visible-state PCD keeps the visible chains, whose hidden states are drawn
        here from P(h | v_chain) with a NumPy stream seeded by (seed_, epochs done). Other
        methods give an empty [0, n_components] array: CD has no persistent chains, TAP keeps
        magnetisations rather than states, PT a ladder of replicas."""
        config = state.config
        if config["method"] != "pcd" or state.persistent_chains.size == 0:  # or 0 updates yet
            return np.zeros((0, self.rbm_.n_hidden))
        if config.get("pcd_hidden_state"):
            return state.persistent_hidden.astype(np.float64)
        chains = state.persistent_chains
        rng = np.random.default_rng([int(self.seed_), int(state.epochs_done)])
        return self._draw(self.rbm_.hidden_mean(chains).astype(np.float64),
                          self.rbm_.hidden_type, rng.random)

    def fit(self, X, y=None):
        """Fit the model to X.

        Parameters
        ----------
        X : {array-like, sparse matrix} of shape (n_samples, n_features)
            Training rows: states or probabilities in [0, 1] for Bernoulli units, states in
            {-1, +1} for spin units, real values for Gaussian units.
        y : None
            Ignored; present for the scikit-learn API.

        Returns
        -------
        self : object
            The fitted estimator.
        """
        self._check_params()
        X = _validate(self, X, accept_sparse="csr", dtype=(np.float64, np.float32))
        X32 = _as_float32(X)
        self.seed_ = seed_from_random_state(self.random_state)
        self.rbm_ = self._new_rbm(X32.shape[1])
        self._prepare_model(X32)
        self.history_ = []
        self._set_views()
        train, validation = self._split(X32)
        self._resolve_symmetry(train)
        trainer = _core.Trainer(self.rbm_, self._train_config(self.seed_), train, validation)
        self._reset_visible_bias()
        self._run_epochs(trainer, X32)
        self._assess_fit(train, validation)
        return self

    def _assess_fit(self, X32, validation=None):
        """The quality gate of `rgflow rbm train` on the validation rows of n_iter="auto", else
        the training rows (fit_report_; None for Gaussian units or rows of probabilities): a model
        below the independent-unit baseline gets a warning."""
        self.fit_report_ = _core.assess_fit(self.rbm_, X32, validation, int(self.seed_))
        report = self.fit_report_
        if report is not None and not report["above_baseline"]:
            ll = report["log_likelihood_per_unit"]
            warnings.warn(
                f"{type(self).__name__}: the model does not beat independent units on its {report['rows']} rows "
                f"({ll['mean']:.5f} +- {ll['error']:.5f} vs {report['independent_per_unit']:.5f} nats per "
                "unit): it does not model its data", RuntimeWarning, stacklevel=3)

    def _prepare_model(self, X32):
        """Hook for unit types with extra parameters (GaussianRBM sets sigma)."""

    def _reset_visible_bias(self):
        """visible_bias_init='zero': undo the trainer's data initialisation of the visible biases
        (scikit-learn starts them at 0). The trainer holds the same C++ model and sets its
        centring offsets from the first batch, so this is a zero initialisation."""
        if self.visible_bias_init == "zero":
            self.rbm_.visible_bias[...] = 0.0  # a view of the model's storage

    def partial_fit(self, X, y=None):
        """One pass over X in mini-batches of ``batch_size``.

        One update when X has at most ``batch_size`` rows, as scikit-learn's ``partial_fit``. The
        optimizer state (momentum, persistent chains, random stream) carries over between calls;
        every call runs at ``learning_rate`` (no decay schedule, as ``lr_schedule='constant'``).

        Parameters
        ----------
        X : {array-like, sparse matrix} of shape (n_samples, n_features)
            Training rows, as for :meth:`fit`.
        y : None
            Ignored; present for the scikit-learn API.

        Returns
        -------
        self : object
            The estimator, updated.
        """
        self._check_params()
        first = not hasattr(self, "rbm_")
        X = _validate(self, X, accept_sparse="csr", dtype=(np.float64, np.float32), reset=first)
        X32 = _as_float32(X)
        if first:
            self.seed_ = seed_from_random_state(self.random_state)
            self.rbm_ = self._new_rbm(X32.shape[1])
            self._prepare_model(X32)
            self.history_ = []
            self._set_views()
            self._resolve_symmetry(X32)
            config = dict(self._train_config(self.seed_), epochs=1, auto_epochs=False,
                          learning_rate_final=None, warmup_epochs=0)
            trainer = _core.Trainer(self.rbm_, config, X32)
            self._reset_visible_bias()
        else:
            state = getattr(self, "_train_state", None)
            done = getattr(self, "n_iter_", 0)
            if state is None:  # a model loaded from a file: fresh optimizer state
                state = _core.Checkpoint.from_model(
                    self.rbm_, dict(self._train_config(self.seed_), epochs=done + 1,
                                    auto_epochs=False, learning_rate_final=None,
                                    warmup_epochs=0), done)
            # One more pass: a fixed epoch count, also after a fit with n_iter="auto".
            # At learning_rate: a schedule over epochs=done + 1 would run this pass at its end
            # (learning_rate_final), as partial_fit did before (issue #21).
            state = state.replace(epochs=done + 1, rbm=self.rbm_, auto_epochs=False,
                                  constant_learning_rate=True)
            trainer = _core.Trainer(self.rbm_, state, X32)
        self._run_epochs(trainer, X32)
        return self

    # ------------------------------------------------------------------ inference
    def _input(self, X):
        check_is_fitted(self)
        X = _validate(self, X, accept_sparse="csr", dtype=(np.float64, np.float32), reset=False)
        return X, _as_float32(X)

    def transform(self, X):
        """Hidden activation probabilities E[h|v].

        P(h=1|v) for Bernoulli hidden units, tanh of the field for spin hidden units.

        Parameters
        ----------
        X : {array-like, sparse matrix} of shape (n_samples, n_features)
            Visible rows.

        Returns
        -------
        h : ndarray of shape (n_samples, n_components)
            E[h|v] in X's float dtype (float64 for integer input).
        """
        X, X32 = self._input(X)
        return self._hidden_means(X, X32)

    def _hidden_means(self, X, X32):
        """E[h|v] of the validated rows X (dense or sparse, float32 or float64; X32: X as dense
        float32)."""
        if X.dtype == np.float64:
            # In float64 (as scikit-learn): a float32 product sums in an order that depends on the
            # number of rows, which cancellation in the field can lift above 1e-7, so a row's
            # value would depend on the rows that come with it.
            rbm = self.rbm_
            if self._visible_type != "gaussian":
                t = X
            elif hasattr(X, "multiply"):  # sparse
                t = X.multiply(1.0 / rbm.visible_sigma.astype(np.float64) ** 2).tocsr()
            else:
                t = X / (rbm.visible_sigma.astype(np.float64) ** 2)
            field = np.asarray(t @ rbm.weights.astype(np.float64)) + rbm.hidden_bias.astype(np.float64)
            return np.tanh(field) if rbm.hidden_type == "spin" else 0.5 * (1.0 + np.tanh(0.5 * field))
        return self.rbm_.hidden_mean(X32)

    @available_if(lambda self: self._visible_type != "gaussian")
    def score_samples(self, X):
        """Stochastic pseudo-log-likelihood per row, as scikit-learn's.

        n_features * log sigmoid(F(v~) - F(v)), with v~ = v with one unit flipped. The unit is a
        seeded hash of the row (seed: ``seed_``), so a row's score is the same whatever rows come
        with it; averaged over rows it estimates ``sum_i log p(v_i | v_-i)``. Not available for
        Gaussian visible units.

        Parameters
        ----------
        X : {array-like, sparse matrix} of shape (n_samples, n_features)
            Visible rows.

        Returns
        -------
        pseudo_likelihood : ndarray of shape (n_samples,)
            The score of each row (nats, float64).
        """
        _, X32 = self._input(X)
        return self._pseudo_likelihood(X32)

    def _pseudo_likelihood(self, X32):
        """score_samples of validated dense float32 rows."""
        index = _row_flip_index(X32, X32.shape[1], self.seed_)
        # F(v~) - F(v) term by term in float64 (no cancellation between two float32 free energies;
        # a row's value does not depend on the other rows, as scikit-learn's estimator checks
        # demand): the C++ core's pseudo_log_likelihood_rows.
        return _core.pseudo_log_likelihood_rows(self.rbm_, X32, index.tolist(), False)

    def gibbs(self, v):
        """One block-Gibbs step v -> h -> v.

        Draws from an rgflow stream seeded by ``seed_`` that advances across calls (as
        scikit-learn's ``random_state_``).

        Parameters
        ----------
        v : {array-like, sparse matrix} of shape (n_samples, n_features) or (n_features,)
            Visible states to start from; a 1-D array is one row.

        Returns
        -------
        v_new : ndarray of shape (n_samples, n_features) or (n_features,)
            The sampled visible states, in v's float dtype (float64 otherwise), v's shape.
        """
        check_is_fitted(self)
        v, one_row = _rows(v)
        if not hasattr(self, "gibbs_rng_"):
            self.gibbs_rng_ = _core.Rng(self.seed_, _GIBBS_STREAM)
        out, _ = self.rbm_.gibbs(_as_float32(v), 1, self.gibbs_rng_)
        dtype = v.dtype if v.dtype in (np.float32, np.float64) else np.float64
        out = out.astype(dtype, copy=False)
        return out[0] if one_row else out

    # ------------------------------------------------------------------ scikit-learn's internals
    # Not public API, but scikit-learn's tests and subclasses of its BernoulliRBM call them; same
    # signatures, same conventions (no input validation, a 1-D v is one row, sparse accepted).
    def _mean_hiddens(self, v):
        """E[h|v] for the rows of v (1-D: one row), as :meth:`transform` computes it."""
        check_is_fitted(self)
        v, one_row = _rows(v, float_dtype=True)
        out = self._hidden_means(v, _as_float32(v))
        return out[0] if one_row else out

    def _sample_hiddens(self, v, rng):
        """A sample of h ~ p(h|v) for the rows of v, drawn with ``rng`` (a NumPy RandomState or
        Generator, as scikit-learn passes), as floats in {0, 1} (spin hidden units: {-1, +1})."""
        mean = self._mean_hiddens(v)
        return self._draw(mean, self.rbm_.hidden_type, _uniform(rng))

    def _sample_visibles(self, h, rng):
        """A sample of v ~ p(v|h) for the rows of h, drawn with ``rng``: floats in {0, 1} (spin
        visible units: {-1, +1}; Gaussian: mean + sigma * N(0, 1))."""
        check_is_fitted(self)
        h, one_row = _rows(h, float_dtype=True)
        mean = self.rbm_.visible_mean(_as_float32(h)).astype(np.float64)
        if self._visible_type == "gaussian":
            draw = rng.standard_normal if hasattr(rng, "standard_normal") else rng.normal
            out = mean + self.rbm_.visible_sigma.astype(np.float64) * draw(size=mean.shape)
        else:
            out = self._draw(mean, self.rbm_.visible_type, _uniform(rng))
        return out[0] if one_row else out

    def _free_energy(self, v):
        """F(v) per row (float64), as :meth:`free_energy` without input validation."""
        check_is_fitted(self)
        v, one_row = _rows(v)
        out = self.rbm_.free_energy_visible(_as_float32(v))
        return out[0] if one_row else out

    @staticmethod
    def _draw(mean, unit_type, uniform):
        """States with the given means: {0, 1} with P(1) = mean, or spins {-1, +1} with
        E = mean; ``uniform(size=shape)`` draws the U(0, 1) numbers."""
        if unit_type == "spin":
            return np.where(uniform(size=mean.shape) < 0.5 * (1.0 + mean), 1.0, -1.0)
        return (uniform(size=mean.shape) < mean).astype(np.float64)

    # ------------------------------------------------------------------ rgflow extras
    def free_energy(self, X):
        """Free energy F(v) per row: p(v) = exp(-F(v)) / Z.

        Parameters
        ----------
        X : {array-like, sparse matrix} of shape (n_samples, n_features)
            Visible rows.

        Returns
        -------
        free_energy : ndarray of shape (n_samples,)
            F(v) of each row (float64).
        """
        _, X32 = self._input(X)
        return self.rbm_.free_energy_visible(X32)

    def log_partition(self, method="exact", X=None, *, chains=100, betas=None, seed=0,
                      threads=0, tap_iterations=500, tap_damping=0.5, return_details=False,
                      comm=None):
        """log Z by the methods of ``rgflow rbm logz``.

        Parameters
        ----------
        method : {'exact', 'ais', 'reverse-ais', 'tap1', 'tap2', 'tap3'}, default='exact'
            'exact' enumerates the smaller layer (at most 32 units); 'ais' and 'reverse-ais'
            (needs X) are annealed importance sampling; 'tap1'..'tap3' the TAP expansions.
        X : {array-like, sparse matrix} of shape (n_samples, n_features), default=None
            Data rows: fit AIS's base-rate model and seed TAP, as the CLI's ``--data``.
        chains : int, default=100
            AIS chains.
        betas : None, int or sequence of float, default=None
            AIS temperatures: None or 0 for Salakhutdinov & Murray's 14,501, an int K for K
            linear steps, or the inverse temperatures themselves.
        seed : int, default=0
            Seed of the AIS chains.
        threads : int, default=0
            OpenMP threads (0: the default); results do not depend on it.
        tap_iterations : int, default=500
            Damped fixed-point sweeps of the TAP methods.
        tap_damping : float, default=0.5
            Damping of the TAP sweeps, in [0, 1).
        return_details : bool, default=False
            Also return the method's details (a dict: AIS diagnostics, TAP convergence).
        comm : mpi4py.MPI.Comm, default=None
            Under mpirun: split 'exact', 'ais' and 'reverse-ais' over the ranks of this
            communicator (TAP runs whole on each). Every rank makes the same call and gets the
            serial result bit for bit; an error on any rank raises on all (rgflow.distributed,
            docs/python.md). None: this process alone.

        Returns
        -------
        log_z : rgflow.Result
            The estimate with its error (0 for 'exact').
        details : dict
            Only with ``return_details=True``.
        """
        result, details = collective(comm, lambda c: self._log_partition(
            c, method, X, chains, betas, seed, threads, tap_iterations, tap_damping))
        return (result, details) if return_details else result

    def _log_partition(self, communicator, method, X, chains=100, betas=None, seed=0, threads=0,
                       tap_iterations=500, tap_damping=0.5):
        # log_partition's work, with an rgflow._core.Communicator (or None) from collective().
        check_is_fitted(self)
        data = None if X is None else self._input(X)[1]
        return _core.log_partition(self.rbm_, method, data, int(chains), betas, int(seed),
                                   int(threads), int(tap_iterations), float(tap_damping),
                                   communicator)

    def log_likelihood(self, X, method="exact", *, comm=None, **options):
        """Mean log-likelihood per row, (1/N) sum_n [-F(v_n)] - log Z.

        As ``rgflow rbm loglik``: the error combines the spread over the rows and the error of
        log Z. Rows must be states of the visible units.

        Parameters
        ----------
        X : {array-like, sparse matrix} of shape (n_samples, n_features)
            Visible states.
        method : str, default='exact'
            How log Z is computed (see :meth:`log_partition`).
        comm : mpi4py.MPI.Comm, default=None
            Split log Z over the ranks of this communicator, as :meth:`log_partition`'s.
        **options : dict
            Further keyword arguments of :meth:`log_partition` (chains, betas, seed, threads, ...).

        Returns
        -------
        log_likelihood : rgflow.Result
            Mean log-likelihood per row (nats) with its error.
        """
        return collective(comm, lambda c: self._log_likelihood(c, X, method, **options))

    def _log_likelihood(self, communicator, X, method, **options):
        _, X32 = self._input(X)
        self.rbm_.check_visible_data(X32, "X")
        log_z, _ = self._log_partition(communicator, method, X32, **options)
        ll = _core.mean_log_likelihood(self.rbm_, X32, log_z.mean)
        return _core.Result(ll.mean, float(np.hypot(ll.error, log_z.error)), ll.tau_int, ll.n)

    def sample(self, n_samples, gibbs_steps=1000, seed=0):
        """Independent samples of the model by block Gibbs sampling.

        ``n_samples`` chains from uniformly random visible states, ``gibbs_steps`` rounds
        v -> h -> v each: the same draws as ``rgflow rbm sample --seed SEED``.

        Parameters
        ----------
        n_samples : int
            Number of chains (rows returned).
        gibbs_steps : int, default=1000
            Gibbs rounds per chain.
        seed : int, default=0
            Seed of the chains.

        Returns
        -------
        samples : ndarray of shape (n_samples, n_features)
            The final visible states (float32).
        """
        check_is_fitted(self)
        return self.rbm_.sample(int(n_samples), int(gibbs_steps), int(seed))

    # ------------------------------------------------------------------ files
    def _file_attributes(self):
        attrs = {"rgflow_version": _core.__version__,
                 "command": f"python: rgflow.{type(self).__name__}.save",
                 "epochs_done": str(getattr(self, "n_iter_", 0)),
                 "visible_bias_init": str(self.visible_bias_init)}
        if hasattr(self, "seed_"):
            config = _core.train_config(self._train_config(self.seed_))
            for key, value in config.items():
                attrs[key] = value if isinstance(value, str) else json.dumps(value)
            attrs["train_config"] = json.dumps(config, separators=(",", ":"))
        return attrs

    def save(self, path, attributes=None):
        """Write the model as the CLI's HDF5 model file, atomically.

        ``/rbm/weights`` [n_visible, n_hidden], the biases and unit types; the training
        parameters and seed as attributes.

        Parameters
        ----------
        path : str or path-like
            The file to write.
        attributes : dict, default=None
            Extra string attributes stored with the model.
        """
        check_is_fitted(self)
        attrs = self._file_attributes()
        attrs.update({str(k): str(v) for k, v in (attributes or {}).items()})
        _core.save_rbm(str(path), self.rbm_, attrs)

    @classmethod
    def load(cls, path):
        """An estimator around the model in a file written by the CLI or by :meth:`save`.

        Parameters are taken from the file's training attributes where present.

        Parameters
        ----------
        path : str or path-like
            The HDF5 model file; its visible units must match the class (use
            :func:`rgflow.load` to pick the class from the file).

        Returns
        -------
        estimator : object
            A fitted estimator of this class.
        """
        rbm, attributes = _core.load_rbm(str(path))
        if rbm.visible_type != cls._visible_type:
            raise ValueError(f"{path}: visible units are {rbm.visible_type}, not "
                             f"{cls._visible_type} (use rgflow.load to pick the class)")
        return cls._from_core(rbm, attributes)

    @classmethod
    def _from_core(cls, rbm, attributes):
        params = {"n_components": rbm.n_hidden, "hidden_type": rbm.hidden_type}
        config = json.loads(attributes["train_config"]) if "train_config" in attributes else {}
        for key, param in (("learning_rate", "learning_rate"), ("batch_size", "batch_size"),
                           ("epochs", "n_iter"), ("method", "method"), ("steps", "steps"),
                           ("l1", "l1"), ("l2", "l2")):
            if key in config:
                params[param] = config[key]
        if config and config.get("momentum_initial") == config.get("momentum_final"):
            params["momentum"] = config["momentum_initial"]
        elif config:
            params["momentum"] = "hinton"
        if config.get("auto_epochs"):
            params.update(n_iter="auto", max_iter=config["epochs"], patience=config["patience"])
        if "learning_rate_final" in config:
            final = config["learning_rate_final"]
            params["learning_rate_final"] = final
            params["lr_schedule"] = "constant" if final is None else config.get("schedule", "linear")
        for key in ("centering", "symmetry"):
            if key in config:
                params[key] = config[key]
        if attributes.get("visible_bias_init") in ("data", "zero"):
            params["visible_bias_init"] = attributes["visible_bias_init"]
        if "seed" in config:
            params["random_state"] = int(config["seed"])
        valid = cls().get_params()
        est = cls(**{k: v for k, v in params.items() if k in valid})
        est.rbm_ = rbm
        est.n_features_in_ = rbm.n_visible
        est.seed_ = int(config.get("seed", 0))
        est.n_iter_ = int(attributes.get("epochs_done", 0))
        est.history_ = []
        est.file_attributes_ = dict(attributes)
        est._set_views()
        return est

    # ------------------------------------------------------------------ pickling
    def __getstate__(self):
        state = dict(super().__getstate__())
        for key in _VIEWS:
            state.pop(key, None)
        return state

    def __setstate__(self, state):
        super().__setstate__(state)
        if "rbm_" in self.__dict__:
            self._set_views()


_COMMON_CONSTRAINTS = {}
if Interval is not None:
    _COMMON_CONSTRAINTS = {
        "n_components": [Interval(numbers.Integral, 1, None, closed="left")],
        "learning_rate": [Interval(numbers.Real, 0, None, closed="neither")],
        "batch_size": [Interval(numbers.Integral, 1, None, closed="left")],
        "n_iter": [Interval(numbers.Integral, 0, None, closed="left"), StrOptions({"auto"})],
        "patience": [Interval(numbers.Integral, 1, None, closed="left")],
        "max_iter": [Interval(numbers.Integral, 1, None, closed="left")],
        "validation_fraction": [Interval(numbers.Real, 0, 1, closed="neither")],
        "verbose": ["verbose"],
        "random_state": ["random_state"],
        "method": [str],
        "steps": [Interval(numbers.Integral, 1, None, closed="left")],
        "momentum": [Interval(numbers.Real, 0, 1, closed="left"), StrOptions({"hinton"})],
        "l1": [Interval(numbers.Real, 0, None, closed="left")],
        "l2": [Interval(numbers.Real, 0, None, closed="left")],
        "sparsity_target": [None, Interval(numbers.Real, 0, 1, closed="neither")],
        "sparsity_cost": [Interval(numbers.Real, 0, None, closed="left")],
        "hidden_type": [StrOptions({"auto", "bernoulli", "spin"})],
        "train_options": [dict, None],
        "learning_rate_final": [Interval(numbers.Real, 0, None, closed="neither"), StrOptions({"auto"}), None],
        "lr_schedule": [StrOptions({"cosine", "linear", "exponential", "constant"})],
        "centering": ["boolean"],
        "symmetry": [StrOptions({"auto", "none", "z2"})],
        "visible_bias_init": [StrOptions({"data", "zero"})],
    }


class BernoulliRBM(_RBMBase):
    __doc__ = class_docstring("""Bernoulli RBM (visible and hidden units in {0, 1}) trained by rgflow's C++ trainer.

    A drop-in for ``sklearn.neural_network.BernoulliRBM``: same parameters, fitted attributes
    and methods (scikit-learn's own test_rbm.py passes against it, docs/python.md), sparse
    input everywhere scikit-learn takes it, plus rgflow's training methods and exact / AIS /
    TAP likelihoods. The defaults are those of ``rgflow rbm train`` (the C++ core's
    ``default_config``, chosen by the sweep in docs/results.md): PCD-1, batch 100, 100 epochs,
    learning rate 0.05 decaying by a cosine schedule to 0.0005, momentum 0.5, centred
    gradients. scikit-learn's own defaults are ``learning_rate=0.1, batch_size=10,
    n_iter=10, momentum=0.0, lr_schedule='constant', centering=False``.
""", _DEFAULTS)

    _visible_type = "bernoulli"
    _parameter_constraints = dict(_COMMON_CONSTRAINTS)

    def __init__(self, n_components=256, *, learning_rate=_DEFAULTS["learning_rate"],
                 batch_size=_DEFAULTS["batch_size"], n_iter=_DEFAULTS["epochs"], verbose=0,
                 random_state=None, method=_DEFAULTS["method"], steps=_DEFAULTS["steps"],
                 momentum=_DEFAULTS["momentum_final"], l1=0.0, l2=0.0, sparsity_target=None,
                 sparsity_cost=0.1, hidden_type="auto", train_options=None, patience=10,
                 max_iter=1000, validation_fraction=0.1, learning_rate_final="auto",
                 lr_schedule=_DEFAULTS["schedule"], centering=_DEFAULTS["centering"],
                 symmetry="auto", visible_bias_init="data"):
        self.n_components = n_components
        self.visible_bias_init = visible_bias_init
        self.learning_rate_final = learning_rate_final
        self.lr_schedule = lr_schedule
        self.centering = centering
        self.symmetry = symmetry
        self.learning_rate = learning_rate
        self.batch_size = batch_size
        self.n_iter = n_iter
        self.verbose = verbose
        self.random_state = random_state
        self.method = method
        self.steps = steps
        self.momentum = momentum
        self.l1 = l1
        self.l2 = l2
        self.sparsity_target = sparsity_target
        self.sparsity_cost = sparsity_cost
        self.hidden_type = hidden_type
        self.train_options = train_options
        self.patience = patience
        self.max_iter = max_iter
        self.validation_fraction = validation_fraction


class SpinRBM(BernoulliRBM):
    __doc__ = class_docstring("""RBM with spin visible units in {-1, +1} (e.g. Ising configurations).

    Hidden units Bernoulli or spin (``hidden_type='auto'``: spin). Same parameters,
    attributes and methods as :class:`BernoulliRBM`; ``score_samples`` flips v_i -> -v_i.
""", _DEFAULTS)

    _visible_type = "spin"


class GaussianRBM(BernoulliRBM):
    __doc__ = class_docstring("""RBM with Gaussian visible units (real-valued data).

    p(v_i | h) = N(a_i + (W h)_i, sigma_i^2) (Cho, Raiko & Ilin 2011;
    docs/gaussian.md), hidden units Bernoulli or spin. Needs a C++ core with Gaussian units
    (:func:`rgflow.gaussian_supported`). Same methods as :class:`BernoulliRBM` except
    ``score_samples``; standardise the data first.
""", _GAUSSIAN_DEFAULTS, extra_parameters="""
    sigma : float, default=1.0
        Initial per-unit standard deviation of the visible units, > 0.
    learn_sigma : bool, default=False
        Also train log sigma.""", extra_attributes="""
    sigma_ : ndarray of shape (n_features,)
        Per-unit standard deviation (a view of ``rbm_.visible_sigma``).""")

    _visible_type = "gaussian"
    _parameter_constraints = dict(_COMMON_CONSTRAINTS)
    if Interval is not None:
        _parameter_constraints.update({
            "sigma": [Interval(numbers.Real, 0, None, closed="neither")],
            "learn_sigma": ["boolean"],
        })

    def __init__(self, n_components=256, *, learning_rate=_GAUSSIAN_DEFAULTS["learning_rate"],
                 batch_size=_DEFAULTS["batch_size"], n_iter=_DEFAULTS["epochs"], verbose=0,
                 random_state=None, method=_DEFAULTS["method"], steps=_DEFAULTS["steps"],
                 momentum=_DEFAULTS["momentum_final"], l1=0.0, l2=0.0, sparsity_target=None,
                 sparsity_cost=0.1, hidden_type="auto", train_options=None, sigma=1.0,
                 learn_sigma=False, patience=10, max_iter=1000, validation_fraction=0.1,
                 learning_rate_final="auto", lr_schedule=_DEFAULTS["schedule"],
                 centering=_GAUSSIAN_DEFAULTS["centering"], symmetry="auto",
                 visible_bias_init="data"):
        super().__init__(n_components, learning_rate=learning_rate, batch_size=batch_size,
                         n_iter=n_iter, verbose=verbose, random_state=random_state,
                         method=method, steps=steps, momentum=momentum, l1=l1, l2=l2,
                         sparsity_target=sparsity_target, sparsity_cost=sparsity_cost,
                         hidden_type=hidden_type, train_options=train_options, patience=patience,
                         max_iter=max_iter, validation_fraction=validation_fraction,
                         learning_rate_final=learning_rate_final, lr_schedule=lr_schedule,
                         centering=centering, symmetry=symmetry,
                         visible_bias_init=visible_bias_init)
        self.sigma = sigma
        self.learn_sigma = learn_sigma

    def _new_rbm(self, n_features):
        if not gaussian_supported():
            raise NotImplementedError("this build of rgflow's C++ core has no Gaussian visible "
                                      "units")
        return super()._new_rbm(n_features)

    def _prepare_model(self, X32):
        self.rbm_.visible_sigma = np.full(X32.shape[1], self.sigma, dtype=np.float32)
        self.rbm_.learn_sigma = bool(self.learn_sigma)

    def _set_views(self):
        super()._set_views()
        if hasattr(self.rbm_, "visible_sigma"):
            self.sigma_ = self.rbm_.visible_sigma


    def __getstate__(self):
        state = super().__getstate__()
        state.pop("sigma_", None)
        return state


def _class_for_visible_type(visible_type):
    return {"bernoulli": BernoulliRBM, "spin": SpinRBM, "gaussian": GaussianRBM}[visible_type]
