// BatchNorm beyond the conformance harness: moving statistics over steps, fix_gamma's zero gradient, bad input.
#include <gtest/gtest.h>

#include <cmath>

#include "autograd/autograd.h"
#include "op_calls.h"
#include "test_arrays.h"

namespace sn {
namespace {

using testing::run;

std::vector<NDArray> bn(std::vector<NDArray> in, std::vector<ParamKV> params, bool training) {
  InvokeFlags f;
  f.training = training;
  return invoke(OpRegistry::get().at("BatchNorm").parse(params), in, {}, f);
}

TEST(BatchNorm, TrainingUpdatesMovingStatisticsWithTheBiasedVariance) {
  // One channel, values 1..4: mean 2.5, biased variance 1.25.
  NDArray x = testing::array({1, 2, 3, 4}, Shape{4, 1});
  NDArray gamma = testing::array({2}), beta = testing::array({0}), mm = testing::array({0}), mv = testing::array({1});
  for (int step = 0; step < 2; ++step) bn({x, gamma, beta, mm, mv}, {}, true);
  // Two updates with momentum 0.9: m = 0.9 (0.9 * 0 + 0.25) + 0.25, v = 0.9 (0.9 + 0.125) + 0.125.
  EXPECT_NEAR(testing::values<float>(mm)[0], 0.475f, 1e-6);
  EXPECT_NEAR(testing::values<float>(mv)[0], 1.0475f, 1e-6);
  // Inference leaves them alone and uses them; fix_gamma (the default) ignores gamma = 2.
  auto y = testing::values<float>(bn({x, gamma, beta, mm, mv}, {}, false)[0]);
  EXPECT_NEAR(y[0], (1 - 0.475f) / std::sqrt(1.0475f + 1e-3f), 1e-5);
  EXPECT_NEAR(testing::values<float>(mm)[0], 0.475f, 1e-6);
  // output_mean_var: the batch mean and the inverse standard deviation.
  auto all = bn({x, gamma, beta, mm, mv}, {{"output_mean_var", "True"}, {"use_global_stats", "False"}}, true);
  ASSERT_EQ(all.size(), 3u);
  EXPECT_NEAR(testing::values<float>(all[1])[0], 2.5f, 1e-6);
  EXPECT_NEAR(testing::values<float>(all[2])[0], 1 / std::sqrt(1.25f + 1e-3f), 1e-5);
}

TEST(BatchNorm, FixGammaGivesGammaAZeroGradientAndMovingStatisticsNone) {
  NDArray x = testing::array({1, 5, 2, 7, 3, 3}, Shape{3, 2});
  NDArray gamma = testing::array({1.5, 0.5}), beta = testing::array({0, 1});
  NDArray mm = testing::array({0, 0}), mv = testing::array({1, 1});
  for (NDArray* a : {&x, &gamma, &beta}) attach_grad(*a, GradReq::kWrite);
  InvokeFlags rec;
  rec.recording = rec.training = true;
  const std::vector<NDArray> heads{
      invoke(OpRegistry::get().at("BatchNorm").defaults(), std::vector<NDArray>{x, gamma, beta, mm, mv}, {}, rec)[0]};
  backward(heads, {}, BackwardOptions{});
  EXPECT_EQ(testing::values<float>(get_grad(gamma)), (std::vector<float>{0, 0}));
  EXPECT_EQ(testing::values<float>(get_grad(beta)), (std::vector<float>{3, 3}));
  // Normalised outputs sum to a constant: the data gradient of sum(y) is zero.
  for (float g : testing::values<float>(get_grad(x))) EXPECT_NEAR(g, 0, 1e-5);
}

TEST(BatchNorm, BadInputIsAClearError) {
  NDArray x = testing::array(std::vector<float>(12, 1.0f), Shape{2, 3, 2});
  NDArray c3 = testing::array({1, 1, 1}), c2 = testing::array({1, 1});
  EXPECT_ERROR(run("BatchNorm", {x, c2, c3, c3, c3}), kShape, "gamma");
  EXPECT_ERROR(run("BatchNorm", {x, c3, c3, c3, c3}, {{"axis", "3"}}), kIndex, "axis 3 is out of range");
  EXPECT_ERROR(run("BatchNorm", {x, c3, c3, c3, c3}, {{"momentum", "1.5"}}), kInvalidArgument, "momentum");
}

}  // namespace
}  // namespace sn
