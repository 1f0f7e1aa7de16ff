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
    """The symmetric neighbourhood graph of the rows of X.

    Parameters
    ----------
    X : array-like of shape (n_samples, n_features)
        The points.
    n_neighbors : int, default=10
        k of the kNN graph (union of the neighbour lists).
    epsilon : float, default=0.0
        > 0: an epsilon graph instead of kNN.
    weights : {'heat', 'binary'}, default='heat'
        Heat-kernel exp(-d^2 / t) or unit edge weights.
    heat_t : float, default=0.0
        t of the heat kernel (0: the mean squared edge length).
    threads : int, default=0
        OpenMP threads.

    Returns
    -------
    W : scipy.sparse.csr_matrix of shape (n_samples, n_samples)
        The weight matrix.
    info : dict
        heat_t, edges, components.
    """
    import scipy.sparse
    g = _core.neighbourhood_graph(_as_float32(X), int(n_neighbors), float(epsilon), weights, float(heat_t),
                                  int(threads))
    W = scipy.sparse.csr_matrix((g["data"], g["indices"], g["indptr"]), shape=(g["n"], g["n"]))
    return W, {k: g[k] for k in ("heat_t", "edges", "components")}


def laplacian_spectrum(W, count, tol=1e-8, max_restarts=1000, random_state=0, threads=0):
    """The smallest eigenpairs of the normalised Laplacian I - D^-1/2 W D^-1/2.

    Parameters
    ----------
    W : scipy.sparse matrix of shape (n, n)
        A symmetric weight matrix.
    count : int
        Number of eigenpairs.
    tol : float, default=1e-8
        Tolerance of the Lanczos solver.
    max_restarts : int, default=1000
        Restarts of the solver.
    random_state : int, RandomState instance or None, default=0
        Seed of the starting vector.
    threads : int, default=0
        OpenMP threads.

    Returns
    -------
    spectrum : dict
        ``eigenvalues`` (ascending) and ``vectors`` (n, count).
    """
    import scipy.sparse
    W = scipy.sparse.csr_matrix(W, dtype=np.float64)
    W.sort_indices()
    return _core.laplacian_spectrum(W.indptr.astype(np.int64), W.indices.astype(np.int64), W.data, W.shape[0],
                                    int(count), float(tol), int(max_restarts), seed_from_random_state(random_state),
                                    int(threads))


def kmeans(X, n_clusters, n_init=10, max_iter=300, random_state=0, threads=0):
    """k-means++ seeding and Lloyd iterations.

    Parameters
    ----------
    X : array-like of shape (n_samples, n_features)
        The points.
    n_clusters : int
        Number of clusters k.
    n_init : int, default=10
        Restarts (the best inertia is kept).
    max_iter : int, default=300
        Lloyd iterations per restart.
    random_state : int, RandomState instance or None, default=0
        The seed.
    threads : int, default=0
        OpenMP threads.

    Returns
    -------
    result : dict
        labels, centers, inertia, iterations.
    """
    return _core.kmeans(np.ascontiguousarray(X, dtype=np.float64), int(n_clusters), int(n_init), int(max_iter),
                        seed_from_random_state(random_state), int(threads))


def adjusted_rand_index(a, b):
    """Adjusted Rand index of two labelings (Hubert & Arabie 1985).

    Parameters
    ----------
    a : sequence of int
        First labeling.
    b : sequence of int
        Second labeling, same length.

    Returns
    -------
    ari : float
        1 for identical partitions, about 0 for independent ones.
    """
    return _core.adjusted_rand_index([int(x) for x in a], [int(x) for x in b])


class LaplacianEigenmap:
    """Laplacian eigenmap, as ``sklearn.manifold.SpectralEmbedding``.

    Parameters
    ----------
    n_components : int, default=2
        Embedding dimension.
    n_neighbors : int, default=10
        k of the kNN graph.
    epsilon : float, default=0.0
        > 0: an epsilon graph instead of kNN.
    weights : {'heat', 'binary'}, default='heat'
        Edge weights.
    heat_t : float, default=0.0
        t of the heat kernel (0: the mean squared edge length).
    keep_first : bool, default=False
        Keep the trivial first eigenvector.
    tol : float, default=1e-8
        Eigensolver tolerance.
    random_state : int, RandomState instance or None, default=0
        The seed.
    threads : int, default=0
        OpenMP threads.

    Attributes
    ----------
    embedding_ : ndarray of shape (n_samples, n_components)
        D^-1/2 u_k of the smallest nontrivial eigenvectors u_k.
    eigenvalues_ : ndarray
        Eigenvalues of the normalised Laplacian.
    affinity_matrix_ : scipy.sparse.csr_matrix
        The graph's weights.
    graph_info_ : dict
        heat_t, edges, components.
    """

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
        """Build the graph and its embedding.

        Parameters
        ----------
        X : array-like of shape (n_samples, n_features)
            The points.
        y : None
            Ignored.

        Returns
        -------
        self : LaplacianEigenmap
            The fitted estimator.
        """
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
        """Fit and return the embedding.

        Parameters
        ----------
        X : array-like of shape (n_samples, n_features)
            The points.
        y : None
            Ignored.

        Returns
        -------
        embedding : ndarray of shape (n_samples, n_components)
            ``embedding_``.
        """
        return self.fit(X).embedding_


class SpectralClustering:
    """Ng-Jordan-Weiss spectral clustering, as ``sklearn.cluster.SpectralClustering``.

    Parameters
    ----------
    n_clusters : int, default=8
        Number of clusters.
    n_neighbors : int, default=10
        k of the kNN graph.
    epsilon : float, default=0.0
        > 0: an epsilon graph instead of kNN.
    weights : {'heat', 'binary'}, default='heat'
        Edge weights.
    heat_t : float, default=0.0
        t of the heat kernel (0: the mean squared edge length).
    n_init : int, default=10
        k-means++ restarts.
    tol : float, default=1e-8
        Eigensolver tolerance.
    random_state : int, RandomState instance or None, default=0
        The seed.
    threads : int, default=0
        OpenMP threads.

    Attributes
    ----------
    labels_ : ndarray of shape (n_samples,)
        Cluster of every point.
    eigenvalues_ : ndarray
        Eigenvalues of the normalised Laplacian.
    features_ : ndarray of shape (n_samples, n_clusters)
        Row-normalised eigenvectors that k-means clusters.
    """

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
        """Cluster the rows of X.

        Parameters
        ----------
        X : array-like of shape (n_samples, n_features)
            The points.
        y : None
            Ignored.

        Returns
        -------
        self : SpectralClustering
            The fitted estimator.
        """
        r = _core.spectral_clustering(_as_float32(X), int(self.n_clusters), int(self.n_neighbors),
                                      float(self.epsilon), self.weights, float(self.heat_t), int(self.n_init),
                                      float(self.tol), 1000, seed_from_random_state(self.random_state),
                                      int(self.threads))
        self.labels_ = r["labels"]
        self.eigenvalues_ = r["eigenvalues"]
        self.features_ = r["features"]
        return self

    def fit_predict(self, X, y=None):
        """Fit and return the labels.

        Parameters
        ----------
        X : array-like of shape (n_samples, n_features)
            The points.
        y : None
            Ignored.

        Returns
        -------
        labels : ndarray of shape (n_samples,)
            ``labels_``.
        """
        return self.fit(X).labels_
