#include "list_option.hpp"

#include <fmt/format.h>

#include <cmath>
#include <cstdlib>

#include "rgflow/core/error.hpp"

namespace rgflow::cli {

namespace {

double parse_number(const char* option, const std::string& full, const std::string& item) {
  char* end = nullptr;
  const double v = std::strtod(item.c_str(), &end);
  if (item.empty() || end != item.c_str() + item.size() || !std::isfinite(v)) {
    throw Error(fmt::format("{} {}: '{}' is not a number", option, full, item));
  }
  return v;
}

std::vector<std::string> split(const std::string& text, char sep) {
  std::vector<std::string> parts;
  std::size_t start = 0;
  while (true) {
    const std::size_t at = text.find(sep, start);
    parts.push_back(text.substr(start, at == std::string::npos ? std::string::npos : at - start));
    if (at == std::string::npos) break;
    start = at + 1;
  }
  return parts;
}

}  // namespace

std::vector<double> parse_number_list(const char* option, const std::string& text, bool allow_range) {
  if (text.find(':') != std::string::npos) {
    if (!allow_range) throw Error(fmt::format("{} {}: give a comma-separated list", option, text));
    const std::vector<std::string> p = split(text, ':');
    if (p.size() != 3) throw Error(fmt::format("{} {}: expected start:stop:count", option, text));
    const double a = parse_number(option, text, p[0]), b = parse_number(option, text, p[1]);
    const double count = parse_number(option, text, p[2]);
    if (count < 1 || count > 100000 || count != std::floor(count)) {
      throw Error(fmt::format("{} {}: count must be an integer in [1, 100000]", option, text));
    }
    const auto n = static_cast<int>(count);
    std::vector<double> out;
    for (int k = 0; k < n; ++k) out.push_back(n == 1 ? a : a + (b - a) * k / (n - 1));
    return out;
  }
  std::vector<double> out;
  for (const std::string& item : split(text, ',')) out.push_back(parse_number(option, text, item));
  return out;
}

}  // namespace rgflow::cli
