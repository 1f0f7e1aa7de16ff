"""Log-periodic power law (LPPL) fits, y(t) = A + B (t_c - t)^m [1 + C cos(omega ln(t_c - t) - phi)],
with the Filimonov & Sornette (2013) reduction (linear parameters solved exactly, t_c, m, omega by a
multistart NLopt search), the usual filters and residual-bootstrap intervals (docs/soc.md)."""
import numpy as np

from . import _core


def lppl_fit(t, y, *, tc_min=0.0, tc_max=0.5, m_min=0.01, m_max=1.2, omega_min=2.0, omega_max=25.0,
             starts=24, bootstrap=200, bootstrap_starts=6, level=0.95, seed=0):
    """Fits the LPPL to the series (t strictly increasing, at least 12 points). t_c is searched in
    [t_last + tc_min * span, t_last + tc_max * span], span = t_last - t_first. Returns the dict of
    ``rgflow lppl fit --json``: 't_c', 'm', 'omega', 'A', 'B', 'C' as {'mean' (best fit),
    'error' (bootstrap sd), 'lower', 'upper'}, 'phi', 'filters', 'qualified', ..."""
    t = np.ascontiguousarray(t, dtype=np.float64)
    y = np.ascontiguousarray(y, dtype=np.float64)
    return _core.lppl_fit(t, y, float(tc_min), float(tc_max), float(m_min), float(m_max), float(omega_min),
                          float(omega_max), int(starts), int(bootstrap), int(bootstrap_starts), float(level),
                          int(seed))


def lppl_model(t, tc, m, omega, A, B, C, phi):
    """The LPPL at times t (NaN at t >= t_c)."""
    return _core.lppl_evaluate(np.ascontiguousarray(t, dtype=np.float64), float(tc), float(m), float(omega),
                               float(A), float(B), float(C), float(phi))
