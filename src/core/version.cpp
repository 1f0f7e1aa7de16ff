#include "rgflow/core/version.hpp"

namespace rgflow {

const char* version() { return RGFLOW_VERSION; }

}  // namespace rgflow
