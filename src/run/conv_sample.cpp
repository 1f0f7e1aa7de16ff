// `rgflow conv sample`: independent Gibbs chains of a convolutional RBM written as a dataset
// (include/rgflow/run/conv.hpp).
#include <fmt/format.h>

#include <cmath>
#include <nlohmann/json.hpp>
#include <vector>

#include "rgflow/io/dataset.hpp"
#include "rgflow/run/conv.hpp"

namespace rgflow::run {

ConvSampleRun conv_sample(const conv::ConvRbm& model, const conv::ConvSampleOptions& options) {
  ConvSampleRun r;
  r.states = conv::sample_visible_states(model, options);
  r.samples = options.samples;
  r.sweeps = options.sweeps;
  r.seed = options.seed;
  std::vector<double> m(static_cast<std::size_t>(r.states.rows())), abs_m(m.size());
  for (Index i = 0; i < r.states.rows(); ++i) {
    m[static_cast<std::size_t>(i)] = r.states.row(i).cast<double>().mean();
    abs_m[static_cast<std::size_t>(i)] = std::fabs(m[static_cast<std::size_t>(i)]);
  }
  r.site_mean = stats::mean_sem(m);
  r.abs_site_mean = stats::mean_sem(abs_m);
  return r;
}

void save_conv_samples(const std::string& path, const conv::ConvRbm& model, const ConvSampleRun& run,
                       const std::map<std::string, std::string>& attributes) {
  std::map<std::string, std::string> attrs = attributes;
  attrs["samples"] = std::to_string(run.samples);
  attrs["sweeps"] = std::to_string(run.sweeps);
  attrs["seed"] = std::to_string(run.seed);
  attrs["lattice"] = std::to_string(model.shape().lattice);
  attrs["conv"] = conv::to_string(model.shape());
  attrs["visible_type"] = std::string(rgflow::to_string(model.visible_type()));
  attrs["hidden_type"] = std::string(rgflow::to_string(model.hidden_type()));
  io::save_dataset(path, run.states, attrs, model.shape().lattice);
}

void to_json(nlohmann::json& j, const ConvSampleRun& r) {
  j = {{"samples", r.samples}, {"sweeps", r.sweeps}, {"seed", r.seed}, {"site_mean", r.site_mean},
       {"abs_site_mean", r.abs_site_mean}};
}

}  // namespace rgflow::run
