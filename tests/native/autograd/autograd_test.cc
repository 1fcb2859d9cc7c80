// Autograd semantics: gradient requests, retained and freed graphs, in-place
// checks, detach, higher order, auxiliary-state ops, and the gradient pass's errors.
#include <gtest/gtest.h>

#include <cmath>

#include "autograd/autograd.h"
#include "core/error.h"
#include "ndarray/builtin.h"
#include "ops/conformance.h"
#include "ops/gradient.h"
#include "ops/imperative.h"
#include "test_arrays.h"
#include "ops/op_utils.h"

namespace sn {
namespace {

// Test-only ops: one without a gradient, one that mutates an auxiliary input.
void double_kernel(const OpContext& ctx, std::span<const TensorView> in, std::span<const TensorView> out) {
  for (int64_t i = 0; i < out[0].size(); ++i) out[0].ptr<float>()[i] = 2 * in[0].ptr<float>()[i];
}
void accumulate_kernel(const OpContext& ctx, std::span<const TensorView> in, std::span<const TensorView> out) {
  for (int64_t i = 0; i < out[0].size(); ++i) {
    in[1].ptr<float>()[i] += in[0].ptr<float>()[i];  // the auxiliary state
    out[0].ptr<float>()[i] = 2 * in[0].ptr<float>()[i];
  }
}
void double_grad(GradBuilder& b) { b.set_input_grad(0, b.op("_mul_scalar", {b.out_grad(0)}, {{"scalar", "2"}})); }

[[maybe_unused]] OpRegistrar r_nograd = OpRegistrar("_test_no_gradient")
    .describe("Test op: 2x, without a gradient.")
    .dtypes<DTypeTable<float>>()
    .inputs({"data"})
    .outputs({"output"})
    .infer_shape(infer_same_shape)
    .infer_type(infer_same_type)
    .kernel(DeviceType::kCPU, double_kernel);
[[maybe_unused]] OpRegistrar r_accumulate = OpRegistrar("_test_accumulate")
    .describe("Test op: output 2x, and x added into the auxiliary state.")
    .dtypes<DTypeTable<float>>()
    .inputs({"data", "state"})
    .aux({1})
    .outputs({"output"})
    .infer_shape(infer_same_shape)
    .infer_type(infer_same_type)
    .kernel(DeviceType::kCPU, accumulate_kernel)
    .gradient(double_grad);
[[maybe_unused]] const bool kRegistered = [] {
  conformance::covered_elsewhere()["_test_no_gradient"] = "autograd_test.cc: a test op without a gradient";
  conformance::covered_elsewhere()["_test_accumulate"] = "autograd_test.cc: a test op with an auxiliary state";
  return true;
}();

using testing::array;
using testing::values;

InvokeFlags recording() {
  InvokeFlags f;
  f.recording = true;
  f.training = true;
  return f;
}
NDArray call(const char* op, std::vector<NDArray> in, std::vector<ParamKV> params = {},
             InvokeFlags flags = recording()) {
  return invoke(OpRegistry::get().at(op).parse(params), in, {}, flags)[0];
}

std::string error_of(const std::function<void()>& f) {
  try {
    f();
  } catch (const Error& e) {
    return e.what();
  }
  return "no error";
}

TEST(Autograd, ApiExampleGradients) {
  NDArray x = array({1, 2}), w = array({2, 3}), b = array({4});
  for (NDArray* a : {&x, &w, &b}) attach_grad(*a, GradReq::kWrite);
  NDArray y = call("broadcast_add", {call("elemwise_mul", {x, w}), b});
  NDArray z = call("sum", {y});
  EXPECT_EQ(values(z), std::vector<float>{16});
  backward(std::vector<NDArray>{z}, {}, BackwardOptions{});
  EXPECT_EQ(values(get_grad(x)), (std::vector<float>{2, 3}));
  EXPECT_EQ(values(get_grad(w)), (std::vector<float>{1, 2}));
  EXPECT_EQ(values(get_grad(b)), std::vector<float>{2});
}

TEST(Autograd, GradReqAddAccumulatesAndNullSkips) {
  NDArray x = array({1, 2}), y = array({3, 4});
  attach_grad(x, GradReq::kAdd);
  attach_grad(y, GradReq::kNull);
  for (int i = 0; i < 3; ++i) {
    NDArray z = call("sum", {call("elemwise_mul", {x, y})});
    backward(std::vector<NDArray>{z}, {}, BackwardOptions{});
  }
  EXPECT_EQ(values(get_grad(x)), (std::vector<float>{9, 12}));
  EXPECT_EQ(values(get_grad(y)), (std::vector<float>{0, 0}));
}

TEST(Autograd, WriteOverwritesAndUnusedVariablesGetZeros) {
  NDArray x = array({1, 2}), unused = array({5});
  attach_grad(x, GradReq::kWrite);
  attach_grad(unused, GradReq::kWrite);
  fill(get_grad(unused), 7);
  for (int i = 0; i < 2; ++i) backward(std::vector<NDArray>{call("square", {x})}, {}, BackwardOptions{});
  EXPECT_EQ(values(get_grad(x)), (std::vector<float>{2, 4}));
  EXPECT_EQ(values(get_grad(unused)), std::vector<float>{7}) << "a variable the heads do not use is left alone";
}

TEST(Autograd, HeadGradientsWeighTheHeads) {
  NDArray x = array({1, 2, 3});
  attach_grad(x, GradReq::kWrite);
  NDArray y = call("square", {x});
  NDArray hg = array({1, 10, 100});
  backward(std::vector<NDArray>{y}, std::vector<NDArray>{hg}, BackwardOptions{});
  EXPECT_EQ(values(get_grad(x)), (std::vector<float>{2, 40, 600}));
  EXPECT_NE(error_of([&] {
              NDArray y2 = call("square", {x});
              backward(std::vector<NDArray>{y2}, std::vector<NDArray>{array({1, 2})}, BackwardOptions{});
            }).find("head gradient 0 has shape (2,) but head 0 has shape (3,)"),
            std::string::npos);
}

TEST(Autograd, SecondBackwardNeedsRetainGraph) {
  NDArray x = array({1, 2});
  attach_grad(x, GradReq::kAdd);
  NDArray z = call("sum", {call("exp", {x})});
  BackwardOptions retain;
  retain.retain_graph = true;
  backward(std::vector<NDArray>{z}, {}, retain);
  backward(std::vector<NDArray>{z}, {}, BackwardOptions{});
  std::string msg = error_of([&] { backward(std::vector<NDArray>{z}, {}, BackwardOptions{}); });
  EXPECT_NE(msg.find("freed by a previous backward"), std::string::npos) << msg;
  EXPECT_NE(msg.find("retainGraph"), std::string::npos) << msg;
  std::vector<float> g = values(get_grad(x));
  EXPECT_NEAR(g[0], 2 * std::exp(1.0f), 1e-5);
}

TEST(Autograd, BackwardReleasesWhatTheGraphSaved) {
  NDArray x = array(std::vector<float>(1000, 0.5f));
  attach_grad(x, GradReq::kWrite);
  const int64_t before = Chunk::live_count();
  NDArray z;
  {
    NDArray a = call("exp", {x});
    NDArray b = call("tanh", {a});
    z = call("sum", {call("elemwise_mul", {a, b})});
  }
  EXPECT_GT(Chunk::live_count(), before + 1) << "the tape keeps the saved intermediates alive";
  backward(std::vector<NDArray>{z}, {}, BackwardOptions{});
  Engine::get().wait_all();
  EXPECT_EQ(Chunk::live_count(), before + 1) << "only z itself remains";
}

TEST(Autograd, InPlaceWritesIntoRecordedArraysAreRefused) {
  NDArray x = array({1, 2});
  attach_grad(x, GradReq::kWrite);
  NDArray y = call("exp", {x});
  const OpAttrs add = OpRegistry::get().at("elemwise_add").defaults();
  std::string msg = error_of([&] { invoke(add, std::vector<NDArray>{y, x}, std::vector<NDArray>{y}, recording()); });
  EXPECT_NE(msg.find("elemwise_add: cannot write in place into an array recorded by autograd"), std::string::npos)
      << msg;
  // Outside recording the write goes through, and backward then refuses the stale graph.
  NDArray z = call("sum", {call("square", {y})});
  fill(y, 3);
  msg = error_of([&] { backward(std::vector<NDArray>{z}, {}, BackwardOptions{}); });
  EXPECT_NE(msg.find("was modified in place after it was recorded"), std::string::npos) << msg;
}

TEST(Autograd, DetachAndBlockGradStopGradients) {
  NDArray x = array({1, 2});
  attach_grad(x, GradReq::kWrite);
  NDArray y = call("square", {x});
  NDArray z = call("sum", {call("elemwise_add", {call("BlockGrad", {y}), detach(y)})});
  // Neither path leads back to x: the result has history only through BlockGrad's zero gradient.
  BackwardOptions retain;
  retain.retain_graph = true;  // y's graph is used again below
  backward(std::vector<NDArray>{z}, {}, retain);
  EXPECT_EQ(values(get_grad(x)), (std::vector<float>{0, 0}));
  NDArray w = call("sum", {call("elemwise_add", {y, call("stop_gradient", {y})})});
  backward(std::vector<NDArray>{w}, {}, BackwardOptions{});
  EXPECT_EQ(values(get_grad(x)), (std::vector<float>{2, 4}));
}

TEST(Autograd, HigherOrderGradients) {
  NDArray x = array({1, 2, 3});
  attach_grad(x, GradReq::kWrite);
  NDArray y = call("elemwise_mul", {call("square", {x}), x});  // x^3
  BackwardOptions create;
  create.create_graph = true;
  create.retain_graph = true;
  std::vector<NDArray> dx = grad(std::vector<NDArray>{y}, {}, std::vector<NDArray>{x}, create);
  EXPECT_EQ(values(dx[0]), (std::vector<float>{3, 12, 27}));
  std::vector<NDArray> d2x = grad(std::vector<NDArray>{dx[0]}, {}, std::vector<NDArray>{x}, create);
  EXPECT_EQ(values(d2x[0]), (std::vector<float>{6, 12, 18}));
  std::vector<NDArray> d3x = grad(std::vector<NDArray>{d2x[0]}, {}, std::vector<NDArray>{x}, BackwardOptions{});
  EXPECT_EQ(values(d3x[0]), (std::vector<float>{6, 6, 6}));
}

TEST(Autograd, GradOfAnUnrelatedVariableIsNone) {
  NDArray x = array({1}), u = array({2});
  attach_grad(x, GradReq::kWrite);
  attach_grad(u, GradReq::kWrite);
  std::vector<NDArray> g = grad(std::vector<NDArray>{call("exp", {x})}, {}, std::vector<NDArray>{x, u}, BackwardOptions{});
  EXPECT_FALSE(g[0].is_none());
  EXPECT_TRUE(g[1].is_none());
}

TEST(Autograd, AuxiliaryStateOpsRecord) {
  NDArray x = array({1, 2}), state = array({10, 10});
  attach_grad(x, GradReq::kWrite);
  NDArray y = call("_test_accumulate", {x, state});
  backward(std::vector<NDArray>{call("sum", {y})}, {}, BackwardOptions{});
  EXPECT_EQ(values(get_grad(x)), (std::vector<float>{2, 2}));
  EXPECT_EQ(values(state), (std::vector<float>{11, 12}));
}

TEST(Autograd, NonDifferentiableOpIsNamed) {
  NDArray x = array({1, 2});
  attach_grad(x, GradReq::kWrite);
  NDArray y = call("sum", {call("_test_no_gradient", {call("exp", {x})})});
  std::string msg = error_of([&] { backward(std::vector<NDArray>{y}, {}, BackwardOptions{}); });
  EXPECT_NE(msg.find("_test_no_gradient"), std::string::npos) << msg;
  EXPECT_NE(msg.find("differentiable"), std::string::npos) << msg;
}

TEST(Autograd, BackwardOnAnArrayWithoutHistoryIsAClearError) {
  NDArray x = array({1, 2});
  std::string msg = error_of([&] { backward(std::vector<NDArray>{x}, {}, BackwardOptions{}); });
  EXPECT_NE(msg.find("has no autograd history"), std::string::npos) << msg;
  NDArray y = call("exp", {x});  // recorded flag on, but no input needs a gradient: nothing recorded
  EXPECT_FALSE(has_history(y));
}

TEST(Autograd, NotRecordingLeavesNoHistory) {
  NDArray x = array({1, 2});
  attach_grad(x, GradReq::kWrite);
  NDArray y = call("exp", {x}, {}, InvokeFlags{});
  EXPECT_FALSE(has_history(y));
}

}  // namespace
}  // namespace sn
