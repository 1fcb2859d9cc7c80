// UpSampling(args...; scale, sample_type, num_filter, multi_input_mode, num_args): MXNet 1.x's 2-d upsampling of
// NCHW data. nearest: every input is repeated up to (scale * h0, scale * w0) of the first input (each by its own
// integer factor), then the results are concatenated along channels or summed. bilinear: two inputs (data,
// weight) and the result is MXNet's depthwise deconvolution (kernel 2 scale - scale % 2, stride scale, pad
// ceil((scale - 1) / 2), num_filter channels, one group per channel; weight (num_filter, 1, k, k), usually
// initialised with the Bilinear initializer).
#include "ops/gradient.h"
#include "ops/nn/conv_impl.h"
#include "ops/op_utils.h"

namespace sn {
namespace {

enum class SampleType { kBilinear, kNearest };
enum class MultiInputMode { kConcat, kSum };

struct UpSamplingParam {
  int64_t scale = 1;
  int64_t num_filter = 0;
  SampleType sample_type = SampleType::kNearest;
  MultiInputMode multi_input_mode = MultiInputMode::kConcat;
  int64_t num_args = 1;
  int64_t workspace = 512;
  static void describe(ParamBuilder<UpSamplingParam>& b) {
    b.field("scale", &UpSamplingParam::scale, "Upsampling factor.").set_range(1, 2147483647);  // 32-bit, as MXNet
    b.field("num_filter", &UpSamplingParam::num_filter, "Channels of the data (bilinear).")
        .set_default(int64_t{0})
        .set_lower_bound(0);
    b.field("sample_type", &UpSamplingParam::sample_type, "Upsampling method.")
        .set_enum({{"bilinear", SampleType::kBilinear}, {"nearest", SampleType::kNearest}});
    b.field("multi_input_mode", &UpSamplingParam::multi_input_mode, "How nearest combines several inputs.")
        .set_enum({{"concat", MultiInputMode::kConcat}, {"sum", MultiInputMode::kSum}})
        .set_default(MultiInputMode::kConcat);
    b.field("num_args", &UpSamplingParam::num_args,
            "Number of inputs: 1 or more for nearest; 2 (data, weight) for bilinear.")
        .set_lower_bound(1);
    b.field("workspace", &UpSamplingParam::workspace, "Workspace limit in MB (cuDNN; no effect on CPU).")
        .set_default(int64_t{512})
        .set_range(0, 8192);
  }
};

int upsampling_inputs(const OpAttrs& attrs) { return static_cast<int>(attrs.get<UpSamplingParam>().num_args); }

// bilinear: the depthwise deconvolution as the convolution it transposes.
int64_t bilinear_kernel(int64_t s) { return 2 * s - s % 2; }
int64_t bilinear_pad(int64_t s) { return s / 2; }  // ceil((s - 1) / 2)
ConvGeom bilinear_geometry(const UpSamplingParam& p, const Shape& data) {
  ConvGeom g;
  g.nsp = 2;
  g.batch = data[0];
  g.in_c = g.out_c = g.groups = data[1];
  const int64_t k = bilinear_kernel(p.scale), pad = bilinear_pad(p.scale);
  for (size_t a = 1; a < 3; ++a) {
    g.kernel[a] = k;
    g.stride[a] = p.scale;
    g.pad[a] = pad;
    g.out[a] = data[static_cast<int>(a) + 1];
    g.in[a] = p.scale * (g.out[a] - 1) + k - 2 * pad;
  }
  return g;
}

bool infer_upsampling_shape(const OpAttrs& attrs, std::vector<Shape>& in, std::vector<Shape>& out) {
  const auto& p = attrs.get<UpSamplingParam>();
  const OpDef& op = *attrs.op;
  if (!in[0].is_known()) return false;
  SN_CHECK_SHAPE(in[0].ndim() == 4, op.name, ": inputs must be NCHW (4 axes), got shape ", in[0]);
  if (p.sample_type == SampleType::kBilinear) {
    SN_CHECK(p.num_args == 2, op.name, ": bilinear takes 2 inputs (data, weight), got num_args=", p.num_args);
    SN_CHECK(p.num_filter == in[0][1], op.name, ": bilinear needs num_filter equal to the data's ", in[0][1],
             " channels, got num_filter=", p.num_filter);
    const int64_t k = bilinear_kernel(p.scale);
    merge_input_shape(op, in[1], Shape{in[0][1], 1, k, k}, 1);
    const ConvGeom g = bilinear_geometry(p, in[0]);
    merge_shape(op, out[0], g.in_shape(), "the output");
    return true;
  }
  const int64_t oh = checked_dim_mul(op, in[0][2], p.scale, "the output height"),
                ow = checked_dim_mul(op, in[0][3], p.scale, "the output width");
  int64_t channels = 0;
  for (size_t i = 0; i < in.size(); ++i) {
    if (!in[i].is_known()) return false;
    const Shape& s = in[i];
    SN_CHECK_SHAPE(s.ndim() == 4 && s[0] == in[0][0] && s[2] > 0 && s[3] > 0 && oh % s[2] == 0 && ow % s[3] == 0 &&
                       oh / s[2] == ow / s[3],
                   op.name, ": input ", i, " must be NCHW with batch ", in[0][0],
                   " and a size that one integer factor scales to the output's (", oh, ", ", ow, "), got shape ", s);
    if (p.multi_input_mode == MultiInputMode::kSum)
      SN_CHECK_SHAPE(s[1] == in[0][1], op.name, ": multi_input_mode=sum needs the same channels in every input; input ",
                     i, " has ", s[1], ", input 0 has ", in[0][1]);
    channels = p.multi_input_mode == MultiInputMode::kSum ? s[1] : channels + s[1];
  }
  merge_shape(op, out[0], Shape{in[0][0], channels, oh, ow}, "the output");
  return true;
}

void upsampling_kernel(const OpContext& ctx, std::span<const TensorView> in, std::span<const TensorView> out) {
  const auto& p = ctx.params<UpSamplingParam>();
  if (p.sample_type == SampleType::kBilinear) {
    conv_backward_data(bilinear_geometry(p, in[0].shape), in[0], in[1], out[0], ctx);
    return;
  }
  const Shape& os = out[0].shape;
  const int64_t n = os[0], oc = os[1], oh = os[2], ow = os[3];
  dispatch_dtype<FloatDTypes>(out[0].dtype, ctx.attrs.op->name, [&]<class T>() {
    T* y = out[0].ptr<T>();
    parallel_for(n * oc, ctx.run.num_threads, [&](int64_t lo, int64_t hi) {
      for (int64_t nc = lo; nc < hi; ++nc) {
        const int64_t b = nc / oc, c = nc % oc;
        T* plane = y + nc * oh * ow;
        // Which inputs land on this output channel: one (concat) or all (sum).
        int64_t first = 0;
        bool wrote = false;
        for (size_t i = 0; i < in.size(); ++i) {
          const Shape& s = in[i].shape;
          int64_t ci = c;
          if (p.multi_input_mode == MultiInputMode::kConcat) {
            if (c < first || c >= first + s[1]) {
              first += s[1];
              continue;
            }
            ci = c - first;
            first += s[1];
          }
          const int64_t f = oh / s[2], h = s[2], w = s[3];
          const T* x = in[i].ptr<T>() + (b * s[1] + ci) * h * w;
          for (int64_t r = 0; r < oh; ++r)
            for (int64_t q = 0; q < ow; ++q) {
              const auto v = load(x[(r / f) * w + q / f]);
              plane[r * ow + q] = store<T>(wrote ? load(plane[r * ow + q]) + v : v);
            }
          wrote = true;
        }
      }
    }, oh * ow);
  });
}

size_t upsampling_ws(const OpAttrs& attrs, std::span<const TensorView> in, std::span<const TensorView> out) {
  const auto& p = attrs.get<UpSamplingParam>();
  if (p.sample_type != SampleType::kBilinear) return 0;
  return conv_workspace(ConvDir::kBackwardData, bilinear_geometry(p, in[0].shape), out[0].dtype, false,
                        attrs.op->name);
}

// nearest: each input's gradient sums its output blocks (sum pooling of its channel slice); bilinear: the
// depthwise deconvolution's gradient.
void upsampling_grad(GradBuilder& b) {
  const auto& p = b.attrs().get<UpSamplingParam>();
  const GradValue dy = b.out_grad(0);
  const Shape first = b.known_input_shape(0);
  if (p.sample_type == SampleType::kBilinear) {
    const std::string k = detail::print_int_tuple(Shape{bilinear_kernel(p.scale), bilinear_kernel(p.scale)}),
                      s = detail::print_int_tuple(Shape{p.scale, p.scale}),
                      pad = detail::print_int_tuple(Shape{bilinear_pad(p.scale), bilinear_pad(p.scale)}),
                      c = std::to_string(first[1]);
    const std::vector<GradValue> g =
        b.apply("_backward_Deconvolution", {dy, b.input(0), b.input(1)},
                {{"kernel", k}, {"stride", s}, {"pad", pad}, {"num_filter", c}, {"num_group", c}, {"no_bias", "True"}});
    b.set_input_grad(0, g[0]);
    b.set_input_grad(1, g[1]);
    return;
  }
  const int64_t oh = first[2] * p.scale;
  int64_t begin = 0;
  for (int i = 0; i < b.num_inputs(); ++i) {
    const Shape s = b.known_input_shape(i);
    GradValue part = dy;
    if (p.multi_input_mode == MultiInputMode::kConcat) {
      const std::string lo = std::to_string(begin), hi = std::to_string(begin + s[1]);
      part = b.op("slice_axis", {dy}, {{"axis", "1"}, {"begin", lo}, {"end", hi}});
      begin += s[1];
    }
    const int64_t f = oh / s[2];
    if (f > 1) {
      const std::string window = detail::print_int_tuple(Shape{f, f});
      part = b.op("Pooling", {part}, {{"kernel", window}, {"stride", window}, {"pool_type", "sum"}});
    }
    b.set_input_grad(i, part);
  }
}

[[maybe_unused]] OpRegistrar r_upsampling = OpRegistrar("UpSampling")
    .describe("Upsamples NCHW data by an integer scale: nearest (several inputs, concatenated or summed) or "
              "bilinear (a depthwise deconvolution with a weight input).")
    .params<UpSamplingParam>()
    .dtypes<FloatDTypes>()
    .variadic_inputs("num_args", upsampling_inputs)
    .outputs({"output"})
    .infer_shape(infer_upsampling_shape)
    .infer_type(infer_same_float_type)
    .kernel(DeviceType::kCPU, upsampling_kernel)
    .workspace(upsampling_ws)
    .gradient(upsampling_grad, {0, 1});

}  // namespace
}  // namespace sn
