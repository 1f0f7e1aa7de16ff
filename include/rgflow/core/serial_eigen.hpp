#pragma once
// Eigen's own multi-threaded matrix products split the work (and choose their cache blocking) by
// the thread count, so their bits depend on it. rgflow's bit-identical computations split work in
// fixed ways of their own and need every Eigen product single-threaded: the CLI and the Python
// module set this once (Eigen::setNbThreads(1)); library entry points that promise thread-count
// independence also hold a SerialEigen for their duration, so direct library users (and tests)
// get the same bits. It restores the previous setting when it goes out of scope. Inside an active
// OpenMP parallel region it does nothing: Eigen already runs products single-threaded there, and
// its setting is process-wide, so only the thread outside any region may change it.
#include <omp.h>

#include <Eigen/Core>

namespace rgflow {

class SerialEigen {
 public:
  SerialEigen() : active_(omp_in_parallel() == 0), previous_(active_ ? Eigen::nbThreads() : 0) {
    if (active_) Eigen::setNbThreads(1);
  }
  ~SerialEigen() {
    if (active_) Eigen::setNbThreads(previous_);
  }
  SerialEigen(const SerialEigen&) = delete;
  SerialEigen& operator=(const SerialEigen&) = delete;

 private:
  bool active_;
  int previous_;
};

}  // namespace rgflow
