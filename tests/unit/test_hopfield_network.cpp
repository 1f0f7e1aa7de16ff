// Hopfield networks: couplings and energies against their definitions, the pseudo-inverse rule's
// projector, the zero-temperature dynamics' guarantees (energy descent, fixed points, 2-cycles),
// Glauber dynamics against the exact Gibbs distribution by enumeration, thread independence,
// files and bad input.
#include <gtest/gtest.h>

#include <cmath>
#include <map>

#include "rgflow/core/error.hpp"
#include "rgflow/hopfield/dynamics.hpp"
#include "rgflow/hopfield/file.hpp"
#include "rgflow/hopfield/network.hpp"
#include "rgflow/hopfield/patterns.hpp"
#include "unit/test_io_support.hpp"

namespace rgflow::hopfield {
namespace {

MatrixF random_states(Index n, Index N, std::uint64_t seed) {
  Rng rng(seed, 99);
  return random_patterns(n, N, rng);
}

TEST(HopfieldNetwork, HebbCouplingsAndEnergiesMatchTheirDefinitions) {
  const Index N = 37, P = 5;
  const MatrixF xi = random_states(P, N, 1);
  const Network net(xi, Rule::hebb);
  const MatrixD J = net.couplings();
  for (Index i = 0; i < N; ++i) {
    for (Index j = 0; j < N; ++j) {
      double sum = 0.0;
      for (Index mu = 0; mu < P; ++mu) sum += static_cast<double>(xi(mu, i)) * xi(mu, j);
      EXPECT_DOUBLE_EQ(J(i, j), sum / N);
    }
  }
  const MatrixF s = random_states(20, N, 2);
  const VectorD e = net.energy(s), e0 = net.energy_zero_diagonal(s);
  const MatrixD m = net.overlaps(s);
  for (Index r = 0; r < s.rows(); ++r) {
    double direct = 0.0;  // −(1/(2N)) Σ_μ (ξ^μ · s)²
    for (Index mu = 0; mu < P; ++mu) {
      const double dot = xi.row(mu).cast<double>().dot(s.row(r).cast<double>());
      direct += dot * dot;
      EXPECT_DOUBLE_EQ(m(r, mu), dot / N);
    }
    EXPECT_NEAR(e(r), -direct / (2.0 * N), 1e-12);
    EXPECT_NEAR(e0(r) - e(r), 0.5 * P, 1e-12);  // the constant P/2 of the diagonal
    EXPECT_NEAR(e(r), -0.5 * N * m.row(r).squaredNorm(), 1e-12);
  }
}

TEST(HopfieldNetwork, PseudoInverseIsTheProjectorOntoThePatterns) {
  const Index N = 40, P = 15;
  const Network net(random_states(P, N, 3), Rule::pseudo_inverse);
  const MatrixD J = net.couplings();
  EXPECT_LT((J - J.transpose()).cwiseAbs().maxCoeff(), 1e-12);
  EXPECT_LT((J * J - J).cwiseAbs().maxCoeff(), 1e-12);
  const MatrixD xi = net.patterns().cast<double>();
  EXPECT_LT((xi * J - xi).cwiseAbs().maxCoeff(), 1e-12);
  EXPECT_NEAR(J.trace(), static_cast<double>(P), 1e-10);  // rank P
}

TEST(HopfieldNetwork, PseudoInverseRetrievesAboveTheHebbianCapacity) {
  // α = 0.5: every stored pattern is a fixed point of the zero-diagonal dynamics with the
  // pseudo-inverse rule (h_i = (1 − J_ii) ξ_i, J_ii < 1); far fewer are with Hebb's rule.
  const Index N = 64, P = 32;
  const MatrixF xi = random_states(P, N, 4);
  DynamicsOptions o;
  const RecallResult pinv = recall(Network(xi, Rule::pseudo_inverse), xi, o, 1);
  const RecallResult hebb = recall(Network(xi, Rule::hebb), xi, o, 1);
  int hebb_fixed = 0;
  for (Index mu = 0; mu < P; ++mu) {
    EXPECT_EQ(pinv.states.row(mu), xi.row(mu)) << "pattern " << mu;
    EXPECT_EQ(pinv.sweeps[static_cast<std::size_t>(mu)], 1);
    hebb_fixed += hebb.states.row(mu) == xi.row(mu) ? 1 : 0;
  }
  EXPECT_LT(hebb_fixed, P / 2);
}

// Zero-diagonal local fields of a state, times N (exact integers for Hebb, so a zero field is 0).
VectorD fields(const Network& net, const VectorD& s) {
  const MatrixD& J = net.scaled_couplings();
  return J * s - J.diagonal().cwiseProduct(s);
}

TEST(HopfieldDynamics, AsynchronousDescendsToAFixedPoint) {
  const Index N = 100, P = 20;
  const Network net(random_states(P, N, 5), Rule::hebb);
  const MatrixF probes = random_states(10, N, 6);
  DynamicsOptions one;
  one.max_sweeps = 1;
  for (Index r = 0; r < probes.rows(); ++r) {
    MatrixF s = probes.row(r);
    double energy = net.energy(s)(0);
    for (int sweep = 0; sweep < 200; ++sweep) {
      const RecallResult step = recall(net, s, one, 7 + static_cast<std::uint64_t>(sweep));
      const double next = net.energy(step.states)(0);
      EXPECT_LE(next, energy + 1e-12);
      energy = next;
      s = step.states;
      if (step.converged[0]) break;
    }
    const VectorD v = s.row(0).transpose().cast<double>();
    EXPECT_GE((v.array() * fields(net, v).array()).minCoeff(), 0.0) << "probe " << r;
  }
  // The full run reaches a state where no neuron wants to flip.
  const RecallResult full = recall(net, probes, DynamicsOptions{}, 8);
  for (Index r = 0; r < probes.rows(); ++r) {
    ASSERT_TRUE(full.converged[static_cast<std::size_t>(r)]);
    const VectorD v = full.states.row(r).transpose().cast<double>();
    EXPECT_GE((v.array() * fields(net, v).array()).minCoeff(), 0.0);
  }
}

TEST(HopfieldDynamics, SynchronousEndsInAFixedPointOrATwoCycle) {
  const Index N = 80, P = 16;
  const Network net(random_states(P, N, 9), Rule::hebb);
  const MatrixF probes = random_states(30, N, 10);
  DynamicsOptions o;
  o.dynamics = Dynamics::synchronous;
  o.max_sweeps = 1000;
  const RecallResult r = recall(net, probes, o, 11);
  const auto sync_step = [&](const VectorD& s) {
    const VectorD h = fields(net, s);
    VectorD next(s.size());
    for (Index i = 0; i < s.size(); ++i) next(i) = h(i) > 0 ? 1.0 : (h(i) < 0 ? -1.0 : s(i));
    return next;
  };
  int cycles = 0;
  for (Index k = 0; k < probes.rows(); ++k) {
    const auto idx = static_cast<std::size_t>(k);
    ASSERT_TRUE(r.converged[idx] || r.cycle[idx]) << "probe " << k;
    const VectorD s = r.states.row(k).transpose().cast<double>();
    if (r.converged[idx]) {
      EXPECT_EQ(sync_step(s), s);
    } else {
      ++cycles;
      const VectorD s1 = sync_step(s);
      EXPECT_NE(s1, s);
      EXPECT_EQ(sync_step(s1), s);
    }
  }
  RecordProperty("two_cycles", cycles);
}

TEST(HopfieldDynamics, GlauberSamplesTheGibbsDistribution) {
  // N = 6, P = 2, T = 0.8: the histogram of states after 20 sweeps from independent uniformly
  // random starts against e^{−E/T}/Z by enumeration of the 64 states, each within 5σ.
  const Index N = 6;
  const double T = 0.8;
  const Network net(random_states(2, N, 12), Rule::hebb);
  const Index n = 20000;
  DynamicsOptions o;
  o.dynamics = Dynamics::glauber;
  o.temperature = T;
  o.max_sweeps = 20;
  const RecallResult r = recall(net, random_states(n, N, 13), o, 14);
  MatrixF all(64, N);
  for (int code = 0; code < 64; ++code) {
    for (Index i = 0; i < N; ++i) all(code, i) = ((code >> i) & 1) ? 1.0f : -1.0f;
  }
  const VectorD e = net.energy(all);
  const VectorD w = (-(e.array() - e.minCoeff()) / T).exp();
  const double z = w.sum();
  std::vector<double> counts(64, 0.0);
  for (Index k = 0; k < n; ++k) {
    int code = 0;
    for (Index i = 0; i < N; ++i) code |= (r.states(k, i) > 0 ? 1 : 0) << i;
    counts[static_cast<std::size_t>(code)] += 1.0;
  }
  for (int code = 0; code < 64; ++code) {
    const double p = w(code) / z;
    const double sd = std::sqrt(n * p * (1.0 - p));
    EXPECT_NEAR(counts[static_cast<std::size_t>(code)], n * p, 5.0 * sd + 1.0) << "state " << code;
  }
}

TEST(HopfieldDynamics, ResultsDoNotDependOnTheThreadCount) {
  const Network net(random_states(30, 200, 15), Rule::hebb);
  const MatrixF probes = random_states(12, 200, 16);
  for (Dynamics d : {Dynamics::asynchronous, Dynamics::synchronous, Dynamics::glauber}) {
    DynamicsOptions o;
    o.dynamics = d;
    o.temperature = d == Dynamics::glauber ? 0.5 : 0.0;
    o.threads = 1;
    const RecallResult one = recall(net, probes, o, 17);
    o.threads = 3;
    const RecallResult three = recall(net, probes, o, 17);
    EXPECT_EQ(one.states, three.states) << to_string(d);
    EXPECT_EQ(one.sweeps, three.sweeps);
  }
}

TEST(HopfieldDynamics, BadInputIsAnError) {
  const Network net(random_states(3, 10, 18), Rule::hebb);
  MatrixF probes = random_states(2, 10, 19);
  probes(1, 4) = 0.5f;
  EXPECT_THROW(recall(net, probes, {}, 0), FileError);
  EXPECT_THROW(recall(net, random_states(2, 11, 19), {}, 0), FileError);
  DynamicsOptions o;
  o.dynamics = Dynamics::glauber;
  EXPECT_THROW(recall(net, random_states(2, 10, 19), o, 0), Error);  // T = 0
  o.temperature = 1.0;
  o.keep_diagonal = true;
  EXPECT_THROW(recall(net, random_states(2, 10, 19), o, 0), Error);
  o = DynamicsOptions{};
  o.temperature = 1.0;  // T > 0 with zero-temperature dynamics
  EXPECT_THROW(recall(net, random_states(2, 10, 19), o, 0), Error);
  o = DynamicsOptions{};
  o.max_sweeps = 0;
  EXPECT_THROW(recall(net, random_states(2, 10, 19), o, 0), Error);
  MatrixF bad = random_states(3, 10, 20);
  bad(2, 2) = 0.0f;
  EXPECT_THROW(Network(bad, Rule::hebb), Error);
  EXPECT_THROW(Network(MatrixF(0, 5), Rule::hebb), Error);
  EXPECT_THROW(parse_rule("storkey"), Error);
  EXPECT_THROW(parse_dynamics("parallel"), Error);
}

TEST(HopfieldFile, RoundTripAndCorruptFiles) {
  const test::TempDir dir;
  const std::string path = dir.file("net.h5");
  const Network net(random_states(7, 33, 21), Rule::pseudo_inverse);
  save_network(path, net, {{"source", "unit test"}});
  std::map<std::string, std::string> attributes;
  const Network back = load_network(path, &attributes);
  EXPECT_EQ(back.patterns(), net.patterns());
  EXPECT_EQ(back.rule(), Rule::pseudo_inverse);
  EXPECT_EQ(attributes.at("source"), "unit test");
  EXPECT_EQ(attributes.count("rule"), 0u);
  EXPECT_THROW(save_network(dir.file("reserved.h5"), net, {{"rule", "hebb"}}), FileError);
  EXPECT_EQ(dir.entries(), std::set<std::string>{"net.h5"});  // nothing left behind
  EXPECT_THROW(load_network(dir.file("missing.h5")), FileError);
  test::write_bytes(dir.file("junk.h5"), "not hdf5");
  EXPECT_THROW(load_network(dir.file("junk.h5")), FileError);
}

TEST(HopfieldPatterns, MixturesAndTheirTheory) {
  EXPECT_DOUBLE_EQ(mixture_overlap(1), 1.0);
  EXPECT_NEAR(mixture_overlap(3), 0.5, 1e-15);
  EXPECT_NEAR(mixture_overlap(5), 0.375, 1e-15);
  EXPECT_NEAR(mixture_overlap(7), 0.3125, 1e-15);
  EXPECT_NEAR(mixture_energy_per_neuron(3), -0.375, 1e-15);
  EXPECT_NEAR(mixture_energy_per_neuron(1), -0.5, 1e-15);
  MatrixF xi(3, 4);
  xi << 1, 1, -1, -1,  //
      1, -1, 1, -1,    //
      1, 1, 1, -1;
  EXPECT_EQ(symmetric_mixture(xi, 3), (VectorD(4) << 1, 1, 1, -1).finished());
  EXPECT_THROW(symmetric_mixture(xi, 2), Error);
  EXPECT_THROW(symmetric_mixture(xi, 5), Error);
}

}  // namespace
}  // namespace rgflow::hopfield
