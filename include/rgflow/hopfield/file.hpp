#pragma once
// Hopfield network files (HDF5; docs/file-formats.md, "Hopfield network file"):
//   /hopfield/patterns  int8 [P, N], entries ±1: the stored patterns ξ^μ (rows)
//   attributes on /hopfield: rule ("hebb" | "pseudo-inverse"), n_neurons (N), n_patterns (P),
//   format_version (1), energy ("-1/(2N) sum_mu (xi_mu . s)^2, diagonal kept" for Hebb; the
//   general form "-1/2 s^T J s, diagonal kept"), dynamics_diagonal ("zero": the default field of
//   the dynamics), rgflow_version, plus free-form string attributes (command line, source file).
// The couplings are not stored: they follow from the patterns and the rule (network.hpp), and the
// patterns are what a conversion to the Gaussian-hidden RBM twin (W = √(β/N) ξᵀ) needs.
#include <map>
#include <string>

#include "rgflow/hopfield/network.hpp"

namespace rgflow::hopfield {

inline constexpr int kFileFormatVersion = 1;

// Atomic (temporary file + rename). `attributes` become string attributes of /hopfield; the
// reserved names above are a FileError.
void save_network(const std::string& path, const Network& net,
                  const std::map<std::string, std::string>& attributes = {});
// FileError on a missing or corrupt file, a missing /hopfield/patterns, a wrong rank, entries
// other than ±1, an unknown rule, or n_neurons / n_patterns disagreeing with the patterns.
Network load_network(const std::string& path, std::map<std::string, std::string>* attributes = nullptr);

}  // namespace rgflow::hopfield
