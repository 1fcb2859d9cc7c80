// Shared pieces of the fused optimizer updates (MXNet 1.x's sgd_update, adam_update, ...): gradient
// preprocessing, the elementwise update loop, shape/dtype inference and the registration every update starts from.
//
// Every update is one op whose output is the new weight (callers pass out=weight: the (weight -> output) pair is
// declared in place) and whose state arrays are mutated auxiliary inputs. None is differentiable.
//
// Note [Multi-precision updates]: the mp_ variants take a float16 weight and grad, float32 states and a float32
// master copy `weight32` (the input after the states). The update runs in float32 on weight32 (the float16 weight
// is not read), writes the new master value back into weight32 and the float16 output gets that value rounded.
#pragma once

#include <array>
#include <cmath>
#include <cstdint>
#include <type_traits>

#include "ops/op_utils.h"

namespace sn::optim {

// rescale_grad * grad, clipped to [-clip_gradient, clip_gradient] when clip_gradient >= 0 (MXNet's clip: NaN passes).
template <class C>
struct GradPrep {
  C rescale, bound;
  bool clipping;
  GradPrep(double rescale_grad, double clip_gradient)
      : rescale(static_cast<C>(rescale_grad)), bound(static_cast<C>(clip_gradient)), clipping(clip_gradient >= 0) {}
  C clip(C x) const { return !clipping ? x : x > bound ? bound : x < -bound ? -bound : x; }
  C operator()(C grad) const { return clip(rescale * grad); }
};

template <class C>
inline C sign(C x) {
  return static_cast<C>((x > C(0)) - (x < C(0)));
}

// Clips weights to [-bound, bound] when bound >= 0 (rmsprop's clip_weights).
template <class C>
inline C clip_weight(C w, double bound) {
  return bound < 0 ? w : std::max(std::min(w, static_cast<C>(bound)), static_cast<C>(-bound));
}

// The elementwise update. make(C{}) returns the step for compute type C (its constants converted once):
// step(w, g, s) returns the new weight, where w is the weight (the float32 master copy for mp_ ops), g the raw
// gradient and s the op's kStates state values, which the step updates in place. Inputs are weight, grad, the
// states, then weight32 for mp_ ops (Note [Multi-precision updates]); inputs after those are the op's own. Plain ops
// keep states in the weight's dtype and compute in compute_t<T>. `cost` is the work per element for parallel_for.
// Each element reads its weight before the output is written, so the output may be the weight itself.
template <int kStates, bool kMP, class MakeStep>
void update_elementwise(const OpContext& ctx, std::span<const TensorView> in, std::span<const TensorView> out,
                        int64_t cost, const MakeStep& make) {
  using Table = std::conditional_t<kMP, DTypeTable<half_t>, FloatDTypes>;
  dispatch_dtype<Table>(out[0].dtype, ctx.attrs.op->name, [&]<class T>() {
    using S = std::conditional_t<kMP, float, T>;
    using C = compute_t<T>;
    [[maybe_unused]] const T* weight = in[0].ptr<T>();
    const T* grad = in[1].ptr<T>();
    std::array<S*, kStates> states{};
    for (size_t k = 0; k < states.size(); ++k) states[k] = in[2 + k].ptr<S>();
    [[maybe_unused]] float* weight32 = kMP ? in[2 + kStates].ptr<float>() : nullptr;
    T* y = out[0].ptr<T>();
    const auto step = make(C{});
    parallel_for(out[0].size(), ctx.run.num_threads, [&](int64_t lo, int64_t hi) {
      std::array<C, kStates> s;
      for (int64_t i = lo; i < hi; ++i) {
        for (size_t k = 0; k < s.size(); ++k) s[k] = load(states[k][i]);
        C w;
        if constexpr (kMP) w = weight32[i];
        else w = load(weight[i]);
        const C next = step(w, load(grad[i]), s);
        for (size_t k = 0; k < s.size(); ++k) states[k][i] = store<S>(s[k]);
        if constexpr (kMP) weight32[i] = next;
        y[i] = store<T>(next);
      }
    }, cost);
  });
}

// Shapes: the inputs whose bit is set in `scalars` hold one value (rescale_grad, r1, r2); every other input and the
// output have the weight's shape. Errors name the op and the input.
bool infer_update_shape_impl(const OpAttrs& attrs, std::vector<Shape>& in, std::vector<Shape>& out, uint32_t scalars);
template <uint32_t kScalars = 0>
bool infer_update_shape(const OpAttrs& attrs, std::vector<Shape>& in, std::vector<Shape>& out) {
  return infer_update_shape_impl(attrs, in, out, kScalars);
}

// Dtypes: inputs [0, same) share the weight's float dtype, the rest are float32; the output has the weight's dtype,
// or float32 with out_f32. `half` (mp_ ops): the weight must be float16.
bool infer_update_type_impl(const OpAttrs& attrs, std::vector<int>& in, std::vector<int>& out, int same, bool half,
                       bool out_f32);
template <int kSame, bool kHalf = false, bool kOutF32 = false>
bool infer_update_type(const OpAttrs& attrs, std::vector<int>& in, std::vector<int>& out) {
  return infer_update_type_impl(attrs, in, out, kSame, kHalf, kOutF32);
}

// The registration every update shares: inputs, mutated states, one output that may be written over the weight.
inline OpRegistrar update_op(const char* name, const char* doc, std::vector<std::string> inputs, std::vector<int> aux,
                             InferShapeFn shape, InferTypeFn type, KernelFn kernel) {
  return OpRegistrar(name)
      .describe(doc)
      .inputs(std::move(inputs))
      .aux(std::move(aux))
      .outputs({"output"})
      .inplace({{0, 0}})
      .infer_shape(shape)
      .infer_type(type)
      .kernel(DeviceType::kCPU, kernel);
}

// The parameters most updates share, with MXNet's descriptions.
template <class P, class B>
void describe_lr(B& b) {
  b.field("lr", &P::lr, "Learning rate.");
}
template <class P, class B>
void describe_wd(B& b) {
  b.field("wd", &P::wd,
          "Weight decay augments the objective function with a regularization term that penalizes large weights. "
          "The penalty scales with the square of the magnitude of each weight.")
      .set_default(0.0);
}
template <class P, class B>
void describe_clip(B& b) {
  b.field("clip_gradient", &P::clip_gradient,
          "Clip gradient to the range of [-clip_gradient, clip_gradient]. If clip_gradient < 0, gradient clipping "
          "is turned off. grad = max(min(grad, clip_gradient), -clip_gradient).")
      .set_default(-1.0);
}
template <class P, class B>
void describe_rescale_clip(B& b) {
  b.field("rescale_grad", &P::rescale_grad, "Rescale gradient to grad = rescale_grad*grad.").set_default(1.0);
  describe_clip<P>(b);
}
template <class P, class B>
void describe_lazy_update(B& b) {
  b.field("lazy_update", &P::lazy_update,
          "If true, lazy updates are applied if gradient's stype is row_sparse (dense arrays: no effect).")
      .set_default(true);
}

}  // namespace sn::optim
