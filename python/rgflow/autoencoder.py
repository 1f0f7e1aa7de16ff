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
    """Mean loss, contractive penalty and their gradient for one tied layer on a batch, float64
    (the function the trainer uses, exposed for comparisons)."""
    clean = np.ascontiguousarray(clean, dtype=np.float64)
    corrupted = clean if corrupted is None else np.ascontiguousarray(corrupted, dtype=np.float64)
    return _core.autoencoder_batch_gradient(np.ascontiguousarray(weights, dtype=np.float64),
                                            np.ascontiguousarray(hidden_bias, dtype=np.float64),
                                            np.ascontiguousarray(visible_bias, dtype=np.float64), clean, corrupted,
                                            float(contraction))


class TiedAutoencoder:
    """Parameters: ``hidden`` (layer sizes, bottom first), ``corruption`` (masking-noise
    probability), ``contraction`` (lambda), ``epochs`` (per layer), ``batch_size``,
    ``learning_rate``, ``momentum``, ``random_state``, ``threads``. Fitted: ``model_``
    (:class:`rgflow.Autoencoder`), ``history_`` (per-epoch loss and penalty)."""

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
        hidden = [int(self.hidden)] if np.isscalar(self.hidden) else [int(h) for h in self.hidden]
        self.model_, self.history_ = _core.train_autoencoder(
            _as_float32(X), hidden, float(self.corruption), float(self.contraction), int(self.epochs),
            int(self.batch_size), float(self.learning_rate), float(self.momentum),
            seed_from_random_state(self.random_state), int(self.threads))
        return self

    def transform(self, X):
        return self.model_.encode(_as_float32(X))

    def fit_transform(self, X, y=None):
        return self.fit(X).transform(X)

    def inverse_transform(self, H):
        return self.model_.decode(_as_float32(H))

    def reconstruct(self, X, steps=1):
        X = _as_float32(X)
        for _ in range(int(steps)):
            X = self.model_.reconstruct(X)
        return X

    def reconstruction_loss(self, X):
        """Mean cross-entropy of the reconstruction, nats per row."""
        return self.model_.reconstruction_loss(_as_float32(X))

    def score(self, X, y=None):
        return -self.reconstruction_loss(X)

    def save(self, path, attributes=None):
        _core.save_autoencoder(str(path), self.model_, {str(k): str(v) for k, v in (attributes or {}).items()})

    @classmethod
    def load(cls, path):
        model, attributes = _core.load_autoencoder(str(path))
        est = cls(hidden=[model.layer(l)[0].shape[1] for l in range(model.n_layers)])
        est.model_ = model
        est.attributes_ = attributes
        return est
