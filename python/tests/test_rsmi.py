"""rgflow.rsmi and rgflow.coarse_graining: the exact chain information against a NumPy brute
force over all ring states, coarse-graining with a uniform filter against majority block spins,
the RSMI result's shape and the file it writes (read back by the CLI's coarse-grain)."""
import itertools

import numpy as np
import pytest

import rgflow
from rgflow import coarse_graining as cg


def brute_force_information(K, L, buffer, environment, w):
    """I(H : E) by enumerating all 2^L ring states; E = both environment segments."""
    b = len(w)
    env = [(-buffer - environment + k) % L for k in range(environment)] + \
          [(b + buffer + k) % L for k in range(environment)]
    joint = {}
    for state in itertools.product((-1, 1), repeat=L):
        s = np.array(state)
        weight = np.exp(K * np.sum(s * np.roll(s, -1)))
        a = float(np.dot(w, s[:b]))
        p_up = 0.5 if a == 0 else float(a > 0)
        e = tuple(s[env])
        for h, p in ((1, p_up), (-1, 1 - p_up)):
            joint[(h, e)] = joint.get((h, e), 0.0) + weight * p
    z = sum(joint.values())
    ph, pe = {}, {}
    for (h, e), p in joint.items():
        ph[h] = ph.get(h, 0.0) + p / z
        pe[e] = pe.get(e, 0.0) + p / z
    return sum(p / z * np.log(p / z / (ph[h] * pe[e])) for (h, e), p in joint.items() if p > 0)


@pytest.mark.parametrize("w", [[1, 1, 1], [1, 0, 0], [0.3, -1, 0.5]])
def test_chain_information_is_exact(w):
    assert abs(cg.chain_information(0.8, 10, 1, w) - brute_force_information(0.8, 10, 1, 2, w)) < 1e-12


def test_uniform_filter_coarse_grains_like_majority_rule():
    s = rgflow.ising.sample(12, 3.0, samples=128, seed=2)
    np.testing.assert_array_equal(cg.coarse_grain(s.spins, [2.0, 2.0, 2.0, 2.0], seed=5),
                                  rgflow.ising.block_spins(s.spins, 2, "majority", 5))
    np.testing.assert_array_equal(cg.coarse_grain(s.spins, "decimation", block=3),
                                  s.spins[:, ::3, ::3])


def test_rsmi_learns_and_writes_a_rule_file(tmp_path, cli):
    s = rgflow.ising.sample(16, rgflow.ising.critical_temperature(), algorithm="wolff",
                            samples=1200, chains=4, seed=3)
    r = rgflow.rsmi(s.spins, block=2, buffer=1, environment=2, epochs=3, critic_epochs=2,
                    batch_size=64, seed=5, output=tmp_path / "r.h5")
    assert r.filter.shape == (1, 4) and r.training_curve.shape == (3, 3)
    assert abs(np.linalg.norm(r.filter) - 2.0) < 1e-9  # on the sphere beta * sqrt(b^2)
    mi = r.mutual_information
    assert 0 < mi.mean < np.log(2) and mi.error > 0
    again = rgflow.rsmi(s.spins, block=2, buffer=1, environment=2, epochs=3, critic_epochs=2,
                        batch_size=64, seed=5, threads=1)
    np.testing.assert_array_equal(again.filter, r.filter)
    assert again.mutual_information.mean == mi.mean
    # The file is a blocking rule for the CLI and for coarse_grain, with the same result.
    rgflow.save_dataset(tmp_path / "d.h5", s.visible(), lattice_size=16)
    cli("rg", "coarse-grain", tmp_path / "r.h5", tmp_path / "d.h5", "--seed", 4, "-o", tmp_path / "c.h5")
    coarse = rgflow.load_dataset(tmp_path / "c.h5")
    np.testing.assert_array_equal(coarse.reshape(-1, 8, 8),
                                  cg.coarse_grain(s.spins, str(tmp_path / "r.h5"), seed=4))
    with pytest.raises(ValueError):
        rgflow.rsmi(s.spins, block=3)
    with pytest.raises(TypeError):
        rgflow.rsmi(s.spins, no_such_option=1)


def test_convolutional_rbm_file_is_a_rule(tmp_path, cli):
    # The hand-built majority-rule RBM (rgflow conv majority): with conv_hidden='sign' it is
    # majority rule bit for bit (the same tie coins); sampled, every untied block keeps its majority.
    s = rgflow.ising.sample(12, 3.0, samples=128, seed=2)
    cli("conv", "majority", "--lattice", 12, "--block", 2, "--weight", 20, "-o", tmp_path / "m.h5")
    rule = str(tmp_path / "m.h5")
    majority = rgflow.ising.block_spins(s.spins, 2, "majority", 5)
    np.testing.assert_array_equal(cg.coarse_grain(s.spins, rule, seed=5, conv_hidden="sign"), majority)
    sampled = cg.coarse_grain(s.spins, rule, seed=6)
    sums = s.spins.reshape(128, 6, 2, 6, 2).sum(axis=(2, 4))
    np.testing.assert_array_equal(sampled[sums != 0], np.sign(sums[sums != 0]))
    with pytest.raises(ValueError):
        cg.coarse_grain(s.spins, rule, conv_hidden="mean")
    with pytest.raises(ValueError):
        cg.coarse_grain(s.spins, "majority", conv_hidden="sign")
    with pytest.raises(ValueError):
        cg.coarse_grain(s.spins, rule, conv_channel=1)  # one channel
