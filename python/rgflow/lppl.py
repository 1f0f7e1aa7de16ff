"""Log-periodic power law (LPPL) fits, y(t) = A + B (t_c - t)^m [1 + C cos(omega ln(t_c - t) - phi)],
with the Filimonov & Sornette (2013) reduction (linear parameters solved exactly, t_c, m, omega by a
multistart NLopt search), the usual filters and residual-bootstrap intervals (docs/soc.md)."""
import numpy as np

from . import _core


def lppl_fit(t, y, *, tc_min=0.0, tc_max=0.5, m_min=0.01, m_max=1.2, omega_min=2.0, omega_max=25.0,
             starts=24, bootstrap=200, bootstrap_starts=6, level=0.95, seed=0):
    """Fit the LPPL to a series, as ``rgflow lppl fit``.

    t_c is searched in [t_last + tc_min * span, t_last + tc_max * span], span = t_last - t_first.

    Parameters
    ----------
    t : array-like of shape (n,)
        Times, strictly increasing, at least 12 points.
    y : array-like of shape (n,)
        Values.
    tc_min : float, default=0.0
        Lower end of the t_c search, in spans after the last time.
    tc_max : float, default=0.5
        Upper end of the t_c search.
    m_min : float, default=0.01
        Lower bound of the exponent m.
    m_max : float, default=1.2
        Upper bound of m.
    omega_min : float, default=2.0
        Lower bound of the log-frequency omega.
    omega_max : float, default=25.0
        Upper bound of omega.
    starts : int, default=24
        Multistart points of the nonlinear search.
    bootstrap : int, default=200
        Residual-bootstrap resamples.
    bootstrap_starts : int, default=6
        Starts per bootstrap fit.
    level : float, default=0.95
        Confidence level of the intervals.
    seed : int, default=0
        Seed of the starts and resamples.

    Returns
    -------
    fit : dict
        The ``rgflow lppl fit --json`` object: 't_c', 'm', 'omega', 'A', 'B', 'C' as
        {'mean' (best fit), 'error' (bootstrap sd), 'lower', 'upper'}, 'phi', 'filters',
        'qualified', ...
    """
    t = np.ascontiguousarray(t, dtype=np.float64)
    y = np.ascontiguousarray(y, dtype=np.float64)
    return _core.lppl_fit(t, y, float(tc_min), float(tc_max), float(m_min), float(m_max), float(omega_min),
                          float(omega_max), int(starts), int(bootstrap), int(bootstrap_starts), float(level),
                          int(seed))


def lppl_model(t, tc, m, omega, A, B, C, phi):
    """The LPPL y(t) = A + B (t_c - t)^m [1 + C cos(omega ln(t_c - t) - phi)].

    Parameters
    ----------
    t : array-like
        Times.
    tc : float
        Critical time t_c.
    m : float
        Exponent.
    omega : float
        Log-frequency.
    A : float
        Value at t_c.
    B : float
        Amplitude of the power law.
    C : float
        Relative amplitude of the oscillation.
    phi : float
        Phase.

    Returns
    -------
    y : ndarray
        The LPPL at t (NaN at t >= t_c).
    """
    return _core.lppl_evaluate(np.ascontiguousarray(t, dtype=np.float64), float(tc), float(m), float(omega),
                               float(A), float(B), float(C), float(phi))
