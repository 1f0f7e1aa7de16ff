#pragma once
// The chunked, thread-count-independent building blocks of a CD / PCD update live in the core
// component (src/rbm/chunked_gibbs.hpp), shared with parallel tempering; this header names them
// where the train component has always called them.
#include "../rbm/chunked_gibbs.hpp"

namespace rgflow::train::detail {
using chunked::for_chunks;
using chunked::gemm_chunks;
using chunked::hidden_field;
using chunked::mean_rows;
using chunked::sample_rows;
using chunked::update_threads;
using chunked::visible_field;
}  // namespace rgflow::train::detail
