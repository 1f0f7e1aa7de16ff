"""Files shared with the ``rgflow`` command line: models (HDF5), datasets (any format the CLI
reads)."""
from . import _core


def load_dataset(path, *, binarize="none", threshold=0.5, seed=0, to_spins=False,
                 scale_bytes=True, return_info=False):
    """Read a dataset exactly as the CLI does.

    ``.h5``, ``.npy``, ``.csv``, ``.amat``, IDX; ``.gz`` transparently.

    Parameters
    ----------
    path : str or path-like
        The file.
    binarize : {'none', 'threshold', 'stochastic'}, default='none'
        Binarise the values: x > ``threshold`` becomes 1, or sample with the value as probability.
    threshold : float, default=0.5
        Threshold of ``binarize='threshold'``.
    seed : int, default=0
        Seed of ``binarize='stochastic'``.
    to_spins : bool, default=False
        Map {0, 1} to {-1, +1}.
    scale_bytes : bool, default=True
        Scale byte data (IDX) to [0, 1].
    return_info : bool, default=False
        Also return the file's information.

    Returns
    -------
    data : ndarray of shape (N, D), float32
        The rows.
    info : dict
        Only with ``return_info``: ``lattice_size``, ``source`` and ``attributes``.
    """
    d = _core.load_dataset(str(path), binarize, threshold, int(seed), bool(to_spins),
                           bool(scale_bytes))
    data = d.pop("data")
    return (data, d) if return_info else data


def save_dataset(path, data, attributes=None, lattice_size=None):
    """Write a dataset atomically, readable by the CLI.

    Parameters
    ----------
    path : str or path-like
        ``.h5`` (``/data``, or ``/spins`` [N, L, L] with ``lattice_size``), ``.npy`` or ``.csv``.
    data : array-like of shape (N, D)
        The rows.
    attributes : dict, default=None
        String attributes (HDF5 only).
    lattice_size : int, default=None
        Store the rows as L x L spin configurations.
    """
    path = str(path)
    if path.endswith((".npy", ".csv")):
        if attributes:
            raise ValueError(f"{path}: .npy and .csv files have no room for attributes")
        _core.save_matrix(path, data)
    else:
        _core.save_dataset(path, data, {str(k): str(v) for k, v in (attributes or {}).items()},
                           lattice_size)


def load(path):
    """The estimator stored in a model file.

    Parameters
    ----------
    path : str or path-like
        A model file of the CLI or of an estimator's ``save``.

    Returns
    -------
    estimator : DBN, BernoulliRBM, SpinRBM or GaussianRBM
        A DBN for ``/dbn`` files, else the RBM class of the visible unit type.
    """
    from .dbn import DBN
    from .rbm import _class_for_visible_type
    try:
        rbm, attributes = _core.load_rbm(str(path))
    except _core.FileError:
        try:
            return DBN.load(path)
        except _core.FileError:
            pass
        raise
    return _class_for_visible_type(rbm.visible_type)._from_core(rbm, attributes)
