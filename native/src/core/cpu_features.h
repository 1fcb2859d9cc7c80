// What this CPU can run, and which code path Sharpnet's own kernels take.
#pragma once

#include <string_view>

namespace sn {

struct CpuFeatures {
  bool avx2 = false;
  bool fma = false;
  bool f16c = false;
  bool avx512f = false;
  bool avx512bw = false;
  bool avx512vl = false;
  bool avx512dq = false;
  bool avx512_bf16 = false;
};

// Detected once (cpuid).
const CpuFeatures& cpu_features() noexcept;

// Note [ISA baseline] (cmake/SharpnetCompiler.cmake): kernels with an AVX-512
// variant (*_avx512.cc) use it when the CPU has AVX-512 F/BW/VL/DQ, unless
// SHARPNET_MAX_CPU_ISA=avx2 caps it (like oneDNN's ONEDNN_MAX_CPU_ISA).
enum class CpuPath { kAvx2, kAvx512 };
CpuPath cpu_path() noexcept;
std::string_view cpu_path_name(CpuPath path) noexcept;

}  // namespace sn
