#pragma once
// Where a command's default output directory goes, so that a default run never writes into
// rgflow's own source tree (issue #21): `name` in the current directory, unless the current
// directory is inside the source tree; then `name` next to the binary (the git-ignored build tree).
#include <filesystem>
#include <string>

namespace rgflow::run {

// `name` relative to `cwd`, or binary_dir/name (relative to cwd) when cwd lies inside
// source_dir. All paths are compared lexically after weakly_canonical; an empty source_dir
// means "unknown": then always `name`.
std::string default_output_dir(const std::string& name, const std::filesystem::path& source_dir,
                               const std::filesystem::path& cwd,
                               const std::filesystem::path& binary_dir);

}  // namespace rgflow::run
