#include "ndarray/kernels.h"

#include <cmath>
#include <cstring>
#include <limits>
#include <type_traits>
#include <vector>

#include "core/convert.h"
#include "core/parallel.h"

namespace sn {

namespace {

// Values as the arithmetic type they stand for: half/bf16 as float.
template <class T>
auto widen(T v) {
  if constexpr (std::is_same_v<T, half_t> || std::is_same_v<T, bf16_t>) return static_cast<float>(v);
  else return v;
}

template <class To, class From>
To convert_one(From v) {
  auto x = widen(v);
  using X = decltype(x);
  if constexpr (std::is_same_v<To, bool>) {
    return x != X(0);
  } else if constexpr (std::is_same_v<To, half_t> || std::is_same_v<To, bf16_t>) {
    return To(static_cast<float>(x));
  } else if constexpr (std::is_floating_point_v<To>) {
    return static_cast<To>(x);
  } else if constexpr (std::is_floating_point_v<X>) {  // float -> integer: saturate, NaN -> 0
    if (std::isnan(x)) return To(0);
    constexpr double lo = static_cast<double>(std::numeric_limits<To>::min());
    constexpr double hi = static_cast<double>(std::numeric_limits<To>::max());
    double d = static_cast<double>(x);
    if (d <= lo) return std::numeric_limits<To>::min();
    if (d >= hi) return std::numeric_limits<To>::max();  // for int64, hi rounds up to 2^63: still saturates
    return static_cast<To>(d);
  } else {
    return static_cast<To>(x);  // integer -> integer: modular (C++20)
  }
}

template <class To, class From>
void convert_loop(const From* src, To* dst, int64_t n, int num_threads) {
  parallel_for(n, num_threads, [&](int64_t b, int64_t e) {
    for (int64_t i = b; i < e; ++i) dst[i] = convert_one<To>(src[i]);
  });
}

template <class T>
T from_double(double v) {
  if constexpr (std::is_same_v<T, half_t> || std::is_same_v<T, bf16_t>) return T(static_cast<float>(v));
  else return convert_one<T>(v);
}

}  // namespace

void convert(const void* src, DType src_dtype, void* dst, DType dst_dtype, int64_t n, int num_threads) {
  if (n <= 0) return;
  if (src_dtype == dst_dtype) {
    const size_t bytes = static_cast<size_t>(n) * static_cast<size_t>(dtype_size(src_dtype));
    parallel_for(static_cast<int64_t>(bytes), num_threads, [&](int64_t b, int64_t e) {
      std::memcpy(static_cast<char*>(dst) + b, static_cast<const char*>(src) + b, static_cast<size_t>(e - b));
    }, 1);
    return;
  }
  // The vectorised float32 <-> 16-bit float paths.
  if (src_dtype == DType::kFloat32 && (dst_dtype == DType::kFloat16 || dst_dtype == DType::kBFloat16)) {
    parallel_for(n, num_threads, [&](int64_t b, int64_t e) {
      if (dst_dtype == DType::kFloat16) sn::convert(static_cast<const float*>(src) + b, static_cast<half_t*>(dst) + b, e - b);
      else sn::convert(static_cast<const float*>(src) + b, static_cast<bf16_t*>(dst) + b, e - b);
    });
    return;
  }
  if (dst_dtype == DType::kFloat32 && (src_dtype == DType::kFloat16 || src_dtype == DType::kBFloat16)) {
    parallel_for(n, num_threads, [&](int64_t b, int64_t e) {
      if (src_dtype == DType::kFloat16) sn::convert(static_cast<const half_t*>(src) + b, static_cast<float*>(dst) + b, e - b);
      else sn::convert(static_cast<const bf16_t*>(src) + b, static_cast<float*>(dst) + b, e - b);
    });
    return;
  }
  dispatch_dtype<AllDTypes>(src_dtype, "convert", [&]<class From>() {
    dispatch_dtype<AllDTypes>(dst_dtype, "convert", [&]<class To>() {
      convert_loop(static_cast<const From*>(src), static_cast<To*>(dst), n, num_threads);
    });
  });
}

void scalar_to_bytes(double v, DType dtype, void* out) {
  dispatch_dtype<AllDTypes>(dtype, "fill", [&]<class T>() {
    T x = from_double<T>(v);
    std::memcpy(out, &x, sizeof(T));
  });
}

void fill(void* dst, DType dtype, int64_t n, double value, int num_threads) {
  if (n <= 0) return;
  dispatch_dtype<AllDTypes>(dtype, "fill", [&]<class T>() {
    const T x = from_double<T>(value);
    T* p = static_cast<T*>(dst);
    parallel_for(n, num_threads, [&](int64_t b, int64_t e) { std::fill(p + b, p + e, x); });
  });
}

void arange(void* dst, DType dtype, int64_t n, double start, double step, int64_t repeat, int num_threads) {
  if (n <= 0) return;
  dispatch_dtype<AllDTypes>(dtype, "arange", [&]<class T>() {
    T* p = static_cast<T*>(dst);
    parallel_for(n, num_threads, [&](int64_t b, int64_t e) {
      for (int64_t i = b; i < e; ++i) p[i] = from_double<T>(start + static_cast<double>(i / repeat) * step);
    });
  });
}

namespace {

// Calls row(src_offset, dst_offset) for every innermost row of `shape`
// (the last dim), over rows [begin, end) in row-major order.
template <class Row>
void for_each_row(std::span<const int64_t> shape, std::span<const int64_t> ss, std::span<const int64_t> ds,
                  int64_t begin, int64_t end, Row&& row) {
  const int nd = static_cast<int>(shape.size());
  std::vector<int64_t> idx(static_cast<size_t>(std::max(nd - 1, 0)), 0);
  // Unravel `begin` over the outer dims.
  int64_t rem = begin;
  for (int d = nd - 2; d >= 0; --d) {
    idx[static_cast<size_t>(d)] = rem % shape[static_cast<size_t>(d)];
    rem /= shape[static_cast<size_t>(d)];
  }
  int64_t so = 0, dof = 0;
  for (int d = 0; d < nd - 1; ++d) {
    so += idx[static_cast<size_t>(d)] * ss[static_cast<size_t>(d)];
    dof += idx[static_cast<size_t>(d)] * ds[static_cast<size_t>(d)];
  }
  for (int64_t r = begin; r < end; ++r) {
    row(so, dof);
    for (int d = nd - 2; d >= 0; --d) {  // odometer increment
      auto du = static_cast<size_t>(d);
      so += ss[du];
      dof += ds[du];
      if (++idx[du] < shape[du]) break;
      so -= ss[du] * shape[du];
      dof -= ds[du] * shape[du];
      idx[du] = 0;
    }
  }
}

int64_t outer_rows(std::span<const int64_t> shape) {
  int64_t rows = 1;
  for (size_t d = 0; d + 1 < shape.size(); ++d) rows *= shape[d];
  return rows;
}

}  // namespace

void strided_copy(std::span<const int64_t> shape, int elem_bytes, StridedView src, StridedView dst, int num_threads) {
  for (int64_t d : shape)
    if (d == 0) return;
  if (shape.empty()) {
    std::memcpy(dst.base, src.base, static_cast<size_t>(elem_bytes));
    return;
  }
  const int64_t inner = shape.back();
  const int64_t s_in = src.strides.back(), d_in = dst.strides.back();
  const int64_t rows = outer_rows(shape);
  auto* s = static_cast<const char*>(src.base);
  auto* t = static_cast<char*>(dst.base);
  const int64_t eb = elem_bytes;
  parallel_for(rows, num_threads, [&](int64_t b, int64_t e) {
    for_each_row(shape, src.strides, dst.strides, b, e, [&](int64_t so, int64_t dof) {
      if (s_in == 1 && d_in == 1) {
        std::memcpy(t + dof * eb, s + so * eb, static_cast<size_t>(inner * eb));
      } else {
        for (int64_t i = 0; i < inner; ++i)
          std::memcpy(t + (dof + i * d_in) * eb, s + (so + i * s_in) * eb, static_cast<size_t>(eb));
      }
    });
  }, inner);
}

void strided_fill(std::span<const int64_t> shape, int elem_bytes, const void* value, StridedView dst, int num_threads) {
  for (int64_t d : shape)
    if (d == 0) return;
  if (shape.empty()) {
    std::memcpy(dst.base, value, static_cast<size_t>(elem_bytes));
    return;
  }
  const int64_t inner = shape.back();
  const int64_t d_in = dst.strides.back();
  const int64_t rows = outer_rows(shape);
  auto* t = static_cast<char*>(dst.base);
  const int64_t eb = elem_bytes;
  std::vector<int64_t> zeros(shape.size(), 0);
  parallel_for(rows, num_threads, [&](int64_t b, int64_t e) {
    for_each_row(shape, zeros, dst.strides, b, e, [&](int64_t, int64_t dof) {
      for (int64_t i = 0; i < inner; ++i) std::memcpy(t + (dof + i * d_in) * eb, value, static_cast<size_t>(eb));
    });
  }, inner);
}

}  // namespace sn
