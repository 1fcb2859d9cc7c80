// BatchNorm(data, gamma, beta, moving_mean, moving_var; eps, momentum, fix_gamma, use_global_stats,
// output_mean_var, axis): MXNet 1.x (FORMATS.md "BatchNorm details"). Training (the call's flag, without
// use_global_stats) normalises with the batch statistics over every axis but `axis` and updates the moving
// statistics -- mutated auxiliary inputs -- with the biased variance: moving = moving * momentum + batch *
// (1 - momentum). Otherwise it uses the moving statistics. fix_gamma (the default) treats gamma as 1 and gives it
// a zero gradient. The hidden outputs are the mean and the inverse standard deviation used (MXNet's CPU kernel),
// which output_mean_var makes visible and the gradient reads.
#include <algorithm>
#include <cmath>
#include <utility>

#include "ops/gradient.h"
#include "ops/op_utils.h"

namespace sn {
namespace {

struct BatchNormParam {
  double eps = 1e-3;
  double momentum = 0.9;
  bool fix_gamma = true;
  bool use_global_stats = false;
  bool output_mean_var = false;
  int64_t axis = 1;
  bool cudnn_off = false;
  std::optional<double> min_calib_range, max_calib_range;
  static void describe(ParamBuilder<BatchNormParam>& b) {
    b.field("eps", &BatchNormParam::eps, "Added to the variance before its square root.")
        .set_default(1e-3)
        .set_lower_bound(0);
    b.field("momentum", &BatchNormParam::momentum, "Weight of the old moving statistics in their update.")
        .set_default(0.9)
        .set_range(0, 1);
    b.field("fix_gamma", &BatchNormParam::fix_gamma, "Treat gamma as 1 (its gradient is zero).").set_default(true);
    b.field("use_global_stats", &BatchNormParam::use_global_stats,
            "Normalise with the moving statistics also in training (and leave them unchanged).")
        .set_default(false);
    b.field("output_mean_var", &BatchNormParam::output_mean_var,
            "Also return the mean and the inverse standard deviation used.")
        .set_default(false);
    b.field("axis", &BatchNormParam::axis, "The channel axis.").set_default(int64_t{1});
    b.field("cudnn_off", &BatchNormParam::cudnn_off, "Turn cuDNN off (no effect on CPU).").set_default(false);
    b.field("min_calib_range", &BatchNormParam::min_calib_range, "Quantisation calibration (no effect here).");
    b.field("max_calib_range", &BatchNormParam::max_calib_range, "Quantisation calibration (no effect here).");
  }
};

// data as (outer, channels, inner) around the channel axis.
struct Layout {
  int64_t outer, channels, inner;
};
Layout layout_of(const OpDef& op, const BatchNormParam& p, const Shape& data) {
  const int ax = checked_axis(op, p.axis, data.ndim());
  return {data.size(0, ax), data[ax], data.size(ax + 1, data.ndim())};
}

bool infer_bn_shape(const OpAttrs& attrs, std::vector<Shape>& in, std::vector<Shape>& out) {
  const OpDef& op = *attrs.op;
  merge_input_shape(op, in[0], out[0], 0);
  const std::optional<Shape> data = batch_free(in[0]);  // Note [Unknown batch]
  if (!data) return false;
  SN_CHECK_SHAPE(in[0].ndim() >= 1, op.name, ": data must have at least one axis, got shape ", in[0]);
  const Shape c{layout_of(op, attrs.get<BatchNormParam>(), *data).channels};
  for (int i = 1; i < 5; ++i) merge_input_shape(op, in[static_cast<size_t>(i)], c, i);
  merge_shape(op, out[0], in[0], "the output");
  merge_shape(op, out[1], c, "the mean");
  merge_shape(op, out[2], c, "the inverse standard deviation");
  return in[0].is_known();
}

int visible_outputs(const OpAttrs& attrs) { return attrs.get<BatchNormParam>().output_mean_var ? 3 : 1; }

template <class F>
void for_channel(const Layout& l, int64_t c, F&& f) {
  for (int64_t o = 0; o < l.outer; ++o) {
    const int64_t base = (o * l.channels + c) * l.inner;
    for (int64_t i = 0; i < l.inner; ++i) f(base + i);
  }
}

// Sums f(i) and g(i) over a channel in one pass: each contiguous row in the compute type (vectorised), rows
// added in double.
template <class C, class F, class G>
std::pair<double, double> channel_sums(const Layout& l, int64_t c, F&& f, G&& g) {
  double tf = 0, tg = 0;
  for (int64_t o = 0; o < l.outer; ++o) {
    const int64_t base = (o * l.channels + c) * l.inner;
    C rf = 0, rg = 0;
#pragma omp simd reduction(+ : rf, rg)
    for (int64_t i = 0; i < l.inner; ++i) {
      rf += f(base + i);
      rg += g(base + i);
    }
    tf += static_cast<double>(rf);
    tg += static_cast<double>(rg);
  }
  return {tf, tg};
}

void bn_kernel(const OpContext& ctx, std::span<const TensorView> in, std::span<const TensorView> out) {
  const auto& p = ctx.params<BatchNormParam>();
  const Layout l = layout_of(*ctx.attrs.op, p, in[0].shape);
  const bool batch_stats = ctx.is_train && !p.use_global_stats;
  const double m = static_cast<double>(l.outer * l.inner);
  dispatch_dtype<FloatDTypes>(out[0].dtype, ctx.attrs.op->name, [&]<class T>() {
    const T *x = in[0].ptr<T>(), *gamma = in[1].ptr<T>(), *beta = in[2].ptr<T>();
    T *moving_mean = in[3].ptr<T>(), *moving_var = in[4].ptr<T>();  // mutated auxiliary inputs
    T *y = out[0].ptr<T>(), *mean_out = out[1].ptr<T>(), *invstd_out = out[2].ptr<T>();
    parallel_for(l.channels, ctx.run.num_threads, [&](int64_t lo, int64_t hi) {
      for (int64_t c = lo; c < hi; ++c) {
        using C = compute_t<T>;
        double mean, var;
        if (batch_stats) {
          // One pass over values shifted by the channel's first one: E[(x-k)^2] - E[x-k]^2 loses little to
          // cancellation when k is near the mean, as a sample of the data is.
          const C k = l.outer * l.inner > 0 ? load(x[c * l.inner]) : C(0);
          const auto [s1, s2] = channel_sums<C>(l, c, [&](int64_t i) { return load(x[i]) - k; },
                                               [&](int64_t i) { return (load(x[i]) - k) * (load(x[i]) - k); });
          const double d = m > 0 ? s1 / m : 0;
          mean = static_cast<double>(k) + d;
          var = m > 0 ? std::max(s2 / m - d * d, 0.0) : 0;
          moving_mean[c] = store<T>(static_cast<double>(load(moving_mean[c])) * p.momentum + mean * (1 - p.momentum));
          moving_var[c] = store<T>(static_cast<double>(load(moving_var[c])) * p.momentum + var * (1 - p.momentum));
        } else {
          mean = static_cast<double>(load(moving_mean[c]));
          var = static_cast<double>(load(moving_var[c]));
        }
        const double invstd = 1 / std::sqrt(var + p.eps);
        const double scale = (p.fix_gamma ? 1.0 : static_cast<double>(load(gamma[c]))) * invstd;
        const double shift = static_cast<double>(load(beta[c])) - mean * scale;
        const C sc = static_cast<C>(scale), sh = static_cast<C>(shift);
        for_channel(l, c, [&](int64_t i) { y[i] = store<T>(load(x[i]) * sc + sh); });
        mean_out[c] = store<T>(mean);
        invstd_out[c] = store<T>(invstd);
      }
    }, 2 * l.outer * l.inner);
  });
}

// Gradients through _backward_BatchNorm(ograd, data, gamma, mean, invstd) -> data, gamma, beta gradients.
// The moving statistics get none (as MXNet); gradients reaching the visible mean/invstd outputs are ignored.
void bn_grad(GradBuilder& b) {
  const std::vector<GradValue> g = b.apply(
      "_backward_BatchNorm", {b.out_grad(0), b.input(0), b.input(1), b.output(1), b.output(2)}, b.attrs());
  for (int i = 0; i < 3; ++i) b.set_input_grad(i, g[static_cast<size_t>(i)]);
}

[[maybe_unused]] OpRegistrar r_batch_norm = OpRegistrar("BatchNorm")
    .describe("Batch normalisation over every axis but `axis`, with moving statistics as auxiliary states "
              "(MXNet 1.x defaults: eps 1e-3, momentum 0.9, fix_gamma True).")
    .params<BatchNormParam>()
    .dtypes<FloatDTypes>()
    .inputs({"data", "gamma", "beta", "moving_mean", "moving_var"})
    .aux({3, 4})
    .input_init(3, R"(["zero", {}])")
    .input_init(4, R"(["one", {}])")
    .outputs({"output", "mean", "var"}, 1)
    .visible_outputs(visible_outputs)
    .infer_shape(infer_bn_shape)
    .infer_type(infer_same_float_type)
    .kernel(DeviceType::kCPU, bn_kernel)
    .gradient(bn_grad, {0, 1}, {1, 2});

bool infer_bn_backward_shape(const OpAttrs& attrs, std::vector<Shape>& in, std::vector<Shape>& out) {
  const OpDef& op = *attrs.op;
  if (!in[1].is_known()) return false;
  const Shape c{layout_of(op, attrs.get<BatchNormParam>(), in[1]).channels};
  merge_input_shape(op, in[0], in[1], 0);
  for (int i = 2; i < 5; ++i) merge_input_shape(op, in[static_cast<size_t>(i)], c, i);
  merge_shape(op, out[0], in[1], "the data gradient");
  merge_shape(op, out[1], c, "the gamma gradient");
  merge_shape(op, out[2], c, "the beta gradient");
  return true;
}

// With batch statistics: dx = gamma * invstd * (dy - mean(dy) - xhat * mean(dy * xhat)); with moving ones the
// statistics are constants: dx = gamma * invstd * dy. dgamma = sum(dy * xhat) (0 with fix_gamma), dbeta = sum(dy).
void bn_backward_kernel(const OpContext& ctx, std::span<const TensorView> in, std::span<const TensorView> out) {
  const auto& p = ctx.params<BatchNormParam>();
  const Layout l = layout_of(*ctx.attrs.op, p, in[1].shape);
  const bool batch_stats = ctx.is_train && !p.use_global_stats;
  const double m = static_cast<double>(l.outer * l.inner);
  dispatch_dtype<FloatDTypes>(out[0].dtype, ctx.attrs.op->name, [&]<class T>() {
    using C = compute_t<T>;
    const T *dy = in[0].ptr<T>(), *x = in[1].ptr<T>(), *gamma = in[2].ptr<T>(), *mean = in[3].ptr<T>(),
            *invstd = in[4].ptr<T>();
    T *dx = out[0].ptr<T>(), *dgamma = out[1].ptr<T>(), *dbeta = out[2].ptr<T>();
    parallel_for(l.channels, ctx.run.num_threads, [&](int64_t lo, int64_t hi) {
      for (int64_t c = lo; c < hi; ++c) {
        const double mu = static_cast<double>(load(mean[c])), is = static_cast<double>(load(invstd[c]));
        const C mu_c = static_cast<C>(mu);
        const auto [sum_dy, sum_dy_xc] = channel_sums<C>(l, c, [&](int64_t i) { return load(dy[i]); },
                                                         [&](int64_t i) { return load(dy[i]) * (load(x[i]) - mu_c); });
        const double sum_dy_xhat = is * sum_dy_xc;
        const double g = p.fix_gamma ? 1.0 : static_cast<double>(load(gamma[c]));
        const C k = static_cast<C>(g * is);
        if (batch_stats && m > 0) {
          const C a = static_cast<C>(sum_dy / m), bb = static_cast<C>(sum_dy_xhat / m), mc = static_cast<C>(mu),
                  ic = static_cast<C>(is);
          for_channel(l, c, [&](int64_t i) {
            const C xhat = (load(x[i]) - mc) * ic;
            dx[i] = store<T>(k * (load(dy[i]) - a - xhat * bb));
          });
        } else {
          for_channel(l, c, [&](int64_t i) { dx[i] = store<T>(k * load(dy[i])); });
        }
        dgamma[c] = store<T>(p.fix_gamma ? 0.0 : sum_dy_xhat);
        dbeta[c] = store<T>(sum_dy);
      }
    }, 3 * l.outer * l.inner);
  });
}

[[maybe_unused]] OpRegistrar r_backward_batch_norm = OpRegistrar("_backward_BatchNorm")
    .describe("BatchNorm's data, gamma and beta gradients from the output's, the mean and inverse std used.")
    .params<BatchNormParam>()
    .dtypes<FloatDTypes>()
    .inputs({"ograd", "data", "gamma", "mean", "invstd"})
    .outputs({"data_grad", "gamma_grad", "beta_grad"})
    .infer_shape(infer_bn_backward_shape)
    .infer_type(infer_same_float_type)
    .kernel(DeviceType::kCPU, bn_backward_kernel);

}  // namespace
}  // namespace sn
