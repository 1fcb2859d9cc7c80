// NN layers beyond the conformance harness: Dropout's random masks.
#include <gtest/gtest.h>

#include <cmath>

#include "autograd/autograd.h"
#include "core/error.h"
#include "ndarray/builtin.h"
#include "ops/imperative.h"
#include "test_arrays.h"

namespace sn {
namespace {

std::vector<NDArray> dropout(const NDArray& x, std::vector<ParamKV> params, bool training) {
  InvokeFlags f;
  f.training = training;
  return invoke(OpRegistry::get().at("Dropout").parse(params), std::vector<NDArray>{x}, {}, f);
}

TEST(Dropout, TrainingDropsAFractionAndScalesTheRest) {
  const int64_t n = 200000;
  NDArray x = testing::array(std::vector<float>(static_cast<size_t>(n), 2.0f));
  auto y = testing::values(dropout(x, {{"p", "0.3"}}, true)[0]);
  int64_t zeros = 0;
  for (float v : y) {
    if (v == 0) ++zeros;
    else EXPECT_NEAR(v, 2.0f / 0.7f, 1e-5);
  }
  // Binomial(n, 0.3): 6 standard deviations.
  EXPECT_NEAR(static_cast<double>(zeros) / n, 0.3, 6 * std::sqrt(0.3 * 0.7 / n));
  // Inference: the identity; mode=always drops there too.
  EXPECT_EQ(testing::values(dropout(x, {{"p", "0.3"}}, false)[0]), std::vector<float>(static_cast<size_t>(n), 2.0f));
  auto always = testing::values(dropout(x, {{"p", "0.3"}, {"mode", "always"}}, false)[0]);
  EXPECT_GT(std::count(always.begin(), always.end(), 0.0f), n / 4);
}

TEST(Dropout, GradientIsTheMaskAndAxesShareDraws) {
  NDArray x = testing::array(std::vector<float>(64 * 50, 1.0f), Shape{64, 50});
  attach_grad(x, GradReq::kWrite);
  InvokeFlags rec;
  rec.recording = rec.training = true;
  const std::vector<ParamKV> params{{"p", "0.5"}, {"axes", "(1,)"}};
  std::vector<NDArray> outs = invoke(OpRegistry::get().at("Dropout").parse(params), std::vector<NDArray>{x}, {}, rec);
  const std::vector<NDArray> heads{outs[0]};
  backward(heads, {}, BackwardOptions{});
  auto y = testing::values(outs[0]);
  auto g = testing::values(get_grad(x));
  int rows_dropped = 0;
  for (int r = 0; r < 64; ++r) {
    for (int c = 0; c < 50; ++c) {
      EXPECT_EQ(y[static_cast<size_t>(r * 50 + c)], y[static_cast<size_t>(r * 50)]) << "axis 1 shares one draw";
      EXPECT_EQ(g[static_cast<size_t>(r * 50 + c)], y[static_cast<size_t>(r * 50 + c)]) << "dy = 1: dx is the mask";
    }
    rows_dropped += y[static_cast<size_t>(r * 50)] == 0;
  }
  EXPECT_GT(rows_dropped, 8);
  EXPECT_LT(rows_dropped, 56);
}

TEST(Dropout, BadParametersAreClearErrors) {
  NDArray x = testing::array({1, 2, 3});
  try {
    dropout(x, {{"p", "1.5"}}, true);
    FAIL() << "p=1.5 was accepted";
  } catch (const Error& e) {
    EXPECT_NE(std::string(e.what()).find("Dropout"), std::string::npos) << e.what();
    EXPECT_NE(std::string(e.what()).find("parameter 'p'"), std::string::npos) << e.what();
  }
  EXPECT_THROW(dropout(x, {{"axes", "(3,)"}}, true), Error);
}

}  // namespace
}  // namespace sn
