#pragma once
// Numeric list options of the newer commands (--loads, --neurons, --mixtures, ...).
#include <string>
#include <vector>

namespace rgflow::cli {

// "x1,x2,..." (finite numbers, no empty items), or with allow_range also "start:stop:count"
// (count ≥ 1 equally spaced values, both ends included). Throws Error("OPTION TEXT: ...").
std::vector<double> parse_number_list(const char* option, const std::string& text, bool allow_range);

}  // namespace rgflow::cli
