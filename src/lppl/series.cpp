// Reading a time series (t, y) for the LPPL fitter, in double precision (io::load_dataset reads
// float32, too coarse for calendar times such as 736330.5).
#include <fmt/format.h>

#include <cerrno>
#include <cmath>
#include <cstdlib>
#include <fstream>
#include <string>
#include <vector>

#include "rgflow/core/error.hpp"
#include "rgflow/lppl/lppl.hpp"

namespace rgflow::lppl {

namespace {

// Comma-separated when the line has a comma (fields trimmed), else whitespace-separated.
std::vector<std::string> split_fields(const std::string& line) {
  std::vector<std::string> fields;
  const bool commas = line.find(',') != std::string::npos;
  std::size_t pos = 0;
  while (pos <= line.size()) {
    std::size_t end = commas ? line.find(',', pos) : line.find_first_of(" \t\r", pos);
    if (end == std::string::npos) end = line.size();
    std::string f = line.substr(pos, end - pos);
    const auto a = f.find_first_not_of(" \t\r"), b = f.find_last_not_of(" \t\r");
    f = a == std::string::npos ? std::string() : f.substr(a, b - a + 1);
    if (commas || !f.empty()) fields.push_back(f);
    pos = end + 1;
  }
  return fields;
}

bool parse_double(const std::string& s, double& out) {
  if (s.empty()) return false;
  errno = 0;
  char* end = nullptr;
  out = std::strtod(s.c_str(), &end);
  return end == s.c_str() + s.size() && errno != ERANGE;
}

}  // namespace

void check_series(const Series& s, const std::string& what) {
  if (s.t.size() != s.y.size())
    throw Error(fmt::format("{}: {} times but {} values", what, s.t.size(), s.y.size()));
  if (s.t.size() < kMinPoints)
    throw Error(fmt::format("{}: {} points; the LPPL fit needs at least {}", what, s.t.size(), kMinPoints));
  for (std::size_t i = 0; i < s.t.size(); ++i) {
    if (!std::isfinite(s.t[i]) || !std::isfinite(s.y[i]))
      throw Error(fmt::format("{}: point {} is not finite", what, i));
    if (i > 0 && !(s.t[i] > s.t[i - 1]))
      throw Error(fmt::format("{}: times must increase strictly (point {}: {} after {})", what, i, s.t[i], s.t[i - 1]));
  }
}

Series read_series(const std::string& path) {
  std::ifstream in(path);
  if (!in) throw FileError(path, "cannot open");
  Series s;
  s.source = path;
  std::string line;
  std::size_t line_no = 0;
  bool first = true;
  while (std::getline(in, line)) {
    ++line_no;
    const auto start = line.find_first_not_of(" \t\r");
    if (start == std::string::npos || line[start] == '#') continue;
    const std::vector<std::string> fields = split_fields(line.substr(start));
    double t = 0.0, y = 0.0;
    const bool numeric = fields.size() == 2 && parse_double(fields[0], t) && parse_double(fields[1], y);
    if (!numeric && first && fields.size() == 2) {  // a header line
      first = false;
      continue;
    }
    first = false;
    if (fields.size() != 2)
      throw FileError(path, fmt::format("line {}: expected two columns t, y, found {}", line_no, fields.size()));
    if (!numeric) throw FileError(path, fmt::format("line {}: not a pair of numbers: '{}'", line_no, line));
    if (!std::isfinite(t) || !std::isfinite(y)) throw FileError(path, fmt::format("line {}: value is not finite", line_no));
    if (!s.t.empty() && !(t > s.t.back()))
      throw FileError(path, fmt::format("line {}: times must increase strictly ({} after {})", line_no, t, s.t.back()));
    s.t.push_back(t);
    s.y.push_back(y);
  }
  if (in.bad()) throw FileError(path, "read error");
  if (s.t.size() < kMinPoints)
    throw FileError(path, fmt::format("{} data rows; the LPPL fit needs at least {}", s.t.size(), kMinPoints));
  return s;
}

}  // namespace rgflow::lppl
