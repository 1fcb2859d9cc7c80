// InstanceNorm(data, gamma, beta; eps): data (N, C, ...); each (sample, channel) is normalised over its spatial
// elements to zero mean and unit variance, then scaled and shifted by the channel's gamma and beta (shape (C,)).
// The mean and variance (N, C) are hidden outputs (MXNet 1.x stores the variance, without eps) the backward reads.
// _backward_instance_norm gives the data, gamma and beta gradients in one pass; its own gradient is composed
// (norm_common.cc).
#include "ops/nn/norm_common.h"

namespace sn {
namespace {

struct InstanceNormParam {
  double eps = 1e-3;
  static void describe(ParamBuilder<InstanceNormParam>& b) {
    b.field("eps", &InstanceNormParam::eps, "Added to the variance before its square root.")
        .set_default(1e-3)
        .set_lower_bound(0);
  }
};

// The data as (batch, channels, spatial size).
struct Planes {
  int64_t batch, channels, size;
};
Planes planes_of(const OpDef& op, const Shape& s) {
  SN_CHECK_SHAPE(s.ndim() >= 3, op.name, ": data must have at least 3 dimensions (batch, channel, spatial...), got ",
                 s);
  return {s[0], s[1], s.size(2, s.ndim())};
}

// Inputs first .. first + count - 1 (gamma, beta) hold one value per channel.
void check_per_channel(const OpDef& op, int64_t channels, std::vector<Shape>& in, int first, int count) {
  for (int i = first; i < first + count; ++i) {
    Shape& s = in[static_cast<size_t>(i)];
    if (!s.ndim_known()) s = Shape{channels};
    SN_CHECK_SHAPE(s.ndim() == 1 && (s[0] < 0 || s[0] == channels), op.name, ": ", op.input_name(i),
                   " must have shape (", channels, ",) (one value per channel, axis 1 of data), got ", s);
    s[0] = channels;
  }
}

bool infer_instance_norm_shape(const OpAttrs& attrs, std::vector<Shape>& in, std::vector<Shape>& out) {
  merge_input_shape(*attrs.op, in[0], out[0], 0);
  if (!in[0].is_known()) return false;
  const Planes pl = planes_of(*attrs.op, in[0]);
  check_per_channel(*attrs.op, pl.channels, in, 1, 2);
  merge_shape(*attrs.op, out[0], in[0], "the output");
  merge_shape(*attrs.op, out[1], Shape{pl.batch, pl.channels}, "the mean");
  merge_shape(*attrs.op, out[2], Shape{pl.batch, pl.channels}, "the variance");
  return true;
}

void instance_norm_kernel(const OpContext& ctx, std::span<const TensorView> in, std::span<const TensorView> out) {
  const Planes pl = planes_of(*ctx.attrs.op, in[0].shape);
  const double eps = ctx.params<InstanceNormParam>().eps;
  dispatch_dtype<FloatDTypes>(out[0].dtype, ctx.attrs.op->name, [&]<class T>() {
    norm::normalize_rows<T, false>(in[0].ptr<T>(), in[1].ptr<T>(), in[2].ptr<T>(), out[0].ptr<T>(), out[1].ptr<T>(),
                                   out[2].ptr<T>(), pl.batch * pl.channels, pl.size, pl.channels, eps, true,
                                   ctx.run.num_threads);
  });
}

// Inputs: ograd, data, gamma, mean, var; outputs: the gradients of data, gamma and beta.
bool infer_backward_shape(const OpAttrs& attrs, std::vector<Shape>& in, std::vector<Shape>& out) {
  merge_input_shape(*attrs.op, in[0], in[1], 0);  // ograd and data: one shape, errors name the input checked
  merge_input_shape(*attrs.op, in[1], in[0], 1);
  merge_input_shape(*attrs.op, in[1], out[0], 1);
  if (!in[1].is_known()) return false;
  const Planes pl = planes_of(*attrs.op, in[1]);
  check_per_channel(*attrs.op, pl.channels, in, 2, 1);
  for (int i = 3; i < 5; ++i) merge_input_shape(*attrs.op, in[static_cast<size_t>(i)], Shape{pl.batch, pl.channels}, i);
  merge_shape(*attrs.op, out[0], in[1], "the data gradient");
  merge_shape(*attrs.op, out[1], Shape{pl.channels}, "the gamma gradient");
  merge_shape(*attrs.op, out[2], Shape{pl.channels}, "the beta gradient");
  return true;
}

void backward_kernel(const OpContext& ctx, std::span<const TensorView> in, std::span<const TensorView> out) {
  const Planes pl = planes_of(*ctx.attrs.op, in[1].shape);
  const double eps = ctx.params<InstanceNormParam>().eps;
  dispatch_dtype<FloatDTypes>(out[0].dtype, ctx.attrs.op->name, [&]<class T>() {
    norm::normalize_rows_backward<T, false>(in[0].ptr<T>(), in[1].ptr<T>(), in[2].ptr<T>(), in[3].ptr<T>(),
                                            in[4].ptr<T>(), out[0].ptr<T>(), out[1].ptr<T>(), out[2].ptr<T>(),
                                            pl.batch * pl.channels, pl.size, pl.channels, eps, true,
                                            ctx.run.num_threads);
  });
}

void instance_norm_grad(GradBuilder& b) {
  const std::vector<GradValue> d = b.apply(
      "_backward_instance_norm", {b.out_grad(0), b.input(0), b.input(1), b.output(1), b.output(2)}, b.attrs());
  for (int i = 0; i < 3; ++i) b.set_input_grad(i, d[static_cast<size_t>(i)]);
}

void backward_instance_norm_grad(GradBuilder& b) {
  const Shape s = b.known_input_shape(1);
  const Planes pl = planes_of(*b.attrs().op, s);
  const Shape view{pl.batch, pl.channels, pl.size}, per_channel{1, pl.channels, 1};
  norm::View v;
  v.x = norm::reshape(b, b.input(1), view);
  v.g = norm::reshape(b, b.input(0), view);
  v.gamma = norm::reshape(b, b.input(2), per_channel);
  const std::string ones_shape = detail::print_int_tuple(Shape{pl.size});
  v.ones = b.op("_ones", {}, {{"shape", ones_shape}, {"dtype", dtype_name(b.known_input_dtype(1))}});
  v.axis = 2;
  v.eps = b.attrs().get<InstanceNormParam>().eps;
  v.h_dx = norm::reshape(b, b.out_grad(0), view);
  v.h_dgamma = norm::reshape(b, b.out_grad(1), per_channel);
  v.h_dbeta = norm::reshape(b, b.out_grad(2), per_channel);
  const norm::SecondOrder r = norm::second_order(b, v);
  b.set_input_grad(0, norm::reshape(b, r.d_g, s));
  b.set_input_grad(1, norm::reshape(b, r.d_x, s));
  b.set_input_grad(2, b.op("sum", {r.d_gamma}, norm::reduce_params("(0, 2)", false)));
}

[[maybe_unused]] OpRegistrar r_instance_norm = OpRegistrar("InstanceNorm")
    .describe("Normalises each channel of each sample over its spatial elements, then scales and shifts per channel.")
    .params<InstanceNormParam>()
    .dtypes<FloatDTypes>()
    .inputs({"data", "gamma", "beta"})
    .outputs({"output", "mean", "var"}, 1)
    .infer_shape(infer_instance_norm_shape)
    .infer_type(infer_same_float_type)
    .kernel(DeviceType::kCPU, instance_norm_kernel)
    .gradient(instance_norm_grad, {0, 1}, {1, 2});

[[maybe_unused]] OpRegistrar r_backward_instance_norm = OpRegistrar("_backward_instance_norm")
    .describe("InstanceNorm's gradients of data, gamma and beta from ograd, data, gamma and the forward's mean and "
              "variance.")
    .params<InstanceNormParam>()
    .dtypes<FloatDTypes>()
    .inputs({"ograd", "data", "gamma", "mean", "var"})
    .outputs({"data_grad", "gamma_grad", "beta_grad"})
    .infer_shape(infer_backward_shape)
    .infer_type(infer_same_float_type)
    .kernel(DeviceType::kCPU, backward_kernel)
    .gradient(backward_instance_norm_grad, {0, 1, 2});

}  // namespace
}  // namespace sn
