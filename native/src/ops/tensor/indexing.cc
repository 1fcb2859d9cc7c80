// Indexing: take, pick, one_hot, where, gather_nd, scatter_nd, diag and their hidden backward ops.
//
// Legacy MXNet takes indices in any dtype (float32 usually) and truncates them to integers. Every index is
// resolved (clipped, wrapped or checked) before any element moves, so no index reaches memory unchecked.
#include <cmath>
#include <limits>

#include "ops/gradient.h"
#include "ops/op_utils.h"

namespace sn {
namespace {

enum class IndexMode : int32_t { kRaise = 0, kWrap = 1, kClip = 2 };

// Unsigned integers of each element size: kernels that only move elements copy them as bits.
template <int B>
using bits_t = std::conditional_t<B == 1, uint8_t, std::conditional_t<B == 2, uint16_t,
                                  std::conditional_t<B == 4, uint32_t, uint64_t>>>;
template <class F>
void dispatch_bits(DType t, F&& f) {
  switch (dtype_size(t)) {
    case 1: return f.template operator()<bits_t<1>>();
    case 2: return f.template operator()<bits_t<2>>();
    case 4: return f.template operator()<bits_t<4>>();
    default: return f.template operator()<bits_t<8>>();
  }
}

// An index value truncated to an integer; values beyond int64 saturate, NaN becomes int64's minimum.
template <class I>
int64_t to_index(I v) {
  if constexpr (std::is_floating_point_v<compute_t<I>>) {
    const double d = static_cast<double>(load(v));
    if (d >= 9.2e18) return std::numeric_limits<int64_t>::max();
    if (!(d > -9.2e18)) return std::numeric_limits<int64_t>::min();
    return static_cast<int64_t>(d);
  } else {
    return static_cast<int64_t>(v);
  }
}

// The index array as int64 (any dtype).
std::vector<int64_t> read_indices(const TensorView& t, const OpDef& op, int threads) {
  std::vector<int64_t> r(static_cast<size_t>(t.size()));
  dispatch_dtype<AllDTypes>(t.dtype, op.name, [&]<class I>() {
    const I* p = t.ptr<I>();
    parallel_for(t.size(), threads, [&](int64_t lo, int64_t hi) {
      for (int64_t i = lo; i < hi; ++i) r[static_cast<size_t>(i)] = to_index(p[i]);
    });
  });
  return r;
}

// Index j into an axis of size n (n > 0) under `mode`; raise accepts [-n, n) (NumPy) and reports the rest.
int64_t resolve(int64_t j, int64_t n, IndexMode mode, const OpDef& op, std::string_view what) {
  if (j >= 0 && j < n) return j;
  switch (mode) {
    case IndexMode::kClip: return j < 0 ? 0 : n - 1;
    case IndexMode::kWrap: {
      const int64_t r = j % n;
      return r < 0 ? r + n : r;
    }
    case IndexMode::kRaise: break;
  }
  SN_CHECK_INDEX(j >= -n && j < n, op.name, ": index ", j, " is out of range for ", what, " of size ", n,
                 " (mode 'raise' expects -", n, " to ", n - 1, ")");
  return j + n;
}

void resolve_all(std::vector<int64_t>& idx, int64_t n, IndexMode mode, const OpDef& op, std::string_view what,
                 int threads) {
  parallel_for(static_cast<int64_t>(idx.size()), threads, [&](int64_t lo, int64_t hi) {
    for (int64_t i = lo; i < hi; ++i) idx[static_cast<size_t>(i)] = resolve(idx[static_cast<size_t>(i)], n, mode, op, what);
  });
}



template <class T>
void fill_zero(const TensorView& t, int threads) {
  T* y = t.ptr<T>();
  const T z = store<T>(0);
  parallel_for(t.size(), threads, [&](int64_t lo, int64_t hi) { std::fill(y + lo, y + hi, z); });
}

// Adds rows src[r] (each `inner` long) into dst[dst_row[r]]: tasks own column blocks, so rows that land on
// the same destination never race and the sum order is fixed.
template <class T>
void scatter_add_rows(const T* src, int64_t rows, const int64_t* dst_row, int64_t inner, T* dst, int64_t groups,
                      int64_t src_group, int64_t dst_group, int threads) {
  constexpr int64_t kBlock = 512;
  const int64_t blocks = (inner + kBlock - 1) / kBlock;
  parallel_for(groups * blocks, threads, [&](int64_t lo, int64_t hi) {
    for (int64_t t = lo; t < hi; ++t) {
      const int64_t g = t / blocks, c0 = (t % blocks) * kBlock, c1 = std::min(inner, c0 + kBlock);
      for (int64_t r = 0; r < rows; ++r) {
        const T* s = src + g * src_group + r * inner;
        T* d = dst + g * dst_group + dst_row[r] * inner;
        for (int64_t c = c0; c < c1; ++c) d[c] = store<T>(load(d[c]) + load(s[c]));
      }
    }
  }, rows * std::min(inner, kBlock));
}

// --- take(a, indices; axis, mode): a.shape[:axis] + indices.shape + a.shape[axis+1:] ---

struct TakeParam {
  int64_t axis = 0;
  IndexMode mode = IndexMode::kClip;
  static void describe(ParamBuilder<TakeParam>& b) {
    b.field("axis", &TakeParam::axis, "The axis to take along (negative counts from the end).").set_default(0);
    b.field("mode", &TakeParam::mode, "Out-of-range indices: clip to the axis, wrap around, or raise an error.")
        .set_enum({{"raise", IndexMode::kRaise}, {"wrap", IndexMode::kWrap}, {"clip", IndexMode::kClip}})
        .set_default(IndexMode::kClip);
  }
};

Shape take_shape(const OpDef& op, const Shape& a, const Shape& idx, int64_t axis_param) {
  const int axis = checked_axis(op, axis_param, a.ndim());
  SN_CHECK_SHAPE(a[axis] > 0, op.name, ": cannot take from axis ", axis_param, " of size 0 (a has shape ", a, ")");
  Shape r;
  for (int i = 0; i < axis; ++i) r.push_back(a[i]);
  for (int64_t d : idx.dims()) r.push_back(d);
  for (int i = axis + 1; i < a.ndim(); ++i) r.push_back(a[i]);
  return r;
}

bool infer_take(const OpAttrs& attrs, std::vector<Shape>& in, std::vector<Shape>& out) {
  if (!in[0].is_known() || !in[1].is_known()) return false;
  merge_shape(*attrs.op, out[0], take_shape(*attrs.op, in[0], in[1], attrs.get<TakeParam>().axis), "the output");
  return true;
}

// Output dtype: the first input's; the index input may have any dtype.
bool infer_data_type(const OpAttrs& attrs, std::vector<int>& in, std::vector<int>& out) {
  if (in[0] < 0) return false;
  out[0] = in[0];
  return true;
}

void take_kernel(const OpContext& ctx, std::span<const TensorView> in, std::span<const TensorView> out) {
  const auto& p = ctx.params<TakeParam>();
  const Shape& as = in[0].shape;
  const int axis = checked_axis(*ctx.attrs.op, p.axis, as.ndim());
  const int64_t outer = as.size(0, axis), n = as[axis], inner = as.size(axis + 1, as.ndim());
  std::vector<int64_t> idx = read_indices(in[1], *ctx.attrs.op, ctx.run.num_threads);
  resolve_all(idx, n, p.mode, *ctx.attrs.op, "the axis", ctx.run.num_threads);
  const int64_t m = static_cast<int64_t>(idx.size());
  dispatch_bits(in[0].dtype, [&]<class B>() {
    const B* a = in[0].ptr<B>();
    B* y = out[0].ptr<B>();
    parallel_for(outer * m, ctx.run.num_threads, [&](int64_t lo, int64_t hi) {
      for (int64_t r = lo; r < hi; ++r) {
        const int64_t o = r / m, i = r % m;
        const B* s = a + (o * n + idx[static_cast<size_t>(i)]) * inner;
        std::copy(s, s + inner, y + r * inner);
      }
    }, inner);
  });
}

// _backward_take(ograd, indices; axis, mode, shape): ograd scatter-added along the axis into zeros of `shape`.
struct BackwardTakeParam {
  int64_t axis = 0;
  IndexMode mode = IndexMode::kClip;
  Shape shape;
  static void describe(ParamBuilder<BackwardTakeParam>& b) {
    b.field("axis", &BackwardTakeParam::axis, "The forward take's axis.").set_default(0);
    b.field("mode", &BackwardTakeParam::mode, "The forward take's mode.")
        .set_enum({{"raise", IndexMode::kRaise}, {"wrap", IndexMode::kWrap}, {"clip", IndexMode::kClip}})
        .set_default(IndexMode::kClip);
    b.field("shape", &BackwardTakeParam::shape, "The shape of the forward take's input a.");
  }
};

bool infer_backward_take(const OpAttrs& attrs, std::vector<Shape>& in, std::vector<Shape>& out) {
  const auto& p = attrs.get<BackwardTakeParam>();
  merge_shape(*attrs.op, out[0], p.shape, "the output");
  if (!in[1].is_known()) return true;
  merge_input_shape(*attrs.op, in[0], take_shape(*attrs.op, p.shape, in[1], p.axis), 0);
  return true;
}

void backward_take_kernel(const OpContext& ctx, std::span<const TensorView> in, std::span<const TensorView> out) {
  const auto& p = ctx.params<BackwardTakeParam>();
  const Shape& as = out[0].shape;
  const int axis = checked_axis(*ctx.attrs.op, p.axis, as.ndim());
  const int64_t outer = as.size(0, axis), n = as[axis], inner = as.size(axis + 1, as.ndim());
  std::vector<int64_t> idx = read_indices(in[1], *ctx.attrs.op, ctx.run.num_threads);
  resolve_all(idx, n, p.mode, *ctx.attrs.op, "the axis", ctx.run.num_threads);
  const int64_t m = static_cast<int64_t>(idx.size());
  dispatch_dtype<NumericDTypes>(out[0].dtype, ctx.attrs.op->name, [&]<class T>() {
    fill_zero<T>(out[0], ctx.run.num_threads);
    scatter_add_rows(in[0].ptr<T>(), m, idx.data(), inner, out[0].ptr<T>(), outer, m * inner, n * inner,
                     ctx.run.num_threads);
  });
}

void take_grad(GradBuilder& b) {
  GradParams kv(b.attrs(), {"axis", "mode"});
  kv.add("shape", detail::print_int_tuple(b.known_input_shape(0)));
  b.set_input_grad(0, b.op("_backward_take", {b.out_grad(0), b.input(1)}, kv.view()));
}
void backward_take_grad(GradBuilder& b) {
  GradParams kv(b.attrs(), {"axis", "mode"});
  b.set_input_grad(0, b.op("take", {b.out_grad(0), b.input(1)}, kv.view()));
}

// --- pick(data, index; axis, keepdims, mode): one element along the axis per position ---

struct PickParam {
  std::optional<int64_t> axis;
  bool keepdims = false;
  IndexMode mode = IndexMode::kClip;
  static void describe(ParamBuilder<PickParam>& b) {
    b.field("axis", &PickParam::axis, "The axis to pick along (negative counts from the end); None is not supported.")
        .set_default(std::optional<int64_t>(-1));
    b.field("keepdims", &PickParam::keepdims, "Keep the picked axis as a size-1 dim.").set_default(false);
    b.field("mode", &PickParam::mode, "Out-of-range indices: clip to the axis or wrap around.")
        .set_enum({{"wrap", IndexMode::kWrap}, {"clip", IndexMode::kClip}})
        .set_default(IndexMode::kClip);
  }
};

// (outer, n, inner) of `data` around the axis.
struct AxisSplit {
  int axis = 0;
  int64_t outer = 1, n = 1, inner = 1;
};
AxisSplit split_at(const OpDef& op, const Shape& s, int64_t axis_param) {
  AxisSplit r;
  r.axis = checked_axis(op, axis_param, s.ndim());
  r.outer = s.size(0, r.axis);
  r.n = s[r.axis];
  r.inner = s.size(r.axis + 1, s.ndim());
  return r;
}

int64_t pick_axis(const OpDef& op, const std::optional<int64_t>& axis) {
  SN_CHECK(axis.has_value(), op.name, ": axis=None is not supported; give the axis to pick along");
  return *axis;
}

Shape pick_shape(const OpDef& op, const Shape& data, int64_t axis_param, bool keepdims) {
  const int axis = checked_axis(op, axis_param, data.ndim());
  SN_CHECK_SHAPE(data[axis] > 0, op.name, ": cannot pick from axis ", axis_param, " of size 0 (data has shape ", data,
                 ")");
  Shape r;
  for (int i = 0; i < data.ndim(); ++i) {
    if (i != axis) r.push_back(data[i]);
    else if (keepdims) r.push_back(1);
  }
  if (r.ndim() == 0) r.push_back(1);  // legacy: no 0-d arrays
  return r;
}

bool infer_pick(const OpAttrs& attrs, std::vector<Shape>& in, std::vector<Shape>& out) {
  if (!in[0].is_known()) return false;
  const auto& p = attrs.get<PickParam>();
  const Shape r = pick_shape(*attrs.op, in[0], pick_axis(*attrs.op, p.axis), p.keepdims);
  merge_input_shape(*attrs.op, in[1], r, 1);
  merge_shape(*attrs.op, out[0], r, "the output");
  return true;
}

void pick_kernel(const OpContext& ctx, std::span<const TensorView> in, std::span<const TensorView> out) {
  const auto& p = ctx.params<PickParam>();
  const AxisSplit s = split_at(*ctx.attrs.op, in[0].shape, *p.axis);
  std::vector<int64_t> idx = read_indices(in[1], *ctx.attrs.op, ctx.run.num_threads);
  resolve_all(idx, s.n, p.mode, *ctx.attrs.op, "the axis", ctx.run.num_threads);
  dispatch_bits(in[0].dtype, [&]<class B>() {
    const B* x = in[0].ptr<B>();
    B* y = out[0].ptr<B>();
    parallel_for(s.outer * s.inner, ctx.run.num_threads, [&](int64_t lo, int64_t hi) {
      for (int64_t k = lo; k < hi; ++k) {
        const int64_t o = k / s.inner, c = k % s.inner;
        y[k] = x[(o * s.n + idx[static_cast<size_t>(k)]) * s.inner + c];
      }
    });
  });
}

// _backward_pick(ograd, index; axis, keepdims, mode, shape): ograd put at the picked positions of zeros(shape).
struct BackwardPickParam {
  int64_t axis = -1;
  bool keepdims = false;
  IndexMode mode = IndexMode::kClip;
  Shape shape;
  static void describe(ParamBuilder<BackwardPickParam>& b) {
    b.field("axis", &BackwardPickParam::axis, "The forward pick's axis.").set_default(-1);
    b.field("keepdims", &BackwardPickParam::keepdims, "The forward pick's keepdims.").set_default(false);
    b.field("mode", &BackwardPickParam::mode, "The forward pick's mode.")
        .set_enum({{"wrap", IndexMode::kWrap}, {"clip", IndexMode::kClip}})
        .set_default(IndexMode::kClip);
    b.field("shape", &BackwardPickParam::shape, "The shape of the forward pick's data.");
  }
};

bool infer_backward_pick(const OpAttrs& attrs, std::vector<Shape>& in, std::vector<Shape>& out) {
  const auto& p = attrs.get<BackwardPickParam>();
  const Shape r = pick_shape(*attrs.op, p.shape, p.axis, p.keepdims);
  merge_input_shape(*attrs.op, in[0], r, 0);
  merge_input_shape(*attrs.op, in[1], r, 1);
  merge_shape(*attrs.op, out[0], p.shape, "the output");
  return true;
}

void backward_pick_kernel(const OpContext& ctx, std::span<const TensorView> in, std::span<const TensorView> out) {
  const auto& p = ctx.params<BackwardPickParam>();
  const AxisSplit s = split_at(*ctx.attrs.op, out[0].shape, p.axis);
  std::vector<int64_t> idx = read_indices(in[1], *ctx.attrs.op, ctx.run.num_threads);
  resolve_all(idx, s.n, p.mode, *ctx.attrs.op, "the axis", ctx.run.num_threads);
  dispatch_dtype<NumericDTypes>(out[0].dtype, ctx.attrs.op->name, [&]<class T>() {
    fill_zero<T>(out[0], ctx.run.num_threads);
    const T* g = in[0].ptr<T>();
    T* y = out[0].ptr<T>();
    // Each position picks one element of its own line: no two positions write the same place.
    parallel_for(s.outer * s.inner, ctx.run.num_threads, [&](int64_t lo, int64_t hi) {
      for (int64_t k = lo; k < hi; ++k) {
        const int64_t o = k / s.inner, c = k % s.inner;
        y[(o * s.n + idx[static_cast<size_t>(k)]) * s.inner + c] = g[k];
      }
    });
  });
}

void pick_grad(GradBuilder& b) {
  GradParams kv(b.attrs(), {"axis", "keepdims", "mode"});
  kv.add("shape", detail::print_int_tuple(b.known_input_shape(0)));
  b.set_input_grad(0, b.op("_backward_pick", {b.out_grad(0), b.input(1)}, kv.view()));
}
void backward_pick_grad(GradBuilder& b) {
  GradParams kv(b.attrs(), {"axis", "keepdims", "mode"});
  b.set_input_grad(0, b.op("pick", {b.out_grad(0), b.input(1)}, kv.view()));
}

// --- one_hot(indices; depth, on_value, off_value, dtype): indices.shape + (depth,) ---

struct OneHotParam {
  int64_t depth = 0;
  double on_value = 1;
  double off_value = 0;
  DType dtype = DType::kFloat32;
  static void describe(ParamBuilder<OneHotParam>& b) {
    b.field("depth", &OneHotParam::depth, "The length of the one-hot axis.").set_lower_bound(0);
    b.field("on_value", &OneHotParam::on_value, "The value at the indexed position.").set_default(1.0);
    b.field("off_value", &OneHotParam::off_value, "The value everywhere else.").set_default(0.0);
    b.field("dtype", &OneHotParam::dtype, "Element type of the output.").set_default(DType::kFloat32);
  }
};

bool infer_one_hot(const OpAttrs& attrs, std::vector<Shape>& in, std::vector<Shape>& out) {
  if (!in[0].is_known()) return false;
  Shape r = in[0];
  r.push_back(attrs.get<OneHotParam>().depth);
  merge_shape(*attrs.op, out[0], r, "the output");
  return true;
}

bool infer_one_hot_type(const OpAttrs& attrs, std::vector<int>&, std::vector<int>& out) {
  out[0] = static_cast<int>(attrs.get<OneHotParam>().dtype);
  return true;
}

void one_hot_kernel(const OpContext& ctx, std::span<const TensorView> in, std::span<const TensorView> out) {
  const auto& p = ctx.params<OneHotParam>();
  const std::vector<int64_t> idx = read_indices(in[0], *ctx.attrs.op, ctx.run.num_threads);
  const int64_t depth = p.depth;
  dispatch_dtype<NumericDTypes>(out[0].dtype, ctx.attrs.op->name, [&]<class T>() {
    T* y = out[0].ptr<T>();
    const T on = store<T>(p.on_value), off = store<T>(p.off_value);
    parallel_for(static_cast<int64_t>(idx.size()), ctx.run.num_threads, [&](int64_t lo, int64_t hi) {
      for (int64_t i = lo; i < hi; ++i) {
        T* row = y + i * depth;
        std::fill(row, row + depth, off);
        const int64_t j = idx[static_cast<size_t>(i)];
        if (j >= 0 && j < depth) row[j] = on;  // out of range: a row of off_value (MXNet)
      }
    }, depth);
  });
}

// --- where(condition, x, y): x where condition is nonzero, else y ---

bool infer_where(const OpAttrs& attrs, std::vector<Shape>& in, std::vector<Shape>& out) {
  const OpDef& op = *attrs.op;
  Shape s = Shape::unknown();
  merge_input_shape(op, s, in[1], 1);
  if (in[1].is_known() && in[2].is_known())
    SN_CHECK_SHAPE(in[1] == in[2], op.name, ": x and y must have the same shape, but x has shape ", in[1],
                   " and y has shape ", in[2]);
  merge_input_shape(op, s, in[2], 2);
  merge_shape(op, s, out[0], "the output");
  merge_shape(op, in[1], s, "input 1 (x)");
  merge_shape(op, in[2], s, "input 2 (y)");
  merge_shape(op, out[0], s, "the output");
  if (in[0].is_known() && s.is_known()) {
    const bool same = in[0] == s;
    const bool rows = in[0].ndim() == 1 && s.ndim() >= 1 && in[0][0] == s[0];
    SN_CHECK_SHAPE(same || rows, op.name, ": condition has shape ", in[0], " but must have the shape of x ", s,
                   " or be 1-D of length x.shape[0] (", s.ndim() > 0 ? s[0] : 1, ")");
  }
  return s.is_known();
}

// x, y and the output share a dtype; the condition may have any.
bool infer_where_type(const OpAttrs& attrs, std::vector<int>& in, std::vector<int>& out) {
  const OpDef& op = *attrs.op;
  if (in[1] >= 0 && in[2] >= 0)
    SN_CHECK_TYPE(in[1] == in[2], op.name, ": x and y must have the same dtype, but x is ",
                  dtype_name(static_cast<DType>(in[1])), " and y is ", dtype_name(static_cast<DType>(in[2])));
  const int t = in[1] >= 0 ? in[1] : in[2] >= 0 ? in[2] : out[0];
  if (t < 0) return false;
  in[1] = in[2] = out[0] = t;
  return in[0] >= 0;
}

void where_kernel(const OpContext& ctx, std::span<const TensorView> in, std::span<const TensorView> out) {
  const int64_t n = out[0].size();
  // A 1-D condition picks whole rows (MXNet); otherwise one condition per element.
  const int64_t per = in[0].shape == out[0].shape ? 1 : n / std::max<int64_t>(out[0].shape[0], 1);
  dispatch_dtype<AllDTypes>(in[0].dtype, ctx.attrs.op->name, [&]<class C>() {
    dispatch_bits(out[0].dtype, [&]<class B>() {
      const C* c = in[0].ptr<C>();
      const B* x = in[1].ptr<B>();
      const B* y = in[2].ptr<B>();
      B* o = out[0].ptr<B>();
      const compute_t<C> zero = 0;
      parallel_for(n, ctx.run.num_threads, [&](int64_t lo, int64_t hi) {
        if (per == 1) {
          for (int64_t i = lo; i < hi; ++i) o[i] = load(c[i]) != zero ? x[i] : y[i];
        } else {
          for (int64_t i = lo; i < hi; ++i) o[i] = load(c[i / per]) != zero ? x[i] : y[i];
        }
      });
    });
  });
}

void where_grad(GradBuilder& b) {
  GradValue g = b.out_grad(0);
  GradValue zero = b.op("zeros_like", {g});
  b.set_input_grad(1, b.op("where", {b.input(0), g, zero}));
  b.set_input_grad(2, b.op("where", {b.input(0), zero, g}));
}

// --- gather_nd / scatter_nd: indices (M, Y...) address the first M axes of data (X0, ..., X_{M-1}, rest...) ---

// Y... + rest..., or (1,) when both are empty (legacy: no 0-d arrays).
Shape nd_slices_shape(const Shape& indices, const Shape& data, int64_t m) {
  Shape r;
  for (int i = 1; i < indices.ndim(); ++i) r.push_back(indices[i]);
  for (int i = static_cast<int>(m); i < data.ndim(); ++i) r.push_back(data[i]);
  if (r.ndim() == 0) r.push_back(1);
  return r;
}

int64_t nd_depth(const OpDef& op, const Shape& indices, const Shape& data, std::string_view data_name) {
  SN_CHECK_SHAPE(indices.ndim() >= 1 && indices[0] >= 1 && indices[0] <= data.ndim(), op.name,
                 ": indices.shape[0] must be between 1 and the rank of ", data_name, " (", data.ndim(),
                 "), but indices has shape ", indices);
  return indices[0];
}

// Element offsets (in units of the trailing `rest` block) of each index tuple; negative indices count from the
// end of their axis, anything else out of range is an index error.
std::vector<int64_t> nd_offsets(const OpDef& op, const TensorView& indices, const Shape& data, int threads) {
  const int64_t m = indices.shape[0], n = indices.size() / std::max<int64_t>(m, 1);
  std::vector<int64_t> raw = read_indices(indices, op, threads);
  std::vector<int64_t> off(static_cast<size_t>(n), 0);
  parallel_for(n, threads, [&](int64_t lo, int64_t hi) {
    for (int64_t i = lo; i < hi; ++i) {
      int64_t o = 0;
      for (int64_t j = 0; j < m; ++j) {
        const int64_t d = data[static_cast<int>(j)];
        int64_t v = raw[static_cast<size_t>(j * n + i)];
        SN_CHECK_INDEX(v >= -d && v < d, op.name, ": index ", v, " at position ", i, " of row ", j,
                       " of indices is out of range for axis ", j, " of size ", d, " (expected ", -d, " to ", d - 1, ")");
        o = o * d + (v < 0 ? v + d : v);
      }
      off[static_cast<size_t>(i)] = o;
    }
  }, m);
  return off;
}

bool infer_gather_nd(const OpAttrs& attrs, std::vector<Shape>& in, std::vector<Shape>& out) {
  if (!in[0].is_known() || !in[1].is_known()) return false;
  const int64_t m = nd_depth(*attrs.op, in[1], in[0], "data");
  merge_shape(*attrs.op, out[0], nd_slices_shape(in[1], in[0], m), "the output");
  return true;
}

void gather_nd_kernel(const OpContext& ctx, std::span<const TensorView> in, std::span<const TensorView> out) {
  const Shape& ds = in[0].shape;
  const int64_t m = in[1].shape[0], inner = ds.size(static_cast<int>(m), ds.ndim());
  const std::vector<int64_t> off = nd_offsets(*ctx.attrs.op, in[1], ds, ctx.run.num_threads);
  dispatch_bits(in[0].dtype, [&]<class B>() {
    const B* x = in[0].ptr<B>();
    B* y = out[0].ptr<B>();
    parallel_for(static_cast<int64_t>(off.size()), ctx.run.num_threads, [&](int64_t lo, int64_t hi) {
      for (int64_t i = lo; i < hi; ++i) {
        const B* s = x + off[static_cast<size_t>(i)] * inner;
        std::copy(s, s + inner, y + i * inner);
      }
    }, inner);
  });
}

// scatter_nd(data, indices; shape) and _backward_gather_nd(data, indices; shape): data holds one slice per
// index tuple, written (scatter_nd; the last of repeated tuples wins) or added (_backward_gather_nd) into
// zeros of `shape`.
struct ScatterNDParam {
  Shape shape;
  static void describe(ParamBuilder<ScatterNDParam>& b) {
    b.field("shape", &ScatterNDParam::shape, "Shape of the output.");
  }
};

bool infer_scatter_nd(const OpAttrs& attrs, std::vector<Shape>& in, std::vector<Shape>& out) {
  const Shape& to = attrs.get<ScatterNDParam>().shape;
  for (int64_t d : to.dims()) SN_CHECK_SHAPE(d >= 0, attrs.op->name, ": shape ", to, " has a negative dim");
  merge_shape(*attrs.op, out[0], to, "the output");
  if (!in[1].is_known()) return true;
  const int64_t m = nd_depth(*attrs.op, in[1], to, "shape");
  merge_input_shape(*attrs.op, in[0], nd_slices_shape(in[1], to, m), 0);
  return true;
}

template <bool Add>
void scatter_nd_kernel(const OpContext& ctx, std::span<const TensorView> in, std::span<const TensorView> out) {
  const Shape& os = out[0].shape;
  const int64_t m = in[1].shape[0], inner = os.size(static_cast<int>(m), os.ndim());
  const std::vector<int64_t> off = nd_offsets(*ctx.attrs.op, in[1], os, ctx.run.num_threads);
  const int64_t rows = static_cast<int64_t>(off.size());
  if constexpr (Add) {
    dispatch_dtype<NumericDTypes>(out[0].dtype, ctx.attrs.op->name, [&]<class T>() {
      fill_zero<T>(out[0], ctx.run.num_threads);
      scatter_add_rows(in[0].ptr<T>(), rows, off.data(), inner, out[0].ptr<T>(), 1, 0, 0, ctx.run.num_threads);
    });
  } else {
    dispatch_bits(out[0].dtype, [&]<class B>() {
      B* y = out[0].ptr<B>();
      std::memset(static_cast<void*>(y), 0, static_cast<size_t>(out[0].size()) * sizeof(B));
      const B* x = in[0].ptr<B>();
      // Column blocks per task, rows in order within one: repeated tuples resolve to the last, on any thread count.
      constexpr int64_t kBlock = 512;
      const int64_t blocks = (inner + kBlock - 1) / kBlock;
      parallel_for(blocks, ctx.run.num_threads, [&](int64_t lo, int64_t hi) {
        for (int64_t t = lo; t < hi; ++t) {
          const int64_t c0 = t * kBlock, c1 = std::min(inner, c0 + kBlock);
          for (int64_t r = 0; r < rows; ++r)
            std::copy(x + r * inner + c0, x + r * inner + c1, y + off[static_cast<size_t>(r)] * inner + c0);
        }
      }, rows * std::min(inner, kBlock));
    });
  }
}

void gather_nd_grad(GradBuilder& b) {
  const std::string shape = detail::print_int_tuple(b.known_input_shape(0));
  b.set_input_grad(0, b.op("_backward_gather_nd", {b.out_grad(0), b.input(1)}, {{"shape", shape}}));
}
// scatter_nd and _backward_gather_nd: each slice's gradient is the output gradient's slice at its tuple.
void scatter_nd_grad(GradBuilder& b) { b.set_input_grad(0, b.op("gather_nd", {b.out_grad(0), b.input(1)})); }

// --- diag(data; k, axis1, axis2): a vector's matrix, or a matrix's (stack's) k-th diagonal ---

struct DiagParam {
  int64_t k = 0;
  int64_t axis1 = 0;
  int64_t axis2 = 1;
  static void describe(ParamBuilder<DiagParam>& b) {
    b.field("k", &DiagParam::k, "The diagonal: 0 the main one, positive above it, negative below.").set_default(0);
    b.field("axis1", &DiagParam::axis1, "The first axis of the 2-D planes the diagonal is taken from.").set_default(0);
    b.field("axis2", &DiagParam::axis2, "The second axis of those planes.").set_default(1);
  }
};

// Where a diagonal lies in an array of rank >= 2: the other axes (their sizes and strides) and the diagonal.
struct DiagLayout {
  Shape rest;                       // the other axes, in order
  std::vector<int64_t> rest_stride;  // their element strides in the array
  int64_t length = 0;               // the diagonal's length
  int64_t start = 0;                // offset of its first element within a plane
  int64_t step = 0;                 // stride along it
};

DiagLayout diag_layout(const OpDef& op, const Shape& s, const DiagParam& p) {
  const int nd = s.ndim();
  const int a1 = checked_axis(op, p.axis1, nd, "axis1"), a2 = checked_axis(op, p.axis2, nd, "axis2");
  SN_CHECK(a1 != a2, op.name, ": axis1 (", p.axis1, ") and axis2 (", p.axis2, ") must name different axes of an input of ",
           nd, " dimension(s)");
  std::vector<int64_t> stride(static_cast<size_t>(nd), 1);
  for (int i = nd - 2; i >= 0; --i) stride[static_cast<size_t>(i)] = stride[static_cast<size_t>(i) + 1] * s[i + 1];
  DiagLayout l;
  for (int i = 0; i < nd; ++i)
    if (i != a1 && i != a2) {
      l.rest.push_back(s[i]);
      l.rest_stride.push_back(stride[static_cast<size_t>(i)]);
    }
  const int64_t h = s[a1], w = s[a2], k = p.k;
  l.length = std::max<int64_t>(0, k >= 0 ? std::min(h, w - k) : std::min(h + k, w));
  const int64_t s1 = stride[static_cast<size_t>(a1)], s2 = stride[static_cast<size_t>(a2)];
  l.start = l.length == 0 ? 0 : (k >= 0 ? k * s2 : -k * s1);
  l.step = s1 + s2;
  return l;
}

// Offsets of each plane (one per element of the other axes) in the array.
std::vector<int64_t> plane_offsets(const DiagLayout& l) {
  const int64_t n = l.rest.size();
  std::vector<int64_t> off(static_cast<size_t>(n));
  for (int64_t r = 0; r < n; ++r) {
    int64_t rem = r, o = 0;
    for (int d = l.rest.ndim() - 1; d >= 0; --d) {
      o += (rem % l.rest[d]) * l.rest_stride[static_cast<size_t>(d)];
      rem /= l.rest[d];
    }
    off[static_cast<size_t>(r)] = o;
  }
  return off;
}

Shape diag_shape(const OpDef& op, const Shape& s, const DiagParam& p) {
  SN_CHECK_SHAPE(s.ndim() >= 1, op.name, ": data must have at least 1 dimension, got shape ", s);
  if (s.ndim() == 1) {
    const int64_t n = s[0] + (p.k < 0 ? -p.k : p.k);
    return Shape({n, n});
  }
  DiagLayout l = diag_layout(op, s, p);
  l.rest.push_back(l.length);
  return l.rest;
}

bool infer_diag(const OpAttrs& attrs, std::vector<Shape>& in, std::vector<Shape>& out) {
  if (!in[0].is_known()) return false;
  merge_shape(*attrs.op, out[0], diag_shape(*attrs.op, in[0], attrs.get<DiagParam>()), "the output");
  return true;
}

// The k-th diagonal of `x` (rank >= 2) into y, or y's diagonal filled from x (Scatter; the rest zero).
template <bool Scatter>
void diag_planes(const OpContext& ctx, const OpDef& op, const TensorView& big, const TensorView& diag,
                 const DiagParam& p) {
  const DiagLayout l = diag_layout(op, big.shape, p);
  const std::vector<int64_t> planes = plane_offsets(l);
  dispatch_bits(big.dtype, [&]<class B>() {
    B* m = big.ptr<B>();
    B* d = diag.ptr<B>();
    if constexpr (Scatter) std::memset(static_cast<void*>(m), 0, static_cast<size_t>(big.size()) * sizeof(B));
    parallel_for(static_cast<int64_t>(planes.size()), ctx.run.num_threads, [&](int64_t lo, int64_t hi) {
      for (int64_t r = lo; r < hi; ++r) {
        B* base = m + planes[static_cast<size_t>(r)] + l.start;
        B* v = d + r * l.length;
        for (int64_t i = 0; i < l.length; ++i) {
          if constexpr (Scatter) base[i * l.step] = v[i];
          else v[i] = base[i * l.step];
        }
      }
    }, l.length);
  });
}

// A vector on the k-th diagonal of a square matrix (zeros elsewhere), or the matrix's k-th diagonal back.
template <bool Build>
void vector_diag(const OpContext& ctx, const TensorView& vec, const TensorView& mat, int64_t k) {
  DiagParam p;
  p.k = k;
  diag_planes<Build>(ctx, *ctx.attrs.op, mat, vec, p);
}

void diag_kernel(const OpContext& ctx, std::span<const TensorView> in, std::span<const TensorView> out) {
  const auto& p = ctx.params<DiagParam>();
  if (in[0].shape.ndim() == 1) vector_diag<true>(ctx, in[0], out[0], p.k);
  else diag_planes<false>(ctx, *ctx.attrs.op, in[0], out[0], p);
}

// _backward_diag(ograd; k, axis1, axis2, shape): diag's adjoint back to the input's shape.
struct BackwardDiagParam {
  int64_t k = 0;
  int64_t axis1 = 0;
  int64_t axis2 = 1;
  Shape shape;
  static void describe(ParamBuilder<BackwardDiagParam>& b) {
    b.field("k", &BackwardDiagParam::k, "The forward diag's k.").set_default(0);
    b.field("axis1", &BackwardDiagParam::axis1, "The forward diag's axis1.").set_default(0);
    b.field("axis2", &BackwardDiagParam::axis2, "The forward diag's axis2.").set_default(1);
    b.field("shape", &BackwardDiagParam::shape, "The shape of the forward diag's data.");
  }
  DiagParam diag() const { return {k, axis1, axis2}; }
};

bool infer_backward_diag(const OpAttrs& attrs, std::vector<Shape>& in, std::vector<Shape>& out) {
  const auto& p = attrs.get<BackwardDiagParam>();
  merge_input_shape(*attrs.op, in[0], diag_shape(*attrs.op, p.shape, p.diag()), 0);
  merge_shape(*attrs.op, out[0], p.shape, "the output");
  return true;
}

void backward_diag_kernel(const OpContext& ctx, std::span<const TensorView> in, std::span<const TensorView> out) {
  const auto& p = ctx.params<BackwardDiagParam>();
  if (out[0].shape.ndim() == 1) vector_diag<false>(ctx, out[0], in[0], p.k);
  else diag_planes<true>(ctx, *ctx.attrs.op, out[0], in[0], p.diag());
}

void diag_grad(GradBuilder& b) {
  GradParams kv(b.attrs(), {"k", "axis1", "axis2"});
  kv.add("shape", detail::print_int_tuple(b.known_input_shape(0)));
  b.set_input_grad(0, b.op("_backward_diag", {b.out_grad(0)}, kv.view()));
}
void backward_diag_grad(GradBuilder& b) {
  GradParams kv(b.attrs(), {"k", "axis1", "axis2"});
  b.set_input_grad(0, b.op("diag", {b.out_grad(0)}, kv.view()));
}

// --- registrations ---

[[maybe_unused]] OpRegistrar r_take = OpRegistrar("take")
    .describe("Elements of a along an axis at the given indices (any dtype, truncated to integers).")
    .params<TakeParam>()
    .dtypes<AllDTypes>()
    .inputs({"a", "indices"})
    .outputs({"output"})
    .infer_shape(infer_take)
    .infer_type(infer_data_type)
    .kernel(DeviceType::kCPU, take_kernel)
    .gradient(take_grad, {1});

[[maybe_unused]] OpRegistrar r_backward_take = OpRegistrar("_backward_take")
    .describe("The gradient of take: ograd added along the axis into zeros of a's shape at the indices.")
    .params<BackwardTakeParam>()
    .dtypes<NumericDTypes>()
    .inputs({"ograd", "indices"})
    .outputs({"output"})
    .infer_shape(infer_backward_take)
    .infer_type(infer_data_type)
    .kernel(DeviceType::kCPU, backward_take_kernel)
    .gradient(backward_take_grad, {1});

[[maybe_unused]] OpRegistrar r_pick = OpRegistrar("pick")
    .describe("One element along an axis per position, chosen by index (any dtype, truncated to integers).")
    .params<PickParam>()
    .dtypes<AllDTypes>()
    .inputs({"data", "index"})
    .outputs({"output"})
    .infer_shape(infer_pick)
    .infer_type(infer_data_type)
    .kernel(DeviceType::kCPU, pick_kernel)
    .gradient(pick_grad, {1});

[[maybe_unused]] OpRegistrar r_backward_pick = OpRegistrar("_backward_pick")
    .describe("The gradient of pick: ograd at the picked positions of zeros of data's shape.")
    .params<BackwardPickParam>()
    .dtypes<NumericDTypes>()
    .inputs({"ograd", "index"})
    .outputs({"output"})
    .infer_shape(infer_backward_pick)
    .infer_type(infer_data_type)
    .kernel(DeviceType::kCPU, backward_pick_kernel)
    .gradient(backward_pick_grad, {1});

[[maybe_unused]] OpRegistrar r_one_hot = OpRegistrar("one_hot")
    .describe("One-hot rows: on_value at each index along a new last axis of length depth, off_value elsewhere.")
    .params<OneHotParam>()
    .dtypes<NumericDTypes>()
    .inputs({"indices"})
    .outputs({"output"})
    .infer_shape(infer_one_hot)
    .infer_type(infer_one_hot_type)
    .kernel(DeviceType::kCPU, one_hot_kernel)
    .zero_gradient();

[[maybe_unused]] OpRegistrar r_where = OpRegistrar("where")
    .describe("x where condition is nonzero, else y; condition has x's shape or is 1-D over x's first axis.")
    .dtypes<AllDTypes>()
    .inputs({"condition", "x", "y"})
    .outputs({"output"})
    .inplace({{1, 0}, {2, 0}})
    .infer_shape(infer_where)
    .infer_type(infer_where_type)
    .kernel(DeviceType::kCPU, where_kernel)
    .gradient(where_grad, {0});

[[maybe_unused]] OpRegistrar r_gather_nd = OpRegistrar("gather_nd")
    .describe("Slices of data at index tuples: indices (M, Y...) give output Y... + data.shape[M:].")
    .dtypes<AllDTypes>()
    .inputs({"data", "indices"})
    .outputs({"output"})
    .infer_shape(infer_gather_nd)
    .infer_type(infer_data_type)
    .kernel(DeviceType::kCPU, gather_nd_kernel)
    .gradient(gather_nd_grad, {1});

[[maybe_unused]] OpRegistrar r_scatter_nd = OpRegistrar("scatter_nd")
    .describe("Zeros of shape with data's slices written at the index tuples (the last of repeated tuples wins).")
    .params<ScatterNDParam>()
    .dtypes<AllDTypes>()
    .inputs({"data", "indices"})
    .outputs({"output"})
    .infer_shape(infer_scatter_nd)
    .infer_type(infer_data_type)
    .kernel(DeviceType::kCPU, scatter_nd_kernel<false>)
    .gradient(scatter_nd_grad, {1});

[[maybe_unused]] OpRegistrar r_backward_gather_nd = OpRegistrar("_backward_gather_nd")
    .describe("The gradient of gather_nd: data's slices added at the index tuples into zeros of shape.")
    .params<ScatterNDParam>()
    .dtypes<NumericDTypes>()
    .inputs({"data", "indices"})
    .outputs({"output"})
    .infer_shape(infer_scatter_nd)
    .infer_type(infer_data_type)
    .kernel(DeviceType::kCPU, scatter_nd_kernel<true>)
    .gradient(scatter_nd_grad, {1});

[[maybe_unused]] OpRegistrar r_diag = OpRegistrar("diag")
    .describe("A vector's square matrix with it on diagonal k, or the k-th diagonal of the (axis1, axis2) planes.")
    .params<DiagParam>()
    .dtypes<AllDTypes>()
    .inputs({"data"})
    .outputs({"output"})
    .infer_shape(infer_diag)
    .infer_type(infer_data_type)
    .kernel(DeviceType::kCPU, diag_kernel)
    .gradient(diag_grad);

[[maybe_unused]] OpRegistrar r_backward_diag = OpRegistrar("_backward_diag")
    .describe("The gradient of diag: the k-th diagonal back to a vector, or a diagonal into zeros of data's shape.")
    .params<BackwardDiagParam>()
    .dtypes<AllDTypes>()
    .inputs({"ograd"})
    .outputs({"output"})
    .infer_shape(infer_backward_diag)
    .infer_type(infer_data_type)
    .kernel(DeviceType::kCPU, backward_diag_kernel)
    .gradient(backward_diag_grad);

}  // namespace
}  // namespace sn
