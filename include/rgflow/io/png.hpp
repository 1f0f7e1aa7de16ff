#pragma once
// PNG output (libpng's simplified write API, 8-bit grayscale), written atomically (temp file +
// rename). Bad arguments or unwritable paths throw FileError and leave no file behind.
#include <string>

#include "rgflow/core/types.hpp"

namespace rgflow::io {

// Every writer below takes a pixel magnification `scale`: each image pixel becomes a
// scale x scale square. kAutoPngScale asks for the smallest scale that makes the longer side at
// least kAutoPngSide pixels (at most kMaxPngScale); FileError for a scale outside 0..kMaxPngScale.
inline constexpr int kAutoPngScale = 0;
inline constexpr int kMaxPngScale = 64;
inline constexpr long kAutoPngSide = 512;
// The scale `requested` resolves to for an image of height x width pixels.
int png_scale(int requested, Index height, Index width);

// Writes an 8-bit grayscale image, one pixel per matrix element: round(255 (x − lo) / (hi − lo)),
// clipped to 0..255; NaN → 0. Requires lo < hi.
void write_png_gray(const std::string& path, const MatrixF& image, float lo = 0.0f, float hi = 1.0f,
                    int scale = 1);

// A mosaic of tiles: each row of `tiles` is one tile of tile_height x tile_width pixels (row-major),
// laid out left to right, top to bottom on a grid of ceil(√n) columns, with 1-pixel white (255)
// lines around every tile (unused grid cells are white too). Each tile is scaled to its own
// symmetric range [−max|x|, +max|x|] when `per_tile_scale` (receptive fields: 0 is mid-gray 128,
// an all-zero tile is uniform 128), else to [lo, hi].
void write_png_mosaic(const std::string& path, const MatrixF& tiles, Index tile_height,
                      Index tile_width, bool per_tile_scale, float lo = 0.0f, float hi = 1.0f,
                      int scale = 1);

// Receptive fields of an RBM: one tile per hidden unit (a column of W). Tile shape is inferred as
// the square side when n_visible is a perfect square, else 1 x n_visible.
void write_receptive_fields(const std::string& path, const MatrixF& weights, int scale = 1);

}  // namespace rgflow::io
