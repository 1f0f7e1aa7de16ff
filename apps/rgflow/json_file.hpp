#pragma once
// Writing a JSON document atomically (temp file + rename, io/atomic_file.hpp): the output path
// holds either the complete document or nothing.
#include <fstream>
#include <nlohmann/json.hpp>
#include <string>

#include "rgflow/core/error.hpp"
#include "rgflow/io/atomic_file.hpp"

namespace rgflow::cli {

inline void write_json_file(const std::string& path, const nlohmann::json& j) {
  io::AtomicFile file(path);
  {
    std::ofstream out(file.temp_path(), std::ios::binary | std::ios::trunc);
    out << j.dump(1) << "\n";
    out.flush();
    if (!out) throw FileError(path, "cannot write");
  }
  file.commit();
}

// Reads and parses a JSON file; FileError when missing or malformed.
inline nlohmann::json read_json_file(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) throw FileError(path, "cannot open");
  try {
    return nlohmann::json::parse(in);
  } catch (const nlohmann::json::exception& e) {
    throw FileError(path, std::string("not valid JSON: ") + e.what());
  }
}

}  // namespace rgflow::cli
