// Sum and mean over axes (axis / keepdims / exclude, legacy: a full reduction has shape (1,)).
#include "ops/gradient.h"
#include "ops/op_utils.h"

namespace sn {
namespace {

struct ReduceParam {
  std::optional<Shape> axis;
  bool keepdims = false;
  bool exclude = false;
  static void describe(ParamBuilder<ReduceParam>& b) {
    b.field("axis", &ReduceParam::axis,
            "Axes to reduce (negative counts from the end); None reduces every axis.");
    b.field("keepdims", &ReduceParam::keepdims, "Keep the reduced axes as size-1 dims.").set_default(false);
    b.field("exclude", &ReduceParam::exclude, "Reduce every axis except those in axis.").set_default(false);
  }
};

// Whether each axis of an input of rank `nd` is reduced; errors name the op.
std::vector<bool> reduced_axes(const OpDef& op, const ReduceParam& p, int nd) {
  if (!p.axis || p.axis->ndim() == 0) return std::vector<bool>(static_cast<size_t>(nd), true);  // all (MXNet)
  std::vector<bool> r(static_cast<size_t>(nd), p.exclude);
  for (int64_t a : p.axis->dims()) {
    int64_t ax = a < 0 ? a + nd : a;
    SN_CHECK_INDEX(ax >= 0 && ax < nd, op.name, ": axis ", a, " is out of range for an input of ", nd, " dimension(s)");
    r[static_cast<size_t>(ax)] = !p.exclude;
  }
  return r;
}

Shape reduced_shape(const Shape& in, const std::vector<bool>& red, bool keepdims) {
  Shape out;
  for (int i = 0; i < in.ndim(); ++i) {
    if (!red[static_cast<size_t>(i)]) out.push_back(in[i]);
    else if (keepdims) out.push_back(1);
  }
  if (out.ndim() == 0) out.push_back(1);  // legacy: no 0-d arrays
  return out;
}

bool infer_reduce(const OpAttrs& attrs, std::vector<Shape>& in, std::vector<Shape>& out) {
  if (!in[0].is_known()) return false;
  const auto& p = attrs.get<ReduceParam>();
  merge_shape(*attrs.op, out[0], reduced_shape(in[0], reduced_axes(*attrs.op, p, in[0].ndim()), p.keepdims), "the output");
  return true;
}

// Sums `x` (shape `in`) over the reduced axes into `y`; divides by the count for mean.
template <class T>
void reduce_sum(const T* x, const Shape& in, const std::vector<bool>& red, T* y, bool mean, int threads) {
  using Acc = std::conditional_t<std::is_floating_point_v<compute_t<T>>, compute_t<T>,
                                 std::conditional_t<std::is_signed_v<T>, int64_t, uint64_t>>;
  // Collapse to (outer kept, reduced, inner kept) when the reduced axes are one block; otherwise loop generally.
  const int nd = in.ndim();
  int first = -1, last = -1;
  for (int i = 0; i < nd; ++i)
    if (red[static_cast<size_t>(i)]) {
      if (first < 0) first = i;
      last = i;
    }
  bool block = first >= 0;
  for (int i = first; block && i <= last; ++i) block = red[static_cast<size_t>(i)];
  int64_t count = 1;
  for (int i = 0; i < nd; ++i)
    if (red[static_cast<size_t>(i)]) count *= in[i];
  const double scale = mean && count > 0 ? 1.0 / static_cast<double>(count) : 1.0;
  if (first < 0) {  // nothing to reduce
    std::copy(x, x + in.size(), y);
    return;
  }
  if (block) {
    const int64_t outer = in.size(0, first), mid = in.size(first, last + 1), inner = in.size(last + 1, nd);
    parallel_for(outer * inner, threads, [&](int64_t lo, int64_t hi) {
      for (int64_t oi = lo; oi < hi; ++oi) {
        const int64_t o = oi / inner, i = oi % inner;
        const T* base = x + o * mid * inner + i;
        Acc acc = 0;
        if (inner == 1) {
#pragma omp simd reduction(+ : acc)
          for (int64_t k = 0; k < mid; ++k) acc += static_cast<Acc>(load(base[k]));
        } else {
          for (int64_t k = 0; k < mid; ++k) acc += static_cast<Acc>(load(base[k * inner]));
        }
        y[oi] = store<T>(mean ? static_cast<double>(acc) * scale : acc);
      }
    }, mid);
    return;
  }
  // General: accumulate every input element into its output slot (serial; rare layouts).
  const int64_t n_out = in.size() / std::max<int64_t>(count, 1);
  std::vector<Acc> acc(static_cast<size_t>(n_out), 0);
  std::vector<int64_t> ostride(static_cast<size_t>(nd), 0);
  for (int64_t i = nd - 1, s = 1; i >= 0; --i)
    if (!red[static_cast<size_t>(i)]) {
      ostride[static_cast<size_t>(i)] = s;
      s *= in[static_cast<int>(i)];
    }
  accumulate_strided(x, in, ostride, acc.data());
  for (int64_t k = 0; k < n_out; ++k)
    y[k] = store<T>(mean ? static_cast<double>(acc[static_cast<size_t>(k)]) * scale : acc[static_cast<size_t>(k)]);
}

template <bool Mean>
void reduce_kernel(const OpContext& ctx, std::span<const TensorView> in, std::span<const TensorView> out) {
  const auto red = reduced_axes(*ctx.attrs.op, ctx.params<ReduceParam>(), in[0].shape.ndim());
  dispatch_dtype<NumericDTypes>(in[0].dtype, ctx.attrs.op->name, [&]<class T>() {
    reduce_sum(in[0].ptr<T>(), in[0].shape, red, out[0].ptr<T>(), Mean, ctx.run.num_threads);
  });
}

// --- broadcasting a reduced gradient back: _broadcast_reduce(ograd; shape = the reduced input's, ...) ---

struct BroadcastReduceParam {
  Shape shape;
  std::optional<Shape> axis;
  bool keepdims = false;
  bool exclude = false;
  bool mean = false;
  static void describe(ParamBuilder<BroadcastReduceParam>& b) {
    b.field("shape", &BroadcastReduceParam::shape, "The forward reduction's input shape.").set_default(Shape{});
    b.field("axis", &BroadcastReduceParam::axis, "The forward reduction's axes.");
    b.field("keepdims", &BroadcastReduceParam::keepdims, "The forward reduction's keepdims.").set_default(false);
    b.field("exclude", &BroadcastReduceParam::exclude, "The forward reduction's exclude.").set_default(false);
    b.field("mean", &BroadcastReduceParam::mean, "Divide by the number of reduced elements.").set_default(false);
  }
  ReduceParam reduce() const { return {axis, keepdims, exclude}; }
};

bool infer_broadcast_reduce(const OpAttrs& attrs, std::vector<Shape>& in, std::vector<Shape>& out) {
  const auto& p = attrs.get<BroadcastReduceParam>();
  merge_shape(*attrs.op, in[0], reduced_shape(p.shape, reduced_axes(*attrs.op, p.reduce(), p.shape.ndim()), p.keepdims),
              "ograd");
  merge_shape(*attrs.op, out[0], p.shape, "the output");
  return true;
}

void broadcast_reduce_kernel(const OpContext& ctx, std::span<const TensorView> in, std::span<const TensorView> out) {
  const auto& p = ctx.params<BroadcastReduceParam>();
  const Shape& shape = out[0].shape;
  const auto red = reduced_axes(*ctx.attrs.op, p.reduce(), shape.ndim());
  int64_t count = 1;
  Shape kept;  // ograd viewed with size-1 reduced dims
  for (int i = 0; i < shape.ndim(); ++i) {
    kept.push_back(red[static_cast<size_t>(i)] ? 1 : shape[i]);
    if (red[static_cast<size_t>(i)]) count *= shape[i];
  }
  const double scale = p.mean && count > 0 ? 1.0 / static_cast<double>(count) : 1.0;
  dispatch_dtype<NumericDTypes>(out[0].dtype, ctx.attrs.op->name, [&]<class T>() {
    const T zero = store<T>(0);
    // ograd (broadcast) + 0 (same shape as data) does the broadcast with the shared loop.
    std::vector<T> zeros(1, zero);
    broadcast_binary(in[0].ptr<T>(), kept, zeros.data(), Shape({1}), out[0].ptr<T>(), shape, ctx.run.num_threads,
                     [scale](T g, T) { return store<T>(static_cast<double>(load(g)) * scale); });
  });
}

// Gradients: sum/mean broadcast ograd back; the broadcast's own gradient reduces again. Both carry the
// reduction's parameters (printed once, non-default only); the input's data is never saved.
std::vector<ParamKV> reduction_params(const OpAttrs& attrs, std::vector<std::pair<std::string, std::string>>& storage) {
  storage = attrs.op->schema->print(attrs.params.get(), /*non_default_only=*/true);
  std::vector<ParamKV> kv;
  for (const auto& [k, v] : storage)
    if (k == "axis" || k == "keepdims" || k == "exclude") kv.emplace_back(k, v);
  return kv;
}

template <bool Mean>
void reduce_grad(GradBuilder& b) {
  std::vector<std::pair<std::string, std::string>> storage;
  std::vector<ParamKV> kv = reduction_params(b.attrs(), storage);
  const std::string shape = detail::print_int_tuple(b.known_input_shape(0));
  kv.emplace_back("shape", shape);
  if (Mean) kv.emplace_back("mean", "True");
  b.set_input_grad(0, b.op("_broadcast_reduce", {b.out_grad(0)}, kv));
}

void broadcast_reduce_grad(GradBuilder& b) {
  std::vector<std::pair<std::string, std::string>> storage;
  const bool mean = b.attrs().get<BroadcastReduceParam>().mean;
  b.set_input_grad(0, b.op(mean ? "mean" : "sum", {b.out_grad(0)}, reduction_params(b.attrs(), storage)));
}

template <bool Mean>
OpRegistrar reduction(const char* name, const char* doc) {
  return OpRegistrar(name)
      .describe(doc)
      .params<ReduceParam>()
      .dtypes<NumericDTypes>()
      .inputs({"data"})
      .outputs({"output"})
      .infer_shape(infer_reduce)
      .infer_type(infer_same_type)
      .kernel(DeviceType::kCPU, reduce_kernel<Mean>)
      .gradient(reduce_grad<Mean>);
}

[[maybe_unused]] OpRegistrar r_sum = reduction<false>("sum", "Sum over the given axes (all by default).").alias("sum_axis");
[[maybe_unused]] OpRegistrar r_mean = reduction<true>("mean", "Mean over the given axes (all by default).");

[[maybe_unused]] OpRegistrar r_broadcast_reduce = OpRegistrar("_broadcast_reduce")
    .describe("Broadcasts a reduction's output gradient back to the reduced input's shape.")
    .params<BroadcastReduceParam>()
    .dtypes<NumericDTypes>()
    .inputs({"ograd"})
    .outputs({"output"})
    .infer_shape(infer_broadcast_reduce)
    .infer_type(infer_same_type)
    .kernel(DeviceType::kCPU, broadcast_reduce_kernel)
    .gradient(broadcast_reduce_grad);

}  // namespace
}  // namespace sn
