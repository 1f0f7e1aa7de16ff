"""rgflow.sandpile and rgflow.lppl_fit: exact sandpile facts, a NumPy reference relaxation, the
driven run against Dhar's exact mean avalanche size, power-law and LPPL fits of synthetic data, and
the same numbers from Python and the CLI."""
import json

import numpy as np
import pytest

import rgflow
from rgflow import sandpile


def naive_relax(z):
    """Reference relaxation in NumPy (parallel update), independent of the C++ kernel."""
    z = np.array(z, dtype=np.int64)
    size = 0
    while (z >= 4).any():
        top = (z >= 4).astype(np.int64)
        size += int(top.sum())
        z -= 4 * top
        z[1:, :] += top[:-1, :]
        z[:-1, :] += top[1:, :]
        z[:, 1:] += top[:, :-1]
        z[:, :-1] += top[:, 1:]
    return z, size


def test_exact_counts():
    assert sandpile.determinant(2) == 192
    assert sandpile.determinant(3) == 100352
    assert sandpile.enumerate_recurrent(3)["count"] == 100352
    assert sandpile.enumerate_recurrent(2, method="brute")["count"] == 192
    assert abs(np.exp(sandpile.log_determinant(4)) / sandpile.determinant(4) - 1) < 1e-12
    p = sandpile.INFINITE_LATTICE_P
    assert abs(sum(p) - 1) < 1e-15 and abs(p[1] + 2 * p[2] + 3 * p[3] - sandpile.MEAN_HEIGHT) < 1e-14


def test_relaxation_matches_numpy_reference():
    rng = np.random.default_rng(3)
    for _ in range(50):
        L = int(rng.integers(2, 12))
        z = rng.integers(0, 12, size=(L, L)).astype(np.uint8)
        relaxed, avalanche = sandpile.relax(z)
        want, size = naive_relax(z)
        np.testing.assert_array_equal(relaxed, want)
        assert avalanche["size"] == size


def test_stationary_samples_are_recurrent_and_closed_under_grains():
    z = sandpile.stationary_sample(16, seed=4)
    assert z.shape == (16, 16) and z.dtype == np.uint8 and z.max() <= 3
    assert sandpile.is_recurrent(z)
    z2, avalanche = sandpile.add_grain(z, 100)
    assert sandpile.is_recurrent(z2) and avalanche["size"] >= 0
    bad = np.full((4, 4), 3, dtype=np.uint8)
    bad[1, 1] = bad[1, 2] = 0  # two neighbouring zeros: a forbidden subconfiguration
    assert not sandpile.is_recurrent(bad)
    with pytest.raises(ValueError):
        sandpile.is_recurrent(np.zeros((3, 4), dtype=np.uint8))


def test_run_mean_size_and_heights_against_exact_values():
    r = sandpile.run(12, 60000, seed=1, bootstrap=50)
    for key in ("height_distribution", "mean_height", "avalanches", "topplings", "mean_size", "fits", "moments"):
        assert key in r
    ms = r["mean_size"]
    assert abs(ms["mean"] - sandpile.mean_size_exact(12)) < 4 * ms["error"]
    assert abs(sum(h["mean"] for h in r["height_distribution"]) - 1) < 1e-12
    # Exact samples of L = 3 against the enumeration.
    exact = sandpile.exact_height_probabilities(3)
    h = sandpile.run(3, 0, lattices=20000, seed=2, fits=False)["height_distribution"]
    for z in range(4):
        assert abs(h[z]["mean"] - exact[z]) < 4 * h[z]["error"], (z, h[z], exact[z])
    # Same seed, same numbers; records on request.
    a = sandpile.run(8, 3000, seed=5, fits=False, records=True)
    b = sandpile.run(8, 3000, seed=5, fits=False)
    assert a["height_distribution"] == b["height_distribution"] and a["topplings"] == b["topplings"]
    assert len(a["records"]["size"]) == a["avalanches"] and a["records"]["size"].sum() == a["topplings"]


def test_power_law_fit_recovers_zipf_exponent():
    x = np.random.default_rng(0).zipf(2.5, 20000)
    f = sandpile.fit_power_law(x, x_min=1, bootstrap=100)
    assert abs(f["tau"]["mean"] - 2.5) < 4 * f["tau"]["error"]
    assert f["lower"] < f["tau"]["mean"] < f["upper"]


def test_lppl_fit_noiseless_and_errors():
    t = np.linspace(0.0, 1.0, 150)
    truth = dict(tc=1.1, m=0.5, omega=9.0, A=1.0, B=-1.0, C=0.05, phi=1.0)
    y = rgflow.lppl_model(t, **truth)
    tau = 1.1 - t
    np.testing.assert_allclose(y, 1 - tau ** 0.5 * (1 + 0.05 * np.cos(9 * np.log(tau) - 1)), rtol=1e-13, atol=1e-14)
    r = rgflow.lppl_fit(t, y, bootstrap=20, seed=1)
    assert abs(r["t_c"]["mean"] - 1.1) < 1e-6
    assert abs(r["m"]["mean"] - 0.5) < 1e-6 and abs(r["omega"]["mean"] - 9.0) < 1e-5
    assert r["qualified"] and set(r["t_c"]) >= {"mean", "lower", "upper"}
    with pytest.raises(ValueError):
        rgflow.lppl_fit(t[::-1], y)
    with pytest.raises(ValueError):
        rgflow.lppl_fit(t[:5], y[:5])


def test_cli_and_python_agree(cli, tmp_path):
    j = json.loads(cli("sandpile", "run", "--size", 10, "--grains", 5000, "--seed", 7, "--bootstrap", 30, "--json"))
    p = sandpile.run(10, 5000, seed=7, bootstrap=30)
    for key in ("height_distribution", "mean_height", "avalanches", "topplings", "mean_size", "fits"):
        assert j[key] == p[key], key
    t = np.linspace(0, 1, 60)
    y = rgflow.lppl_model(t, 1.1, 0.5, 9.0, 1.0, -1.0, 0.05, 1.0) + 0.01 * np.random.default_rng(1).standard_normal(60)
    csv = tmp_path / "s.csv"
    np.savetxt(csv, np.column_stack([t, y]), delimiter=",", header="t,y", comments="", fmt="%.17g")
    c = json.loads(cli("lppl", "fit", csv, "--bootstrap", 20, "--seed", 3, "--json"))
    q = rgflow.lppl_fit(t, y, bootstrap=20, seed=3)
    for key in ("t_c", "m", "omega"):
        assert c[key] == q[key], key


def test_docs_soc_python_block_runs(source_dir, capsys):
    import re
    text = (source_dir / "docs" / "soc.md").read_text()
    section = text[text.index("## Python"):]
    block = re.findall(r"```python\n(.*?)```", section, flags=re.S)[0]
    exec(compile(block, "docs/soc.md Python block", "exec"), {"__name__": "__soc_doc__"})
    assert "100352 100352" in capsys.readouterr().out
