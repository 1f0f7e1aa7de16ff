"""rgflow: restricted Boltzmann machines, deep belief networks, 2D Ising Monte Carlo and the
variational renormalization group, with a scikit-learn interface.

The C++ library (``rgflow._core``) does the work; this package is a thin skin over it:

* :class:`BernoulliRBM` -- a drop-in for ``sklearn.neural_network.BernoulliRBM`` (same
  parameters, attributes and methods) with rgflow's extras (training methods, momentum, weight
  costs, exact / AIS / TAP log-likelihoods, the HDF5 model files of the ``rgflow`` CLI);
* :class:`SpinRBM` (visible units in {-1, +1}), :class:`GaussianRBM` (real-valued visible units,
  when the C++ core supports them) and :class:`DBN` (greedy layer-wise stacks), same conventions;
* :mod:`rgflow.ising` -- sampling, observables with error bars, exact references, block spins;
* :func:`rsmi` (:mod:`rgflow.coarse_graining`) -- real-space mutual-information coarse-graining filters;
* :class:`ConvRBM` (:mod:`rgflow.conv`) -- convolutional RBMs on periodic lattices (docs/conv.md);
* :func:`effective_couplings` -- multi-spin couplings of an RBM layer's marginal Hamiltonian;
* :func:`receptive_field_locality`, :func:`lattice_flow`, :func:`lattice_free_energy` -- the other
  ``rgflow rg`` tools (receptive fields, flow maps, the free-energy flow);
* :mod:`rgflow.distributed` -- ``comm=``: log Z split over the ranks of an mpi4py communicator
  under mpirun (:func:`collective`, :class:`DistributedError`);
* :mod:`rgflow.plot` -- receptive fields, training curves, flows (needs matplotlib);
* :mod:`rgflow.sandpile` -- the BTW sandpile; :func:`lppl_fit` -- log-periodic power-law fits;
* the seed's other flow maps: :class:`Hopfield` (:mod:`rgflow.hopfield`), :class:`ConvexNMF`,
  :class:`LaplacianEigenmap` / :class:`SpectralClustering` (:mod:`rgflow.manifold`),
  :class:`TiedAutoencoder` (docs/flow-maps.md).

Estimates are :class:`Result` objects (``mean``, ``error``, ``tau_int``, ``n``).
See docs/python.md for a walkthrough.
"""
from . import _core
from ._core import Checkpoint, Dbn, Error, FileError, Rbm, Result, Rng, __version__
from ._core import default_train_config, z2_consistent
from .rbm import BernoulliRBM, SpinRBM, GaussianRBM, gaussian_supported
from .dbn import DBN
from . import ising
from . import sandpile
from .lppl import lppl_fit, lppl_model
from .io import load, load_dataset, save_dataset
from .coarse_graining import rsmi, RSMIResult
from . import coarse_graining
from . import hopfield, manifold
from .hopfield import Hopfield
from .nmf import ConvexNMF
from .manifold import LaplacianEigenmap, SpectralClustering
from .autoencoder import TiedAutoencoder
from .couplings import effective_couplings
from .conv import ConvRBM
from .rg_tools import receptive_field_locality, lattice_flow, lattice_free_energy
from . import distributed
from .distributed import DistributedError, collective

__all__ = [
    "BernoulliRBM", "SpinRBM", "GaussianRBM", "DBN", "Rbm", "Dbn", "Rng", "Result", "Checkpoint",
    "Error", "FileError", "ising", "load", "load_dataset", "save_dataset", "gaussian_supported",
    "__version__", "rsmi", "RSMIResult", "coarse_graining", "sandpile", "lppl_fit", "lppl_model",
    "Hopfield", "ConvexNMF", "LaplacianEigenmap", "SpectralClustering", "TiedAutoencoder",
    "hopfield", "manifold", "effective_couplings", "receptive_field_locality", "lattice_flow",
    "lattice_free_energy", "default_train_config", "z2_consistent", "ConvRBM",
    "distributed", "DistributedError", "collective",
]
