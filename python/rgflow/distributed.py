"""One rgflow call on every rank of an MPI communicator (mpi4py): ``comm=`` of the estimators.

Under ``mpirun -np N python3 script.py`` each rank runs the script. A distributed call --
``BernoulliRBM.log_partition(..., comm=MPI.COMM_WORLD)``, ``log_likelihood``, or any of the
``rgflow._core`` estimators through :func:`collective` -- splits its work (AIS chains, exact
enumeration chunks) over the ranks and returns on every rank the serial call's result, bit for bit.
It is collective: every rank of ``comm`` makes the same call with the same arguments (a
difference in the model, data or options raises on every rank).

Errors end the call on every rank, as the CLI does under mpirun (docs/scaling.md): the rank that
failed raises its own exception; the others raise :class:`DistributedError` naming it and its
message (or ``KeyboardInterrupt`` when a rank was interrupted). No rank hangs, provided every
rank reaches the call: a rank that never makes it leaves the others waiting in MPI.

mpi4py owns MPI (it initialises and finalises it); rgflow works on a duplicate of ``comm``, so its
messages never mix with the script's own. Without mpi4py, or in an rgflow built without MPI,
``comm=None`` (the default) works as always and any other ``comm`` raises an error saying why.
"""
from . import _core

__all__ = ["DistributedError", "collective", "comm_support"]

_INTERRUPTED = 130
_FAILED = 2


class DistributedError(RuntimeError):
    """Another rank of a distributed call failed; raised on the ranks that did not.

    Parameters
    ----------
    rank : int
        The rank whose failure decided the outcome (the lowest failing rank); also an attribute.
    message : str
        Its error, ``"ExceptionType: text"``; also an attribute.
    """

    def __init__(self, rank, message):
        super().__init__(f"rank {rank} of the distributed call failed: {message}")
        self.rank = rank
        self.message = message


def comm_support():
    """Whether ``comm=`` can take an mpi4py communicator in this build.

    Returns
    -------
    supported : bool
    reason : str
        Why not ("" when supported): rgflow built without MPI, or without mpi4py's headers.
    """
    return _core.comm_support()


def _outcome_error(rank, message, status):
    if status == _INTERRUPTED:
        return KeyboardInterrupt(f"rank {rank} was interrupted" + (f": {message}" if message else ""))
    return DistributedError(rank, message)


def collective(comm, fn):
    """Run ``fn(communicator)`` on every rank of ``comm`` as one distributed call.

    Parameters
    ----------
    comm : mpi4py.MPI.Comm or None
        The ranks to split the work over (``MPI.COMM_WORLD`` or a split of it), the same on every
        one of them. None: one process, ``fn(None)``.
    fn : callable
        Called with an ``rgflow._core.Communicator`` (or None) to pass as ``comm=`` to the
        ``rgflow._core`` estimators; every rank must make the same calls with it.

    Returns
    -------
    value
        ``fn``'s result, once every rank has succeeded.

    Raises
    ------
    Exception
        On a rank whose ``fn`` raised: that exception. On the others: :class:`DistributedError`
        (or ``KeyboardInterrupt`` when a rank was interrupted). Every rank raises.
    """
    if comm is None:
        return fn(None)
    communicator = _core.Communicator(comm)  # collective: a duplicate of comm
    try:
        value = fn(communicator)
    except _core.PeerFailure as e:
        # Another rank left while this one waited for it: follow its outcome.
        status, rank, message = communicator.finish(_FAILED, str(e), True)
        raise _outcome_error(rank, message, status if status else _FAILED) from None
    except BaseException as e:
        interrupted = isinstance(e, KeyboardInterrupt)
        communicator.announce_stop()  # peers still computing stop at their next poll
        communicator.finish(_INTERRUPTED if interrupted else _FAILED, f"{type(e).__name__}: {e}")
        raise  # this rank's own exception (its peers raise DistributedError naming it)
    status, rank, message = communicator.finish(0, "")
    if status != 0:
        raise _outcome_error(rank, message, status)
    return value
