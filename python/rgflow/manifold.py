"""Laplacian eigenmaps (Belkin & Niyogi 2003) and spectral clustering (Ng, Jordan & Weiss 2002),
docs/manifold.md. The graph (kNN union or epsilon, heat-kernel or binary weights), the normalised
Laplacian's smallest eigenvectors (Spectra's Lanczos solver) and k-means++ run in C++.

:class:`LaplacianEigenmap` mirrors ``sklearn.manifold.SpectralEmbedding`` (``fit``,
``fit_transform``, ``embedding_``, ``affinity_matrix_``), :class:`SpectralClustering` mirrors
``sklearn.cluster.SpectralClustering`` (``fit``, ``fit_predict``, ``labels_``).
"""
import numpy as np

from . import _core
from .rbm import seed_from_random_state


def _as_float32(X):
    if hasattr(X, "toarray"):
        X = X.toarray()
    return np.ascontiguousarray(X, dtype=np.float32)


def neighbourhood_graph(X, n_neighbors=10, epsilon=0.0, weights="heat", heat_t=0.0, threads=0):
    """The symmetric weight matrix as a ``scipy.sparse.csr_matrix`` (and a dict with heat_t,
    edges, components)."""
    import scipy.sparse
    g = _core.neighbourhood_graph(_as_float32(X), int(n_neighbors), float(epsilon), weights, float(heat_t),
                                  int(threads))
    W = scipy.sparse.csr_matrix((g["data"], g["indices"], g["indptr"]), shape=(g["n"], g["n"]))
    return W, {k: g[k] for k in ("heat_t", "edges", "components")}


def laplacian_spectrum(W, count, tol=1e-8, max_restarts=1000, random_state=0, threads=0):
    """The ``count`` smallest eigenpairs of I - D^-1/2 W D^-1/2 for a symmetric sparse W (any
    scipy.sparse matrix): dict with ``eigenvalues`` (ascending) and ``vectors``."""
    import scipy.sparse
    W = scipy.sparse.csr_matrix(W, dtype=np.float64)
    W.sort_indices()
    return _core.laplacian_spectrum(W.indptr.astype(np.int64), W.indices.astype(np.int64), W.data, W.shape[0],
                                    int(count), float(tol), int(max_restarts), seed_from_random_state(random_state),
                                    int(threads))


def kmeans(X, n_clusters, n_init=10, max_iter=300, random_state=0, threads=0):
    """k-means++ and Lloyd iterations: dict with labels, centers, inertia, iterations."""
    return _core.kmeans(np.ascontiguousarray(X, dtype=np.float64), int(n_clusters), int(n_init), int(max_iter),
                        seed_from_random_state(random_state), int(threads))


def adjusted_rand_index(a, b):
    return _core.adjusted_rand_index([int(x) for x in a], [int(x) for x in b])


class LaplacianEigenmap:
    """Parameters: ``n_components``, ``n_neighbors`` (kNN) or ``epsilon`` (> 0: epsilon graph),
    ``weights`` ('heat' | 'binary'), ``heat_t`` (0: mean squared edge length), ``keep_first``,
    ``tol``, ``random_state``, ``threads``. Fitted: ``embedding_`` (D^-1/2 u_k), ``eigenvalues_``
    of the normalised Laplacian, ``affinity_matrix_`` (scipy CSR), ``graph_info_``."""

    def __init__(self, n_components=2, n_neighbors=10, epsilon=0.0, weights="heat", heat_t=0.0, keep_first=False,
                 tol=1e-8, random_state=0, threads=0):
        self.n_components = n_components
        self.n_neighbors = n_neighbors
        self.epsilon = epsilon
        self.weights = weights
        self.heat_t = heat_t
        self.keep_first = keep_first
        self.tol = tol
        self.random_state = random_state
        self.threads = threads

    def fit(self, X, y=None):
        X = _as_float32(X)
        self.affinity_matrix_, self.graph_info_ = neighbourhood_graph(X, self.n_neighbors, self.epsilon, self.weights,
                                                                      self.heat_t, self.threads)
        skip = 0 if self.keep_first else 1
        sp = laplacian_spectrum(self.affinity_matrix_, int(self.n_components) + skip, self.tol,
                                random_state=self.random_state, threads=self.threads)
        d = np.asarray(self.affinity_matrix_.sum(axis=1)).ravel()
        Y = sp["vectors"][:, skip:] / np.sqrt(d)[:, None]
        at = np.argmax(np.abs(Y), axis=0)  # sign: largest-magnitude entry positive
        Y *= np.sign(Y[at, np.arange(Y.shape[1])])
        self.embedding_ = Y
        self.eigenvalues_ = sp["eigenvalues"]
        return self

    def fit_transform(self, X, y=None):
        return self.fit(X).embedding_


class SpectralClustering:
    """Ng-Jordan-Weiss spectral clustering. Parameters: ``n_clusters``, graph options as
    :class:`LaplacianEigenmap`, ``n_init`` (k-means++ restarts), ``tol``, ``random_state``,
    ``threads``. Fitted: ``labels_``, ``eigenvalues_``, ``features_`` (row-normalised
    eigenvectors)."""

    def __init__(self, n_clusters=8, n_neighbors=10, epsilon=0.0, weights="heat", heat_t=0.0, n_init=10, tol=1e-8,
                 random_state=0, threads=0):
        self.n_clusters = n_clusters
        self.n_neighbors = n_neighbors
        self.epsilon = epsilon
        self.weights = weights
        self.heat_t = heat_t
        self.n_init = n_init
        self.tol = tol
        self.random_state = random_state
        self.threads = threads

    def fit(self, X, y=None):
        r = _core.spectral_clustering(_as_float32(X), int(self.n_clusters), int(self.n_neighbors),
                                      float(self.epsilon), self.weights, float(self.heat_t), int(self.n_init),
                                      float(self.tol), 1000, seed_from_random_state(self.random_state),
                                      int(self.threads))
        self.labels_ = r["labels"]
        self.eigenvalues_ = r["eigenvalues"]
        self.features_ = r["features"]
        return self

    def fit_predict(self, X, y=None):
        return self.fit(X).labels_
