// ARCHITECTURE.md "Semantics" (Note [Legacy semantics]): dtype rules and NaN
// propagation, the same on every code path — tiny arrays run on the pushing
// thread, large ones split across threads, and each reduction/sort has
// contiguous and strided paths.
#include <gtest/gtest.h>

#include <cmath>
#include <limits>

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

constexpr float kNaN = std::numeric_limits<float>::quiet_NaN();

NDArray typed(const std::vector<double>& v, DType t, Shape s = {}) {
  if (s.ndim() == 0) s = Shape({static_cast<int64_t>(v.size())});
  NDArray a = NDArray::empty(s, t, Device::cpu());
  copy_from_host(a, v.data(), DType::kFloat64, 0, a.size());
  return a;
}

TEST(Semantics, BinaryOpsNeedEqualDtypes) {
  try {
    call("broadcast_add", {typed({1}, DType::kFloat32), typed({1}, DType::kFloat64)}).wait_to_read();
    FAIL() << "mixed dtypes were accepted";
  } catch (const Error& e) {
    EXPECT_EQ(e.code(), ErrorCode::kType);
    EXPECT_NE(std::string(e.what()).find("broadcast_add"), std::string::npos) << e.what();
  }
}

TEST(Semantics, ScalarTakesTheArrayDtype) {
  // 2.7 becomes 2 in int32 (truncation), and saturates in uint8.
  auto r = testing::values<double>(call("_plus_scalar", {typed({1, -5}, DType::kInt32)}, {{"scalar", "2.7"}}));
  EXPECT_EQ(r, (std::vector<double>{3, -3}));
  auto u = testing::values<double>(call("_maximum_scalar", {typed({3, 250}, DType::kUInt8)}, {{"scalar", "-4"}}));
  EXPECT_EQ(u, (std::vector<double>{3, 250}));  // -4 saturates to 0, not 252
}

TEST(Semantics, ComparisonsAndArgmaxDtypes) {
  NDArray c = call("broadcast_greater", {typed({1, 5}, DType::kInt32), typed({2, 2}, DType::kInt32)});
  EXPECT_EQ(c.dtype(), DType::kInt32);
  EXPECT_EQ(testing::values<double>(c), (std::vector<double>{0, 1}));
  for (DType t : {DType::kInt32, DType::kFloat64, DType::kFloat16}) {
    NDArray m = call("argmax", {typed({1, 7, 3}, t)}, {{"axis", "0"}});
    EXPECT_EQ(m.dtype(), DType::kFloat32) << dtype_name(t);
    EXPECT_EQ(testing::values<double>(m), (std::vector<double>{1}));
  }
}

TEST(Semantics, IntegerDivisionTruncatesAndFullReductionsAreShapeOne) {
  EXPECT_EQ(testing::values<double>(call("elemwise_div", {typed({-7, 7}, DType::kInt32), typed({2, -2}, DType::kInt32)})),
            (std::vector<double>{-3, -3}));
  NDArray s = call("sum", {typed({1, 2, 3, 4}, DType::kFloat32, Shape{2, 2})});
  EXPECT_EQ(s.shape(), Shape({1}));
  NDArray mx = call("max", {typed({1, 2, 3, 4}, DType::kFloat32, Shape{2, 2})});
  EXPECT_EQ(mx.shape(), Shape({1}));
}

// NaN at a few positions of an n-element array (the rest ascending values).
NDArray with_nans(int64_t n, std::vector<int64_t> at, Shape s = {}) {
  std::vector<float> v(static_cast<size_t>(n));
  for (int64_t i = 0; i < n; ++i) v[static_cast<size_t>(i)] = static_cast<float>(i % 1000) - 500.0f;
  for (int64_t i : at) v[static_cast<size_t>(i)] = kNaN;
  return testing::array(v, s.ndim() == 0 ? Shape({n}) : s);
}

class NaNPaths : public ::testing::TestWithParam<int64_t> {};

TEST_P(NaNPaths, PropagatesTheSameWay) {
  const int64_t n = GetParam();
  const int64_t k = n / 2 + 1;  // in the second thread's half on the parallel path
  NDArray x = with_nans(n, {k});
  // Elementwise: NaN stays where it was, nowhere else.
  for (const char* op : {"relu", "abs", "sign", "round"}) {
    auto v = testing::values(call(op, {x}));
    EXPECT_TRUE(std::isnan(v[static_cast<size_t>(k)])) << op;
    EXPECT_FALSE(std::isnan(v[0])) << op;
  }
  auto c = testing::values(call("clip", {x}, {{"a_min", "-1"}, {"a_max", "1"}}));
  EXPECT_TRUE(std::isnan(c[static_cast<size_t>(k)]));
  NDArray zero = call("zeros_like", {x});
  for (const char* op : {"broadcast_maximum", "broadcast_minimum", "_maximum"}) {
    auto v = testing::values(call(op, {x, zero}));
    EXPECT_TRUE(std::isnan(v[static_cast<size_t>(k)])) << op;
    auto w = testing::values(call(op, {zero, x}));
    EXPECT_TRUE(std::isnan(w[static_cast<size_t>(k)])) << op << " (NaN on the right)";
  }
  // Reductions: max/min give NaN; argmax/argmin point at the first NaN.
  for (const char* op : {"max", "min", "sum", "prod"}) EXPECT_TRUE(std::isnan(testing::values(call(op, {x}))[0])) << op;
  NDArray two = with_nans(n, {k, n - 1});
  EXPECT_EQ(testing::values(call("argmax", {two}, {{"axis", "0"}}))[0], static_cast<float>(k));
  EXPECT_EQ(testing::values(call("argmin", {two}, {{"axis", "0"}}))[0], static_cast<float>(k));
  // Along a strided (non-last) axis as well.
  if (n % 2 == 0) {
    NDArray m = with_nans(n, {k}, Shape{2, n / 2});
    auto cols = testing::values(call("max", {m}, {{"axis", "0"}}));
    EXPECT_TRUE(std::isnan(cols[static_cast<size_t>(k - n / 2)]));
    EXPECT_EQ(std::count_if(cols.begin(), cols.end(), [](float f) { return std::isnan(f); }), 1);
  }
  // Sorting: NaN sorts last ascending, first descending; topk picks it as the largest.
  auto up = testing::values(call("sort", {x}));
  EXPECT_TRUE(std::isnan(up.back()));
  EXPECT_FALSE(std::isnan(up.front()));
  auto down = testing::values(call("sort", {x}, {{"is_ascend", "False"}}));
  EXPECT_TRUE(std::isnan(down.front()));
  EXPECT_EQ(testing::values(call("topk", {x}, {{"k", "1"}}))[0], static_cast<float>(k));
}

// 10 elements: inline on the pushing thread, serial loops; 200k: parallel_for across threads.
INSTANTIATE_TEST_SUITE_P(Sizes, NaNPaths, ::testing::Values(int64_t{10}, int64_t{200000}));

}  // namespace
}  // namespace sn
