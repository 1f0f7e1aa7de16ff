#include "rgflow/run/default_dir.hpp"

#include <system_error>

namespace rgflow::run {

std::string default_output_dir(const std::string& name, const std::filesystem::path& source_dir,
                               const std::filesystem::path& cwd,
                               const std::filesystem::path& binary_dir) {
  namespace fs = std::filesystem;
  if (source_dir.empty() || binary_dir.empty()) return name;
  std::error_code ec;
  const fs::path source = fs::weakly_canonical(source_dir, ec);
  if (ec) return name;
  const fs::path here = fs::weakly_canonical(cwd, ec);
  if (ec) return name;
  const fs::path rel = here.lexically_relative(source);
  const bool inside = !rel.empty() && *rel.begin() != "..";
  if (!inside) return name;
  const fs::path bin = fs::weakly_canonical(binary_dir, ec);
  if (ec) return name;
  return (bin / name).lexically_relative(here).string();
}

}  // namespace rgflow::run
