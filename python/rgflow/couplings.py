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
    """Couplings K_A (|A| <= ``max_order``) of layer ``layer``'s marginal Hamiltonian on the
    ``side`` units, with error bars (0 where exact). ``lattice`` L: the side is an L x L periodic
    lattice (``chain``: a periodic ring), and the result also holds the couplings averaged by
    shape ("by_displacement"). Units touching at most ``max_exact_support`` sites (|w| above
    ``tolerance``) are enumerated, the others estimated from ``samples`` uniform states drawn
    from ``seed``. Returns the ``rgflow rg couplings --json`` object (without "model") as a dict.
    Ctrl-C raises KeyboardInterrupt."""
    return _core.effective_couplings(_model(model), int(layer), side, int(max_order), int(lattice),
                                     bool(chain), int(extent), float(tolerance),
                                     int(max_exact_support), int(samples), int(seed), int(threads))
