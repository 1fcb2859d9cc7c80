// GroupNorm(data, gamma, beta; num_groups, eps, output_mean_var): data (N, C, ...) with its channels split into
// num_groups groups; each (sample, group) is normalised to zero mean and unit variance, then scaled and shifted by
// the group's gamma and beta. As MXNet 1.x, gamma and beta have shape (num_groups,) (one value per group, not per
// channel). The mean and std (N, num_groups) are visible with output_mean_var. _backward_GroupNorm gives the data,
// gamma and beta gradients in one pass; its own gradient is composed (norm_common.cc).
#include "ops/nn/norm_common.h"

namespace sn {
namespace {

struct GroupNormParam {
  int64_t num_groups = 1;
  double eps = 1e-5;
  bool output_mean_var = false;
  static void describe(ParamBuilder<GroupNormParam>& b) {
    b.field("num_groups", &GroupNormParam::num_groups, "The number of channel groups.")
        .set_default(int64_t{1})
        .set_lower_bound(1);
    b.field("eps", &GroupNormParam::eps, "Added to the variance before its square root.")
        .set_default(1e-5)
        .set_lower_bound(0);
    b.field("output_mean_var", &GroupNormParam::output_mean_var, "Also output the mean and std.").set_default(false);
  }
};

// The data as (batch, groups, size of a group).
struct Groups {
  int64_t batch, groups, size;
};
Groups groups_of(const OpDef& op, const GroupNormParam& p, const Shape& s) {
  SN_CHECK_SHAPE(s.ndim() >= 3, op.name, ": data must have at least 3 dimensions (batch, channel, ...), got ", s);
  SN_CHECK(s[1] % p.num_groups == 0, op.name, ": parameter 'num_groups' (", p.num_groups,
           ") must divide the number of channels (axis 1 of data ", s, ")");
  return {s[0], p.num_groups, s.size(1, s.ndim()) / p.num_groups};
}

// Inputs first .. first + count - 1 (gamma, beta) hold one value per group.
void check_per_group(const OpDef& op, int64_t groups, std::vector<Shape>& in, int first, int count) {
  for (int i = first; i < first + count; ++i) {
    Shape& s = in[static_cast<size_t>(i)];
    if (!s.ndim_known()) s = Shape{groups};
    SN_CHECK_SHAPE(s.ndim() == 1 && (s[0] < 0 || s[0] == groups), op.name, ": ", op.input_name(i), " must have shape (",
                   groups, ",) (one value per group, num_groups = ", groups, "), got ", s);
    s[0] = groups;
  }
}

bool infer_group_norm_shape(const OpAttrs& attrs, std::vector<Shape>& in, std::vector<Shape>& out) {
  const auto& p = attrs.get<GroupNormParam>();
  merge_input_shape(*attrs.op, in[0], out[0], 0);
  if (!in[0].is_known()) return false;
  groups_of(*attrs.op, p, in[0]);
  check_per_group(*attrs.op, p.num_groups, in, 1, 2);
  merge_shape(*attrs.op, out[0], in[0], "the output");
  merge_shape(*attrs.op, out[1], Shape{in[0][0], p.num_groups}, "the mean");
  merge_shape(*attrs.op, out[2], Shape{in[0][0], p.num_groups}, "the std");
  return true;
}

void group_norm_kernel(const OpContext& ctx, std::span<const TensorView> in, std::span<const TensorView> out) {
  const auto& p = ctx.params<GroupNormParam>();
  const Groups gr = groups_of(*ctx.attrs.op, p, in[0].shape);
  dispatch_dtype<FloatDTypes>(out[0].dtype, ctx.attrs.op->name, [&]<class T>() {
    norm::normalize_rows<T, false>(in[0].ptr<T>(), in[1].ptr<T>(), in[2].ptr<T>(), out[0].ptr<T>(), out[1].ptr<T>(),
                                   out[2].ptr<T>(), gr.batch * gr.groups, gr.size, gr.groups, p.eps, false,
                                   ctx.run.num_threads);
  });
}

// Inputs: ograd, data, gamma, mean, std; outputs: the gradients of data, gamma and beta.
bool infer_backward_shape(const OpAttrs& attrs, std::vector<Shape>& in, std::vector<Shape>& out) {
  const auto& p = attrs.get<GroupNormParam>();
  merge_input_shape(*attrs.op, in[0], in[1], 0);  // ograd and data: one shape, errors name the input checked
  merge_input_shape(*attrs.op, in[1], in[0], 1);
  merge_input_shape(*attrs.op, in[1], out[0], 1);
  if (!in[1].is_known()) return false;
  groups_of(*attrs.op, p, in[1]);
  check_per_group(*attrs.op, p.num_groups, in, 2, 1);
  for (int i = 3; i < 5; ++i) merge_input_shape(*attrs.op, in[static_cast<size_t>(i)], Shape{in[1][0], p.num_groups}, i);
  merge_shape(*attrs.op, out[0], in[1], "the data gradient");
  merge_shape(*attrs.op, out[1], Shape{p.num_groups}, "the gamma gradient");
  merge_shape(*attrs.op, out[2], Shape{p.num_groups}, "the beta gradient");
  return true;
}

void backward_kernel(const OpContext& ctx, std::span<const TensorView> in, std::span<const TensorView> out) {
  const auto& p = ctx.params<GroupNormParam>();
  const Groups gr = groups_of(*ctx.attrs.op, p, in[1].shape);
  dispatch_dtype<FloatDTypes>(out[0].dtype, ctx.attrs.op->name, [&]<class T>() {
    norm::normalize_rows_backward<T, false>(in[0].ptr<T>(), in[1].ptr<T>(), in[2].ptr<T>(), in[3].ptr<T>(),
                                            in[4].ptr<T>(), out[0].ptr<T>(), out[1].ptr<T>(), out[2].ptr<T>(),
                                            gr.batch * gr.groups, gr.size, gr.groups, p.eps, false,
                                            ctx.run.num_threads);
  });
}

// With output_mean_var the mean and std reach x as dmean / dx = 1 / m and dstd / dx = xh / m per group of m
// elements (MXNet drops them; they are exact here).
void group_norm_grad(GradBuilder& b) {
  const auto& p = b.attrs().get<GroupNormParam>();
  const GradValue x = b.input(0), mean = b.output(1), sd = b.output(2);
  const std::vector<GradValue> d = b.apply("_backward_GroupNorm", {b.out_grad(0), x, b.input(1), mean, sd}, b.attrs());
  GradValue dx = d[0];
  if (p.output_mean_var) {
    const Shape s = b.known_input_shape(0);
    const Groups gr = groups_of(*b.attrs().op, p, s);
    const Shape view{gr.batch, gr.groups, gr.size}, stat{gr.batch, gr.groups, 1};
    auto st = [&](GradValue v) { return norm::reshape(b, v, stat); };
    const GradValue xh = b.op("broadcast_div", {b.op("broadcast_sub", {norm::reshape(b, x, view), st(mean)}), st(sd)});
    const GradValue extra = b.op("broadcast_add", {b.op("broadcast_mul", {xh, st(b.out_grad(2))}), st(b.out_grad(1))});
    const GradValue scaled = b.op("_mul_scalar", {extra}, {{"scalar", detail::print_float(1.0 / static_cast<double>(gr.size))}});
    dx = b.op("elemwise_add", {dx, norm::reshape(b, scaled, s)});
  }
  b.set_input_grad(0, dx);
  b.set_input_grad(1, d[1]);
  b.set_input_grad(2, d[2]);
}

void backward_group_norm_grad(GradBuilder& b) {
  const auto& p = b.attrs().get<GroupNormParam>();
  const Shape s = b.known_input_shape(1);
  const Groups gr = groups_of(*b.attrs().op, p, s);
  const Shape view{gr.batch, gr.groups, gr.size}, per_group{1, gr.groups, 1};
  norm::View v;
  v.x = norm::reshape(b, b.input(1), view);
  v.g = norm::reshape(b, b.input(0), view);
  v.gamma = norm::reshape(b, b.input(2), per_group);
  const std::string ones_shape = detail::print_int_tuple(Shape{gr.size});
  v.ones = b.op("_ones", {}, {{"shape", ones_shape}, {"dtype", dtype_name(b.known_input_dtype(1))}});
  v.axis = 2;
  v.eps = p.eps;
  v.h_dx = norm::reshape(b, b.out_grad(0), view);
  v.h_dgamma = norm::reshape(b, b.out_grad(1), per_group);
  v.h_dbeta = norm::reshape(b, b.out_grad(2), per_group);
  const norm::SecondOrder r = norm::second_order(b, v);
  b.set_input_grad(0, norm::reshape(b, r.d_g, s));
  b.set_input_grad(1, norm::reshape(b, r.d_x, s));
  b.set_input_grad(2, b.op("sum", {r.d_gamma}, norm::reduce_params("(0, 2)", false)));
}

[[maybe_unused]] OpRegistrar r_group_norm = OpRegistrar("GroupNorm")
    .describe("Normalises each group of channels of each sample, then scales and shifts by the group's gamma and beta.")
    .params<GroupNormParam>()
    .dtypes<FloatDTypes>()
    .inputs({"data", "gamma", "beta"})
    .outputs({"output", "mean", "std"}, 1)
    .visible_outputs([](const OpAttrs& a) { return a.get<GroupNormParam>().output_mean_var ? 3 : 1; })
    .infer_shape(infer_group_norm_shape)
    .infer_type(infer_same_float_type)
    .kernel(DeviceType::kCPU, group_norm_kernel)
    .gradient(group_norm_grad, {0, 1}, {1, 2});

[[maybe_unused]] OpRegistrar r_backward_group_norm = OpRegistrar("_backward_GroupNorm")
    .describe("GroupNorm's gradients of data, gamma and beta from ograd, data, gamma and the forward's mean and std.")
    .params<GroupNormParam>()
    .dtypes<FloatDTypes>()
    .inputs({"ograd", "data", "gamma", "mean", "std"})
    .outputs({"data_grad", "gamma_grad", "beta_grad"})
    .infer_shape(infer_backward_shape)
    .infer_type(infer_same_float_type)
    .kernel(DeviceType::kCPU, backward_kernel)
    .gradient(backward_group_norm_grad, {0, 1, 2});

}  // namespace
}  // namespace sn
