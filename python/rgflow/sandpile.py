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
    """Drives ``lattices`` independent L x L sandpiles with ``grains`` grains in all (lattice l
    draws from the Philox stream (seed, l)). ``start='stationary'`` begins in an exact sample of
    the stationary state, so no transient is needed (``transient=-1`` means 0 then, 4 L^2 grains
    per lattice for 'empty' or 'max'). Returns the dict of ``rgflow sandpile run --json``."""
    return _core.sandpile_run(int(L), int(grains), int(lattices), str(start), int(transient),
                              int(measure_every), int(seed), bool(fits), int(bootstrap), bool(raw),
                              bool(records))


def stats(runs, *, q_min=1.0, q_max=4.0, order=2):
    """Finite-size scaling over several runs (run files written by ``rgflow sandpile run -o``, or
    dicts from :func:`run` with ``raw=True``): the height probabilities and mean height
    extrapolated in 1/L, each run's topplings per grain against Dhar's exact value, and the
    moment analysis (D, tau) of the four avalanche observables. Returns the dict of ``rgflow
    sandpile stats --json`` (without "files"); the same numbers for the same runs."""
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
    """Block statistics of heights and avalanches at block sides ``blocks`` (the dict of
    ``rgflow sandpile rg --json``, with histograms)."""
    return _core.sandpile_renormalize(int(L), int(grains), [int(b) for b in blocks], int(lattices),
                                      int(height_samples), int(tail_min), int(seed))


def determinant(L):
    """det of the toppling matrix of the L x L lattice, exactly (L <= 5)."""
    return _core.sandpile_determinant(int(L))


def log_determinant(L):
    """ln det of the toppling matrix (eigenvalue product; any L)."""
    return _core.sandpile_log_determinant(int(L))


def enumerate_recurrent(L, method="split"):
    """Counts the recurrent configurations (L <= 4) by classifying every stable configuration with
    the burning test: {'count', 'height_sum' (per height, summed over configurations and sites),
    'burning_tests'}."""
    return _core.sandpile_enumerate(int(L), str(method))


def exact_height_probabilities(L):
    """P(z = 0..3) of the stationary state of the L x L lattice, exactly (L <= 4)."""
    e = enumerate_recurrent(L)
    return np.asarray(e["height_sum"], dtype=np.float64) / (e["count"] * L * L)


def mean_size_exact(L):
    """Mean number of topplings per added grain in the stationary state (Dhar 1990)."""
    return _core.sandpile_mean_size_exact(int(L))


def stationary_sample(L, seed=0, stream=0):
    """An exact sample of the stationary (uniform recurrent) state: uint8 [L, L]."""
    return _core.sandpile_stationary_sample(int(L), int(seed), int(stream))


def is_recurrent(heights):
    """Dhar's burning test of a stable [L, L] configuration."""
    return _core.sandpile_is_recurrent(np.asarray(heights, dtype=np.uint8))


def relax(heights):
    """Relaxes an [L, L] configuration (heights up to 200): (stable heights, avalanche dict with
    size, area, duration, radius)."""
    return _core.sandpile_relax(np.asarray(heights, dtype=np.uint8))


def add_grain(heights, site):
    """Adds one grain at row-major ``site`` of a stable configuration and relaxes:
    (new heights, avalanche dict)."""
    return _core.sandpile_add_grain(np.asarray(heights, dtype=np.uint8), int(site))


def fit_power_law(samples, *, x_min=0, x_max=-1, bootstrap=200, block=1, level=0.95, seed=0):
    """Maximum-likelihood exponent of P(x) ~ x^-tau on [x_min, x_max] (x_min=0: chosen by the
    Kolmogorov-Smirnov distance; x_max=-1: no cutoff), bootstrap errors over blocks of ``block``
    consecutive samples. Returns {'tau': {'mean', 'error'}, 'lower', 'upper', 'x_min', ...}."""
    return _core.fit_power_law(np.asarray(samples, dtype=np.int64), int(x_min), int(x_max), int(bootstrap),
                               int(block), float(level), int(seed))
