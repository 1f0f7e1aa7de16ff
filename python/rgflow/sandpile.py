"""The Bak-Tang-Wiesenfeld (abelian) sandpile on an open L x L square lattice (docs/soc.md).

Heights 0..3 are stable; a site with height >= 4 topples, giving one grain to each neighbour
(grains leave at the edges). Everything here forwards to the C++ core (``rgflow._core``):

* :func:`run` -- drive lattices with random grains; the dict of ``rgflow sandpile run --json``
  (height distribution, mean height, avalanche counts, topplings per grain vs Dhar's exact value,
  power-law fits, moments); ``records=True`` adds the per-avalanche arrays;
* exact results: :func:`determinant` (det of the toppling matrix = number of recurrent
  configurations), :func:`enumerate_recurrent`, :func:`mean_size_exact`,
  :data:`INFINITE_LATTICE_P` (P(z = 0..3) on the infinite lattice), ``MEAN_HEIGHT = 17/8``;
* configurations: :func:`stationary_sample` (an exact sample of the stationary state),
  :func:`is_recurrent` (Dhar's burning test), :func:`relax`, :func:`add_grain`;
* :func:`fit_power_law` -- discrete power law with cutoff by maximum likelihood (CSN style);
* :func:`renormalize` -- the real-space RG view of ``rgflow sandpile rg``.

Results are reproducible from ``seed`` for any thread count (OMP_NUM_THREADS). Ctrl-C raises
KeyboardInterrupt.
"""
import json
import os

import numpy as np

from . import _core

INFINITE_LATTICE_P = tuple(_core.sandpile_infinite_lattice_probabilities())
MEAN_HEIGHT = 17.0 / 8.0


def run(L, grains, *, lattices=4, start="stationary", transient=-1, measure_every=0, seed=0,
        fits=True, bootstrap=200, raw=False, records=False):
    """Drive independent L x L sandpiles with random grains, as ``rgflow sandpile run``.

    Lattice l draws from the Philox stream (seed, l).

    Parameters
    ----------
    L : int
        Lattice side.
    grains : int
        Grains added in all.
    lattices : int, default=4
        Independent lattices.
    start : {'stationary', 'empty', 'max'}, default='stationary'
        Initial state; 'stationary' is an exact sample of the stationary state.
    transient : int, default=-1
        Grains per lattice discarded first (-1: 0 for 'stationary', 4 L^2 otherwise).
    measure_every : int, default=0
        Grains between height measurements (0: the default).
    seed : int, default=0
        The seed.
    fits : bool, default=True
        Fit power laws to the avalanche distributions.
    bootstrap : int, default=200
        Bootstrap resamples of the fits.
    raw : bool, default=False
        Include the raw moments and histograms (input of :func:`stats`).
    records : bool, default=False
        Add the per-avalanche arrays.

    Returns
    -------
    report : dict
        The ``rgflow sandpile run --json`` object: height distribution, mean height,
        avalanche counts, topplings per grain vs Dhar's exact value, fits, moments.
    """
    return _core.sandpile_run(int(L), int(grains), int(lattices), str(start), int(transient),
                              int(measure_every), int(seed), bool(fits), int(bootstrap), bool(raw),
                              bool(records))


def stats(runs, *, q_min=1.0, q_max=4.0, order=2):
    """Finite-size scaling over several runs, as ``rgflow sandpile stats``.

    Parameters
    ----------
    runs : sequence of str, path-like or dict
        Run files written by ``rgflow sandpile run -o``, or dicts of :func:`run` with
        ``raw=True``.
    q_min : float, default=1.0
        Smallest moment order of the moment analysis.
    q_max : float, default=4.0
        Largest moment order.
    order : int, default=2
        Order of the extrapolation polynomial in 1/L.

    Returns
    -------
    report : dict
        Height probabilities and mean height extrapolated in 1/L, each run's topplings per
        grain against Dhar's value, and the moment analysis (D, tau) of the four avalanche
        observables.
    """
    items, sources = [], []
    for k, r in enumerate(runs):
        if isinstance(r, (str, os.PathLike)):
            with open(r) as f:
                items.append(json.load(f))
            sources.append(os.fspath(r))
        else:
            items.append(r)
            sources.append(f"run {k}")
    if not items:
        raise ValueError("runs: no runs given")
    return _core.sandpile_stats(items, sources, float(q_min), float(q_max), int(order))


def renormalize(L, grains, blocks=(1, 2, 4, 8), *, lattices=4, height_samples=200, tail_min=4, seed=0):
    """Block statistics of heights and avalanches, as ``rgflow sandpile rg``.

    Parameters
    ----------
    L : int
        Lattice side.
    grains : int
        Grains added in all.
    blocks : sequence of int, default=(1, 2, 4, 8)
        Block sides.
    lattices : int, default=4
        Independent lattices.
    height_samples : int, default=200
        Height configurations sampled for the block statistics.
    tail_min : int, default=4
        Smallest avalanche size of the tail statistics.
    seed : int, default=0
        The seed.

    Returns
    -------
    report : dict
        The command's JSON object, with histograms.
    """
    return _core.sandpile_renormalize(int(L), int(grains), [int(b) for b in blocks], int(lattices),
                                      int(height_samples), int(tail_min), int(seed))


def determinant(L):
    """det of the toppling matrix of the L x L lattice, exactly.

    Parameters
    ----------
    L : int
        Lattice side, at most 5.

    Returns
    -------
    det : int
        The number of recurrent configurations.
    """
    return _core.sandpile_determinant(int(L))


def log_determinant(L):
    """ln det of the toppling matrix (eigenvalue product).

    Parameters
    ----------
    L : int
        Lattice side (any).

    Returns
    -------
    log_det : float
        ln of the number of recurrent configurations.
    """
    return _core.sandpile_log_determinant(int(L))


def enumerate_recurrent(L, method="split"):
    """Count the recurrent configurations by the burning test of every stable configuration.

    Parameters
    ----------
    L : int
        Lattice side, at most 4.
    method : str, default='split'
        Enumeration strategy of the C++ core.

    Returns
    -------
    census : dict
        'count', 'height_sum' (per height, summed over configurations and sites),
        'burning_tests'.
    """
    return _core.sandpile_enumerate(int(L), str(method))


def exact_height_probabilities(L):
    """P(z = 0..3) of the stationary state of the L x L lattice, exactly.

    Parameters
    ----------
    L : int
        Lattice side, at most 4.

    Returns
    -------
    p : ndarray of shape (4,)
        The height probabilities.
    """
    e = enumerate_recurrent(L)
    return np.asarray(e["height_sum"], dtype=np.float64) / (e["count"] * L * L)


def mean_size_exact(L):
    """Mean number of topplings per added grain in the stationary state (Dhar 1990).

    Parameters
    ----------
    L : int
        Lattice side.

    Returns
    -------
    mean_size : float
        The exact value.
    """
    return _core.sandpile_mean_size_exact(int(L))


def stationary_sample(L, seed=0, stream=0):
    """An exact sample of the stationary (uniform recurrent) state.

    Parameters
    ----------
    L : int
        Lattice side.
    seed : int, default=0
        The seed.
    stream : int, default=0
        The Philox stream.

    Returns
    -------
    heights : ndarray of shape (L, L), uint8
        The configuration.
    """
    return _core.sandpile_stationary_sample(int(L), int(seed), int(stream))


def is_recurrent(heights):
    """Dhar's burning test of a stable configuration.

    Parameters
    ----------
    heights : array-like of shape (L, L)
        Heights 0..3.

    Returns
    -------
    recurrent : bool
        Whether the configuration is recurrent.
    """
    return _core.sandpile_is_recurrent(np.asarray(heights, dtype=np.uint8))


def relax(heights):
    """Relax a configuration (heights up to 200).

    Parameters
    ----------
    heights : array-like of shape (L, L)
        Heights.

    Returns
    -------
    stable : ndarray of shape (L, L), uint8
        The stable heights.
    avalanche : dict
        size, area, duration, radius.
    """
    return _core.sandpile_relax(np.asarray(heights, dtype=np.uint8))


def add_grain(heights, site):
    """Add one grain to a stable configuration and relax.

    Parameters
    ----------
    heights : array-like of shape (L, L)
        A stable configuration.
    site : int
        Row-major site index.

    Returns
    -------
    stable : ndarray of shape (L, L), uint8
        The new heights.
    avalanche : dict
        size, area, duration, radius.
    """
    return _core.sandpile_add_grain(np.asarray(heights, dtype=np.uint8), int(site))


def fit_power_law(samples, *, x_min=0, x_max=-1, bootstrap=200, block=1, level=0.95, seed=0):
    """Maximum-likelihood exponent of P(x) ~ x^-tau on [x_min, x_max] (CSN style).

    Parameters
    ----------
    samples : array-like of int
        The observations.
    x_min : int, default=0
        Lower bound (0: chosen by the Kolmogorov-Smirnov distance).
    x_max : int, default=-1
        Upper cutoff (-1: none).
    bootstrap : int, default=200
        Bootstrap resamples for the errors.
    block : int, default=1
        Resample blocks of this many consecutive samples.
    level : float, default=0.95
        Confidence level of the interval.
    seed : int, default=0
        Seed of the bootstrap.

    Returns
    -------
    fit : dict
        'tau' ({'mean', 'error'}), 'lower', 'upper', 'x_min', ...
    """
    return _core.fit_power_law(np.asarray(samples, dtype=np.int64), int(x_min), int(x_max), int(bootstrap),
                               int(block), float(level), int(seed))
