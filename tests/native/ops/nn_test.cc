// NN layers beyond the conformance harness: Dropout's random masks, rrelu's random slopes, Embedding's
// out-of-range indices, gradient and dtypes.
#include <gtest/gtest.h>

#include <cmath>

#include "autograd/autograd.h"
#include "core/error.h"
#include "core/threading.h"
#include "ndarray/builtin.h"
#include "ops/imperative.h"
#include "op_calls.h"
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

// --- LeakyReLU rrelu ---

std::vector<NDArray> rrelu(const NDArray& x, bool training, std::vector<ParamKV> params = {}) {
  params.emplace_back("act_type", "rrelu");
  InvokeFlags f;
  f.training = training;
  return invoke(OpRegistry::get().at("LeakyReLU").parse(params), std::vector<NDArray>{x}, {}, f);
}

TEST(RReLU, TrainingDrawsSlopesInRangeAndTheGradientUsesThem) {
  const int64_t n = 100000;
  std::vector<float> xv(static_cast<size_t>(n));
  for (int64_t i = 0; i < n; ++i) xv[static_cast<size_t>(i)] = i % 4 == 0 ? 1.5f : -2.0f;
  NDArray x = testing::array(xv);
  attach_grad(x, GradReq::kWrite);
  InvokeFlags rec;
  rec.recording = rec.training = true;
  const std::vector<ParamKV> params{{"act_type", "rrelu"}, {"lower_bound", "0.1"}, {"upper_bound", "0.4"}};
  std::vector<NDArray> outs = invoke(OpRegistry::get().at("LeakyReLU").parse(params), std::vector<NDArray>{x}, {}, rec);
  ASSERT_EQ(outs.size(), 2u) << "the output and the hidden slopes";
  const std::vector<NDArray> heads{outs[0]};
  backward(heads, {}, BackwardOptions{});
  const auto y = testing::values(outs[0]), slopes = testing::values(outs[1]), g = testing::values(get_grad(x));
  double lo = 1, hi = 0, sum = 0;
  int64_t below = 0;
  for (int64_t i = 0; i < n; ++i) {
    const auto k = static_cast<size_t>(i);
    EXPECT_GE(slopes[k], 0.1f);
    EXPECT_LE(slopes[k], 0.4f);
    if (xv[k] > 0) {
      ASSERT_EQ(y[k], xv[k]);
      ASSERT_EQ(g[k], 1.0f);
      continue;
    }
    ASSERT_EQ(y[k], xv[k] * slopes[k]) << i;
    ASSERT_EQ(g[k], slopes[k]) << "the gradient below 0 is the element's own slope, " << i;
    lo = std::min(lo, static_cast<double>(slopes[k]));
    hi = std::max(hi, static_cast<double>(slopes[k]));
    sum += slopes[k];
    ++below;
  }
  EXPECT_LT(lo, 0.101);
  EXPECT_GT(hi, 0.399);
  // Uniform on [0.1, 0.4]: mean 0.25, standard deviation 0.3 / sqrt(12); 6 standard errors.
  EXPECT_NEAR(sum / static_cast<double>(below), 0.25, 6 * 0.3 / std::sqrt(12.0 * static_cast<double>(below)));
}

TEST(RReLU, InferenceUsesTheMeanSlope) {
  NDArray x = testing::array({-2.0f, 3.0f, -0.5f});
  auto outs = rrelu(x, false);
  const float mean = static_cast<float>((0.125 + 0.334) / 2);
  EXPECT_EQ(testing::values(outs[0]), (std::vector<float>{-2.0f * mean, 3.0f, -0.5f * mean}));
  EXPECT_EQ(testing::values(outs[1]), std::vector<float>(3, mean)) << "the hidden slopes hold the mean";
  // Its gradient then uses the mean as well.
  attach_grad(x, GradReq::kWrite);
  InvokeFlags rec;
  rec.recording = true;
  std::vector<NDArray> r = invoke(OpRegistry::get().at("LeakyReLU").parse(std::vector<ParamKV>{{"act_type", "rrelu"}}),
                                  std::vector<NDArray>{x}, {}, rec);
  const std::vector<NDArray> heads{r[0]};
  backward(heads, {}, BackwardOptions{});
  EXPECT_EQ(testing::values(get_grad(x)), (std::vector<float>{mean, 1.0f, mean}));
}

TEST(RReLU, SlopesDependOnTheSeedNotTheThreadCount) {
  NDArray x = testing::array(std::vector<float>(200000, -1.0f));
  auto slopes = [&](int threads, uint64_t seed) {
    set_intra_op_threads(threads);
    set_random_seed(seed);
    return testing::values(rrelu(x, true)[1]);
  };
  const auto one = slopes(1, 7);
  EXPECT_EQ(slopes(2, 7), one);
  EXPECT_EQ(slopes(4, 7), one);
  EXPECT_NE(slopes(2, 8), one);
  set_intra_op_threads(0);
}

TEST(RReLU, OnlyRReLUAllocatesTheSlopes) {
  const OpDef& op = OpRegistry::get().at("LeakyReLU");
  const OpAttrs leaky = op.defaults();
  const OpAttrs random = op.parse(std::vector<ParamKV>{{"act_type", "rrelu"}});
  EXPECT_EQ(op.num_outputs(leaky), 1);
  EXPECT_EQ(op.num_outputs(random), 2);
  EXPECT_EQ(op.num_visible(leaky), 1);
  EXPECT_EQ(op.num_visible(random), 1);
  NDArray x = testing::array({-1.0f, 1.0f});
  for (const char* act : {"leaky", "elu", "selu", "gelu"})
    EXPECT_EQ(testing::call_all("LeakyReLU", {x}, {{"act_type", act}}).size(), 1u) << act;
  EXPECT_EQ(testing::call_all("LeakyReLU", {x, testing::array({0.1f})}, {{"act_type", "prelu"}}).size(), 1u);
  EXPECT_ERROR(testing::run("LeakyReLU", {x}, {{"act_type", "rrelu"}, {"lower_bound", "0.5"}, {"upper_bound", "0.2"}}),
               kInvalidArgument, "LeakyReLU: lower_bound (0.5) must not exceed upper_bound (0.2)");
}

// --- Embedding ---

// Only rrelu draws random numbers: a leaky call between seeding and a Dropout leaves Dropout's mask unchanged.
TEST(RReLU, OtherActTypesLeaveTheRandomSequenceAlone) {
  NDArray x = testing::array(std::vector<float>(256, 1.0f));
  auto mask_after = [&](const char* act_type) {
    set_random_seed(7);
    if (act_type) testing::call("LeakyReLU", {x}, {{"act_type", act_type}}).wait_to_read();
    return testing::values(dropout(x, {{"p", "0.5"}}, true)[1]);
  };
  const auto plain = mask_after(nullptr);
  EXPECT_EQ(mask_after("leaky"), plain);
  EXPECT_EQ(mask_after("elu"), plain);
  EXPECT_NE(mask_after("rrelu"), plain) << "rrelu takes a sequence number";
}

TEST(Embedding, IndicesTruncateAndClipLikeMXNetCPU) {
  NDArray w = testing::array({0, 1, 10, 11, 20, 21}, Shape{3, 2});
  NDArray data = testing::array({-3.0f, 0.0f, 2.7f, 7.0f, 1.2f, 2.0f}, Shape{2, 3});
  NDArray y = testing::call("Embedding", {data, w}, {{"input_dim", "3"}, {"output_dim", "2"}});
  EXPECT_EQ(y.shape(), (Shape{2, 3, 2}));
  EXPECT_EQ(testing::values(y), (std::vector<float>{0, 1, 0, 1, 20, 21, 20, 21, 10, 11, 20, 21}));
  // Integer indices, float64 weights (the output takes the weight's dtype), sparse_grad accepted.
  NDArray idx = NDArray::empty(Shape{2}, DType::kInt32, Device::cpu());
  const int32_t iv[] = {2, -1};
  copy_from_host(idx, iv, DType::kInt32, 0, 2);
  NDArray w64 = testing::call("Cast", {w}, {{"dtype", "float64"}});
  NDArray y64 = testing::call("Embedding", {idx, w64}, {{"input_dim", "3"}, {"output_dim", "2"}, {"sparse_grad", "True"}});
  EXPECT_EQ(y64.dtype(), DType::kFloat64);
  EXPECT_EQ(testing::values<double>(y64), (std::vector<double>{20, 21, 0, 1}));
}

TEST(Embedding, WeightGradientSumsRepeatedRows) {
  NDArray w = testing::array(std::vector<float>(6, 0.5f), Shape{3, 2});
  NDArray data = testing::array({1, 1, 2, -5, 9});
  attach_grad(w, GradReq::kWrite);
  attach_grad(data, GradReq::kWrite);
  InvokeFlags rec;
  rec.recording = true;
  NDArray y = invoke(OpRegistry::get().at("Embedding").parse(std::vector<ParamKV>{{"input_dim", "3"}, {"output_dim", "2"}}),
                     std::vector<NDArray>{data, w}, {}, rec)[0];
  std::vector<float> head(10);
  for (size_t i = 0; i < head.size(); ++i) head[i] = static_cast<float>(i + 1);
  const std::vector<NDArray> heads{y}, hg{testing::array(head, Shape{5, 2})}, xs{data, w};
  std::vector<NDArray> g = grad(heads, hg, xs, BackwardOptions{});
  EXPECT_TRUE(g[0].is_none()) << "the indices get no gradient";
  // Row 0 from index -5 (clipped), row 1 twice, row 2 from 2 and 9 (clipped).
  EXPECT_EQ(testing::values(g[1]), (std::vector<float>{7, 8, 1 + 3, 2 + 4, 5 + 9, 6 + 10}));
}

TEST(Embedding, EmptyIndicesGiveAnEmptyOutput) {
  NDArray data = NDArray::empty(Shape{0, 2}, DType::kFloat32, Device::cpu());
  NDArray y = testing::call("Embedding", {data, testing::array(std::vector<float>(6), Shape{3, 2})},
                            {{"input_dim", "3"}, {"output_dim", "2"}});
  EXPECT_EQ(y.shape(), (Shape{0, 2, 2}));
}

TEST(Embedding, BadInputsAreClearErrors) {
  using testing::run;
  NDArray data = testing::array({0, 1});
  EXPECT_ERROR(run("Embedding", {data, testing::array(std::vector<float>(6), Shape{2, 3})},
                   {{"input_dim", "3"}, {"output_dim", "2"}}),
               kShape, "input 1 (weight)");
  EXPECT_ERROR(run("Embedding", {data, testing::array(std::vector<float>(6), Shape{3, 2})}, {{"output_dim", "2"}}),
               kInvalidArgument, "input_dim");
  EXPECT_ERROR(run("Embedding", {data, testing::array(std::vector<float>(6), Shape{3, 2})},
                   {{"input_dim", "0"}, {"output_dim", "2"}}),
               kInvalidArgument, "input_dim");
}

}  // namespace
}  // namespace sn
