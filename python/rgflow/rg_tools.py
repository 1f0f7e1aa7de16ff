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
    """Receptive fields R_k = W_0 ... W_{k-1} of every level of ``model`` (a model file, an
    rgflow.Rbm/Dbn or a fitted estimator) on an L x L periodic lattice: each unit's centre and
    locality score S(r) (the weight inside ``radius``) against ``permutations`` site permutations
    drawn from ``seed``. The ``rgflow rg receptive-fields --json`` object as a dict, plus
    ``fields``: R_k [L*L, n_k] per level."""
    return _core.receptive_field_locality(_model(model), int(lattice), float(radius), int(permutations), int(seed))


def lattice_flow(model, data, *, map="rbm", lattice=0, steps=10, propagate="mean", hopfield_temperature=1.0,
                 rows=0, keep=0, seed=0, temperature=None):
    """Iterates a flow map (``map``: "rbm", "hopfield", "nmf" or "autoencoder"; ``model`` its
    file, or an RBM for "rbm") from lattice configurations ``data`` (a dataset file, rows
    [N, L*L] with ``lattice``, or [N, L, L]) for ``steps`` steps, measuring every step's energy,
    |m| and temperature estimates. ``rows`` > 0 uses the first rows only; ``keep`` > 0 returns
    the first ``keep`` configurations of every step as ``kept``. The ``rgflow rg flow --json``
    object as a dict."""
    x, L = _lattice_data(data, lattice)
    m = _model(model) if map == "rbm" else os.fspath(model)
    return _core.lattice_flow(m, x, map, L, int(steps), propagate, float(hopfield_temperature), int(rows),
                              int(keep), int(seed), temperature)


def lattice_free_energy(model, data, *, lattice=0, temperature=None, log_z="auto", propagate="mean", chains=100,
                        betas=0, samples=20000, seed=0):
    """Gauge-fixed free energy of every layer of ``model`` on lattice configurations ``data``, next
    to the exact Ising free energy at ``temperature`` (default: the data file's attribute), with
    the change between layers and the conservation metric. The ``rgflow rg free-energy-flow
    --json`` object as a dict. Ctrl-C raises KeyboardInterrupt."""
    x, L = _lattice_data(data, lattice)
    return _core.lattice_free_energy(_model(model), x, L, temperature, log_z, propagate, int(chains), int(betas),
                                     int(samples), int(seed))


__all__ = ["receptive_field_locality", "lattice_flow", "lattice_free_energy"]
