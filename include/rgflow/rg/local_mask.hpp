#pragma once
// Weight masks of locally connected ("Kadanoff") RBMs on a periodic L × L lattice (or a ring):
// the explicit block-spin architecture, one hidden unit per b × b block (docs/vrg-tools.md).
#include <string>

#include "rgflow/core/types.hpp"
#include "rgflow/rg/couplings.hpp"

namespace rgflow::rg {

struct BlockMaskSpec {
  int block = 2;  // b: the lattice is cut into (Lx/b) × (Ly/b) blocks (b consecutive sites on a ring)
  int halo = 0;   // h: each unit also sees the sites within h of its block (periodic wrap)
  int units_per_block = 1;  // hidden units per block
};

// Parses "block:B[,halo:H][,units:U]" (e.g. "block:2,halo:1"); throws Error otherwise.
BlockMaskSpec parse_block_mask(const std::string& text);

// M [n_sites, n_blocks · units_per_block]: unit u of block (X, Y) (column (Y·(Lx/b) + X)·U + u)
// sees the sites x ∈ [bX − h, bX + b + h), y ∈ [bY − h, bY + b + h) (mod L). Throws Error unless
// b divides both sizes and 2h + b ≤ the lattice size.
MatrixF block_mask(const Lattice& lattice, const BlockMaskSpec& spec);

}  // namespace rgflow::rg
