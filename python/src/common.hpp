#pragma once
// Helpers shared by the binding sources: NumPy <-> Eigen without needless copies, JSON through
// Python's json module, releasing the GIL with periodic Ctrl-C checks (SignalCheck for progress
// hooks, python_stop_poll() for the library's StopPoll), and error translation.
//
// Copies: results computed in C++ (MatrixF, VectorD, std::vector) are moved into a heap object
// that a capsule owns, and handed to NumPy without copying. Model parameters are exposed as views
// of the C++ storage. Inputs are copied once into the MatrixF that the core API takes by
// const reference (a memcpy when the array is already float32 C-contiguous).
#include <pybind11/numpy.h>
#include <pybind11/pybind11.h>
#include <pybind11/stl.h>

#include <chrono>
#include <cstdint>
#include <cstring>
#include <nlohmann/json.hpp>
#include <string>
#include <string_view>
#include <type_traits>
#include <utility>
#include <vector>

#include "rgflow/comm/communicator.hpp"
#include "rgflow/core/cancel.hpp"
#include "rgflow/core/types.hpp"
#include "rgflow/rbm/rbm.hpp"
#include "rgflow/stats/result.hpp"

namespace rgflow::python {

namespace py = pybind11;

using FloatArray = py::array_t<float, py::array::c_style | py::array::forcecast>;
using DoubleArray = py::array_t<double, py::array::c_style | py::array::forcecast>;

// A 2-D array (or 1-D, taken as one row) as a MatrixF; `what` names it in errors.
inline MatrixF to_matrix(const FloatArray& a, const char* what) {
  if (a.ndim() != 2 && a.ndim() != 1) {
    throw py::value_error(std::string(what) + ": expected a 2-D array, got " +
                          std::to_string(a.ndim()) + "-D");
  }
  const Index rows = a.ndim() == 2 ? a.shape(0) : 1;
  const Index cols = a.ndim() == 2 ? a.shape(1) : a.shape(0);
  MatrixF m(rows, cols);
  if (m.size() > 0) std::memcpy(m.data(), a.data(), sizeof(float) * static_cast<std::size_t>(m.size()));
  return m;
}

inline VectorF to_vector_f(const FloatArray& a, const char* what) {
  if (a.ndim() != 1) throw py::value_error(std::string(what) + ": expected a 1-D array");
  VectorF v(a.shape(0));
  if (v.size() > 0) std::memcpy(v.data(), a.data(), sizeof(float) * static_cast<std::size_t>(v.size()));
  return v;
}

// Moves a C++ container into a NumPy array that owns it (no copy of the elements).
template <class T, class Container>
py::array_t<T> owning_array(Container&& c, std::vector<py::ssize_t> shape) {
  auto* heap = new Container(std::move(c));
  py::capsule owner(heap, [](void* p) { delete static_cast<Container*>(p); });
  std::vector<py::ssize_t> strides(shape.size());
  py::ssize_t stride = sizeof(T);
  for (std::size_t k = shape.size(); k-- > 0;) {
    strides[k] = stride;
    stride *= shape[k];
  }
  return py::array_t<T>(shape, strides, heap->data(), owner);
}

inline py::array_t<float> from_matrix(MatrixF&& m) {
  const auto rows = static_cast<py::ssize_t>(m.rows());
  const auto cols = static_cast<py::ssize_t>(m.cols());
  return owning_array<float>(std::move(m), {rows, cols});
}
inline py::array_t<double> from_matrix(MatrixD&& m) {
  const auto rows = static_cast<py::ssize_t>(m.rows());
  const auto cols = static_cast<py::ssize_t>(m.cols());
  return owning_array<double>(std::move(m), {rows, cols});
}
inline py::array_t<double> from_vector(VectorD&& v) {
  const auto n = static_cast<py::ssize_t>(v.size());
  return owning_array<double>(std::move(v), {n});
}
inline py::array_t<float> from_vector(VectorF&& v) {
  const auto n = static_cast<py::ssize_t>(v.size());
  return owning_array<float>(std::move(v), {n});
}
template <class T>
py::array_t<T> from_std_vector(std::vector<T>&& v, std::vector<py::ssize_t> shape) {
  return owning_array<T>(std::move(v), std::move(shape));
}

// JSON between Python objects and nlohmann::json (through the json module: exact for ints and
// for doubles, which both sides print as the shortest round-tripping decimal).
inline nlohmann::json to_json(const py::handle& obj) {
  const std::string text = py::module_::import("json").attr("dumps")(obj).cast<std::string>();
  return nlohmann::json::parse(text);
}
inline py::object from_json(const nlohmann::json& j) {
  return py::module_::import("json").attr("loads")(j.dump());
}

// Thrown (with the GIL released) when Ctrl-C arrived; Python's error indicator is already set.
struct Interrupted {};

// Called now and then from the thread that released the GIL: at most every 50 ms it takes the GIL
// and runs Python's signal handlers (PyErr_CheckSignals). A KeyboardInterrupt (or any exception
// raised by a handler) stops the computation by throwing Interrupted.
class SignalCheck {
 public:
  void operator()() {
    const auto now = std::chrono::steady_clock::now();
    if (now - last_ < std::chrono::milliseconds(50)) return;
    last_ = now;
    bool stop = false;
    {
      py::gil_scoped_acquire gil;
      stop = PyErr_CheckSignals() != 0;
    }
    if (stop) throw Interrupted{};
  }

 private:
  std::chrono::steady_clock::time_point last_ = std::chrono::steady_clock::now();
};

// The StopPoll (core/cancel.hpp) for library computations run by without_gil(). The library
// calls it only on the thread that released the GIL (never on an OpenMP worker) and at most every
// 50 ms: it takes the GIL and runs Python's signal handlers. When a handler raised
// (KeyboardInterrupt) it answers true and leaves that exception pending; the computation then
// stops and throws rgflow::Cancelled, which without_gil() turns back into the Python exception.
inline StopPoll python_stop_poll() {
  return [] {
    py::gil_scoped_acquire gil;
    return PyErr_CheckSignals() != 0;
  };
}

// Runs f() with the GIL released; an Interrupted or a Cancelled from inside becomes the pending
// Python exception (KeyboardInterrupt if none is pending).
template <class F>
decltype(auto) without_gil(F&& f) {
  try {
    py::gil_scoped_release release;
    return std::forward<F>(f)();
  } catch (const Interrupted&) {
    throw py::error_already_set();
  } catch (const Cancelled&) {
    if (PyErr_Occurred() == nullptr) PyErr_SetNone(PyExc_KeyboardInterrupt);
    throw py::error_already_set();
  }
}

// comm= of the distributed estimators (bind_comm.cpp; rgflow/distributed.py): the
// _core.Communicator passed, nullptr for None; TypeError otherwise.
const Communicator* communicator_arg(const py::object& comm);

// A digest of a call's inputs (std::hash of their bytes, combined in order), for agree_on_inputs:
// the same on every rank exactly when each rank passed the same values (all ranks run the same
// build, so std::hash agrees between them).
class InputDigest {
 public:
  void add_bytes(const void* data, std::size_t bytes);
  template <class T>
    requires std::is_arithmetic_v<T>
  void add(T x) { add_bytes(&x, sizeof x); }
  void add(std::string_view s) { add(s.size()); add_bytes(s.data(), s.size()); }
  template <class T>
  void add(const std::vector<T>& v) { add(v.size()); add_bytes(v.data(), v.size() * sizeof(T)); }
  template <class Derived>
  void add(const Eigen::PlainObjectBase<Derived>& a) {
    add(a.rows());
    add(a.cols());
    add_bytes(a.data(), static_cast<std::size_t>(a.size()) * sizeof(typename Derived::Scalar));
  }
  void add(const Rbm& rbm);  // unit types, shape, parameters (the mask is in the weights)
  std::uint64_t value() const { return value_; }

 private:
  std::uint64_t value_ = 0x6a09e667f3bcc908ULL;
};

// With a communicator of more than one rank: every rank's digest (collective); Error naming `what`
// on every rank when they differ (a call with different inputs per rank would not be the serial
// call, or would fail inside a collective).
void agree_on_inputs(const Communicator* comm, const InputDigest& digest, const char* what);

// without_gil() for a call distributed over `comm` (may be null): a stop that came from another
// rank (Cancelled with no Python exception pending on this one) becomes PeerFailure, so that
// rgflow.collective() follows the rank that stopped instead of reporting an interrupt of its own.
template <class F>
decltype(auto) without_gil_on(const Communicator* comm, F&& f) {
  return without_gil([&]() -> decltype(auto) {
    try {
      return std::forward<F>(f)();
    } catch (const Cancelled&) {
      if (comm != nullptr && comm->size() > 1) {
        bool here = false;
        {
          py::gil_scoped_acquire gil;
          here = PyErr_Occurred() != nullptr;
        }
        if (!here) throw PeerFailure("another rank stopped the computation");
      }
      throw;
    }
  });
}

void bind_comm(py::module_& m);  // bind_comm.cpp: _core.Communicator, PeerFailure
void bind_core(py::module_& m);
void bind_rbm(py::module_& m);
void bind_train(py::module_& m);
void bind_estimate(py::module_& m);
void bind_io(py::module_& m);
void bind_ising(py::module_& m);
void bind_rsmi(py::module_& m);  // bind_rsmi.cpp
void bind_soc(py::module_& m);  // bind_soc.cpp: sandpile and LPPL
void bind_hopfield(py::module_& m);     // bind_hopfield.cpp
void bind_nmf(py::module_& m);          // bind_nmf.cpp
void bind_manifold(py::module_& m);     // bind_manifold.cpp
void bind_autoencoder(py::module_& m);  // bind_autoencoder.cpp
void bind_rg(py::module_& m);           // bind_rg.cpp: effective couplings
void bind_conv(py::module_& m);         // bind_conv.cpp: convolutional lattice RBMs

}  // namespace rgflow::python
