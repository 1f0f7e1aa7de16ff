// Raster line plots with a built-in pixel font (io/plot.hpp).
#include "rgflow/io/plot.hpp"

#include <algorithm>
#include <array>
#include <cmath>
#include <cstdio>
#include <limits>
#include <sstream>

#include <fmt/format.h>

#include "rgflow/core/error.hpp"

namespace rgflow::io {

// ---------------------------------------------------------------------------------------------
// Plot rendering

namespace {

// 3×5 glyphs, rows top to bottom, bit 2 = left column: digits and number symbols, capital letters
// and a little punctuation for titles, axis labels and legends (all text is drawn in capitals,
// exponents of tick labels as "1.0E-05").
struct Glyph {
  char ch;
  std::array<int, 5> rows;
};
constexpr std::array<Glyph, 50> kGlyphs = {{
    {'0', {7, 5, 5, 5, 7}}, {'1', {2, 6, 2, 2, 7}}, {'2', {7, 1, 7, 4, 7}}, {'3', {7, 1, 7, 1, 7}},
    {'4', {5, 5, 7, 1, 1}}, {'5', {7, 4, 7, 1, 7}}, {'6', {7, 4, 7, 5, 7}}, {'7', {7, 1, 1, 1, 1}},
    {'8', {7, 5, 7, 5, 7}}, {'9', {7, 5, 7, 1, 7}}, {'.', {0, 0, 0, 0, 2}}, {'-', {0, 0, 7, 0, 0}},
    {'_', {0, 0, 0, 0, 7}}, {'A', {2, 5, 7, 5, 5}}, {'B', {6, 5, 6, 5, 6}}, {'C', {3, 4, 4, 4, 3}},
    {'D', {6, 5, 5, 5, 6}}, {'E', {7, 4, 6, 4, 7}}, {'F', {7, 4, 6, 4, 4}}, {'G', {3, 4, 5, 5, 3}},
    {'H', {5, 5, 7, 5, 5}}, {'I', {7, 2, 2, 2, 7}}, {'J', {1, 1, 1, 5, 2}}, {'K', {5, 5, 6, 5, 5}},
    {'L', {4, 4, 4, 4, 7}}, {'M', {5, 7, 7, 5, 5}}, {'N', {6, 5, 5, 5, 5}}, {'O', {2, 5, 5, 5, 2}},
    {'P', {6, 5, 6, 4, 4}}, {'Q', {2, 5, 5, 6, 3}}, {'R', {6, 5, 6, 5, 5}}, {'S', {3, 4, 2, 1, 6}},
    {'T', {7, 2, 2, 2, 2}}, {'U', {5, 5, 5, 5, 7}}, {'V', {5, 5, 5, 5, 2}}, {'W', {5, 5, 7, 7, 5}},
    {'X', {5, 5, 2, 5, 5}}, {'Y', {5, 5, 2, 2, 2}}, {'Z', {7, 1, 2, 4, 7}}, {' ', {0, 0, 0, 0, 0}},
    {'=', {0, 7, 0, 7, 0}}, {'(', {1, 2, 2, 2, 1}}, {')', {4, 2, 2, 2, 4}}, {'/', {1, 1, 2, 4, 4}},
    {',', {0, 0, 0, 2, 4}}, {':', {0, 2, 0, 2, 0}}, {'|', {2, 2, 2, 2, 2}}, {'^', {2, 5, 0, 0, 0}},
    {'<', {1, 2, 4, 2, 1}}, {'>', {4, 2, 1, 2, 4}},
}};
const Glyph* find_glyph(char ch) {
  if (ch >= 'a' && ch <= 'z') ch = static_cast<char>(ch - 'a' + 'A');
  for (const Glyph& g : kGlyphs)
    if (g.ch == ch) return &g;
  return nullptr;
}
constexpr int kScale = 2;

struct Canvas {
  MatrixF img;
  void set(long x, long y, float v) {
    if (x >= 0 && y >= 0 && x < img.cols() && y < img.rows()) img(y, x) = std::min(img(y, x), v);
  }
  void line(long x0, long y0, long x1, long y1, float v, int dot = 0) {
    const long dx = std::abs(x1 - x0), dy = -std::abs(y1 - y0);
    const long sx = x0 < x1 ? 1 : -1, sy = y0 < y1 ? 1 : -1;
    long err = dx + dy, n = 0;
    for (;;) {
      if (dot == 0 || (n / dot) % 2 == 0) set(x0, y0, v);
      ++n;
      if (x0 == x1 && y0 == y1) break;
      const long e2 = 2 * err;
      if (e2 >= dy) { err += dy; x0 += sx; }
      if (e2 <= dx) { err += dx; y0 += sy; }
    }
  }
  // Text with its top-left corner at (x, y); returns the width in pixels.
  static long text_width(const std::string& s) { return static_cast<long>(s.size()) * 4 * kScale; }
  void text(long x, long y, const std::string& s) {
    for (const char ch : s) {
      if (const Glyph* g = find_glyph(ch))
        for (int r = 0; r < 5; ++r)
          for (int c = 0; c < 3; ++c)
            if (g->rows[static_cast<std::size_t>(r)] & (4 >> c))
              for (int a = 0; a < kScale; ++a)
                for (int b = 0; b < kScale; ++b) set(x + c * kScale + b, y + r * kScale + a, 0.0f);
      x += 4 * kScale;
    }
  }
  void marker(long x, long y, std::size_t shape) {
    const long r = 3;
    switch (shape % 5) {
      case 0:  // filled square
        for (long a = -r; a <= r; ++a)
          for (long b = -r; b <= r; ++b) set(x + b, y + a, 0.0f);
        break;
      case 1:  // open circle
        for (long a = -r - 1; a <= r + 1; ++a)
          for (long b = -r - 1; b <= r + 1; ++b) {
            const long d = a * a + b * b;
            if (d <= (r + 1) * (r + 1) && d >= (r - 1) * (r - 1)) set(x + b, y + a, 0.0f);
          }
        break;
      case 2:  // open diamond
        line(x - r - 1, y, x, y - r - 1, 0.0f);
        line(x, y - r - 1, x + r + 1, y, 0.0f);
        line(x + r + 1, y, x, y + r + 1, 0.0f);
        line(x, y + r + 1, x - r - 1, y, 0.0f);
        break;
      case 3:  // cross
        line(x - r, y - r, x + r, y + r, 0.0f);
        line(x - r, y + r, x + r, y - r, 0.0f);
        break;
      default:  // open triangle
        line(x - r - 1, y + r, x + r + 1, y + r, 0.0f);
        line(x - r - 1, y + r, x, y - r - 1, 0.0f);
        line(x + r + 1, y + r, x, y - r - 1, 0.0f);
        break;
    }
  }
};

// "Nice" tick values covering [lo, hi]: steps of 1, 2 or 5 × 10^k, about 5 ticks.
std::vector<double> ticks(double lo, double hi, double& step) {
  const double raw = (hi - lo) / 5.0;
  const double p = std::pow(10.0, std::floor(std::log10(raw)));
  step = p;
  for (const double m : {1.0, 2.0, 5.0, 10.0})
    if (m * p >= raw) { step = m * p; break; }
  std::vector<double> t;
  if (!(step > 0.0) || !std::isfinite(step) || (hi - lo) / step > 50.0) return t;  // degenerate range
  for (double v = std::ceil(lo / step) * step; v <= hi + 1e-9 * step; v += step)
    t.push_back(std::abs(v) < 1e-12 * step ? 0.0 : v);
  return t;
}

std::string tick_label(double v, double step) {
  const int decimals = std::max(0, static_cast<int>(-std::floor(std::log10(step) + 1e-9)));
  if (std::abs(v) >= 1e5 || (v != 0.0 && std::abs(v) < 1e-4)) return fmt::format("{:.1e}", v);
  return fmt::format("{:.{}f}", v, decimals);
}

}  // namespace

MatrixF render_plot(const Plot& plot) {
  if (plot.width < 160 || plot.height < 120) throw Error("render_plot: image too small");
  Canvas cv{MatrixF::Ones(plot.height, plot.width)};
  // Data ranges over everything drawn.
  double x0 = std::numeric_limits<double>::infinity(), x1 = -x0, y0 = x0, y1 = -x0;
  auto grow = [&](double x, double y) {
    if (!std::isfinite(x) || !std::isfinite(y)) return;
    x0 = std::min(x0, x); x1 = std::max(x1, x);
    y0 = std::min(y0, y); y1 = std::max(y1, y);
  };
  for (const auto& s : plot.series)
    for (std::size_t i = 0; i < s.x.size(); ++i) {
      const double e = i < s.err.size() && std::isfinite(s.err[i]) ? s.err[i] : 0.0;
      grow(s.x[i], s.y[i] - e);
      grow(s.x[i], s.y[i] + e);
    }
  for (const auto& c : plot.curves)
    for (std::size_t i = 0; i < c.x.size(); ++i) grow(c.x[i], c.y[i]);
  if (!(x1 >= x0)) { x0 = 0.0; x1 = 1.0; y0 = 0.0; y1 = 1.0; }
  // Degenerate ranges: widen by max(0.5, 1e-6·|value|) so the scale stays finite at any magnitude.
  if (x1 - x0 <= 1e-12 * std::max(1.0, std::abs(x0))) {
    const double w = std::max(0.5, 1e-6 * std::abs(x0));
    x0 -= w; x1 += w;
  }
  if (y1 - y0 <= 1e-12 * std::max(1.0, std::abs(y0))) {
    const double w = std::max(0.5, 1e-6 * std::abs(y0));
    y0 -= w; y1 += w;
  }
  const double padx = 0.04 * (x1 - x0), pady = 0.06 * (y1 - y0);
  x0 -= padx; x1 += padx; y0 -= pady; y1 += pady;

  const long left = 90, right = plot.width - 20;
  const long top = plot.title.empty() ? 20 : 40;
  const long bottom = plot.height - (plot.x_label.empty() ? 40 : 60);
  auto px = [&](double x) { return std::lround(left + (x - x0) / (x1 - x0) * static_cast<double>(right - left)); };
  auto py = [&](double y) { return std::lround(bottom - (y - y0) / (y1 - y0) * static_cast<double>(bottom - top)); };

  // Frame, ticks and labels.
  cv.line(left, top, right, top, 0.0f);
  cv.line(left, bottom, right, bottom, 0.0f);
  cv.line(left, top, left, bottom, 0.0f);
  cv.line(right, top, right, bottom, 0.0f);
  double step = 0.0;
  for (const double t : ticks(x0, x1, step)) {
    const long x = px(t);
    cv.line(x, bottom, x, bottom - 6, 0.0f);
    cv.line(x, top + 1, x, bottom - 1, 0.9f, 2);  // light dotted grid
    const std::string s = tick_label(t, step);
    cv.text(x - Canvas::text_width(s) / 2, bottom + 8, s);
  }
  for (const double t : ticks(y0, y1, step)) {
    const long y = py(t);
    cv.line(left, y, left + 6, y, 0.0f);
    cv.line(left + 1, y, right - 1, y, 0.9f, 2);
    const std::string s = tick_label(t, step);
    cv.text(left - 8 - Canvas::text_width(s), y - 5, s);
  }
  if (!plot.title.empty()) cv.text((left + right - Canvas::text_width(plot.title)) / 2, 14, plot.title);
  if (!plot.x_label.empty()) {
    cv.text((left + right - Canvas::text_width(plot.x_label)) / 2, bottom + 30, plot.x_label);
  }
  if (std::isfinite(plot.vertical_line) && plot.vertical_line > x0 && plot.vertical_line < x1)
    cv.line(px(plot.vertical_line), top + 1, px(plot.vertical_line), bottom - 1, 0.4f, 4);

  // Reference curves (mid-gray polylines).
  for (const auto& c : plot.curves)
    for (std::size_t i = 0; i + 1 < c.x.size(); ++i)
      if (std::isfinite(c.y[i]) && std::isfinite(c.y[i + 1]))
        cv.line(px(c.x[i]), py(c.y[i]), px(c.x[i + 1]), py(c.y[i + 1]), 0.5f);

  // Data: error bars with caps, then markers.
  for (std::size_t k = 0; k < plot.series.size(); ++k) {
    const auto& s = plot.series[k];
    for (std::size_t i = 0; i < s.x.size(); ++i) {
      if (!std::isfinite(s.x[i]) || !std::isfinite(s.y[i])) continue;
      const long x = px(s.x[i]), y = py(s.y[i]);
      if (i < s.err.size() && std::isfinite(s.err[i]) && s.err[i] > 0.0) {
        const long ya = py(s.y[i] - s.err[i]), yb = py(s.y[i] + s.err[i]);
        cv.line(x, ya, x, yb, 0.0f);
        cv.line(x - 3, ya, x + 3, ya, 0.0f);
        cv.line(x - 3, yb, x + 3, yb, 0.0f);
      }
      cv.marker(x, y, k);
    }
  }

  // Legend: one marker and label per named series, top right inside the frame, on white.
  std::size_t widest = 0;
  for (const auto& label : plot.series_labels) widest = std::max(widest, label.size());
  if (widest > 0) {
    const long w = 26 + Canvas::text_width(std::string(widest, ' ')), h = 16;
    const long lx = right - 8 - w, ly = top + 8;
    const auto n = static_cast<long>(std::min(plot.series_labels.size(), plot.series.size()));
    for (long yy = ly - 4; yy < ly + n * h; ++yy)
      for (long xx = lx - 4; xx < lx + w; ++xx)
        if (xx >= 0 && yy >= 0 && xx < cv.img.cols() && yy < cv.img.rows()) cv.img(yy, xx) = 1.0f;
    for (long k = 0; k < n; ++k) {
      cv.marker(lx + 6, ly + k * h + 5, static_cast<std::size_t>(k));
      cv.text(lx + 18, ly + k * h, plot.series_labels[static_cast<std::size_t>(k)]);
    }
  }
  return cv.img;
}

}  // namespace rgflow::io
