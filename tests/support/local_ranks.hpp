#pragma once
// In-process ranks for the tests of distributed code (comm/local.hpp): run_ranks under a deadlock
// guard, and the end of a job as rgflow's main() does it on each rank (header only).
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <functional>
#include <future>
#include <memory>
#include <string>

#include "rgflow/comm/local.hpp"
#include "rgflow/core/cancel.hpp"
#include "rgflow/core/error.hpp"

namespace rgflow::test {

// run_ranks with a deadlock guard: a hang fails the test (and aborts, since hung threads cannot be
// joined) instead of blocking ctest.
inline void run_guarded(int size, const std::function<void(const Communicator&)>& body) {
  auto group = std::make_shared<LocalGroup>(size);
  auto done = std::async(std::launch::async, [group, body] { run_ranks(*group, body); });
  if (done.wait_for(std::chrono::seconds(60)) != std::future_status::ready) {
    std::fprintf(stderr, "deadlock: %d ranks did not finish within 60 s\n", size);
    std::abort();
  }
  done.get();
}

// What a job's main() does on one rank (apps/rgflow/distributed.cpp end_job): run, turn an
// exception into (status, message), tell the others when stopping, then agree on the outcome.
inline JobOutcome end_of_job(const Communicator& comm, const std::function<void()>& body) {
  int status = 0;
  std::string message;
  bool follower = false;
  try {
    body();
  } catch (const PeerFailure&) {
    status = 2;
    follower = true;
  } catch (const Cancelled&) {
    status = 130;
    message = "interrupted";
  } catch (const Error& e) {
    status = 2;
    message = e.what();
  }
  if (status != 0) comm.announce_stop();
  return comm.finish(status, message, follower);
}

}  // namespace rgflow::test
