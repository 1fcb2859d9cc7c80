// Optimizer updates beyond the conformance harness: several steps against float64 recurrences, truly in-place
// updates (out = weight), what multi-precision buys, skipped AdamW steps, and bad input.
#include <gtest/gtest.h>

#include <cmath>
#include <cstdio>

#include "autograd/autograd.h"
#include "core/error.h"
#include "ndarray/builtin.h"
#include "op_calls.h"
#include "ops/imperative.h"
#include "test_arrays.h"

namespace sn {
namespace {

using testing::call_all;
using testing::run;
using testing::values;

NDArray make(const std::vector<double>& v, DType t, Shape shape = {}) {
  if (shape.ndim() == 0) shape = Shape({static_cast<int64_t>(v.size())});
  NDArray a = NDArray::empty(shape, t, Device::cpu());
  copy_from_host(a, v.data(), DType::kFloat64, 0, a.size());
  return a;
}
NDArray zeros(int64_t n, DType t) { return make(std::vector<double>(static_cast<size_t>(n), 0.0), t); }

// The gradient of 0.5 * sum_i c_i (w_i - target_i)^2, a small ill-conditioned quadratic.
const std::vector<double> kTarget = {1.0, -2.0, 0.5, 3.0};
const std::vector<double> kCurv = {1.0, 4.0, 0.25, 2.0};
std::vector<double> quad_grad(const std::vector<double>& w) {
  std::vector<double> g(w.size());
  for (size_t i = 0; i < w.size(); ++i) g[i] = kCurv[i] * (w[i] - kTarget[i]);
  return g;
}
double distance(const std::vector<double>& w) {
  double s = 0;
  for (size_t i = 0; i < w.size(); ++i) s += (w[i] - kTarget[i]) * (w[i] - kTarget[i]);
  return std::sqrt(s);
}

TEST(OptimizerUpdate, SgdMomentumStepsMatchAFloat64Recurrence) {
  const double lr = 0.1, mu = 0.9, wd = 0.01;
  std::vector<double> w = {0, 0, 0, 0}, mom = {0, 0, 0, 0};
  NDArray weight = make(w, DType::kFloat64), state = zeros(4, DType::kFloat64);
  const std::vector<ParamKV> params{{"lr", "0.1"}, {"momentum", "0.9"}, {"wd", "0.01"}};
  for (int step = 0; step < 30; ++step) {
    const std::vector<double> g = quad_grad(values<double>(weight));
    call_all("sgd_mom_update", {weight, make(g, DType::kFloat64), state}, params, {weight});
    const std::vector<double> gw = quad_grad(w);
    for (size_t i = 0; i < w.size(); ++i) {
      mom[i] = mu * mom[i] - lr * wd * w[i] - lr * gw[i];
      w[i] += mom[i];
    }
  }
  const auto got = values<double>(weight), got_mom = values<double>(state);
  for (size_t i = 0; i < w.size(); ++i) {
    EXPECT_NEAR(got[i], w[i], 1e-12) << i;
    EXPECT_NEAR(got_mom[i], mom[i], 1e-12) << i;
  }
  EXPECT_LT(distance(got), 0.5 * distance({0, 0, 0, 0})) << "30 steps make progress on the quadratic";
}

TEST(OptimizerUpdate, AdamStepsWithBiasCorrectedLrMatchAFloat64Recurrence) {
  // MXNet's Adam optimizer folds bias correction into lr: lr_t = lr sqrt(1 - beta2^t) / (1 - beta1^t).
  const double lr = 0.05, b1 = 0.9, b2 = 0.999, eps = 1e-8;
  std::vector<double> w = {0, 0, 0, 0}, m(4, 0.0), v(4, 0.0);
  NDArray weight = make(w, DType::kFloat64), mean = zeros(4, DType::kFloat64), var = zeros(4, DType::kFloat64);
  for (int t = 1; t <= 40; ++t) {
    const double lr_t = lr * std::sqrt(1 - std::pow(b2, t)) / (1 - std::pow(b1, t));
    char text[32];
    std::snprintf(text, sizeof text, "%.17g", lr_t);  // round-trips: the op steps with lr_t exactly
    const std::vector<ParamKV> params{{"lr", text}, {"beta1", "0.9"}, {"beta2", "0.999"}};
    const std::vector<double> g = quad_grad(values<double>(weight));
    call_all("adam_update", {weight, make(g, DType::kFloat64), mean, var}, params, {weight});
    const std::vector<double> gw = quad_grad(w);
    for (size_t i = 0; i < w.size(); ++i) {
      m[i] = b1 * m[i] + (1 - b1) * gw[i];
      v[i] = b2 * v[i] + (1 - b2) * gw[i] * gw[i];
      w[i] -= lr_t * m[i] / (std::sqrt(v[i]) + eps);
    }
  }
  const auto got = values<double>(weight), got_m = values<double>(mean), got_v = values<double>(var);
  for (size_t i = 0; i < w.size(); ++i) {
    EXPECT_NEAR(got[i], w[i], 1e-12) << i;
    EXPECT_NEAR(got_m[i], m[i], 1e-12) << i;
    EXPECT_NEAR(got_v[i], v[i], 1e-12) << i;
  }
  EXPECT_LT(distance(got), 0.7 * distance({0, 0, 0, 0}));
}

TEST(OptimizerUpdate, WritesIntoTheWeightItself) {
  NDArray weight = testing::array({1, 2, 3}), grad = testing::array({1, -1, 0.5f}), mom = testing::array({0, 0, 0});
  auto out = call_all("sgd_mom_update", {weight, grad, mom}, {{"lr", "0.5"}, {"momentum", "0.9"}}, {weight});
  ASSERT_EQ(out.size(), 1u);
  EXPECT_TRUE(out[0].same_chunk(weight));
  EXPECT_EQ(values(weight), (std::vector<float>{0.5f, 2.5f, 2.75f}));
  EXPECT_EQ(values(mom), (std::vector<float>{-0.5f, 0.5f, -0.25f}));
  // A second step reads the updated weight and momentum.
  call_all("sgd_mom_update", {weight, grad, mom}, {{"lr", "0.5"}, {"momentum", "0.9"}}, {weight});
  EXPECT_EQ(values(mom), (std::vector<float>{-0.95f, 0.95f, -0.475f}));
  EXPECT_EQ(values(weight), (std::vector<float>{-0.45f, 3.45f, 2.275f}));
  // Multi-precision in place: the float16 weight and its float32 master copy move together.
  NDArray w16 = make({1, 2}, DType::kFloat16), g16 = make({1, 1}, DType::kFloat16), w32 = make({1, 2}, DType::kFloat32);
  auto o16 = call_all("mp_sgd_update", {w16, g16, w32}, {{"lr", "0.25"}}, {w16});
  EXPECT_TRUE(o16[0].same_chunk(w16));
  EXPECT_EQ(values<double>(w16), (std::vector<double>{0.75, 1.75}));
  EXPECT_EQ(values<double>(w32), (std::vector<double>{0.75, 1.75}));
}

TEST(OptimizerUpdate, MultiPrecisionAccumulatesStepsFloat16CannotHold) {
  // 1 - 1e-4 rounds back to 1 in float16 (spacing 2^-11 below 1): plain float16 SGD never moves, the master copy does.
  NDArray w16 = make({1, 1}, DType::kFloat16), plain = make({1, 1}, DType::kFloat16);
  NDArray g16 = make({1e-3, 1e-3}, DType::kFloat16), w32 = make({1, 1}, DType::kFloat32);
  const double g = values<double>(g16)[0];  // 1e-3 as float16 holds it
  for (int step = 0; step < 20; ++step) {
    call_all("mp_sgd_update", {w16, g16, w32}, {{"lr", "0.1"}}, {w16});
    call_all("sgd_update", {plain, g16}, {{"lr", "0.1"}}, {plain});
  }
  EXPECT_EQ(values<double>(plain), (std::vector<double>{1, 1}));
  const double master = values<double>(w32)[0];
  EXPECT_NEAR(master, 1 - 20 * 0.1 * g, 1e-6);
  EXPECT_EQ(values<double>(w16)[0], values<double>(make({master}, DType::kFloat16))[0])
      << "the float16 weight is the master copy rounded";
  EXPECT_LT(values<double>(w16)[0], 1.0);
}

TEST(OptimizerUpdate, AdamWSkipsTheStepWhenRescaleGradIsNotFinite) {
  for (double scale : {double(NAN), double(INFINITY), 0.0}) {
    NDArray weight = testing::array({1, 2}), grad = testing::array({1, 1});
    NDArray mean = testing::array({0.5f, 0.5f}), var = testing::array({1, 1}), rescale = testing::array({0});
    copy_from_host(rescale, &scale, DType::kFloat64, 0, 1);
    auto out = call_all("_adamw_update", {weight, grad, mean, var, rescale}, {{"lr", "0.1"}, {"eta", "1"}});
    EXPECT_EQ(values(out[0]), (std::vector<float>{1, 2})) << scale;
    EXPECT_EQ(values(mean), (std::vector<float>{0.5f, 0.5f})) << scale;
    EXPECT_EQ(values(var), (std::vector<float>{1, 1})) << scale;
  }
}

TEST(OptimizerUpdate, UpdatesAreNotDifferentiable) {
  for (const char* name : {"sgd_update", "sgd_mom_update", "nag_mom_update", "adam_update", "_adamw_update",
                           "rmsprop_update", "rmspropalex_update", "ftrl_update", "signsgd_update", "signum_update",
                           "lamb_update_phase1", "lamb_update_phase2", "mp_sgd_update", "mp_sgd_mom_update",
                           "mp_nag_mom_update", "_mp_adamw_update", "mp_lamb_update_phase1", "mp_lamb_update_phase2"}) {
    EXPECT_FALSE(OpRegistry::get().at(name).differentiable()) << name;
  }
  NDArray weight = testing::array({1, 2}), grad = testing::array({1, 1});
  attach_grad(weight, GradReq::kWrite);
  InvokeFlags rec;
  rec.recording = rec.training = true;
  std::vector<NDArray> y =
      invoke(OpRegistry::get().at("sgd_update").parse(std::vector<ParamKV>{{"lr", "0.1"}}), std::vector{weight, grad},
             {}, rec);
  std::string message = "no error";
  try {
    backward(std::vector<NDArray>{y[0]}, {}, BackwardOptions{});
  } catch (const Error& e) {
    message = e.what();
  }
  EXPECT_NE(message.find("sgd_update"), std::string::npos) << message;
  EXPECT_NE(message.find("not differentiable"), std::string::npos) << message;
}

TEST(OptimizerUpdate, BadInputsAreClearErrors) {
  const auto f32 = DType::kFloat32, f16 = DType::kFloat16;
  NDArray w = make({1, 2, 3, 4, 5, 6}, f32, Shape{2, 3}), g = make({1, 2, 3, 4, 5, 6}, f32, Shape{2, 3});
  const std::vector<ParamKV> lr{{"lr", "0.1"}};
  // A state whose shape is not the weight's.
  EXPECT_ERROR(run("sgd_mom_update", {w, g, zeros(3, f32)}, lr), kShape,
               "sgd_mom_update: input 2 (mom) has shape (3,) but (2, 3) is required");
  EXPECT_ERROR(run("adam_update", {w, g, zeros(6, f32).reshape(Shape{2, 3}), zeros(6, f32)}, lr), kShape,
               "input 3 (var)");
  EXPECT_ERROR(run("sgd_update", {w, zeros(6, f32)}, lr), kShape, "sgd_update: input 1 (grad)");
  // lamb phase 1's bias correction divides by 1 - beta^t: t must count steps from 1.
  const NDArray m1 = zeros(6, f32).reshape(Shape{2, 3}), v1 = zeros(6, f32).reshape(Shape{2, 3});
  EXPECT_ERROR(run("lamb_update_phase1", {w, g, m1, v1}, {{"t", "0"}, {"wd", "0"}}), kInvalidArgument,
               "lamb_update_phase1: t (the step count) must be >= 1 with bias_correction, got 0");
  EXPECT_EQ(run("lamb_update_phase1", {w, g, m1, v1}, {{"t", "0"}, {"wd", "0"}, {"bias_correction", "False"}}).code,
            ErrorCode::kOk);
  // Dtypes: states follow the weight; mp_ wants a float16 weight and float32 states.
  EXPECT_ERROR(run("sgd_mom_update", {w, g, zeros(6, f16).reshape(Shape{2, 3})}, lr), kType,
               "sgd_mom_update: input 2 (mom) must be float32 like the weight, got float16");
  EXPECT_ERROR(run("mp_sgd_update", {w, g, w}, lr), kType,
               "mp_sgd_update: input 0 (weight) must be float16 (the multi-precision update keeps a float32 master "
               "copy in weight32), got float32");
  NDArray w16 = make({1, 2}, f16), g16 = make({1, 2}, f16);
  EXPECT_ERROR(run("mp_sgd_mom_update", {w16, g16, make({0, 0}, f16), make({1, 2}, f32)}, lr), kType,
               "mp_sgd_mom_update: input 2 (mom) must be float32, got float16");
  EXPECT_ERROR(run("mp_sgd_update", {w16, make({1, 2}, f32), make({1, 2}, f32)}, lr), kType,
               "input 1 (grad) must be float16 like the weight, got float32");
  EXPECT_ERROR(run("sgd_update", {make({1, 2}, DType::kInt32), make({1, 2}, DType::kInt32)}, lr), kType, "sgd_update");
  // One-value inputs.
  NDArray m = zeros(6, f32).reshape(Shape{2, 3}), v = zeros(6, f32).reshape(Shape{2, 3});
  EXPECT_ERROR(run("_adamw_update", {w, g, m, v, make({1, 1}, f32)}, {{"lr", "0.1"}, {"eta", "1"}}), kShape,
               "_adamw_update: input 4 (rescale_grad) must hold one value (shape (1,)), got shape (2,)");
  EXPECT_ERROR(run("_adamw_update", {w, g, m, v, make({1}, DType::kFloat64)}, {{"lr", "0.1"}, {"eta", "1"}}), kType,
               "input 4 (rescale_grad) must be float32");
  EXPECT_ERROR(run("lamb_update_phase2", {w, g, make({1, 2, 3}, f32), make({1}, f32)}, lr), kShape,
               "lamb_update_phase2: input 2 (r1) must hold one value");
  // Required parameters.
  EXPECT_ERROR(run("sgd_update", {w, g}), kInvalidArgument, "lr");
  EXPECT_ERROR(run("_adamw_update", {w, g, m, v, make({1}, f32)}, lr), kInvalidArgument, "eta");
  // Only the weight may be overwritten by the output.
  EXPECT_ERROR(run("sgd_mom_update", {w, g, m}, lr, {m}), kInvalidArgument,
               "sgd_mom_update: out shares memory with input 2 (mom)");
}

}  // namespace
}  // namespace sn
