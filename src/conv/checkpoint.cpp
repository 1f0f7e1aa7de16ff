// Checkpoints of convolutional RBM training (include/rgflow/conv/checkpoint.hpp).
#include "rgflow/conv/checkpoint.hpp"

#include <fmt/format.h>

#include <algorithm>
#include <cstring>
#include <nlohmann/json.hpp>

#include "rgflow/conv/file.hpp"
#include "rgflow/core/error.hpp"

namespace rgflow::conv {

namespace {

constexpr std::int64_t kCheckpointFormatVersion = 1;
constexpr const char* kGroup = "/conv_train";

nlohmann::json options_json(const ConvTrainOptions& o) {
  return {{"method", std::string(to_string(o.method))},
          {"k", o.k},
          {"epochs", o.epochs},
          {"batch_size", o.batch_size},
          {"learning_rate", o.learning_rate},
          {"final_learning_rate", o.final_learning_rate},
          {"schedule", train::to_string(o.schedule)},
          {"warmup_epochs", o.warmup_epochs},
          {"optimizer", train::to_string(o.optimizer)},
          {"momentum", o.momentum},
          {"adam_beta1", o.adam_beta1},
          {"adam_beta2", o.adam_beta2},
          {"adam_epsilon", o.adam_epsilon},
          {"weight_decay", o.weight_decay},
          {"chains", o.chains},
          {"weight_std", o.weight_std},
          {"seed", o.seed},
          {"initialize", o.initialize},
          {"z2", o.z2},
          {"centering", o.centering},
          {"centering_rate", o.centering_rate},
          {"replicas", o.replicas},
          {"pt_beta_min", o.pt_beta_min}};
}

ConvTrainOptions options_from_json(const nlohmann::json& j) {
  ConvTrainOptions o;
  o.method = parse_conv_method(j.at("method").get<std::string>());
  j.at("k").get_to(o.k);
  j.at("epochs").get_to(o.epochs);
  j.at("batch_size").get_to(o.batch_size);
  j.at("learning_rate").get_to(o.learning_rate);
  j.at("final_learning_rate").get_to(o.final_learning_rate);
  o.schedule = train::parse_schedule(j.at("schedule").get<std::string>());
  j.at("warmup_epochs").get_to(o.warmup_epochs);
  o.optimizer = train::parse_optimizer(j.at("optimizer").get<std::string>());
  j.at("momentum").get_to(o.momentum);
  j.at("adam_beta1").get_to(o.adam_beta1);
  j.at("adam_beta2").get_to(o.adam_beta2);
  j.at("adam_epsilon").get_to(o.adam_epsilon);
  j.at("weight_decay").get_to(o.weight_decay);
  j.at("chains").get_to(o.chains);
  j.at("weight_std").get_to(o.weight_std);
  j.at("seed").get_to(o.seed);
  j.at("initialize").get_to(o.initialize);
  j.at("z2").get_to(o.z2);
  j.at("centering").get_to(o.centering);
  j.at("centering_rate").get_to(o.centering_rate);
  j.at("replicas").get_to(o.replicas);
  j.at("pt_beta_min").get_to(o.pt_beta_min);
  o.check();
  return o;
}

std::vector<std::uint64_t> rng_words(const RngState& r) { return {r.seed, r.stream, r.counter, r.index}; }

MatrixD column(const VectorD& v) { return v; }
MatrixD scalar(double x) { return MatrixD::Constant(1, 1, x); }

void write_statistics(io::h5::File& f, const std::string& prefix, const ConvStatistics& s) {
  f.write(prefix + "_kernels", s.kernels);
  f.write(prefix + "_hidden", column(s.hidden));
  f.write(prefix + "_visible", scalar(s.visible));
}

}  // namespace

std::uint64_t data_checksum(const MatrixF& data) {
  std::uint64_t h = 14695981039346656037ULL;
  for (Index r = 0; r < data.rows(); ++r) {
    for (Index c = 0; c < data.cols(); ++c) {
      const float x = data(r, c);
      unsigned char bytes[sizeof(float)];
      std::memcpy(bytes, &x, sizeof(float));
      for (const unsigned char b : bytes) {
        h ^= b;
        h *= 1099511628211ULL;
      }
    }
  }
  return h;
}

void save_checkpoint(const std::string& path, const ConvCheckpoint& c,
                     const std::map<std::string, std::string>& attributes) {
  try {
    c.options.check();
  } catch (const Error& e) {
    throw FileError(path, fmt::format("refusing to save an invalid checkpoint: {}", e.what()));
  }
  const ConvTrainState& s = c.state;
  save_model(path, c.model, attributes, [&](io::h5::File& f) {
    f.write("/conv_train/order", std::vector<std::uint64_t>(s.order.begin(), s.order.end()));
    f.write("/conv_train/shuffle_rng", rng_words(s.shuffle));
    f.write("/conv_train/gibbs_rng", rng_words(s.gibbs));
    if (s.chains.size() != 0) f.write("/conv_train/chains", s.chains);
    write_statistics(f, "/conv_train/first", s.optimizer.first);
    if (c.options.optimizer == train::OptimizerKind::adam) {
      write_statistics(f, "/conv_train/second", s.optimizer.second);
      f.write("/conv_train/adam_steps", std::vector<std::uint64_t>{static_cast<std::uint64_t>(s.optimizer.steps)});
    }
    if (s.optimizer.offsets.set) {
      f.write("/conv_train/visible_offset", scalar(s.optimizer.offsets.visible));
      f.write("/conv_train/hidden_offset", column(s.optimizer.offsets.hidden));
    }
    f.set_attribute(kGroup, "checkpoint_format_version", kCheckpointFormatVersion);
    f.set_attribute(kGroup, "epochs_done", std::int64_t{s.epochs_done});
    f.set_attribute(kGroup, "options", options_json(c.options).dump());
    f.set_attribute(kGroup, "data_rows", static_cast<std::int64_t>(c.data_rows));
    f.set_attribute(kGroup, "data_checksum", std::to_string(c.data_checksum));
  });
}

ConvCheckpoint load_checkpoint(const std::string& path) {
  ConvCheckpoint c;
  c.model = load_model(path);  // FileError for a missing or corrupt file or model part
  const io::h5::File f = io::h5::File::open(path);
  const auto require = [&](bool ok, const std::string& message) {
    if (!ok) throw FileError(path, message);
  };
  require(f.exists(kGroup), "not a conv training checkpoint: no group '/conv_train'");
  for (const char* name : {"checkpoint_format_version", "epochs_done", "options", "data_rows", "data_checksum"}) {
    require(f.has_attribute(kGroup, name), fmt::format("not a conv training checkpoint: '/conv_train' has no attribute '{}'", name));
  }
  const std::int64_t format = f.int_attribute(kGroup, "checkpoint_format_version");
  require(format == kCheckpointFormatVersion,
          fmt::format("unsupported checkpoint_format_version {} (this build reads {})", format, kCheckpointFormatVersion));
  try {
    c.options = options_from_json(nlohmann::json::parse(f.string_attribute(kGroup, "options")));
    c.data_checksum = std::stoull(f.string_attribute(kGroup, "data_checksum"));
  } catch (const FileError&) {
    throw;
  } catch (const std::exception& e) {
    throw FileError(path, fmt::format("'/conv_train' attributes 'options' or 'data_checksum' are not valid: {}", e.what()));
  }
  const std::int64_t epochs = f.int_attribute(kGroup, "epochs_done");
  require(epochs >= 0 && epochs <= c.options.epochs,
          fmt::format("'/conv_train' attribute 'epochs_done' {} is out of range [0, {}]", epochs, c.options.epochs));
  ConvTrainState& s = c.state;
  s.epochs_done = static_cast<int>(epochs);
  c.data_rows = f.int_attribute(kGroup, "data_rows");
  const ConvShape& shape = c.model.shape();
  const auto dataset = [&](const std::string& name) {
    const std::string full = std::string(kGroup) + "/" + name;
    require(f.exists(full), fmt::format("missing dataset '{}'", full));
    return full;
  };
  const auto u64 = [&](const std::string& name, std::size_t size) {
    const std::vector<std::uint64_t> v = f.read_u64(dataset(name));
    require(size == 0 || v.size() == size, fmt::format("dataset '/conv_train/{}' has {} entries, expected {}", name, v.size(), size));
    return v;
  };
  const auto matrix = [&](const std::string& name, Index rows, Index cols) {
    const MatrixD m = f.read_matrix_double(dataset(name));
    require(m.rows() == rows && m.cols() == cols && m.allFinite(),
            fmt::format("dataset '/conv_train/{}' is {} x {} or not finite, expected finite {} x {}", name, m.rows(),
                        m.cols(), rows, cols));
    return m;
  };
  const auto rng = [&](const std::string& name) {
    const std::vector<std::uint64_t> w = u64(name, 4);
    require(w[3] <= 4, fmt::format("dataset '/conv_train/{}' holds an invalid stream position", name));
    return RngState{w[0], w[1], w[2], static_cast<std::uint32_t>(w[3])};
  };
  const std::vector<std::uint64_t> order = u64("order", static_cast<std::size_t>(std::max<Index>(c.data_rows, 0)));
  require(c.data_rows > 0 && static_cast<Index>(order.size()) == c.data_rows, "'/conv_train' data_rows does not match the order");
  s.order.assign(order.begin(), order.end());
  s.shuffle = rng("shuffle_rng");
  s.gibbs = rng("gibbs_rng");
  const auto statistics = [&](const std::string& prefix) {
    return ConvStatistics{matrix(prefix + "_kernels", shape.channels, shape.kernel_size()),
                          matrix(prefix + "_hidden", shape.channels, 1).col(0),
                          matrix(prefix + "_visible", 1, 1)(0, 0)};
  };
  s.optimizer.first = statistics("first");
  if (c.options.optimizer == train::OptimizerKind::adam) {
    s.optimizer.second = statistics("second");
    const std::uint64_t steps = u64("adam_steps", 1)[0];
    require(steps <= (std::uint64_t{1} << 62), "dataset '/conv_train/adam_steps' is out of range");
    s.optimizer.steps = static_cast<std::int64_t>(steps);
  }
  if (f.exists("/conv_train/visible_offset")) {
    s.optimizer.offsets.set = true;
    s.optimizer.offsets.visible = matrix("visible_offset", 1, 1)(0, 0);
    s.optimizer.offsets.hidden = matrix("hidden_offset", shape.channels, 1).col(0);
  }
  if (c.options.method != ConvMethod::cd) {
    const Index rows = c.options.chains * (c.options.method == ConvMethod::pt ? c.options.replicas : 1);
    s.chains = f.read_matrix(dataset("chains"));
    require(s.chains.rows() == rows && s.chains.cols() == c.model.n_visible(),
            fmt::format("dataset '/conv_train/chains' is {} x {}, expected {} x {}", s.chains.rows(), s.chains.cols(), rows,
                        c.model.n_visible()));
    const float off = c.model.visible_type() == UnitType::spin ? -1.0f : 0.0f;
    for (Index i = 0; i < s.chains.size(); ++i) {
      const float x = s.chains.data()[i];
      require(x == off || x == 1.0f, fmt::format("dataset '/conv_train/chains' holds {}, not a {} state", x,
                                                 rgflow::to_string(c.model.visible_type())));
    }
  }
  return c;
}

}  // namespace rgflow::conv
