#pragma once
// Shared by the train JSON writers: float32 values written as their shortest decimal.
#include <cstdlib>
#include <fmt/format.h>

namespace rgflow::train::detail {

// The double whose JSON text is the shortest decimal that reads back as `x` (0.05f prints as
// 0.05, not 0.05000000074505806); falls back to the exact value if the decimal → double → float
// path could round differently, so writing and reading a float through JSON is always exact.
inline double json_float(float x) {
  const double shortest = std::strtod(fmt::format("{}", x).c_str(), nullptr);
  return static_cast<float>(shortest) == x ? shortest : static_cast<double>(x);
}

}  // namespace rgflow::train::detail
