#pragma once
// Internal to the io component: the "seal" that makes every HDF5 file rgflow writes
// self-verifying (docs/reliability.md, docs/file-formats.md "Integrity").
//
// Why: libhdf5 (1.10 on Debian 12) trusts much of what it reads. Files in its old format carry no
// metadata checksums, and variable-length strings live in a global heap without any; a few damaged
// bytes there made it read out of bounds and crash (SIGSEGV in H5HG_read under H5Aread) or loop.
// Nothing a caller does after H5Fopen can prevent that, so damage must be detected before libhdf5
// parses anything.
//
// How: rgflow creates its HDF5 files with a 512-byte user block (H5Pset_userblock; HDF5 then
// places its superblock at offset 512 and never reads or writes the block, so h5py, h5dump and
// every other reader open the file unchanged). After libhdf5 has closed the file, rgflow writes
// into the user block
//   bytes  0..15   magic "RGFLOW-H5-SEAL1\n"
//   bytes 16..23   uint64 little-endian: length of the HDF5 part (file size − 512)
//   bytes 24..27   uint32 little-endian: CRC-32 (zlib, ISO-HDLC polynomial) of the HDF5 part
//   bytes 28..31   uint32 little-endian: CRC-32 of bytes 0..27
//   bytes 32..511  zero
// A reader accepts a file that starts with HDF5's own signature (no user block: files written by
// h5py, or by rgflow before seals existed; libhdf5 parses them as before), or one whose
// seal is intact and whose HDF5 part has the recorded length and CRC. Anything else — a damaged
// seal, a wrong length (truncated or extended file), a CRC mismatch, or a user block that is not
// rgflow's — is refused before libhdf5 sees the file. CRC-32 detects every change of up to 32
// consecutive bits and any other random damage except with probability 2⁻³²; it is a guard against
// accidents (disk, transfer, partial copies), not against a forger, who can recompute it.
#include <cstddef>
#include <cstdint>
#include <string>

namespace rgflow::io::h5::seal {

inline constexpr std::size_t kUserBlock = 512;

enum class Kind {
  plain,   // HDF5 signature at offset 0: no seal (third-party or older files)
  sealed,  // seal verified
};

// Writes the seal into the user block of a closed HDF5 file created with a kUserBlock-byte user
// block. Throws FileError(path, ...) on I/O errors.
void write(const std::string& path);

// Verifies the file at `path` (streaming, constant memory); throws FileError naming `path` unless
// it is a plain HDF5 file or an intact sealed one.
Kind verify_file(const std::string& path);

// The same for a file image in memory; `name` is used in messages.
Kind verify_image(const void* data, std::size_t size, const std::string& name);

}  // namespace rgflow::io::h5::seal
