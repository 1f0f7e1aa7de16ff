"""Convolutional (weight-shared) RBMs on periodic L x L lattices (docs/conv.md).

:class:`ConvRBM` wraps the computations of ``rgflow conv train | logz | loglik | sample`` (the same
C++ functions), so that with the same data, options and seed Python and the CLI give bit-identical
models, log Z values and samples; model files are interchangeable with the CLI's.

    >>> import rgflow
    >>> X = rgflow.ising.sample(L=8, T=2.5, n=500, seed=1).reshape(500, 64)   # doctest: +SKIP
    >>> m = rgflow.ConvRBM(kernel=2, stride=1, channels=2, symmetry="z2", optimizer="adam",
    ...                    learning_rate=0.01, epochs=10, random_state=1).fit(X)  # doctest: +SKIP
    >>> m.log_likelihood(X)["log_likelihood_per_spin"]                         # doctest: +SKIP
"""
import numpy as np

from . import _core
from .rbm import seed_from_random_state


def _rows(X, lattice=None):
    """X as float32 rows [N, L*L] (an [N, L, L] stack is flattened) and the lattice side."""
    X = np.asarray(X, dtype=np.float32)
    if X.ndim == 3:
        if X.shape[1] != X.shape[2]:
            raise ValueError(f"X: expected [N, L, L] configurations, got shape {X.shape}")
        X = X.reshape(X.shape[0], -1)
    if X.ndim != 2 or X.shape[0] == 0:
        raise ValueError(f"X: expected a non-empty 2-D array of lattice configurations, got shape {X.shape}")
    L = lattice if lattice is not None else int(round(np.sqrt(X.shape[1])))
    if L * L != X.shape[1]:
        raise ValueError(f"X: {X.shape[1]} values per row is not an L x L lattice; pass lattice=")
    return np.ascontiguousarray(X), L


def _as_states(X, visible_type):
    """Maps +-1 data to {0, 1} for Bernoulli units and {0, 1} data to +-1 for spin units, as the
    CLI's data reader does (run/conv.hpp read_conv_data)."""
    if visible_type == "spin" and np.isin(X, (0.0, 1.0)).all():
        return (2.0 * X - 1.0).astype(np.float32)
    if visible_type == "bernoulli" and np.isin(X, (-1.0, 1.0)).all():
        return (0.5 * (X + 1.0)).astype(np.float32)
    return X


class ConvRBM:
    """Convolutional RBM on a periodic L x L lattice.

    ``channels`` kernels of ``kernel`` x ``kernel`` applied at ``stride`` with periodic wrap,
    one bias per channel, one visible bias shared by all sites. The parameters and defaults
    are those of ``rgflow conv train``; checkpoints and resuming are CLI-only.

    Parameters
    ----------
    kernel : int, default=2
        Kernel side K.
    stride : int, default=1
        Stride of the kernels on the lattice.
    channels : int, default=2
        Number of kernels C.
    lattice : int or None, default=None
        Lattice side L (None: from the data).
    visible_type : {'spin', 'bernoulli'}, default='spin'
        Visible units.
    hidden_type : {'spin', 'bernoulli'}, default='spin'
        Hidden units.
    method : {'pcd', 'cd', 'pt'}, default='pcd'
        Negative phase ('pt': parallel tempering on a geometric ladder).
    k : int, default=1
        Gibbs sweeps per update.
    epochs : int, default=20
        Passes over the data.
    batch_size : int, default=100
        Rows per mini-batch.
    learning_rate : float, default=0.05
        Initial learning rate.
    learning_rate_final : float or None, default=None
        The rate reached at the last epoch; None: constant.
    lr_schedule : {'exponential', 'linear', 'cosine'}, default='exponential'
        How the rate decays to ``learning_rate_final``.
    warmup_epochs : int, default=0
        Epochs of linear warm-up.
    optimizer : {'sgd', 'adam'}, default='sgd'
        Update rule.
    momentum : float or None, default=None
        SGD momentum (None: 0.5).
    weight_decay : float, default=0.0
        L2 cost on the kernels.
    chains : int, default=100
        Persistent chains.
    weight_std : float, default=0.01
        Standard deviation of the initial kernels.
    symmetry : {'none', 'z2'}, default='none'
        'z2': biases tied to 0 (p(v) = p(-v)).
    centering : bool, default=True
        Centred gradients (the identity with Z2), as the CLI's ``--centering``.
    replicas : int, default=10
        Method 'pt': number of temperatures.
    pt_beta_min : float, default=0.1
        Method 'pt': the lowest inverse temperature.
    random_state : int, default=0
        The seed.

    Attributes
    ----------
    model_ : rgflow._core.ConvRbm
        The C++ model.
    kernels_ : ndarray of shape (channels, kernel, kernel)
        The kernels.
    hidden_bias_ : ndarray of shape (channels,)
        One bias per channel.
    visible_bias_ : float
        The shared visible bias.
    history_ : list of dict
        Per epoch: learning rate, reconstruction error; PT: swap acceptance per pair.
    """

    def __init__(self, kernel=2, stride=1, channels=2, lattice=None, visible_type="spin", hidden_type="spin",
                 method="pcd", k=1, epochs=20, batch_size=100, learning_rate=0.05, learning_rate_final=None,
                 lr_schedule="exponential", warmup_epochs=0, optimizer="sgd", momentum=None, weight_decay=0.0,
                 chains=100, weight_std=0.01, symmetry="none", centering=True, replicas=10, pt_beta_min=0.1,
                 random_state=0):
        self.kernel, self.stride, self.channels, self.lattice = kernel, stride, channels, lattice
        self.visible_type, self.hidden_type = visible_type, hidden_type
        self.method, self.k, self.epochs, self.batch_size = method, k, epochs, batch_size
        self.learning_rate, self.learning_rate_final = learning_rate, learning_rate_final
        self.lr_schedule, self.warmup_epochs, self.optimizer, self.momentum = lr_schedule, warmup_epochs, optimizer, momentum
        self.weight_decay, self.chains, self.weight_std = weight_decay, chains, weight_std
        self.symmetry, self.random_state = symmetry, random_state
        self.centering, self.replicas, self.pt_beta_min = centering, replicas, pt_beta_min

    def _check_options(self):
        if self.symmetry not in ("none", "z2"):
            raise ValueError(f"symmetry must be 'none' or 'z2', got {self.symmetry!r}")
        if self.momentum is not None and self.optimizer == "adam":
            raise ValueError("momentum: Adam has no momentum (its first moment decays with beta1 = 0.9)")
        if self.learning_rate_final is not None and not self.learning_rate_final > 0:
            raise ValueError(f"learning_rate_final must be > 0, got {self.learning_rate_final}")

    def fit(self, X, y=None, on_epoch=None):
        """Train from scratch, as ``rgflow conv train``.

        Parameters
        ----------
        X : array-like of shape (n_samples, L*L) or (n_samples, L, L)
            Lattice states (+-1 data become {0, 1} for Bernoulli units and vice versa).
        y : None
            Ignored.
        on_epoch : callable or None, default=None
            Called with each epoch's statistics (a dict).

        Returns
        -------
        self : ConvRBM
            The fitted model.
        """
        self._check_options()
        X, L = _rows(X, self.lattice)
        start = _core.ConvRbm(L, self.kernel, self.stride, self.channels, self.visible_type, self.hidden_type)
        X = _as_states(X, self.visible_type)
        self.seed_ = seed_from_random_state(self.random_state)
        self.model_, self.history_ = _core.conv_train(
            start, X, method=self.method, k=self.k, epochs=self.epochs, batch_size=self.batch_size,
            learning_rate=self.learning_rate, learning_rate_final=self.learning_rate_final or 0.0,
            lr_schedule=self.lr_schedule, warmup_epochs=self.warmup_epochs, optimizer=self.optimizer,
            momentum=0.5 if self.momentum is None else self.momentum, weight_decay=self.weight_decay,
            chains=self.chains, weight_std=self.weight_std, seed=self.seed_, z2=self.symmetry == "z2",
            centering=bool(self.centering), replicas=self.replicas, pt_beta_min=self.pt_beta_min, on_epoch=on_epoch)
        return self

    # -- the fitted model --------------------------------------------------------------------
    def _fitted(self):
        if not hasattr(self, "model_"):
            raise ValueError("this ConvRBM is not fitted yet: call fit() or load()")
        return self.model_

    @property
    def kernels_(self):
        """The kernels, ndarray of shape (channels, kernel, kernel).
        """
        m = self._fitted()
        return m.kernels.reshape(m.channels, m.kernel, m.kernel)

    @property
    def hidden_bias_(self):
        """The hidden biases, one per channel.
        """
        return self._fitted().hidden_bias

    @property
    def visible_bias_(self):
        """The visible bias shared by all sites.
        """
        return self._fitted().visible_bias

    def hidden_positions(self):
        """(row, column) of every hidden unit: the centre of its patch (docs/conv.md).

        Returns
        -------
        positions : ndarray of shape (n_hidden, 2)
            Lattice coordinates of every hidden unit.
        """
        return self._fitted().hidden_positions()

    def log_partition(self, method="auto", chains=100, betas=0, seed=0, data=None, threads=0):
        """log Z as ``rgflow conv logz --json`` reports it.

        Parameters
        ----------
        method : {'auto', 'exact', 'ais'}, default='auto'
            Exact enumeration or annealed importance sampling.
        chains : int, default=100
            AIS chains.
        betas : int or sequence of float, default=0
            AIS temperatures (0: the default ladder).
        seed : int, default=0
            AIS seed.
        data : array-like, default=None
            Lattice states for AIS's base-rate model.
        threads : int, default=0
            OpenMP threads (0: default); results do not depend on it.

        Returns
        -------
        report : dict
            With ``"log_z": {"mean", "error"}`` and the method's details.
        """
        m = self._fitted()
        if data is not None:
            data = _as_states(_rows(data, m.lattice)[0], m.visible_type)
        return _core.conv_log_z(m, method, chains, betas, seed, threads, data)

    def log_likelihood(self, X, method="auto", chains=100, betas=0, seed=0, coupling=None, threads=0):
        """Mean log-likelihood per spin of X, as ``rgflow conv loglik --json`` reports it.

        Parameters
        ----------
        X : array-like of shape (n_samples, L*L) or (n_samples, L, L)
            Lattice states.
        method : {'auto', 'exact', 'ais'}, default='auto'
            How log Z is computed.
        chains : int, default=100
            AIS chains.
        betas : int or sequence of float, default=0
            AIS temperatures.
        seed : int, default=0
            AIS seed.
        coupling : float or None, default=None
            The Ising coupling K of the data: also the paired KL to the exact Ising model.
        threads : int, default=0
            OpenMP threads.

        Returns
        -------
        report : dict
            ``log_likelihood_per_spin`` and the rest of the CLI's JSON.
        """
        m = self._fitted()
        X = _as_states(_rows(X, m.lattice)[0], m.visible_type)
        return _core.conv_log_likelihood(m, X, method, chains, betas, seed, threads, coupling)

    def sample(self, n, sweeps=1000, seed=0):
        """Samples of n independent Gibbs chains, as ``rgflow conv sample``.

        Parameters
        ----------
        n : int
            Number of chains.
        sweeps : int, default=1000
            Gibbs sweeps per chain.
        seed : int, default=0
            Seed of the chains.

        Returns
        -------
        samples : ndarray of shape (n, L*L)
            Final visible states.
        """
        return _core.conv_sample(self._fitted(), int(n), int(sweeps), int(seed))

    def transform(self, X, channel=0, mean=False, seed=0):
        """One channel of the hidden layer of every row, as ``rgflow conv transform``.

        Parameters
        ----------
        X : array-like of shape (n_samples, L*L) or (n_samples, L, L)
            Lattice states.
        channel : int, default=0
            Which channel.
        mean : bool, default=False
            E[h|v] instead of samples h ~ p(h|v).
        seed : int, default=0
            Seed of the samples.

        Returns
        -------
        h : ndarray of shape (n_samples, M*M)
            The channel's hidden states (or means) on its M x M grid.
        """
        m = self._fitted()
        X = _as_states(_rows(X, m.lattice)[0], m.visible_type)
        return _core.conv_hidden_lattice(m, X, int(channel), bool(mean), int(seed))

    def to_dense(self):
        """The equivalent dense RBM (same p(v)).

        Returns
        -------
        rbm : rgflow.Rbm
            A dense model with the shared weights written out.
        """
        return self._fitted().to_dense()

    def save(self, path, attributes=None):
        """Write the model file of ``rgflow conv train`` (HDF5, kernels stored once).

        Parameters
        ----------
        path : str or path-like
            The file to write.
        attributes : dict, default=None
            Extra string attributes.
        """
        attrs = {"seed": str(getattr(self, "seed_", "")), "method": f"{self.method}-{self.k}",
                 "optimizer": self.optimizer, "epochs": str(self.epochs), "symmetry": self.symmetry}
        attrs.update(attributes or {})
        self._fitted().save(str(path), attrs)

    @classmethod
    def load(cls, path, **params):
        """A fitted ConvRBM from a model file (of the CLI or of :meth:`save`).

        Parameters
        ----------
        path : str or path-like
            The model file.
        **params : dict
            Constructor parameters to set on the estimator.

        Returns
        -------
        model : ConvRBM
            The fitted model.
        """
        m = _core.ConvRbm.load(str(path))
        est = cls(kernel=m.kernel, stride=m.stride, channels=m.channels, lattice=m.lattice,
                  visible_type=m.visible_type, hidden_type=m.hidden_type, **params)
        est.model_ = m
        return est
