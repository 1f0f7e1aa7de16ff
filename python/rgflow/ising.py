"""The 2D Ising model H = -J sum_<ij> s_i s_j - h sum_i s_i on a periodic L x L lattice: Markov-chain
samples as NumPy arrays, observables with error bars (:class:`rgflow.Result`), exact references
(Kaufman, Onsager, Yang), Kadanoff block spins and Swendsen's MCRG. Units: J = 1, k_B = 1."""
import numpy as np

from . import _core

critical_temperature = _core.critical_temperature
critical_coupling = _core.critical_coupling


class Samples:
    """Configurations and per-configuration measurements of ``chains`` interleaved chains
    (sample i is round i // chains of chain i % chains).

    Attributes: spins (int8 [n, L, L] or None), energy and magnetization (float64 [n], per spin),
    L, temperature, chains, seed, algorithm, summary (the ``rgflow ising sample --json`` object of
    the same run).
    """

    def __init__(self, raw, temperature, seed, algorithm):
        self.summary = raw.get("json")
        self.spins = raw["spins"]
        self.energy = raw["energy"]
        self.magnetization = raw["magnetization"]
        self.L = raw["L"]
        self.chains = raw["chains"]
        self.temperature = temperature
        self.seed = seed
        self.algorithm = algorithm

    def __len__(self):
        return len(self.energy)

    def observables(self):
        """Energy and specific heat per spin, <|m|>, susceptibility, Binder cumulant and the
        integrated autocorrelation time of the energy, each a Result with its error bar."""
        return observables(self.energy, self.magnetization, self.chains, self.L, self.temperature)

    def visible(self):
        """The configurations as RBM visible rows: float32 [n, L*L] of +-1 (for SpinRBM)."""
        if self.spins is None:
            raise ValueError("the configurations were not kept (keep_spins=False)")
        return self.spins.reshape(len(self.spins), -1).astype(np.float32)

    def __repr__(self):
        return (f"Samples(L={self.L}, temperature={self.temperature}, n={len(self)}, "
                f"chains={self.chains}, algorithm='{self.algorithm}', seed={self.seed})")


def sample(L, temperature, *, algorithm="metropolis", samples=1000, chains=0, sweeps_between=1,
           thermalize=1000, seed=0, keep_spins=True, coupling=1.0, field=0.0, threads=0):
    """Runs ``chains`` independent Markov chains (0: 64 for multi-spin Metropolis, 1 otherwise)
    with ``algorithm`` in {'metropolis', 'metropolis-scalar', 'wolff', 'sw'}; chain c draws from
    the Philox stream (seed, c), so the result does not depend on the thread count (``threads``,
    0: OpenMP's default). Ctrl-C raises KeyboardInterrupt within ~50 ms."""
    raw = _core.sample(int(L), float(temperature), algorithm, int(samples), int(chains),
                       int(sweeps_between), int(thermalize), int(seed), bool(keep_spins),
                       float(coupling), float(field), int(threads))
    return Samples(raw, float(temperature), int(seed), algorithm)


def observables(energy, magnetization, chains, L, temperature):
    """Estimates with error bars from per-spin energy and magnetisation series (dict of Result)."""
    return _core.summarize(np.asarray(energy, dtype=np.float64),
                           np.asarray(magnetization, dtype=np.float64), int(chains), int(L),
                           float(temperature))


def measure(spins, coupling=1.0, field=0.0):
    """(energy per spin, magnetisation per spin) arrays for configurations [n, L, L] or [L, L]."""
    return _core.measure(np.asarray(spins, dtype=np.int8), float(coupling), float(field))


def exact(L, temperature):
    """Kaufman's exact values for the periodic L x L lattice at temperature T: dict with log_z
    (total), energy_per_spin, specific_heat (per spin). L = inf gives Onsager's and Yang's
    infinite-lattice energy, specific heat and spontaneous magnetisation."""
    K = 1.0 / float(temperature)
    if L == np.inf:
        return {"energy_per_spin": _core.onsager_energy_per_spin(K),
                "specific_heat": _core.onsager_specific_heat(K),
                "magnetization": _core.yang_magnetization(K)}
    return _core.kaufman(int(L), K)


def enumerate_exact(L, temperature):
    """The same quantities as :func:`exact` by summing over all 2^(L^2) states (L <= 5)."""
    return _core.enumerate_exact(int(L), 1.0 / float(temperature))


def block_spins(spins, block=2, rule="majority", seed=0):
    """Kadanoff block-spin transform [n, L, L] -> [n, L/b, L/b] ('majority': sign of the block
    sum, ties broken by a fair coin from the stream (seed, i); 'decimation': top-left spin)."""
    spins = np.asarray(spins, dtype=np.int8)
    out = _core.block_spins(spins, int(block), rule, int(seed))
    return out[0] if spins.ndim == 2 else out


def mcrg(spins, *, block=2, levels=3, even_operators=3, odd_operators=2, rule="majority", seed=0,
         chains=1):
    """Swendsen's Monte Carlo RG: per blocking level, the leading eigenvalues and the RG
    exponents y_t, y_h (exact 2D Ising: 1 and 15/8) as Results (list of dicts)."""
    return _core.mcrg(np.asarray(spins, dtype=np.int8), int(block), int(levels),
                      int(even_operators), int(odd_operators), rule, int(seed), int(chains))
