"""Convex non-negative matrix factorization (Ding, Li & Jordan 2010; docs/nmf.md).

:class:`ConvexNMF` follows scikit-learn's decomposition API for the rows of X (n_samples x
n_features): X ~ G W^T X with W, G >= 0, the archetypes ``components_`` = W^T X being convex
combinations of data rows (W's columns sum to 1). ``transform`` gives the non-negative codes of
new rows with the archetypes fixed, ``inverse_transform`` maps codes back, ``linear_flow``
iterates the seed's flow map X -> G W^T X on the fitted data.
"""
import numpy as np

from . import _core
from .rbm import seed_from_random_state


def _as_float64(X):
    if hasattr(X, "toarray"):
        X = X.toarray()
    X = np.ascontiguousarray(X, dtype=np.float64)
    if X.ndim != 2:
        raise ValueError(f"expected a 2-D array, got {X.ndim}-D")
    return X


class ConvexNMF:
    """Convex NMF X ~ G W^T X with W, G >= 0 (Ding, Li & Jordan 2010).

    Parameters
    ----------
    n_components : int, default=10
        Rank k.
    max_iter : int, default=1000
        Multiplicative-update iterations.
    tol : float, default=1e-6
        Stop when the objective's relative decrease per iteration is below it.
    n_init : int, default=10
        k-means++ restarts of the initialisation.
    random_state : int, RandomState instance or None, default=0
        The seed.
    threads : int, default=0
        OpenMP threads.

    Attributes
    ----------
    components_ : ndarray of shape (k, n_features)
        Archetypes W^T X (convex combinations of data rows).
    W_ : ndarray of shape (n_samples, k)
        Convex weights (columns sum to 1).
    G_ : ndarray of shape (n_samples, k)
        Codes.
    objective_ : ndarray
        The objective per iteration.
    reconstruction_err_ : float
        Frobenius norm of X - G W^T X (after fit).
    n_iter_ : int
        Iterations done.
    converged_ : bool
        Whether the tolerance was reached.
    n_components_ : int
        The rank.
    model_ : rgflow._core.ConvexNmfModel
        The C++ model.
    """

    def __init__(self, n_components=10, max_iter=1000, tol=1e-6, n_init=10, random_state=0, threads=0):
        self.n_components = n_components
        self.max_iter = max_iter
        self.tol = tol
        self.n_init = n_init
        self.random_state = random_state
        self.threads = threads

    def fit(self, X, y=None):
        """Factorise X.

        Parameters
        ----------
        X : {array-like, sparse matrix} of shape (n_samples, n_features)
            Non-negative data.
        y : None
            Ignored.

        Returns
        -------
        self : ConvexNMF
            The fitted estimator.
        """
        X = _as_float64(X)
        self.model_ = _core.fit_convex_nmf(X, int(self.n_components), int(self.max_iter), float(self.tol),
                                           seed_from_random_state(self.random_state), int(self.n_init),
                                           int(self.threads))
        self._set_attributes(X)
        return self

    def _set_attributes(self, X=None):
        m = self.model_
        self.components_ = m.archetypes
        self.W_ = m.W
        self.G_ = m.G
        self.objective_ = np.asarray(m.objective)
        self.n_iter_ = m.iterations
        self.converged_ = m.converged
        self.n_components_ = m.rank
        if X is not None:
            self.reconstruction_err_ = _core.nmf_reconstruction_error(m, X)

    def fit_transform(self, X, y=None):
        """Fit and return the codes.

        Parameters
        ----------
        X : {array-like, sparse matrix} of shape (n_samples, n_features)
            Non-negative data.
        y : None
            Ignored.

        Returns
        -------
        G : ndarray of shape (n_samples, k)
            The fitted codes.
        """
        return self.fit(X).G_

    def transform(self, X, max_iter=2000, tol=1e-9):
        """Non-negative codes of new rows with the archetypes fixed (semi-NMF G update).

        Parameters
        ----------
        X : {array-like, sparse matrix} of shape (n, n_features)
            Rows to encode.
        max_iter : int, default=2000
            Iterations of the update.
        tol : float, default=1e-9
            Relative tolerance.

        Returns
        -------
        codes : ndarray of shape (n, k)
            The codes.
        """
        return _core.nmf_encode(self.model_, _as_float64(X), int(max_iter), float(tol))

    def inverse_transform(self, codes):
        """Map codes back to data space.

        Parameters
        ----------
        codes : array-like of shape (n, k)
            Codes.

        Returns
        -------
        X : ndarray of shape (n, n_features)
            ``codes @ components_``.
        """
        return np.asarray(codes, dtype=np.float64) @ self.components_

    def linear_flow(self, X, steps=1000, tol=1e-10):
        """Iterate the seed's flow map X -> G W^T X from the fitted data.

        Parameters
        ----------
        X : {array-like, sparse matrix} of shape (n_samples, n_features)
            The fitted data.
        steps : int, default=1000
            Most iterations.
        tol : float, default=1e-10
            Relative change that counts as a fixed point.

        Returns
        -------
        flow : dict
            Per-step relative change and norm ratio, the moduli of W^T G's eigenvalues, whether a
            fixed point was reached, the last iterate.
        """
        return _core.nmf_linear_flow(self.model_, _as_float64(X), int(steps), float(tol))

    def save(self, path, attributes=None):
        """Write the model as ``rgflow nmf fit`` does (HDF5).

        Parameters
        ----------
        path : str or path-like
            The file to write.
        attributes : dict, default=None
            Extra string attributes.
        """
        _core.save_convex_nmf(str(path), self.model_, {str(k): str(v) for k, v in (attributes or {}).items()})

    @classmethod
    def load(cls, path):
        """A fitted estimator from a model file.

        Parameters
        ----------
        path : str or path-like
            The model file.

        Returns
        -------
        estimator : ConvexNMF
            The fitted estimator (``attributes_``: the file's attributes).
        """
        model, attributes = _core.load_convex_nmf(str(path))
        est = cls(n_components=model.rank)
        est.model_ = model
        est.attributes_ = attributes
        est._set_attributes()
        return est
