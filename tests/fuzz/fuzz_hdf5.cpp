// libFuzzer targets for rgflow's HDF5 readers, structure-aware: the input is a program that builds
// an HDF5 file in memory through libhdf5's own API (the core driver, no disk) — objects at the
// paths rgflow reads or others, any rank 0–3, shapes from empty to 2^40 elements, integer, float
// and string types, contiguous / chunked / Fletcher-32 / deflate layouts, values including NaN and
// ±inf, attributes of every type (fixed and variable-length strings, numbers, arrays) with valid
// or arbitrary values. The file image is then read like the CLI reads it:
//   fuzz_hdf5_dataset  io::load_dataset (the `/data` / `/spins` layout; as given and as spins)
//   fuzz_hdf5_model    io::read_rbm on the in-memory image (h5::File::open_image), and
//                      io::load_rbm, io::load_standardization, io::load_dbn, train::load_checkpoint
//                      on the same bytes as a file
// Why not raw bytes into libhdf5: libhdf5 1.10 is not robust to arbitrary bytes (its parser reads
// out of bounds on some damaged metadata; docs/reliability.md). rgflow guards its own files with a
// seal checked before libhdf5 runs (fuzz_hdf5_seal fuzzes that check); what is fuzzed here is
// everything rgflow does with whatever a well-formed HDF5 file contains.
#include <hdf5.h>

#include <cmath>
#include <cstdint>
#include <cstring>
#include <limits>
#include <nlohmann/json.hpp>
#include <string>
#include <vector>

#include "fuzz_support.hpp"
#include "rgflow/io/dataset.hpp"
#include "rgflow/io/dbn_file.hpp"
#include "rgflow/io/hdf5.hpp"
#include "rgflow/io/model.hpp"
#include "rgflow/train/config.hpp"
#include "rgflow/train/trainer.hpp"

namespace {

// Consumes the fuzzer's bytes; zeros once they run out.
class Input {
 public:
  Input(const std::uint8_t* data, std::size_t size) : data_(data), size_(size) {}
  bool empty() const { return pos_ >= size_; }
  std::uint8_t byte() { return pos_ < size_ ? data_[pos_++] : 0; }
  std::uint64_t bytes(int n) {
    std::uint64_t x = 0;
    for (int i = 0; i < n; ++i) x = (x << 8) | byte();
    return x;
  }
  template <class T, std::size_t N>
  const T& pick(const T (&items)[N]) {
    return items[byte() % N];
  }
  std::string text(std::size_t max) {
    const std::size_t n = byte() % (max + 1);
    std::string s;
    for (std::size_t i = 0; i < n; ++i) s.push_back(static_cast<char>(byte()));
    return s;
  }

 private:
  const std::uint8_t* data_;
  std::size_t size_;
  std::size_t pos_ = 0;
};

const char* const kDatasets[] = {
    "/data", "/spins", "/other", "/rbm/weights", "/rbm/visible_bias", "/rbm/hidden_bias",
    "/rbm/mask", "/rbm/visible_sigma", "/rbm/standardize_mean", "/rbm/standardize_scale",
    "/dbn/layer_0/weights", "/dbn/layer_0/visible_bias", "/dbn/layer_0/hidden_bias",
    "/dbn/layer_1/weights", "/dbn/layer_1/visible_bias", "/dbn/layer_1/hidden_bias",
    "/dbn/layer_2/weights", "/train/rng", "/train/weight_velocity", "/train/visible_velocity",
    "/train/hidden_velocity", "/train/persistent_chains", "/train/persistent_hidden",
    "/train/pt_betas", "/train/pt_swaps", "/train/hidden_activity",
    "/train/weight_second_moment", "/train/visible_second_moment", "/train/hidden_second_moment",
    "/train/optimizer_steps", "/train/visible_offset", "/train/hidden_offset"};
const char* const kObjects[] = {"/rbm", "/dbn", "/dbn/layer_0", "/dbn/layer_1", "/dbn/layer_2",
                                "/train", "/data", "/spins", "/rbm/weights", "/"};
const char* const kAttributes[] = {
    "visible_type", "hidden_type", "format_version", "learn_sigma", "n_layers",
    "lattice_size", "temperature", "chains", "config", "epochs_done",
    "checkpoint_format_version", "seed", "coupling", "rgflow_version", "x"};

// Training configurations as the checkpoint writer stores them (valid JSON the reader accepts).
std::vector<std::string> config_texts() {
  std::vector<std::string> out;
  for (const auto method : {rgflow::train::Method::cd, rgflow::train::Method::pcd,
                            rgflow::train::Method::tap2, rgflow::train::Method::pt}) {
    rgflow::train::TrainConfig c;
    c.method = method;
    nlohmann::json j = c;
    out.push_back(j.dump());
  }
  return out;
}

std::string string_value(Input& in) {
  static const std::vector<std::string> configs = config_texts();
  static const char* const kWords[] = {"bernoulli", "spin", "gaussian", "true", "false",
                                       "1",         "2.5",  "-3",       "nan",  "{}"};
  switch (in.byte() % 4) {
    case 0: return in.pick(kWords);
    case 1: return configs[in.byte() % configs.size()];
    case 2: return in.text(24);  // anything, NUL and control bytes included
    default: return "";
  }
}

double number(Input& in) {
  static const double kNumbers[] = {0.0, 1.0, -1.0, 2.0, 0.5, 1e30, -1e-30,
                                    std::numeric_limits<double>::quiet_NaN(),
                                    std::numeric_limits<double>::infinity(), 4.0, 16.0, 1e12};
  if (in.byte() % 4 == 0) {
    const std::uint64_t bits = in.bytes(8);
    double x = 0;
    std::memcpy(&x, &bits, sizeof x);
    return x;
  }
  return in.pick(kNumbers);
}

hid_t link_plist() {
  const hid_t lcpl = H5Pcreate(H5P_LINK_CREATE);
  H5Pset_create_intermediate_group(lcpl, 1);
  return lcpl;
}

void add_dataset(hid_t file, Input& in) {
  const char* path = in.pick(kDatasets);
  static const hid_t kTypes[] = {H5T_NATIVE_FLOAT,  H5T_NATIVE_DOUBLE, H5T_NATIVE_INT8,
                                 H5T_NATIVE_UINT8,  H5T_NATIVE_INT16,  H5T_NATIVE_INT32,
                                 H5T_NATIVE_INT64,  H5T_NATIVE_UINT64, H5T_C_S1};
  const std::size_t type_index = in.byte() % (sizeof kTypes / sizeof kTypes[0]);
  hid_t type = H5Tcopy(kTypes[type_index]);
  if (kTypes[type_index] == H5T_C_S1) H5Tset_size(type, 4);
  const int rank = in.byte() % 4;
  hsize_t dims[3] = {0, 0, 0};
  bool huge = false;
  std::uint64_t count = 1;
  for (int i = 0; i < rank; ++i) {
    const std::uint8_t b = in.byte();
    if (b >= 0xf0) {  // a shape claim far beyond the data: 2^20 … 2^35 along this axis
      dims[i] = hsize_t{1} << (20 + (b & 0x0f));
      huge = true;
    } else {
      dims[i] = b % 9;
    }
    count *= dims[i];
  }
  const hid_t space = rank == 0 ? H5Screate(H5S_SCALAR) : H5Screate_simple(rank, dims, nullptr);
  const hid_t dcpl = H5Pcreate(H5P_DATASET_CREATE);
  const std::uint8_t layout = in.byte();
  if (rank > 0 && count > 0 && (layout & 1)) {
    hsize_t chunk[3];
    for (int i = 0; i < rank; ++i) chunk[i] = std::min<hsize_t>(dims[i], 1 + (layout >> 4) % 4);
    H5Pset_chunk(dcpl, rank, chunk);
    if (layout & 2) H5Pset_fletcher32(dcpl);
    if (layout & 4) H5Pset_shuffle(dcpl);
    if (layout & 8) H5Pset_deflate(dcpl, 1);
  }
  const hid_t lcpl = link_plist();
  const hid_t ds = H5Dcreate2(file, path, type, space, lcpl, dcpl, H5P_DEFAULT);
  if (ds >= 0 && !huge && count > 0 && count <= 4096) {
    const std::size_t element = H5Tget_size(type);
    std::vector<unsigned char> buffer(count * element);
    for (std::uint64_t k = 0; k < count; ++k) {
      unsigned char* p = buffer.data() + k * element;
      if (kTypes[type_index] == H5T_NATIVE_FLOAT) {
        const float x = static_cast<float>(number(in));
        std::memcpy(p, &x, sizeof x);
      } else if (kTypes[type_index] == H5T_NATIVE_DOUBLE) {
        const double x = number(in);
        std::memcpy(p, &x, sizeof x);
      } else if (in.byte() % 2 == 0) {  // small integers (spins, bits, counts) or raw bytes
        const std::int64_t x = static_cast<std::int64_t>(in.byte() % 5) - 1;
        std::memcpy(p, &x, element);  // little-endian: the low bytes
      } else {
        for (std::size_t b = 0; b < element; ++b) p[b] = in.byte();
      }
    }
    H5Dwrite(ds, type, H5S_ALL, H5S_ALL, H5P_DEFAULT, buffer.data());
  }
  if (ds >= 0) H5Dclose(ds);
  H5Pclose(lcpl);
  H5Pclose(dcpl);
  H5Sclose(space);
  H5Tclose(type);
}

void add_attribute(hid_t file, Input& in) {
  const char* object = in.pick(kObjects);
  if (H5Lexists(file, object, H5P_DEFAULT) <= 0 && std::strcmp(object, "/") != 0) {
    const hid_t lcpl = link_plist();
    const hid_t g = H5Gcreate2(file, object, lcpl, H5P_DEFAULT, H5P_DEFAULT);
    if (g >= 0) H5Gclose(g);
    H5Pclose(lcpl);
  }
  const hid_t obj = H5Oopen(file, object, H5P_DEFAULT);
  if (obj < 0) return;
  const char* name = in.pick(kAttributes);
  if (H5Aexists(obj, name) > 0) H5Adelete(obj, name);
  const std::uint8_t kind = in.byte() % 6;
  hid_t space = H5Screate(H5S_SCALAR);
  if (kind == 5) {  // a small array of int64
    const hsize_t n = 1 + in.byte() % 3;
    H5Sclose(space);
    space = H5Screate_simple(1, &n, nullptr);
  }
  hid_t type = -1;
  std::string text;
  std::int64_t ints[3] = {};
  double real = 0;
  const void* value = nullptr;
  const char* vlen = nullptr;
  switch (kind) {
    case 0:
    case 5: {
      static const std::int64_t kInts[] = {0, 1, 2, -1, 3, 1LL << 40,
                                           std::numeric_limits<std::int64_t>::max()};
      type = H5Tcopy(H5T_NATIVE_INT64);
      for (auto& x : ints) x = in.byte() % 3 == 0 ? static_cast<std::int64_t>(in.bytes(8)) : in.pick(kInts);
      value = ints;
      break;
    }
    case 1:
      type = H5Tcopy(H5T_NATIVE_DOUBLE);
      real = number(in);
      value = &real;
      break;
    case 2:  // fixed-length string, as rgflow writes them
    case 3:
      text = string_value(in);
      type = H5Tcopy(H5T_C_S1);
      H5Tset_size(type, text.size() + 1);
      if (kind == 3) H5Tset_strpad(type, H5T_STR_NULLPAD);
      value = text.c_str();
      break;
    default:  // variable-length string, as h5py writes them
      text = string_value(in);
      type = H5Tcopy(H5T_C_S1);
      H5Tset_size(type, H5T_VARIABLE);
      H5Tset_cset(type, H5T_CSET_UTF8);
      vlen = text.c_str();
      value = &vlen;
      break;
  }
  const hid_t attr = H5Acreate2(obj, name, type, space, H5P_DEFAULT, H5P_DEFAULT);
  if (attr >= 0) {
    H5Awrite(attr, type, value);
    H5Aclose(attr);
  }
  H5Tclose(type);
  H5Sclose(space);
  H5Oclose(obj);
}

// The file the input describes, as an image (empty if libhdf5 refused to build it).
std::vector<char> build_image(const std::uint8_t* data, std::size_t size) {
  static const bool silenced = [] { return H5Eset_auto2(H5E_DEFAULT, nullptr, nullptr) >= 0; }();
  (void)silenced;
  Input in(data, size);
  const hid_t fapl = H5Pcreate(H5P_FILE_ACCESS);
  H5Pset_fapl_core(fapl, 1 << 14, 0);
  const hid_t file = H5Fcreate("fuzz-build.h5", H5F_ACC_TRUNC, H5P_DEFAULT, fapl);
  H5Pclose(fapl);
  if (file < 0) return {};
  for (int op = 0; op < 24 && !in.empty(); ++op) {
    if (in.byte() % 3 == 0) {
      add_attribute(file, in);
    } else {
      add_dataset(file, in);
    }
  }
  std::vector<char> image;
  if (H5Fflush(file, H5F_SCOPE_GLOBAL) >= 0) {
    const ssize_t n = H5Fget_file_image(file, nullptr, 0);
    if (n > 0) {
      image.resize(static_cast<std::size_t>(n));
      if (H5Fget_file_image(file, image.data(), image.size()) != n) image.clear();
    }
  }
  H5Fclose(file);
  return image;
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  using rgflow::fuzz::expect_result_or_error;
  const std::vector<char> image = build_image(data, size);
  if (image.empty()) return 0;
  static const std::string path = rgflow::fuzz::scratch_path("fuzz.h5");
  rgflow::fuzz::write_file(path, image.data(), image.size());
#ifdef RGFLOW_FUZZ_HDF5_DATASET
  rgflow::io::LoadOptions plain;
  rgflow::io::LoadOptions spins;
  spins.to_spins = true;
  spins.one_column_vectors = true;
  for (const auto* options : {&plain, &spins}) {
    expect_result_or_error([&] { rgflow::io::load_dataset(path, *options); });
  }
#else
  expect_result_or_error([&] {
    const auto file = rgflow::io::h5::File::open_image(image.data(), image.size(), "image");
    const rgflow::Rbm rbm = rgflow::io::read_rbm(file, "/rbm");
    rgflow::io::read_standardization(file, "/rbm", rbm.n_visible());
  });
  expect_result_or_error([&] { rgflow::io::load_rbm(path); });
  expect_result_or_error([&] { rgflow::io::load_dbn(path); });
  expect_result_or_error([&] { rgflow::train::load_checkpoint(path); });
#endif
  return 0;
}
