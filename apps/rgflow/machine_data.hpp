#pragma once
// Data loading shared by the nmf, manifold and autoencoder commands: rows from any dataset
// format (io/dataset.hpp; bytes scaled to [0, 1]), optional binarization, the first N rows, and
// labels taken from a column of the data (--label-column, e.g. the digit of
// ../shared/data/digits/digits.csv.gz) or from a separate file (--labels, e.g. MNIST's IDX labels).
#include <CLI/CLI.hpp>
#include <cstdint>
#include <string>
#include <vector>

#include "rgflow/core/types.hpp"

namespace rgflow::cli {

struct MachineData {
  std::string binarize = "none";
  double threshold = 0.5;
  Index rows = 0;                 // 0: all
  int label_column = 0;           // 0: none; k > 0: column k (1-based); k < 0: counted from the end
  std::string labels;             // labels file
  void add_to(CLI::App& cmd);
};

struct LoadedData {
  MatrixF rows;
  std::vector<Index> labels;  // empty without --label-column / --labels
};

// `seed` drives --binarize stochastic. FileError for unreadable files, a label column outside
// the data, non-integer labels, or a labels file of another length.
LoadedData load_machine_data(const std::string& path, const MachineData& options, std::uint64_t seed = 0);

}  // namespace rgflow::cli
