"""Real-space mutual-information (RSMI) coarse-graining (Koch-Janusz & Ringel 2018; docs/rsmi.md).

A filter Lambda (one row of block-site weights per coarse variable, shared by all blocks) maps a
block v of spins to h = sign(Lambda v). :func:`rsmi` learns it by maximising the InfoNCE lower
bound on the mutual information I(H : E) between h and the block's environment E (beyond a
buffer), or measures a given filter; the reported information (nats, with its error) is that of
the deterministic sign rule on held-out configurations. :func:`chain_information` is the exact
value on the 1D Ising chain; :func:`coarse_grain` applies a rule to configurations.
"""
import numpy as np

from . import _core


class RSMIResult:
    """What :func:`rsmi` returns.

    Parameters
    ----------
    raw : dict
        The C++ result (the attributes below by name).

    Attributes
    ----------
    filter : ndarray of shape (M, b**d)
        The filter Lambda, one row per coarse variable.
    mutual_information : rgflow.Result
        I(H : E) in nats of the sign rule on held-out configurations.
    initial_filter : ndarray
        The filter training started from.
    training_curve : ndarray of shape (epochs, 3)
        Epoch, soft training bound, held-out bound.
    filter_history : ndarray of shape (epochs, M * b**d)
        The filter after every epoch.
    training_configurations, validation_configurations : int
        Configurations used for training and for the held-out estimate.
    environment_sites : int
        Sites of the environment E.
    """

    def __init__(self, raw):
        self.filter = raw["filter"]
        self.mutual_information = raw["mutual_information"]
        self.initial_filter = raw["initial_filter"]
        self.training_curve = raw["training_curve"]
        self.filter_history = raw["filter_history"]
        self.training_configurations = raw["training_configurations"]
        self.validation_configurations = raw["validation_configurations"]
        self.environment_sites = raw["environment_sites"]

    def nonuniformity(self, row=0):
        """Non-uniformity of one filter row: ``max_i abs(w_i - mean) / abs(mean)``.

        Parameters
        ----------
        row : int, default=0
            The filter row.

        Returns
        -------
        nonuniformity : float
            0 for the majority rule's uniform filter; inf when the mean is 0.
        """
        w = self.filter[row]
        mean = w.mean()
        return float("inf") if mean == 0 else float(np.max(np.abs(w - mean)) / abs(mean))

    def __repr__(self):
        mi = self.mutual_information
        return f"RSMIResult(filter={np.round(self.filter, 4).tolist()}, I={mi.mean:.5f} +- {mi.error:.5f} nats)"


def rsmi(spins, *, block=2, buffer=2, environment=2, chain=False, filter=None, seed=0, output=None,
         threads=0, **options):
    """Learn (``filter=None``) or measure an RSMI coarse-graining filter.

    The result does not depend on ``threads``; Ctrl-C raises KeyboardInterrupt.

    Parameters
    ----------
    spins : array-like of shape (n, L, L), or (n, L) with ``chain=True``
        +-1 configurations on a periodic lattice (or periodic rings).
    block : int, default=2
        Block side b (divides L).
    buffer : int, default=2
        Buffer width w between the block and its environment.
    environment : int, default=2
        Environment width e, with b + 2w + 2e <= L.
    chain : bool, default=False
        The configurations are 1D rings.
    filter : array-like of shape (M, b**d) or (b**d,), default=None
        A fixed filter to measure instead of learning one.
    seed : int, default=0
        The seed.
    output : str or path-like, default=None
        Also write an RSMI file (for ``rgflow rg coarse-grain`` / ``ising mcrg --rule``).
    threads : int, default=0
        OpenMP threads.
    **options : dict
        Further options (defaults of rg/rsmi.hpp): hidden_per_block, epochs, critic_epochs,
        positions_per_epoch, eval_positions, batch_size, critic_hidden, learning_rate,
        critic_learning_rate, beta, validation_fraction.

    Returns
    -------
    result : RSMIResult
        The filter and its mutual information.
    """
    spins = np.ascontiguousarray(spins, dtype=np.int8)
    f = None if filter is None else np.ascontiguousarray(filter, dtype=np.float64)
    raw = _core.rsmi(spins, chain=bool(chain), block=int(block), buffer=int(buffer),
                     environment=int(environment), filter=f, seed=int(seed),
                     output="" if output is None else str(output), threads=int(threads), **options)
    return RSMIResult(raw)


def chain_information(K, L, buffer, filter, deterministic=True):
    """Exact I(H : E) in nats of a filter on the periodic 1D Ising chain (rg/rsmi_exact.hpp).

    Parameters
    ----------
    K : float
        Coupling of p(s) ~ exp(K sum s_i s_{i+1}).
    L : int
        Sites of the ring.
    buffer : int
        Buffer sites between block and environment.
    filter : array-like of shape (M, b) or (b,)
        The filter.
    deterministic : bool, default=True
        The sign rule; False: the stochastic unit p(h=+1|v) = sigmoid(2 filter.v).

    Returns
    -------
    information : float
        The mutual information in nats.
    """
    f = np.atleast_2d(np.asarray(filter, dtype=np.float64))
    return _core.rsmi_chain_information(float(K), int(L), int(buffer), f, bool(deterministic))


def coarse_grain(spins, rule, *, block=2, seed=0, conv_channel=None, conv_hidden=None):
    """Coarse-grain configurations with a rule.

    Parameters
    ----------
    spins : array-like of shape (n, L, L)
        +-1 configurations.
    rule : str or array-like
        'majority', 'decimation', the path of an RSMI file or of a convolutional RBM file
        (its p(h|v) at stride b: the RBM's learned blocking), or a b*b filter (sign of the
        weighted block sum, ties a fair coin from stream (seed, i) for configuration i).
    block : int, default=2
        Block side b for 'majority' and 'decimation'.
    seed : int, default=0
        Seed of the tie-breaking coins (and of p(h|v) for a convolutional RBM).
    conv_channel : int or None, default=None
        Convolutional RBM: the channel whose hidden lattice is the coarse lattice (None: the
        model must have one channel).
    conv_hidden : {'sample', 'sign'} or None, default=None
        Convolutional RBM: draw h ~ p(h|v) ('sample', the default) or take the most probable
        state, the sign of the field ('sign'; ties a fair coin).

    Returns
    -------
    coarse : ndarray of shape (n, L/b, L/b), int8
        The coarse-grained configurations.
    """
    spins = np.ascontiguousarray(spins, dtype=np.int8)
    if not isinstance(rule, str):
        rule = np.ascontiguousarray(np.atleast_2d(rule), dtype=np.float64)
    if conv_hidden is not None and conv_hidden not in ("sample", "sign"):
        raise ValueError(f"conv_hidden={conv_hidden!r}: expected 'sample' or 'sign'")
    channel = -1 if conv_channel is None else int(conv_channel)
    if conv_channel is not None and channel < 0:
        raise ValueError(f"conv_channel={conv_channel!r}: must be >= 0")
    return _core.coarse_grain(spins, rule, int(block), int(seed), channel, conv_hidden or "")
