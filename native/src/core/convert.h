// Bulk conversions between float32 and the 16-bit float formats, vectorised,
// with the AVX-512 variant chosen at run time (Note [ISA baseline]).
#pragma once

#include <cstdint>

#include "core/dtype.h"

namespace sn {

void convert(const float* src, half_t* dst, int64_t n) noexcept;
void convert(const half_t* src, float* dst, int64_t n) noexcept;
void convert(const float* src, bf16_t* dst, int64_t n) noexcept;
void convert(const bf16_t* src, float* dst, int64_t n) noexcept;

namespace detail {
// The per-ISA variants, exposed so tests can compare them.
struct ConvertKernels {
  void (*f32_to_f16)(const float*, half_t*, int64_t) noexcept;
  void (*f16_to_f32)(const half_t*, float*, int64_t) noexcept;
  void (*f32_to_bf16)(const float*, bf16_t*, int64_t) noexcept;
  void (*bf16_to_f32)(const bf16_t*, float*, int64_t) noexcept;
};
extern const ConvertKernels kConvertAvx2;
extern const ConvertKernels kConvertAvx512;
}  // namespace detail

}  // namespace sn
