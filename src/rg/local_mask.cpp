#include "rgflow/rg/local_mask.hpp"

#include <fmt/format.h>

#include <sstream>

#include "rgflow/core/error.hpp"

namespace rgflow::rg {

BlockMaskSpec parse_block_mask(const std::string& text) {
  BlockMaskSpec spec;
  bool has_block = false;
  std::stringstream in(text);
  std::string item;
  while (std::getline(in, item, ',')) {
    const auto colon = item.find(':');
    const std::string key = item.substr(0, colon);
    int value = 0;
    try {
      std::size_t used = 0;
      if (colon == std::string::npos) throw std::invalid_argument("no value");
      value = std::stoi(item.substr(colon + 1), &used);
      if (used != item.size() - colon - 1) throw std::invalid_argument("trailing text");
    } catch (const std::exception&) {
      throw Error(fmt::format("mask '{}': '{}' is not KEY:INTEGER (block:B[,halo:H][,units:U])", text, item));
    }
    if (key == "block") {
      spec.block = value;
      has_block = true;
    } else if (key == "halo") {
      spec.halo = value;
    } else if (key == "units") {
      spec.units_per_block = value;
    } else {
      throw Error(fmt::format("mask '{}': unknown key '{}' (block, halo, units)", text, key));
    }
  }
  if (!has_block) throw Error(fmt::format("mask '{}': give block:B", text));
  if (spec.block < 1 || spec.halo < 0 || spec.units_per_block < 1) {
    throw Error(fmt::format("mask '{}': need block >= 1, halo >= 0, units >= 1", text));
  }
  return spec;
}

MatrixF block_mask(const Lattice& lattice, const BlockMaskSpec& spec) {
  const int b = spec.block, h = spec.halo;
  const int by = lattice.is_chain() ? 1 : b;
  const int hy = lattice.is_chain() ? 0 : h;
  if (lattice.lx < 1 || lattice.ly < 1 || b < 1 || h < 0 || spec.units_per_block < 1 ||
      lattice.lx % b != 0 || lattice.ly % by != 0 || b + 2 * h > lattice.lx ||
      by + 2 * hy > lattice.ly) {
    throw Error(fmt::format("block {} with halo {} does not tile a {}x{} lattice (b must divide "
                            "the size and b + 2h must not exceed it)",
                            b, h, lattice.lx, lattice.ly));
  }
  const int nx = lattice.lx / b, ny = lattice.ly / by, u = spec.units_per_block;
  MatrixF mask = MatrixF::Zero(lattice.sites(), Index{nx} * ny * u);
  for (int Y = 0; Y < ny; ++Y) {
    for (int X = 0; X < nx; ++X) {
      for (int y = by * Y - hy; y < by * Y + by + hy; ++y) {
        for (int x = b * X - h; x < b * X + b + h; ++x) {
          const Index site = Index{((y % lattice.ly) + lattice.ly) % lattice.ly} * lattice.lx +
                             ((x % lattice.lx) + lattice.lx) % lattice.lx;
          for (int k = 0; k < u; ++k) mask(site, (Index{Y} * nx + X) * u + k) = 1.0f;
        }
      }
    }
  }
  return mask;
}

}  // namespace rgflow::rg
