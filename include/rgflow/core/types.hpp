#pragma once
// Tensor aliases used across rgflow. Batches are row-major: one sample per row, so a mini-batch
// of B visible vectors is a B x n_visible matrix and the hidden field is V * W + 1 b^T.
#include <Eigen/Core>
#include <cstdint>

namespace rgflow {

using MatrixF = Eigen::Matrix<float, Eigen::Dynamic, Eigen::Dynamic, Eigen::RowMajor>;
using MatrixD = Eigen::Matrix<double, Eigen::Dynamic, Eigen::Dynamic, Eigen::RowMajor>;
using VectorF = Eigen::VectorXf;
using VectorD = Eigen::VectorXd;
using RowF = Eigen::Matrix<float, 1, Eigen::Dynamic>;

using Index = Eigen::Index;

}  // namespace rgflow
