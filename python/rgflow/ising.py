"""The 2D Ising model H = -J sum_<ij> s_i s_j - h sum_i s_i on a periodic L x L lattice: Markov-chain
samples as NumPy arrays, observables with error bars (:class:`rgflow.Result`), exact references
(Kaufman, Onsager, Yang), Kadanoff block spins and Swendsen's MCRG. Units: J = 1, k_B = 1."""
import numpy as np

from . import _core

critical_temperature = _core.critical_temperature
critical_coupling = _core.critical_coupling


class Samples:
    """Configurations and per-configuration measurements of interleaved Markov chains.

    Sample i is round i // chains of chain i % chains. Made by :func:`sample`.

    Parameters
    ----------
    raw : dict
        The C++ sampler's output (spins, energy, magnetization, L, chains, json).
    temperature : float
        The temperature T.
    seed : int
        The seed of the run.
    algorithm : str
        The Monte Carlo algorithm.

    Attributes
    ----------
    spins : ndarray of shape (n, L, L), int8, or None
        The configurations (None with ``keep_spins=False``).
    energy : ndarray of shape (n,)
        Energy per spin of every sample.
    magnetization : ndarray of shape (n,)
        Magnetisation per spin of every sample.
    L : int
        Lattice side.
    chains : int
        Number of chains.
    temperature, seed, algorithm
        As given.
    summary : dict
        The ``rgflow ising sample --json`` object of the same run.
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
        """Energy and specific heat per spin, <abs(m)>, susceptibility, Binder cumulant, tau_int.

        Returns
        -------
        observables : dict of rgflow.Result
            Each estimate with its error bar (see :func:`observables`).
        """
        return observables(self.energy, self.magnetization, self.chains, self.L, self.temperature)

    def visible(self):
        """The configurations as RBM visible rows (for :class:`rgflow.SpinRBM`).

        Returns
        -------
        X : ndarray of shape (n, L*L), float32
            The spins +-1.
        """
        if self.spins is None:
            raise ValueError("the configurations were not kept (keep_spins=False)")
        return self.spins.reshape(len(self.spins), -1).astype(np.float32)

    def __repr__(self):
        return (f"Samples(L={self.L}, temperature={self.temperature}, n={len(self)}, "
                f"chains={self.chains}, algorithm='{self.algorithm}', seed={self.seed})")


def sample(L, temperature, *, algorithm="metropolis", samples=1000, chains=0, sweeps_between=1,
           thermalize=1000, seed=0, keep_spins=True, coupling=1.0, field=0.0, threads=0):
    """Run independent Markov chains of the 2D Ising model.

    Chain c draws from the Philox stream (seed, c), so the result does not depend on the thread
    count. Ctrl-C raises KeyboardInterrupt within ~50 ms.

    Parameters
    ----------
    L : int
        Lattice side (periodic L x L).
    temperature : float
        Temperature T (J = k_B = 1).
    algorithm : {'metropolis', 'metropolis-scalar', 'wolff', 'sw'}, default='metropolis'
        Multi-spin Metropolis, scalar Metropolis, Wolff or Swendsen-Wang clusters.
    samples : int, default=1000
        Samples in total.
    chains : int, default=0
        Independent chains (0: 64 for multi-spin Metropolis, 1 otherwise).
    sweeps_between : int, default=1
        Sweeps between samples.
    thermalize : int, default=1000
        Sweeps discarded first.
    seed : int, default=0
        The seed.
    keep_spins : bool, default=True
        Keep the configurations (else only energy and magnetisation).
    coupling : float, default=1.0
        The coupling J.
    field : float, default=0.0
        The field h.
    threads : int, default=0
        OpenMP threads (0: default).

    Returns
    -------
    samples : Samples
        Configurations and measurements.
    """
    raw = _core.sample(int(L), float(temperature), algorithm, int(samples), int(chains),
                       int(sweeps_between), int(thermalize), int(seed), bool(keep_spins),
                       float(coupling), float(field), int(threads))
    return Samples(raw, float(temperature), int(seed), algorithm)


def observables(energy, magnetization, chains, L, temperature):
    """Estimates with error bars from per-spin energy and magnetisation series.

    Parameters
    ----------
    energy : array-like of shape (n,)
        Energy per spin of every sample.
    magnetization : array-like of shape (n,)
        Magnetisation per spin of every sample.
    chains : int
        Number of interleaved chains (sample i belongs to chain i % chains).
    L : int
        Lattice side.
    temperature : float
        Temperature T.

    Returns
    -------
    observables : dict of rgflow.Result
        Energy, specific heat, <abs(m)>, susceptibility, Binder cumulant, tau_int.
    """
    return _core.summarize(np.asarray(energy, dtype=np.float64),
                           np.asarray(magnetization, dtype=np.float64), int(chains), int(L),
                           float(temperature))


def measure(spins, coupling=1.0, field=0.0):
    """Energy and magnetisation per spin of configurations.

    Parameters
    ----------
    spins : array-like of shape (n, L, L) or (L, L)
        Configurations of +-1.
    coupling : float, default=1.0
        The coupling J.
    field : float, default=0.0
        The field h.

    Returns
    -------
    energy : ndarray
        Energy per spin of each configuration.
    magnetization : ndarray
        Magnetisation per spin of each configuration.
    """
    return _core.measure(np.asarray(spins, dtype=np.int8), float(coupling), float(field))


def exact(L, temperature):
    """Kaufman's exact values for the periodic L x L lattice.

    Parameters
    ----------
    L : int or numpy.inf
        Lattice side; inf gives Onsager's and Yang's infinite-lattice energy, specific heat
        and spontaneous magnetisation.
    temperature : float
        Temperature T.

    Returns
    -------
    values : dict
        log_z (total), energy_per_spin, specific_heat (per spin); for L = inf
        energy_per_spin, specific_heat, magnetization.
    """
    K = 1.0 / float(temperature)
    if L == np.inf:
        return {"energy_per_spin": _core.onsager_energy_per_spin(K),
                "specific_heat": _core.onsager_specific_heat(K),
                "magnetization": _core.yang_magnetization(K)}
    return _core.kaufman(int(L), K)


def enumerate_exact(L, temperature):
    """The quantities of :func:`exact` by summing over all 2^(L^2) states.

    Parameters
    ----------
    L : int
        Lattice side, at most 5.
    temperature : float
        Temperature T.

    Returns
    -------
    values : dict
        As :func:`exact`.
    """
    return _core.enumerate_exact(int(L), 1.0 / float(temperature))


def block_spins(spins, block=2, rule="majority", seed=0):
    """Kadanoff block-spin transform [n, L, L] -> [n, L/b, L/b].

    Parameters
    ----------
    spins : array-like of shape (n, L, L) or (L, L)
        Configurations of +-1.
    block : int, default=2
        Block side b (divides L).
    rule : {'majority', 'decimation'}, default='majority'
        'majority': sign of the block sum, ties broken by a fair coin from the stream (seed, i);
        'decimation': the top-left spin.
    seed : int, default=0
        Seed of the tie-breaking coins.

    Returns
    -------
    blocked : ndarray of int8
        The block spins, with the input's number of dimensions.
    """
    spins = np.asarray(spins, dtype=np.int8)
    out = _core.block_spins(spins, int(block), rule, int(seed))
    return out[0] if spins.ndim == 2 else out


def mcrg(spins, *, block=2, levels=3, even_operators=3, odd_operators=2, rule="majority", seed=0,
         chains=1):
    """Swendsen's Monte Carlo renormalization group.

    Parameters
    ----------
    spins : array-like of shape (n, L, L)
        Equilibrium configurations.
    block : int, default=2
        Block side per level.
    levels : int, default=3
        Blocking levels.
    even_operators : int, default=3
        Even (energy-like) operators in the linearised transformation.
    odd_operators : int, default=2
        Odd (magnetic) operators.
    rule : {'majority', 'decimation'}, default='majority'
        Block-spin rule.
    seed : int, default=0
        Seed of the tie-breaking coins.
    chains : int, default=1
        Interleaved chains in ``spins`` (for the error bars).

    Returns
    -------
    levels : list of dict
        Per blocking level the leading eigenvalues and the RG exponents y_t, y_h (exact 2D
        Ising: 1 and 15/8) as Results.
    """
    return _core.mcrg(np.asarray(spins, dtype=np.int8), int(block), int(levels),
                      int(even_operators), int(odd_operators), rule, int(seed), int(chains))
