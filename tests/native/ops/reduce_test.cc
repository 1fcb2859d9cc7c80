// Reductions and the softmax family: bad inputs give errors naming op, argument, expected and got; NaN
// semantics on every code path; gradients at zeros and ties; accuracy and splitting on large arrays.
#include <gtest/gtest.h>

#include <cmath>
#include <limits>

#include "autograd/autograd.h"
#include "core/error.h"
#include "ndarray/builtin.h"
#include "ops/imperative.h"
#include "op_calls.h"
#include "test_arrays.h"

namespace sn {
namespace {

using testing::call;
using testing::call_all;
using testing::run;

using testing::array;
using testing::values;

constexpr float kNaN = std::numeric_limits<float>::quiet_NaN();




NDArray filled(Shape s, DType t, double v) {
  NDArray a = NDArray::empty(s, t, Device::cpu());
  fill(a, v);
  return a;
}

TEST(ReduceErrors, AxisOutOfRangeNamesOpAxisAndRank) {
  const NDArray x = array({1, 2, 3, 4, 5, 6}, {2, 3});
  EXPECT_ERROR(run("max", {x}, {{"axis", "(2,)"}}), kIndex, "max: axis 2 is out of range for an input of 2");
  EXPECT_ERROR(run("min_axis", {x}, {{"axis", "(-3,)"}}), kIndex, "min: axis -3 is out of range");
  EXPECT_ERROR(run("prod", {x}, {{"axis", "(5,)"}}), kIndex, "expected -2 to 1");
  EXPECT_ERROR(run("norm", {x}, {{"axis", "(3,)"}}), kIndex, "norm: axis 3");
  EXPECT_ERROR(run("argmax", {x}, {{"axis", "2"}}), kIndex, "argmax: axis 2 is out of range");
  EXPECT_ERROR(run("argmin", {x}, {{"axis", "-3"}}), kIndex, "argmin: axis -3");
  EXPECT_ERROR(run("nansum", {x}, {{"axis", "(0, 9)"}}), kIndex, "nansum: axis 9");
}

TEST(ReduceErrors, BadParametersNameTheParameter) {
  const NDArray x = array({1, 2, 3});
  EXPECT_ERROR(run("norm", {x}, {{"ord", "3"}}), kInvalidArgument, "ord");
  EXPECT_ERROR(run("norm", {x}, {{"ord", "0"}}), kInvalidArgument, "ord");
  EXPECT_ERROR(run("argmax", {x}, {{"axis", "(0, 1)"}}), kInvalidArgument, "axis");
  EXPECT_ERROR(run("argmax", {x}, {{"exclude", "True"}}), kNotFound, "exclude");
  EXPECT_ERROR(run("max", {x}, {{"keepdims", "perhaps"}}), kInvalidArgument, "keepdims");
}

TEST(ReduceErrors, UnsupportedDtypesNameOpAndDtype) {
  EXPECT_ERROR(run("norm", {filled({3}, DType::kInt32, 1)}), kType, "norm");
  EXPECT_ERROR(run("nansum", {filled({3}, DType::kInt64, 1)}), kType, "nansum");
  EXPECT_ERROR(run("argmax", {filled({3}, DType::kBool, 1)}), kType, "argmax");
  EXPECT_ERROR(run("max", {filled({3}, DType::kBool, 1)}), kType, "max");
  EXPECT_ERROR(run("softmax", {filled({3}, DType::kInt32, 1)}), kType, "softmax");
}

TEST(ReduceErrors, IndexReductionsRefuseEmptyAxes) {
  EXPECT_ERROR(run("argmax", {filled({2, 0}, DType::kFloat32, 0)}, {{"axis", "1"}}), kShape,
               "argmax: cannot search an empty axis (data has shape (2, 0))");
  EXPECT_ERROR(run("argmin", {filled({0}, DType::kFloat32, 0)}), kShape, "argmin: cannot search an empty axis");
  // Nothing to search and nothing to write: an empty result.
  EXPECT_EQ(call("argmax", {filled({0, 3}, DType::kFloat32, 0)}, {{"axis", "1"}}).shape(), Shape({0}));
}

TEST(ReduceErrors, EmptyReductionsGiveTheIdentity) {
  const NDArray e = filled({2, 0}, DType::kFloat32, 0);
  EXPECT_EQ(values(call("sum", {e}, {{"axis", "(1,)"}})), std::vector<float>({0, 0}));
  EXPECT_EQ(values(call("prod", {e}, {{"axis", "(1,)"}})), std::vector<float>({1, 1}));
  EXPECT_EQ(values(call("max", {e}, {{"axis", "(1,)"}}))[0], -INFINITY);
  EXPECT_EQ(values(call("min", {e}, {{"axis", "(1,)"}}))[1], INFINITY);
}

TEST(SoftmaxErrors, BadAxisTemperatureDtypeAndLength) {
  const NDArray x = array({1, 2, 3, 4, 5, 6}, {2, 3});
  EXPECT_ERROR(run("softmax", {x}, {{"axis", "2"}}), kIndex, "softmax: axis 2 is out of range for an input of 2 dimension(s) (expected -2 to 1)");
  EXPECT_ERROR(run("log_softmax", {x}, {{"axis", "-3"}}), kIndex, "log_softmax: axis -3");
  EXPECT_ERROR(run("softmin", {x}, {{"temperature", "0"}}), kInvalidArgument,
               "softmin: temperature must be finite and non-zero, got 0");
  EXPECT_ERROR(run("softmax", {x}, {{"dtype", "int32"}}), kType, "softmax: dtype must be float16, float32 or float64");
  // use_length=True takes the length input; a length of the wrong shape names it.
  EXPECT_ERROR(run("softmax", {x}, {{"use_length", "True"}}), kInvalidArgument,
               "input 1 (length) is there when use_length=True");
  EXPECT_ERROR(run("softmax", {x, x}, {{"use_length", "True"}}), kShape, "length");
  EXPECT_ERROR(run("softmax", {x, x}), kInvalidArgument, "expected 1 input(s) (data), got 2");
  EXPECT_ERROR(run("_backward_softmax", {x, array({1, 2, 3})}), kShape, "_backward_softmax");
}

// --- NaN semantics: max/min NaN wherever a NaN is, on each path ---------------------------------------------------

// A (rows x cols) float32 array of 1..n with a NaN at `at`.
NDArray with_nan(int64_t rows, int64_t cols, int64_t at) {
  std::vector<float> v(static_cast<size_t>(rows * cols));
  for (size_t i = 0; i < v.size(); ++i) v[i] = static_cast<float>(i % 97) - 40;
  v[static_cast<size_t>(at)] = kNaN;
  return array(v, {rows, cols});
}

TEST(ReduceNaN, MaxMinPropagateOnEveryPath) {
  for (const char* op : {"max", "min"}) {
    SCOPED_TRACE(op);
    // Contiguous rows (last axis), inner columns (first axis), the general path (axes 0 and 2), full reductions
    // small and large (split over threads), keepdims.
    const NDArray x = with_nan(6, 50, 2 * 50 + 7);
    auto rows = values(call(op, {x}, {{"axis", "(1,)"}}));
    for (size_t r = 0; r < rows.size(); ++r) EXPECT_EQ(std::isnan(rows[r]), r == 2) << "row " << r;
    auto cols = values(call(op, {x}, {{"axis", "(0,)"}}));
    for (size_t c = 0; c < cols.size(); ++c) EXPECT_EQ(std::isnan(cols[c]), c == 7) << "column " << c;
    const NDArray x3 = call("Reshape", {x}, {{"shape", "(3, 2, 50)"}});
    auto general = values(call(op, {x3}, {{"axis", "(0, 2)"}}));
    EXPECT_TRUE(std::isnan(general[0]));
    EXPECT_FALSE(std::isnan(general[1]));
    EXPECT_TRUE(std::isnan(values(call(op, {x}))[0]));
    EXPECT_TRUE(std::isnan(values(call(op, {x}, {{"keepdims", "True"}}))[0]));
    for (int64_t at : {int64_t{0}, int64_t{1} << 20, (int64_t{1} << 21) - 1}) {
      const NDArray big = with_nan(1, int64_t{1} << 21, at);
      EXPECT_TRUE(std::isnan(values(call(op, {big}))[0])) << "NaN at " << at;
      EXPECT_TRUE(std::isnan(values(call(op, {call("Reshape", {big}, {{"shape", "(-1, 4)"}})}, {{"axis", "(0,)"}}))
                                 [static_cast<size_t>(at % 4)]))
          << "NaN at " << at << " (columns)";
    }
    // float16 and float64 too.
    for (DType t : {DType::kFloat16, DType::kFloat64}) {
      NDArray h = NDArray::empty({2, 3}, t, Device::cpu());
      const double src[] = {1, NAN, 3, 4, 5, 6};
      copy_from_host(h, src, DType::kFloat64, 0, 6);
      auto r = values(call(op, {h}, {{"axis", "(1,)"}}));
      EXPECT_TRUE(std::isnan(r[0]));
      EXPECT_FALSE(std::isnan(r[1]));
    }
  }
}

TEST(ReduceNaN, ArgmaxArgminTakeTheFirstNaN) {
  for (const char* op : {"argmax", "argmin"}) {
    SCOPED_TRACE(op);
    const NDArray x = array({1, kNaN, 9, kNaN, -9, 2, 3, 4}, {2, 4});
    EXPECT_EQ(values(call(op, {x})), std::vector<float>({1}));
    const bool is_max = std::string(op) == "argmax";
    EXPECT_EQ(values(call(op, {x}, {{"axis", "1"}})), std::vector<float>({1, is_max ? 3.0f : 0.0f}));
    EXPECT_EQ(values(call(op, {x}, {{"axis", "0"}})), is_max ? std::vector<float>({0, 0, 0, 0})
                                                              : std::vector<float>({1, 0, 1, 0}));
    // Large: the first NaN wins over a later one across the parts the search is split into.
    std::vector<float> v(1 << 20, 0.0f);
    v[5000] = 100;
    v[300000] = kNaN;
    v[900000] = kNaN;
    EXPECT_EQ(values(call(op, {array(v)})), std::vector<float>({300000}));
  }
}

TEST(ReduceNaN, TiesGoToTheFirst) {
  const NDArray x = array({2, 5, 5, 1, 1, 0}, {2, 3});
  EXPECT_EQ(values(call("argmax", {x}, {{"axis", "1"}})), std::vector<float>({1, 0}));
  EXPECT_EQ(values(call("argmin", {x}, {{"axis", "1"}})), std::vector<float>({0, 2}));
  EXPECT_EQ(values(call("argmax_channel", {x})), std::vector<float>({1, 0}));
  NDArray k = call("argmax", {x}, {{"axis", "0"}, {"keepdims", "True"}});
  EXPECT_EQ(k.shape(), Shape({1, 3}));
  EXPECT_EQ(k.dtype(), DType::kFloat32);
  EXPECT_EQ(call("argmax", {x}, {{"keepdims", "True"}}).shape(), Shape({1, 1}));
}

TEST(ReduceNaN, NanSumAndNanProdSkipNaN) {
  const NDArray x = array({kNaN, 2, 3, kNaN, kNaN, kNaN}, {2, 3});
  EXPECT_EQ(values(call("nansum", {x}, {{"axis", "(1,)"}})), std::vector<float>({5, 0}));
  EXPECT_EQ(values(call("nanprod", {x}, {{"axis", "(1,)"}})), std::vector<float>({6, 1}));
  EXPECT_EQ(values(call("nansum", {x})), std::vector<float>({5}));
  // sum and prod propagate it.
  EXPECT_TRUE(std::isnan(values(call("sum", {x}))[0]));
  EXPECT_TRUE(std::isnan(values(call("prod", {x}))[0]));
}

TEST(SoftmaxNaN, NaNAndInfinityStayInTheirLine) {
  const NDArray x = array({1, kNaN, 3, 1, 2, 3, 1, INFINITY, 3}, {3, 3});
  auto y = values(call("softmax", {x}));
  for (int i = 0; i < 3; ++i) EXPECT_TRUE(std::isnan(y[static_cast<size_t>(i)]));
  EXPECT_NEAR(y[3] + y[4] + y[5], 1.0f, 1e-6f);
  EXPECT_TRUE(std::isnan(y[6]) || y[7] == 1.0f);  // inf - inf: NaN, as plain arithmetic gives
  auto c = values(call("softmax", {x}, {{"axis", "0"}}));
  EXPECT_TRUE(std::isnan(c[1]) && std::isnan(c[4]) && std::isnan(c[7]));
  EXPECT_NEAR(c[0] + c[3] + c[6], 1.0f, 1e-6f);
}

// --- gradients -------------------------------------------------------------------------------------------------

std::vector<float> gradient(const char* op, const NDArray& x0, std::vector<ParamKV> params = {},
                            const NDArray& head = NDArray()) {
  NDArray x = call("_copy", {x0});
  attach_grad(x, GradReq::kWrite);
  InvokeFlags rec;
  rec.recording = true;
  std::vector<NDArray> out = invoke(OpRegistry::get().at(op).parse(params), std::vector<NDArray>{x}, {}, rec);
  std::vector<NDArray> heads;
  if (!head.is_none()) heads.push_back(head);
  return values(grad(std::vector<NDArray>{out[0]}, heads, std::vector<NDArray>{x}, BackwardOptions{})[0]);
}

TEST(ReduceGradient, ProdIsExactWithZeros) {
  // Rows: no zero, one zero, two zeros.
  const NDArray x = array({2, 3, 4, 2, 0, 5, 0, 3, 0}, {3, 3});
  auto g = gradient("prod", x, {{"axis", "(1,)"}}, array({1, 1, 2}));
  const std::vector<float> want = {12, 8, 6, 0, 10, 0, 0, 0, 0};
  EXPECT_EQ(g, want);
  // A full reduction with one zero.
  EXPECT_EQ(gradient("prod", array({3, 0, -2})), std::vector<float>({0, -6, 0}));
}

TEST(ReduceGradient, NanProdAndNanSumGiveNaNNoGradient) {
  const NDArray x = array({2, kNaN, 4, 0}, {1, 4});
  EXPECT_EQ(gradient("nansum", x), std::vector<float>({1, 0, 1, 1}));
  EXPECT_EQ(gradient("nanprod", x), std::vector<float>({0, 0, 0, 8}));
  EXPECT_EQ(gradient("nanprod", array({2, kNaN, 4})), std::vector<float>({4, 0, 2}));
}

TEST(ReduceGradient, MaxMinRouteToEveryTie) {
  const NDArray x = array({1, 5, 5, 2, 0, 0}, {2, 3});
  EXPECT_EQ(gradient("max", x, {{"axis", "(1,)"}}), std::vector<float>({0, 1, 1, 1, 0, 0}));
  EXPECT_EQ(gradient("min", x, {{"axis", "(1,)"}}), std::vector<float>({1, 0, 0, 0, 1, 1}));
  EXPECT_EQ(gradient("max", x), std::vector<float>({0, 1, 1, 0, 0, 0}));
}

TEST(ReduceGradient, NormAndIndexReductions) {
  auto g2 = gradient("norm", array({3, 4}));
  EXPECT_NEAR(g2[0], 0.6f, 1e-6f);
  EXPECT_NEAR(g2[1], 0.8f, 1e-6f);
  EXPECT_EQ(gradient("norm", array({-3, 0, 4}), {{"ord", "1"}}), std::vector<float>({-1, 0, 1}));
  for (const char* op : {"argmax", "argmin", "argmax_channel"}) EXPECT_TRUE(OpRegistry::get().at(op).zero_gradient) << op;
}

// --- large arrays: accuracy and the split paths -------------------------------------------------------------------

TEST(ReduceLarge, SumOf16MFloatsIsAccurate) {
  const int64_t n = int64_t{1} << 24;
  NDArray x = filled({n}, DType::kFloat32, 0.1);
  const double want = static_cast<double>(0.1f) * static_cast<double>(n);
  EXPECT_NEAR(values(call("sum", {x}))[0], want, want * 1e-6);
  EXPECT_NEAR(values(call("mean", {x}))[0], 0.1f, 1e-7);
  const NDArray rows = call("Reshape", {x}, {{"shape", "(16, -1)"}});
  for (float v : values(call("sum", {rows}, {{"axis", "(1,)"}}))) EXPECT_NEAR(v, want / 16, want / 16 * 1e-6);
  const NDArray cols = call("Reshape", {x}, {{"shape", "(-1, 16)"}});
  for (float v : values(call("sum", {cols}, {{"axis", "(0,)"}}))) EXPECT_NEAR(v, want / 16, want / 16 * 1e-6);
  EXPECT_NEAR(values(call("norm", {x}))[0], std::sqrt(static_cast<double>(n)) * 0.1, 1e-2);
}

TEST(ReduceLarge, MaxAndArgmaxFindTheOneLargeElement) {
  std::vector<float> v(static_cast<size_t>(1) << 22, 1.0f);
  v[3'000'001] = 7;
  const NDArray x = array(v);
  EXPECT_EQ(values(call("max", {x})), std::vector<float>({7}));
  EXPECT_EQ(values(call("argmax", {x})), std::vector<float>({3'000'001}));
  EXPECT_EQ(values(call("argmin", {x})), std::vector<float>({0}));
  const NDArray cols = call("Reshape", {x}, {{"shape", "(-1, 8)"}});
  auto idx = values(call("argmax", {cols}, {{"axis", "0"}}));
  EXPECT_EQ(idx[3'000'001 % 8], static_cast<float>(3'000'001 / 8));
}

TEST(SoftmaxDtype, OutputInTheRequestedDtype) {
  NDArray h = NDArray::empty({2, 3}, DType::kFloat16, Device::cpu());
  const double src[] = {1, 2, 3, 0, 0, 0};
  copy_from_host(h, src, DType::kFloat64, 0, 6);
  NDArray y = call("softmax", {h}, {{"dtype", "float32"}});
  EXPECT_EQ(y.dtype(), DType::kFloat32);
  auto v = values(y);
  const double z = std::exp(1.0) + std::exp(2.0) + std::exp(3.0);
  EXPECT_NEAR(v[0], std::exp(1.0) / z, 1e-6);
  EXPECT_NEAR(v[2], std::exp(3.0) / z, 1e-6);
  EXPECT_NEAR(v[4], 1.0 / 3, 1e-6);
  NDArray l = call("log_softmax", {h}, {{"dtype", "float64"}});
  EXPECT_EQ(l.dtype(), DType::kFloat64);
  EXPECT_NEAR(values<double>(l)[2], 3 - std::log(z), 1e-12);
}

}  // namespace
}  // namespace sn
