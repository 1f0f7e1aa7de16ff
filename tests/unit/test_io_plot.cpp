// io/plot.hpp: the raster line plots of the CLI's --plot PNGs.
#include <gtest/gtest.h>

#include <cmath>
#include <set>

#include "rgflow/core/error.hpp"
#include "rgflow/io/plot.hpp"

namespace {

using namespace rgflow;
using namespace rgflow::io;

TEST(IoPlot, RendersAPlot) {
  Plot p;
  PlotSeries s;
  PlotCurve c;
  for (int i = 0; i < 11; ++i) {
    const double x = 2.0 + 0.05 * i;
    s.x.push_back(x);
    s.y.push_back(std::sin(x));
    s.err.push_back(0.01);
    c.x.push_back(x);
    c.y.push_back(std::sin(x));
  }
  p.series.push_back(s);
  p.curves.push_back(c);
  p.vertical_line = 2.269;
  const MatrixF img = render_plot(p);
  ASSERT_EQ(img.rows(), 480);
  ASSERT_EQ(img.cols(), 640);
  EXPECT_GE(img.minCoeff(), 0.0f);
  EXPECT_LE(img.maxCoeff(), 1.0f);
  Index black = 0, gray = 0;
  for (Index i = 0; i < img.size(); ++i) {
    black += img.data()[i] == 0.0f;
    gray += img.data()[i] == 0.5f;
  }
  EXPECT_GT(black, 2000);  // frame, ticks, labels, markers
  EXPECT_GT(gray, 100);    // the reference curve
  EXPECT_EQ(img(0, 0), 1.0f);
  // Degenerate input (one point, no curves) still renders.
  Plot one;
  one.series.push_back({{2.0}, {1.0}, {}});
  one.vertical_line = std::nan("");
  EXPECT_NO_THROW(render_plot(one));
  Plot huge;  // a constant series at 1e300: the range is widened relative to the value
  huge.series.push_back({{1.0, 2.0}, {1e300, 1e300}, {}});
  EXPECT_NO_THROW(render_plot(huge));
  Plot small;
  small.width = 10;
  EXPECT_THROW(render_plot(small), Error);
}


}  // namespace
