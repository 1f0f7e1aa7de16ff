#pragma once
// Checkpoints of convolutional RBM training (conv/train.hpp ConvTrainState; docs/conv.md
// "Checkpoints"). A checkpoint is a conv model file (conv/file.hpp: /conv_rbm, loadable by every
// conv command) plus the group /conv_train:
//   /conv_train/order             uint64 [N]        the data order after the last epoch's shuffle
//   /conv_train/shuffle_rng       uint64 [4]        seed, stream, counter, index (core/rng.hpp)
//   /conv_train/gibbs_rng         uint64 [4]
//   /conv_train/chains            float32 [n, L²]   PCD chains, or PT replicas (row k·chains + c)
//   /conv_train/first_kernels     float64 [C, K²]   SGD velocities or Adam first moments
//   /conv_train/first_hidden      float64 [C, 1]
//   /conv_train/first_visible     float64 [1, 1]
//   /conv_train/second_kernels, second_hidden, second_visible   Adam's second moments (Adam only)
//   /conv_train/adam_steps        uint64 [1]        Adam's update count (Adam only)
//   /conv_train/visible_offset    float64 [1, 1]    centering offsets μ and λ_c (once set)
//   /conv_train/hidden_offset     float64 [C, 1]
//   attributes of /conv_train: checkpoint_format_version (1), epochs_done, options (JSON of
//   ConvTrainOptions), data_rows, data_checksum (FNV-1a of the training rows' float32 bytes, as
//   a decimal string: a resumed run must see the same data).
// Written atomically; every problem reading one is a FileError naming the file.
#include <cstdint>
#include <map>
#include <string>

#include "rgflow/conv/conv_rbm.hpp"
#include "rgflow/conv/train.hpp"

namespace rgflow::conv {

struct ConvCheckpoint {
  ConvRbm model;
  ConvTrainOptions options;
  ConvTrainState state;
  Index data_rows = 0;
  std::uint64_t data_checksum = 0;
};

// FNV-1a (64 bit) of the bytes of the float32 entries of `data`, row-major.
std::uint64_t data_checksum(const MatrixF& data);

void save_checkpoint(const std::string& path, const ConvCheckpoint& checkpoint,
                     const std::map<std::string, std::string>& attributes = {});
ConvCheckpoint load_checkpoint(const std::string& path);

}  // namespace rgflow::conv
