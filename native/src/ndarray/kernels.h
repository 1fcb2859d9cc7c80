// CPU kernels NDArray needs by itself: element conversion, fill, arange, and
// strided copies (non-contiguous slicing and slice assignment).
#pragma once

#include <cstdint>
#include <span>

#include "core/dtype.h"

namespace sn {

// Note [Conversion semantics] (ARCHITECTURE.md "Semantics")
// Float to integer conversions saturate at the target's limits and map NaN to
// 0; to bool is "!= 0"; integer to integer wraps (C++20 modular conversion, as
// NumPy's astype); to float16/bfloat16 rounds to nearest even through float32
// (float64 values are first rounded to float32).
void convert(const void* src, DType src_dtype, void* dst, DType dst_dtype, int64_t n, int num_threads);

// The value `v` converted to `dtype` (as above), written to `out` (dtype_size bytes).
void scalar_to_bytes(double v, DType dtype, void* out);

void fill(void* dst, DType dtype, int64_t n, double value, int num_threads);

// dst[i] = start + (i / repeat) * step, converted to dtype.
void arange(void* dst, DType dtype, int64_t n, double start, double step, int64_t repeat, int num_threads);

// An N-d view for strided copies: element strides (0 broadcasts) from `base`.
struct StridedView {
  void* base;
  std::span<const int64_t> strides;
};

// Copies `shape` elements of size `elem_bytes` from src to dst, each with its strides.
void strided_copy(std::span<const int64_t> shape, int elem_bytes, StridedView src, StridedView dst, int num_threads);

// Writes the `elem_bytes` bytes at `value` to every element of the strided region.
void strided_fill(std::span<const int64_t> shape, int elem_bytes, const void* value, StridedView dst, int num_threads);

}  // namespace sn
