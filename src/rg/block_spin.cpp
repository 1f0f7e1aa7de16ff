#include "rgflow/rg/block_spin.hpp"

#include "rgflow/core/error.hpp"

namespace rgflow::rg {

BlockRule parse_block_rule(const std::string& name) {
  if (name == "majority") return BlockRule::majority;
  if (name == "decimation") return BlockRule::decimation;
  throw Error("unknown block-spin rule '" + name + "' (majority, decimation)");
}

std::string block_rule_name(BlockRule rule) {
  return rule == BlockRule::majority ? "majority" : "decimation";
}

namespace {
void check(int L, int b) {
  if (b < 1 || L < 1 || L % b != 0)
    throw Error("block spins: the block size " + std::to_string(b) + " must divide the lattice size " +
                std::to_string(L));
}

void block_one(const std::int8_t* s, int L, int b, BlockRule rule, Rng& rng, std::int8_t* out) {
  const int Lb = L / b;
  for (int Y = 0; Y < Lb; ++Y) {
    for (int X = 0; X < Lb; ++X) {
      if (rule == BlockRule::decimation) {
        out[Y * Lb + X] = s[(b * Y) * L + b * X];
        continue;
      }
      int sum = 0;
      for (int y = b * Y; y < b * Y + b; ++y)
        for (int x = b * X; x < b * X + b; ++x) sum += s[y * L + x];
      if (sum == 0) sum = (rng() & 1u) ? 1 : -1;
      out[Y * Lb + X] = sum > 0 ? 1 : -1;
    }
  }
}
}  // namespace

std::vector<std::int8_t> block_spins(std::span<const std::int8_t> spins, int L, int b, BlockRule rule,
                                     Rng& rng) {
  check(L, b);
  if (spins.size() != static_cast<std::size_t>(L) * L)
    throw Error("block spins: configuration has " + std::to_string(spins.size()) + " spins, expected L^2");
  std::vector<std::int8_t> out(static_cast<std::size_t>(L / b) * (L / b));
  block_one(spins.data(), L, b, rule, rng, out.data());
  return out;
}

std::vector<std::int8_t> block_spins_batch(std::span<const std::int8_t> spins, std::int64_t n, int L,
                                           int b, BlockRule rule, std::uint64_t seed) {
  check(L, b);
  const auto in_size = static_cast<std::int64_t>(L) * L;
  const auto out_size = static_cast<std::int64_t>(L / b) * (L / b);
  if (n < 0 || static_cast<std::int64_t>(spins.size()) != n * in_size)
    throw Error("block spins: batch size does not match n x L x L");
  std::vector<std::int8_t> out(static_cast<std::size_t>(n * out_size));
#pragma omp parallel for schedule(static)
  for (std::int64_t i = 0; i < n; ++i) {
    Rng rng(seed, static_cast<std::uint64_t>(i));
    block_one(spins.data() + i * in_size, L, b, rule, rng, out.data() + i * out_size);
  }
  return out;
}

}  // namespace rgflow::rg
