// rgflow conv transform — one channel's hidden lattice of every data row, samples or means, as the
// next conv layer's data (stacking conv layers; docs/conv.md "Stacking"). Registered by
// add_conv_commands (cmd_conv.cpp).
#include <fmt/format.h>

#include <memory>
#include <string>
#include <vector>

#include "cli_util.hpp"
#include "commands.hpp"
#include "rgflow/conv/conv_rbm.hpp"
#include "rgflow/conv/file.hpp"
#include "rgflow/conv/transform.hpp"
#include "rgflow/core/error.hpp"
#include "rgflow/io/dataset.hpp"
#include "rgflow/run/conv.hpp"
#include "rgflow/stats/result.hpp"

namespace rgflow::cli {

namespace {

struct TransformCli {
  std::string model;
  std::string data;
  Index channel = 0;
  bool mean = false;
  std::uint64_t seed = 0;
  std::string output;
  bool json = false;
};

void run_transform(const TransformCli& o) {
  check_output_path(o.output, {".h5", ".hdf5"});
  check_not_input("--output", o.output, {o.model, o.data});
  const conv::ConvRbm m = conv::load_model(o.model);
  check_range("--channel", static_cast<std::int64_t>(o.channel), 0, static_cast<std::int64_t>(m.shape().channels - 1));
  const run::ConvData d = run::read_conv_data(o.data, m.visible_type());
  m.check_visible_data(d.rows, o.data);
  conv::HiddenLatticeOptions options;
  options.channel = o.channel;
  options.sample = !o.mean;
  options.seed = o.seed;
  const MatrixF H = conv::hidden_lattice(m, d.rows, options);
  std::vector<double> site_mean(static_cast<std::size_t>(H.rows()));
  for (Index r = 0; r < H.rows(); ++r) site_mean[static_cast<std::size_t>(r)] = H.row(r).cast<double>().mean();
  const stats::Result mean = stats::mean_sem(site_mean);
  const Index M = m.shape().hidden_side();
  auto attrs = provenance();
  attrs["model"] = o.model;
  attrs["data"] = o.data;
  attrs["channel"] = std::to_string(o.channel);
  attrs["mode"] = o.mean ? "mean" : "sample";
  if (!o.mean) attrs["seed"] = std::to_string(o.seed);
  attrs["conv"] = conv::to_string(m.shape());
  attrs["hidden_type"] = std::string(to_string(m.hidden_type()));
  io::save_dataset(o.output, H, attrs, M);
  if (o.json) {
    print_json({{"model", o.model}, {"data", o.data}, {"rows", H.rows()}, {"channel", o.channel},
                {"mode", o.mean ? "mean" : "sample"}, {"seed", o.seed}, {"lattice", M},
                {"hidden_type", to_string(m.hidden_type())}, {"site_mean", mean}, {"output", o.output}});
    return;
  }
  fmt::print("wrote {}: {} rows of the {}x{} hidden lattice of channel {} ({}, {} units); site mean {:.5f} +- {:.5f}\n",
             o.output, H.rows(), M, M, o.channel, o.mean ? "means" : "samples", to_string(m.hidden_type()), mean.mean,
             mean.error);
}

}  // namespace

void add_conv_transform_command(CLI::App& conv) {
  auto o = std::make_shared<TransformCli>();
  CLI::App* cmd = conv.add_subcommand("transform", "Write one channel's hidden lattice of every data row (samples or "
                                                 "means): the next conv layer's data");
  cmd->add_option("MODEL", o->model, "Convolutional RBM file (.h5)")->required();
  cmd->add_option("DATA", o->data, "Lattice configurations of the model's visible layer")->required();
  cmd->add_option("--channel", o->channel, "Hidden channel c in [0, C)")->capture_default_str();
  cmd->add_flag("--mean", o->mean, "Write E[h|v] instead of samples h ~ p(h|v) (not unit states: not trainable data)");
  cmd->add_option("--seed", o->seed, "Sampling seed (the samples do not depend on the thread count)")
      ->capture_default_str();
  cmd->add_option("-o,--output", o->output, "OUT.h5: /spins int8 [N, M, M] (spin samples) or /data [N, M*M] with "
                                            "attribute lattice_size = M")
      ->required();
  cmd->add_flag("--json", o->json, "Print one JSON object");
  cmd->callback([o] { run_transform(*o); });
}

}  // namespace rgflow::cli
