#pragma once
// A one-row filter [1, n] from a list of weights (RSMI and blocking-rule tests).
#include <initializer_list>

#include "rgflow/core/types.hpp"

namespace rgflow::test {

inline MatrixD filter_row(std::initializer_list<double> w) {
  MatrixD m(1, static_cast<Index>(w.size()));
  Index i = 0;
  for (const double x : w) m(0, i++) = x;
  return m;
}

}  // namespace rgflow::test
