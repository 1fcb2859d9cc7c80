// Philox4x32-10 (Salmon et al., "Parallel random numbers: as easy as 1, 2, 3", SC'11): a counter-based
// generator. Output block i of a stream depends only on (key, counter), so samples are the same whatever
// the thread count, engine kind or device.
#pragma once

#include <array>
#include <cmath>
#include <cstdint>

namespace sn::philox {

using Block = std::array<uint32_t, 4>;

inline Block generate(uint64_t key, uint64_t stream, uint64_t index) noexcept {
  uint32_t k0 = static_cast<uint32_t>(key), k1 = static_cast<uint32_t>(key >> 32);
  Block c{static_cast<uint32_t>(index), static_cast<uint32_t>(index >> 32), static_cast<uint32_t>(stream),
          static_cast<uint32_t>(stream >> 32)};
  for (int round = 0; round < 10; ++round) {
    const uint64_t p0 = uint64_t{0xD2511F53} * c[0];
    const uint64_t p1 = uint64_t{0xCD9E8D57} * c[2];
    c = {static_cast<uint32_t>(p1 >> 32) ^ c[1] ^ k0, static_cast<uint32_t>(p1), static_cast<uint32_t>(p0 >> 32) ^ c[3] ^ k1,
         static_cast<uint32_t>(p0)};
    k0 += 0x9E3779B9;
    k1 += 0xBB67AE85;
  }
  return c;
}

// A uniform float in [0, 1) from 24 random bits; a double from 53.
inline float to_unit_float(uint32_t x) noexcept { return static_cast<float>(x >> 8) * 0x1.0p-24f; }
inline double to_unit_double(uint32_t hi, uint32_t lo) noexcept {
  return static_cast<double>((static_cast<uint64_t>(hi) << 21) ^ (lo >> 11)) * 0x1.0p-53;
}

}  // namespace sn::philox
