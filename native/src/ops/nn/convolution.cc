// Convolution(data, weight[, bias]; kernel, stride, dilate, pad, num_filter, num_group, no_bias, layout): MXNet
// 1.x's grouped 1-d/2-d/3-d convolution, NC[D][H]W, weight (num_filter, channels / num_group, kernel...). MXNet's
// dilate 1 is a dense kernel (oneDNN's 0). The gradient is one _backward_Convolution node computing the data,
// weight and bias gradients (conv_impl: oneDNN for float32/bfloat16), itself differentiable.
#include "ops/gradient.h"
#include "ops/nn/conv_impl.h"
#include "ops/op_utils.h"

namespace sn {
namespace {

struct ConvolutionParam {
  Shape kernel, stride, dilate, pad;
  int64_t num_filter = 0;
  int64_t num_group = 1;
  int64_t workspace = 1024;
  bool no_bias = false;
  std::optional<CudnnTune> cudnn_tune;
  bool cudnn_off = false;
  std::optional<ConvLayout> layout;
  static void describe(ParamBuilder<ConvolutionParam>& b) {
    b.field("kernel", &ConvolutionParam::kernel, "Kernel size: (w,), (h, w) or (d, h, w).");
    b.field("stride", &ConvolutionParam::stride, "Stride per spatial axis (default 1).").set_default(Shape{});
    b.field("dilate", &ConvolutionParam::dilate, "Dilation per spatial axis (default 1: dense).").set_default(Shape{});
    b.field("pad", &ConvolutionParam::pad, "Zero padding on both sides per spatial axis (default 0).")
        .set_default(Shape{});
    b.field("num_filter", &ConvolutionParam::num_filter, "Number of output channels.").set_range(1, 100000);
    b.field("num_group", &ConvolutionParam::num_group, "Number of groups the channels are split into.")
        .set_default(int64_t{1})
        .set_lower_bound(1);
    b.field("workspace", &ConvolutionParam::workspace, "Workspace limit in MB (cuDNN; no effect on CPU).")
        .set_default(int64_t{1024})
        .set_range(0, 8192);
    b.field("no_bias", &ConvolutionParam::no_bias, "Whether to leave out the bias input.").set_default(false);
    set_cudnn_tune_names(
        b.field("cudnn_tune", &ConvolutionParam::cudnn_tune, "cuDNN algorithm choice (no effect on CPU)."));
    b.field("cudnn_off", &ConvolutionParam::cudnn_off, "Turn cuDNN off (no effect on CPU).").set_default(false);
    set_layout_names(
        b.field("layout", &ConvolutionParam::layout, "Data layout; None is NCW, NCHW or NCDHW by the kernel's rank."));
  }
};

// The geometry for this data shape, checked (errors name the op and what is wrong).
ConvGeom geometry(const OpDef& op, const ConvolutionParam& p, const Shape& data) {
  ConvGeom g;
  set_conv_window(op, g, p.kernel, p.stride, p.dilate, p.pad, p.layout);
  SN_CHECK_SHAPE(data.ndim() == g.nsp + 2, op.name, ": data must have ", g.nsp + 2, " axes (batch, channel and ",
                 g.nsp, " spatial) for kernel ", p.kernel, ", got shape ", data);
  g.batch = data[0];
  g.in_c = data[1];
  g.out_c = p.num_filter;
  g.groups = p.num_group;
  SN_CHECK_SHAPE(g.in_c % g.groups == 0, op.name, ": the data's ", g.in_c,
                 " channels must divide into num_group=", g.groups, " groups");
  SN_CHECK(g.out_c % g.groups == 0, op.name, ": num_filter=", g.out_c, " must divide into num_group=", g.groups,
           " groups");
  for (int i = 0; i < g.nsp; ++i) {
    const size_t a = static_cast<size_t>(3 - g.nsp + i);
    g.in[a] = data[2 + i];
    const int64_t span = g.dilate[a] * (g.kernel[a] - 1) + 1, padded = g.in[a] + 2 * g.pad[a];
    SN_CHECK_SHAPE(span <= padded, op.name, ": the kernel spans ", span, " along spatial axis ", i,
                   " (kernel ", p.kernel, ", dilate ", p.dilate, ") but the padded input has only ", padded,
                   " (data ", data, ", pad ", p.pad, ")");
    g.out[a] = conv_out_extent(g.in[a], g.kernel[a], g.stride[a], g.pad[a], g.dilate[a]);
  }
  return g;
}

Shape weight_shape(const ConvolutionParam& p, int64_t channels) {
  Shape w{p.num_filter, channels / p.num_group};
  for (int64_t k : p.kernel.dims()) w.push_back(k);
  return w;
}

bool infer_conv_shape(const OpAttrs& attrs, std::vector<Shape>& in, std::vector<Shape>& out) {
  const auto& p = attrs.get<ConvolutionParam>();
  const OpDef& op = *attrs.op;
  const std::optional<Shape> data = batch_free(in[0]);  // Note [Unknown batch]
  if (!data) return false;
  const ConvGeom g = geometry(op, p, *data);
  merge_input_shape(op, in[1], weight_shape(p, g.in_c), 1);
  if (!p.no_bias) merge_input_shape(op, in[2], Shape{p.num_filter}, 2);
  merge_shape(op, out[0], with_batch(g.out_shape(), in[0]), "the output");
  share_batch(op, in[0], out[0]);
  return in[0].is_known();
}

void conv_kernel(const OpContext& ctx, std::span<const TensorView> in, std::span<const TensorView> out) {
  const auto& p = ctx.params<ConvolutionParam>();
  const ConvGeom g = geometry(*ctx.attrs.op, p, in[0].shape);
  conv_forward(g, in[0], in[1], p.no_bias ? nullptr : &in[2], out[0], ctx);
}

size_t conv_ws(const OpAttrs& attrs, std::span<const TensorView> in, std::span<const TensorView> out) {
  const auto& p = attrs.get<ConvolutionParam>();
  return conv_workspace(ConvDir::kForward, geometry(*attrs.op, p, in[0].shape), out[0].dtype, !p.no_bias,
                        attrs.op->name);
}

void conv_grad(GradBuilder& b) {
  conv_like_grad(b, "_backward_Convolution", b.attrs().get<ConvolutionParam>().no_bias);
}

[[maybe_unused]] OpRegistrar r_convolution = OpRegistrar("Convolution")
    .describe("Grouped 1-d, 2-d or 3-d convolution over NC[D][H]W data with weight (num_filter, channels / "
              "num_group, kernel...) and an optional bias.")
    .params<ConvolutionParam>()
    .dtypes<FloatDTypes>()
    .inputs({"data", "weight", "bias"})
    .optional_input<ConvolutionParam, &ConvolutionParam::no_bias, false>(2, "no_bias")
    .outputs({"output"})
    .infer_shape(infer_conv_shape)
    .infer_type(infer_same_float_type)
    .kernel(DeviceType::kCPU, conv_kernel)
    .workspace(conv_ws)
    .gradient(conv_grad, {0, 1});

// _backward_Convolution(ograd, data, weight) -> data, weight (and bias) gradients.
int backward_outputs(const OpAttrs& attrs) { return attrs.get<ConvolutionParam>().no_bias ? 2 : 3; }

bool infer_conv_backward_shape(const OpAttrs& attrs, std::vector<Shape>& in, std::vector<Shape>& out) {
  const auto& p = attrs.get<ConvolutionParam>();
  const OpDef& op = *attrs.op;
  if (!in[1].is_known()) return false;
  const ConvGeom g = geometry(op, p, in[1]);
  merge_input_shape(op, in[2], weight_shape(p, g.in_c), 2);
  merge_input_shape(op, in[0], g.out_shape(), 0);
  merge_shape(op, out[0], in[1], "the data gradient");
  merge_shape(op, out[1], in[2], "the weight gradient");
  if (!p.no_bias) merge_shape(op, out[2], Shape{p.num_filter}, "the bias gradient");
  return true;
}

void conv_backward_kernel(const OpContext& ctx, std::span<const TensorView> in, std::span<const TensorView> out) {
  const auto& p = ctx.params<ConvolutionParam>();
  const ConvGeom g = geometry(*ctx.attrs.op, p, in[1].shape);
  conv_backward_data(g, in[0], in[2], out[0], ctx);  // the two directions share the workspace in turn
  conv_backward_weights(g, in[1], in[0], out[1], p.no_bias ? nullptr : &out[2], ctx);
}

size_t conv_backward_ws(const OpAttrs& attrs, std::span<const TensorView> in, std::span<const TensorView> out) {
  const auto& p = attrs.get<ConvolutionParam>();
  const ConvGeom g = geometry(*attrs.op, p, in[1].shape);
  return std::max(conv_workspace(ConvDir::kBackwardData, g, out[0].dtype, false, attrs.op->name),
                  conv_workspace(ConvDir::kBackwardWeights, g, out[0].dtype, !p.no_bias, attrs.op->name));
}

// Bilinear, so Convolution is differentiable to any order (conv_like_backward_grad).
void conv_backward_grad(GradBuilder& b) {
  conv_like_backward_grad(b, "Convolution", "_backward_Convolution", b.attrs().get<ConvolutionParam>().no_bias,
                          {"kernel", "stride", "dilate", "pad", "num_filter", "num_group", "layout"});
}

[[maybe_unused]] OpRegistrar r_backward_convolution = OpRegistrar("_backward_Convolution")
    .describe("Convolution's gradient: the data, weight and (unless no_bias) bias gradients from the output's.")
    .params<ConvolutionParam>()
    .dtypes<FloatDTypes>()
    .inputs({"ograd", "data", "weight"})
    .variadic_outputs(backward_outputs)
    .infer_shape(infer_conv_backward_shape)
    .infer_type(infer_same_float_type)
    .kernel(DeviceType::kCPU, conv_backward_kernel)
    .workspace(conv_backward_ws)
    .gradient(conv_backward_grad, {0, 1, 2});

}  // namespace
}  // namespace sn
