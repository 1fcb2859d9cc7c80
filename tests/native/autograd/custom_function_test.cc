// Custom functions: values, gradients through autograd, errors at the wait,
// waiting inside a callback, and nesting.
#include <gtest/gtest.h>

#include <atomic>

#include "autograd/autograd.h"
#include "autograd/custom_function.h"
#include "core/error.h"
#include "ndarray/builtin.h"
#include "ops/conformance.h"
#include "ops/imperative.h"
#include "test_arrays.h"

namespace sn {
namespace {

[[maybe_unused]] const bool kRegistered = [] {
  conformance::covered_elsewhere()["_CustomFunction"] = "custom_function_test.cc and the .NET CustomFunction tests";
  conformance::covered_elsewhere()["_backward_CustomFunction"] = "custom_function_test.cc";
  return true;
}();

using testing::array;
using testing::values;
void scale_into(const NDArray& x, double s, const NDArray& out) {
  OpAttrs mul = OpRegistry::get().at("_mul_scalar").parse(std::vector<ParamKV>{{"scalar", std::to_string(s)}});
  invoke(mul, std::vector<NDArray>{x}, std::vector<NDArray>{out}, InvokeFlags{});
}

// y = 3x, dy/dx = 3; counts its stages.
class Triple : public CustomFunction {
 public:
  std::atomic<int> forwards{0}, backwards{0};
  bool fail_backward = false;
  void run(int stage, std::span<const NDArray> in, std::span<const NDArray> out, bool) override {
    (stage == 0 ? forwards : backwards)++;
    if (stage == 1 && fail_backward) throw_error(ErrorCode::kCallback, "the user's backward failed");
    scale_into(in[0], 3, out[0]);
    out[0].wait_to_read();  // a callback may wait: it runs on a custom-function worker
  }
};

InvokeFlags recording() {
  InvokeFlags f;
  f.recording = true;
  return f;
}

TEST(CustomFunction, ForwardValues) {
  auto fn = std::make_shared<Triple>();
  NDArray x = array({1, 2, 3});
  auto y = invoke_custom_function(fn, std::vector{x}, {x.shape()}, {DType::kFloat32}, InvokeFlags{});
  EXPECT_EQ(values(y[0]), (std::vector<float>{3, 6, 9}));
  EXPECT_EQ(fn->forwards.load(), 1);
}

TEST(CustomFunction, BackwardThroughAutograd) {
  auto fn = std::make_shared<Triple>();
  NDArray x = array({1, 2});
  attach_grad(x, GradReq::kWrite);
  auto y = invoke_custom_function(fn, std::vector{x}, {x.shape()}, {DType::kFloat32}, recording());
  OpAttrs square = OpRegistry::get().at("square").defaults();
  NDArray z = invoke(square, y, {}, recording())[0];  // z = 9x^2, dz/dx = 18x
  backward(std::vector{z}, {}, BackwardOptions{});
  EXPECT_EQ(values(get_grad(x)), (std::vector<float>{18, 36}));
  EXPECT_EQ(fn->backwards.load(), 1);
}

TEST(CustomFunction, AnExceptionInBackwardSurfacesAtTheWait) {
  auto fn = std::make_shared<Triple>();
  fn->fail_backward = true;
  NDArray x = array({1, 2});
  attach_grad(x, GradReq::kWrite);
  auto y = invoke_custom_function(fn, std::vector{x}, {x.shape()}, {DType::kFloat32}, recording());
  backward(y, {}, BackwardOptions{});  // returns: the failure is asynchronous
  try {
    get_grad(x).wait_to_read();
    FAIL() << "expected the backward's error";
  } catch (const Error& e) {
    EXPECT_EQ(e.code(), ErrorCode::kCallback);
    EXPECT_NE(std::string(e.what()).find("the user's backward failed"), std::string::npos) << e.what();
  }
  EXPECT_THROW(Engine::get().wait_all(), Error) << "wait_all reports the new error once";
  // The process goes on: a successful write clears the poison.
  fill(get_grad(x), 0);
  EXPECT_EQ(values(get_grad(x)), (std::vector<float>{0, 0}));
}

// A function whose forward applies another custom function and waits for it.
class Nested : public CustomFunction {
 public:
  void run(int, std::span<const NDArray> in, std::span<const NDArray> out, bool) override {
    auto inner = std::make_shared<Triple>();
    auto y = invoke_custom_function(inner, in, {in[0].shape()}, {in[0].dtype()}, InvokeFlags{});
    y[0].wait_to_read();
    scale_into(y[0], 2, out[0]);
  }
};

TEST(CustomFunction, NestedFunctionsDoNotDeadlock) {
  NDArray x = array({1, 2});
  std::vector<NDArray> ys;
  for (int i = 0; i < 8; ++i)  // more than one worker's worth, all waiting on inner functions
    ys.push_back(invoke_custom_function(std::make_shared<Nested>(), std::vector{x}, {x.shape()}, {DType::kFloat32},
                                        InvokeFlags{})[0]);
  for (const NDArray& y : ys) EXPECT_EQ(values(y), (std::vector<float>{6, 12}));
}

TEST(CustomFunction, OutputShapeMismatchIsAnErrorAtTheWait) {
  auto fn = std::make_shared<Triple>();
  NDArray x = array({1, 2});
  auto y = invoke_custom_function(fn, std::vector{x}, {Shape({3})}, {DType::kFloat32}, InvokeFlags{});
  EXPECT_THROW(y[0].wait_to_read(), Error);
  EXPECT_THROW(Engine::get().wait_all(), Error);
}

TEST(CustomFunction, TheFunctionIsReleasedWithItsGraph) {
  auto fn = std::make_shared<Triple>();
  std::weak_ptr<Triple> weak = fn;
  {
    NDArray x = array({1});
    attach_grad(x, GradReq::kWrite);
    auto y = invoke_custom_function(std::move(fn), std::vector{x}, {x.shape()}, {DType::kFloat32}, recording());
    y[0].wait_to_read();
    EXPECT_FALSE(weak.expired()) << "the tape keeps it for backward";
  }
  Engine::get().wait_all();
  EXPECT_TRUE(weak.expired());
}

}  // namespace
}  // namespace sn
