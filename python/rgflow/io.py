"""Files shared with the ``rgflow`` command line: models (HDF5), datasets (any format the CLI
reads)."""
from . import _core


def load_dataset(path, *, binarize="none", threshold=0.5, seed=0, to_spins=False,
                 scale_bytes=True, return_info=False):
    """Reads a dataset exactly as the CLI does (``.h5``, ``.npy``, ``.csv``, ``.amat``, IDX;
    ``.gz`` transparently). Returns a float32 array [N, D] (and, with ``return_info``, a dict with
    ``lattice_size``, ``source`` and ``attributes``)."""
    d = _core.load_dataset(str(path), binarize, threshold, int(seed), bool(to_spins),
                           bool(scale_bytes))
    data = d.pop("data")
    return (data, d) if return_info else data


def save_dataset(path, data, attributes=None, lattice_size=None):
    """Writes ``.h5`` (``/data``, or ``/spins`` [N, L, L] with ``lattice_size``), ``.npy`` or
    ``.csv`` atomically, readable by the CLI."""
    path = str(path)
    if path.endswith((".npy", ".csv")):
        if attributes:
            raise ValueError(f"{path}: .npy and .csv files have no room for attributes")
        _core.save_matrix(path, data)
    else:
        _core.save_dataset(path, data, {str(k): str(v) for k, v in (attributes or {}).items()},
                           lattice_size)


def load(path):
    """The estimator stored in a model file: a DBN for ``/dbn`` files, else a BernoulliRBM,
    SpinRBM or GaussianRBM according to the visible unit type."""
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
