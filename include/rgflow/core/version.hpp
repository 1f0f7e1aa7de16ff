#pragma once

namespace rgflow {

// The library version ("MAJOR.MINOR.PATCH"), also written into every output file.
const char* version();

}  // namespace rgflow
