"""Tied-weight denoising (Vincent et al. 2008) and contractive (Rifai et al. 2011) autoencoders,
stackable, trained in C++ (docs/autoencoder.md). :class:`TiedAutoencoder` follows scikit-learn's
transformer API: ``fit``, ``transform`` (codes), ``inverse_transform`` (decode), ``reconstruct``
(the flow map x -> decode(encode(x))), ``score`` (minus the mean reconstruction cross-entropy).
"""
import numpy as np

from . import _core
from .rbm import seed_from_random_state


def _as_float32(X):
    if hasattr(X, "toarray"):
        X = X.toarray()
    return np.ascontiguousarray(X, dtype=np.float32)


def batch_gradient(weights, hidden_bias, visible_bias, clean, corrupted=None, contraction=0.0):
    """Mean loss, contractive penalty and their gradient for one tied layer on a batch (float64).

    The function the trainer uses, exposed for comparisons (finite differences, other
    implementations).

    Parameters
    ----------
    weights : array-like of shape (n_visible, n_hidden)
        Tied weights W.
    hidden_bias : array-like of shape (n_hidden,)
        Encoder bias.
    visible_bias : array-like of shape (n_visible,)
        Decoder bias.
    clean : array-like of shape (n, n_visible)
        Targets in [0, 1].
    corrupted : array-like of shape (n, n_visible), default=None
        Encoder input (None: ``clean``).
    contraction : float, default=0.0
        Weight lambda of the contractive penalty.

    Returns
    -------
    result : dict
        The loss, the penalty and the gradients of W and both biases.
    """
    clean = np.ascontiguousarray(clean, dtype=np.float64)
    corrupted = clean if corrupted is None else np.ascontiguousarray(corrupted, dtype=np.float64)
    return _core.autoencoder_batch_gradient(np.ascontiguousarray(weights, dtype=np.float64),
                                            np.ascontiguousarray(hidden_bias, dtype=np.float64),
                                            np.ascontiguousarray(visible_bias, dtype=np.float64), clean, corrupted,
                                            float(contraction))


class TiedAutoencoder:
    """Stack of tied-weight denoising / contractive autoencoders, trained greedily in C++.

    Parameters
    ----------
    hidden : int or tuple of int, default=(100,)
        Layer sizes, bottom first.
    corruption : float, default=0.0
        Masking-noise probability (denoising).
    contraction : float, default=0.0
        Weight lambda of the contractive penalty.
    epochs : int, default=10
        Epochs per layer.
    batch_size : int, default=100
        Rows per mini-batch.
    learning_rate : float, default=0.1
        SGD step.
    momentum : float, default=0.0
        SGD momentum.
    random_state : int, RandomState instance or None, default=0
        The seed.
    threads : int, default=0
        OpenMP threads.

    Attributes
    ----------
    model_ : rgflow._core.Autoencoder
        The C++ model.
    history_ : list
        Per-epoch loss and penalty.
    """

    def __init__(self, hidden=(100,), corruption=0.0, contraction=0.0, epochs=10, batch_size=100,
                 learning_rate=0.1, momentum=0.0, random_state=0, threads=0):
        self.hidden = hidden
        self.corruption = corruption
        self.contraction = contraction
        self.epochs = epochs
        self.batch_size = batch_size
        self.learning_rate = learning_rate
        self.momentum = momentum
        self.random_state = random_state
        self.threads = threads

    def fit(self, X, y=None):
        """Train the layers greedily on X.

        Parameters
        ----------
        X : {array-like, sparse matrix} of shape (n_samples, n_features)
            Rows in [0, 1].
        y : None
            Ignored.

        Returns
        -------
        self : TiedAutoencoder
            The fitted estimator.
        """
        hidden = [int(self.hidden)] if np.isscalar(self.hidden) else [int(h) for h in self.hidden]
        self.model_, self.history_ = _core.train_autoencoder(
            _as_float32(X), hidden, float(self.corruption), float(self.contraction), int(self.epochs),
            int(self.batch_size), float(self.learning_rate), float(self.momentum),
            seed_from_random_state(self.random_state), int(self.threads))
        return self

    def transform(self, X):
        """The codes of the top layer.

        Parameters
        ----------
        X : {array-like, sparse matrix} of shape (n_samples, n_features)
            Rows.

        Returns
        -------
        codes : ndarray of shape (n_samples, hidden[-1])
            Encoder outputs.
        """
        return self.model_.encode(_as_float32(X))

    def fit_transform(self, X, y=None):
        """Fit and return the codes of X.

        Parameters
        ----------
        X : {array-like, sparse matrix} of shape (n_samples, n_features)
            Rows in [0, 1].
        y : None
            Ignored.

        Returns
        -------
        codes : ndarray of shape (n_samples, hidden[-1])
            Encoder outputs.
        """
        return self.fit(X).transform(X)

    def inverse_transform(self, H):
        """Decode codes of the top layer down to data space.

        Parameters
        ----------
        H : array-like of shape (n, hidden[-1])
            Codes.

        Returns
        -------
        X : ndarray of shape (n, n_features)
            Reconstructions.
        """
        return self.model_.decode(_as_float32(H))

    def reconstruct(self, X, steps=1):
        """The flow map x -> decode(encode(x)), iterated.

        Parameters
        ----------
        X : {array-like, sparse matrix} of shape (n, n_features)
            Rows.
        steps : int, default=1
            Applications of the map.

        Returns
        -------
        X : ndarray of shape (n, n_features)
            The rows after ``steps`` reconstructions.
        """
        X = _as_float32(X)
        for _ in range(int(steps)):
            X = self.model_.reconstruct(X)
        return X

    def reconstruction_loss(self, X):
        """Mean cross-entropy of the reconstruction, nats per row.

        Parameters
        ----------
        X : {array-like, sparse matrix} of shape (n, n_features)
            Rows in [0, 1].

        Returns
        -------
        loss : float
            The mean loss.
        """
        return self.model_.reconstruction_loss(_as_float32(X))

    def score(self, X, y=None):
        """Minus the mean reconstruction cross-entropy (higher is better).

        Parameters
        ----------
        X : {array-like, sparse matrix} of shape (n, n_features)
            Rows in [0, 1].
        y : None
            Ignored.

        Returns
        -------
        score : float
            -reconstruction_loss(X).
        """
        return -self.reconstruction_loss(X)

    def save(self, path, attributes=None):
        """Write the model as ``rgflow autoencoder train`` does (HDF5).

        Parameters
        ----------
        path : str or path-like
            The file to write.
        attributes : dict, default=None
            Extra string attributes.
        """
        _core.save_autoencoder(str(path), self.model_, {str(k): str(v) for k, v in (attributes or {}).items()})

    @classmethod
    def load(cls, path):
        """A fitted estimator from a model file.

        Parameters
        ----------
        path : str or path-like
            The model file.

        Returns
        -------
        estimator : TiedAutoencoder
            The fitted estimator (``attributes_``: the file's attributes).
        """
        model, attributes = _core.load_autoencoder(str(path))
        est = cls(hidden=[model.layer(l)[0].shape[1] for l in range(model.n_layers)])
        est.model_ = model
        est.attributes_ = attributes
        return est
