// Stochastic gradient descent updates, as MXNet 1.x (g = clip(rescale_grad * grad), see optimizer.h):
//   sgd_update(weight, grad)            w = (1 - lr wd) w - lr g
//   sgd_mom_update(weight, grad, mom)   mom = momentum mom - lr wd w - lr g;  w = w + mom
//   nag_mom_update(weight, grad, mom)   G = g + wd w;  mom = momentum mom - lr G;  w = w + momentum mom - lr G
//   signsgd_update(weight, grad)        w = (1 - lr wd) w - lr sign(grad)   (rescale and clipping cannot change it)
//   signum_update(weight, grad, mom)    mom = momentum mom - (1 - momentum)(wd w + g);
//                                       w = (1 - lr wd_lh) w + lr sign(mom)
// mp_sgd_update(weight, grad, weight32), mp_sgd_mom_update(weight, grad, mom, weight32) and
// mp_nag_mom_update(weight, grad, mom, weight32) are the multi-precision variants: float16 weight and grad, float32
// mom and master copy weight32, which the update reads and writes; the float16 output is the new weight32 rounded
// (Note [Multi-precision updates]). lazy_update matters only for row_sparse gradients, which Sharpnet does not have.
#include "ops/optim/optimizer.h"

namespace sn::optim {
namespace {

struct SGDParam {
  double lr = 0, wd = 0, rescale_grad = 1, clip_gradient = -1;
  bool lazy_update = true;
  static void describe(ParamBuilder<SGDParam>& b) {
    describe_lr<SGDParam>(b);
    describe_wd<SGDParam>(b);
    describe_rescale_clip<SGDParam>(b);
    describe_lazy_update<SGDParam>(b);
  }
};

struct SGDMomParam {
  double lr = 0, momentum = 0, wd = 0, rescale_grad = 1, clip_gradient = -1;
  bool lazy_update = true;
  static void describe(ParamBuilder<SGDMomParam>& b) {
    describe_lr<SGDMomParam>(b);
    b.field("momentum", &SGDMomParam::momentum, "The decay rate of momentum estimates at each epoch.")
        .set_default(0.0);
    describe_wd<SGDMomParam>(b);
    describe_rescale_clip<SGDMomParam>(b);
    describe_lazy_update<SGDMomParam>(b);
  }
};

struct NAGMomParam {
  double lr = 0, momentum = 0, wd = 0, rescale_grad = 1, clip_gradient = -1;
  static void describe(ParamBuilder<NAGMomParam>& b) {
    describe_lr<NAGMomParam>(b);
    b.field("momentum", &NAGMomParam::momentum, "The decay rate of momentum estimates at each epoch.")
        .set_default(0.0);
    describe_wd<NAGMomParam>(b);
    describe_rescale_clip<NAGMomParam>(b);
  }
};

struct SignSGDParam {
  double lr = 0, wd = 0, rescale_grad = 1, clip_gradient = -1;
  static void describe(ParamBuilder<SignSGDParam>& b) {
    describe_lr<SignSGDParam>(b);
    describe_wd<SignSGDParam>(b);
    describe_rescale_clip<SignSGDParam>(b);
  }
};

struct SignumParam {
  double lr = 0, momentum = 0, wd = 0, rescale_grad = 1, clip_gradient = -1, wd_lh = 0;
  static void describe(ParamBuilder<SignumParam>& b) {
    describe_lr<SignumParam>(b);
    b.field("momentum", &SignumParam::momentum, "The decay rate of momentum estimates at each epoch.")
        .set_default(0.0);
    describe_wd<SignumParam>(b);
    describe_rescale_clip<SignumParam>(b);
    b.field("wd_lh", &SignumParam::wd_lh,
            "The amount of weight decay that does not go into gradient/momentum calculations, otherwise do weight "
            "decay algorithmically only.")
        .set_default(0.0);
  }
};

template <bool kMP>
void sgd_kernel(const OpContext& ctx, std::span<const TensorView> in, std::span<const TensorView> out) {
  const auto& p = ctx.params<SGDParam>();
  update_elementwise<0, kMP>(ctx, in, out, 2, [&](auto zero) {
    using C = decltype(zero);
    const GradPrep<C> prep(p.rescale_grad, p.clip_gradient);
    const C lr = static_cast<C>(p.lr), decay = static_cast<C>(1 - p.lr * p.wd);
    return [=](C w, C g, std::array<C, 0>&) { return decay * w - lr * prep(g); };
  });
}

template <bool kMP>
void sgd_mom_kernel(const OpContext& ctx, std::span<const TensorView> in, std::span<const TensorView> out) {
  const auto& p = ctx.params<SGDMomParam>();
  update_elementwise<1, kMP>(ctx, in, out, 3, [&](auto zero) {
    using C = decltype(zero);
    const GradPrep<C> prep(p.rescale_grad, p.clip_gradient);
    const C lr = static_cast<C>(p.lr), momentum = static_cast<C>(p.momentum), lr_wd = static_cast<C>(p.lr * p.wd);
    return [=](C w, C g, std::array<C, 1>& s) {
      s[0] = momentum * s[0] - lr_wd * w - lr * prep(g);
      return w + s[0];
    };
  });
}

template <bool kMP>
void nag_mom_kernel(const OpContext& ctx, std::span<const TensorView> in, std::span<const TensorView> out) {
  const auto& p = ctx.params<NAGMomParam>();
  update_elementwise<1, kMP>(ctx, in, out, 4, [&](auto zero) {
    using C = decltype(zero);
    const GradPrep<C> prep(p.rescale_grad, p.clip_gradient);
    const C lr = static_cast<C>(p.lr), momentum = static_cast<C>(p.momentum), wd = static_cast<C>(p.wd);
    return [=](C w, C g, std::array<C, 1>& s) {
      const C step = lr * (prep(g) + wd * w);
      s[0] = momentum * s[0] - step;
      return w + momentum * s[0] - step;  // Nesterov: the weight moves to where the momentum leads next
    };
  });
}

void signsgd_kernel(const OpContext& ctx, std::span<const TensorView> in, std::span<const TensorView> out) {
  const auto& p = ctx.params<SignSGDParam>();
  update_elementwise<0, false>(ctx, in, out, 2, [&](auto zero) {
    using C = decltype(zero);
    const C lr = static_cast<C>(p.lr), decay = static_cast<C>(1 - p.lr * p.wd);
    return [=](C w, C g, std::array<C, 0>&) { return decay * w - lr * sign(g); };
  });
}

void signum_kernel(const OpContext& ctx, std::span<const TensorView> in, std::span<const TensorView> out) {
  const auto& p = ctx.params<SignumParam>();
  update_elementwise<1, false>(ctx, in, out, 4, [&](auto zero) {
    using C = decltype(zero);
    const GradPrep<C> prep(p.rescale_grad, p.clip_gradient);
    const C lr = static_cast<C>(p.lr), momentum = static_cast<C>(p.momentum), wd = static_cast<C>(p.wd);
    const C rest = static_cast<C>(1 - p.momentum), decay = static_cast<C>(1 - p.lr * p.wd_lh);
    return [=](C w, C g, std::array<C, 1>& s) {
      s[0] = momentum * s[0] - rest * (wd * w + prep(g));
      return decay * w + lr * sign(s[0]);
    };
  });
}

[[maybe_unused]] OpRegistrar r_sgd =
    update_op("sgd_update", "SGD update: weight = (1 - lr*wd)*weight - lr*clip(rescale_grad*grad).",
              {"weight", "grad"}, {}, infer_update_shape<>, infer_update_type<2>, sgd_kernel<false>)
        .params<SGDParam>()
        .dtypes<FloatDTypes>();
[[maybe_unused]] OpRegistrar r_sgd_mom =
    update_op("sgd_mom_update",
              "SGD with momentum: mom = momentum*mom - lr*wd*weight - lr*clip(rescale_grad*grad); weight += mom.",
              {"weight", "grad", "mom"}, {2}, infer_update_shape<>, infer_update_type<3>, sgd_mom_kernel<false>)
        .params<SGDMomParam>()
        .dtypes<FloatDTypes>();
[[maybe_unused]] OpRegistrar r_nag_mom =
    update_op("nag_mom_update",
              "Nesterov accelerated gradient: g = clip(rescale_grad*grad) + wd*weight; mom = momentum*mom - lr*g; "
              "weight += momentum*mom - lr*g.",
              {"weight", "grad", "mom"}, {2}, infer_update_shape<>, infer_update_type<3>, nag_mom_kernel<false>)
        .params<NAGMomParam>()
        .dtypes<FloatDTypes>();
[[maybe_unused]] OpRegistrar r_signsgd =
    update_op("signsgd_update", "SignSGD update: weight = (1 - lr*wd)*weight - lr*sign(grad).", {"weight", "grad"},
              {}, infer_update_shape<>, infer_update_type<2>, signsgd_kernel)
        .params<SignSGDParam>()
        .dtypes<FloatDTypes>();
[[maybe_unused]] OpRegistrar r_signum =
    update_op("signum_update",
              "Signum update: mom = momentum*mom - (1-momentum)*(wd*weight + clip(rescale_grad*grad)); "
              "weight = (1 - lr*wd_lh)*weight + lr*sign(mom).",
              {"weight", "grad", "mom"}, {2}, infer_update_shape<>, infer_update_type<3>, signum_kernel)
        .params<SignumParam>()
        .dtypes<FloatDTypes>();

[[maybe_unused]] OpRegistrar r_mp_sgd =
    update_op("mp_sgd_update",
              "Multi-precision SGD: the float32 master copy weight32 takes the sgd_update step; the float16 output "
              "is it rounded.",
              {"weight", "grad", "weight32"}, {2}, infer_update_shape<>, infer_update_type<2, true>, sgd_kernel<true>)
        .params<SGDParam>()
        .dtypes<DTypeTable<half_t>>();
[[maybe_unused]] OpRegistrar r_mp_sgd_mom =
    update_op("mp_sgd_mom_update",
              "Multi-precision SGD with momentum: float32 mom and master copy weight32 take the sgd_mom_update step; "
              "the float16 output is weight32 rounded.",
              {"weight", "grad", "mom", "weight32"}, {2, 3}, infer_update_shape<>, infer_update_type<2, true>,
              sgd_mom_kernel<true>)
        .params<SGDMomParam>()
        .dtypes<DTypeTable<half_t>>();
[[maybe_unused]] OpRegistrar r_mp_nag_mom =
    update_op("mp_nag_mom_update",
              "Multi-precision Nesterov accelerated gradient: float32 mom and master copy weight32 take the "
              "nag_mom_update step; the float16 output is weight32 rounded.",
              {"weight", "grad", "mom", "weight32"}, {2, 3}, infer_update_shape<>, infer_update_type<2, true>,
              nag_mom_kernel<true>)
        .params<NAGMomParam>()
        .dtypes<DTypeTable<half_t>>();

}  // namespace
}  // namespace sn::optim
