// libFuzzer target for the seal of rgflow's HDF5 files (src/io/h5_seal.hpp) on raw bytes: the
// checks that run before libhdf5 sees a file. (It stops there on purpose: libhdf5 1.10 itself is
// not robust to arbitrary bytes — see docs/reliability.md — which is why the seal exists.)
#include <cstdint>

#include "fuzz_support.hpp"
#include "h5_seal.hpp"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  rgflow::fuzz::expect_result_or_error(
      [&] { rgflow::io::h5::seal::verify_image(data, size, "fuzz.h5"); });
  // The same bytes as a file (the streaming path of h5::File::open).
  static const std::string path = rgflow::fuzz::scratch_path("seal.h5");
  rgflow::fuzz::write_file(path, data, size);
  rgflow::fuzz::expect_result_or_error([&] { rgflow::io::h5::seal::verify_file(path); });
  return 0;
}
