// Training: TrainConfig as a dict (through its JSON form, so every field and method name the C++
// side knows — including ones added later — works unchanged), the mini-batch Trainer with the GIL
// released and Ctrl-C checked between mini-batches, checkpoints, DBNs and greedy DBN training.
#include <optional>

#include "common.hpp"
#include "rgflow/rbm/dbn.hpp"
#include "rgflow/run/fit.hpp"
#include "rgflow/run/dbn.hpp"
#include "rgflow/run/rbm.hpp"
#include "rgflow/train/config.hpp"
#include "rgflow/train/monitor_log.hpp"
#include "rgflow/train/trainer.hpp"

namespace rgflow::python {

namespace {

train::TrainConfig config_from(const py::handle& obj) {
  train::TrainConfig c;
  if (!obj.is_none()) train::from_json(to_json(obj), c);
  c.validate();
  return c;
}

py::object config_dict(const train::TrainConfig& c) {
  nlohmann::json j;
  train::to_json(j, c);
  return from_json(j);
}

py::object epoch_dict(const train::EpochStats& s) {
  nlohmann::json j;
  train::to_json(j, s);
  return from_json(j);
}

// The Trainer keeps references to its data: the handle owns them (stable addresses on the heap).
struct TrainerHandle {
  MatrixF train;
  MatrixF validation;
  std::unique_ptr<train::Trainer> trainer;
  const MatrixF* validation_ptr() const { return validation.rows() > 0 ? &validation : nullptr; }
};

void check_data(const Rbm& rbm, const MatrixF& data, const char* what) {
  if (data.rows() < 1) throw py::value_error(std::string(what) + " has no rows");
  if (data.cols() != rbm.n_visible()) {
    throw py::value_error(std::string(what) + " has " + std::to_string(data.cols()) +
                          " columns but the model has " + std::to_string(rbm.n_visible()) +
                          " visible units");
  }
}

std::unique_ptr<TrainerHandle> make_handle(Rbm& rbm, const FloatArray& train,
                                           const std::optional<FloatArray>& validation) {
  auto h = std::make_unique<TrainerHandle>();
  h->train = to_matrix(train, "training data");
  check_data(rbm, h->train, "training data");
  if (validation) {
    h->validation = to_matrix(*validation, "validation data");
    check_data(rbm, h->validation, "validation data");
  }
  return h;
}

// The whole checkpoint, sampler state included: TAP's hidden magnetisations and the tempering
// ladder with its swap counters (entries 9 and 10), Adam's second moments and update count and
// the centering offsets (entry 11), automatic stopping's state (entry 12, None without); pickles
// of older versions lack the later entries.
py::object convergence_state(const std::optional<train::ConvergenceState>& c) {
  if (!c) return py::none();
  py::list history;
  for (const train::ScoreRecord& r : c->history) {
    history.append(py::make_tuple(r.epoch, r.score.mean, r.score.error, r.score.n, r.improved));
  }
  const train::HeldOutScore& b = c->best;
  const std::vector<double> rows(b.rows.data(), b.rows.data() + b.rows.size());
  return py::make_tuple(train::to_string(b.method), c->best_epoch, c->epochs_since_best,
                        c->stop_reason, py::make_tuple(b.score.mean, b.score.error, b.score.n),
                        b.log_z_per_unit, b.log_z_error_per_unit, rows, py::cast(c->best_model),
                        history);
}

std::optional<train::ConvergenceState> convergence_from_state(const py::handle& h) {
  if (h.is_none()) return std::nullopt;
  const auto t = h.cast<py::tuple>();
  train::ConvergenceState c;
  train::HeldOutScore& b = c.best;
  b.method = train::parse_stop_score(t[0].cast<std::string>());
  c.best_epoch = t[1].cast<int>();
  c.epochs_since_best = t[2].cast<int>();
  c.stop_reason = t[3].cast<std::string>();
  const auto score = t[4].cast<py::tuple>();
  b.score = {score[0].cast<double>(), score[1].cast<double>(), 0.5, score[2].cast<std::int64_t>()};
  b.log_z_per_unit = t[5].cast<double>();
  b.log_z_error_per_unit = t[6].cast<double>();
  const auto rows = t[7].cast<std::vector<double>>();
  b.rows = Eigen::Map<const VectorD>(rows.data(), static_cast<Index>(rows.size()));
  c.best_model = t[8].cast<Rbm>();
  for (const py::handle& r : t[9].cast<py::list>()) {
    const auto e = r.cast<py::tuple>();
    c.history.push_back({e[0].cast<int>(),
                         {e[1].cast<double>(), e[2].cast<double>(), 0.5, e[3].cast<std::int64_t>()},
                         e[4].cast<bool>()});
  }
  return c;
}

py::tuple checkpoint_state(const train::Checkpoint& c) {
  const train::OptimizerState& o = c.optimizer;
  MatrixF wv = o.weight_velocity, chains = c.persistent_chains, hidden = c.persistent_hidden;
  VectorF av = o.visible_velocity, bv = o.hidden_velocity, q = o.hidden_activity;
  MatrixF w2 = o.weight_second_moment;
  VectorF a2 = o.visible_second_moment, b2 = o.hidden_second_moment;
  VectorF mu = o.visible_offset, lambda = o.hidden_offset;
  py::tuple optimizer = py::make_tuple(from_matrix(std::move(w2)), from_vector(std::move(a2)),
                                       from_vector(std::move(b2)), o.steps,
                                       from_vector(std::move(mu)), from_vector(std::move(lambda)));
  py::object tempering = py::none();
  if (c.tempering) {
    const sample::TemperingState& t = *c.tempering;
    tempering = py::make_tuple(t.betas, t.attempts, t.accepts, t.adaptations);
  }
  return py::make_tuple(py::cast(c.rbm), config_dict(c.config), c.epochs_done,
                        py::make_tuple(c.rng.seed, c.rng.stream, c.rng.counter, c.rng.index),
                        from_matrix(std::move(wv)), from_vector(std::move(av)),
                        from_vector(std::move(bv)), from_matrix(std::move(chains)),
                        from_vector(std::move(q)), from_matrix(std::move(hidden)), tempering,
                        optimizer, convergence_state(c.convergence),
                        c.tap_reseed_rng ? py::object(py::make_tuple(
                                               c.tap_reseed_rng->seed, c.tap_reseed_rng->stream,
                                               c.tap_reseed_rng->counter, c.tap_reseed_rng->index))
                                         : py::object(py::none()));
}

train::Checkpoint checkpoint_from_state(const py::tuple& t) {
  train::Checkpoint c;
  c.rbm = t[0].cast<Rbm>();
  c.config = config_from(t[1]);
  c.epochs_done = t[2].cast<int>();
  const auto rng = t[3].cast<py::tuple>();
  c.rng = RngState{rng[0].cast<std::uint64_t>(), rng[1].cast<std::uint64_t>(),
                   rng[2].cast<std::uint64_t>(), rng[3].cast<std::uint32_t>()};
  const auto matrix = [](const py::handle& a) {
    const auto arr = a.cast<FloatArray>();
    return arr.size() == 0 ? MatrixF() : to_matrix(arr, "checkpoint");
  };
  const auto vector = [](const py::handle& a) {
    return to_vector_f(a.cast<FloatArray>(), "checkpoint");
  };
  train::OptimizerState& o = c.optimizer;
  o.weight_velocity = matrix(t[4]);
  o.visible_velocity = vector(t[5]);
  o.hidden_velocity = vector(t[6]);
  c.persistent_chains = matrix(t[7]);
  o.hidden_activity = vector(t[8]);
  if (t.size() > 10) {
    c.persistent_hidden = matrix(t[9]);
    if (!t[10].is_none()) {
      const auto pt = t[10].cast<py::tuple>();
      sample::TemperingState s;
      s.betas = pt[0].cast<std::vector<double>>();
      s.attempts = pt[1].cast<std::vector<std::uint64_t>>();
      s.accepts = pt[2].cast<std::vector<std::uint64_t>>();
      s.adaptations = pt[3].cast<std::uint64_t>();
      c.tempering = std::move(s);
    }
  }
  if (t.size() > 11) {
    const auto opt = t[11].cast<py::tuple>();
    o.weight_second_moment = matrix(opt[0]);
    o.visible_second_moment = vector(opt[1]);
    o.hidden_second_moment = vector(opt[2]);
    o.steps = opt[3].cast<std::int64_t>();
    o.visible_offset = vector(opt[4]);
    o.hidden_offset = vector(opt[5]);
  }
  if (t.size() > 12) c.convergence = convergence_from_state(t[12]);
  if (t.size() > 13 && !t[13].is_none()) {  // persistent TAP: the re-seeding stream
    const auto r = t[13].cast<py::tuple>();
    c.tap_reseed_rng = RngState{r[0].cast<std::uint64_t>(), r[1].cast<std::uint64_t>(),
                                r[2].cast<std::uint64_t>(), r[3].cast<std::uint32_t>()};
  }
  return c;
}

}  // namespace

void bind_train(py::module_& m) {
  m.def("assess_fit",
        [](const Rbm& rbm, const FloatArray& train, const std::optional<FloatArray>& heldout,
           std::uint64_t seed) -> py::object {
          const MatrixF t = to_matrix(train, "training data");
          check_data(rbm, t, "training data");
          MatrixF h;
          if (heldout) {
            h = to_matrix(*heldout, "held-out data");
            check_data(rbm, h, "held-out data");
          }
          std::optional<run::FitReport> report;
          {
            py::gil_scoped_release release;
            report = run::assess_fit(rbm, t, heldout ? &h : nullptr, run::fit_log_z_options(seed));
          }
          if (!report) return py::none();
          nlohmann::json j = *report;
          return from_json(j);
        },
        py::arg("rbm"), py::arg("train"), py::arg("heldout") = py::none(), py::arg("seed") = 0,
        "The quality gate of `rgflow rbm train` (run/fit.hpp): the model's log-likelihood per unit "
        "on the held-out rows (training rows when None) next to the independent-unit baseline; "
        "None for Gaussian units or rows that are not states.");

  m.def("split_validation",
        [](const FloatArray& data, double fraction, std::uint64_t seed) {
          MatrixF rows = to_matrix(data, "data");
          MatrixF validation;
          run::split_validation(rows, fraction, seed, validation, "data");
          return py::make_tuple(from_matrix(std::move(rows)), from_matrix(std::move(validation)));
        },
        py::arg("data"), py::arg("fraction"), py::arg("seed"),
        "(train, validation): the seeded split of `rgflow rbm train --validation FRACTION` "
        "(run/rbm.hpp), rows in their original order");

  m.def("default_train_config",
        [](const std::string& visible) { return config_dict(train::default_config(parse_unit_type(visible))); },
        py::arg("visible_type") = "bernoulli",
        "The defaults of every front end for a visible unit type (train::default_config(), "
        "docs/results.md): the options `rgflow rbm train` uses when none are given.");

  m.def("default_final_learning_rate", &train::default_final_learning_rate, py::arg("learning_rate"),
        "The final learning rate the defaults pair with a starting rate (learning_rate / 100), as "
        "`rgflow rbm train --learning-rate X` without --learning-rate-final.");

  m.def("z2_consistent",
        [](const FloatArray& data) {
          const MatrixF rows = to_matrix(data, "data");
          return run::z2_consistent(rows);
        },
        py::arg("data"),
        "Whether spin data are consistent with p(v) = p(-v) (run/rbm.hpp): the test behind "
        "symmetry='auto'.");

  m.def("train_config", [](const py::object& d) { return config_dict(config_from(d)); },
        py::arg("config") = py::none(),
        "The full, validated training configuration (dict) for the given fields: defaults filled "
        "in, unknown keys and bad values raise rgflow.Error.");

  py::class_<train::Checkpoint>(m, "Checkpoint",
                                "Everything needed to continue training bit-identically")
      .def_property_readonly("rbm", [](const train::Checkpoint& c) { return c.rbm; }, "A copy of the model")
      .def_property_readonly("config", [](const train::Checkpoint& c) { return config_dict(c.config); },
                             "The training configuration (dict of TrainConfig's JSON fields)")
      .def_readonly("epochs_done", &train::Checkpoint::epochs_done, "Epochs trained so far")
      .def_property_readonly("persistent_chains",
                             [](const train::Checkpoint& c) { MatrixF x = c.persistent_chains; return from_matrix(std::move(x)); },
                             "Visible states of the persistent chains [chains, n_visible] (empty "
                             "for methods without them)")
      .def_property_readonly("persistent_hidden",
                             [](const train::Checkpoint& c) { MatrixF x = c.persistent_hidden; return from_matrix(std::move(x)); },
                             "Hidden states of the persistent chains [chains, n_hidden] where the "
                             "method keeps them (PCD with pcd_hidden_state; TAP magnetisations), "
                             "else empty")
      .def("replace",
           [](const train::Checkpoint& c, std::optional<int> epochs, std::optional<Rbm> rbm,
              std::optional<bool> auto_epochs, bool constant_learning_rate) {
             train::Checkpoint out = c;
             if (epochs) out.config.epochs = *epochs;
             if (constant_learning_rate) {
               out.config.learning_rate_final.reset();
               out.config.warmup_epochs = 0;
             }
             if (auto_epochs && !*auto_epochs) {  // a fixed number of epochs from here on
               out.config.auto_epochs = false;
               out.convergence.reset();
             } else if (auto_epochs && !c.config.auto_epochs) {
               throw py::value_error("replace: automatic stopping cannot be switched on midway");
             }
             if (rbm) {
               if (rbm->n_visible() != c.rbm.n_visible() || rbm->n_hidden() != c.rbm.n_hidden()) {
                 throw py::value_error("replace: the model's shape differs from the checkpoint's");
               }
               out.rbm = *rbm;
             }
             return out;
           },
           py::arg("epochs") = py::none(), py::arg("rbm") = py::none(),
           py::arg("auto_epochs") = py::none(), py::arg("constant_learning_rate") = false,
           "A copy asking for `epochs` epochs in total (the cap when stopping automatically) "
           "and/or holding another model of the same shape (the optimizer and sampler state are "
           "kept); auto_epochs=False turns automatic stopping off; constant_learning_rate=True drops "
           "the learning-rate schedule and warm-up (every further epoch at learning_rate)")
      .def_static("from_model",
                  [](const Rbm& rbm, const py::object& config, int epochs_done) {
                    train::Checkpoint c;
                    c.rbm = rbm;
                    c.config = config_from(config);
                    c.epochs_done = epochs_done;
                    c.rng = Rng(c.config.seed, train::kTrainingStream).state();
                    return c;
                  },
                  py::arg("rbm"), py::arg("config"), py::arg("epochs_done") = 0,
                  "Training state for continuing from a model alone (a loaded file): zero "
                  "velocities, fresh persistent chains, the training stream at its start")
      .def("save", [](const train::Checkpoint& c, const std::string& path) { train::save_checkpoint(path, c); },
           py::arg("path"))
      .def_static("load", &train::load_checkpoint, py::arg("path"))
      .def(py::pickle(&checkpoint_state, &checkpoint_from_state));

  py::class_<TrainerHandle>(m, "Trainer",
                            "Mini-batch RBM trainer (train/trainer.hpp). Keeps a reference to "
                            "the Rbm it trains, which it updates in place.")
      .def(py::init([](Rbm& rbm, const py::dict& config, const FloatArray& train,
                       const std::optional<FloatArray>& validation) {
             auto h = make_handle(rbm, train, validation);
             h->trainer = std::make_unique<train::Trainer>(rbm, config_from(config), h->train,
                                                           h->validation_ptr());
             return h;
           }),
           py::arg("rbm"), py::arg("config"), py::arg("train"), py::arg("validation") = py::none(),
           py::keep_alive<1, 2>())
      .def(py::init([](Rbm& rbm, const train::Checkpoint& checkpoint, const FloatArray& train,
                       const std::optional<FloatArray>& validation) {
             auto h = make_handle(rbm, train, validation);
             h->trainer = std::make_unique<train::Trainer>(rbm, checkpoint, h->train,
                                                           h->validation_ptr());
             return h;
           }),
           py::arg("rbm"), py::arg("checkpoint"), py::arg("train"),
           py::arg("validation") = py::none(), py::keep_alive<1, 2>())
      .def_property_readonly("config", [](const TrainerHandle& h) { return config_dict(h.trainer->config()); })
      .def_property_readonly("epochs_done", [](const TrainerHandle& h) { return h.trainer->epochs_done(); })
      .def_property_readonly("finished", [](const TrainerHandle& h) { return h.trainer->finished(); })
      .def("run_epoch",
           [](TrainerHandle& h) {
             const train::EpochStats s = without_gil([&] {
               SignalCheck check;
               return h.trainer->run_epoch([&](Index, Index) { check(); });
             });
             return epoch_dict(s);
           },
           "One epoch and its monitors (dict). The GIL is released; Ctrl-C stops it between "
           "mini-batches with KeyboardInterrupt (the model then holds the last completed update).")
      .def("evaluate", [](TrainerHandle& h) { return epoch_dict(h.trainer->evaluate()); })
      .def_property_readonly("convergence",
                             [](const TrainerHandle& h) -> py::object {
                               const train::ConvergenceState* c = h.trainer->convergence();
                               if (c == nullptr) return py::none();
                               nlohmann::json j = *c;
                               return from_json(j);
                             },
                             "Automatic stopping's report (dict: score, best_epoch, stop_reason, "
                             "epochs_since_best, best_score, history), None without it")
      .def("checkpoint", [](const TrainerHandle& h) { return h.trainer->checkpoint(); });

  py::class_<Dbn>(m, "Dbn", "Deep belief network: a stack of RBMs (rbm/dbn.hpp)")
      .def(py::init([](const std::vector<Rbm>& layers) { return Dbn(layers); }), py::arg("layers"))
      .def_property_readonly("n_layers", &Dbn::n_layers, "Number of RBM layers")
      .def_property_readonly("n_visible", &Dbn::n_visible, "Units of the data layer")
      .def_property_readonly("level_sizes", &Dbn::level_sizes, "Units of every level, bottom-up")
      .def("layer", py::overload_cast<Index>(&Dbn::layer), py::arg("k"),
           py::return_value_policy::reference_internal, "Layer k (a view: changes write through)")
      .def_property_readonly("layers", [](const Dbn& d) { return d.layers(); }, "Copies of the layers")
      .def("level_type", [](const Dbn& d, Index level) { return std::string(to_string(d.level_type(level))); })
      .def("validate", &Dbn::validate)
      .def("up",
           [](const Dbn& d, const FloatArray& x, Index level, const std::string& mode, Rng& rng) {
             const MatrixF v = to_matrix(x, "V");
             const Propagate p = parse_propagate(mode);
             return from_matrix(without_gil([&] { return d.up(v, level, p, rng); }));
           },
           py::arg("V"), py::arg("level"), py::arg("mode"), py::arg("rng"))
      .def("up_mean",
           [](const Dbn& d, const FloatArray& x, Index level) {
             const MatrixF v = to_matrix(x, "V");
             return from_matrix(without_gil([&] { return d.up_mean(v, level); }));
           },
           py::arg("V"), py::arg("level"))
      .def("down",
           [](const Dbn& d, const FloatArray& x, Index level, Rng& rng, bool mean_visible) {
             const MatrixF v = to_matrix(x, "X");
             return from_matrix(without_gil([&] { return d.down(v, level, rng, mean_visible); }));
           },
           py::arg("X"), py::arg("level"), py::arg("rng"), py::arg("mean_visible") = false)
      .def("generate",
           [](const Dbn& d, Index n, int gibbs_steps, Rng& rng, bool mean_visible) {
             if (n < 1) throw py::value_error("n_samples must be >= 1");
             return from_matrix(without_gil([&] { return d.generate(n, gibbs_steps, rng, mean_visible); }));
           },
           py::arg("n_samples"), py::arg("gibbs_steps"), py::arg("rng"), py::arg("mean_visible") = false)
      .def("__repr__", [](const Dbn& d) {
        std::string s = "Dbn(levels=[";
        const auto sizes = d.level_sizes();
        for (std::size_t k = 0; k < sizes.size(); ++k) s += (k ? ", " : "") + std::to_string(sizes[k]);
        return s + "])";
      })
      .def(py::pickle([](const Dbn& d) { return py::make_tuple(d.layers()); },
                      [](const py::tuple& t) { return Dbn(t[0].cast<std::vector<Rbm>>()); }));

  m.def("train_dbn",
        [](const FloatArray& data, const std::string& visible_type, const py::list& layers,
           const std::string& propagate, const std::optional<FloatArray>& validation,
           const py::object& on_epoch, const std::optional<Dbn>& start,
           const std::optional<std::uint64_t>& seed) {
          run::DbnTrainRequest request;
          request.propagate = parse_propagate(propagate);
          for (const py::handle& layer : layers) {
            const py::dict d = layer.cast<py::dict>();
            train::DbnLayerSpec spec;
            spec.n_hidden = d["n_hidden"].cast<Index>();
            spec.hidden_type = parse_unit_type(
                d.contains("hidden_type") ? d["hidden_type"].cast<std::string>() : "bernoulli");
            spec.config = config_from(d.contains("config") ? py::object(d["config"]) : py::object(py::none()));
            request.layers.push_back(spec);
          }
          request.data = to_matrix(data, "training data");
          request.data_source = "training data";
          if (validation) request.validation = to_matrix(*validation, "validation data");
          request.visible = parse_unit_type(visible_type);
          request.start = start;
          request.seed = seed;
          auto [dbn, fits] = without_gil([&] {
            SignalCheck check;
            run::DbnTrainCallbacks callbacks;
            if (!on_epoch.is_none()) {
              callbacks.on_epoch = [&](const train::DbnProgress& p) {
                py::gil_scoped_acquire gil;
                try {
                  on_epoch(p.layer, p.n_layers, epoch_dict(p.stats));
                } catch (py::error_already_set& e) {
                  e.restore();
                  throw Interrupted{};
                }
              };
            }
            callbacks.on_batch = [&](Index, Index) { check(); };
            run::DbnTrainRun r = run::train_dbn(request, callbacks);
            const nlohmann::json j = r;  // layer_fits and stops as `dbn train --json`
            return std::make_pair(std::move(r.dbn), j);
          });
          return py::make_tuple(std::move(dbn), from_json(fits["layer_fits"]), from_json(fits["stops"]));
        },
        py::arg("data"), py::arg("visible_type"), py::arg("layers"), py::arg("propagate") = "mean",
        py::arg("validation") = py::none(), py::arg("on_epoch") = py::none(),
        py::arg("start") = py::none(), py::arg("seed") = py::none(),
        "Greedy layer-wise training (run/dbn.hpp, as `rgflow dbn train`): (the DBN, the quality gate "
        "of every layer trained, as `dbn train --json`'s layer_fits, the stopping rule of every "
        "layer trained, as its stops: None for a fixed epoch count). layers: dicts {n_hidden, "
        "hidden_type, config}. on_epoch(layer, n_layers, stats) is called after every epoch; an "
        "exception it raises (or Ctrl-C) stops training. `start`: a DBN to extend. `seed`: layer "
        "k trains with seed + k (None: each config's own seed).");
}

}  // namespace rgflow::python
