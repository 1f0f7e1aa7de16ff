#include "machine_data.hpp"

#include <fmt/format.h>

#include <cmath>

#include "cli_util.hpp"
#include "rgflow/core/error.hpp"
#include "rgflow/io/dataset.hpp"

namespace rgflow::cli {

void MachineData::add_to(CLI::App& cmd) {
  cmd.add_option("--binarize", binarize, "none | threshold (x > --threshold) | stochastic (x -> Bernoulli(x))")
      ->check(CLI::IsMember({"none", "threshold", "stochastic"}))
      ->capture_default_str();
  cmd.add_option("--threshold", threshold, "Threshold for --binarize threshold")->capture_default_str();
  cmd.add_option("--rows", rows, "Use only the first N rows (0: all)");
  cmd.add_option("--label-column", label_column,
                 "Column k (1-based; -1: the last) holds labels: removed from the data, used for scores");
  cmd.add_option("--labels", labels, "File of labels, one per row (e.g. MNIST's *-labels-idx1-ubyte.gz)");
}

namespace {

std::vector<Index> to_labels(const VectorF& column, const std::string& path) {
  std::vector<Index> out(static_cast<std::size_t>(column.size()));
  for (Index r = 0; r < column.size(); ++r) {
    const float v = column(r);
    if (v != std::floor(v) || std::fabs(v) > 1e9f) {
      throw FileError(path, fmt::format("row {}: label {} is not an integer", r, v));
    }
    out[static_cast<std::size_t>(r)] = static_cast<Index>(v);
  }
  return out;
}

}  // namespace

LoadedData load_machine_data(const std::string& path, const MachineData& o, std::uint64_t seed) {
  check_range("--rows", o.rows, 0, kMaxMatrixElements);
  if (o.label_column != 0 && !o.labels.empty()) throw Error("--label-column and --labels: give one");
  io::LoadOptions lo;
  lo.binarize = io::parse_binarize(o.binarize);
  lo.threshold = o.threshold;
  lo.seed = seed;
  if (o.label_column != 0 && lo.binarize != io::Binarize::none) {
    throw Error("--binarize with --label-column would binarize the labels: binarize a file without them");
  }
  io::Dataset ds = io::load_dataset(path, lo);
  LoadedData out;
  MatrixF& x = ds.data;
  if (x.rows() == 0 || x.cols() == 0) throw FileError(path, "dataset is empty");
  if (o.label_column != 0) {
    const Index c = o.label_column > 0 ? o.label_column - 1 : x.cols() + o.label_column;
    if (c < 0 || c >= x.cols() || x.cols() < 2) {
      throw FileError(path, fmt::format("--label-column {}: the data have {} columns", o.label_column, x.cols()));
    }
    out.labels = to_labels(x.col(c), path);
    MatrixF rest(x.rows(), x.cols() - 1);
    rest.leftCols(c) = x.leftCols(c);
    rest.rightCols(x.cols() - 1 - c) = x.rightCols(x.cols() - 1 - c);
    x.swap(rest);
  } else if (!o.labels.empty()) {
    io::LoadOptions raw;
    raw.scale_bytes = false;
    const io::Dataset l = io::load_dataset(o.labels, raw);
    if (l.data.cols() != 1 || l.data.rows() != x.rows()) {
      throw FileError(o.labels, fmt::format("{} x {} labels for {} data rows (expected one label per row)",
                                            l.data.rows(), l.data.cols(), x.rows()));
    }
    out.labels = to_labels(l.data.col(0), o.labels);
  }
  if (o.rows > 0 && o.rows < x.rows()) {
    x.conservativeResize(o.rows, Eigen::NoChange);
    if (!out.labels.empty()) out.labels.resize(static_cast<std::size_t>(o.rows));
  }
  out.rows = std::move(x);
  return out;
}

}  // namespace rgflow::cli
