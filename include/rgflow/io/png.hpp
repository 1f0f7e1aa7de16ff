#pragma once
// PNG output (libpng), written atomically.
#include <string>

#include "rgflow/core/types.hpp"

namespace rgflow::io {

// Writes an 8-bit grayscale image; values are mapped linearly from [lo, hi] to 0..255 (clipped).
void write_png_gray(const std::string& path, const MatrixF& image, float lo = 0.0f, float hi = 1.0f);

// A mosaic of tiles: each row of `tiles` is one tile of tile_height x tile_width pixels (row-major),
// laid out on a near-square grid with a 1-pixel border. Each tile is scaled to its own
// symmetric range [−max|x|, +max|x|] when `per_tile_scale` (receptive fields), else to [lo, hi].
void write_png_mosaic(const std::string& path, const MatrixF& tiles, Index tile_height,
                      Index tile_width, bool per_tile_scale, float lo = 0.0f, float hi = 1.0f);

// Receptive fields of an RBM: one tile per hidden unit (a column of W). Tile shape is inferred as
// the square side when n_visible is a perfect square, else 1 x n_visible.
void write_receptive_fields(const std::string& path, const MatrixF& weights);

}  // namespace rgflow::io
