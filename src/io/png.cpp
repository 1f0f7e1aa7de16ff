// PNG output through libpng's simplified API (libpng 1.6, png.h "Simplified API"), which does its
// own setjmp/longjmp error handling internally, so no longjmp ever crosses our C++ frames.
#include "rgflow/io/png.hpp"

#include <png.h>

#include <algorithm>
#include <cmath>
#include <cstdint>
#include <cstring>
#include <fmt/format.h>
#include <utility>
#include <vector>

#include "rgflow/core/error.hpp"
#include "rgflow/io/atomic_file.hpp"

namespace rgflow::io {

namespace {

constexpr std::uint8_t kBorder = 255;  // white grid lines between mosaic tiles

// Linear map [lo, hi] → 0..255, rounded to nearest and clipped; NaN becomes 0.
std::uint8_t to_byte(float x, float lo, float hi) {
  const float t = (x - lo) / (hi - lo);
  if (!(t > 0.0f)) return 0;
  if (t >= 1.0f) return 255;
  return static_cast<std::uint8_t>(std::lround(t * 255.0f));
}

void check_range(const std::string& path, float lo, float hi) {
  if (!std::isfinite(lo) || !std::isfinite(hi) || !(hi > lo)) {
    throw FileError(path, fmt::format("invalid gray-level range [{}, {}] (need lo < hi)", lo, hi));
  }
}

// Writes `pixels` (row-major, height x width, 8-bit gray) atomically, each magnified to a
// scale x scale square (png_scale resolves kAutoPngScale).
void write_gray8(const std::string& path, std::vector<std::uint8_t> pixels, Index height,
                 Index width, int requested_scale) {
  if (height < 1 || width < 1) throw FileError(path, "cannot write an empty image");
  if (requested_scale < 0 || requested_scale > kMaxPngScale) {
    throw FileError(path, fmt::format("PNG scale {}: must be between 1 and {} (0: automatic)",
                                      requested_scale, kMaxPngScale));
  }
  if (const Index scale = png_scale(requested_scale, height, width); scale > 1) {
    if (height > PNG_UINT_31_MAX / scale || width > PNG_UINT_31_MAX / scale) {
      throw FileError(path, fmt::format("image of {} x {} pixels at scale {} is too large for PNG",
                                        height, width, scale));
    }
    std::vector<std::uint8_t> big(static_cast<std::size_t>(height * scale * width * scale));
    for (Index r = 0; r < height * scale; ++r) {
      for (Index c = 0; c < width * scale; ++c) {
        big[static_cast<std::size_t>(r * width * scale + c)] =
            pixels[static_cast<std::size_t>((r / scale) * width + c / scale)];
      }
    }
    pixels.swap(big);
    height *= scale;
    width *= scale;
  }
  if (height > PNG_UINT_31_MAX || width > PNG_UINT_31_MAX) {
    throw FileError(path,
                    fmt::format("image of {} x {} pixels is too large for PNG", height, width));
  }
  AtomicFile out(path);
  png_image image;
  std::memset(&image, 0, sizeof image);
  image.version = PNG_IMAGE_VERSION;
  image.width = static_cast<png_uint_32>(width);
  image.height = static_cast<png_uint_32>(height);
  image.format = PNG_FORMAT_GRAY;
  if (png_image_write_to_file(&image, out.temp_path().c_str(), /*convert_to_8bit=*/0, pixels.data(),
                              /*row_stride=*/0, /*colormap=*/nullptr) == 0) {
    throw FileError(path, fmt::format("cannot write PNG: {}", image.message));
  }
  out.commit();
}

}  // namespace

int png_scale(int requested, Index height, Index width) {
  if (requested != kAutoPngScale) return requested;
  const Index side = std::max<Index>(1, std::max(height, width));
  return static_cast<int>(std::clamp<Index>((kAutoPngSide + side - 1) / side, 1, 16));
}

void write_png_gray(const std::string& path, const MatrixF& image, float lo, float hi, int scale) {
  check_range(path, lo, hi);
  std::vector<std::uint8_t> pixels(static_cast<std::size_t>(image.size()));
  for (Index i = 0; i < image.size(); ++i) pixels[i] = to_byte(image.data()[i], lo, hi);
  write_gray8(path, std::move(pixels), image.rows(), image.cols(), scale);
}

void write_png_mosaic(const std::string& path, const MatrixF& tiles, Index tile_height,
                      Index tile_width, bool per_tile_scale, float lo, float hi, int scale) {
  if (!per_tile_scale) check_range(path, lo, hi);
  if (tile_height < 1 || tile_width < 1 || tiles.cols() != tile_height * tile_width) {
    throw FileError(path, fmt::format("tiles of {} values cannot be shown as {} x {} pixels",
                                      tiles.cols(), tile_height, tile_width));
  }
  const Index n = tiles.rows();
  if (n < 1) throw FileError(path, "cannot write a mosaic of zero tiles");
  // Near-square grid: ceil(sqrt(n)) columns, as many rows as needed.
  Index grid_cols = static_cast<Index>(std::ceil(std::sqrt(static_cast<double>(n))));
  while (grid_cols * grid_cols < n) ++grid_cols;  // guard against sqrt rounding down
  const Index grid_rows = (n + grid_cols - 1) / grid_cols;
  const Index width = grid_cols * (tile_width + 1) + 1;
  const Index height = grid_rows * (tile_height + 1) + 1;
  std::vector<std::uint8_t> pixels(static_cast<std::size_t>(width * height), kBorder);
  for (Index t = 0; t < n; ++t) {
    float tile_lo = lo;
    float tile_hi = hi;
    if (per_tile_scale) {
      // Symmetric range [−max|x|, +max|x|], so 0 is mid-gray in every tile.
      const float m = tiles.row(t).cwiseAbs().maxCoeff();
      tile_hi = std::isfinite(m) && m > 0.0f ? m : 1.0f;
      tile_lo = -tile_hi;
    }
    const Index top = (t / grid_cols) * (tile_height + 1) + 1;
    const Index left = (t % grid_cols) * (tile_width + 1) + 1;
    for (Index r = 0; r < tile_height; ++r) {
      for (Index c = 0; c < tile_width; ++c) {
        pixels[static_cast<std::size_t>((top + r) * width + left + c)] =
            to_byte(tiles(t, r * tile_width + c), tile_lo, tile_hi);
      }
    }
  }
  write_gray8(path, std::move(pixels), height, width, scale);
}

void write_receptive_fields(const std::string& path, const MatrixF& weights, int scale) {
  const Index n_visible = weights.rows();
  const Index side = static_cast<Index>(std::lround(std::sqrt(static_cast<double>(n_visible))));
  const bool square = side * side == n_visible;
  const MatrixF tiles = weights.transpose();  // one row per hidden unit: its column of W
  write_png_mosaic(path, tiles, square ? side : 1, square ? side : n_visible,
                   /*per_tile_scale=*/true, 0.0f, 1.0f, scale);
}

}  // namespace rgflow::io
