"""The lattice RG tools of ``rgflow rg``: receptive fields and their locality, flow maps iterated
from lattice configurations, and the gauge-fixed free-energy flow of a DBN (docs/vrg-tools.md,
docs/flow-maps.md). The same computations as the CLI (run/rg.hpp): the same model, data, options
and seed give bit-identical numbers. Each function returns the command's ``--json`` object
(without the file names) as a dict."""
import os

import numpy as np

from . import _core
from .couplings import _model


def _lattice_data(data, lattice):
    """A dataset file as it is, or rows as float32 [N, L*L] with L (from [N, L, L] arrays)."""
    if isinstance(data, (str, os.PathLike)):
        return os.fspath(data), int(lattice)
    x = np.asarray(data, dtype=np.float32)
    if x.ndim == 3:
        if x.shape[1] != x.shape[2]:
            raise ValueError(f"data: configurations of shape {x.shape[1:]} are not square")
        if lattice and lattice != x.shape[1]:
            raise ValueError(f"lattice {lattice}: the configurations are {x.shape[1]}x{x.shape[2]}")
        return np.ascontiguousarray(x.reshape(x.shape[0], -1)), int(x.shape[1])
    if x.ndim != 2:
        raise ValueError("data: rows [N, L*L], configurations [N, L, L] or a dataset file")
    if not lattice:
        side = int(round(np.sqrt(x.shape[1])))
        if side * side != x.shape[1]:
            raise ValueError(f"data: rows of {x.shape[1]} values are not a square lattice; give lattice=L")
        lattice = side
    return np.ascontiguousarray(x), int(lattice)


def receptive_field_locality(model, lattice, *, radius=1.5, permutations=100, seed=0):
    """Receptive fields of every level and their locality, as ``rgflow rg receptive-fields``.

    R_k = W_0 ... W_{k-1} on an L x L periodic lattice: each unit's centre and locality score
    S(r) (the weight inside ``radius``) against random site permutations.

    Parameters
    ----------
    model : str, path-like, rgflow.Rbm, rgflow.Dbn or fitted estimator
        The model.
    lattice : int
        Lattice side L.
    radius : float, default=1.5
        Radius r of the locality score.
    permutations : int, default=100
        Site permutations of the null distribution.
    seed : int, default=0
        Seed of the permutations.

    Returns
    -------
    report : dict
        The command's ``--json`` object plus ``fields``: R_k [L*L, n_k] per level.
    """
    return _core.receptive_field_locality(_model(model), int(lattice), float(radius), int(permutations), int(seed))


def lattice_flow(model, data, *, map="rbm", lattice=0, steps=10, propagate="mean", hopfield_temperature=1.0,
                 rows=0, keep=0, seed=0, temperature=None):
    """Iterate a flow map from lattice configurations, as ``rgflow rg flow``.

    Every step's energy, abs(m) and temperature estimates are measured.

    Parameters
    ----------
    model : str, path-like, rgflow.Rbm, rgflow.Dbn or fitted estimator
        The map's model file (or an RBM for ``map='rbm'``).
    data : str, path-like or array-like
        A dataset file, rows (N, L*L) with ``lattice``, or configurations (N, L, L).
    map : {'rbm', 'hopfield', 'nmf', 'autoencoder'}, default='rbm'
        The flow map.
    lattice : int, default=0
        Lattice side (0: from the data).
    steps : int, default=10
        Steps of the map.
    propagate : {'mean', 'sample'}, default='mean'
        How the RBM map moves a configuration.
    hopfield_temperature : float, default=1.0
        Temperature of the Hopfield map's dynamics.
    rows : int, default=0
        Use the first rows only (0: all).
    keep : int, default=0
        Return the first ``keep`` configurations of every step as ``kept``.
    seed : int, default=0
        The seed.
    temperature : float or None, default=None
        Temperature of the data (default: the data file's attribute).

    Returns
    -------
    report : dict
        The ``rgflow rg flow --json`` object.
    """
    x, L = _lattice_data(data, lattice)
    m = _model(model) if map == "rbm" else os.fspath(model)
    return _core.lattice_flow(m, x, map, L, int(steps), propagate, float(hopfield_temperature), int(rows),
                              int(keep), int(seed), temperature)


def lattice_free_energy(model, data, *, lattice=0, temperature=None, log_z="auto", propagate="mean", chains=100,
                        betas=0, samples=20000, seed=0):
    """Gauge-fixed free energy of every layer on lattice data, as ``rgflow rg free-energy-flow``.

    Next to the exact Ising free energy at ``temperature``, with the constant each RG step
    generates, the change between layers with that constant kept and the conservation metric
    (0 for an exact RG; docs/vrg-tools.md). Ctrl-C raises KeyboardInterrupt.

    Parameters
    ----------
    model : str, path-like, rgflow.Rbm, rgflow.Dbn or fitted estimator
        The model.
    data : str, path-like or array-like
        A dataset file, rows (N, L*L) with ``lattice``, or configurations (N, L, L).
    lattice : int, default=0
        Lattice side (0: from the data).
    temperature : float or None, default=None
        Temperature of the data (default: the data file's attribute).
    log_z : {'auto', 'exact', 'ais'}, default='auto'
        How each layer's log Z is computed.
    propagate : {'mean', 'sample'}, default='mean'
        How data are pushed up.
    chains : int, default=100
        AIS chains.
    betas : int, default=0
        AIS temperatures (0: the default ladder).
    samples : int, default=20000
        Samples of the gauge-fixing estimates.
    seed : int, default=0
        The seed.

    Returns
    -------
    report : dict
        The ``rgflow rg free-energy-flow --json`` object.
    """
    x, L = _lattice_data(data, lattice)
    return _core.lattice_free_energy(_model(model), x, L, temperature, log_z, propagate, int(chains), int(betas),
                                     int(samples), int(seed))


__all__ = ["receptive_field_locality", "lattice_flow", "lattice_free_energy"]
