// 8-wide float32 transcendental functions for the unary kernels, from glibc's
// libmvec (the vector math library GCC itself vectorises -ffast-math loops
// with; <= 4 ulp, IEEE special values). Resolved once at run time with
// dlopen/dlsym: where libmvec or a function is missing (glibc < 2.35), the
// pointer is null and kernels keep their scalar loops, so the library needs
// no newer glibc than the rest of it.
#pragma once

#include <immintrin.h>

namespace sn::vm {

using V8 = __m256;
using Fn = V8 (*)(V8);

struct Functions {
  Fn exp = nullptr, log = nullptr, expm1 = nullptr, log1p = nullptr, log2 = nullptr, log10 = nullptr;
  Fn sin = nullptr, cos = nullptr, tan = nullptr, asin = nullptr, acos = nullptr, atan = nullptr;
  Fn sinh = nullptr, cosh = nullptr, tanh = nullptr, asinh = nullptr, acosh = nullptr, atanh = nullptr;
  Fn cbrt = nullptr, erf = nullptr;
};

// The resolved table (thread-safe, resolved on first use).
const Functions& functions() noexcept;

inline V8 splat(float v) { return _mm256_set1_ps(v); }
inline V8 neg(V8 v) { return _mm256_xor_ps(v, _mm256_set1_ps(-0.0f)); }

}  // namespace sn::vm
