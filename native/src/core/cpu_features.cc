#include "core/cpu_features.h"

#include <cstdlib>
#include <string_view>

namespace sn {

const CpuFeatures& cpu_features() noexcept {
  static const CpuFeatures features = [] {
    CpuFeatures f;
#if defined(__x86_64__)
    __builtin_cpu_init();
    f.avx2 = __builtin_cpu_supports("avx2");
    f.fma = __builtin_cpu_supports("fma");
    f.f16c = __builtin_cpu_supports("f16c");
    f.avx512f = __builtin_cpu_supports("avx512f");
    f.avx512bw = __builtin_cpu_supports("avx512bw");
    f.avx512vl = __builtin_cpu_supports("avx512vl");
    f.avx512dq = __builtin_cpu_supports("avx512dq");
    f.avx512_bf16 = __builtin_cpu_supports("avx512bf16");
#endif
    return f;
  }();
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
