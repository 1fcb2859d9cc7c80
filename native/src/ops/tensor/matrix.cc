// Shape ops that move or copy data unchanged: Reshape, Flatten, expand_dims, squeeze,
// transpose, reshape_like, broadcast_to/broadcast_like and their adjoint _sum_to.
#include <numeric>

#include "core/reshape.h"
#include "ndarray/kernels.h"
#include "ops/gradient.h"
#include "ops/op_utils.h"

namespace sn {
namespace {


// The gradient of every op that only reshapes: the output gradient in the input's shape.
void reshape_back_grad(GradBuilder& b) {
  b.set_input_grad(0, b.op("Reshape", {b.out_grad(0)}, {{"shape", detail::print_int_tuple(b.known_input_shape(0))}}));
}

// --- Reshape ---
struct ReshapeParam {
  Shape shape;
  bool reverse = false;
  static void describe(ParamBuilder<ReshapeParam>& b) {
    b.field("shape", &ReshapeParam::shape,
            "The new shape; 0 copies a dim, -1 infers one, -2 copies the rest, -3 merges two, -4 splits one.")
        .set_default(Shape{});
    b.field("reverse", &ReshapeParam::reverse, "Match the special values from the right.").set_default(false);
  }
};

bool infer_reshape_op(const OpAttrs& attrs, std::vector<Shape>& in, std::vector<Shape>& out) {
  if (!in[0].is_known()) return false;
  const auto& p = attrs.get<ReshapeParam>();
  merge_shape(*attrs.op, out[0], infer_reshape(in[0], p.shape, p.reverse, attrs.op->name), "the output");
  return true;
}

// --- Flatten: (d0, d1, ...) -> (d0, d1 * ...) ---
bool infer_flatten(const OpAttrs& attrs, std::vector<Shape>& in, std::vector<Shape>& out) {
  const std::optional<Shape> data = batch_free(in[0]);  // Note [Unknown batch]
  if (!data) return false;
  const Shape& s = *data;
  Shape r = s.ndim() == 0 ? Shape({1, 1}) : with_batch(Shape({s[0], s.size(1, s.ndim())}), in[0]);
  merge_shape(*attrs.op, out[0], r, "the output");
  share_batch(*attrs.op, in[0], out[0]);
  return in[0].is_known();
}

// --- expand_dims ---
struct ExpandDimsParam {
  int64_t axis = 0;
  static void describe(ParamBuilder<ExpandDimsParam>& b) {
    b.field("axis", &ExpandDimsParam::axis, "Where the new size-1 axis goes (negative counts from the end).");
  }
};

bool infer_expand_dims(const OpAttrs& attrs, std::vector<Shape>& in, std::vector<Shape>& out) {
  if (!in[0].is_known()) return false;
  const int nd = in[0].ndim();
  int64_t a = attrs.get<ExpandDimsParam>().axis;
  int64_t ax = a < 0 ? a + nd + 1 : a;
  SN_CHECK_INDEX(ax >= 0 && ax <= nd, attrs.op->name, ": axis ", a, " is out of range for an input of ", nd,
                 " dimension(s) (expected ", -nd - 1, " to ", nd, ")");
  Shape r;
  for (int i = 0; i <= nd; ++i) {
    if (i == ax) r.push_back(1);
    if (i < nd) r.push_back(in[0][i]);
  }
  merge_shape(*attrs.op, out[0], r, "the output");
  return true;
}

// --- squeeze -------------------------------------------------------------------------------------------------

struct SqueezeParam {
  std::optional<Shape> axis;
  static void describe(ParamBuilder<SqueezeParam>& b) {
    b.field("axis", &SqueezeParam::axis, "The size-1 axes to drop (None: every size-1 axis).");
  }
};
bool infer_squeeze(const OpAttrs& attrs, std::vector<Shape>& in, std::vector<Shape>& out) {
  if (!in[0].is_known()) return false;
  const auto& p = attrs.get<SqueezeParam>();
  const int nd = in[0].ndim();
  std::vector<bool> drop(static_cast<size_t>(nd), false);
  if (!p.axis) {
    for (int d = 0; d < nd; ++d) drop[static_cast<size_t>(d)] = in[0][d] == 1;
  } else {
    for (int64_t a : p.axis->dims()) {
      const int ax = checked_axis(*attrs.op, a, nd);
      SN_CHECK_SHAPE(in[0][ax] == 1, attrs.op->name, ": axis ", a, " has size ", in[0][ax],
                     " (input shape ", in[0], "); only size-1 axes can be squeezed");
      drop[static_cast<size_t>(ax)] = true;
    }
  }
  Shape r;
  for (int d = 0; d < nd; ++d)
    if (!drop[static_cast<size_t>(d)]) r.push_back(in[0][d]);
  if (r.ndim() == 0) r.push_back(1);  // legacy: no 0-d arrays
  merge_shape(*attrs.op, out[0], r, "the output");
  return true;
}
// --- transpose ---
struct TransposeParam {
  Shape axes;
  static void describe(ParamBuilder<TransposeParam>& b) {
    b.field("axes", &TransposeParam::axes, "The permutation of the axes; empty reverses them.").set_default(Shape{});
  }
};

std::vector<int> permutation(const OpDef& op, const Shape& axes, int nd) {
  std::vector<int> perm(static_cast<size_t>(nd));
  if (axes.ndim() == 0) {
    for (int i = 0; i < nd; ++i) perm[static_cast<size_t>(i)] = nd - 1 - i;
    return perm;
  }
  SN_CHECK_SHAPE(axes.ndim() == nd, op.name, ": axes ", axes, " must list each of the ", nd, " axes once");
  std::vector<bool> seen(static_cast<size_t>(nd), false);
  for (int i = 0; i < nd; ++i) {
    int64_t a = axes[i] < 0 ? axes[i] + nd : axes[i];
    SN_CHECK_SHAPE(a >= 0 && a < nd && !seen[static_cast<size_t>(a)], op.name, ": axes ", axes,
                   " must list each of the ", nd, " axes once");
    seen[static_cast<size_t>(a)] = true;
    perm[static_cast<size_t>(i)] = static_cast<int>(a);
  }
  return perm;
}

bool infer_transpose(const OpAttrs& attrs, std::vector<Shape>& in, std::vector<Shape>& out) {
  if (!in[0].is_known()) return false;
  auto perm = permutation(*attrs.op, attrs.get<TransposeParam>().axes, in[0].ndim());
  Shape r;
  for (int p : perm) r.push_back(in[0][p]);
  merge_shape(*attrs.op, out[0], r, "the output");
  return true;
}

void transpose_kernel(const OpContext& ctx, std::span<const TensorView> in, std::span<const TensorView> out) {
  const Shape& s = in[0].shape;
  const int nd = s.ndim();
  auto perm = permutation(*ctx.attrs.op, ctx.params<TransposeParam>().axes, nd);
  std::vector<int64_t> in_strides(static_cast<size_t>(nd), 1), src(static_cast<size_t>(nd)), dst(static_cast<size_t>(nd), 1);
  for (int i = nd - 2; i >= 0; --i) in_strides[static_cast<size_t>(i)] = in_strides[static_cast<size_t>(i) + 1] * s[i + 1];
  for (int i = 0; i < nd; ++i) src[static_cast<size_t>(i)] = in_strides[static_cast<size_t>(perm[static_cast<size_t>(i)])];
  for (int i = nd - 2; i >= 0; --i) dst[static_cast<size_t>(i)] = dst[static_cast<size_t>(i) + 1] * out[0].shape[i + 1];
  strided_copy(out[0].shape.dims(), dtype_size(in[0].dtype), StridedView{in[0].data, src}, StridedView{out[0].data, dst},
               ctx.run.num_threads);
}

void transpose_grad(GradBuilder& b) {
  const Shape& axes = b.attrs().get<TransposeParam>().axes;
  std::string inverse = "()";  // reversing twice is the identity
  if (axes.ndim() > 0) {
    Shape inv(axes.ndim(), 0);
    for (int i = 0; i < axes.ndim(); ++i) inv[static_cast<int>(axes[i] < 0 ? axes[i] + axes.ndim() : axes[i])] = i;
    inverse = detail::print_int_tuple(inv);
  }
  b.set_input_grad(0, b.op("transpose", {b.out_grad(0)}, {{"axes", inverse}}));
}

// --- reshape_like(lhs, rhs): lhs's data in rhs's shape ---
bool infer_reshape_like(const OpAttrs& attrs, std::vector<Shape>& in, std::vector<Shape>& out) {
  if (!in[0].is_known() || !in[1].is_known()) return false;
  SN_CHECK_SHAPE(in[0].size() == in[1].size(), attrs.op->name, ": cannot give lhs of shape ", in[0], " (",
                 in[0].size(), " elements) the shape ", in[1], " (", in[1].size(), " elements)");
  merge_shape(*attrs.op, out[0], in[1], "the output");
  return true;
}


// --- broadcasting to a shape, and its adjoint, summing down to one ---

// NumPy broadcasting of `in` to `to` (ranks align on the right), or a shape error naming the op.
void check_broadcastable(const OpDef& op, const Shape& in, const Shape& to) {
  bool ok = in.ndim() <= to.ndim();
  for (int i = 1; ok && i <= in.ndim(); ++i) ok = in[in.ndim() - i] == 1 || in[in.ndim() - i] == to[to.ndim() - i];
  SN_CHECK_SHAPE(ok, op.name, ": an array of shape ", in, " cannot be broadcast to shape ", to);
}

void broadcast_kernel(const OpContext& ctx, std::span<const TensorView> in, std::span<const TensorView> out) {
  const int eb = dtype_size(in[0].dtype);
  strided_copy(out[0].shape.dims(), eb, StridedView{in[0].data, broadcast_strides(in[0].shape, out[0].shape)},
               StridedView{out[0].data, broadcast_strides(out[0].shape, out[0].shape)}, ctx.run.num_threads);
}

// Sums x (shape xs) into y (shape ys, which broadcasts to xs).
void sum_down_kernel(const OpContext& ctx, std::span<const TensorView> in, std::span<const TensorView> out) {
  const Shape& xs = in[0].shape;
  const Shape& ys = out[0].shape;
  dispatch_dtype<NumericDTypes>(in[0].dtype, ctx.attrs.op->name, [&]<class T>() {
    const T* x = in[0].ptr<T>();
    T* y = out[0].ptr<T>();
    if (xs == ys) {
      std::copy(x, x + xs.size(), y);
      return;
    }
    using Acc = std::conditional_t<std::is_floating_point_v<compute_t<T>>, double, int64_t>;
    std::vector<Acc> acc(static_cast<size_t>(ys.size()), 0);
    accumulate_strided(x, xs, broadcast_strides(ys, xs), acc.data());
    for (int64_t k = 0; k < ys.size(); ++k) y[k] = store<T>(acc[static_cast<size_t>(k)]);
  });
}

// broadcast_to(data; shape): 0 in `shape` keeps the input's dim (ranks align on the right).
struct BroadcastToParam {
  Shape shape;
  static void describe(ParamBuilder<BroadcastToParam>& b) {
    b.field("shape", &BroadcastToParam::shape, "The target shape; 0 keeps the input's dim.").set_default(Shape{});
  }
};

bool infer_broadcast_to(const OpAttrs& attrs, std::vector<Shape>& in, std::vector<Shape>& out) {
  if (!in[0].is_known()) return false;
  Shape to = attrs.get<BroadcastToParam>().shape;
  const int off = to.ndim() - in[0].ndim();
  for (int i = 0; i < to.ndim(); ++i) {
    if (to[i] == 0) {
      SN_CHECK_SHAPE(i >= off, attrs.op->name, ": shape ", attrs.get<BroadcastToParam>().shape, " has 0 at dim ", i,
                     ", which no dim of the input (shape ", in[0], ") lines up with");
      to[i] = in[0][i - off];
    }
  }
  check_broadcastable(*attrs.op, in[0], to);
  merge_shape(*attrs.op, out[0], to, "the output");
  return true;
}

// _sum_to(data; shape): data summed down to `shape`, which must broadcast to data's shape.
struct SumToParam {
  Shape shape;
  static void describe(ParamBuilder<SumToParam>& b) {
    b.field("shape", &SumToParam::shape, "The shape to sum down to (it broadcasts to the input's).")
        .set_default(Shape{});
  }
};

bool infer_sum_to(const OpAttrs& attrs, std::vector<Shape>& in, std::vector<Shape>& out) {
  if (!in[0].is_known()) return false;
  const Shape& to = attrs.get<SumToParam>().shape;
  check_broadcastable(*attrs.op, to, in[0]);
  merge_shape(*attrs.op, out[0], to, "the output");
  return true;
}

bool infer_broadcast_like(const OpAttrs& attrs, std::vector<Shape>& in, std::vector<Shape>& out) {
  if (!in[0].is_known() || !in[1].is_known()) return false;
  check_broadcastable(*attrs.op, in[0], in[1]);
  merge_shape(*attrs.op, out[0], in[1], "the output");
  return true;
}

std::vector<ParamKV> shape_param(const Shape& s, std::string& storage) {
  storage = detail::print_int_tuple(s);
  return {{"shape", storage}};
}
// broadcast_to / broadcast_like: the gradient sums back down; _sum_to: it broadcasts back up.
void broadcast_grad(GradBuilder& b) {
  std::string s;
  b.set_input_grad(0, b.op("_sum_to", {b.out_grad(0)}, shape_param(b.known_input_shape(0), s)));
}
void sum_to_grad(GradBuilder& b) {
  std::string s;
  b.set_input_grad(0, b.op("broadcast_to", {b.out_grad(0)}, shape_param(b.known_input_shape(0), s)));
}


[[maybe_unused]] OpRegistrar r_reshape =
    layout_op("Reshape", infer_reshape_op, copy_kernel, "The data in a new shape (MXNet's reshape special values).")
        .alias("reshape")
        .params<ReshapeParam>()
        .inplace({{0, 0}})
        .gradient(reshape_back_grad);
[[maybe_unused]] OpRegistrar r_flatten =
    layout_op("Flatten", infer_flatten, copy_kernel, "Collapses all but the first dim: (d0, d1 * d2 * ...).")
        .alias("flatten")
        .inplace({{0, 0}})
        .gradient(reshape_back_grad);
[[maybe_unused]] OpRegistrar r_expand_dims =
    layout_op("expand_dims", infer_expand_dims, copy_kernel, "Inserts a size-1 axis.")
        .params<ExpandDimsParam>()
        .inplace({{0, 0}})
        .gradient(reshape_back_grad);
[[maybe_unused]] OpRegistrar r_squeeze =
    layout_op("squeeze", infer_squeeze, copy_kernel, "Drops size-1 axes (all of them when axis is None); (1,) at least.")
        .params<SqueezeParam>()
        .inplace({{0, 0}})
        .gradient(reshape_back_grad);
[[maybe_unused]] OpRegistrar r_transpose =
    layout_op("transpose", infer_transpose, transpose_kernel, "Permutes the axes (reverses them by default).")
        .params<TransposeParam>()
        .gradient(transpose_grad);

[[maybe_unused]] OpRegistrar r_reshape_like = OpRegistrar("reshape_like")
    .describe("lhs's data in rhs's shape (the sizes must match).")
    .dtypes<AllDTypes>()
    .inputs({"lhs", "rhs"})
    .outputs({"output"})
    .inplace({{0, 0}})
    .infer_shape(infer_reshape_like)
    .infer_type(infer_first_type)
    .kernel(DeviceType::kCPU, copy_kernel)
    .gradient(reshape_back_grad);

[[maybe_unused]] OpRegistrar r_broadcast_to = OpRegistrar("broadcast_to")
    .describe("The data broadcast (NumPy rules) to a shape; 0 keeps the input's dim.")
    .params<BroadcastToParam>()
    .dtypes<AllDTypes>()
    .inputs({"data"})
    .outputs({"output"})
    .infer_shape(infer_broadcast_to)
    .infer_type(infer_same_type)
    .kernel(DeviceType::kCPU, broadcast_kernel)
    .gradient(broadcast_grad);

[[maybe_unused]] OpRegistrar r_broadcast_like = OpRegistrar("broadcast_like")
    .describe("lhs broadcast (NumPy rules) to rhs's shape.")
    .dtypes<AllDTypes>()
    .inputs({"lhs", "rhs"})
    .outputs({"output"})
    .infer_shape(infer_broadcast_like)
    .infer_type(infer_first_type)
    .kernel(DeviceType::kCPU, broadcast_kernel)
    .gradient(broadcast_grad);

[[maybe_unused]] OpRegistrar r_sum_to = OpRegistrar("_sum_to")
    .describe("The data summed down to a shape that broadcasts to it (the gradient of broadcasting).")
    .params<SumToParam>()
    .dtypes<NumericDTypes>()
    .inputs({"data"})
    .outputs({"output"})
    .infer_shape(infer_sum_to)
    .infer_type(infer_same_type)
    .kernel(DeviceType::kCPU, sum_down_kernel)
    .gradient(sum_to_grad);

}  // namespace
}  // namespace sn
