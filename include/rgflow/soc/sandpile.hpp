#pragma once
// The Bak–Tang–Wiesenfeld (BTW) / abelian sandpile on an L×L square lattice with open boundaries.
//
// Heights z_i ∈ {0, 1, 2, 3} are stable; a site with z_i ≥ 4 topples: z_i → z_i − 4 and each of its
// four neighbours gains one grain; grains that leave the lattice are lost (open boundary: the
// sink). In matrix form a toppling at i subtracts row i of the toppling matrix
//   Δ_ii = 4,  Δ_ij = −1 for nearest neighbours i, j (Dhar 1990, PRL 64, 1613),
// which is the Dirichlet Laplacian of the grid. The model is driven by adding one grain at a
// uniformly random site and relaxing (Bak, Tang & Wiesenfeld 1987, PRL 59, 381).
//
// Relaxation is abelian: the final stable configuration and the number of topplings at every site
// do not depend on the order of topplings (Dhar 1990). The kernel relaxes in parallel-update
// generations (all sites unstable at the start of a generation topple once; that is the BTW time
// step, so the number of generations is the avalanche duration) with two preallocated fronts of
// site indices: no recursion, no allocation, no boundary test for interior sites (a per-site
// bitmask marks the directions leading to the sink).
//
// Per avalanche (one added grain): size s = number of topplings, area a = number of distinct sites
// that toppled, duration t = number of parallel update steps, linear extent r = radius of gyration
// of the toppled sites, r² = ⟨x² + y²⟩ − ⟨x⟩² − ⟨y⟩² over distinct sites (Lübeck & Usadel 1997,
// PRE 55, 4095).
#include <array>
#include <cstdint>
#include <span>
#include <vector>

namespace rgflow::soc {

inline constexpr int kThreshold = 4;     // a site topples when z ≥ 4 (= its number of neighbours)
inline constexpr int kMaxSide = 8192;    // lattices up to 8192×8192 (indices fit int32)
inline constexpr int kMaxInputHeight = 200;  // relax(): larger heights could overflow uint8

struct Avalanche {
  std::int64_t size = 0;      // topplings
  std::int64_t area = 0;      // distinct sites that toppled
  std::int32_t duration = 0;  // parallel update steps (generations)
  double radius = 0.0;        // radius of gyration of the toppled sites (lattice units)
};

// Toppling counts n_i of one avalanche on the sites that toppled (the odometer; Fey, Levine &
// Peres 2010). `sites` are row-major interior indices y·L + x.
struct Odometer {
  std::vector<std::int32_t> sites;
  std::vector<std::int32_t> counts;
};

class Sandpile {
 public:
  // An empty (all-zero) L×L lattice, 1 ≤ L ≤ kMaxSide; Error otherwise.
  explicit Sandpile(int L);

  int side() const { return L_; }
  std::int64_t sites() const { return std::int64_t{L_} * L_; }

  // Heights in row-major order, index y·L + x.
  std::vector<std::uint8_t> heights() const;
  int height(int site) const { return z_[padded(site)]; }
  // Sets all heights (size L², values 0..kMaxInputHeight, Error otherwise). Unstable sites stay
  // unstable until relax().
  void set_heights(std::span<const std::uint8_t> z);
  // Relaxes every unstable site (abelian: any order gives the same result); returns the avalanche
  // statistics of this relaxation (duration counts parallel generations from the current state).
  Avalanche relax();

  // Adds one grain at `site` (row-major index) and relaxes. The hot path of the driven model.
  Avalanche add_grain(std::int32_t site);
  // The same, also returning the toppling count of every site that toppled (slower; for the
  // real-space RG view).
  Avalanche add_grain(std::int32_t site, Odometer& odometer);
  // Adds one grain without relaxing (height may reach kMaxInputHeight; Error beyond).
  void add_grain_unrelaxed(std::int32_t site);

  bool stable() const;
  // Number of sites with height 0, 1, 2, 3 (stable lattices).
  std::array<std::int64_t, 4> height_counts() const;

 private:
  template <bool kOdometer>
  Avalanche relax_front(std::int32_t front_size, Odometer* odometer);
  std::size_t padded(std::int64_t site) const {
    return static_cast<std::size_t>((site / L_ + 1) * W_ + site % L_ + 1);
  }

  int L_;
  int W_;                              // padded row width L + 2
  std::vector<std::uint8_t> z_;        // (L+2)² heights; the border ring is never written
  std::vector<std::uint8_t> sink_;     // per padded site: bit d set when direction d is the sink
  std::vector<std::uint8_t> toppled_;  // per padded site: toppled in the current avalanche
  std::vector<std::int32_t> count_;    // per padded site: topplings (odometer mode only)
  std::vector<std::int32_t> front_, next_, touched_;
};

// Adds the stable configurations a and b site by site and relaxes: the sandpile group operation
// a ⊕ b (Dhar 1990; Creutz 1991). Both of size L², heights 0..3.
std::vector<std::uint8_t> add_configurations(int L, std::span<const std::uint8_t> a,
                                             std::span<const std::uint8_t> b);

}  // namespace rgflow::soc
