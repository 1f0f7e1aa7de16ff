#pragma once
// The message of the rgflow::Error a call throws (a test failure when it throws none): library
// errors must name the quantity, never a CLI flag ("--...").
#include <gtest/gtest.h>

#include <string>

#include "rgflow/core/error.hpp"

namespace rgflow::test {

template <class F>
std::string error_of(F&& f) {
  try {
    f();
  } catch (const Error& e) {
    return e.what();
  }
  ADD_FAILURE() << "no Error thrown";
  return {};
}

}  // namespace rgflow::test
