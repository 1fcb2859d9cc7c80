#include "core/cpu_features.h"

#include <cstdlib>
#include <string_view>

#if defined(__x86_64__)
#include <cpuid.h>
#endif

namespace sn {

namespace {

#if defined(__x86_64__)
// XCR0: which register states the OS saves (AVX needs bits 1-2, AVX-512 also 5-7).
uint64_t xgetbv0() noexcept {
  uint32_t lo = 0, hi = 0;
  __asm__ volatile("xgetbv" : "=a"(lo), "=d"(hi) : "c"(0));
  return (static_cast<uint64_t>(hi) << 32) | lo;
}
#endif

CpuFeatures detect() noexcept {
  CpuFeatures f;
#if defined(__x86_64__)
  unsigned a = 0, b = 0, c = 0, d = 0;
  if (!__get_cpuid(1, &a, &b, &c, &d)) return f;
  const bool osxsave = c & (1u << 27);
  const uint64_t xcr0 = osxsave ? xgetbv0() : 0;
  const bool avx_state = (xcr0 & 0x6) == 0x6;
  const bool avx512_state = avx_state && (xcr0 & 0xe0) == 0xe0;
  const bool avx = avx_state && (c & (1u << 28));
  f.fma = avx && (c & (1u << 12));
  f.f16c = avx && (c & (1u << 29));
  if (__get_cpuid_count(7, 0, &a, &b, &c, &d)) {
    f.avx2 = avx && (b & (1u << 5));
    f.avx512f = avx512_state && (b & (1u << 16));
    f.avx512dq = f.avx512f && (b & (1u << 17));
    f.avx512bw = f.avx512f && (b & (1u << 30));
    f.avx512vl = f.avx512f && (b & (1u << 31));
  }
  if (f.avx512f && __get_cpuid_count(7, 1, &a, &b, &c, &d)) f.avx512_bf16 = a & (1u << 5);
#endif
  return f;
}

}  // namespace

const CpuFeatures& cpu_features() noexcept {
  static const CpuFeatures features = detect();
  return features;
}

CpuPath cpu_path() noexcept {
  static const CpuPath path = [] {
    const CpuFeatures& f = cpu_features();
    bool avx512 = f.avx512f && f.avx512bw && f.avx512vl && f.avx512dq;
    const char* cap = std::getenv("SHARPNET_MAX_CPU_ISA");
    if (cap != nullptr && std::string_view(cap) == "avx2") avx512 = false;
    return avx512 ? CpuPath::kAvx512 : CpuPath::kAvx2;
  }();
  return path;
}

std::string_view cpu_path_name(CpuPath path) noexcept {
  return path == CpuPath::kAvx512 ? "avx512" : "avx2";
}

}  // namespace sn
