#include "rgflow/io/standardize.hpp"

#include <algorithm>
#include <cmath>
#include <fmt/format.h>

#include "rgflow/core/error.hpp"

namespace rgflow::io {

Standardization fit_standardization(const MatrixF& data, double relative_floor) {
  if (data.rows() == 0 || data.cols() == 0) throw Error("standardisation needs a non-empty data set");
  if (!(relative_floor >= 0.0 && relative_floor <= 1.0)) {
    throw Error(fmt::format("the standardisation floor must be in [0, 1] (got {})", relative_floor));
  }
  if (!data.allFinite()) throw Error("standardisation: the data contain NaN or infinite values");
  const MatrixD x = data.cast<double>();
  const VectorD mean = x.colwise().mean().transpose();
  // Two-pass variance (no cancellation for data with a large mean).
  const VectorD var =
      (x.rowwise() - mean.transpose()).array().square().colwise().sum().transpose() /
      static_cast<double>(x.rows());
  Standardization s;
  s.mean = mean.cast<float>();
  s.scale.resize(data.cols());
  const VectorD sd = var.cwiseSqrt();
  double floor = relative_floor * sd.mean();
  if (!(floor > 0.0)) floor = sd.mean() > 0.0 ? 0.0 : 1.0;  // all columns constant: s = 1
  for (Index i = 0; i < data.cols(); ++i) {
    const double scale = std::max(sd[i], floor);
    s.scale[i] = static_cast<float>(scale > 0.0 ? scale : 1.0);
  }
  return s;
}

void apply_standardization(const Standardization& s, MatrixF& data) {
  if (s.mean.size() != data.cols() || s.scale.size() != data.cols()) {
    throw Error(fmt::format("standardisation has {} columns but the data have {}", s.mean.size(),
                            data.cols()));
  }
  const RowF inv = s.scale.array().inverse().matrix().transpose();
  for (Index r = 0; r < data.rows(); ++r) {
    data.row(r) = (data.row(r) - s.mean.transpose()).cwiseProduct(inv);
  }
}

double standardization_log_jacobian(const Standardization& s) {
  return -s.scale.cast<double>().array().log().sum();
}

}  // namespace rgflow::io
