#pragma once
// The communicator of this process's job. When rgflow was built with MPI (CMake found it:
// RGFLOW_WITH_MPI) and the process was started by an MPI launcher (mpirun / mpiexec / srun, which
// set OMPI_COMM_WORLD_SIZE, PMIX_RANK or PMI_RANK), MPI is initialised (MPI_THREAD_FUNNELED: only
// the main thread communicates; OpenMP threads never do) and the communicator spans
// MPI_COMM_WORLD; MPI is finalised when it is destroyed. Otherwise — a plain `rgflow ...`, or a
// build without MPI — it is a SerialCommunicator and MPI is never touched.
#include <memory>
#include <string>

#include "rgflow/comm/communicator.hpp"

namespace rgflow {

std::unique_ptr<Communicator> world_communicator();

// A communicator over an MPI communicator that the caller's MPI owns (mpi4py's in the Python
// module, python/src/bind_comm.cpp): MPI is neither initialised nor finalised here. `mpi_comm`
// points at an MPI_Comm (void keeps mpi.h out of this header); it must be an intracommunicator,
// with MPI initialised and not finalised. Collective over it: the handle is duplicated
// (MPI_Comm_dup), so rgflow's collectives and stop messages never match the caller's own; the
// duplicate is freed with the returned object. Throws Error in a build without MPI
// (built_with_mpi() false) and for the cases above.
std::unique_ptr<Communicator> communicator_on_mpi_comm(const void* mpi_comm);

// Whether this rgflow was built with MPI (RGFLOW_WITH_MPI).
bool built_with_mpi();

// "no" without MPI; otherwise "yes (<library version>)", e.g. "yes (Open MPI v4.1.4)".
std::string mpi_build_description();

}  // namespace rgflow
