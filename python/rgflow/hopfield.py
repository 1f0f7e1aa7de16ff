"""Hopfield associative memories (docs/hopfield.md), backed by rgflow's C++ core.

:class:`Hopfield` stores +-1 patterns with Hebb's or the pseudo-inverse rule (``fit``) and runs
zero-temperature asynchronous / synchronous or Glauber dynamics from probe states
(``predict``). Energies follow E(s) = -1/2 s^T J s with the diagonal kept (for Hebb:
-1/(2N) sum_mu (xi_mu . s)^2); the zero-diagonal energy is E + P/2. :func:`capacity` gives the
retrieval overlap against the load P/N with errors over pattern draws, :func:`critical_load` and
:func:`extrapolate` the finite-N critical load and its N -> infinity limit (all three in one call:
:func:`capacity_study`, as ``rgflow hopfield capacity``), and
:func:`spurious_states` the mixture states and the census of fixed points.
"""
import numpy as np

from . import _core
from .rbm import seed_from_random_state


def _spins(X):
    X = np.ascontiguousarray(X, dtype=np.float32)
    if X.ndim == 1:
        X = X[None, :]
    if X.size and np.all((X == 0) | (X == 1)) and not np.all(np.abs(X) == 1):
        X = 2 * X - 1  # 0/1 rows -> spins, as the CLI does
    return np.ascontiguousarray(X, dtype=np.float32)


class Hopfield:
    """Hopfield network. Parameters: ``rule`` ('hebb' | 'pseudo-inverse'), ``dynamics``
    ('async' | 'sync' | 'glauber'), ``temperature`` (Glauber only), ``max_sweeps``,
    ``keep_diagonal`` (self-coupling in the zero-temperature field), ``random_state``,
    ``threads``. Fitted: ``network_`` (:class:`rgflow.HopfieldNetwork`)."""

    def __init__(self, rule="hebb", dynamics="async", temperature=0.0, max_sweeps=100,
                 keep_diagonal=False, random_state=0, threads=0):
        self.rule = rule
        self.dynamics = dynamics
        self.temperature = temperature
        self.max_sweeps = max_sweeps
        self.keep_diagonal = keep_diagonal
        self.random_state = random_state
        self.threads = threads

    def fit(self, X, y=None):
        """Stores the rows of X (+-1, or 0/1) as patterns."""
        self.network_ = _core.HopfieldNetwork(_spins(X), self.rule)
        return self

    def _net(self):
        if not hasattr(self, "network_"):
            raise ValueError("this Hopfield network is not fitted yet: call fit(patterns)")
        return self.network_

    @property
    def patterns_(self):
        return self._net().patterns

    @property
    def couplings_(self):
        """J with the diagonal kept (Hebb: J_ii = P/N)."""
        return self._net().couplings()

    def recall(self, X):
        """Runs the dynamics from each row; returns a dict with ``states``, ``sweeps``,
        ``converged`` (fixed point reached) and ``cycle`` (synchronous 2-cycle)."""
        return _core.hopfield_recall(self._net(), _spins(X), self.dynamics, float(self.temperature),
                                     int(self.max_sweeps), bool(self.keep_diagonal),
                                     seed_from_random_state(self.random_state), int(self.threads))

    def recall_study(self, X=None, flip=0.1):
        """:meth:`recall` with statistics over the probes: from rows ``X``, or (``X`` None) from
        every stored pattern with each spin flipped with probability ``flip``. The ``rgflow
        hopfield recall --json`` object (overlaps before and after, energy, sweeps, fixed points,
        2-cycles, nearest patterns; without the options) as a dict, plus ``states``."""
        return _core.hopfield_recall_study(self._net(), None if X is None else _spins(X), float(flip),
                                           self.dynamics, float(self.temperature), int(self.max_sweeps),
                                           bool(self.keep_diagonal), seed_from_random_state(self.random_state),
                                           int(self.threads))

    def predict(self, X):
        """The final states of :meth:`recall`."""
        return self.recall(X)["states"]

    def energy(self, X, diagonal=True):
        """E(s) per row (diagonal kept), or the zero-diagonal E0 = E + P/2 with diagonal=False."""
        net = self._net()
        return net.energy(_spins(X)) if diagonal else net.energy_zero_diagonal(_spins(X))

    def overlaps(self, X):
        """m_mu = xi_mu . s / N: one row per state, one column per stored pattern."""
        return self._net().overlaps(_spins(X))

    def save(self, path, attributes=None):
        _core.save_hopfield(str(path), self._net(), {str(k): str(v) for k, v in (attributes or {}).items()})

    def to_rbm(self, beta=1.0):
        """The exact RBM twin (Barra et al. 2012): spin visible, Gaussian hidden units, W = sqrt(beta) B
        with J = B B^T, whose visible marginal is exp(-beta E(s)); log Z of the returned
        :class:`rgflow.Rbm` is (n_hidden/2) log 2 pi + log sum_s exp(-beta E(s))."""
        return _core.hopfield_to_rbm(self._net(), float(beta))

    @classmethod
    def from_rbm(cls, rbm, **params):
        """The Hebbian network of an RBM twin (``to_rbm``'s inverse); sets ``beta_``."""
        net, beta = _core.hopfield_from_rbm(rbm)
        h = cls(rule="hebb", **params)
        h.network_ = net
        h.beta_ = beta
        return h

    @classmethod
    def load(cls, path, **params):
        net, attributes = _core.load_hopfield(str(path))
        h = cls(rule=net.rule, **params)
        h.network_ = net
        h.attributes_ = attributes
        return h


def capacity(neurons, loads, trials=20, seed=0, rule="hebb", dynamics="async", max_sweeps=100,
             keep_diagonal=False, probes=0, retrieved_overlap=0.9, threads=0):
    """Retrieval overlap after zero-temperature dynamics started at stored patterns, for each
    load P/N: a list of dicts with ``load``, ``patterns``, ``actual_load`` (P/N), ``overlap``,
    ``retrieved`` (fraction of probes with m >= retrieved_overlap) and ``sweeps``, each a
    :class:`rgflow.Result` with its error over the ``trials`` pattern draws."""
    return _core.hopfield_capacity(int(neurons), [float(a) for a in loads], int(trials), int(seed), rule,
                                   dynamics, int(max_sweeps), bool(keep_diagonal), int(probes),
                                   float(retrieved_overlap), int(threads))


def capacity_study(neurons, loads, trials=20, seed=0, rule="hebb", dynamics="async", max_sweeps=100,
                   keep_diagonal=False, probes=0, retrieved_overlap=0.9, threshold=0.8, threads=0):
    """:func:`capacity` for one or several sizes ``neurons`` with the critical loads of each curve
    (the median probe stops being retrieved; the mean overlap falls below ``threshold``) and,
    for several sizes, their N -> infinity extrapolations in N^-1/2 and N^-1: the ``rgflow
    hopfield capacity --json`` object (without the options) as a dict (run/hopfield.hpp)."""
    sizes = [int(neurons)] if np.ndim(neurons) == 0 else [int(n) for n in neurons]
    return _core.hopfield_capacity_study(sizes, [float(a) for a in loads], int(trials), int(seed), rule, dynamics,
                                         int(max_sweeps), bool(keep_diagonal), int(probes),
                                         float(retrieved_overlap), float(threshold), int(threads))


def critical_load(points, criterion="retrieved", threshold=0.5):
    """The load P/N where a :func:`capacity` curve's retrieved fraction (criterion 'retrieved',
    threshold 1/2: the median probe fails) or mean overlap ('overlap') falls below ``threshold``
    (linear interpolation; NaN when it does not)."""
    return _core.hopfield_crossing_load(list(points), criterion, float(threshold))


def extrapolate(sizes, critical_loads, exponent=0.5):
    """Weighted least squares alpha_c(N) = a + b N^-exponent; returns a dict with
    ``critical_load`` (a, a Result), ``slope``, ``chi2``, ``dof``."""
    return _core.hopfield_extrapolate([int(n) for n in sizes], list(critical_loads), float(exponent))


def spurious_states(neurons, patterns, mixtures=(3, 5, 7), trials=10, starts=100, seed=0, rule="hebb",
                    dynamics="async", max_sweeps=100, component_overlap=0.2, threads=0):
    """Symmetric mixture states and the census of fixed points from random starts
    (docs/hopfield.md); the same numbers as ``rgflow hopfield spurious --json``."""
    return _core.hopfield_spurious(int(neurons), int(patterns), [int(k) for k in mixtures], int(trials),
                                   int(starts), int(seed), rule, dynamics, int(max_sweeps),
                                   float(component_overlap), int(threads))
