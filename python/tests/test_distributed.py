"""comm= of the log Z estimators without mpirun (rgflow.distributed; docs/python.md "Under mpirun").

Under mpirun with 2 and 3 ranks: tests/mpi/test_mpi_python.sh. Here: comm=None is the serial call,
the module imports and works without mpi4py, and a comm= that cannot work raises an error that
says why. Checks that import mpi4py.MPI (which initialises MPI) run in a child process, so this
pytest process never starts MPI.
"""
import subprocess
import sys
import textwrap
import warnings

import numpy as np
import pytest

import rgflow

SUPPORTED, REASON = rgflow.distributed.comm_support()


@pytest.fixture(scope="module")
def model():
    rng = np.random.default_rng(3)
    X = (rng.random((120, 10)) < 0.4).astype(np.float32)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", RuntimeWarning)  # a barely trained model is all we need
        return rgflow.BernoulliRBM(n_components=6, n_iter=2, random_state=0).fit(X), X


def same_bits(a, b):
    return (np.float64(a.mean).tobytes(), np.float64(a.error).tobytes(), a.n) == \
        (np.float64(b.mean).tobytes(), np.float64(b.error).tobytes(), b.n)


def test_comm_none_is_the_serial_call(model):
    m, X = model
    ais = dict(chains=30, betas=200, seed=4, threads=1)
    for method, data in (("ais", X), ("reverse-ais", X), ("exact", None), ("tap2", X)):
        assert same_bits(m.log_partition(method, data, **ais),
                         m.log_partition(method, data, comm=None, **ais)), method
    assert same_bits(m.log_likelihood(X, "ais", **ais), m.log_likelihood(X, "ais", comm=None, **ais))
    assert rgflow.collective(None, lambda c: c) is None
    base = rgflow._core.base_rate_model(m.rbm_, X)
    a = rgflow._core.ais_log_partition(m.rbm_, base, 30, 200, 4, 1)
    b = rgflow._core.ais_log_partition(m.rbm_, base, 30, 200, 4, 1, comm=None)
    assert np.array_equal(a["log_weights"], b["log_weights"])


def test_comm_errors_in_the_caller_raise_unchanged(model):
    m, X = model
    with pytest.raises(ValueError, match="features"):
        m.log_likelihood(X[:, :4], "exact", comm=None)
    with pytest.raises(TypeError):
        m.log_likelihood(X, "exact", comm=None, no_such_option=1)
    with pytest.raises(TypeError, match="rgflow._core.Communicator"):
        rgflow._core.exact_log_partition(m.rbm_, comm="COMM_WORLD")


@pytest.mark.skipif(SUPPORTED, reason="this build supports comm=")
def test_comm_unsupported_says_why(model):
    m, X = model
    assert REASON
    with pytest.raises(rgflow.Error, match="comm=: .*(without MPI|mpi4py)"):
        m.log_partition("exact", comm=object())


def run_child(code):
    result = subprocess.run([sys.executable, "-c", textwrap.dedent(code)], capture_output=True,
                            text=True, timeout=120)
    assert result.returncode == 0, result.stdout + result.stderr
    return result.stdout


def test_without_mpi4py_the_module_works_and_comm_says_why():
    # mpi4py made unimportable: rgflow imports, comm=None works, comm= names the missing package.
    out = run_child("""
        import sys
        sys.modules["mpi4py"] = None
        import numpy as np, rgflow
        m = rgflow.BernoulliRBM(n_components=3, n_iter=1, random_state=0)
        m.fit((np.arange(40).reshape(10, 4) % 3 == 0).astype(np.float32))
        print(m.log_partition("exact").mean)
        try:
            m.log_partition("exact", comm=object())
        except (ImportError, rgflow.Error) as e:
            print(type(e).__name__, e)
    """)
    lines = out.splitlines()
    assert np.isfinite(float(lines[0]))
    if SUPPORTED:
        assert lines[1].startswith("ImportError") and "python3-mpi4py" in lines[1], out
    else:
        assert lines[1].startswith("Error") and "comm=" in lines[1], out


@pytest.mark.skipif(not SUPPORTED, reason=f"comm= unsupported: {REASON}")
def test_comm_self_and_a_singleton_world_are_the_serial_call():
    pytest.importorskip("mpi4py")
    out = run_child("""
        import numpy as np, rgflow
        from mpi4py import MPI
        rng = np.random.default_rng(3)
        X = (rng.random((120, 10)) < 0.4).astype(np.float32)
        m = rgflow.BernoulliRBM(n_components=6, n_iter=2, random_state=0).fit(X)
        ais = dict(chains=30, betas=200, seed=4, threads=1)
        for comm in (MPI.COMM_SELF, MPI.COMM_WORLD):
            for method, data in (("ais", X), ("reverse-ais", X), ("exact", None)):
                a = m.log_partition(method, data, **ais)
                b = m.log_partition(method, data, comm=comm, **ais)
                assert (a.mean, a.error, a.n) == (b.mean, b.error, b.n), (method, a, b)
        try:
            m.log_partition("exact", comm="COMM_WORLD")
        except TypeError as e:
            print("TypeError", e)
        try:
            m.log_partition("exact", comm=MPI.COMM_NULL)
        except rgflow.Error as e:
            print("Error", e)
    """)
    lines = out.splitlines()
    assert lines[0].startswith("TypeError") and "mpi4py.MPI.Comm" in lines[0], out
    assert lines[1].startswith("Error") and "MPI_COMM_NULL" in lines[1], out
