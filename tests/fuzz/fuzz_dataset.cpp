// libFuzzer target for one dataset reader (RGFLOW_FUZZ_FORMAT: idx, amat, npy or csv): the input
// is the file, read by io::load_dataset with three option sets (as given; threshold + spins;
// stochastic binarization), as `rgflow rbm train DATA` would.
#include <cstdint>
#include <string>

#include "fuzz_support.hpp"
#include "rgflow/io/dataset.hpp"

namespace {

std::string file_name() {
  const std::string format = RGFLOW_FUZZ_FORMAT;
  if (format == "idx") return "data-idx3-ubyte.gz";  // ".gz": zlib reads plain input as is
  return "data." + format + ".gz";
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  static const std::string path = rgflow::fuzz::scratch_path(file_name());
  rgflow::fuzz::write_file(path, data, size);
  rgflow::io::LoadOptions plain;
  plain.max_elements = std::int64_t{1} << 24;  // libFuzzer's malloc limit is 2 GB
  rgflow::io::LoadOptions spins = plain;
  spins.binarize = rgflow::io::Binarize::threshold;
  spins.to_spins = true;
  rgflow::io::LoadOptions stochastic = plain;
  stochastic.binarize = rgflow::io::Binarize::stochastic;
  stochastic.one_column_vectors = true;
  for (const auto* options : {&plain, &spins, &stochastic}) {
    rgflow::fuzz::expect_result_or_error([&] { rgflow::io::load_dataset(path, *options); });
  }
  return 0;
}
