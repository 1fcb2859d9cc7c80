// Ordering: topk, sort, argsort, and the scatter/gather along an axis their gradients use.
//
// Note [Sort order]
// Every path orders NaN above every number (NumPy's choice): last ascending, first descending. Equal
// values keep their original order (stable): lines are ordered by (value, position), a total order, so
// partial and full sorts agree and the result never depends on the thread count.
#include <algorithm>
#include <cmath>
#include <numeric>

#include "ops/gradient.h"
#include "ops/op_utils.h"

namespace sn {
namespace {

// The index dtypes topk and argsort can return (MXNet's list).
using IndexDTypes = DTypeTable<float, double, half_t, int32_t, int64_t, uint8_t>;

// An array seen as `outer` x `n` x `inner` around the axis the lines run along; no axis: one flat line.
struct Lines {
  int64_t outer = 1, n = 1, inner = 1;
  int axis = -1;  // -1: flattened
};

Lines lines_of(const OpDef& op, const Shape& s, const std::optional<int64_t>& axis) {
  Lines l;
  if (!axis) {
    l.n = s.size();
    return l;
  }
  const int nd = s.ndim();
  l.axis = checked_axis(op, *axis, nd);
  l.outer = s.size(0, l.axis);
  l.n = s[l.axis];
  l.inner = s.size(l.axis + 1, nd);
  return l;
}

// The shape with the line axis resized to k ((k,) when flattened).
Shape with_length(const Shape& s, const Lines& l, int64_t k) {
  if (l.axis < 0) return Shape({k});
  Shape r = s;
  r[l.axis] = k;
  return r;
}

// Sorts each line's positions by (value, position) with NaN above every number; the first k land first.
template <class T, class Out>
void sort_lines(const T* x, const Lines& l, int64_t k, bool ascend, int threads, Out write) {
  using K = compute_t<T>;
  parallel_for(l.outer * l.inner, threads, [&](int64_t lo, int64_t hi) {
    std::vector<K> key(static_cast<size_t>(l.n));
    std::vector<int64_t> perm(static_cast<size_t>(l.n));
    for (int64_t line = lo; line < hi; ++line) {
      const int64_t o = line / l.inner, c = line % l.inner;
      const T* row = x + o * l.n * l.inner + c;
      for (int64_t j = 0; j < l.n; ++j) key[static_cast<size_t>(j)] = load(row[j * l.inner]);
      std::iota(perm.begin(), perm.end(), int64_t{0});
      auto before = [&](int64_t a, int64_t b) {
        const K ka = key[static_cast<size_t>(a)], kb = key[static_cast<size_t>(b)];
        if (ascend ? ka < kb : ka > kb) return true;
        if (ascend ? kb < ka : kb > ka) return false;
        if constexpr (std::is_floating_point_v<K>) {
          const bool na = std::isnan(ka), nb = std::isnan(kb);
          if (na != nb) return ascend ? nb : na;
        }
        return a < b;
      };
      if (k == l.n) std::sort(perm.begin(), perm.end(), before);
      else std::partial_sort(perm.begin(), perm.begin() + k, perm.end(), before);
      write(o, c, row, perm);
    }
  }, l.n * 8);
}


void check_sortable(const OpDef& op, int t) {
  SN_CHECK_TYPE(t < 0 || static_cast<DType>(t) != DType::kBool, op.name,
                ": data must be numeric, got bool; convert it with Cast first");
}

void check_index_dtype(const OpDef& op, DType t) {
  bool ok = false;
  for (DType d : IndexDTypes::dtypes) ok |= d == t;
  SN_CHECK_TYPE(ok, op.name, ": dtype ", dtype_name(t),
                " is not an index dtype (expected float16, float32, float64, int32, int64 or uint8)");
}

// --- topk(data; axis, k, ret_typ, is_ascend, dtype) ---

enum class TopKRet : int32_t { kValue = 0, kIndices = 1, kMask = 2, kBoth = 3 };

struct TopKParam {
  std::optional<int64_t> axis;
  int64_t k = 1;
  TopKRet ret_typ = TopKRet::kIndices;
  bool is_ascend = false;
  DType dtype = DType::kFloat32;
  static void describe(ParamBuilder<TopKParam>& b) {
    b.field("axis", &TopKParam::axis, "The axis to select along (negative counts from the end); None flattens.")
        .set_default(std::optional<int64_t>(-1));
    b.field("k", &TopKParam::k, "How many elements to select; below 1 selects all (a full sort).").set_default(1);
    b.field("ret_typ", &TopKParam::ret_typ,
            "What to return: value, indices, a mask of the selected positions, or both value and indices.")
        .set_enum({{"value", TopKRet::kValue}, {"indices", TopKRet::kIndices}, {"mask", TopKRet::kMask},
                   {"both", TopKRet::kBoth}})
        .set_default(TopKRet::kIndices);
    b.field("is_ascend", &TopKParam::is_ascend, "Select the smallest instead of the largest.").set_default(false);
    b.field("dtype", &TopKParam::dtype, "Element type of the indices.").set_default(DType::kFloat32);
  }
};

int topk_outputs(const OpAttrs& attrs) { return attrs.get<TopKParam>().ret_typ == TopKRet::kBoth ? 2 : 1; }

int64_t topk_k(const OpDef& op, const TopKParam& p, const Lines& l) {
  if (p.k < 1) return l.n;
  SN_CHECK(p.k <= l.n, op.name, ": k = ", p.k, " is larger than the ", l.n, " element(s) along ",
           p.axis ? "axis " + std::to_string(*p.axis) : std::string("the flattened input"));
  return p.k;
}

bool infer_topk(const OpAttrs& attrs, std::vector<Shape>& in, std::vector<Shape>& out) {
  if (!in[0].is_known()) return false;
  const auto& p = attrs.get<TopKParam>();
  const Lines l = lines_of(*attrs.op, in[0], p.axis);
  const Shape r = p.ret_typ == TopKRet::kMask ? in[0] : with_length(in[0], l, topk_k(*attrs.op, p, l));
  for (auto& o : out) merge_shape(*attrs.op, o, r, "the output");
  return true;
}

bool infer_topk_type(const OpAttrs& attrs, std::vector<int>& in, std::vector<int>& out) {
  const auto& p = attrs.get<TopKParam>();
  check_sortable(*attrs.op, in[0]);
  check_index_dtype(*attrs.op, p.dtype);
  if (in[0] < 0) return false;
  const int idx = static_cast<int>(p.dtype);
  switch (p.ret_typ) {
    case TopKRet::kIndices: out[0] = idx; break;
    case TopKRet::kBoth: out[0] = in[0], out[1] = idx; break;
    default: out[0] = in[0];
  }
  return true;
}

void topk_kernel(const OpContext& ctx, std::span<const TensorView> in, std::span<const TensorView> out) {
  const auto& p = ctx.params<TopKParam>();
  const OpDef& op = *ctx.attrs.op;
  const Lines l = lines_of(op, in[0].shape, p.axis);
  const int64_t k = topk_k(op, p, l);
  const bool want_values = p.ret_typ == TopKRet::kValue || p.ret_typ == TopKRet::kBoth;
  const TensorView* idx_out = p.ret_typ == TopKRet::kIndices ? &out[0] : p.ret_typ == TopKRet::kBoth ? &out[1] : nullptr;
  dispatch_dtype<NumericDTypes>(in[0].dtype, op.name, [&]<class T>() {
    const T* x = in[0].ptr<T>();
    T* values = want_values ? out[0].ptr<T>() : nullptr;
    auto run = [&]<class I>(I* indices) {
      T* mask = p.ret_typ == TopKRet::kMask ? out[0].ptr<T>() : nullptr;
      sort_lines(x, l, k, p.is_ascend, ctx.run.num_threads,
                 [&](int64_t o, int64_t c, const T* row, const std::vector<int64_t>& perm) {
                   const int64_t base = o * k * l.inner + c;
                   if (values)
                     for (int64_t j = 0; j < k; ++j) values[base + j * l.inner] = row[perm[static_cast<size_t>(j)] * l.inner];
                   if (indices)
                     for (int64_t j = 0; j < k; ++j) indices[base + j * l.inner] = store<I>(perm[static_cast<size_t>(j)]);
                   if (mask) {
                     T* m = mask + o * l.n * l.inner + c;
                     for (int64_t j = 0; j < l.n; ++j) m[j * l.inner] = store<T>(0);
                     for (int64_t j = 0; j < k; ++j) m[perm[static_cast<size_t>(j)] * l.inner] = store<T>(1);
                   }
                 });
    };
    if (idx_out) dispatch_dtype<IndexDTypes>(idx_out->dtype, op.name, [&]<class I>() { run(idx_out->ptr<I>()); });
    else run(static_cast<int64_t*>(nullptr));
  });
}

// The positions the value outputs came from, as int64 (exact for any length).
GradValue selected_positions(GradBuilder& b, std::string_view op, GradParams kv) {
  kv.add("dtype", "int64");
  return b.op(op, {b.input(0)}, kv.view());
}

void topk_grad(GradBuilder& b) {
  const auto ret = b.attrs().get<TopKParam>().ret_typ;
  if (ret != TopKRet::kValue && ret != TopKRet::kBoth) return;  // indices and masks are piecewise constant
  GradParams sel(b.attrs(), {"axis", "k", "is_ascend"});
  sel.add("ret_typ", "indices");
  GradValue idx = selected_positions(b, "topk", sel);
  GradParams kv(b.attrs(), {"axis"});
  kv.add("shape", detail::print_int_tuple(b.known_input_shape(0)));
  b.set_input_grad(0, b.op("_backward_topk", {b.out_grad(0), idx}, kv.view()));
}

// --- sort(data; axis, is_ascend) and argsort(data; axis, is_ascend, dtype) ---

struct SortParam {
  std::optional<int64_t> axis;
  bool is_ascend = true;
  static void describe(ParamBuilder<SortParam>& b) {
    b.field("axis", &SortParam::axis, "The axis to sort along (negative counts from the end); None flattens.")
        .set_default(std::optional<int64_t>(-1));
    b.field("is_ascend", &SortParam::is_ascend, "Ascending (else descending) order.").set_default(true);
  }
};

struct ArgSortParam {
  std::optional<int64_t> axis;
  bool is_ascend = true;
  DType dtype = DType::kFloat32;
  static void describe(ParamBuilder<ArgSortParam>& b) {
    b.field("axis", &ArgSortParam::axis, "The axis to sort along (negative counts from the end); None flattens.")
        .set_default(std::optional<int64_t>(-1));
    b.field("is_ascend", &ArgSortParam::is_ascend, "Ascending (else descending) order.").set_default(true);
    b.field("dtype", &ArgSortParam::dtype, "Element type of the indices.").set_default(DType::kFloat32);
  }
};

template <class P>
bool infer_sort(const OpAttrs& attrs, std::vector<Shape>& in, std::vector<Shape>& out) {
  if (!in[0].is_known()) return false;
  const Lines l = lines_of(*attrs.op, in[0], attrs.get<P>().axis);
  merge_shape(*attrs.op, out[0], with_length(in[0], l, l.n), "the output");
  return true;
}

bool infer_sort_type(const OpAttrs& attrs, std::vector<int>& in, std::vector<int>& out) {
  check_sortable(*attrs.op, in[0]);
  if (in[0] < 0) return false;
  out[0] = in[0];
  return true;
}

bool infer_argsort_type(const OpAttrs& attrs, std::vector<int>& in, std::vector<int>& out) {
  check_sortable(*attrs.op, in[0]);
  check_index_dtype(*attrs.op, attrs.get<ArgSortParam>().dtype);
  out[0] = static_cast<int>(attrs.get<ArgSortParam>().dtype);
  return in[0] >= 0;
}

void sort_kernel(const OpContext& ctx, std::span<const TensorView> in, std::span<const TensorView> out) {
  const auto& p = ctx.params<SortParam>();
  const Lines l = lines_of(*ctx.attrs.op, in[0].shape, p.axis);
  dispatch_dtype<NumericDTypes>(in[0].dtype, ctx.attrs.op->name, [&]<class T>() {
    T* y = out[0].ptr<T>();
    sort_lines(in[0].ptr<T>(), l, l.n, p.is_ascend, ctx.run.num_threads,
               [&](int64_t o, int64_t c, const T* row, const std::vector<int64_t>& perm) {
                 T* dst = y + o * l.n * l.inner + c;
                 for (int64_t j = 0; j < l.n; ++j) dst[j * l.inner] = row[perm[static_cast<size_t>(j)] * l.inner];
               });
  });
}

void argsort_kernel(const OpContext& ctx, std::span<const TensorView> in, std::span<const TensorView> out) {
  const auto& p = ctx.params<ArgSortParam>();
  const Lines l = lines_of(*ctx.attrs.op, in[0].shape, p.axis);
  dispatch_dtype<NumericDTypes>(in[0].dtype, ctx.attrs.op->name, [&]<class T>() {
    dispatch_dtype<IndexDTypes>(out[0].dtype, ctx.attrs.op->name, [&]<class I>() {
      I* y = out[0].ptr<I>();
      sort_lines(in[0].ptr<T>(), l, l.n, p.is_ascend, ctx.run.num_threads,
                 [&](int64_t o, int64_t c, const T*, const std::vector<int64_t>& perm) {
                   I* dst = y + o * l.n * l.inner + c;
                   for (int64_t j = 0; j < l.n; ++j) dst[j * l.inner] = store<I>(perm[static_cast<size_t>(j)]);
                 });
    });
  });
}

void sort_grad(GradBuilder& b) {
  GradValue idx = selected_positions(b, "argsort", GradParams(b.attrs(), {"axis", "is_ascend"}));
  GradParams kv(b.attrs(), {"axis"});
  kv.add("shape", detail::print_int_tuple(b.known_input_shape(0)));
  b.set_input_grad(0, b.op("_backward_topk", {b.out_grad(0), idx}, kv.view()));
}

// --- _backward_topk(ograd, indices; axis, shape) and _gather_along_axis(data, indices; axis) ---
// The first adds ograd into zeros of `shape` at each line's indices; the second reads data at them. Each is
// the other's adjoint, so each is the other's gradient.

struct AlongAxisParam {
  std::optional<int64_t> axis;
  static void describe(ParamBuilder<AlongAxisParam>& b) {
    b.field("axis", &AlongAxisParam::axis, "The axis the indices run along; None: flat positions.")
        .set_default(std::optional<int64_t>(-1));
  }
};
struct BackwardTopKParam {
  std::optional<int64_t> axis;
  Shape shape;
  static void describe(ParamBuilder<BackwardTopKParam>& b) {
    b.field("axis", &BackwardTopKParam::axis, "The forward op's axis; None: flat positions.")
        .set_default(std::optional<int64_t>(-1));
    b.field("shape", &BackwardTopKParam::shape, "The shape of the forward op's data.");
  }
};

// indices (and ograd / the gather's output) must match `full` except along the line axis.
void check_along(const OpDef& op, const Shape& full, const Lines& l, const Shape& idx, std::string_view what) {
  bool ok = l.axis < 0 ? idx.ndim() == 1 : idx.ndim() == full.ndim();
  for (int i = 0; ok && l.axis >= 0 && i < idx.ndim(); ++i) ok = i == l.axis || idx[i] == full[i];
  SN_CHECK_SHAPE(ok, op.name, ": ", what, " has shape ", idx, " but must match ", full,
                 l.axis < 0 ? std::string(" flattened (1-D)") : " except along axis " + std::to_string(l.axis));
}

// A stored index (any dtype) checked against a line of n; NaN is out of range.
int64_t line_index(const OpDef& op, double j, int64_t n) {
  SN_CHECK_INDEX(j >= 0 && j < static_cast<double>(n), op.name, ": index ", j, " is out of range for a line of ", n,
                 " element(s)");
  return static_cast<int64_t>(j);
}

template <class F>
void along_lines(const OpContext& ctx, const TensorView& indices, const Lines& l, int64_t k, F f) {
  dispatch_dtype<NumericDTypes>(indices.dtype, ctx.attrs.op->name, [&]<class I>() {
    const I* idx = indices.ptr<I>();
    parallel_for(l.outer * l.inner, ctx.run.num_threads, [&](int64_t lo, int64_t hi) {
      for (int64_t line = lo; line < hi; ++line) {
        const int64_t o = line / l.inner, c = line % l.inner;
        const int64_t full = o * l.n * l.inner + c, part = o * k * l.inner + c;
        for (int64_t j = 0; j < k; ++j) {
          const int64_t at = part + j * l.inner;
          const int64_t v = line_index(*ctx.attrs.op, static_cast<double>(load(idx[at])), l.n);
          f(full + v * l.inner, at);
        }
      }
    }, k);
  });
}

bool infer_backward_topk(const OpAttrs& attrs, std::vector<Shape>& in, std::vector<Shape>& out) {
  const auto& p = attrs.get<BackwardTopKParam>();
  const OpDef& op = *attrs.op;
  merge_shape(op, out[0], p.shape, "the output");
  const Lines l = lines_of(op, p.shape, p.axis);
  if (in[0].is_known()) check_along(op, p.shape, l, in[0], "input 0 (ograd)");
  if (in[1].is_known()) check_along(op, p.shape, l, in[1], "input 1 (indices)");
  merge_input_shape(op, in[0], in[1], 0);
  merge_input_shape(op, in[1], in[0], 1);
  return true;
}

void backward_topk_kernel(const OpContext& ctx, std::span<const TensorView> in, std::span<const TensorView> out) {
  const auto& p = ctx.params<BackwardTopKParam>();
  const Lines l = lines_of(*ctx.attrs.op, out[0].shape, p.axis);
  const int64_t k = l.axis < 0 ? in[0].size() : in[0].shape[l.axis];
  dispatch_dtype<NumericDTypes>(out[0].dtype, ctx.attrs.op->name, [&]<class T>() {
    T* y = out[0].ptr<T>();
    const T* g = in[0].ptr<T>();
    const T z = store<T>(0);
    std::fill(y, y + out[0].size(), z);
    // Lines are disjoint, so threads never write the same place.
    along_lines(ctx, in[1], l, k, [&](int64_t to, int64_t from) { y[to] = store<T>(load(y[to]) + load(g[from])); });
  });
}

bool infer_gather_along(const OpAttrs& attrs, std::vector<Shape>& in, std::vector<Shape>& out) {
  if (!in[0].is_known() || !in[1].is_known()) return false;
  const OpDef& op = *attrs.op;
  const Lines l = lines_of(op, in[0], attrs.get<AlongAxisParam>().axis);
  check_along(op, in[0], l, in[1], "input 1 (indices)");
  merge_shape(op, out[0], in[1], "the output");
  return true;
}

void gather_along_kernel(const OpContext& ctx, std::span<const TensorView> in, std::span<const TensorView> out) {
  const Lines l = lines_of(*ctx.attrs.op, in[0].shape, ctx.params<AlongAxisParam>().axis);
  const int64_t k = l.axis < 0 ? in[1].size() : in[1].shape[l.axis];
  dispatch_dtype<NumericDTypes>(out[0].dtype, ctx.attrs.op->name, [&]<class T>() {
    const T* x = in[0].ptr<T>();
    T* y = out[0].ptr<T>();
    along_lines(ctx, in[1], l, k, [&](int64_t from, int64_t to) { y[to] = x[from]; });
  });
}

bool infer_first_type(const OpAttrs&, std::vector<int>& in, std::vector<int>& out) {
  if (in[0] < 0) return false;
  out[0] = in[0];
  return true;
}

void backward_topk_grad(GradBuilder& b) {
  GradParams kv(b.attrs(), {"axis"});
  b.set_input_grad(0, b.op("_gather_along_axis", {b.out_grad(0), b.input(1)}, kv.view()));
}
void gather_along_grad(GradBuilder& b) {
  GradParams kv(b.attrs(), {"axis"});
  kv.add("shape", detail::print_int_tuple(b.known_input_shape(0)));
  b.set_input_grad(0, b.op("_backward_topk", {b.out_grad(0), b.input(1)}, kv.view()));
}

// --- registrations ---

[[maybe_unused]] OpRegistrar r_topk = OpRegistrar("topk")
    .describe("The k largest (or smallest) elements along an axis: values, indices, a mask, or both (NaN largest).")
    .params<TopKParam>()
    .dtypes<NumericDTypes>()
    .inputs({"data"})
    .outputs({"output", "indices"})
    .variadic_outputs(topk_outputs)
    .infer_shape(infer_topk)
    .infer_type(infer_topk_type)
    .kernel(DeviceType::kCPU, topk_kernel)
    .gradient(topk_grad, {0});

[[maybe_unused]] OpRegistrar r_sort = OpRegistrar("sort")
    .describe("The data sorted along an axis (stable; NaN above every number).")
    .params<SortParam>()
    .dtypes<NumericDTypes>()
    .inputs({"data"})
    .outputs({"output"})
    .infer_shape(infer_sort<SortParam>)
    .infer_type(infer_sort_type)
    .kernel(DeviceType::kCPU, sort_kernel)
    .gradient(sort_grad, {0});

[[maybe_unused]] OpRegistrar r_argsort = OpRegistrar("argsort")
    .describe("The positions that sort the data along an axis (stable; NaN above every number).")
    .params<ArgSortParam>()
    .dtypes<IndexDTypes>()
    .inputs({"data"})
    .outputs({"output"})
    .infer_shape(infer_sort<ArgSortParam>)
    .infer_type(infer_argsort_type)
    .kernel(DeviceType::kCPU, argsort_kernel)
    .zero_gradient();

[[maybe_unused]] OpRegistrar r_backward_topk = OpRegistrar("_backward_topk")
    .describe("The gradient of topk and sort values: ograd added into zeros of data's shape at the indices.")
    .params<BackwardTopKParam>()
    .dtypes<NumericDTypes>()
    .inputs({"ograd", "indices"})
    .outputs({"output"})
    .infer_shape(infer_backward_topk)
    .infer_type(infer_first_type)
    .kernel(DeviceType::kCPU, backward_topk_kernel)
    .gradient(backward_topk_grad, {1});

[[maybe_unused]] OpRegistrar r_gather_along_axis = OpRegistrar("_gather_along_axis")
    .describe("data at the indices along an axis, line by line (the gradient of _backward_topk).")
    .params<AlongAxisParam>()
    .dtypes<NumericDTypes>()
    .inputs({"data", "indices"})
    .outputs({"output"})
    .infer_shape(infer_gather_along)
    .infer_type(infer_first_type)
    .kernel(DeviceType::kCPU, gather_along_kernel)
    .gradient(gather_along_grad, {1});

}  // namespace
}  // namespace sn
