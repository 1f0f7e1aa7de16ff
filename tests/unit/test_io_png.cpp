#include <gtest/gtest.h>
#include <png.h>

#include <cstring>
#include <filesystem>
#include <limits>

#include "rgflow/io/png.hpp"
#include "test_io_support.hpp"

using rgflow::MatrixF;
using rgflow::io::write_png_gray;
using rgflow::io::write_png_mosaic;
using rgflow::io::write_receptive_fields;
using rgflow::test::TempDir;

namespace {

struct Gray {
  int width = 0;
  int height = 0;
  std::vector<std::uint8_t> pixels;
  int at(int r, int c) const { return pixels[static_cast<std::size_t>(r * width + c)]; }
};

// Decodes with libpng's simplified reader, independently of the writer's code path.
Gray read_png(const std::string& path) {
  png_image image;
  std::memset(&image, 0, sizeof image);
  image.version = PNG_IMAGE_VERSION;
  Gray out;
  if (png_image_begin_read_from_file(&image, path.c_str()) == 0) {
    ADD_FAILURE() << path << ": " << image.message;
    return out;
  }
  EXPECT_EQ(image.format, static_cast<png_uint_32>(PNG_FORMAT_GRAY)) << "8-bit gray expected";
  image.format = PNG_FORMAT_GRAY;
  out.width = static_cast<int>(image.width);
  out.height = static_cast<int>(image.height);
  out.pixels.resize(PNG_IMAGE_SIZE(image));
  if (png_image_finish_read(&image, nullptr, out.pixels.data(), 0, nullptr) == 0) {
    ADD_FAILURE() << path << ": " << image.message;
  }
  return out;
}

}  // namespace

TEST(io_Png, GrayMapsRangeLinearlyWithRoundingAndClipping) {
  TempDir dir;
  const std::string path = dir.file("g.png");
  MatrixF image(2, 3);
  image << 0.0f, 0.5f, 1.0f,  //
      -1.0f, 2.0f, 0.25f;
  write_png_gray(path, image);
  EXPECT_EQ(dir.entries(), std::set<std::string>{"g.png"});
  const Gray g = read_png(path);
  ASSERT_EQ(g.width, 3);
  ASSERT_EQ(g.height, 2);
  // round(255 t): 0.5 → 127.5 → 128, 0.25 → 63.75 → 64; outside [0, 1] clips.
  EXPECT_EQ(g.pixels, (std::vector<std::uint8_t>{0, 128, 255, 0, 255, 64}));

  // Custom range [-1, 1]: 0 → 127.5 → 128, NaN → 0.
  MatrixF signed_image(1, 4);
  signed_image << -1.0f, 0.0f, 1.0f, std::numeric_limits<float>::quiet_NaN();
  write_png_gray(path, signed_image, -1.0f, 1.0f);  // overwrites
  EXPECT_EQ(read_png(path).pixels, (std::vector<std::uint8_t>{0, 128, 255, 0}));
}

TEST(io_Png, MosaicLayoutBordersAndGlobalRange) {
  TempDir dir;
  const std::string path = dir.file("m.png");
  // Three 2x2 tiles → a 2x2 grid (one empty cell): (2 * 3 + 1) = 7 pixels square.
  MatrixF tiles(3, 4);
  tiles << 0.0f, 1.0f, 0.2f, 0.8f,  //
      1.0f, 1.0f, 1.0f, 1.0f,       //
      0.0f, 0.0f, 0.0f, 0.0f;
  write_png_mosaic(path, tiles, 2, 2, /*per_tile_scale=*/false);
  const Gray g = read_png(path);
  ASSERT_EQ(g.width, 7);
  ASSERT_EQ(g.height, 7);
  for (int k = 0; k < 7; ++k) {  // grid lines are white
    EXPECT_EQ(g.at(0, k), 255);
    EXPECT_EQ(g.at(3, k), 255);
    EXPECT_EQ(g.at(k, 0), 255);
    EXPECT_EQ(g.at(k, 6), 255);
  }
  // Tile 0 at (1,1): row-major 2x2.
  EXPECT_EQ(g.at(1, 1), 0);
  EXPECT_EQ(g.at(1, 2), 255);
  EXPECT_EQ(g.at(2, 1), 51);   // 0.2 * 255
  EXPECT_EQ(g.at(2, 2), 204);  // 0.8 * 255
  EXPECT_EQ(g.at(1, 4), 255);  // tile 1 at (1,4), all ones
  EXPECT_EQ(g.at(4, 1), 0);    // tile 2 at (4,1), all zeros
  EXPECT_EQ(g.at(5, 2), 0);
  EXPECT_EQ(g.at(4, 4), 255);  // empty cell keeps the border colour
}

TEST(io_Png, ReceptiveFieldsScaleEachTileSymmetrically) {
  TempDir dir;
  const std::string path = dir.file("rf.png");
  // W [n_visible = 4, n_hidden = 2]: 2x2 tiles, one per hidden unit (column of W).
  MatrixF w(4, 2);
  w << -2.0f, 0.0f,  //
      0.0f, 0.0f,    //
      1.0f, 0.0f,    //
      2.0f, 0.0f;
  write_receptive_fields(path, w);
  const Gray g = read_png(path);
  ASSERT_EQ(g.width, 7);  // 2 tiles → 2 columns, 1 row
  ASSERT_EQ(g.height, 4);
  // Tile 0 in [-2, 2]: -2 → 0, 0 → 128, 1 → 191.25 → 191, 2 → 255.
  EXPECT_EQ(g.at(1, 1), 0);
  EXPECT_EQ(g.at(1, 2), 128);
  EXPECT_EQ(g.at(2, 1), 191);
  EXPECT_EQ(g.at(2, 2), 255);
  // An all-zero tile is uniform mid-gray.
  EXPECT_EQ(g.at(1, 4), 128);
  EXPECT_EQ(g.at(2, 5), 128);

  // n_visible = 3 is not a square: 1 x 3 strips.
  write_receptive_fields(path, MatrixF::Ones(3, 2));
  const Gray strips = read_png(path);
  EXPECT_EQ(strips.width, 9);
  EXPECT_EQ(strips.height, 3);
  EXPECT_EQ(strips.at(1, 1), 255);
}

TEST(io_Png, BadArgumentsAndUnwritablePathsLeaveNothing) {
  TempDir dir;
  const MatrixF image = MatrixF::Ones(2, 2);
  const std::string nodir = dir.file("missing/x.png");
  EXPECT_FILE_ERROR(write_png_gray(nodir, image), nodir, "cannot create temporary file");
  EXPECT_FILE_ERROR(write_receptive_fields(nodir, image), nodir, "cannot create temporary file");
  const std::string path = dir.file("x.png");
  EXPECT_FILE_ERROR(write_png_gray(path, image, 1.0f, 1.0f), path, "invalid gray-level range");
  EXPECT_FILE_ERROR(write_png_gray(path, MatrixF(0, 3)), path, "empty image");
  EXPECT_FILE_ERROR(write_png_mosaic(path, MatrixF::Ones(2, 5), 2, 2, true), path,
                    "tiles of 5 values cannot be shown as 2 x 2 pixels");
  EXPECT_FILE_ERROR(write_png_mosaic(path, MatrixF(0, 4), 2, 2, true), path, "zero tiles");
  EXPECT_TRUE(dir.entries().empty());
}

TEST(io_Png, ScaleMagnifiesEveryPixelIntoASquare) {
  TempDir dir;
  MatrixF tiles(3, 4);
  tiles << 0.0f, 1.0f, 0.2f, 0.8f,  //
      1.0f, 1.0f, 1.0f, 1.0f,       //
      0.0f, 0.0f, 0.0f, 0.0f;
  write_png_mosaic(dir.file("one.png"), tiles, 2, 2, false);
  write_png_mosaic(dir.file("three.png"), tiles, 2, 2, false, 0.0f, 1.0f, 3);
  const Gray one = read_png(dir.file("one.png"));
  const Gray three = read_png(dir.file("three.png"));
  ASSERT_EQ(three.width, 3 * one.width);
  ASSERT_EQ(three.height, 3 * one.height);
  for (int r = 0; r < three.height; ++r) {
    for (int c = 0; c < three.width; ++c) ASSERT_EQ(three.at(r, c), one.at(r / 3, c / 3)) << r << "," << c;
  }
  // Automatic: the smallest scale that makes the longer side >= 512 pixels (at most 16).
  EXPECT_EQ(rgflow::io::png_scale(rgflow::io::kAutoPngScale, 7, 7), 16);    // 7 → 112
  EXPECT_EQ(rgflow::io::png_scale(rgflow::io::kAutoPngScale, 233, 100), 3);  // 233 → 699
  EXPECT_EQ(rgflow::io::png_scale(rgflow::io::kAutoPngScale, 512, 8), 1);
  EXPECT_EQ(rgflow::io::png_scale(5, 7, 7), 5);
  write_png_gray(dir.file("auto.png"), MatrixF::Constant(233, 100, 0.5f), 0.0f, 1.0f,
                 rgflow::io::kAutoPngScale);
  const Gray a = read_png(dir.file("auto.png"));
  EXPECT_EQ(a.height, 699);
  EXPECT_EQ(a.width, 300);
  EXPECT_THROW(write_png_gray(dir.file("bad.png"), MatrixF::Zero(2, 2), 0.0f, 1.0f, -1), rgflow::FileError);
  EXPECT_THROW(write_png_gray(dir.file("bad.png"), MatrixF::Zero(2, 2), 0.0f, 1.0f, 65), rgflow::FileError);
  EXPECT_FALSE(std::filesystem::exists(dir.file("bad.png")));
}
