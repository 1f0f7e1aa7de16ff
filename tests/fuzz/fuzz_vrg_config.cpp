// libFuzzer target for the vrg config reader (docs/vrg.md "Config file"): the input is the text.
#include <cstdint>
#include <string>

#include "fuzz_support.hpp"
#include "rgflow/vrg/config.hpp"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  const std::string text(reinterpret_cast<const char*>(data), size);
  rgflow::fuzz::expect_result_or_error([&] { rgflow::vrg::parse_config(text, "fuzz.toml"); });
  rgflow::fuzz::expect_result_or_error(
      [&] { rgflow::vrg::parse_config(text, "fuzz.toml", rgflow::vrg::demo_config()); });
  return 0;
}
