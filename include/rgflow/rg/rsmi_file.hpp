#pragma once
// RSMI files (HDF5, docs/file-formats.md): the learned (or given) filter of rg/rsmi.hpp with its
// geometry, mutual-information estimate, training curve, seed and every option, so that
// `rgflow rg coarse-grain` and `rgflow ising mcrg --rule FILE` can apply it and a reader can
// reproduce it.
//   /rsmi                   group; attributes below
//   /rsmi/filter            float64 [M, b^d]   Λ, block sites row-major (i = dy·b + dx)
//   /rsmi/initial_filter    float64 [M, b^d]   the random start (equal to filter when given)
//   /rsmi/training_curve    float64 [epochs, 3] epoch, train bound, held-out bound (nats)
//   /rsmi/filter_history    float64 [epochs, M·b^d] Λ after each epoch
//   /rsmi/block_offsets     float64 [b^d, 2]   {dy, dx} of each block site
//   /rsmi/environment_offsets float64 [|E|, 2] {dy, dx} of each environment site
// The two history datasets are absent for a given (not learned) filter.
#include <map>
#include <string>

#include "rgflow/rg/rsmi.hpp"

namespace rgflow::rg {

inline constexpr int kRsmiFormatVersion = 1;

struct RsmiModel {
  RsmiGeometry geometry;
  MatrixD filter;                                 // [M, b^d]
  stats::Result mutual_information;
  std::map<std::string, std::string> attributes;  // every attribute of /rsmi, as text
};

// Writes atomically (temp file + rename). `learned`: the filter came from learn_rsmi (else it was
// given). `extra` attributes (provenance, data source) are added to /rsmi; they may not replace
// the format's own (FileError).
void save_rsmi(const std::string& path, const RsmiGeometry& geometry, const RsmiOptions& options,
               const RsmiResult& result, bool learned, const std::map<std::string, std::string>& extra = {});

// FileError naming the file for a missing group, missing or mis-shaped dataset, bad geometry,
// non-finite or all-zero filter rows, or an unknown format version.
RsmiModel load_rsmi(const std::string& path);

}  // namespace rgflow::rg
