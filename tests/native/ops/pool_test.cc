// Pooling beyond the conformance harness: the hidden argmax, NaN, empty windows, bad input.
#include <gtest/gtest.h>

#include <cmath>
#include <limits>
#include <string>

#include "op_calls.h"
#include "test_arrays.h"

namespace sn {
namespace {

using testing::call;
using testing::call_all;
using testing::run;

TEST(Pooling, MaxKeepsItsArgmaxHiddenAndAverageHasNone) {
  NDArray x = testing::array({1, 5, 2, 0, 3, 4, 9, 9}, Shape{1, 1, 2, 4});
  InvokeFlags f;
  auto all = invoke(OpRegistry::get().at("Pooling").parse(std::vector<ParamKV>{{"kernel", "(2, 2)"}, {"stride", "(2, 2)"}}),
                    std::vector<NDArray>{x}, {}, f);
  const auto& op = OpRegistry::get().at("Pooling");
  ASSERT_EQ(all.size(), 2u);
  EXPECT_EQ(op.num_visible(op.parse(std::vector<ParamKV>{{"kernel", "(2, 2)"}})), 1);
  EXPECT_EQ(testing::values<float>(all[0]), (std::vector<float>{5, 9}));
  EXPECT_EQ(all[1].dtype(), DType::kInt32);
  EXPECT_EQ(testing::values<int32_t>(all[1]), (std::vector<int32_t>{1, 6})) << "the first maximum's offset in the plane";
  EXPECT_EQ(op.num_outputs(op.parse(std::vector<ParamKV>{{"kernel", "(2, 2)"}})), 2);
  EXPECT_EQ(op.num_outputs(op.parse(std::vector<ParamKV>{{"kernel", "(2, 2)"}, {"pool_type", "avg"}})), 1);
}

TEST(Pooling, MaxPropagatesNaN) {
  const float nan = std::numeric_limits<float>::quiet_NaN();
  NDArray x = testing::array({1, nan, 2, 7}, Shape{1, 1, 1, 4});
  auto y = testing::values<float>(call("Pooling", {x}, {{"kernel", "(1, 2)"}, {"stride", "(1, 2)"}}));
  EXPECT_TRUE(std::isnan(y[0]));
  EXPECT_EQ(y[1], 7);
  // Ties and all -inf: the first position wins, on the 2-d fast path and the general (3-d) loops alike.
  const float inf = std::numeric_limits<float>::infinity();
  for (const char* kernel : {"(1, 2)", "(1, 1, 2)"}) {
    const bool three = std::string(kernel) == "(1, 1, 2)";
    NDArray z = testing::array({-inf, -inf, 3, 3}, three ? Shape{1, 1, 1, 1, 4} : Shape{1, 1, 1, 4});
    auto out = testing::call_all("Pooling", {z}, {{"kernel", kernel}, {"stride", three ? "(1, 1, 2)" : "(1, 2)"}});
    EXPECT_EQ(testing::values<float>(out[0]), (std::vector<float>{-inf, 3})) << kernel;
    EXPECT_EQ(testing::values<int32_t>(out[1]), (std::vector<int32_t>{0, 2})) << kernel;
  }
}

TEST(Pooling, BadInputIsAClearError) {
  NDArray x = testing::array(std::vector<float>(2 * 3 * 4 * 4, 1.0f), Shape{2, 3, 4, 4});
  EXPECT_ERROR(run("Pooling", {x}, {}), kInvalidArgument, "kernel is required unless global_pool=True");
  EXPECT_ERROR(run("Pooling", {x}, {{"kernel", "(2,)"}}), kShape, "data must have 3 axes");
  EXPECT_ERROR(run("Pooling", {x}, {{"kernel", "(5, 5)"}}), kShape, "is larger than the padded data");
  EXPECT_ERROR(run("Pooling", {x}, {{"kernel", "(2, 2)"}, {"pool_type", "lp"}}), kInvalidArgument,
               "pool_type=lp needs p_value >= 1, got None");
  EXPECT_ERROR(run("Pooling", {x}, {{"kernel", "(2, 2)"}, {"pooling_convention", "same"}, {"pad", "(1, 1)"}}),
               kInvalidArgument, "same takes no pad");
  EXPECT_ERROR(run("Pooling", {x}, {{"kernel", "(2, 2)"}, {"pool_type", "median"}}), kInvalidArgument, "pool_type");
  EXPECT_ERROR(run("Pooling", {x}, {{"kernel", "(2, 2)"}, {"layout", "NHWC"}}), kInvalidArgument, "layout must be NCHW");
}

}  // namespace
}  // namespace sn
