// A vrg stage record is fresh only for the GEMM backend that computed it (issue #24: the backend
// changes the bits, so a rerun with another RGFLOW_GEMM redoes the stage instead of mixing them).
#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>

#include "rgflow/core/gemm.hpp"
#include "rgflow/vrg/stage.hpp"

namespace {

TEST(VrgStageGemm, RecordIsFreshOnlyForItsBackend) {
  const auto saved = rgflow::gemm::active();
  const std::string dir = (std::filesystem::temp_directory_path() / "rgflow_stage_gemm_test").string();
  std::filesystem::remove_all(dir);
  const rgflow::vrg::StageStore store(dir, false);
  std::ofstream(store.path("out.txt")) << "x\n";
  nlohmann::json params = nlohmann::json::object();
  params["seed"] = 1;
  nlohmann::json other = params;
  other["seed"] = 2;
  rgflow::gemm::set_active(rgflow::gemm::Backend::eigen);
  store.finish("train/critical", params, {"out.txt"}, 0.1);
  EXPECT_TRUE(store.fresh("train/critical", params));
  EXPECT_FALSE(store.fresh("train/critical", other));
  EXPECT_EQ((*store.record("train/critical"))["gemm"].get<std::string>(), "eigen");
  // Another backend (a stand-in when the build has only Eigen: the record's name is rewritten).
  if (rgflow::gemm::available().size() > 1) {
    rgflow::gemm::set_active(rgflow::gemm::Backend::dnnl);
  } else {
    nlohmann::json rec = *store.record("train/critical");
    rec["gemm"] = "dnnl";
    std::ofstream(store.record_path("train/critical")) << rec.dump();
  }
  EXPECT_FALSE(store.fresh("train/critical", params));
  rgflow::gemm::set_active(saved);
  std::filesystem::remove_all(dir);
}

}  // namespace
