"""Effective (renormalized) Hamiltonians of an RBM layer as multi-spin couplings K_A in the spin
basis: H(s) = -K_0 - sum_A K_A prod_{i in A} s_i for the marginal of the visible or hidden side
(docs/vrg-tools.md). The same computation as ``rgflow rg couplings`` (run/couplings.hpp): the
same model, options and seed give bit-identical numbers."""
import os

from . import _core


def _model(model):
    if isinstance(model, (str, os.PathLike)):
        return os.fspath(model)
    if isinstance(model, (_core.Rbm, _core.Dbn)):
        return model
    for attribute in ("dbn_", "rbm_"):  # a fitted DBN or RBM estimator
        if hasattr(model, attribute):
            return getattr(model, attribute)
    raise TypeError("model: a model file, an rgflow.Rbm or Dbn, or a fitted RBM or DBN estimator")


def effective_couplings(model, *, side="visible", max_order=4, lattice=0, chain=False, extent=0,
                        layer=0, tolerance=0.0, max_exact_support=20, samples=20000, seed=0,
                        threads=0):
    """Multi-spin couplings K_A of an RBM layer's marginal Hamiltonian, as ``rgflow rg couplings``.

    H(s) = -K_0 - sum_A K_A prod_{i in A} s_i on the ``side`` units, with error bars (0 where
    exact). Ctrl-C raises KeyboardInterrupt.

    Parameters
    ----------
    model : str, path-like, rgflow.Rbm, rgflow.Dbn or fitted estimator
        A model file, a C++ model, or a fitted RBM / DBN estimator.
    side : {'visible', 'hidden'}, default='visible'
        Whose marginal.
    max_order : int, default=4
        Largest coupling order abs(A).
    lattice : int, default=0
        L > 0: the side is an L x L periodic lattice, and the result also holds the couplings
        averaged by shape ("by_displacement").
    chain : bool, default=False
        With ``lattice``: a periodic ring instead.
    extent : int, default=0
        Largest displacement kept in the shape averages (0: all).
    layer : int, default=0
        Which layer of a DBN.
    tolerance : float, default=0.0
        Weights with abs(w) at or below it do not count as touching a site.
    max_exact_support : int, default=20
        Units touching at most this many sites are enumerated exactly.
    samples : int, default=20000
        Uniform states for the other units' estimates.
    seed : int, default=0
        Seed of those states.
    threads : int, default=0
        OpenMP threads.

    Returns
    -------
    couplings : dict
        The ``rgflow rg couplings --json`` object without "model".
    """
    return _core.effective_couplings(_model(model), int(layer), side, int(max_order), int(lattice),
                                     bool(chain), int(extent), float(tolerance),
                                     int(max_exact_support), int(samples), int(seed), int(threads))
