#pragma once
// Convex NMF model files (HDF5; docs/file-formats.md, "Convex NMF file"):
//   /nmf/W           float64 [n, k]  W ≥ 0, columns summing to 1
//   /nmf/G           float64 [n, k]  G ≥ 0
//   /nmf/archetypes  float64 [k, p]  F = Wᵀ A (rows: convex combinations of the training rows)
//   /nmf/objective   float64 [iterations + 1]  J after initialisation and each iteration
//   attributes on /nmf: rank, n_points, n_features, iterations, format_version (1),
//   converged ("true" | "false"), rgflow_version, plus free-form string attributes (seed,
//   tolerance, data file, command line).
#include <map>
#include <string>

#include "rgflow/nmf/convex_nmf.hpp"

namespace rgflow::nmf {

inline constexpr int kFileFormatVersion = 1;

void save_model(const std::string& path, const ConvexNmf& model,
                const std::map<std::string, std::string>& attributes = {});
// FileError on a missing/corrupt file, missing datasets, inconsistent shapes, negative or
// non-finite entries.
ConvexNmf load_model(const std::string& path, std::map<std::string, std::string>* attributes = nullptr);

}  // namespace rgflow::nmf
