"""Plots with matplotlib (imported here, so ``import rgflow`` works without it): receptive-field
mosaics, training curves and free-energy flows. Every function returns the matplotlib Figure."""
import math

import numpy as np

try:
    import matplotlib
    import matplotlib.pyplot as plt
except ImportError as e:  # pragma: no cover - depends on the installation
    raise ImportError("rgflow.plot needs matplotlib (Debian: python3-matplotlib)") from e


def _weights(model):
    """W [n_visible, n_hidden] of an RBM estimator, an rgflow.Rbm, a DBN layer, or an array."""
    if hasattr(model, "rbm_"):
        return np.asarray(model.rbm_.weights)
    if hasattr(model, "weights"):
        return np.asarray(model.weights)
    return np.asarray(model)


def receptive_fields(model, shape=None, *, max_units=None, ncols=None, title=None, figsize=None):
    """A mosaic with one tile per hidden unit, as ``rgflow rbm filters``.

    Column j of W reshaped to ``shape``, each tile on its own symmetric colour scale
    [-max abs(w), +max abs(w)] (0 is white).

    Parameters
    ----------
    model : estimator, rgflow.Rbm or array-like
        A fitted RBM estimator, a C++ model, a DBN layer, or W itself (n_visible, n_hidden).
    shape : tuple of int, default=None
        Shape of a tile (default: a square when n_visible is one, else one row).
    max_units : int, default=None
        Show at most this many units.
    ncols : int, default=None
        Tiles per row (default: about the square root of the units).
    title : str, default=None
        Figure title.
    figsize : tuple of float, default=None
        Figure size in inches.

    Returns
    -------
    fig : matplotlib.figure.Figure
        The figure.
    """
    W = _weights(model)
    n_visible, n_hidden = W.shape
    if shape is None:
        side = int(round(math.sqrt(n_visible)))
        shape = (side, side) if side * side == n_visible else (1, n_visible)
    units = n_hidden if max_units is None else min(n_hidden, int(max_units))
    ncols = ncols or int(math.ceil(math.sqrt(units)))
    nrows = int(math.ceil(units / ncols))
    fig, axes = plt.subplots(nrows, ncols, figsize=figsize or (1.2 * ncols, 1.2 * nrows),
                             squeeze=False)
    for k, ax in enumerate(axes.flat):
        ax.set_xticks([])
        ax.set_yticks([])
        if k >= units:
            ax.axis("off")
            continue
        tile = W[:, k].reshape(shape)
        scale = float(np.max(np.abs(tile))) or 1.0
        ax.imshow(tile, cmap="RdBu_r", vmin=-scale, vmax=scale, interpolation="nearest")
    if title:
        fig.suptitle(title)
    return fig


def training_curves(history, *, title=None):
    """Per-epoch monitors of a fit.

    Reconstruction error, pseudo-log-likelihood with error bars, and the mean free energy of
    training (and validation) rows.

    Parameters
    ----------
    history : estimator or list of dict
        A fitted estimator (its ``history_``) or a list of epoch dicts (or (layer, dict) pairs).
    title : str, default=None
        Figure title.

    Returns
    -------
    fig : matplotlib.figure.Figure
        The figure.
    """
    if hasattr(history, "history_"):
        history = history.history_
    history = [h[1] if isinstance(h, tuple) else h for h in history]
    if not history:
        raise ValueError("no epochs to plot")
    epoch = np.arange(1, len(history) + 1)
    fig, axes = plt.subplots(1, 3, figsize=(12, 3.2))
    def estimate(key):
        values = [h.get(key) for h in history]
        return ([np.nan if v is None else v["mean"] for v in values],
                [0.0 if v is None or v["error"] is None else v["error"] for v in values])

    axes[0].errorbar(epoch, *estimate("reconstruction_error"), marker="o")
    axes[0].set_ylabel("reconstruction error")
    pll = [h["pseudo_log_likelihood"] for h in history]
    # None where there is no pseudo-likelihood (Gaussian visible units): a gap in the curve.
    axes[1].errorbar(epoch, [np.nan if p is None else p["mean"] for p in pll],
                     yerr=[0.0 if p is None else p["error"] for p in pll], marker="o")
    axes[1].set_ylabel("pseudo-log-likelihood (nats)")
    axes[2].errorbar(epoch, *estimate("free_energy_train"), marker="o", label="train")
    if history[0].get("free_energy_validation") is not None:
        axes[2].errorbar(epoch, *estimate("free_energy_validation"), marker="s", label="validation")
    axes[2].set_ylabel("mean free energy")
    axes[2].legend()
    for ax in axes:
        ax.set_xlabel("epoch")
    if title:
        fig.suptitle(title)
    fig.tight_layout()
    return fig


def flow(layers, *, title=None):
    """The free-energy flow of a DBN, from :meth:`rgflow.DBN.free_energy_flow`.

    Free energy per unit and log-likelihood per unit against the number of units at each scale,
    with error bars.

    Parameters
    ----------
    layers : list of dict
        The output of ``DBN.free_energy_flow``.
    title : str, default=None
        Figure title.

    Returns
    -------
    fig : matplotlib.figure.Figure
        The figure.
    """
    n = [f["n_visible"] for f in layers]
    fig, axes = plt.subplots(1, 2, figsize=(9, 3.2))
    fe = [f["free_energy_per_unit"] for f in layers]
    axes[0].errorbar(n, [r.mean for r in fe], yerr=[r.error for r in fe], marker="o")
    axes[0].set_ylabel("free energy per unit")
    ll = [f["log_likelihood_per_unit"] for f in layers]
    if all(r is not None for r in ll):
        axes[1].errorbar(n, [r.mean for r in ll], yerr=[r.error for r in ll], marker="o")
    axes[1].set_ylabel("log-likelihood per unit (nats)")
    for ax in axes:
        ax.set_xlabel("units at this scale")
        ax.set_xscale("log")
        ax.invert_xaxis()
    if title:
        fig.suptitle(title)
    fig.tight_layout()
    return fig


def ising_configurations(spins, *, ncols=None, title=None):
    """A row of Ising configurations (+1 black, -1 white).

    Parameters
    ----------
    spins : array-like of shape (n, L, L) or (L, L)
        Configurations.
    ncols : int, default=None
        Configurations per row (default: all).
    title : str, default=None
        Figure title.

    Returns
    -------
    fig : matplotlib.figure.Figure
        The figure.
    """
    spins = np.asarray(spins)
    if spins.ndim == 2:
        spins = spins[None]
    n = len(spins)
    ncols = ncols or n
    nrows = int(math.ceil(n / ncols))
    fig, axes = plt.subplots(nrows, ncols, figsize=(2 * ncols, 2 * nrows), squeeze=False)
    for k, ax in enumerate(axes.flat):
        ax.set_xticks([])
        ax.set_yticks([])
        if k < n:
            ax.imshow(spins[k], cmap="gray_r", vmin=-1, vmax=1, interpolation="nearest")
        else:
            ax.axis("off")
    if title:
        fig.suptitle(title)
    return fig


__all__ = ["receptive_fields", "training_curves", "flow", "ising_configurations", "matplotlib"]
