// Normalisation layers beyond the conformance harness: what output_mean_var shows, and bad input.
#include <gtest/gtest.h>

#include <string>

#include <cmath>

#include "op_calls.h"
#include "test_arrays.h"

namespace sn {
namespace {

using testing::array;
using testing::call_all;
using testing::run;
using testing::values;

// How many outputs op shows under these parameters (invoke returns the hidden ones too).
int visible(const char* op, std::vector<ParamKV> params = {}) {
  const OpDef& def = OpRegistry::get().at(op);
  return def.num_visible(def.parse(params));
}

TEST(LayerNorm, OutputMeanVarShowsMeanAndStd) {
  NDArray x = array({1, 2, 3, 4, 10, 20, 30, 40}, Shape{2, 4});
  NDArray gamma = array({1, 1, 1, 1}), beta = array({0, 0, 0, 0});
  EXPECT_EQ(visible("LayerNorm"), 1) << "mean and std are hidden by default";
  EXPECT_EQ(visible("LayerNorm", {{"output_mean_var", "True"}}), 3);
  auto out = call_all("LayerNorm", {x, gamma, beta}, {{"output_mean_var", "True"}, {"eps", "0"}});
  ASSERT_EQ(out.size(), 3u);
  EXPECT_EQ(out[1].shape(), (Shape{2, 1}));
  EXPECT_EQ(out[2].shape(), (Shape{2, 1}));
  auto mean = values(out[1]), sd = values(out[2]);
  EXPECT_FLOAT_EQ(mean[0], 2.5f);
  EXPECT_FLOAT_EQ(mean[1], 25.0f);
  EXPECT_NEAR(sd[0], std::sqrt(1.25f), 1e-6);  // biased variance of 1..4
  EXPECT_NEAR(sd[1], std::sqrt(125.0f), 1e-4);
  // Along axis 0 the statistics have shape (1, 4), one per column.
  auto cols = call_all("LayerNorm", {x, array({1, 1}), array({0, 0})}, {{"axis", "0"}, {"output_mean_var", "True"}});
  EXPECT_EQ(cols[1].shape(), (Shape{1, 4}));
  EXPECT_EQ(values(cols[1]), (std::vector<float>{5.5f, 11, 16.5f, 22}));
}

TEST(GroupNorm, OutputMeanVarIsPerSampleAndGroup) {
  // (1, 4, 2): groups {channels 0, 1} and {2, 3}; gamma and beta are per group (MXNet 1.x).
  NDArray x = array({1, 2, 3, 4, 5, 6, 7, 8}, Shape{1, 4, 2});
  auto out = call_all("GroupNorm", {x, array({2, 1}), array({0, 10})},
                      {{"num_groups", "2"}, {"output_mean_var", "True"}, {"eps", "0"}});
  ASSERT_EQ(out.size(), 3u);
  EXPECT_EQ(out[1].shape(), (Shape{1, 2}));
  EXPECT_EQ(values(out[1]), (std::vector<float>{2.5f, 6.5f}));
  auto sd = values(out[2]);
  EXPECT_NEAR(sd[0], std::sqrt(1.25f), 1e-6);
  auto y = values(out[0]);
  EXPECT_NEAR(y[0], 2 * (1 - 2.5f) / std::sqrt(1.25f), 1e-5);    // group 0: gamma 2, beta 0
  EXPECT_NEAR(y[7], (8 - 6.5f) / std::sqrt(1.25f) + 10, 1e-5);  // group 1: gamma 1, beta 10
  EXPECT_EQ(visible("GroupNorm"), 1);
  EXPECT_EQ(visible("GroupNorm", {{"output_mean_var", "True"}}), 3);
}

TEST(InstanceNorm, KeepsItsStatisticsHidden) {
  NDArray x = array({1, 2, 3, 4, 5, 6}, Shape{1, 2, 3});
  auto out = call_all("InstanceNorm", {x, array({1, 1}), array({0, 0})});
  EXPECT_EQ(visible("InstanceNorm"), 1);
  ASSERT_EQ(out.size(), 3u);
  EXPECT_EQ(out[2].shape(), (Shape{1, 2}));
  EXPECT_NEAR(values(out[2])[0], 2.0f / 3, 1e-6) << "the hidden statistic is the variance, without eps";
  auto y = values(out[0]);
  EXPECT_NEAR(y[0], -1 / std::sqrt(2.0f / 3 + 1e-3f), 1e-5);  // default eps 1e-3
}

TEST(NormBadInput, GammaOfTheWrongShape) {
  NDArray x = array(std::vector<float>(24, 1), Shape{2, 4, 3});
  EXPECT_ERROR(run("LayerNorm", {x, array({1, 1}), array({0, 0, 0})}), kShape, "LayerNorm: gamma must have shape (3,)");
  EXPECT_ERROR(run("LayerNorm", {x, array({1, 1, 1, 1}), array({0, 0})}, {{"axis", "1"}}), kShape,
               "LayerNorm: beta must have shape (4,)");
  // PyTorch's per-channel gamma is not MXNet 1.x's: one value per group.
  EXPECT_ERROR(run("GroupNorm", {x, array({1, 1, 1, 1}), array({0, 0})}, {{"num_groups", "2"}}), kShape,
               "GroupNorm: gamma must have shape (2,)");
  EXPECT_ERROR(run("InstanceNorm", {x, array({1, 1, 1}), array({0, 0, 0, 0})}), kShape,
               "InstanceNorm: gamma must have shape (4,)");
}

TEST(NormBadInput, AxesGroupsAndRanks) {
  NDArray x = array(std::vector<float>(24, 1), Shape{2, 4, 3});
  EXPECT_ERROR(run("LayerNorm", {x, array({1, 1, 1}), array({0, 0, 0})}, {{"axis", "3"}}), kIndex,
               "LayerNorm: axis 3 is out of range");
  EXPECT_ERROR(run("LayerNorm", {x, array({1, 1}), array({0, 0})}, {{"axis", "-4"}}), kIndex, "axis -4");
  EXPECT_ERROR(run("GroupNorm", {x, array({1, 1, 1}), array({0, 0, 0})}, {{"num_groups", "3"}}), kInvalidArgument,
               "GroupNorm: parameter 'num_groups' (3) must divide the number of channels");
  EXPECT_ERROR(run("GroupNorm", {x, array({1}), array({0})}, {{"num_groups", "0"}}), kInvalidArgument, "num_groups");
  NDArray flat = array({1, 2, 3, 4}, Shape{2, 2});
  EXPECT_ERROR(run("GroupNorm", {flat, array({1}), array({0})}), kShape, "GroupNorm: data must have at least 3");
  EXPECT_ERROR(run("InstanceNorm", {flat, array({1, 1}), array({0, 0})}), kShape, "InstanceNorm: data must have");
  EXPECT_ERROR(run("L2Normalization", {flat}, {{"mode", "channel"}}), kShape,
               "L2Normalization: data must have at least 3 dimensions in channel mode");
  EXPECT_ERROR(run("L2Normalization", {flat}, {{"mode", "spatial"}}), kShape, "in spatial mode");
  EXPECT_ERROR(run("L2Normalization", {flat}, {{"mode", "depth"}}), kInvalidArgument, "mode");
}

TEST(NormBadInput, LRNWindow) {
  NDArray x = array(std::vector<float>(24, 1), Shape{1, 4, 2, 3});
  // MXNet's channel pooling refuses an even window; 0 is even.
  EXPECT_ERROR(run("LRN", {x}, {{"nsize", "4"}}), kInvalidArgument,
               "LRN: parameter 'nsize' must be a positive odd number");
  EXPECT_ERROR(run("LRN", {x}, {{"nsize", "0"}}), kInvalidArgument, "got 0");
  EXPECT_ERROR(run("LRN", {x}, {{"nsize", "-3"}}), kInvalidArgument, "nsize");
  EXPECT_ERROR(run("LRN", {x}), kInvalidArgument, "required parameter 'nsize' is missing");
  EXPECT_ERROR(run("LRN", {x}, {{"nsize", "4611686018427387905"}}), kInvalidArgument, "below 2^31");
  EXPECT_ERROR(run("LRN", {array({1, 2, 3, 4}, Shape{1, 4, 1})}, {{"nsize", "3"}}), kShape,
               "LRN: data must be 4-dimensional");
  EXPECT_EQ(run("LRN", {x}, {{"nsize", "5"}}).code, ErrorCode::kOk) << "a window wider than the channels is clipped";
}

TEST(LRN, MatchesMXNetScaling) {
  // One position, channels 1, 2, 3 with nsize 3: channel 1 sums 1 + 4 + 9 = 14.
  NDArray x = array({1, 2, 3}, Shape{1, 3, 1, 1});
  auto y = values(call_all("LRN", {x}, {{"nsize", "3"}, {"alpha", "0.3"}, {"beta", "0.5"}, {"knorm", "1"}})[0]);
  EXPECT_NEAR(y[1], 2 / std::sqrt(1 + 0.3f / 3 * 14), 1e-6);
  EXPECT_NEAR(y[0], 1 / std::sqrt(1 + 0.3f / 3 * 5), 1e-6);
}

TEST(NormLayers, NegativeEpsAndMismatchedGradientsAreClearErrors) {
  NDArray x = array(std::vector<float>(12, 1.0f), Shape{3, 4}), g = array({1, 1, 1, 1}), b = array({0, 0, 0, 0});
  for (const char* op : {"LayerNorm", "InstanceNorm", "L2Normalization"}) {
    const bool affine = std::string(op) != "L2Normalization";
    NDArray d = std::string(op) == "InstanceNorm" ? array(std::vector<float>(24, 1.0f), Shape{2, 4, 3}) : x;
    SCOPED_TRACE(op);
    EXPECT_ERROR(run(op, affine ? std::vector<NDArray>{d, g, b} : std::vector<NDArray>{d}, {{"eps", "-0.1"}}),
                 kInvalidArgument, "eps");
  }
  // ograd (3, 5) against data (3, 4): the error names ograd and its shape.
  NDArray og = array(std::vector<float>(15, 1.0f), Shape{3, 5}), stat = array({0, 0, 0}, Shape{3, 1});
  EXPECT_ERROR(run("_backward_LayerNorm", {og, x, g, stat, stat}), kShape, "(3, 5)");
  EXPECT_ERROR(run("_backward_LayerNorm", {og, x, g, stat, stat}), kShape, "ograd");
}

}  // namespace
}  // namespace sn
