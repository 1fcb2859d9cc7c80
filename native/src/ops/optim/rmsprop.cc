// Per-coordinate adaptive updates, as MXNet 1.x:
//   rmsprop_update(weight, grad, n)   (Tieleman & Hinton) g = clip(rescale_grad grad + wd w);
//                                     n = (1-gamma1) g^2 + gamma1 n;  w = w - lr g / sqrt(n + epsilon)
//   rmspropalex_update(weight, grad, n, g, delta)   (Graves 2013, eq. 38-45) with the same g:
//                                     n = (1-gamma1) g^2 + gamma1 n;  g_avg = (1-gamma1) g + gamma1 g_avg;
//                                     delta = gamma2 delta - lr g / sqrt(n - g_avg^2 + epsilon);  w = w + delta
//                                     (both clip the new weight to [-clip_weights, clip_weights] when >= 0)
//   ftrl_update(weight, grad, z, n)   (McMahan et al.) g = clip(rescale_grad grad);
//                                     z += g - (sqrt(n + g^2) - sqrt(n)) w / lr;  n += g^2;
//                                     w = (sign(z) lamda1 - z) / ((beta + sqrt(n)) / lr + wd) where |z| > lamda1,
//                                     else 0
#include "ops/optim/optimizer.h"

namespace sn::optim {
namespace {

struct RMSPropParam {
  double lr = 0, gamma1 = 0.95, epsilon = 1e-8, wd = 0, rescale_grad = 1, clip_gradient = -1, clip_weights = -1;
  static void describe(ParamBuilder<RMSPropParam>& b) {
    describe_lr<RMSPropParam>(b);
    b.field("gamma1", &RMSPropParam::gamma1, "The decay rate of momentum estimates.").set_default(0.95);
    b.field("epsilon", &RMSPropParam::epsilon, "A small constant for numerical stability.").set_default(1e-8);
    describe_wd<RMSPropParam>(b);
    describe_rescale_clip<RMSPropParam>(b);
    b.field("clip_weights", &RMSPropParam::clip_weights,
            "Clip weights to the range of [-clip_weights, clip_weights]. If clip_weights < 0, weight clipping is "
            "turned off.")
        .set_default(-1.0);
  }
};

struct RMSPropAlexParam {
  double lr = 0, gamma1 = 0.95, gamma2 = 0.9, epsilon = 1e-8, wd = 0, rescale_grad = 1, clip_gradient = -1,
         clip_weights = -1;
  static void describe(ParamBuilder<RMSPropAlexParam>& b) {
    describe_lr<RMSPropAlexParam>(b);
    b.field("gamma1", &RMSPropAlexParam::gamma1, "Decay rate.").set_default(0.95);
    b.field("gamma2", &RMSPropAlexParam::gamma2, "Decay rate.").set_default(0.9);
    b.field("epsilon", &RMSPropAlexParam::epsilon, "A small constant for numerical stability.").set_default(1e-8);
    describe_wd<RMSPropAlexParam>(b);
    describe_rescale_clip<RMSPropAlexParam>(b);
    b.field("clip_weights", &RMSPropAlexParam::clip_weights,
            "Clip weights to the range of [-clip_weights, clip_weights]. If clip_weights < 0, weight clipping is "
            "turned off.")
        .set_default(-1.0);
  }
};

struct FtrlParam {
  double lr = 0, lamda1 = 0.01, beta = 1, wd = 0, rescale_grad = 1, clip_gradient = -1;
  static void describe(ParamBuilder<FtrlParam>& b) {
    describe_lr<FtrlParam>(b);
    b.field("lamda1", &FtrlParam::lamda1, "The L1 regularization coefficient.").set_default(0.01);
    b.field("beta", &FtrlParam::beta, "Per-Coordinate Learning Rate beta.").set_default(1.0);
    describe_wd<FtrlParam>(b);
    describe_rescale_clip<FtrlParam>(b);
  }
};

void rmsprop_kernel(const OpContext& ctx, std::span<const TensorView> in, std::span<const TensorView> out) {
  const auto& p = ctx.params<RMSPropParam>();
  update_elementwise<1, false>(ctx, in, out, 8, [&](auto zero) {
    using C = decltype(zero);
    const GradPrep<C> prep(p.rescale_grad, p.clip_gradient);
    const C lr = static_cast<C>(p.lr), wd = static_cast<C>(p.wd), eps = static_cast<C>(p.epsilon);
    const C gamma1 = static_cast<C>(p.gamma1), rest = static_cast<C>(1 - p.gamma1);
    const double clip_weights = p.clip_weights;
    return [=](C w, C g, std::array<C, 1>& s) {
      g = prep.clip(prep.rescale * g + wd * w);
      s[0] = rest * g * g + gamma1 * s[0];
      return clip_weight(w - lr * g / std::sqrt(s[0] + eps), clip_weights);
    };
  });
}

void rmspropalex_kernel(const OpContext& ctx, std::span<const TensorView> in, std::span<const TensorView> out) {
  const auto& p = ctx.params<RMSPropAlexParam>();
  update_elementwise<3, false>(ctx, in, out, 10, [&](auto zero) {
    using C = decltype(zero);
    const GradPrep<C> prep(p.rescale_grad, p.clip_gradient);
    const C lr = static_cast<C>(p.lr), wd = static_cast<C>(p.wd), eps = static_cast<C>(p.epsilon);
    const C gamma1 = static_cast<C>(p.gamma1), rest = static_cast<C>(1 - p.gamma1), gamma2 = static_cast<C>(p.gamma2);
    const double clip_weights = p.clip_weights;
    return [=](C w, C g, std::array<C, 3>& s) {  // s = {n, g, delta}
      g = prep.clip(prep.rescale * g + wd * w);
      s[0] = rest * g * g + gamma1 * s[0];
      s[1] = rest * g + gamma1 * s[1];
      s[2] = gamma2 * s[2] - lr * g / std::sqrt(s[0] - s[1] * s[1] + eps);
      return clip_weight(w + s[2], clip_weights);
    };
  });
}

void ftrl_kernel(const OpContext& ctx, std::span<const TensorView> in, std::span<const TensorView> out) {
  const auto& p = ctx.params<FtrlParam>();
  update_elementwise<2, false>(ctx, in, out, 10, [&](auto zero) {
    using C = decltype(zero);
    const GradPrep<C> prep(p.rescale_grad, p.clip_gradient);
    const C lr = static_cast<C>(p.lr), wd = static_cast<C>(p.wd), lamda1 = static_cast<C>(p.lamda1);
    const C beta = static_cast<C>(p.beta);
    return [=](C w, C g, std::array<C, 2>& s) {  // s = {z, n}
      g = prep(g);
      s[0] += g - (std::sqrt(s[1] + g * g) - std::sqrt(s[1])) * w / lr;
      s[1] += g * g;
      return std::abs(s[0]) > lamda1 ? (sign(s[0]) * lamda1 - s[0]) / ((beta + std::sqrt(s[1])) / lr + wd) : C(0);
    };
  });
}

[[maybe_unused]] OpRegistrar r_rmsprop =
    update_op("rmsprop_update",
              "RMSProp (Tieleman & Hinton): g = clip(rescale_grad*grad + wd*weight); n = (1-gamma1)*g^2 + gamma1*n; "
              "weight -= lr*g/sqrt(n + epsilon), clipped to clip_weights when >= 0.",
              {"weight", "grad", "n"}, {2}, infer_update_shape<>, infer_update_type<3>, rmsprop_kernel)
        .params<RMSPropParam>()
        .dtypes<FloatDTypes>();
[[maybe_unused]] OpRegistrar r_rmspropalex =
    update_op("rmspropalex_update",
              "RMSProp (Graves): g as rmsprop_update; n = (1-gamma1)*g^2 + gamma1*n; "
              "g_avg = (1-gamma1)*g + gamma1*g_avg; delta = gamma2*delta - lr*g/sqrt(n - g_avg^2 + epsilon); "
              "weight += delta, clipped to clip_weights when >= 0.",
              {"weight", "grad", "n", "g", "delta"}, {2, 3, 4}, infer_update_shape<>, infer_update_type<5>,
              rmspropalex_kernel)
        .params<RMSPropAlexParam>()
        .dtypes<FloatDTypes>();
[[maybe_unused]] OpRegistrar r_ftrl =
    update_op("ftrl_update",
              "FTRL-proximal: g = clip(rescale_grad*grad); z += g - (sqrt(n + g^2) - sqrt(n))*weight/lr; n += g^2; "
              "weight = (sign(z)*lamda1 - z)/((beta + sqrt(n))/lr + wd) where |z| > lamda1, else 0.",
              {"weight", "grad", "z", "n"}, {2, 3}, infer_update_shape<>, infer_update_type<4>, ftrl_kernel)
        .params<FtrlParam>()
        .dtypes<FloatDTypes>();

}  // namespace
}  // namespace sn::optim
