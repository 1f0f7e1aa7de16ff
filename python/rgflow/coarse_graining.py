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

    Attributes: filter (float64 [M, b^d]), mutual_information (:class:`rgflow.Result`, nats),
    initial_filter, training_curve (float64 [epochs, 3]: epoch, soft train bound, held-out bound),
    filter_history ([epochs, M * b^d]), training_configurations, validation_configurations.
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
        """max_i |w_i - mean| / |mean| of one filter row (0 for majority rule's uniform filter)."""
        w = self.filter[row]
        mean = w.mean()
        return float("inf") if mean == 0 else float(np.max(np.abs(w - mean)) / abs(mean))

    def __repr__(self):
        mi = self.mutual_information
        return f"RSMIResult(filter={np.round(self.filter, 4).tolist()}, I={mi.mean:.5f} +- {mi.error:.5f} nats)"


def rsmi(spins, *, block=2, buffer=2, environment=2, chain=False, filter=None, seed=0, output=None,
         threads=0, **options):
    """Learn (``filter=None``) or measure an RSMI coarse-graining filter.

    ``spins``: int8-convertible +-1 configurations [n, L, L] (periodic lattice) or, with
    ``chain=True``, [n, L] (periodic rings). Geometry: ``block`` b (divides L), ``buffer`` w,
    ``environment`` e with b + 2w + 2e <= L. ``filter``: a fixed [M, b^d] (or 1-D) array to
    measure instead of learning. ``output``: also write an RSMI file (for ``rgflow rg
    coarse-grain`` / ``ising mcrg --rule``). Further options (defaults of rg/rsmi.hpp):
    hidden_per_block, epochs, critic_epochs, positions_per_epoch, eval_positions, batch_size,
    critic_hidden, learning_rate, critic_learning_rate, beta, validation_fraction. The result does
    not depend on ``threads``; Ctrl-C raises KeyboardInterrupt.
    """
    spins = np.ascontiguousarray(spins, dtype=np.int8)
    f = None if filter is None else np.ascontiguousarray(filter, dtype=np.float64)
    raw = _core.rsmi(spins, chain=bool(chain), block=int(block), buffer=int(buffer),
                     environment=int(environment), filter=f, seed=int(seed),
                     output="" if output is None else str(output), threads=int(threads), **options)
    return RSMIResult(raw)


def chain_information(K, L, buffer, filter, deterministic=True):
    """Exact I(H : E) in nats of ``filter`` ([M, b] or 1-D) on the periodic Ising chain
    p(s) ~ exp(K sum s_i s_{i+1}) of L sites with a buffer of ``buffer`` sites (rg/rsmi_exact.hpp);
    ``deterministic=False``: the stochastic spin unit p(h=+1|v) = sigmoid(2 filter.v)."""
    f = np.atleast_2d(np.asarray(filter, dtype=np.float64))
    return _core.rsmi_chain_information(float(K), int(L), int(buffer), f, bool(deterministic))


def coarse_grain(spins, rule, *, block=2, seed=0):
    """Coarse-grain configurations [n, L, L] with ``rule``: 'majority', 'decimation' (block side
    ``block``), the path of an RSMI file, or a b*b filter (sign of the weighted block sum, ties a
    fair coin from stream (seed, i) for configuration i). Returns int8 [n, L/b, L/b]."""
    spins = np.ascontiguousarray(spins, dtype=np.int8)
    if not isinstance(rule, str):
        rule = np.ascontiguousarray(np.atleast_2d(rule), dtype=np.float64)
    return _core.coarse_grain(spins, rule, int(block), int(seed))
