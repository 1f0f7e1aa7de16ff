// comm=: the distributed estimators on the ranks of an mpi4py communicator (docs/python.md,
// "Under mpirun"). _core.Communicator(comm) wraps an mpi4py.MPI.Comm as an rgflow Communicator
// (comm/world.hpp communicator_on_mpi_comm: a duplicate of it; mpi4py keeps owning MPI, which is
// never initialised or finalised here). The handle comes from mpi4py's C API (PyMPIComm_Get in
// mpi4py/mpi4py.h, Debian python3-mpi4py), compiled in only when the module is built with MPI and
// those headers (RGFLOW_PYTHON_MPI4PY, python/CMakeLists.txt); mpi4py is imported only when a
// communicator is made, so the module imports and runs without it. The agreement that ends a
// distributed call on every rank (finish, announce_stop) is driven from Python:
// rgflow/distributed.py.
#include <fmt/format.h>

#include <cstring>
#include <functional>
#include <memory>
#include <span>
#include <string_view>

#include "common.hpp"
#include "rgflow/comm/communicator.hpp"
#include "rgflow/comm/world.hpp"
#include "rgflow/core/error.hpp"

#if RGFLOW_PYTHON_MPI4PY
#define OMPI_SKIP_MPICXX 1  // the C API only
#define MPICH_SKIP_MPICXX 1
#include <mpi.h>
#include <mpi4py/mpi4py.h>
#endif

namespace rgflow::python {

namespace {

// Why comm= cannot work in this build ("" when it can).
std::string comm_unsupported_reason() {
  if (!built_with_mpi()) {
    return "this rgflow was built without MPI (RGFLOW_WITH_MPI OFF or MPI not found; docs/scaling.md)";
  }
#if RGFLOW_PYTHON_MPI4PY
  return "";
#else
  return "this rgflow module was built without mpi4py's C headers (install python3-mpi4py, "
         "reconfigure and rebuild; docs/python.md)";
#endif
}

std::unique_ptr<Communicator> from_mpi4py(const py::object& comm) {
  const std::string reason = comm_unsupported_reason();
  if (!reason.empty()) throw Error("comm=: " + reason + "; leave comm=None for one process");
#if RGFLOW_PYTHON_MPI4PY
  if (import_mpi4py() < 0) {  // imports mpi4py.MPI (initialising MPI if nothing did yet)
    if (!PyErr_ExceptionMatches(PyExc_ImportError)) throw py::error_already_set();
    PyErr_Clear();
    throw py::import_error("comm=: takes an mpi4py communicator, but mpi4py is not installed "
                           "(Debian: python3-mpi4py)");
  }
  if (!PyObject_TypeCheck(comm.ptr(), &PyMPIComm_Type)) {
    throw py::type_error("comm=: expected an mpi4py.MPI.Comm (e.g. MPI.COMM_WORLD) or None, got " +
                         py::repr(py::type::of(comm)).cast<std::string>());
  }
  MPI_Comm* handle = PyMPIComm_Get(comm.ptr());
  if (handle == nullptr) throw py::error_already_set();
  py::gil_scoped_release release;  // MPI_Comm_dup is collective: other threads may run meanwhile
  return communicator_on_mpi_comm(handle);
#else
  (void)comm;
  return nullptr;
#endif
}

}  // namespace

const Communicator* communicator_arg(const py::object& comm) {
  if (comm.is_none()) return nullptr;
  if (!py::isinstance<Communicator>(comm)) {
    throw py::type_error(
        "comm=: expected an rgflow._core.Communicator or None (estimators and rgflow.collective() "
        "take an mpi4py communicator and make one)");
  }
  return comm.cast<const Communicator*>();
}

void InputDigest::add_bytes(const void* data, std::size_t bytes) {
  const std::size_t h = std::hash<std::string_view>{}(
      std::string_view(static_cast<const char*>(data), bytes));
  // boost::hash_combine's mixing: the order of the parts matters.
  value_ ^= static_cast<std::uint64_t>(h) + 0x9e3779b97f4a7c15ULL + (value_ << 6) + (value_ >> 2);
}

void InputDigest::add(const Rbm& rbm) {
  add(static_cast<int>(rbm.visible_type()));
  add(static_cast<int>(rbm.hidden_type()));
  add(rbm.n_visible());
  add(rbm.n_hidden());
  add(rbm.weights());
  add(rbm.visible_bias());
  add(rbm.hidden_bias());
  add(rbm.visible_sigma());
  add(rbm.hidden_sigma());
}

void agree_on_inputs(const Communicator* comm, const InputDigest& digest, const char* what) {
  if (comm == nullptr || comm->size() == 1) return;
  const std::uint64_t mine = digest.value();
  const auto all = comm->allgather(std::as_bytes(std::span<const std::uint64_t>(&mine, 1)));
  // Every rank sees the same digests, so every rank names the same rank.
  std::vector<std::uint64_t> digests(all.size(), 0);
  for (std::size_t r = 0; r < all.size(); ++r) {
    if (all[r].size() == sizeof(std::uint64_t)) std::memcpy(&digests[r], all[r].data(), sizeof(std::uint64_t));
  }
  for (std::size_t r = 1; r < digests.size(); ++r) {
    if (digests[r] != digests[0]) {
      throw Error(fmt::format(
          "{}: rank {} was given a different model, data or options than rank 0 (comm=: every "
          "rank must make the same call; only threads may differ)",
          what, r));
    }
  }
}

void bind_comm(py::module_& m) {
  static py::exception<PeerFailure> peer_failure(m, "PeerFailure", PyExc_RuntimeError);
  py::register_exception_translator([](std::exception_ptr p) {
    try {
      if (p) std::rethrow_exception(p);
    } catch (const PeerFailure& e) {
      peer_failure(e.what());
    }
  });

  m.def("comm_support", [] {
    const std::string reason = comm_unsupported_reason();
    return py::make_tuple(reason.empty(), reason);
  }, "(whether comm= can take an mpi4py communicator, why not)");

  py::class_<Communicator>(m, "Communicator",
                           "rgflow's communicator over a duplicate of an mpi4py communicator (one "
                           "distributed call; rgflow.collective() makes and finishes it)")
      .def(py::init(&from_mpi4py), py::arg("comm"))
      .def_property_readonly("rank", &Communicator::rank)
      .def_property_readonly("size", &Communicator::size)
      .def("announce_stop", &Communicator::announce_stop,
           "tell the other ranks that this one is stopping (non-collective)")
      .def("finish",
           [](const Communicator& c, int status, const std::string& message, bool follower) {
             const JobOutcome out = [&] {
               py::gil_scoped_release release;
               return c.finish(status, message, follower);
             }();
             return py::make_tuple(out.status, out.deciding_rank, out.message);
           },
           py::arg("status"), py::arg("message"), py::arg("follower") = false,
           "the collective end of this rank's part (status 0, 130 interrupted, other failed): "
           "(status, deciding rank, message), the same on every rank");
}

}  // namespace rgflow::python
