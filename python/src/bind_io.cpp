// Files: RBM and DBN models (the HDF5 layout shared with the CLI), datasets, PNG images.
#include "common.hpp"
#include "rgflow/io/dataset.hpp"
#include "rgflow/io/dbn_file.hpp"
#include "rgflow/io/model.hpp"
#include "rgflow/io/png.hpp"

namespace rgflow::python {

void bind_io(py::module_& m) {
  m.def("save_rbm",
        [](const std::string& path, const Rbm& rbm, const std::map<std::string, std::string>& attrs) {
          without_gil([&] { io::save_rbm(path, rbm, attrs); });
        },
        py::arg("path"), py::arg("rbm"), py::arg("attributes") = std::map<std::string, std::string>{},
        "Writes the model file (atomically); attributes become string attributes of /rbm");
  m.def("load_rbm",
        [](const std::string& path) {
          std::map<std::string, std::string> attrs;
          Rbm rbm = without_gil([&] { return io::load_rbm(path, &attrs); });
          return py::make_tuple(std::move(rbm), attrs);
        },
        py::arg("path"), "(Rbm, attributes) from a model file (or a training checkpoint)");
  m.def("save_dbn",
        [](const std::string& path, const Dbn& dbn, const std::map<std::string, std::string>& attrs,
           const std::vector<std::map<std::string, std::string>>& layer_attrs) {
          without_gil([&] { io::save_dbn(path, dbn, attrs, layer_attrs); });
        },
        py::arg("path"), py::arg("dbn"), py::arg("attributes") = std::map<std::string, std::string>{},
        py::arg("layer_attributes") = std::vector<std::map<std::string, std::string>>{});
  m.def("load_dbn",
        [](const std::string& path) {
          std::map<std::string, std::string> attrs;
          std::vector<std::map<std::string, std::string>> layer_attrs;
          Dbn dbn = without_gil([&] { return io::load_dbn(path, &attrs, &layer_attrs); });
          return py::make_tuple(std::move(dbn), attrs, layer_attrs);
        },
        py::arg("path"), "(Dbn, attributes, per-layer attributes)");
  m.def("load_dataset",
        [](const std::string& path, const std::string& binarize, double threshold,
           std::uint64_t seed, bool to_spins, bool scale_bytes) {
          io::LoadOptions o;
          o.binarize = io::parse_binarize(binarize);
          o.threshold = threshold;
          o.seed = seed;
          o.to_spins = to_spins;
          o.scale_bytes = scale_bytes;
          io::Dataset d = without_gil([&] { return io::load_dataset(path, o); });
          py::dict out;
          out["data"] = from_matrix(std::move(d.data));
          out["lattice_size"] = d.lattice_size ? py::cast(*d.lattice_size) : py::none();
          out["source"] = d.source;
          out["attributes"] = d.attributes;
          return out;
        },
        py::arg("path"), py::arg("binarize") = "none", py::arg("threshold") = 0.5,
        py::arg("seed") = 0, py::arg("to_spins") = false, py::arg("scale_bytes") = true,
        "Any dataset format the CLI reads (io/dataset.hpp): dict with data [N, D] float32, "
        "lattice_size, source, attributes");
  m.def("save_dataset",
        [](const std::string& path, const FloatArray& x, const std::map<std::string, std::string>& attrs,
           std::optional<Index> lattice_size) {
          const MatrixF data = to_matrix(x, "data");
          without_gil([&] { io::save_dataset(path, data, attrs, lattice_size); });
        },
        py::arg("path"), py::arg("data"), py::arg("attributes") = std::map<std::string, std::string>{},
        py::arg("lattice_size") = py::none());
  m.def("save_matrix",
        [](const std::string& path, const FloatArray& x) {
          const MatrixF data = to_matrix(x, "data");
          without_gil([&] { io::save_matrix(path, data); });
        },
        py::arg("path"), py::arg("data"), ".npy or .csv that load_dataset reads back bit-exactly");
  m.def("write_png_mosaic",
        [](const std::string& path, const FloatArray& tiles, Index h, Index w, bool per_tile, float lo, float hi) {
          io::write_png_mosaic(path, to_matrix(tiles, "tiles"), h, w, per_tile, lo, hi);
        },
        py::arg("path"), py::arg("tiles"), py::arg("tile_height"), py::arg("tile_width"),
        py::arg("per_tile_scale") = false, py::arg("lo") = 0.0f, py::arg("hi") = 1.0f);
  m.def("write_receptive_fields",
        [](const std::string& path, const Rbm& rbm) { io::write_receptive_fields(path, rbm.weights()); },
        py::arg("path"), py::arg("rbm"), "The same PNG as `rgflow rbm filters`");
}

}  // namespace rgflow::python
