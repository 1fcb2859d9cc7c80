// Adam-family updates, as MXNet 1.x (no bias correction in adam/adamw: the caller folds it into lr):
//   adam_update(weight, grad, mean, var)   g = clip(rescale_grad grad + wd w);  mean = beta1 mean + (1-beta1) g;
//                                          var = beta2 var + (1-beta2) g^2;  w = w - lr mean / (sqrt(var) + epsilon)
//   _adamw_update(weight, grad, mean, var, rescale_grad)   decoupled weight decay, rescale_grad an array:
//                                          g = clip(rescale_grad grad); mean, var as adam;
//                                          w = w - eta (lr mean / (sqrt(var) + epsilon) + wd w).
//                                          A rescale_grad that is 0, infinite or NaN skips the update (overflowed
//                                          loss scaling): the output is the weight, the states are left alone.
//   lamb_update_phase1(weight, grad, mean, var) -> g   mean, var as adam without wd, then (bias_correction: mean
//                                          and var divided by 1 - beta^t) g = mean / (sqrt(var) + epsilon) + wd w
//   lamb_update_phase2(weight, g, r1, r2)  r1 (||w||) clamped to [lower_bound, upper_bound] where those are >= 0;
//                                          w = w - lr (r1/r2) g, or w - lr g when r1 or r2 is 0.
// Multi-precision variants (Note [Multi-precision updates]): _mp_adamw_update(weight, grad, mean, var, weight32,
// rescale_grad) and mp_lamb_update_phase1(weight, grad, mean, var, weight32) -> float32 g, which reads weight32 for
// the decay; mp_lamb_update_phase2(weight, g, r1, r2, weight32) with float32 g, r1, r2, which updates weight32 and
// outputs it rounded to float16 (MXNet's kernel writes only the output and leaves weight32 stale; Sharpnet keeps
// the master copy current, as every other mp_ update does).
#include "ops/optim/optimizer.h"

namespace sn::optim {
namespace {

struct AdamParam {
  double lr = 0, beta1 = 0.9, beta2 = 0.999, epsilon = 1e-8, wd = 0, rescale_grad = 1, clip_gradient = -1;
  bool lazy_update = true;
  static void describe(ParamBuilder<AdamParam>& b) {
    describe_lr<AdamParam>(b);
    b.field("beta1", &AdamParam::beta1, "The decay rate for the 1st moment estimates.").set_default(0.9);
    b.field("beta2", &AdamParam::beta2, "The decay rate for the 2nd moment estimates.").set_default(0.999);
    b.field("epsilon", &AdamParam::epsilon, "A small constant for numerical stability.").set_default(1e-8);
    describe_wd<AdamParam>(b);
    describe_rescale_clip<AdamParam>(b);
    describe_lazy_update<AdamParam>(b);
  }
};

struct AdamWParam {
  double lr = 0, beta1 = 0.9, beta2 = 0.999, epsilon = 1e-8, wd = 0, eta = 0, clip_gradient = -1;
  static void describe(ParamBuilder<AdamWParam>& b) {
    describe_lr<AdamWParam>(b);
    b.field("beta1", &AdamWParam::beta1, "The decay rate for the 1st moment estimates.").set_default(0.9);
    b.field("beta2", &AdamWParam::beta2, "The decay rate for the 2nd moment estimates.").set_default(0.999);
    b.field("epsilon", &AdamWParam::epsilon, "A small constant for numerical stability.").set_default(1e-8);
    describe_wd<AdamWParam>(b);
    b.field("eta", &AdamWParam::eta, "Learning rate schedule multiplier.");
    describe_clip<AdamWParam>(b);
  }
};

struct LambPhaseOneParam {
  double beta1 = 0.9, beta2 = 0.999, epsilon = 1e-6;
  int t = 0;
  bool bias_correction = true;
  double wd = 0, rescale_grad = 1, clip_gradient = -1;
  static void describe(ParamBuilder<LambPhaseOneParam>& b) {
    b.field("beta1", &LambPhaseOneParam::beta1, "The decay rate for the 1st moment estimates.").set_default(0.9);
    b.field("beta2", &LambPhaseOneParam::beta2, "The decay rate for the 2nd moment estimates.").set_default(0.999);
    b.field("epsilon", &LambPhaseOneParam::epsilon, "A small constant for numerical stability.").set_default(1e-6);
    b.field("t", &LambPhaseOneParam::t, "Index update count.");
    b.field("bias_correction", &LambPhaseOneParam::bias_correction, "Whether to use bias correction.")
        .set_default(true);
    b.field("wd", &LambPhaseOneParam::wd,
            "Weight decay augments the objective function with a regularization term that penalizes large weights. "
            "The penalty scales with the square of the magnitude of each weight.");
    describe_rescale_clip<LambPhaseOneParam>(b);
  }
};

struct LambPhaseTwoParam {
  double lr = 0, lower_bound = -1, upper_bound = -1;
  static void describe(ParamBuilder<LambPhaseTwoParam>& b) {
    describe_lr<LambPhaseTwoParam>(b);
    b.field("lower_bound", &LambPhaseTwoParam::lower_bound,
            "Lower limit of norm of weight. If lower_bound < 0, Lower limit is not set.")
        .set_default(-1.0);
    b.field("upper_bound", &LambPhaseTwoParam::upper_bound,
            "Upper limit of norm of weight. If upper_bound < 0, Upper limit is not set.")
        .set_default(-1.0);
  }
};

// The moment updates adam, adamw and lamb share; s = {mean, var}.
template <class C>
struct Moments {
  C beta1, rest1, beta2, rest2;
  Moments(double b1, double b2)
      : beta1(static_cast<C>(b1)), rest1(static_cast<C>(1 - b1)), beta2(static_cast<C>(b2)),
        rest2(static_cast<C>(1 - b2)) {}
  void update(C g, C& mean, C& var) const {
    mean = beta1 * mean + rest1 * g;
    var = beta2 * var + rest2 * g * g;
  }
};

void adam_kernel(const OpContext& ctx, std::span<const TensorView> in, std::span<const TensorView> out) {
  const auto& p = ctx.params<AdamParam>();
  update_elementwise<2, false>(ctx, in, out, 8, [&](auto zero) {
    using C = decltype(zero);
    const GradPrep<C> prep(p.rescale_grad, p.clip_gradient);
    const Moments<C> moments(p.beta1, p.beta2);
    const C lr = static_cast<C>(p.lr), wd = static_cast<C>(p.wd), eps = static_cast<C>(p.epsilon);
    return [=](C w, C g, std::array<C, 2>& s) {
      moments.update(prep.clip(prep.rescale * g + wd * w), s[0], s[1]);
      return w - lr * s[0] / (std::sqrt(s[1]) + eps);
    };
  });
}

template <bool kMP>
void adamw_kernel(const OpContext& ctx, std::span<const TensorView> in, std::span<const TensorView> out) {
  const auto& p = ctx.params<AdamWParam>();
  const float scale = in.back().ptr<float>()[0];
  if (!std::isfinite(scale) || scale == 0) return copy_kernel(ctx, in, out);
  update_elementwise<2, kMP>(ctx, in, out, 8, [&](auto zero) {
    using C = decltype(zero);
    const GradPrep<C> prep(scale, p.clip_gradient);
    const Moments<C> moments(p.beta1, p.beta2);
    const C lr = static_cast<C>(p.lr), wd = static_cast<C>(p.wd), eps = static_cast<C>(p.epsilon);
    const C eta = static_cast<C>(p.eta);
    return [=](C w, C g, std::array<C, 2>& s) {
      moments.update(prep(g), s[0], s[1]);
      return w - eta * (lr * s[0] / (std::sqrt(s[1]) + eps) + wd * w);
    };
  });
}

// With bias correction, step t < 1 divides by 1 - beta^t <= 0 (inf or NaN directions): a clear error instead.
bool infer_lamb1_shape(const OpAttrs& attrs, std::vector<Shape>& in, std::vector<Shape>& out) {
  const auto& p = attrs.get<LambPhaseOneParam>();
  SN_CHECK(!p.bias_correction || p.t >= 1, attrs.op->name, ": t (the step count) must be >= 1 with bias_correction, got ",
           p.t);
  return infer_update_shape<>(attrs, in, out);
}

template <bool kMP>
void lamb_phase1_kernel(const OpContext& ctx, std::span<const TensorView> in, std::span<const TensorView> out) {
  const auto& p = ctx.params<LambPhaseOneParam>();
  using Table = std::conditional_t<kMP, DTypeTable<half_t>, FloatDTypes>;
  dispatch_dtype<Table>(in[0].dtype, ctx.attrs.op->name, [&]<class T>() {
    using S = std::conditional_t<kMP, float, T>;
    using C = compute_t<T>;
    [[maybe_unused]] const T* weight = in[0].ptr<T>();
    const T* grad = in[1].ptr<T>();
    S* mean = in[2].ptr<S>();
    S* var = in[3].ptr<S>();
    [[maybe_unused]] const float* weight32 = kMP ? in[4].ptr<float>() : nullptr;
    S* y = out[0].ptr<S>();
    const GradPrep<C> prep(p.rescale_grad, p.clip_gradient);
    const Moments<C> moments(p.beta1, p.beta2);
    const C wd = static_cast<C>(p.wd), eps = static_cast<C>(p.epsilon);
    const C correct1 = static_cast<C>(p.bias_correction ? 1 / (1 - std::pow(p.beta1, p.t)) : 1.0);
    const C correct2 = static_cast<C>(p.bias_correction ? 1 / (1 - std::pow(p.beta2, p.t)) : 1.0);
    parallel_for(out[0].size(), ctx.run.num_threads, [&](int64_t lo, int64_t hi) {
      for (int64_t i = lo; i < hi; ++i) {
        C m = load(mean[i]), v = load(var[i]);
        moments.update(prep(load(grad[i])), m, v);
        mean[i] = store<S>(m);
        var[i] = store<S>(v);
        C w;
        if constexpr (kMP) w = weight32[i];
        else w = load(weight[i]);
        y[i] = store<S>(m * correct1 / (std::sqrt(v * correct2) + eps) + wd * w);
      }
    }, 8);
  });
}

template <bool kMP>
void lamb_phase2_kernel(const OpContext& ctx, std::span<const TensorView> in, std::span<const TensorView> out) {
  const auto& p = ctx.params<LambPhaseTwoParam>();
  using Table = std::conditional_t<kMP, DTypeTable<half_t>, FloatDTypes>;
  dispatch_dtype<Table>(in[0].dtype, ctx.attrs.op->name, [&]<class T>() {
    using S = std::conditional_t<kMP, float, T>;
    using C = compute_t<T>;
    [[maybe_unused]] const T* weight = in[0].ptr<T>();
    const S* g = in[1].ptr<S>();
    [[maybe_unused]] float* weight32 = kMP ? in[4].ptr<float>() : nullptr;
    T* y = out[0].ptr<T>();
    // The trust ratio ||w|| / ||g||, with ||w|| clamped; 1 where either norm is 0.
    double r1 = static_cast<double>(load(in[2].ptr<S>()[0])), r2 = static_cast<double>(load(in[3].ptr<S>()[0]));
    if (p.lower_bound >= 0) r1 = std::max(r1, p.lower_bound);
    if (p.upper_bound >= 0) r1 = std::min(r1, p.upper_bound);
    const C rate = static_cast<C>(r1 == 0 || r2 == 0 ? p.lr : p.lr * r1 / r2);
    parallel_for(out[0].size(), ctx.run.num_threads, [&](int64_t lo, int64_t hi) {
      for (int64_t i = lo; i < hi; ++i) {
        C w;
        if constexpr (kMP) w = weight32[i];
        else w = load(weight[i]);
        const C next = w - rate * load(g[i]);
        if constexpr (kMP) weight32[i] = next;
        y[i] = store<T>(next);
      }
    }, 2);
  });
}

constexpr uint32_t bit(int i) { return 1u << i; }

[[maybe_unused]] OpRegistrar r_adam =
    update_op("adam_update",
              "Adam update (without bias correction): g = clip(rescale_grad*grad + wd*weight); "
              "mean = beta1*mean + (1-beta1)*g; var = beta2*var + (1-beta2)*g^2; "
              "weight -= lr*mean/(sqrt(var) + epsilon).",
              {"weight", "grad", "mean", "var"}, {2, 3}, infer_update_shape<>, infer_update_type<4>, adam_kernel)
        .params<AdamParam>()
        .dtypes<FloatDTypes>();
[[maybe_unused]] OpRegistrar r_adamw =
    update_op("_adamw_update",
              "AdamW update (decoupled weight decay): g = clip(rescale_grad*grad); mean, var as adam_update; "
              "weight -= eta*(lr*mean/(sqrt(var) + epsilon) + wd*weight). A rescale_grad of 0, inf or NaN skips "
              "the update.",
              {"weight", "grad", "mean", "var", "rescale_grad"}, {2, 3}, infer_update_shape<bit(4)>,
              infer_update_type<4>, adamw_kernel<false>)
        .alias("_contrib_adamw_update")
        .params<AdamWParam>()
        .dtypes<FloatDTypes>();
[[maybe_unused]] OpRegistrar r_mp_adamw =
    update_op("_mp_adamw_update",
              "Multi-precision AdamW: float32 mean, var and master copy weight32 take the _adamw_update step; the "
              "float16 output is weight32 rounded. A rescale_grad of 0, inf or NaN skips the update.",
              {"weight", "grad", "mean", "var", "weight32", "rescale_grad"}, {2, 3, 4}, infer_update_shape<bit(5)>,
              infer_update_type<2, true>, adamw_kernel<true>)
        .alias("_contrib_mp_adamw_update")
        .params<AdamWParam>()
        .dtypes<DTypeTable<half_t>>();

// Phase 1 outputs the update direction, not a weight: no in-place pair.
[[maybe_unused]] OpRegistrar r_lamb1 =
    update_op("lamb_update_phase1",
              "LAMB phase 1: updates mean and var as adam (wd excluded) and returns the direction "
              "g = mean_hat/(sqrt(var_hat) + epsilon) + wd*weight (bias-corrected with bias_correction).",
              {"weight", "grad", "mean", "var"}, {2, 3}, infer_lamb1_shape, infer_update_type<4>,
              lamb_phase1_kernel<false>)
        .inplace({})
        .params<LambPhaseOneParam>()
        .dtypes<FloatDTypes>();
[[maybe_unused]] OpRegistrar r_mp_lamb1 =
    update_op("mp_lamb_update_phase1",
              "Multi-precision LAMB phase 1: float16 weight and grad, float32 mean, var and master copy weight32 "
              "(read for the weight decay); returns the float32 direction g.",
              {"weight", "grad", "mean", "var", "weight32"}, {2, 3}, infer_lamb1_shape,
              infer_update_type<2, true, true>, lamb_phase1_kernel<true>)
        .inplace({})
        .params<LambPhaseOneParam>()
        .dtypes<DTypeTable<float>>();
[[maybe_unused]] OpRegistrar r_lamb2 =
    update_op("lamb_update_phase2",
              "LAMB phase 2: weight -= lr*(r1/r2)*g with r1 = ||weight|| clamped to [lower_bound, upper_bound] and "
              "r2 = ||g|| (one-element arrays); the ratio is 1 where r1 or r2 is 0.",
              {"weight", "g", "r1", "r2"}, {}, infer_update_shape<bit(2) | bit(3)>, infer_update_type<4>,
              lamb_phase2_kernel<false>)
        .params<LambPhaseTwoParam>()
        .dtypes<FloatDTypes>();
[[maybe_unused]] OpRegistrar r_mp_lamb2 =
    update_op("mp_lamb_update_phase2",
              "Multi-precision LAMB phase 2: float32 g, r1, r2; the float32 master copy weight32 takes the "
              "lamb_update_phase2 step and the float16 output is it rounded.",
              {"weight", "g", "r1", "r2", "weight32"}, {4}, infer_update_shape<bit(2) | bit(3)>,
              infer_update_type<1, true>, lamb_phase2_kernel<true>)
        .params<LambPhaseTwoParam>()
        .dtypes<DTypeTable<half_t>>();

}  // namespace
}  // namespace sn::optim
