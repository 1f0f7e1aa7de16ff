#pragma once
// Raster line plots without a plotting library (the CLI's --plot PNGs, written with
// io::write_png_gray). The vrg report draws its figures with matplotlib instead (vrg/plot_script).
#include <string>
#include <vector>

#include "rgflow/core/types.hpp"

namespace rgflow::io {

// A simple line plot rendered into a grayscale image (1 = white, 0 = black), for
// io::write_png_gray: frame with tick marks and numeric tick labels (a built-in 3×5 pixel font,
// scaled ×2), data series as markers with vertical error bars (one marker shape per series:
// square, circle, diamond, cross, triangle, ...), reference curves as polylines in mid-gray, and
// an optional dotted vertical line (e.g. at T_c), a title and x-axis label above and below the
// frame, and a legend (marker + label per series) in the top-right corner. Text uses a built-in
// 3×5 capital-letter font.
struct PlotSeries {
  std::vector<double> x, y, err;  // err may be empty
};
struct PlotCurve {
  std::vector<double> x, y;  // non-finite points break the line
};
struct Plot {
  std::vector<PlotSeries> series;
  std::vector<PlotCurve> curves;
  double vertical_line = 0.0;  // drawn when finite and inside the x range; NaN: none
  std::string title;           // above the frame (empty: none)
  std::string x_label;         // below the x tick labels (empty: none)
  std::vector<std::string> series_labels;  // legend, in series order (empty: no legend)
  int width = 640, height = 480;
};
MatrixF render_plot(const Plot& plot);

}  // namespace rgflow::io
