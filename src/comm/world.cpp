// world_communicator() (comm/world.hpp): MPI_COMM_WORLD under an MPI launcher in an MPI build, else
// one process; communicator_on_mpi_comm(): a duplicate of a communicator whose MPI the caller owns
// (the Python module's comm=, an mpi4py communicator). The only file of rgflow that calls MPI.
#include "rgflow/comm/world.hpp"

#include <fmt/format.h>

#include <cstdlib>
#include <stdexcept>

#include "rgflow/core/error.hpp"

#if RGFLOW_WITH_MPI
#define OMPI_SKIP_MPICXX 1  // the C API only (no deprecated C++ bindings to link)
#define MPICH_SKIP_MPICXX 1
#include <mpi.h>
#endif

namespace rgflow {

#if RGFLOW_WITH_MPI
namespace {

constexpr int kStopTag = 7301;  // announce_stop(): one byte to every other rank

void check_mpi(int rc, const char* what) {
  if (rc != MPI_SUCCESS) throw std::runtime_error(fmt::format("MPI: {} failed (code {})", what, rc));
}

// MPI_Allgatherv's counts and displacements for payloads of `bytes` per rank; their total.
std::int64_t layout(const std::vector<std::int64_t>& bytes, std::vector<int>& counts,
                    std::vector<int>& displs) {
  counts.assign(bytes.size(), 0);
  displs.assign(bytes.size(), 0);
  std::int64_t total = 0;
  for (std::size_t r = 0; r < bytes.size(); ++r) {
    displs[r] = static_cast<int>(total);
    counts[r] = static_cast<int>(bytes[r]);
    total += bytes[r];
    if (total > std::int64_t{1 << 30}) {
      throw std::runtime_error("MPI: a collective of more than 1 GiB (split it)");
    }
  }
  return total;
}

// The MPI backend over one MPI communicator. World(): initialises MPI and spans MPI_COMM_WORLD,
// finalising MPI when destroyed (the CLI's job). Borrowed(comm): a duplicate of a communicator
// that the caller's MPI owns (mpi4py's, say); only the duplicate is freed when destroyed.
class MpiCommunicator final : public Communicator {
 public:
  struct World {};
  explicit MpiCommunicator(World) : owns_mpi_(true) {
    int provided = 0;
    check_mpi(MPI_Init_thread(nullptr, nullptr, MPI_THREAD_FUNNELED, &provided), "MPI_Init_thread");
    if (provided < MPI_THREAD_FUNNELED) {
      MPI_Finalize();
      throw std::runtime_error("MPI: the library does not support MPI_THREAD_FUNNELED");
    }
    comm_ = MPI_COMM_WORLD;
    set_up();
  }
  explicit MpiCommunicator(MPI_Comm borrowed) {
    int initialised = 0, finalised = 0;
    MPI_Initialized(&initialised);
    MPI_Finalized(&finalised);
    if (!initialised || finalised) {
      throw Error(fmt::format("MPI is {} (a communicator is usable between MPI_Init and MPI_Finalize)",
                              finalised ? "already finalised" : "not initialised"));
    }
    if (borrowed == MPI_COMM_NULL) throw Error("the MPI communicator is MPI_COMM_NULL");
    int inter = 0;
    check_mpi(MPI_Comm_test_inter(borrowed, &inter), "MPI_Comm_test_inter");
    if (inter) throw Error("an MPI intercommunicator cannot split a computation (give an intracommunicator)");
    // rgflow's collectives and stop messages then never match the caller's own on that communicator.
    check_mpi(MPI_Comm_dup(borrowed, &comm_), "MPI_Comm_dup");
    owns_comm_ = true;
    set_up();
  }
  ~MpiCommunicator() override {
    int finalised = 0;
    MPI_Finalized(&finalised);
    if (owns_comm_ && !finalised) MPI_Comm_free(&comm_);
    if (owns_mpi_) MPI_Finalize();
  }
  MpiCommunicator(const MpiCommunicator&) = delete;
  MpiCommunicator& operator=(const MpiCommunicator&) = delete;

  int rank() const override { return rank_; }
  int size() const override { return size_; }

 protected:
  std::vector<Header> exchange_headers(const Header& mine) const override {
    std::vector<Header> all(static_cast<std::size_t>(size_));
    check_mpi(MPI_Allgather(&mine, sizeof(Header), MPI_BYTE, all.data(), sizeof(Header), MPI_BYTE,
                            comm_),
              "MPI_Allgather");
    return all;
  }

  std::vector<std::vector<std::byte>> exchange_payloads(
      std::span<const std::byte> mine, const std::vector<std::int64_t>& bytes) const override {
    std::vector<int> counts, displs;
    const std::int64_t total = layout(bytes, counts, displs);
    std::vector<std::byte> buffer(static_cast<std::size_t>(total));
    check_mpi(MPI_Allgatherv(mine.data(), static_cast<int>(mine.size()), MPI_BYTE, buffer.data(),
                             counts.data(), displs.data(), MPI_BYTE, comm_),
              "MPI_Allgatherv");
    std::vector<std::vector<std::byte>> out(bytes.size());
    for (std::size_t r = 0; r < bytes.size(); ++r) {
      out[r].assign(buffer.begin() + displs[r], buffer.begin() + displs[r] + counts[r]);
    }
    return out;
  }

  void exchange_payloads_into(std::span<const std::byte> mine, std::span<std::byte> all,
                              const std::vector<std::int64_t>& bytes) const override {
    std::vector<int> counts, displs;
    layout(bytes, counts, displs);
    std::byte* place = all.data() + displs[static_cast<std::size_t>(rank_)];
    // In place when this rank's bytes are already where they belong: nothing copied for them.
    const void* send = mine.data() == place ? MPI_IN_PLACE : static_cast<const void*>(mine.data());
    check_mpi(MPI_Allgatherv(send, static_cast<int>(mine.size()), MPI_BYTE, all.data(), counts.data(),
                             displs.data(), MPI_BYTE, comm_),
              "MPI_Allgatherv");
  }

  void post_stop() const override {
    for (int r = 0; r < size_; ++r) {
      if (r == rank_) continue;
      MPI_Request request;
      check_mpi(MPI_Isend(&stop_byte_, 1, MPI_BYTE, r, kStopTag, comm_, &request), "MPI_Isend");
      sends_.push_back(request);
    }
  }

  bool poll_stop() const override {
    for (;;) {
      int flag = 0;
      MPI_Status status;
      check_mpi(MPI_Iprobe(MPI_ANY_SOURCE, kStopTag, comm_, &flag, &status), "MPI_Iprobe");
      if (!flag) break;
      receive_stop_from(status.MPI_SOURCE);
    }
    return seen_;
  }

  void settle_stops(const std::vector<int>& announced) const override {
    for (const int r : announced) {
      if (r != rank_ && !received_[static_cast<std::size_t>(r)]) receive_stop_from(r);
    }
    if (!sends_.empty()) {
      check_mpi(MPI_Waitall(static_cast<int>(sends_.size()), sends_.data(), MPI_STATUSES_IGNORE),
                "MPI_Waitall");
      sends_.clear();
    }
  }

 private:
  void set_up() {
    check_mpi(MPI_Comm_rank(comm_, &rank_), "MPI_Comm_rank");
    check_mpi(MPI_Comm_size(comm_, &size_), "MPI_Comm_size");
    received_.assign(static_cast<std::size_t>(size_), 0);
  }

  void receive_stop_from(int source) const {
    unsigned char b = 0;
    check_mpi(MPI_Recv(&b, 1, MPI_BYTE, source, kStopTag, comm_, MPI_STATUS_IGNORE), "MPI_Recv");
    received_[static_cast<std::size_t>(source)] = 1;
    seen_ = true;
  }

  MPI_Comm comm_ = MPI_COMM_NULL;
  bool owns_mpi_ = false;   // MPI_Finalize when destroyed
  bool owns_comm_ = false;  // MPI_Comm_free(comm_) when destroyed
  int rank_ = 0;
  int size_ = 1;
  const unsigned char stop_byte_ = 1;
  mutable std::vector<MPI_Request> sends_;
  mutable std::vector<char> received_;
  mutable bool seen_ = false;
};

bool launched_by_mpi() {
  for (const char* name : {"OMPI_COMM_WORLD_SIZE", "PMIX_RANK", "PMI_RANK", "PMI_SIZE"}) {
    if (std::getenv(name) != nullptr) return true;
  }
  return false;
}

}  // namespace

std::unique_ptr<Communicator> world_communicator() {
  if (!launched_by_mpi()) return std::make_unique<SerialCommunicator>();
  return std::make_unique<MpiCommunicator>(MpiCommunicator::World{});
}

std::unique_ptr<Communicator> communicator_on_mpi_comm(const void* mpi_comm) {
  if (mpi_comm == nullptr) throw Error("no MPI communicator given");
  return std::make_unique<MpiCommunicator>(*static_cast<const MPI_Comm*>(mpi_comm));
}

bool built_with_mpi() { return true; }

std::string mpi_build_description() {
  char text[MPI_MAX_LIBRARY_VERSION_STRING] = {};
  int length = 0;
  if (MPI_Get_library_version(text, &length) != MPI_SUCCESS) return "yes";
  std::string version(text, static_cast<std::size_t>(length));
  const auto cut = version.find_first_of(",\n");
  if (cut != std::string::npos) version.resize(cut);
  return fmt::format("yes ({}; distributed under mpirun / srun, docs/scaling.md)", version);
}

#else

// Without MPI, N copies started by a launcher would each run the whole job and print it N times.
std::unique_ptr<Communicator> world_communicator() {
  for (const char* name : {"OMPI_COMM_WORLD_SIZE", "PMI_SIZE"}) {
    const char* value = std::getenv(name);
    if (value != nullptr && std::atoi(value) > 1) {
      throw Error(fmt::format("started as one of {} processes ({}), but this rgflow was built without "
                              "MPI (RGFLOW_WITH_MPI OFF; docs/scaling.md): run it as one process",
                              value, name));
    }
  }
  return std::make_unique<SerialCommunicator>();
}

std::unique_ptr<Communicator> communicator_on_mpi_comm(const void*) {
  throw Error("this rgflow was built without MPI (RGFLOW_WITH_MPI OFF or MPI not found; docs/scaling.md): "
              "it cannot use an MPI communicator");
}

bool built_with_mpi() { return false; }

std::string mpi_build_description() { return "no (built without MPI: RGFLOW_WITH_MPI OFF or MPI not found)"; }

#endif

}  // namespace rgflow
