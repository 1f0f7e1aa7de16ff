// The seal of rgflow's HDF5 files: layout and rationale in h5_seal.hpp.
#include "h5_seal.hpp"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>
#include <zlib.h>

#include <algorithm>
#include <array>
#include <cerrno>
#include <cstring>
#include <fmt/format.h>
#include <limits>
#include <vector>

#include "rgflow/core/error.hpp"

namespace rgflow::io::h5::seal {

namespace {

constexpr char kMagic[16] = {'R', 'G', 'F', 'L', 'O', 'W', '-', 'H',
                             '5', '-', 'S', 'E', 'A', 'L', '1', '\n'};
constexpr unsigned char kHdf5Signature[8] = {0x89, 'H', 'D', 'F', '\r', '\n', 0x1a, '\n'};
constexpr std::size_t kHeaderBytes = 32;  // magic, length, data CRC, header CRC; then zeros
// How to use a file edited on purpose (h5py in "a" mode keeps the user block, changes the rest).
constexpr const char* kEdited =
    "; if you edited it, e.g. with h5py, drop the seal: tail -c +513 FILE > PLAIN.h5";

std::uint32_t crc32_of(std::uint32_t crc, const unsigned char* data, std::size_t n) {
  return static_cast<std::uint32_t>(crc32_z(crc, data, n));
}

void put_le(unsigned char* p, std::uint64_t value, int bytes) {
  for (int i = 0; i < bytes; ++i) p[i] = static_cast<unsigned char>(value >> (8 * i));
}

std::uint64_t get_le(const unsigned char* p, int bytes) {
  std::uint64_t value = 0;
  for (int i = bytes - 1; i >= 0; --i) value = (value << 8) | p[i];
  return value;
}

// Owns a POSIX file descriptor.
class Fd {
 public:
  Fd(const std::string& path, int flags) : fd_(::open(path.c_str(), flags | O_CLOEXEC)) {}
  ~Fd() {
    if (fd_ >= 0) ::close(fd_);
  }
  Fd(const Fd&) = delete;
  Fd& operator=(const Fd&) = delete;
  int get() const { return fd_; }
  // Reads up to n bytes at `offset`, retrying short reads; returns the count (< n only at EOF).
  std::size_t pread_all(void* buffer, std::size_t n, std::uint64_t offset) const {
    auto* out = static_cast<unsigned char*>(buffer);
    std::size_t done = 0;
    while (done < n) {
      const ssize_t got = ::pread(fd_, out + done, n - done, static_cast<off_t>(offset + done));
      if (got < 0 && errno == EINTR) continue;
      if (got < 0) return static_cast<std::size_t>(-1);
      if (got == 0) break;
      done += static_cast<std::size_t>(got);
    }
    return done;
  }

 private:
  int fd_;
};

[[noreturn]] void io_error(const std::string& path, const char* what) {
  throw FileError(path, fmt::format("{}: {}", what, std::strerror(errno)));
}

// The checks common to files and images: `head` holds the first min(size, 512) bytes. Returns
// plain for an HDF5 signature at 0, sealed after checking the seal's own fields (the caller then
// checks the CRC of the HDF5 part, recorded in *data_crc).
Kind check_head(const unsigned char* head, std::size_t head_size, std::uint64_t size,
                const unsigned char* at_512, const std::string& name, std::uint32_t* data_crc) {
  if (head_size >= 8 && std::memcmp(head, kHdf5Signature, 8) == 0) return Kind::plain;
  const bool magic = head_size >= sizeof kMagic && std::memcmp(head, kMagic, sizeof kMagic) == 0;
  const bool hdf5_at_512 = at_512 != nullptr && std::memcmp(at_512, kHdf5Signature, 8) == 0;
  if (!magic && !hdf5_at_512) {
    if (size == 0) throw FileError(name, "empty file, not an HDF5 file");
    throw FileError(name, "not an HDF5 file (no HDF5 signature)");
  }
  if (!magic) {
    throw FileError(name, "damaged rgflow seal (or a user block rgflow did not write): the file "
                          "is corrupt");
  }
  if (size < kUserBlock + 8 || !hdf5_at_512) {
    throw FileError(name, fmt::format("truncated or corrupt file: {} bytes, no HDF5 data after "
                                      "the rgflow seal",
                                      size));
  }
  const std::uint32_t header_crc = crc32_of(0, head, 28);
  const bool zeros =
      std::all_of(head + kHeaderBytes, head + kUserBlock, [](unsigned char c) { return c == 0; });
  if (header_crc != static_cast<std::uint32_t>(get_le(head + 28, 4)) || !zeros) {
    throw FileError(name, "damaged rgflow seal (checksum mismatch): the file is corrupt");
  }
  const std::uint64_t length = get_le(head + 16, 8);
  if (length != size - kUserBlock) {
    throw FileError(name, fmt::format("the rgflow seal records {} bytes of HDF5 data but the file "
                                      "holds {}: truncated or corrupt file{}",
                                      length, size - kUserBlock, kEdited));
  }
  *data_crc = static_cast<std::uint32_t>(get_le(head + 24, 4));
  return Kind::sealed;
}

[[noreturn]] void crc_mismatch(const std::string& name) {
  throw FileError(name, fmt::format("checksum mismatch: the file changed after rgflow wrote it "
                                    "(corrupt file{})",
                                    kEdited));
}

}  // namespace

void write(const std::string& path) {
  Fd fd(path, O_RDWR);
  if (fd.get() < 0) io_error(path, "cannot reopen to seal");
  struct stat st {};
  if (::fstat(fd.get(), &st) != 0) io_error(path, "cannot stat to seal");
  const auto size = static_cast<std::uint64_t>(st.st_size);
  std::array<unsigned char, kUserBlock> head{};
  if (size < kUserBlock + 8 || fd.pread_all(head.data(), kUserBlock, 0) != kUserBlock) {
    throw FileError(path, "cannot seal: not an HDF5 file with rgflow's user block");
  }
  if (std::any_of(head.begin(), head.end(), [](unsigned char c) { return c != 0; })) {
    throw FileError(path, "cannot seal: the user block is not empty");
  }
  std::vector<unsigned char> chunk(std::size_t{1} << 16);
  std::uint32_t crc = crc32_of(0, nullptr, 0);
  for (std::uint64_t offset = kUserBlock; offset < size;) {
    const std::size_t want = static_cast<std::size_t>(std::min<std::uint64_t>(chunk.size(), size - offset));
    if (fd.pread_all(chunk.data(), want, offset) != want) io_error(path, "cannot read to seal");
    crc = crc32_of(crc, chunk.data(), want);
    offset += want;
  }
  std::memcpy(head.data(), kMagic, sizeof kMagic);
  put_le(head.data() + 16, size - kUserBlock, 8);
  put_le(head.data() + 24, crc, 4);
  put_le(head.data() + 28, crc32_of(0, head.data(), 28), 4);
  std::size_t written = 0;
  while (written < kHeaderBytes) {
    const ssize_t n = ::pwrite(fd.get(), head.data() + written, kHeaderBytes - written,
                               static_cast<off_t>(written));
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) io_error(path, "cannot write the seal");
    written += static_cast<std::size_t>(n);
  }
  // AtomicFile::commit syncs the file to disk before renaming it into place.
}

Kind verify_file(const std::string& path) {
  Fd fd(path, O_RDONLY);
  if (fd.get() < 0) io_error(path, "cannot open");
  struct stat st {};
  if (::fstat(fd.get(), &st) != 0) io_error(path, "cannot stat");
  if (!S_ISREG(st.st_mode)) throw FileError(path, "not a regular file");
  const auto size = static_cast<std::uint64_t>(st.st_size);
  std::array<unsigned char, kUserBlock + 8> head{};
  const std::size_t got = fd.pread_all(head.data(), head.size(), 0);
  if (got == static_cast<std::size_t>(-1)) io_error(path, "cannot read");
  std::uint32_t expected = 0;
  const Kind kind = check_head(head.data(), std::min(got, kUserBlock), size,
                               got >= kUserBlock + 8 ? head.data() + kUserBlock : nullptr, path,
                               &expected);
  if (kind == Kind::plain) return kind;
  std::vector<unsigned char> chunk(std::size_t{1} << 16);
  std::uint32_t crc = crc32_of(0, nullptr, 0);
  for (std::uint64_t offset = kUserBlock; offset < size;) {
    const std::size_t want = static_cast<std::size_t>(std::min<std::uint64_t>(chunk.size(), size - offset));
    const std::size_t n = fd.pread_all(chunk.data(), want, offset);
    if (n == static_cast<std::size_t>(-1)) io_error(path, "cannot read");
    if (n != want) throw FileError(path, "truncated file (it shrank while being read)");
    crc = crc32_of(crc, chunk.data(), want);
    offset += want;
  }
  if (crc != expected) crc_mismatch(path);
  return kind;
}

Kind verify_image(const void* data, std::size_t size, const std::string& name) {
  const auto* bytes = static_cast<const unsigned char*>(data);
  std::uint32_t expected = 0;
  const Kind kind = check_head(bytes, std::min(size, kUserBlock), size,
                               size >= kUserBlock + 8 ? bytes + kUserBlock : nullptr, name,
                               &expected);
  if (kind == Kind::plain) return kind;
  if (crc32_of(crc32_of(0, nullptr, 0), bytes + kUserBlock, size - kUserBlock) != expected) {
    crc_mismatch(name);
  }
  return kind;
}

}  // namespace rgflow::io::h5::seal
