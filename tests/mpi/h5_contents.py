"""The contents of an HDF5 file for bit-for-bit comparisons in the MPI tests (tests/mpi/*.sh).

contents(path, skip_attrs) maps every group's and dataset's attributes ("name@attr") and every
dataset ("name": dtype, shape and bytes) to comparable values; attributes named in skip_attrs
(such as "command", which holds the command line) are left out. Two files with equal contents may
still differ in a few bytes of their layout, which is why the tests compare these and not the files.
"""
import h5py
import numpy as np


def _value(v):
    if isinstance(v, np.ndarray):
        return (v.dtype.str, v.shape, v.tobytes())
    return v


def contents(path, skip_attrs=()):
    out = {}

    def visit(name, obj):
        for k, v in obj.attrs.items():
            if k not in skip_attrs:
                out[f"{name}@{k}"] = _value(v)
        if isinstance(obj, h5py.Dataset):
            out[name] = _value(np.asarray(obj[()]))

    with h5py.File(path, "r") as f:
        visit("/", f)
        f.visititems(visit)
    return out


def differences(a, b):
    """The keys whose values differ between two contents() maps, sorted."""
    return sorted(k for k in set(a) | set(b) if a.get(k) != b.get(k))
