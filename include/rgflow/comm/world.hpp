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

// "no" without MPI; otherwise "yes (<library version>)", e.g. "yes (Open MPI v4.1.4)".
std::string mpi_build_description();

}  // namespace rgflow
