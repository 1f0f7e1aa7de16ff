#pragma once
// The text of `rgflow --version`: the version, then the build's options and the threads this run
// would use (issue #21: "--version prints build options (MPI, Python, threads)").
#include <string>

namespace rgflow::cli {

std::string version_text();

}  // namespace rgflow::cli
