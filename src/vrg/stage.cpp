#include "rgflow/vrg/stage.hpp"

#include <fmt/format.h>

#include <chrono>
#include <ctime>
#include <filesystem>
#include <fstream>
#include <sstream>

#include "rgflow/core/error.hpp"
#include "rgflow/core/gemm.hpp"
#include "rgflow/core/version.hpp"
#include "rgflow/io/atomic_file.hpp"

namespace rgflow::vrg {

void write_text_atomic(const std::string& path, const std::string& text) {
  io::AtomicFile file(path);
  {
    std::ofstream out(file.temp_path(), std::ios::binary | std::ios::trunc);
    out << text;
    out.flush();
    if (!out) throw FileError(path, "cannot write");
  }
  file.commit();
}

std::string read_text(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) throw FileError(path, "cannot open");
  std::stringstream s;
  s << in.rdbuf();
  return s.str();
}

StageStore::StageStore(std::string outdir, bool force) : outdir_(std::move(outdir)), force_(force) {
  std::error_code ec;
  std::filesystem::create_directories(std::filesystem::path(outdir_) / "stages", ec);
  if (ec) throw FileError(outdir_, fmt::format("cannot create output directory: {}", ec.message()));
}

std::string StageStore::path(const std::string& relative) const {
  return (std::filesystem::path(outdir_) / relative).string();
}

std::string StageStore::record_file(const std::string& name) {
  std::string file = name;
  for (char& c : file) {
    if (c == '/') c = '-';
  }
  return "stages/" + file + ".json";
}

std::optional<nlohmann::json> StageStore::record(const std::string& name) const {
  const std::string p = record_path(name);
  if (!std::filesystem::exists(p)) return std::nullopt;
  try {
    return nlohmann::json::parse(read_text(p));
  } catch (const std::exception&) {
    return std::nullopt;  // a damaged record only means the stage is redone
  }
}

bool StageStore::fresh(const std::string& name, const nlohmann::json& params) const {
  if (force_) return false;
  const auto rec = record(name);
  if (!rec || !rec->contains("params") || (*rec)["params"] != params) return false;
  // A stage computed with another GEMM backend has other bits: redo it rather than mix them.
  if (!rec->contains("gemm") || (*rec)["gemm"] != std::string(gemm::name(gemm::active()))) return false;
  if (!rec->contains("outputs") || !(*rec)["outputs"].is_array()) return false;
  for (const auto& out : (*rec)["outputs"]) {
    if (!out.is_string() || !std::filesystem::exists(path(out.get<std::string>()))) return false;
  }
  return true;
}

void StageStore::finish(const std::string& name, const nlohmann::json& params,
                        const std::vector<std::string>& outputs, double seconds,
                        const nlohmann::json& results, const nlohmann::json& placement) const {
  const std::time_t now = std::chrono::system_clock::to_time_t(std::chrono::system_clock::now());
  char stamp[32];
  std::strftime(stamp, sizeof stamp, "%Y-%m-%dT%H:%M:%SZ", std::gmtime(&now));
  nlohmann::json rec = {{"stage", name},     {"params", params},   {"outputs", outputs},
                              {"seconds", seconds}, {"finished", stamp}, {"results", results},
                              {"rgflow_version", version()},
                              {"gemm", std::string(gemm::name(gemm::active()))}};
  if (!placement.is_null()) rec["placement"] = placement;
  write_text_atomic(record_path(name), rec.dump(2) + "\n");
}

}  // namespace rgflow::vrg
