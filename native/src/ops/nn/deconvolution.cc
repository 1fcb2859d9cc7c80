// Deconvolution(data, weight[, bias]; kernel, stride, dilate, pad, adj, target_shape, num_filter, num_group,
// no_bias, layout): MXNet 1.x's transposed convolution, the gradient of a Convolution with respect to its data.
// weight is (channels, num_filter / num_group, kernel...) and no_bias defaults to True. Output extent per axis:
// stride (in - 1) + dilate (kernel - 1) + 1 - 2 pad + adj; a target_shape instead picks pad and adj to reach it
// (MXNet's rule: the total padding split with the odd unit in adj). It runs as the convolution whose data is
// this op's output (conv_impl: forward = backward-data, and so on).
#include "ops/gradient.h"
#include "ops/nn/conv_impl.h"
#include "ops/op_utils.h"

namespace sn {
namespace {

struct DeconvolutionParam {
  Shape kernel, stride, dilate, pad, adj, target_shape;
  int64_t num_filter = 0;
  int64_t num_group = 1;
  int64_t workspace = 512;
  bool no_bias = true;
  std::optional<CudnnTune> cudnn_tune;
  bool cudnn_off = false;
  std::optional<ConvLayout> layout;
  static void describe(ParamBuilder<DeconvolutionParam>& b) {
    b.field("kernel", &DeconvolutionParam::kernel, "Kernel size: (w,), (h, w) or (d, h, w).");
    b.field("stride", &DeconvolutionParam::stride, "Stride per spatial axis (default 1).").set_default(Shape{});
    b.field("dilate", &DeconvolutionParam::dilate, "Dilation per spatial axis (default 1: dense).").set_default(Shape{});
    b.field("pad", &DeconvolutionParam::pad, "Padding removed from both sides per spatial axis (default 0).")
        .set_default(Shape{});
    b.field("adj", &DeconvolutionParam::adj, "Extra output extent at the end per spatial axis (< stride).")
        .set_default(Shape{});
    b.field("target_shape", &DeconvolutionParam::target_shape,
            "Output spatial shape; sets pad and adj (overrides them).")
        .set_default(Shape{});
    b.field("num_filter", &DeconvolutionParam::num_filter, "Number of output channels.").set_range(1, 100000);
    b.field("num_group", &DeconvolutionParam::num_group, "Number of groups the channels are split into.")
        .set_default(int64_t{1})
        .set_lower_bound(1);
    b.field("workspace", &DeconvolutionParam::workspace, "Workspace limit in MB (cuDNN; no effect on CPU).")
        .set_default(int64_t{512})
        .set_range(0, 8192);
    b.field("no_bias", &DeconvolutionParam::no_bias, "Whether to leave out the bias input.").set_default(true);
    set_cudnn_tune_names(
        b.field("cudnn_tune", &DeconvolutionParam::cudnn_tune, "cuDNN algorithm choice (no effect on CPU)."));
    b.field("cudnn_off", &DeconvolutionParam::cudnn_off, "Turn cuDNN off (no effect on CPU).").set_default(false);
    set_layout_names(b.field("layout", &DeconvolutionParam::layout,
                             "Data layout; None is NCW, NCHW or NCDHW by the kernel's rank."));
  }
};

// The convolution this op transposes: its data is our output (in_c = num_filter), its output our data.
ConvGeom geometry(const OpDef& op, const DeconvolutionParam& p, const Shape& data) {
  ConvGeom g;
  set_conv_window(op, g, p.kernel, p.stride, p.dilate, p.pad, p.layout);
  SN_CHECK_SHAPE(data.ndim() == g.nsp + 2, op.name, ": data must have ", g.nsp + 2, " axes (batch, channel and ",
                 g.nsp, " spatial) for kernel ", p.kernel, ", got shape ", data);
  SN_CHECK(p.adj.ndim() == 0 || p.adj.ndim() == g.nsp, op.name, ": adj must be empty or have ", g.nsp,
           " items like kernel ", p.kernel, ", got ", p.adj);
  SN_CHECK(p.target_shape.ndim() == 0 || p.target_shape.ndim() == g.nsp, op.name, ": target_shape must be empty or have ",
           g.nsp, " items like kernel ", p.kernel, ", got ", p.target_shape);
  g.batch = data[0];
  g.out_c = data[1];
  g.in_c = p.num_filter;
  g.groups = p.num_group;
  SN_CHECK_SHAPE(g.out_c % g.groups == 0, op.name, ": the data's ", g.out_c, " channels must divide into num_group=",
                 g.groups, " groups");
  SN_CHECK(g.in_c % g.groups == 0, op.name, ": num_filter=", g.in_c, " must divide into num_group=", g.groups,
           " groups");
  for (int i = 0; i < g.nsp; ++i) {
    const size_t a = static_cast<size_t>(3 - g.nsp + i);
    g.out[a] = data[2 + i];
    const int64_t full = g.stride[a] * (g.out[a] - 1) + g.dilate[a] * (g.kernel[a] - 1) + 1;
    int64_t adj = p.adj.ndim() ? p.adj[i] : 0;
    if (p.target_shape.ndim()) {
      const int64_t target = p.target_shape[i];
      SN_CHECK(target >= 1 && target <= full, op.name, ": target_shape ", p.target_shape, " must be between 1 and ",
               full, " along spatial axis ", i, " for data ", data);
      const int64_t total = full - target;
      adj = total % 2;
      g.pad[a] = (total + 1) / 2;
    }
    SN_CHECK(adj >= 0 && adj < g.stride[a], op.name, ": adj ", p.adj, " must be >= 0 and smaller than stride ",
             p.stride.ndim() ? p.stride : Shape(g.nsp, 1), " along spatial axis ", i);
    g.in[a] = full - 2 * g.pad[a] + adj;
    SN_CHECK_SHAPE(g.in[a] >= 1, op.name, ": pad ", p.pad, " removes the whole output along spatial axis ", i,
                   " (data ", data, ", kernel ", p.kernel, ")");
  }
  return g;
}

Shape weight_shape(const DeconvolutionParam& p, int64_t channels) {
  Shape w{channels, p.num_filter / p.num_group};
  for (int64_t k : p.kernel.dims()) w.push_back(k);
  return w;
}

bool infer_deconv_shape(const OpAttrs& attrs, std::vector<Shape>& in, std::vector<Shape>& out) {
  const auto& p = attrs.get<DeconvolutionParam>();
  const OpDef& op = *attrs.op;
  if (!in[0].is_known()) return false;
  const ConvGeom g = geometry(op, p, in[0]);
  merge_input_shape(op, in[1], weight_shape(p, g.out_c), 1);
  if (!p.no_bias) merge_input_shape(op, in[2], Shape{p.num_filter}, 2);
  merge_shape(op, out[0], g.in_shape(), "the output");
  return true;
}

// y[n, c, ...] += b[c]
void add_bias(const TensorView& y, const TensorView& b, int threads, std::string_view op) {
  const int64_t channels = y.shape[1], plane = y.shape.size(2, y.shape.ndim());
  dispatch_dtype<FloatDTypes>(y.dtype, op, [&]<class T>() {
    T* py = y.ptr<T>();
    const T* pb = b.ptr<T>();
    parallel_for(y.shape[0] * channels, threads, [&](int64_t lo, int64_t hi) {
      for (int64_t nc = lo; nc < hi; ++nc) {
        const auto bc = load(pb[nc % channels]);
        T* row = py + nc * plane;
        for (int64_t i = 0; i < plane; ++i) row[i] = store<T>(load(row[i]) + bc);
      }
    }, plane);
  });
}

// db[c] = sum of dy[n, c, ...]
void bias_grad(const TensorView& dy, const TensorView& db, std::string_view op) {
  const int64_t channels = dy.shape[1], plane = dy.shape.size(2, dy.shape.ndim());
  dispatch_dtype<FloatDTypes>(dy.dtype, op, [&]<class T>() {
    const T* p = dy.ptr<T>();
    for (int64_t c = 0; c < channels; ++c) {
      double s = 0;
      for (int64_t n = 0; n < dy.shape[0]; ++n)
        for (int64_t i = 0; i < plane; ++i) s += static_cast<double>(load(p[(n * channels + c) * plane + i]));
      db.ptr<T>()[c] = store<T>(s);
    }
  });
}

void deconv_kernel(const OpContext& ctx, std::span<const TensorView> in, std::span<const TensorView> out) {
  const auto& p = ctx.params<DeconvolutionParam>();
  const ConvGeom g = geometry(*ctx.attrs.op, p, in[0].shape);
  conv_backward_data(g, in[0], in[1], out[0], ctx);
  if (!p.no_bias) add_bias(out[0], in[2], ctx.run.num_threads, ctx.attrs.op->name);
}

size_t deconv_ws(const OpAttrs& attrs, std::span<const TensorView> in, std::span<const TensorView> out) {
  const auto& p = attrs.get<DeconvolutionParam>();
  return conv_workspace(ConvDir::kBackwardData, geometry(*attrs.op, p, in[0].shape), out[0].dtype, false,
                        attrs.op->name);
}

void deconv_grad(GradBuilder& b) {
  conv_like_grad(b, "_backward_Deconvolution", b.attrs().get<DeconvolutionParam>().no_bias);
}

[[maybe_unused]] OpRegistrar r_deconvolution = OpRegistrar("Deconvolution")
    .describe("Transposed (fractionally strided) convolution over NC[D][H]W data with weight (channels, "
              "num_filter / num_group, kernel...); no bias unless no_bias=False.")
    .params<DeconvolutionParam>()
    .dtypes<FloatDTypes>()
    .inputs({"data", "weight", "bias"})
    .optional_input<DeconvolutionParam, &DeconvolutionParam::no_bias, false>(2, "no_bias")
    .outputs({"output"})
    .infer_shape(infer_deconv_shape)
    .infer_type(infer_same_float_type)
    .kernel(DeviceType::kCPU, deconv_kernel)
    .workspace(deconv_ws)
    .gradient(deconv_grad, {0, 1});

// _backward_Deconvolution(ograd, data, weight) -> data, weight (and bias) gradients: data's is the convolution
// of ograd, weight's the correlation of ograd with data.
int backward_outputs(const OpAttrs& attrs) { return attrs.get<DeconvolutionParam>().no_bias ? 2 : 3; }

bool infer_deconv_backward_shape(const OpAttrs& attrs, std::vector<Shape>& in, std::vector<Shape>& out) {
  const auto& p = attrs.get<DeconvolutionParam>();
  const OpDef& op = *attrs.op;
  if (!in[1].is_known()) return false;
  const ConvGeom g = geometry(op, p, in[1]);
  merge_input_shape(op, in[2], weight_shape(p, g.out_c), 2);
  merge_input_shape(op, in[0], g.in_shape(), 0);
  merge_shape(op, out[0], in[1], "the data gradient");
  merge_shape(op, out[1], in[2], "the weight gradient");
  if (!p.no_bias) merge_shape(op, out[2], Shape{p.num_filter}, "the bias gradient");
  return true;
}

void deconv_backward_kernel(const OpContext& ctx, std::span<const TensorView> in, std::span<const TensorView> out) {
  const auto& p = ctx.params<DeconvolutionParam>();
  const ConvGeom g = geometry(*ctx.attrs.op, p, in[1].shape);
  conv_forward(g, in[0], in[2], nullptr, out[0], ctx);  // the two directions share the workspace in turn
  conv_backward_weights(g, in[0], in[1], out[1], nullptr, ctx);
  if (!p.no_bias) bias_grad(in[0], out[2], ctx.attrs.op->name);
}

size_t deconv_backward_ws(const OpAttrs& attrs, std::span<const TensorView> in, std::span<const TensorView> out) {
  const auto& p = attrs.get<DeconvolutionParam>();
  const ConvGeom g = geometry(*attrs.op, p, in[1].shape);
  return std::max(conv_workspace(ConvDir::kForward, g, out[0].dtype, false, attrs.op->name),
                  conv_workspace(ConvDir::kBackwardWeights, g, out[0].dtype, false, attrs.op->name));
}

// Bilinear, as Convolution's backward (conv_like_backward_grad).
void deconv_backward_grad(GradBuilder& b) {
  conv_like_backward_grad(b, "Deconvolution", "_backward_Deconvolution", b.attrs().get<DeconvolutionParam>().no_bias,
                          {"kernel", "stride", "dilate", "pad", "adj", "target_shape", "num_filter", "num_group",
                           "layout"});
}

[[maybe_unused]] OpRegistrar r_backward_deconvolution = OpRegistrar("_backward_Deconvolution")
    .describe("Deconvolution's gradient: the data, weight and (unless no_bias) bias gradients from the output's.")
    .params<DeconvolutionParam>()
    .dtypes<FloatDTypes>()
    .inputs({"ograd", "data", "weight"})
    .variadic_outputs(backward_outputs)
    .infer_shape(infer_deconv_backward_shape)
    .infer_type(infer_same_float_type)
    .kernel(DeviceType::kCPU, deconv_backward_kernel)
    .workspace(deconv_backward_ws)
    .gradient(deconv_backward_grad, {0, 1, 2});

}  // namespace
}  // namespace sn
