#include "rgflow/core/quote.hpp"

#include <fmt/format.h>

namespace rgflow {

namespace {

void append_escaped(std::string& out, std::string_view text, std::size_t max_bytes, bool quotes) {
  const std::string_view kept = text.substr(0, std::min(text.size(), max_bytes));
  for (const char ch : kept) {
    const auto c = static_cast<unsigned char>(ch);
    if (c < 0x20 || c == 0x7f) {
      out += fmt::format("\\x{:02x}", c);
    } else if (quotes && (c == '\'' || c == '\\')) {
      out += '\\';
      out += ch;
    } else {
      out += ch;
    }
  }
  if (kept.size() < text.size()) out += fmt::format("…({} bytes)", text.size());
}

}  // namespace

std::string quote(std::string_view text, std::size_t max_bytes) {
  std::string out = "'";
  append_escaped(out, text, max_bytes, true);
  out += '\'';
  return out;
}

std::string printable(std::string_view message, std::size_t max_bytes) {
  std::string out;
  append_escaped(out, message, max_bytes, false);
  return out;
}

}  // namespace rgflow
