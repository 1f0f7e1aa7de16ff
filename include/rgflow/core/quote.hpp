#pragma once
// Untrusted text (a token from a data file, an attribute value, a config value) quoted for an
// error message: the message stays one printable line however hostile the text — control bytes
// (NUL, ESC, CR, LF, ...) and DEL become \xNN, a quote or backslash is escaped, and anything past
// `max_bytes` is cut and replaced by "…(N bytes)". Bytes ≥ 0x80 are kept (UTF-8 text stays
// readable).
#include <cstddef>
#include <string>
#include <string_view>

namespace rgflow {

// "'text'" with the escapes above (named quote, not quoted: std::quoted would win by ADL).
std::string quote(std::string_view text, std::size_t max_bytes = 40);

// A whole message made printable the same way (no surrounding quotes; nothing but control bytes
// escaped), cut at `max_bytes`: the CLI's last line of defence for "one line on stderr".
std::string printable(std::string_view message, std::size_t max_bytes = 2000);

}  // namespace rgflow
