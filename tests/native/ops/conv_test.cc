// Convolution and Deconvolution beyond the conformance harness: the seed example, agreement of the oneDNN and float64 paths on
// a benchmark-like shape, and bad input.
#include <gtest/gtest.h>

#include <cmath>
#include <numeric>

#include "op_calls.h"
#include "test_arrays.h"

namespace sn {
namespace {

using testing::call;
using testing::run;

TEST(Convolution, SeedExample) {
  // arange(0, 28) as (1, 1, 4, 7), an all-ones (10, 1, 3, 3) weight and zero bias.
  std::vector<float> x(28);
  std::iota(x.begin(), x.end(), 0.0f);
  NDArray y = call("Convolution",
                   {testing::array(x, Shape{1, 1, 4, 7}), testing::array(std::vector<float>(90, 1.0f), Shape{10, 1, 3, 3}),
                    testing::array(std::vector<float>(10, 0.0f), Shape{10})},
                   {{"kernel", "(3, 3)"}, {"num_filter", "10"}});
  ASSERT_EQ(y.shape(), (Shape{1, 10, 2, 5}));
  const std::vector<float> plane{72, 81, 90, 99, 108, 135, 144, 153, 162, 171};
  const auto v = testing::values<float>(y);
  for (int c = 0; c < 10; ++c)
    EXPECT_EQ(std::vector<float>(v.begin() + c * 10, v.begin() + c * 10 + 10), plane) << "channel " << c;
}

// oneDNN (float32, blocked layouts chosen by the primitive) against the float64 loops on a shape large enough
// for oneDNN's optimised kernels, forward and backward.
TEST(Convolution, OneDnnAgreesWithFloat64Loops) {
  const Shape xs{4, 16, 12, 12}, ws{32, 16, 3, 3};
  std::vector<float> x(static_cast<size_t>(xs.size())), w(static_cast<size_t>(ws.size())), b(32), dy(4 * 32 * 6 * 6);
  for (size_t i = 0; i < x.size(); ++i) x[i] = static_cast<float>(std::sin(0.37 * static_cast<double>(i)));
  for (size_t i = 0; i < w.size(); ++i) w[i] = static_cast<float>(std::cos(0.11 * static_cast<double>(i)));
  for (size_t i = 0; i < b.size(); ++i) b[i] = 0.1f * static_cast<float>(i);
  for (size_t i = 0; i < dy.size(); ++i) dy[i] = static_cast<float>(std::sin(0.05 * static_cast<double>(i)));
  const std::vector<ParamKV> p{{"kernel", "(3, 3)"}, {"num_filter", "32"}, {"stride", "(2, 2)"}, {"pad", "(1, 1)"}};
  auto as = [](const std::vector<float>& v, const Shape& s, DType t) {
    return call("Cast", {testing::array(v, s)}, {{"dtype", dtype_name(t)}});
  };
  std::vector<std::vector<double>> results[2];
  int k = 0;
  for (DType t : {DType::kFloat32, DType::kFloat64}) {
    NDArray y = call("Convolution", {as(x, xs, t), as(w, ws, t), as(b, Shape{32}, t)}, p);
    auto grads = testing::call_all("_backward_Convolution", {as(dy, y.shape(), t), as(x, xs, t), as(w, ws, t)}, p);
    for (const NDArray& a : {y, grads[0], grads[1], grads[2]})
      results[k].push_back(testing::values<double>(call("Cast", {a}, {{"dtype", "float64"}})));
    ++k;
  }
  const char* what[] = {"output", "data gradient", "weight gradient", "bias gradient"};
  for (size_t r = 0; r < 4; ++r) {
    ASSERT_EQ(results[0][r].size(), results[1][r].size());
    for (size_t i = 0; i < results[0][r].size(); ++i)
      ASSERT_NEAR(results[0][r][i], results[1][r][i], 1e-4 * std::max(1.0, std::abs(results[1][r][i])))
          << what[r] << " at " << i;
  }
}

TEST(Convolution, BadInputIsAClearError) {
  NDArray x = testing::array(std::vector<float>(2 * 4 * 5 * 5, 1.0f), Shape{2, 4, 5, 5});
  NDArray w = testing::array(std::vector<float>(6 * 4 * 3 * 3, 1.0f), Shape{6, 4, 3, 3});
  NDArray b = testing::array(std::vector<float>(6, 0.0f), Shape{6});
  EXPECT_ERROR(run("Convolution", {x, w, b}, {{"kernel", "(3,)"}, {"num_filter", "6"}}), kShape,
               "data must have 3 axes");
  EXPECT_ERROR(run("Convolution", {x, w, b}, {{"kernel", "(3, 3)"}, {"num_filter", "6"}, {"num_group", "3"}}),
               kShape, "4 channels must divide into num_group=3");
  EXPECT_ERROR(run("Convolution", {x, w, b}, {{"kernel", "(7, 7)"}, {"num_filter", "6"}}), kShape,
               "the kernel spans 7 along spatial axis 0");
  EXPECT_ERROR(run("Convolution", {x, w, b}, {{"kernel", "(3, 3)"}, {"num_filter", "6"}, {"stride", "(1, 1, 1)"}}),
               kInvalidArgument, "stride must be empty or have 2 items");
  EXPECT_ERROR(run("Convolution", {x, w, b}, {{"kernel", "(3, 3)"}, {"num_filter", "6"}, {"stride", "(0, 1)"}}),
               kInvalidArgument, "stride items must be >= 1");
  EXPECT_ERROR(run("Convolution", {x, w, b}, {{"kernel", "(3, 3)"}, {"num_filter", "6"},
                                              {"dilate", "(4611686018427387904, 1)"}}),
               kInvalidArgument, "dilate items must be >= 1 and fit in 32 bits");
  EXPECT_ERROR(run("Pooling", {x}, {{"kernel", "(2, 2)"}, {"pad", "(4611686018427387904, 0)"}}), kInvalidArgument,
               "pad items must be >= 0 and fit in 32 bits");
  EXPECT_ERROR(run("Convolution", {x, w, b}, {{"kernel", "(3, 3)"}, {"num_filter", "6"}, {"layout", "NHWC"}}),
               kInvalidArgument, "layout must be NCHW");
  EXPECT_ERROR(run("Convolution", {x, w, b}, {{"kernel", "(3, 3)"}, {"num_filter", "5"}}), kShape, "weight");
  EXPECT_ERROR(run("Convolution", {x, w}, {{"kernel", "(3, 3)"}, {"num_filter", "6"}}), kInvalidArgument, "Convolution");
}

TEST(Deconvolution, OutputShapesAndBadInput) {
  NDArray x = testing::array(std::vector<float>(1 * 2 * 3 * 3, 1.0f), Shape{1, 2, 3, 3});
  NDArray w = testing::array(std::vector<float>(2 * 4 * 4 * 4, 1.0f), Shape{2, 4, 4, 4});
  // stride (in - 1) + kernel - 2 pad + adj; target_shape picks pad and adj.
  NDArray a = call("Deconvolution", {x, w}, {{"kernel", "(4, 4)"}, {"num_filter", "4"}, {"stride", "(2, 2)"},
                                             {"pad", "(1, 1)"}, {"adj", "(1, 0)"}});
  NDArray b = call("Deconvolution", {x, w}, {{"kernel", "(4, 4)"}, {"num_filter", "4"}, {"stride", "(2, 2)"},
                                             {"target_shape", "(5, 7)"}});
  a.wait_to_read();
  b.wait_to_read();
  EXPECT_EQ(a.shape(), (Shape{1, 4, 7, 6}));
  EXPECT_EQ(b.shape(), (Shape{1, 4, 5, 7}));
  EXPECT_ERROR(run("Deconvolution", {x, w}, {{"kernel", "(4, 4)"}, {"num_filter", "4"}, {"stride", "(2, 2)"},
                                              {"adj", "(2, 0)"}}),
               kInvalidArgument, "must be >= 0 and smaller than stride");
  EXPECT_ERROR(run("Deconvolution", {x, w}, {{"kernel", "(4, 4)"}, {"num_filter", "4"}, {"target_shape", "(9, 9)"}}),
               kInvalidArgument, "target_shape (9, 9) must be between 1 and 6");
  EXPECT_ERROR(run("Deconvolution", {x, w}, {{"kernel", "(4, 4)"}, {"num_filter", "3"}}), kShape, "weight");
}

TEST(UpSampling, BadInputIsAClearError) {
  NDArray x = testing::array(std::vector<float>(12, 1.0f), Shape{1, 3, 2, 2});
  NDArray odd = testing::array(std::vector<float>(9, 1.0f), Shape{1, 1, 3, 3});
  NDArray w = testing::array(std::vector<float>(48, 1.0f), Shape{3, 1, 4, 4});
  EXPECT_ERROR(run("UpSampling", {x, odd}, {{"scale", "2"}, {"sample_type", "nearest"}, {"num_args", "2"}}), kShape,
               "input 1 must be NCHW with batch 1 and a size that one integer factor scales to the output's (4, 4)");
  EXPECT_ERROR(run("UpSampling", {x, w}, {{"scale", "2"}, {"sample_type", "bilinear"}, {"num_args", "2"},
                                          {"num_filter", "2"}}),
               kInvalidArgument, "num_filter equal to the data's 3 channels");
  EXPECT_ERROR(run("UpSampling", {x}, {{"scale", "2"}, {"sample_type", "bilinear"}, {"num_args", "1"}}),
               kInvalidArgument, "bilinear takes 2 inputs");
  EXPECT_ERROR(run("UpSampling", {x, w}, {{"scale", "4611686018427387904"}, {"sample_type", "bilinear"},
                                          {"num_args", "2"}, {"num_filter", "3"}}),
               kInvalidArgument, "scale");
  EXPECT_ERROR(run("UpSampling", {testing::array({1, 2, 3}, Shape{3})}, {{"scale", "2"}, {"sample_type", "nearest"},
                                                                      {"num_args", "1"}}),
               kShape, "inputs must be NCHW");
}

}  // namespace
}  // namespace sn
