#pragma once
// rgflow under mpirun / srun (docs/scaling.md). main() opens the job's communicator
// (comm/world.hpp) before parsing; commands that run distributed (rbm logz, rbm loglik: AIS chains
// and exact-enumeration chunks over ranks) take it from world(); every other command refuses to
// start on more than one rank. Only rank 0 prints and writes files; every rank computes the same
// result. The job ends in end_job(): one message (rank 0 prints it) and one exit status on every
// rank, whichever rank failed or was interrupted.
#include <memory>
#include <string>

#include "rgflow/comm/communicator.hpp"

namespace rgflow::cli {

// Opens the communicator for this process (MPI when launched by an MPI launcher in an MPI build).
void open_world();
const Communicator& world();
inline bool is_rank0() { return world().rank() == 0; }

// Error (exit 2) when the command named by argv cannot run on more than one rank; no-op on one.
void check_distributable(int argc, char** argv);

// The collective end of the job: tells the other ranks when this one stops (status != 0), agrees
// on the outcome, prints its message on rank 0 (stderr, one line) and returns the exit status.
// `message` is this rank's line ("" when the command printed its own explanation); `follower`:
// this rank only stopped because another failed (PeerFailure).
int end_job(int status, const std::string& message, bool follower);

// Closes the communicator (MPI_Finalize). After end_job.
void close_world();

}  // namespace rgflow::cli
