// Shared pieces of the normalisation layers (LayerNorm, GroupNorm, InstanceNorm, L2Normalization): statistics in
// a wide enough type, the row kernels that normalise contiguous sets with an affine transform, and the
// second-order gradient of the mean/std normalisations, composed from registered ops.
#pragma once

#include <algorithm>
#include <cmath>
#include <string>
#include <type_traits>
#include <vector>

#include "ops/gradient.h"
#include "ops/op_utils.h"

namespace sn::norm {

// Statistics accumulate in float for float32 and the 16-bit floats, in double for float64.
template <class T>
using stat_t = std::conditional_t<std::is_same_v<T, double>, double, float>;

// Mean and biased variance of n contiguous values, two passes (the second over cached data) so a large mean does
// not cancel the variance away. n == 0 gives 0 and 0.
template <class T>
inline void row_moments(const T* x, int64_t n, stat_t<T>& mean, stat_t<T>& var) {
  using A = stat_t<T>;
  if (n == 0) {
    mean = var = 0;
    return;
  }
  A s = 0;
#pragma omp simd reduction(+ : s)
  for (int64_t k = 0; k < n; ++k) s += static_cast<A>(load(x[k]));
  const A m = s / static_cast<A>(n);
  A q = 0;
#pragma omp simd reduction(+ : q)
  for (int64_t k = 0; k < n; ++k) {
    const A d = static_cast<A>(load(x[k])) - m;
    q += d * d;
  }
  mean = m;
  var = q / static_cast<A>(n);
}

// Columns handled together by the strided kernels (one cache-friendly slab of an (n x inner) block).
inline constexpr int64_t kChunk = 128;

// Mean and biased variance along n rows of `len` adjacent columns (row stride `inner`), vectorised across columns.
template <class T>
inline void column_moments(const T* x, int64_t n, int64_t inner, int64_t len, stat_t<T>* mean, stat_t<T>* var) {
  using A = stat_t<T>;
  for (int64_t i = 0; i < len; ++i) mean[i] = var[i] = 0;
  if (n == 0) return;
  for (int64_t k = 0; k < n; ++k) {
    const T* r = x + k * inner;
#pragma omp simd
    for (int64_t i = 0; i < len; ++i) mean[i] += static_cast<A>(load(r[i]));
  }
  const A inv = A(1) / static_cast<A>(n);
  for (int64_t i = 0; i < len; ++i) mean[i] *= inv;
  for (int64_t k = 0; k < n; ++k) {
    const T* r = x + k * inner;
#pragma omp simd
    for (int64_t i = 0; i < len; ++i) {
      const A d = static_cast<A>(load(r[i])) - mean[i];
      var[i] += d * d;
    }
  }
  for (int64_t i = 0; i < len; ++i) var[i] *= inv;
}

// Splits `items` into at most `threads` contiguous blocks and runs f(block, lo, hi) on each in parallel: kernels
// that reduce across items keep one partial result per block and add the blocks up afterwards (deterministic for a
// given thread count).
template <class F>
inline int64_t for_blocks(int64_t items, int threads, int64_t cost_per_item, F&& f) {
  const int64_t blocks = std::max<int64_t>(1, std::min<int64_t>(items, threads));
  parallel_for(blocks, threads, [&](int64_t lo, int64_t hi) {
    for (int64_t b = lo; b < hi; ++b) f(b, items * b / blocks, items * (b + 1) / blocks);
  }, std::max<int64_t>(1, items / blocks) * cost_per_item);
  return blocks;
}

// Forward of contiguous rows of n values, y = (x - mean) / std * gamma + beta with std = sqrt(var + eps).
// kPerColumn: gamma and beta have n entries (LayerNorm on the last axis); otherwise one per row, row r taking entry
// r % groups (GroupNorm's groups, InstanceNorm's channels). Writes each row's mean and std (or var when
// `store_var`) when those pointers are given.
template <class T, bool kPerColumn>
void normalize_rows(const T* x, const T* gamma, const T* beta, T* y, T* mean_out, T* stat_out, int64_t rows,
                    int64_t n, int64_t groups, double eps, bool store_var, int threads) {
  using A = stat_t<T>;
  using C = compute_t<T>;
  parallel_for(rows, threads, [&](int64_t lo, int64_t hi) {
    for (int64_t r = lo; r < hi; ++r) {
      const T* xr = x + r * n;
      T* yr = y + r * n;
      A mean, var;
      row_moments(xr, n, mean, var);
      const A sd = std::sqrt(var + static_cast<A>(eps));
      if (mean_out) mean_out[r] = store<T>(mean);
      if (stat_out) stat_out[r] = store<T>(store_var ? var : sd);
      const C m = static_cast<C>(mean), inv = static_cast<C>(A(1) / sd);
      if constexpr (kPerColumn) {
#pragma omp simd
        for (int64_t k = 0; k < n; ++k) yr[k] = store<T>((load(xr[k]) - m) * inv * load(gamma[k]) + load(beta[k]));
      } else {
        const C s = inv * load(gamma[r % groups]);
        const C t = load(beta[r % groups]) - m * s;
#pragma omp simd
        for (int64_t k = 0; k < n; ++k) yr[k] = store<T>(load(xr[k]) * s + t);
      }
    }
  }, n * 4);
}

// Backward of normalize_rows from the forward's mean and std (or var): with xh = (x - mean) / std and a = g * gamma,
// dx = (a - mean(a) - xh * mean(a * xh)) / std; dgamma and dbeta sum g * xh and g over rows (per column) or over each
// row (per row, then over the rows sharing an entry). dgamma / dbeta may be null (not needed).
template <class T, bool kPerColumn>
void normalize_rows_backward(const T* g, const T* x, const T* gamma, const T* mean_in, const T* stat_in, T* dx,
                             T* dgamma, T* dbeta, int64_t rows, int64_t n, int64_t groups, double eps, bool stat_is_var,
                             int threads) {
  using A = stat_t<T>;
  const int64_t width = kPerColumn ? n : rows;  // partial sums per block: per column, or per row (one block)
  const int64_t max_blocks = std::max<int64_t>(1, std::min<int64_t>(rows, threads));
  std::vector<A> part(static_cast<size_t>(kPerColumn ? 2 * width * max_blocks : 2 * rows), A(0));
  const int64_t blocks = for_blocks(rows, threads, n * 6, [&](int64_t blk, int64_t lo, int64_t hi) {
    A* pg = part.data() + (kPerColumn ? 2 * width * blk : 0);
    A* pb = pg + (kPerColumn ? width : rows);
    for (int64_t r = lo; r < hi; ++r) {
      const T* gr = g + r * n;
      const T* xr = x + r * n;
      T* dr = dx + r * n;
      const A m = static_cast<A>(load(mean_in[r]));
      const A st = static_cast<A>(load(stat_in[r]));
      const A inv = A(1) / (stat_is_var ? std::sqrt(st + static_cast<A>(eps)) : st);
      A sa = 0, sax = 0;
      if constexpr (kPerColumn) {
#pragma omp simd reduction(+ : sa, sax)
        for (int64_t k = 0; k < n; ++k) {
          const A gk = static_cast<A>(load(gr[k]));
          const A xh = (static_cast<A>(load(xr[k])) - m) * inv;
          const A a = gk * static_cast<A>(load(gamma[k]));
          sa += a;
          sax += a * xh;
          pg[k] += gk * xh;
          pb[k] += gk;
        }
        const A ma = n ? sa / static_cast<A>(n) : A(0), max_ = n ? sax / static_cast<A>(n) : A(0);
#pragma omp simd
        for (int64_t k = 0; k < n; ++k) {
          const A xh = (static_cast<A>(load(xr[k])) - m) * inv;
          const A a = static_cast<A>(load(gr[k])) * static_cast<A>(load(gamma[k]));
          dr[k] = store<T>((a - ma - xh * max_) * inv);
        }
      } else {
#pragma omp simd reduction(+ : sa, sax)
        for (int64_t k = 0; k < n; ++k) {
          const A gk = static_cast<A>(load(gr[k]));
          sa += gk;
          sax += gk * (static_cast<A>(load(xr[k])) - m) * inv;
        }
        pg[r] = sax;
        pb[r] = sa;
        const A gm = static_cast<A>(load(gamma[r % groups]));
        const A mg = n ? sa / static_cast<A>(n) : A(0), mgx = n ? sax / static_cast<A>(n) : A(0);
        const A s = gm * inv;
#pragma omp simd
        for (int64_t k = 0; k < n; ++k) {
          const A xh = (static_cast<A>(load(xr[k])) - m) * inv;
          dr[k] = store<T>(s * (static_cast<A>(load(gr[k])) - mg - xh * mgx));
        }
      }
    }
  });
  const int64_t outs = kPerColumn ? n : groups;
  for (int64_t j = 0; j < outs; ++j) {
    A sg = 0, sb = 0;
    if constexpr (kPerColumn) {
      for (int64_t b = 0; b < blocks; ++b) {
        sg += part[static_cast<size_t>(2 * width * b + j)];
        sb += part[static_cast<size_t>(2 * width * b + width + j)];
      }
    } else {
      for (int64_t r = j; r < rows; r += groups) {
        sg += part[static_cast<size_t>(r)];
        sb += part[static_cast<size_t>(rows + r)];
      }
    }
    if (dgamma) dgamma[j] = store<T>(sg);
    if (dbeta) dbeta[j] = store<T>(sb);
  }
}

// --- gradients composed from registered ops --------------------------------------------------------------------

// A view of a mean/std normalisation for composing its second-order gradient: the data seen so that LayerNorm along
// `axis` (with unit scale) normalises exactly the op's sets, and gamma seen so that it broadcasts against that view.
struct View {
  GradValue x, g;         // data and the forward's output gradient, in the view's shape
  GradValue gamma;        // broadcastable against the view (per element along axis, or per set)
  GradValue ones;         // ones of shape (n,): LayerNorm's unit scale along the view's axis
  int axis = -1;
  double eps = 1e-5;
  GradValue h_dx, h_dgamma, h_dbeta;  // heads for the backward op's outputs: view-shaped, and broadcastable like gamma
};
struct SecondOrder {
  GradValue d_g, d_x;   // view-shaped
  GradValue d_gamma;    // view-shaped: the caller sums it down to gamma's shape
};
// The gradient of the backward op (dx, dgamma, dbeta)(g, x, gamma) of the normalisation the view describes.
// The forward's mean and std inputs of that backward op get none: they are x's statistics, and the derivative
// through them is part of d_x (the backward op is only ever applied to its forward's statistics).
SecondOrder second_order(GradBuilder& b, const View& v);

// Parameter text for the composed gradients (views: `axes` must outlive the call that uses them).
inline std::vector<ParamKV> reduce_params(std::string_view axes, bool keepdims, bool exclude = false) {
  return {{"axis", axes}, {"keepdims", keepdims ? "True" : "False"}, {"exclude", exclude ? "True" : "False"}};
}
inline std::string axes_text(std::initializer_list<int64_t> axes) {
  std::string s = "(";
  for (int64_t a : axes) s += std::to_string(a) + ",";
  return s + ")";
}
inline GradValue reshape(GradBuilder& b, GradValue v, const Shape& s) {
  const std::string t = detail::print_int_tuple(s);
  return b.op("Reshape", {v}, {{"shape", t}});
}

}  // namespace sn::norm
