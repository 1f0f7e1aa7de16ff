#include "rgflow/rbm/units.hpp"

#include "rgflow/core/quote.hpp"

namespace rgflow {

std::string_view to_string(UnitType type) {
  switch (type) {
    case UnitType::bernoulli: return "bernoulli";
    case UnitType::spin: return "spin";
    case UnitType::gaussian: return "gaussian";
  }
  return "unknown";
}

UnitType parse_unit_type(std::string_view name) {
  if (name == "bernoulli") return UnitType::bernoulli;
  if (name == "spin") return UnitType::spin;
  if (name == "gaussian") return UnitType::gaussian;
  throw Error("unknown unit type " + quote(name) + " (expected bernoulli, spin or gaussian)");
}

}  // namespace rgflow
