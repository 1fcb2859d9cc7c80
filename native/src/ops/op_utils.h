// Helpers shared by op implementations: inference building blocks, element
// type helpers, and the broadcast loop.
#pragma once

#include <optional>

#include <algorithm>
#include <cstring>
#include <cstdint>
#include <limits>
#include <span>
#include <type_traits>
#include <vector>

#include "core/dtype.h"
#include "core/error.h"
#include "core/parallel.h"
#include "core/shape.h"
#include "ops/registry.h"

namespace sn {

// --- element types ---------------------------------------------------------------------------------------

// Arithmetic happens in `compute_t<T>`: float for the 16-bit floats, T otherwise.
template <class T>
using compute_t = std::conditional_t<std::is_same_v<T, half_t> || std::is_same_v<T, bf16_t>, float, T>;

template <class T>
inline compute_t<T> load(const T& v) noexcept {
  if constexpr (std::is_same_v<T, half_t> || std::is_same_v<T, bf16_t>) return static_cast<float>(v);
  else return v;
}
template <class T, class V>
inline T store(V v) noexcept {
  if constexpr (std::is_same_v<T, half_t> || std::is_same_v<T, bf16_t>) return T(static_cast<float>(v));
  else return static_cast<T>(v);
}

// A scalar parameter in the array's dtype (legacy: the scalar takes the array's dtype), converted as
// Note [Conversion semantics] says: truncated, saturating at T's limits, NaN as 0 for integers.
template <class T>
inline compute_t<T> scalar_as(double v) noexcept {
  if constexpr (std::is_integral_v<T>) {
    if (v != v) return 0;
    if (v <= static_cast<double>(std::numeric_limits<T>::lowest())) return std::numeric_limits<T>::lowest();
    if (v >= static_cast<double>(std::numeric_limits<T>::max())) return std::numeric_limits<T>::max();
    return static_cast<T>(v);
  } else {
    return static_cast<compute_t<T>>(load(store<T>(v)));
  }
}

// --- inference building blocks -----------------------------------------------------------------------------

// Merges a known shape into a slot (unknown dims and ranks take the known ones); a conflict is a shape
// error naming the op and both shapes.
void merge_shape(const OpDef& op, Shape& slot, const Shape& known, std::string_view what);
// As merge_shape for input `input`, named "input 1 (rhs)" in errors (the text is built only on failure).
void merge_input_shape(const OpDef& op, Shape& slot, const Shape& known, int input);

// Note [Unknown batch]
// Symbols may leave the batch (axis 0) unknown while every other dim is known (MXNet's partial inference with
// an unknown batch). Ops whose other dims do not depend on the batch infer from the data with a stand-in batch
// of 1 (batch_free), give their batch-carrying outputs the data's batch (with_batch), and take a batch known
// at an output back to the data (share_batch).
std::optional<Shape> batch_free(const Shape& data);
Shape with_batch(Shape s, const Shape& data);
void share_batch(const OpDef& op, Shape& data, const Shape& out);

// A possibly negative axis of an nd-dim input, normalised; out of range is a kIndex error naming the op, `what`,
// and the range expected.
int checked_axis(const OpDef& op, int64_t axis, int nd, std::string_view what = "axis");

// As infer_same_type, for ops whose kernels are float-only (float32/64/16, bfloat16): others are kType errors.
bool infer_same_float_type(const OpAttrs& attrs, std::vector<int>& in, std::vector<int>& out);

// As infer_same_type, refusing bool (arithmetic needs numbers: convert with AsType).
bool infer_same_numeric_type(const OpAttrs& attrs, std::vector<int>& in, std::vector<int>& out);

// The output takes input 0's dtype (other inputs are free: shape_like, rhs of reshape_like).
bool infer_first_type(const OpAttrs& attrs, std::vector<int>& in, std::vector<int>& out);

// a * b and a + b for output dims computed from parameters (repeats, pads): an overflow is a kShape error naming
// the op and `what` instead of a wrapped size.
int64_t checked_dim_mul(const OpDef& op, int64_t a, int64_t b, std::string_view what);
int64_t checked_dim_add(const OpDef& op, int64_t a, int64_t b, std::string_view what);

// Every input and output has the same shape (elemwise ops).
bool infer_same_shape(const OpAttrs& attrs, std::vector<Shape>& in, std::vector<Shape>& out);
// NumPy broadcasting of two inputs into the one output.
bool infer_broadcast_shape(const OpAttrs& attrs, std::vector<Shape>& in, std::vector<Shape>& out);
// Every input and output has the same dtype (legacy: binary ops need equal dtypes).
bool infer_same_type(const OpAttrs& attrs, std::vector<int>& in, std::vector<int>& out);
// The broadcast of two known shapes, or a shape error naming `op`.
Shape broadcast_shapes(const OpDef& op, const Shape& a, const Shape& b);

// The registration every one-input layout op starts from (any dtype, output dtype = input dtype).
inline OpRegistrar layout_op(const char* name, InferShapeFn infer, KernelFn kernel, const char* doc) {
  return OpRegistrar(name)
      .describe(doc)
      .dtypes<AllDTypes>()
      .inputs({"data"})
      .outputs({"output"})
      .infer_shape(infer)
      .infer_type(infer_same_type)
      .kernel(DeviceType::kCPU, kernel);
}

// --- loops ---------------------------------------------------------------------------------------------------

// Adds every element of x (row-major, shape `shape`) into acc[o], where o advances by out_strides[d]
// along dim d (0 on dims summed away): the general serial reduction, for layouts the fast paths miss.
template <class T, class Acc>
void accumulate_strided(const T* x, const Shape& shape, std::span<const int64_t> out_strides, Acc* acc) {
  const int nd = shape.ndim();
  std::vector<int64_t> idx(static_cast<size_t>(nd), 0);
  int64_t o = 0;
  for (int64_t k = 0, n = shape.size(); k < n; ++k) {
    acc[o] += static_cast<Acc>(load(x[k]));
    for (int d = nd - 1; d >= 0; --d) {
      auto du = static_cast<size_t>(d);
      o += out_strides[du];
      if (++idx[du] < shape[d]) break;
      o -= out_strides[du] * shape[d];
      idx[du] = 0;
    }
  }
}

// out[0] = in[0], byte for byte (identity, reshapes); nothing when in place.
void copy_kernel(const OpContext& ctx, std::span<const TensorView> in, std::span<const TensorView> out);

// Element strides of `in` broadcast to `out` (0 along broadcast dims), aligned right.
std::vector<int64_t> broadcast_strides(const Shape& in, const Shape& out);

// out[i] = f(a[ia], b[ib]) over out's shape with NumPy broadcasting; contiguous fast paths.
template <class T, class R, class F>
void broadcast_binary(const T* a, const Shape& as, const T* b, const Shape& bs, R* out, const Shape& os, int threads,
                      F f) {
  const int64_t n = os.size();
  if (as == os && bs == os) {
    parallel_for(n, threads, [&](int64_t lo, int64_t hi) {
      for (int64_t i = lo; i < hi; ++i) out[i] = f(a[i], b[i]);
    });
    return;
  }
  if (bs.size() == 1 && as == os) {
    const T bv = b[0];
    parallel_for(n, threads, [&](int64_t lo, int64_t hi) {
      for (int64_t i = lo; i < hi; ++i) out[i] = f(a[i], bv);
    });
    return;
  }
  if (as.size() == 1 && bs == os) {
    const T av = a[0];
    parallel_for(n, threads, [&](int64_t lo, int64_t hi) {
      for (int64_t i = lo; i < hi; ++i) out[i] = f(av, b[i]);
    });
    return;
  }
  // General: rows of the last output dim, with an odometer over the outer dims.
  const int nd = os.ndim();
  const auto sa = broadcast_strides(as, os), sb = broadcast_strides(bs, os);
  const int64_t inner = nd == 0 ? 1 : os[nd - 1];
  const int64_t ia = nd == 0 ? 0 : sa[static_cast<size_t>(nd - 1)], ib = nd == 0 ? 0 : sb[static_cast<size_t>(nd - 1)];
  const int64_t rows = inner == 0 ? 0 : n / inner;
  parallel_for(rows, threads, [&](int64_t lo, int64_t hi) {
    std::vector<int64_t> idx(static_cast<size_t>(std::max(nd - 1, 0)), 0);
    int64_t rem = lo, oa = 0, ob = 0;
    for (int d = nd - 2; d >= 0; --d) {
      idx[static_cast<size_t>(d)] = rem % os[d];
      rem /= os[d];
      oa += idx[static_cast<size_t>(d)] * sa[static_cast<size_t>(d)];
      ob += idx[static_cast<size_t>(d)] * sb[static_cast<size_t>(d)];
    }
    for (int64_t r = lo; r < hi; ++r) {
      R* o = out + r * inner;
      // Contiguous or repeated operands along the row get loops the compiler vectorises.
      const T* ar = a + oa;
      const T* br = b + ob;
      if (ia == 1 && ib == 1) {
        for (int64_t j = 0; j < inner; ++j) o[j] = f(ar[j], br[j]);
      } else if (ia == 1 && ib == 0) {
        const T bv = *br;
        for (int64_t j = 0; j < inner; ++j) o[j] = f(ar[j], bv);
      } else if (ia == 0 && ib == 1) {
        const T av = *ar;
        for (int64_t j = 0; j < inner; ++j) o[j] = f(av, br[j]);
      } else {
        for (int64_t j = 0; j < inner; ++j) o[j] = f(ar[j * ia], br[j * ib]);
      }
      for (int d = nd - 2; d >= 0; --d) {
        auto du = static_cast<size_t>(d);
        oa += sa[du];
        ob += sb[du];
        if (++idx[du] < os[d]) break;
        oa -= sa[du] * os[d];
        ob -= sb[du] * os[d];
        idx[du] = 0;
      }
    }
  }, inner);
}

}  // namespace sn
