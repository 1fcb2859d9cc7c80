// LRN(data; alpha, beta, knorm, nsize): local response normalisation across channels of (N, C, H, W) data, with
// MXNet's scaling: tmp_norm = knorm + alpha / nsize * (sum of x^2 over the nsize channels centred on each one,
// zero-padded at the ends), output = x * tmp_norm^-beta. tmp_norm is a hidden output the gradient reads. As MXNet
// (whose channel pooling requires it), nsize must be odd. The gradient is composed from registered ops with
// _lrn_window_sum, the (self-adjoint) window sum across channels.
#include <limits>

#include "ops/nn/norm_common.h"

namespace sn {
namespace {

struct LRNParam {
  double alpha = 1e-4;
  double beta = 0.75;
  double knorm = 2;
  int64_t nsize = 0;
  static void describe(ParamBuilder<LRNParam>& b) {
    b.field("alpha", &LRNParam::alpha, "The scale of the sum of squares (divided by nsize).").set_default(1e-4);
    b.field("beta", &LRNParam::beta, "The exponent.").set_default(0.75);
    b.field("knorm", &LRNParam::knorm, "The constant added to the scaled sum of squares.").set_default(2.0);
    b.field("nsize", &LRNParam::nsize, "The number of channels summed over (odd).");
  }
};

struct WindowParam {
  int64_t nsize = 0;
  static void describe(ParamBuilder<WindowParam>& b) {
    b.field("nsize", &WindowParam::nsize, "The number of channels summed over (odd).");
  }
};

void check_nsize(const OpDef& op, int64_t nsize) {
  // Bounded to 32 bits (MXNet's type), which also keeps the kernel's cost arithmetic from overflowing.
  SN_CHECK(nsize > 0 && nsize % 2 == 1 && nsize <= std::numeric_limits<int32_t>::max(), op.name,
           ": parameter 'nsize' must be a positive odd number below 2^31 (the window is centred on each channel), got ",
           nsize);
}

bool infer_window_shape(const OpDef& op, int64_t nsize, std::vector<Shape>& in, std::vector<Shape>& out) {
  check_nsize(op, nsize);
  merge_input_shape(op, in[0], out[0], 0);
  if (!in[0].is_known()) return false;
  SN_CHECK_SHAPE(in[0].ndim() == 4, op.name, ": data must be 4-dimensional (batch, channel, height, width), got ",
                 in[0]);
  for (Shape& o : out) merge_shape(op, o, in[0], "an output");
  return true;
}

bool infer_lrn_shape(const OpAttrs& attrs, std::vector<Shape>& in, std::vector<Shape>& out) {
  return infer_window_shape(*attrs.op, attrs.get<LRNParam>().nsize, in, out);
}
bool infer_sum_shape(const OpAttrs& attrs, std::vector<Shape>& in, std::vector<Shape>& out) {
  return infer_window_shape(*attrs.op, attrs.get<WindowParam>().nsize, in, out);
}

// out[b, c, i] = sum of f(x[b, c', i]) over |c' - c| <= nsize / 2, in compute precision; then done(out chunk).
template <class T, class F, class Done>
void window_sum(const T* x, const Shape& s, int64_t nsize, int threads, F f, Done done) {
  using A = compute_t<T>;
  const int64_t batch = s[0], channels = s[1], size = s.size(2, s.ndim()), half = nsize / 2;
  const int64_t chunks = (size + norm::kChunk - 1) / norm::kChunk;
  parallel_for(batch * chunks, threads, [&](int64_t lo, int64_t hi) {
    A acc[norm::kChunk];
    for (int64_t t = lo; t < hi; ++t) {
      const int64_t b = t / chunks, i0 = (t % chunks) * norm::kChunk, len = std::min(norm::kChunk, size - i0);
      const T* xb = x + b * channels * size + i0;
      for (int64_t c = 0; c < channels; ++c) {
        for (int64_t i = 0; i < len; ++i) acc[i] = 0;
        for (int64_t w = std::max<int64_t>(0, c - half); w <= std::min(channels - 1, c + half); ++w) {
          const T* xr = xb + w * size;
#pragma omp simd
          for (int64_t i = 0; i < len; ++i) acc[i] += f(load(xr[i]));
        }
        done(b * channels * size + c * size + i0, acc, len);
      }
    }
  }, channels * nsize * norm::kChunk);
}

void lrn_kernel(const OpContext& ctx, std::span<const TensorView> in, std::span<const TensorView> out) {
  const auto& p = ctx.params<LRNParam>();
  check_nsize(*ctx.attrs.op, p.nsize);
  dispatch_dtype<FloatDTypes>(out[0].dtype, ctx.attrs.op->name, [&]<class T>() {
    using A = compute_t<T>;
    const T* x = in[0].ptr<T>();
    T* y = out[0].ptr<T>();
    T* tmp = out[1].ptr<T>();
    const A k = static_cast<A>(p.knorm), scale = static_cast<A>(p.alpha / static_cast<double>(p.nsize));
    const A beta = static_cast<A>(p.beta);
    window_sum(x, in[0].shape, p.nsize, ctx.run.num_threads, [](A v) { return v * v; },
               [&](int64_t off, const A* acc, int64_t len) {
                 for (int64_t i = 0; i < len; ++i) {
                   const A t = k + scale * acc[i];
                   tmp[off + i] = store<T>(t);
                   y[off + i] = store<T>(load(x[off + i]) * std::pow(t, -beta));
                 }
               });
  });
}

void window_sum_kernel(const OpContext& ctx, std::span<const TensorView> in, std::span<const TensorView> out) {
  const int64_t nsize = ctx.params<WindowParam>().nsize;
  check_nsize(*ctx.attrs.op, nsize);
  dispatch_dtype<FloatDTypes>(out[0].dtype, ctx.attrs.op->name, [&]<class T>() {
    using A = compute_t<T>;
    T* y = out[0].ptr<T>();
    window_sum(in[0].ptr<T>(), in[0].shape, nsize, ctx.run.num_threads, [](A v) { return v; },
               [&](int64_t off, const A* acc, int64_t len) {
                 for (int64_t i = 0; i < len; ++i) y[off + i] = store<T>(acc[i]);
               });
  });
}

// The window is symmetric, so the window sum is its own adjoint.
void window_sum_grad(GradBuilder& b) { b.set_input_grad(0, b.apply("_lrn_window_sum", {b.out_grad(0)}, b.attrs())[0]); }

// y = x t^-beta, t = k + (alpha / n) W(x^2): dx = g t^-beta + (2 alpha / n) x W(g_t - beta g x t^-beta / t), where
// g_t is tmp_norm's own gradient (nonzero only when a higher-order gradient reads it).
void lrn_grad(GradBuilder& b) {
  const auto& p = b.attrs().get<LRNParam>();
  const GradValue x = b.input(0), t = b.output(1), g = b.out_grad(0);
  const GradValue pw = b.op("_power_scalar", {t}, {{"scalar", detail::print_float(-p.beta)}});
  const GradValue q = b.op("elemwise_div", {b.op("elemwise_mul", {b.op("elemwise_mul", {g, x}), pw}), t});
  const GradValue inner =
      b.op("elemwise_add", {b.out_grad(1), b.op("_mul_scalar", {q}, {{"scalar", detail::print_float(-p.beta)}})});
  const std::string nsize = std::to_string(p.nsize);
  const GradValue w = b.op("_lrn_window_sum", {inner}, {{"nsize", nsize}});
  const std::string c = detail::print_float(2 * p.alpha / static_cast<double>(p.nsize));
  b.set_input_grad(0, b.op("elemwise_add", {b.op("elemwise_mul", {g, pw}),
                                            b.op("_mul_scalar", {b.op("elemwise_mul", {x, w})}, {{"scalar", c}})}));
}

[[maybe_unused]] OpRegistrar r_lrn = OpRegistrar("LRN")
    .describe("Local response normalisation across channels: x * (knorm + alpha / nsize * window sum of x^2)^-beta.")
    .params<LRNParam>()
    .dtypes<FloatDTypes>()
    .inputs({"data"})
    .outputs({"output", "tmp_norm"}, 1)
    .infer_shape(infer_lrn_shape)
    .infer_type(infer_same_float_type)
    .kernel(DeviceType::kCPU, lrn_kernel)
    .gradient(lrn_grad, {0}, {1});

[[maybe_unused]] OpRegistrar r_lrn_window_sum = OpRegistrar("_lrn_window_sum")
    .describe("The sum over the nsize channels centred on each channel of (N, C, H, W) data (zero-padded).")
    .params<WindowParam>()
    .dtypes<FloatDTypes>()
    .inputs({"data"})
    .outputs({"output"})
    .infer_shape(infer_sum_shape)
    .infer_type(infer_same_float_type)
    .kernel(DeviceType::kCPU, window_sum_kernel)
    .gradient(window_sum_grad);

}  // namespace
}  // namespace sn
