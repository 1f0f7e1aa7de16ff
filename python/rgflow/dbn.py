"""Deep belief networks: greedy layer-wise stacks of RBMs (Hinton, Osindero & Teh 2006), trained by
the C++ DBN trainer (each layer by the same trainer as an RBM), with the CLI's file format."""
import json
import numbers

import numpy as np
from sklearn.base import BaseEstimator, ClassNamePrefixFeaturesOutMixin, TransformerMixin
from sklearn.utils.validation import check_is_fitted

from . import _core
from .rbm import _DEFAULTS, _as_float32, _validate, seed_from_random_state


def _is_auto(n_iter):
    if isinstance(n_iter, str):
        if n_iter != "auto":
            raise ValueError(f"n_iter must be a number of epochs or 'auto', got {n_iter!r}")
        return True
    return False


def _per_layer(value, n_layers, name):
    if isinstance(value, (list, tuple)):
        if len(value) != n_layers:
            raise ValueError(f"{name}: {len(value)} values for {n_layers} layers")
        return list(value)
    return [value] * n_layers


class DBN(ClassNamePrefixFeaturesOutMixin, TransformerMixin, BaseEstimator):
    """A stack of RBMs trained greedily, bottom-up, as ``rgflow dbn train``.

    Parameters
    ----------
    layers : tuple of int, default=(256,)
        Hidden sizes, bottom-up (the visible size comes from the data).
    visible_type : {'bernoulli', 'spin'}, default='bernoulli'
        Units of the data layer.
    hidden_type, method, steps, n_iter, learning_rate, batch_size, l2 : scalar or list
        One value for every layer or a list with one per layer (as the CLI's per-layer
        options). Defaults are the CLI's: 'bernoulli', 'pcd', 1, 100, 0.05, 100, 0.0; every
        layer's learning rate decays by a cosine schedule to 1/100 of its start
        (docs/training.md). n_iter='auto' (for every layer, or as an item of the list):
        automatic stopping of the layer as ``rgflow dbn train --epochs auto``: scored after
        every epoch on the held-out rows sampled up through the layers below, stopped after
        ``patience`` epochs without improvement (at most ``max_iter``), its best epoch kept.
    momentum : float or 'hinton', default=0.5
        Momentum of every layer (see :class:`BernoulliRBM`).
    propagate : {'mean', 'sample'}, default='mean'
        How each layer's input is made from the layer below: E[h|v] or samples.
    centering : bool, default=True
        Centred gradients in every layer.
    patience, max_iter, stop_score : int, int, str (or lists), default=10, 1000, 'auto'
        The automatic layers' rule (one value or one per layer), as ``--patience``,
        ``--max-epochs``, ``--stop-score``.
    validation_fraction : float in (0, 1), default=0.1
        With an automatic layer: the fraction of the rows held out (the seeded split of
        ``rgflow dbn train --validation FRACTION --seed S``), also scored by the quality gate.
    random_state : int, RandomState instance or None, default=None
        Seed S; layer k uses S + k, as the CLI's ``--seed``.
    verbose : int, default=0
        Print one line per epoch of every layer.

    Attributes
    ----------
    dbn_ : rgflow.Dbn
        The C++ network.
    layers_ : list of rgflow.Rbm
        The layers (views into ``dbn_``).
    n_features_in_ : int
        Number of features seen by fit.
    seed_ : int
        The seed S.
    history_ : list of tuple
        (layer, epoch statistics) pairs.
    fit_report_ : list of dict or None
        The quality gate of every layer (as ``rgflow dbn train --json``'s ``layer_fits``):
        training rows (validation rows with an automatic layer), layer k >= 1 on level-k
        states sampled through the layers below; None where it cannot score.
    stops_ : list
        Per layer None (fixed n_iter) or the stopping rule's report (``dbn train --json``'s
        ``stops``).
    """

    def __init__(self, layers=(256,), *, visible_type="bernoulli", hidden_type="bernoulli",
                 method=_DEFAULTS["method"], steps=_DEFAULTS["steps"], n_iter=_DEFAULTS["epochs"],
                 learning_rate=_DEFAULTS["learning_rate"], batch_size=_DEFAULTS["batch_size"],
                 l2=0.0, momentum=_DEFAULTS["momentum_final"], propagate="mean",
                 centering=_DEFAULTS["centering"], patience=10, max_iter=1000, stop_score="auto",
                 validation_fraction=0.1, random_state=None, verbose=0):
        self.patience = patience
        self.max_iter = max_iter
        self.stop_score = stop_score
        self.validation_fraction = validation_fraction
        self.centering = centering
        self.layers = layers
        self.visible_type = visible_type
        self.hidden_type = hidden_type
        self.method = method
        self.steps = steps
        self.n_iter = n_iter
        self.learning_rate = learning_rate
        self.batch_size = batch_size
        self.l2 = l2
        self.momentum = momentum
        self.propagate = propagate
        self.random_state = random_state
        self.verbose = verbose

    def _layer_specs(self, seed):
        sizes = [self.layers] if isinstance(self.layers, numbers.Integral) else list(self.layers)
        n = len(sizes)
        if n < 1:
            raise ValueError("layers: at least one hidden layer")
        per = {name: _per_layer(getattr(self, name), n, name)
               for name in ("hidden_type", "method", "steps", "n_iter", "learning_rate",
                            "batch_size", "l2", "patience", "max_iter", "stop_score")}
        specs = []
        for k, size in enumerate(sizes):
            rate = float(per["learning_rate"][k])
            auto = _is_auto(per["n_iter"][k])
            config = {"method": per["method"][k], "steps": int(per["steps"][k]),
                      "epochs": int(per["max_iter"][k] if auto else per["n_iter"][k]),
                      "learning_rate": rate,
                      "learning_rate_final": _core.default_final_learning_rate(rate),
                      "schedule": _DEFAULTS["schedule"], "centering": bool(self.centering),
                      "batch_size": int(per["batch_size"][k]), "l2": float(per["l2"][k]),
                      "seed": int(seed) + k}
            if auto:
                config.update(auto_epochs=True, patience=int(per["patience"][k]),
                              stop_score=str(per["stop_score"][k]))
            if not isinstance(self.momentum, str):
                config["momentum_initial"] = config["momentum_final"] = float(self.momentum)
            elif self.momentum != "hinton":
                raise ValueError(f"momentum must be a number or 'hinton', got {self.momentum!r}")
            specs.append({"n_hidden": int(size), "hidden_type": per["hidden_type"][k],
                          "config": config})
        return specs

    def _on_epoch(self, layer, n_layers, stats):
        self.history_.append((layer, stats))
        if self.verbose:
            score = stats.get("heldout_score")
            print(f"[DBN] layer {layer + 1}/{n_layers} epoch {stats['epoch']}: reconstruction "
                  f"error {stats['reconstruction_error']['mean']:.4f}, F(train) "
                  f"{stats['free_energy_train']['mean']:.3f}"
                  + (f", held-out {score['mean']:.5f}" if score else ""))

    def _split(self, X32, specs):
        """(training rows, validation rows or None): with an automatic layer the seeded split of
        ``rgflow dbn train --validation FRACTION --seed S``."""
        if not any(spec["config"].get("auto_epochs") for spec in specs):
            return X32, None
        fraction = float(self.validation_fraction)
        if not 0.0 < fraction < 1.0:
            raise ValueError(f"validation_fraction must be in (0, 1), got {fraction}")
        return _core.split_validation(X32, fraction, int(self.seed_))

    def fit(self, X, y=None):
        """Greedy layer-wise training.

        Parameters
        ----------
        X : {array-like, sparse matrix} of shape (n_samples, n_features)
            Training rows.
        y : None
            Ignored; present for the scikit-learn API.

        Returns
        -------
        self : object
            The fitted estimator.
        """
        X = _validate(self, X, accept_sparse="csr", dtype=(np.float64, np.float32))
        X32 = _as_float32(X)
        self.seed_ = seed_from_random_state(self.random_state)
        self.history_ = []
        specs = self._layer_specs(self.seed_)
        train, validation = self._split(X32, specs)
        self.dbn_, self.fit_report_, self.stops_ = _core.train_dbn(
            train, self.visible_type, specs, self.propagate, validation, self._on_epoch,
            seed=int(self.seed_))
        self._fitted()
        return self

    def _fitted(self):
        self.layers_ = [self.dbn_.layer(k) for k in range(self.dbn_.n_layers)]
        self.n_features_in_ = self.dbn_.n_visible
        self._n_features_out = self.dbn_.level_sizes[-1]

    def transform(self, X, level=None):
        """The activations E[h|.] of the data pushed up to a level.

        Parameters
        ----------
        X : {array-like, sparse matrix} of shape (n_samples, n_features)
            Visible rows.
        level : int, default=None
            The level (1 = first hidden layer); None: the top.

        Returns
        -------
        h : ndarray of shape (n_samples, n_units_of_level)
            Mean activations, in X's float dtype.
        """
        check_is_fitted(self)
        X = _validate(self, X, accept_sparse="csr", dtype=(np.float64, np.float32), reset=False)
        top = self.dbn_.n_layers if level is None else int(level)
        return self.dbn_.up_mean(_as_float32(X), top).astype(X.dtype, copy=False)

    def sample(self, n_samples, gibbs_steps=1000, seed=0, mean_visible=False):
        """Samples of the DBN's p(v): Gibbs in the top RBM from random states, then one pass down.

        Parameters
        ----------
        n_samples : int
            Number of samples.
        gibbs_steps : int, default=1000
            Gibbs rounds in the top RBM.
        seed : int, default=0
            Seed of the sampler.
        mean_visible : bool, default=False
            Return E[v|h1] in the last step instead of a sample.

        Returns
        -------
        samples : ndarray of shape (n_samples, n_features)
            Visible states (or means).
        """
        check_is_fitted(self)
        return self.dbn_.generate(int(n_samples), int(gibbs_steps), _core.Rng(int(seed), 0),
                                  bool(mean_visible))

    def free_energy_flow(self, X, *, log_z="auto", max_exact_units=20, chains=100, betas=None,
                         seed=0, propagate=None):
        """The free-energy flow through the levels, as ``rgflow dbn flow``.

        Per layer k: mean free energy F_k of the data pushed up to level k, per unit, log Z_k
        (exact or AIS) and the log-likelihood per unit.

        Parameters
        ----------
        X : {array-like, sparse matrix} of shape (n_samples, n_features)
            Visible rows.
        log_z : {'auto', 'exact', 'ais'}, default='auto'
            How each layer's log Z is computed ('auto': exact up to ``max_exact_units``).
        max_exact_units : int, default=20
            Largest smaller-layer size that 'auto' enumerates exactly.
        chains : int, default=100
            AIS chains.
        betas : None, int or sequence of float, default=None
            AIS temperatures (see :meth:`BernoulliRBM.log_partition`).
        seed : int, default=0
            Seed of the propagation samples and AIS.
        propagate : {'mean', 'sample'} or None, default=None
            How data are pushed up; None: the estimator's ``propagate``.

        Returns
        -------
        flow : list of dict
            One dict of :class:`rgflow.Result` per layer.
        """
        check_is_fitted(self)
        X = _validate(self, X, accept_sparse="csr", dtype=(np.float64, np.float32), reset=False)
        return _core.free_energy_flow(self.dbn_, _as_float32(X), propagate or self.propagate,
                                      int(seed), log_z, int(max_exact_units), int(chains), betas,
                                      int(seed))

    def lower_bound(self, X, *, log_z="auto", method="auto", samples=100, seed=0, chains=100,
                    betas=None):
        """Variational lower bound on the mean log p(v) of a 2-layer DBN (docs/dbn.md).

        Parameters
        ----------
        X : {array-like, sparse matrix} of shape (n_samples, n_features)
            Visible states.
        log_z : {'auto', 'exact', 'ais'}, default='auto'
            How the top RBM's log Z is computed.
        method : str, default='auto'
            How the bound's expectation over h1 is taken ('auto', 'exact' or 'sample').
        samples : int, default=100
            Samples of h1 per row when sampled.
        seed : int, default=0
            Seed of the samples and AIS.
        chains : int, default=100
            AIS chains.
        betas : None, int or sequence of float, default=None
            AIS temperatures.

        Returns
        -------
        bound : dict
            ``mean`` (a Result), ``per_row`` (ndarray) and ``log_z_top``.
        """
        check_is_fitted(self)
        X = _validate(self, X, accept_sparse="csr", dtype=(np.float64, np.float32), reset=False)
        return _core.dbn_lower_bound(self.dbn_, _as_float32(X), log_z, 20, int(chains), betas,
                                     int(seed), method, int(samples), int(seed))

    def save(self, path, attributes=None):
        """Write the CLI's DBN file (/dbn/layer_k) with the seed and per-layer training configs.

        Parameters
        ----------
        path : str or path-like
            The file to write (atomically).
        attributes : dict, default=None
            Extra string attributes.
        """
        check_is_fitted(self)
        attrs = {"rgflow_version": _core.__version__, "command": "python: rgflow.DBN.save",
                 "seed": str(self.seed_), "propagate": self.propagate}
        attrs.update({str(k): str(v) for k, v in (attributes or {}).items()})
        layer_attrs = []
        stops = getattr(self, "stops_", None) or []
        for k, spec in enumerate(self._layer_specs(self.seed_)[: self.dbn_.n_layers]):
            config = _core.train_config(spec["config"])
            layer_attrs.append({"seed": str(spec["config"]["seed"]),
                                "train_config": json.dumps(config, separators=(",", ":"))})
            if k < len(stops) and stops[k] is not None:
                layer_attrs[-1].update(best_epoch=str(stops[k]["best_epoch"]),
                                       stop_reason=stops[k]["stop_reason"])
        if len(layer_attrs) != self.dbn_.n_layers:
            layer_attrs = []
        _core.save_dbn(str(path), self.dbn_, attrs, layer_attrs)

    @classmethod
    def load(cls, path):
        """A DBN estimator around a file's network (written by the CLI or :meth:`save`).

        Parameters
        ----------
        path : str or path-like
            The HDF5 DBN file.

        Returns
        -------
        estimator : DBN
            A fitted estimator.
        """
        dbn, attributes, layer_attributes = _core.load_dbn(str(path))
        sizes = dbn.level_sizes
        est = cls(layers=tuple(sizes[1:]), visible_type=dbn.level_type(0),
                  hidden_type=[dbn.level_type(k) for k in range(1, len(sizes))],
                  propagate=attributes.get("propagate", "mean"))
        if "seed" in attributes:
            est.random_state = int(attributes["seed"])
        est.dbn_ = dbn
        est.seed_ = int(attributes.get("seed", 0))
        est.history_ = []
        est.file_attributes_ = dict(attributes)
        est._fitted()
        return est

    def __getstate__(self):
        state = dict(super().__getstate__())
        state.pop("layers_", None)
        return state

    def __setstate__(self, state):
        super().__setstate__(state)
        if "dbn_" in self.__dict__:
            self._fitted()
