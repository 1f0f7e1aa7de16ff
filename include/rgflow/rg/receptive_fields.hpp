#pragma once
// Effective receptive fields of DBN units on the visible lattice and how local they are
// (docs/vrg-tools.md). Mehta & Schwab (2014, Fig. 4) visualise a unit of level k by the product
// of the weight matrices below it:
//   R_k = W_0 W_1 ⋯ W_{k−1}   [n_0, n_k],   column j = unit j's receptive field on the sites.
// On a periodic Lx × Ly lattice (site i = y·Lx + x), with weights p_i = R_ij² / Σ_i R_ij²:
//   centre (torus circular mean per axis, Fisher 1993):  c_x = Lx/(2π) · atan2(Σ p_i sin(2πx_i/Lx),
//                                                                      Σ p_i cos(2πx_i/Lx)), same for y
//   locality score  S_j(r) = Σ_{i : d(i, c) ≤ r} p_i,   d the minimal-image distance on the torus.
// Null distribution: the same entries assigned to randomly permuted sites (centre recomputed for
// each permutation), so a field with no spatial structure scores like its null.
#include <cstdint>
#include <vector>

#include "rgflow/core/rng.hpp"
#include "rgflow/core/types.hpp"
#include "rgflow/rbm/dbn.hpp"
#include "rgflow/rg/couplings.hpp"
#include "rgflow/stats/result.hpp"

namespace rgflow::rg {

// R_level = W_0 ⋯ W_{level−1} in float64, 1 ≤ level ≤ n_layers; throws Error otherwise.
MatrixD effective_receptive_fields(const Dbn& dbn, Index level);

struct Locality {
  double centre_x = 0.0, centre_y = 0.0;
  double score = 0.0;      // S(r); 0 for an all-zero field
  double null_mean = 0.0;  // mean and standard deviation of S(r) over the permutations
  double null_sd = 0.0;
};

// Centre of mass and S(r) of one field (length lattice.sites()), without a null.
Locality field_locality(const Eigen::Ref<const Eigen::VectorXd>& field, const Lattice& lattice,
                        double radius);
// The same plus `permutations` site permutations drawn from rng.
Locality field_locality(const Eigen::Ref<const Eigen::VectorXd>& field, const Lattice& lattice,
                        double radius, int permutations, Rng& rng);

struct LocalityOptions {
  double radius = 1.5;    // r in lattice spacings
  int permutations = 100; // per unit (0: no null)
  std::uint64_t seed = 0; // unit j of level k permutes with Rng(seed, k·2^32 + j)
};

struct LevelLocality {
  Index level = 0;
  MatrixD fields;                 // R_level [n_0, n_level]
  std::vector<Locality> units;
  stats::Result score;            // mean S over units (standard error over units)
  stats::Result null_score;       // mean null S over units (standard error over units)
};

// Every level 1 … n_layers of the DBN on a lattice with lattice.sites() = n_0.
std::vector<LevelLocality> receptive_field_locality(const Dbn& dbn, const Lattice& lattice,
                                                    const LocalityOptions& options = {});

}  // namespace rgflow::rg
