// Activation(data; act_type): MXNet's one activation op for relu, sigmoid, tanh, softrelu and softsign, run as
// the standalone ops of those names.
#include <array>

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

// Each act_type is the registered op of that name: the same kernel (vectorised float32 transcendental paths
// included) and the same gradient, so the two spellings can never disagree.
const OpDef& op_for(Act a) {
  static const std::array<const OpDef*, 5> ops = [] {
    auto& r = OpRegistry::get();
    return std::array<const OpDef*, 5>{&r.at("relu"), &r.at("sigmoid"), &r.at("tanh"), &r.at("softrelu"),
                                       &r.at("softsign")};
  }();
  return *ops[static_cast<size_t>(a)];
}

void activation_kernel(const OpContext& ctx, std::span<const TensorView> in, std::span<const TensorView> out) {
  op_for(ctx.params<ActivationParam>().act_type).kernel(DeviceType::kCPU)(ctx, in, out);
}

// The named op's gradient reads at most input 0 and output 0, both declared below.
void activation_grad(GradBuilder& b) { op_for(b.attrs().get<ActivationParam>().act_type).gradient(b); }

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
