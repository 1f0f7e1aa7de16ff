// Configure-time GEMM calibration (cmake/GemmCalibrate.cmake): times Eigen's GEMM and oneDNN's
// dnnl_sgemm on the products of one CD-1 update of a 784×500 RBM, batch 100 (hidden field, visible
// field, weight gradient) and batch 10, on one thread, alternating backends over 7 rounds. Prints
// one line per backend: "<name> <GFLOP/s>", the median over rounds of total flops / total time.
#include <Eigen/Core>
#include <oneapi/dnnl/dnnl.h>
#include <omp.h>

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <vector>

namespace {
using Matrix = Eigen::Matrix<float, Eigen::Dynamic, Eigen::Dynamic, Eigen::RowMajor>;
struct Shape {
  int m, k, n;
  bool trans_a, trans_b;
};
const Shape kShapes[] = {{100, 784, 500, false, false}, {100, 500, 784, false, true},
                         {784, 100, 500, true, false}, {10, 784, 500, false, false}};

double round_seconds(bool dnnl, const std::vector<Matrix>& as, const std::vector<Matrix>& bs,
                     std::vector<Matrix>& cs, int reps) {
  const auto t0 = std::chrono::steady_clock::now();
  for (int r = 0; r < reps; ++r) {
    for (std::size_t i = 0; i < std::size(kShapes); ++i) {
      const Shape& s = kShapes[i];
      if (dnnl) {
        dnnl_sgemm(s.trans_a ? 'T' : 'N', s.trans_b ? 'T' : 'N', s.m, s.n, s.k, 1.0f, as[i].data(),
                   as[i].cols(), bs[i].data(), bs[i].cols(), 0.0f, cs[i].data(), cs[i].cols());
      } else if (s.trans_a) {
        cs[i].noalias() = as[i].transpose() * bs[i];
      } else if (s.trans_b) {
        cs[i].noalias() = as[i] * bs[i].transpose();
      } else {
        cs[i].noalias() = as[i] * bs[i];
      }
    }
  }
  return std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
}
}  // namespace

int main() {
  omp_set_num_threads(1);
  Eigen::setNbThreads(1);
  std::vector<Matrix> as, bs, cs;
  double flops = 0;
  for (const Shape& s : kShapes) {
    as.push_back(s.trans_a ? Matrix(Matrix::Random(s.k, s.m)) : Matrix(Matrix::Random(s.m, s.k)));
    bs.push_back(s.trans_b ? Matrix(Matrix::Random(s.n, s.k)) : Matrix(Matrix::Random(s.k, s.n)));
    cs.emplace_back(s.m, s.n);
    flops += 2.0 * s.m * s.k * s.n;
  }
  const int reps = 12;  // ≈ 25 ms per round at 100 GFLOP/s
  std::vector<double> rate[2];
  round_seconds(false, as, bs, cs, 2);
  round_seconds(true, as, bs, cs, 2);  // JIT and warm-up
  for (int round = 0; round < 7; ++round) {
    for (int b = 0; b < 2; ++b) rate[b].push_back(flops * reps / round_seconds(b == 1, as, bs, cs, reps) / 1e9);
  }
  for (int b = 0; b < 2; ++b) {
    std::sort(rate[b].begin(), rate[b].end());
    std::printf("%s %.1f\n", b == 1 ? "dnnl" : "eigen", rate[b][rate[b].size() / 2]);
  }
  return 0;
}
