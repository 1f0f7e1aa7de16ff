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
    """Hopfield network: stores +-1 patterns and recalls them by its dynamics.

    Parameters
    ----------
    rule : {'hebb', 'pseudo-inverse'}, default='hebb'
        Learning rule of the couplings.
    dynamics : {'async', 'sync', 'glauber'}, default='async'
        Zero-temperature asynchronous or synchronous updates, or Glauber dynamics.
    temperature : float, default=0.0
        Temperature of Glauber dynamics.
    max_sweeps : int, default=100
        Sweeps before recall stops.
    keep_diagonal : bool, default=False
        Keep the self-coupling in the zero-temperature field.
    random_state : int, RandomState instance or None, default=0
        Seed of the update order and Glauber draws.
    threads : int, default=0
        OpenMP threads.

    Attributes
    ----------
    network_ : rgflow._core.HopfieldNetwork
        The C++ network.
    patterns_ : ndarray of shape (n_patterns, n_neurons)
        The stored patterns.
    couplings_ : ndarray of shape (n_neurons, n_neurons)
        J with the diagonal kept.
    """

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
        """Store the rows of X as patterns.

        Parameters
        ----------
        X : array-like of shape (n_patterns, n_neurons)
            Patterns of +-1 (or 0/1, mapped to spins).
        y : None
            Ignored.

        Returns
        -------
        self : Hopfield
            The fitted network.
        """
        self.network_ = _core.HopfieldNetwork(_spins(X), self.rule)
        return self

    def _net(self):
        if not hasattr(self, "network_"):
            raise ValueError("this Hopfield network is not fitted yet: call fit(patterns)")
        return self.network_

    @property
    def patterns_(self):
        """The stored patterns (+-1), one per row.
        """
        return self._net().patterns

    @property
    def couplings_(self):
        """J with the diagonal kept (Hebb: J_ii = P/N)."""
        return self._net().couplings()

    def recall(self, X):
        """Run the dynamics from each row.

        Parameters
        ----------
        X : array-like of shape (n_probes, n_neurons)
            Probe states.

        Returns
        -------
        result : dict
            ``states``, ``sweeps``, ``converged`` (fixed point reached) and ``cycle``
            (synchronous 2-cycle).
        """
        return _core.hopfield_recall(self._net(), _spins(X), self.dynamics, float(self.temperature),
                                     int(self.max_sweeps), bool(self.keep_diagonal),
                                     seed_from_random_state(self.random_state), int(self.threads))

    def recall_study(self, X=None, flip=0.1):
        """:meth:`recall` with statistics over the probes, as ``rgflow hopfield recall --json``.

        Parameters
        ----------
        X : array-like of shape (n_probes, n_neurons), default=None
            Probe states; None: every stored pattern with each spin flipped with probability
            ``flip``.
        flip : float, default=0.1
            Flip probability of the probes made from the patterns.

        Returns
        -------
        report : dict
            Overlaps before and after, energy, sweeps, fixed points, 2-cycles, nearest patterns,
            and ``states``.
        """
        return _core.hopfield_recall_study(self._net(), None if X is None else _spins(X), float(flip),
                                           self.dynamics, float(self.temperature), int(self.max_sweeps),
                                           bool(self.keep_diagonal), seed_from_random_state(self.random_state),
                                           int(self.threads))

    def predict(self, X):
        """The final states of :meth:`recall`.

        Parameters
        ----------
        X : array-like of shape (n_probes, n_neurons)
            Probe states.

        Returns
        -------
        states : ndarray of shape (n_probes, n_neurons)
            The states where the dynamics stopped.
        """
        return self.recall(X)["states"]

    def energy(self, X, diagonal=True):
        """Energy E(s) = -1/2 s^T J s per row.

        Parameters
        ----------
        X : array-like of shape (n, n_neurons)
            States.
        diagonal : bool, default=True
            Keep the diagonal; False: the zero-diagonal E0 = E + P/2.

        Returns
        -------
        energy : ndarray of shape (n,)
            The energy of each state.
        """
        net = self._net()
        return net.energy(_spins(X)) if diagonal else net.energy_zero_diagonal(_spins(X))

    def overlaps(self, X):
        """Overlaps m_mu = xi_mu . s / N with the stored patterns.

        Parameters
        ----------
        X : array-like of shape (n, n_neurons)
            States.

        Returns
        -------
        overlaps : ndarray of shape (n, n_patterns)
            One row per state, one column per pattern.
        """
        return self._net().overlaps(_spins(X))

    def save(self, path, attributes=None):
        """Write the network as ``rgflow hopfield store`` does (HDF5).

        Parameters
        ----------
        path : str or path-like
            The file to write.
        attributes : dict, default=None
            Extra string attributes.
        """
        _core.save_hopfield(str(path), self._net(), {str(k): str(v) for k, v in (attributes or {}).items()})

    def to_rbm(self, beta=1.0):
        """The exact RBM twin (Barra et al. 2012).

        Spin visible, Gaussian hidden units, W = sqrt(beta) B with J = B B^T, whose visible marginal
        is exp(-beta E(s)); its log Z is (n_hidden/2) log 2 pi + log sum_s exp(-beta E(s)).

        Parameters
        ----------
        beta : float, default=1.0
            Inverse temperature.

        Returns
        -------
        rbm : rgflow.Rbm
            The twin.
        """
        return _core.hopfield_to_rbm(self._net(), float(beta))

    @classmethod
    def from_rbm(cls, rbm, **params):
        """The Hebbian network of an RBM twin (the inverse of :meth:`to_rbm`); sets ``beta_``.

        Parameters
        ----------
        rbm : rgflow.Rbm
            A twin made by :meth:`to_rbm` (or of that form).
        **params : dict
            Further constructor parameters.

        Returns
        -------
        network : Hopfield
            The fitted network.
        """
        net, beta = _core.hopfield_from_rbm(rbm)
        h = cls(rule="hebb", **params)
        h.network_ = net
        h.beta_ = beta
        return h

    @classmethod
    def load(cls, path, **params):
        """A fitted network from a file of :meth:`save` or the CLI.

        Parameters
        ----------
        path : str or path-like
            The Hopfield file.
        **params : dict
            Further constructor parameters (the rule comes from the file).

        Returns
        -------
        network : Hopfield
            The fitted network (``attributes_``: the file's attributes).
        """
        net, attributes = _core.load_hopfield(str(path))
        h = cls(rule=net.rule, **params)
        h.network_ = net
        h.attributes_ = attributes
        return h


def capacity(neurons, loads, trials=20, seed=0, rule="hebb", dynamics="async", max_sweeps=100,
             keep_diagonal=False, probes=0, retrieved_overlap=0.9, threads=0):
    """Retrieval overlap after zero-temperature dynamics started at stored patterns, per load.

    Parameters
    ----------
    neurons : int
        Network size N.
    loads : sequence of float
        Loads P/N.
    trials : int, default=20
        Pattern draws per load.
    seed : int, default=0
        The seed.
    rule : {'hebb', 'pseudo-inverse'}, default='hebb'
        Learning rule.
    dynamics : {'async', 'sync'}, default='async'
        Dynamics.
    max_sweeps : int, default=100
        Sweeps per recall.
    keep_diagonal : bool, default=False
        Keep the self-coupling.
    probes : int, default=0
        Probes per draw (0: every pattern).
    retrieved_overlap : float, default=0.9
        Overlap from which a probe counts as retrieved.
    threads : int, default=0
        OpenMP threads.

    Returns
    -------
    curve : list of dict
        Per load: ``load``, ``patterns``, ``actual_load``, ``overlap``, ``retrieved`` and
        ``sweeps``, Results with their errors over the draws.
    """
    return _core.hopfield_capacity(int(neurons), [float(a) for a in loads], int(trials), int(seed), rule,
                                   dynamics, int(max_sweeps), bool(keep_diagonal), int(probes),
                                   float(retrieved_overlap), int(threads))


def capacity_study(neurons, loads, trials=20, seed=0, rule="hebb", dynamics="async", max_sweeps=100,
                   keep_diagonal=False, probes=0, retrieved_overlap=0.9, threshold=0.8, threads=0):
    """:func:`capacity` for one or several sizes with critical loads and extrapolations.

    As ``rgflow hopfield capacity --json``: the critical loads of each curve (the median probe
    stops being retrieved; the mean overlap falls below ``threshold``) and, for several sizes,
    their N -> infinity extrapolations in N^-1/2 and N^-1.

    Parameters
    ----------
    neurons : int or sequence of int
        Network sizes.
    loads : sequence of float
        Loads P/N.
    trials : int, default=20
        Pattern draws per load.
    seed : int, default=0
        The seed.
    rule : {'hebb', 'pseudo-inverse'}, default='hebb'
        Learning rule.
    dynamics : {'async', 'sync'}, default='async'
        Dynamics.
    max_sweeps : int, default=100
        Sweeps per recall.
    keep_diagonal : bool, default=False
        Keep the self-coupling.
    probes : int, default=0
        Probes per draw (0: every pattern).
    retrieved_overlap : float, default=0.9
        Overlap from which a probe counts as retrieved.
    threshold : float, default=0.8
        Mean-overlap threshold of the second critical load.
    threads : int, default=0
        OpenMP threads.

    Returns
    -------
    report : dict
        The command's JSON object without the options.
    """
    sizes = [int(neurons)] if np.ndim(neurons) == 0 else [int(n) for n in neurons]
    return _core.hopfield_capacity_study(sizes, [float(a) for a in loads], int(trials), int(seed), rule, dynamics,
                                         int(max_sweeps), bool(keep_diagonal), int(probes),
                                         float(retrieved_overlap), float(threshold), int(threads))


def critical_load(points, criterion="retrieved", threshold=0.5):
    """The load where a :func:`capacity` curve falls below a threshold (linear interpolation).

    Parameters
    ----------
    points : list of dict
        A curve of :func:`capacity`.
    criterion : {'retrieved', 'overlap'}, default='retrieved'
        The retrieved fraction or the mean overlap.
    threshold : float, default=0.5
        The level (0.5 with 'retrieved': the median probe fails).

    Returns
    -------
    load : float
        The critical load P/N; NaN when the curve does not cross.
    """
    return _core.hopfield_crossing_load(list(points), criterion, float(threshold))


def extrapolate(sizes, critical_loads, exponent=0.5):
    """Weighted least squares alpha_c(N) = a + b N^-exponent.

    Parameters
    ----------
    sizes : sequence of int
        Network sizes N.
    critical_loads : sequence of rgflow.Result
        The critical load of each size.
    exponent : float, default=0.5
        The finite-size exponent.

    Returns
    -------
    fit : dict
        ``critical_load`` (a, a Result), ``slope``, ``chi2``, ``dof``.
    """
    return _core.hopfield_extrapolate([int(n) for n in sizes], list(critical_loads), float(exponent))


def spurious_states(neurons, patterns, mixtures=(3, 5, 7), trials=10, starts=100, seed=0, rule="hebb",
                    dynamics="async", max_sweeps=100, component_overlap=0.2, threads=0):
    """Symmetric mixture states and the census of fixed points from random starts.

    The same numbers as ``rgflow hopfield spurious --json`` (docs/hopfield.md).

    Parameters
    ----------
    neurons : int
        Network size N.
    patterns : int
        Stored patterns P.
    mixtures : sequence of int, default=(3, 5, 7)
        Odd mixture orders to test.
    trials : int, default=10
        Pattern draws.
    starts : int, default=100
        Random starts of the census.
    seed : int, default=0
        The seed.
    rule : {'hebb', 'pseudo-inverse'}, default='hebb'
        Learning rule.
    dynamics : {'async', 'sync'}, default='async'
        Dynamics.
    max_sweeps : int, default=100
        Sweeps per run.
    component_overlap : float, default=0.2
        Overlap from which a pattern counts as a component of a fixed point.
    threads : int, default=0
        OpenMP threads.

    Returns
    -------
    report : dict
        Mixture stability and the fixed-point census.
    """
    return _core.hopfield_spurious(int(neurons), int(patterns), [int(k) for k in mixtures], int(trials),
                                   int(starts), int(seed), rule, dynamics, int(max_sweeps),
                                   float(component_overlap), int(threads))
