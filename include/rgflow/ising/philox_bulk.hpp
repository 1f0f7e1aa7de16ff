#pragma once
// The bulk Philox stream moved to rgflow_core (core/philox_bulk.hpp) so that the RBM sampling
// kernels share it; the Ising kernels keep using it under these names.
#include "rgflow/core/philox_bulk.hpp"

namespace rgflow::ising {

using rgflow::BulkStream;
using rgflow::kPhiloxAvx512;
using rgflow::philox_blocks;
using rgflow::philox_blocks_portable;
#if defined(__AVX512F__)
using rgflow::philox_blocks_avx512;
#endif

}  // namespace rgflow::ising
