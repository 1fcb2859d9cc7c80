#include "core/convert.h"

#include <immintrin.h>

#include "core/cpu_features.h"

namespace sn {

namespace {

void f32_to_f16(const float* src, half_t* dst, int64_t n) noexcept {
  int64_t i = 0;
  for (; i + 8 <= n; i += 8) {
    __m128i h = _mm256_cvtps_ph(_mm256_loadu_ps(src + i), _MM_FROUND_TO_NEAREST_INT);
    _mm_storeu_si128(reinterpret_cast<__m128i*>(dst + i), h);
  }
  for (; i < n; ++i) dst[i] = half_t(src[i]);
}

void f16_to_f32(const half_t* src, float* dst, int64_t n) noexcept {
  int64_t i = 0;
  for (; i + 8 <= n; i += 8) {
    __m128i h = _mm_loadu_si128(reinterpret_cast<const __m128i*>(src + i));
    _mm256_storeu_ps(dst + i, _mm256_cvtph_ps(h));
  }
  for (; i < n; ++i) dst[i] = static_cast<float>(src[i]);
}

void f32_to_bf16(const float* src, bf16_t* dst, int64_t n) noexcept {
  const __m256i abs_mask = _mm256_set1_epi32(0x7fffffff);
  const __m256i inf = _mm256_set1_epi32(0x7f800000);
  const __m256i bias = _mm256_set1_epi32(0x7fff);
  const __m256i one = _mm256_set1_epi32(1);
  const __m256i quiet = _mm256_set1_epi32(0x40);
  int64_t i = 0;
  for (; i + 8 <= n; i += 8) {
    __m256i u = _mm256_castps_si256(_mm256_loadu_ps(src + i));
    __m256i is_nan = _mm256_cmpgt_epi32(_mm256_and_si256(u, abs_mask), inf);
    __m256i lsb = _mm256_and_si256(_mm256_srli_epi32(u, 16), one);
    __m256i rounded = _mm256_srli_epi32(_mm256_add_epi32(u, _mm256_add_epi32(bias, lsb)), 16);
    __m256i nan_bits = _mm256_or_si256(_mm256_srli_epi32(u, 16), quiet);
    __m256i r = _mm256_blendv_epi8(rounded, nan_bits, is_nan);
    __m256i packed = _mm256_permute4x64_epi64(_mm256_packus_epi32(r, r), 0xd8);
    _mm_storeu_si128(reinterpret_cast<__m128i*>(dst + i), _mm256_castsi256_si128(packed));
  }
  for (; i < n; ++i) dst[i] = bf16_t(src[i]);
}

void bf16_to_f32(const bf16_t* src, float* dst, int64_t n) noexcept {
  int64_t i = 0;
  for (; i + 8 <= n; i += 8) {
    __m256i w = _mm256_cvtepu16_epi32(_mm_loadu_si128(reinterpret_cast<const __m128i*>(src + i)));
    _mm256_storeu_ps(dst + i, _mm256_castsi256_ps(_mm256_slli_epi32(w, 16)));
  }
  for (; i < n; ++i) dst[i] = static_cast<float>(src[i]);
}

const detail::ConvertKernels& active() noexcept {
  static const detail::ConvertKernels& k =
      cpu_path() == CpuPath::kAvx512 ? detail::kConvertAvx512 : detail::kConvertAvx2;
  return k;
}

}  // namespace

namespace detail {
const ConvertKernels kConvertAvx2 = {f32_to_f16, f16_to_f32, f32_to_bf16, bf16_to_f32};
}

void convert(const float* src, half_t* dst, int64_t n) noexcept { active().f32_to_f16(src, dst, n); }
void convert(const half_t* src, float* dst, int64_t n) noexcept { active().f16_to_f32(src, dst, n); }
void convert(const float* src, bf16_t* dst, int64_t n) noexcept { active().f32_to_bf16(src, dst, n); }
void convert(const bf16_t* src, float* dst, int64_t n) noexcept { active().bf16_to_f32(src, dst, n); }

}  // namespace sn
