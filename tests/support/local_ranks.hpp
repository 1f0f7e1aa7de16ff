#pragma once
// Helpers for tests on in-process ranks (comm/local.hpp): a deadlock-guarded run_ranks, and what a
// job's main() does on one rank (apps/rgflow/distributed.cpp, end_job). Header only.
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

// run_ranks on a fresh group of `size` ranks with a deadlock guard: a run that has not finished
// after 60 s aborts the test binary (hung threads cannot be joined) instead of hanging ctest.
inline void run_guarded(int size, const std::function<void(const Communicator&)>& body) {
  auto group = std::make_shared<LocalGroup>(size);
  auto done = std::async(std::launch::async, [group, body] { run_ranks(*group, body); });
  if (done.wait_for(std::chrono::seconds(60)) != std::future_status::ready) {
    std::fprintf(stderr, "deadlock: %d ranks did not finish within 60 s\n", size);
    std::abort();
  }
  done.get();
}

// What a job's main() does on one rank: run, turn an exception into (status, message), tell the
// others when stopping, then agree on the outcome.
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
