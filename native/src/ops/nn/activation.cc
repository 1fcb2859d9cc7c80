// Activation(data; act_type): MXNet's one activation op for relu, sigmoid, tanh, softrelu and softsign, with
// the same math as the standalone ops of those names; gradients from registered ops.
#include <cmath>

#include "ops/gradient.h"
#include "ops/op_utils.h"

namespace sn {
namespace {

enum class Act { kRelu, kSigmoid, kTanh, kSoftrelu, kSoftsign };

struct ActivationParam {
  Act act_type = Act::kRelu;
  static void describe(ParamBuilder<ActivationParam>& b) {
    b.field("act_type", &ActivationParam::act_type, "The activation function.")
        .set_enum({{"relu", Act::kRelu}, {"sigmoid", Act::kSigmoid}, {"tanh", Act::kTanh}, {"softrelu", Act::kSoftrelu},
                   {"softsign", Act::kSoftsign}});
  }
};

template <Act A, class C>
inline C activate(C x) {
  if constexpr (A == Act::kRelu) return x > C(0) ? x : (x != x ? x : C(0));  // NaN stays NaN
  else if constexpr (A == Act::kSigmoid) return C(1) / (C(1) + std::exp(-x));
  else if constexpr (A == Act::kTanh) return std::tanh(x);
  else if constexpr (A == Act::kSoftrelu) return x > C(20) ? x : std::log1p(std::exp(x));
  else return x / (C(1) + std::abs(x));
}

template <Act A>
void run(const OpContext& ctx, const TensorView& in, const TensorView& out) {
  dispatch_dtype<FloatDTypes>(out.dtype, ctx.attrs.op->name, [&]<class T>() {
    const T* x = in.ptr<T>();
    T* y = out.ptr<T>();
    parallel_for(out.size(), ctx.run.num_threads, [&](int64_t lo, int64_t hi) {
      for (int64_t i = lo; i < hi; ++i) y[i] = store<T>(activate<A>(load(x[i])));
    }, A == Act::kRelu ? 1 : 4);
  });
}

void activation_kernel(const OpContext& ctx, std::span<const TensorView> in, std::span<const TensorView> out) {
  switch (ctx.params<ActivationParam>().act_type) {
    case Act::kRelu: return run<Act::kRelu>(ctx, in[0], out[0]);
    case Act::kSigmoid: return run<Act::kSigmoid>(ctx, in[0], out[0]);
    case Act::kTanh: return run<Act::kTanh>(ctx, in[0], out[0]);
    case Act::kSoftrelu: return run<Act::kSoftrelu>(ctx, in[0], out[0]);
    case Act::kSoftsign: return run<Act::kSoftsign>(ctx, in[0], out[0]);
  }
}

// relu: through y; sigmoid y (1 - y); tanh 1 - y^2; softrelu sigmoid(x); softsign 1 / (1 + |x|)^2.
void activation_grad(GradBuilder& b) {
  const GradValue dy = b.out_grad(0);
  auto mul = [&](GradValue a, GradValue c) { return b.op("elemwise_mul", {a, c}); };
  GradValue g;
  switch (b.attrs().get<ActivationParam>().act_type) {
    case Act::kRelu:
      g = b.op("_backward_relu", {dy, b.output(0)});
      break;
    case Act::kSigmoid:
      g = mul(dy, mul(b.output(0), b.op("_rminus_scalar", {b.output(0)}, {{"scalar", "1"}})));
      break;
    case Act::kTanh:
      g = mul(dy, b.op("_rminus_scalar", {b.op("square", {b.output(0)})}, {{"scalar", "1"}}));
      break;
    case Act::kSoftrelu:
      g = mul(dy, b.op("sigmoid", {b.input(0)}));
      break;
    case Act::kSoftsign:
      g = b.op("elemwise_div",
               {dy, b.op("square", {b.op("_plus_scalar", {b.op("abs", {b.input(0)})}, {{"scalar", "1"}})})});
      break;
  }
  b.set_input_grad(0, g);
}

[[maybe_unused]] OpRegistrar r_activation = OpRegistrar("Activation")
    .describe("An elementwise activation: relu, sigmoid, tanh, softrelu (log(1 + e^x)) or softsign (x / (1 + |x|)).")
    .params<ActivationParam>()
    .dtypes<FloatDTypes>()
    .inputs({"data"})
    .outputs({"output"})
    .inplace({{0, 0}})
    .infer_shape(infer_same_shape)
    .infer_type(infer_same_type)
    .kernel(DeviceType::kCPU, activation_kernel)
    .gradient(activation_grad, {0}, {0});

}  // namespace
}  // namespace sn
