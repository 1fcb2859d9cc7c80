// Draws for one output element from its own Philox substream, and the distributions built on them.
//
// Note [Per-element substreams]
// Element e of a sampler call reads Philox blocks (seed, sequence, e, k) for k = 0, 1, ...: its values
// depend on nothing but the seed, the call's sequence and e, so rejection samplers (which use a varying
// number of draws) give the same numbers whatever the thread count or the split of the work.
#pragma once

#include <cmath>
#include <cstdint>
#include <limits>
#include <numbers>
#include <type_traits>

#include "ops/random/philox.h"

namespace sn::philox {

class ElementStream {
 public:
  // Element bits above 32 go to the top of the stream word, which op sequences never reach.
  ElementStream(uint64_t key, uint64_t sequence, uint64_t element) noexcept
      : key_(key), stream_(sequence ^ ((element >> 32) << 40)), base_(element << 32) {}

  uint32_t next32() noexcept {
    if (used_ == 4) {
      block_ = generate(key_, stream_, base_ | counter_++);
      used_ = 0;
    }
    return block_[used_++];
  }
  uint64_t next64() noexcept {
    const uint64_t hi = next32();
    return (hi << 32) | next32();
  }
  // Uniform in [0, 1) with 53 random bits.
  double uniform() noexcept {
    const uint32_t hi = next32();
    return to_unit_double(hi, next32());
  }
  // Uniform in (0, 1]: safe under log.
  double uniform_open0() noexcept { return 1.0 - uniform(); }
  // Standard normal by Box-Muller; the pair's second value is kept for the next call.
  double normal() noexcept {
    if (has_spare_) {
      has_spare_ = false;
      return spare_;
    }
    const double rad = std::sqrt(-2.0 * std::log(uniform_open0()));
    const double th = 2.0 * std::numbers::pi * uniform();
    spare_ = rad * std::sin(th);
    has_spare_ = true;
    return rad * std::cos(th);
  }
  // Uniform integer in [0, range) (range > 0), unbiased by rejection.
  uint64_t below(uint64_t range) noexcept {
    const uint64_t limit = (0 - range) % range;  // 2^64 mod range: draws under it would bias
    for (;;) {
      const uint64_t r = next64();
      if (r >= limit) return r % range;
    }
  }

 private:
  uint64_t key_, stream_, base_;
  uint32_t counter_ = 0;
  Block block_{};
  int used_ = 4;
  double spare_ = 0;
  bool has_spare_ = false;
};

// log(k!) without lgamma (whose glibc version writes the global signgam): exact sums below 16, Stirling's
// series above (error under 1e-13 there).
inline double log_factorial(double k) noexcept {
  if (k < 16) {
    double s = 0;
    for (int i = 2; i <= static_cast<int>(k); ++i) s += std::log(static_cast<double>(i));
    return s;
  }
  const double n = k + 1, inv = 1 / n, inv2 = inv * inv;
  return (n - 0.5) * std::log(n) - n + 0.5 * std::log(2 * std::numbers::pi) +
         inv * (1.0 / 12 - inv2 * (1.0 / 360 - inv2 / 1260));
}

// Gamma(alpha, 1) for alpha > 0: Marsaglia and Tsang (2000); alpha < 1 boosted as G(alpha + 1) U^(1/alpha).
inline double gamma(ElementStream& s, double alpha) noexcept {
  double boost = 1;
  if (alpha < 1) {
    boost = std::pow(s.uniform_open0(), 1 / alpha);
    alpha += 1;
  }
  const double d = alpha - 1.0 / 3, c = 1 / std::sqrt(9 * d);
  for (;;) {
    double x, v;
    do {
      x = s.normal();
      v = 1 + c * x;
    } while (v <= 0);
    v = v * v * v;
    const double u = s.uniform_open0();
    if (u < 1 - 0.0331 * (x * x) * (x * x)) return d * v * boost;
    if (std::log(u) < 0.5 * x * x + d * (1 - v + std::log(v))) return d * v * boost;
  }
}

// Poisson(lam) for lam >= 0: multiplication of uniforms below 10, else Hörmann's PTRS (transformed
// rejection, 1993), about 1.2 draws per value.
inline double poisson(ElementStream& s, double lam) noexcept {
  if (lam <= 0) return 0;
  if (lam < 10) {
    const double limit = std::exp(-lam);
    double prod = s.uniform_open0(), k = 0;
    while (prod > limit) {
      prod *= s.uniform_open0();
      k += 1;
    }
    return k;
  }
  const double slam = std::sqrt(lam), loglam = std::log(lam);
  const double b = 0.931 + 2.53 * slam, a = -0.059 + 0.02483 * b;
  const double inv_alpha = 1.1239 + 1.1328 / (b - 3.4), vr = 0.9277 - 3.6224 / (b - 2);
  for (;;) {
    const double u = s.uniform() - 0.5, v = s.uniform_open0();
    const double us = 0.5 - std::abs(u);
    const double k = std::floor((2 * a / us + b) * u + lam + 0.43);
    if (us >= 0.07 && v <= vr) return k;
    if (k < 0 || (us < 0.013 && v > us)) continue;
    if (std::log(v) + std::log(inv_alpha) - std::log(a / (us * us) + b) <= -lam + k * loglam - log_factorial(k))
      return k;
  }
}

// Failures before the k-th success with success probability p (0 < p <= 1): Poisson(Gamma(k, (1-p)/p)).
inline double negative_binomial(ElementStream& s, double k, double p) noexcept {
  if (p >= 1) return 0;
  return poisson(s, gamma(s, k) * (1 - p) / p);
}

// Mean mu, variance mu + alpha mu^2 (mu >= 0, alpha >= 0): Poisson(Gamma(1/alpha, alpha mu)).
inline double generalized_negative_binomial(ElementStream& s, double mu, double alpha) noexcept {
  if (alpha == 0) return poisson(s, mu);
  return poisson(s, gamma(s, 1 / alpha) * alpha * mu);
}

// The largest value of T below x (a uniform sample rounded up to `high` steps back under it).
template <class T>
T next_down(T x) {
  if constexpr (std::is_floating_point_v<T>) {
    return std::nextafter(x, -std::numeric_limits<T>::infinity());
  } else {  // 16-bit floats: step the bit pattern
    const float f = static_cast<float>(x);
    if (f == 0) return T::from_bits(0x8001);
    return T::from_bits(static_cast<uint16_t>(f > 0 ? x.bits - 1 : x.bits + 1));
  }
}

}  // namespace sn::philox
