// Indexing and ordering ops: bad inputs give clear errors (naming the op, the argument, expected and got),
// never out-of-bounds accesses; and the semantics the conformance references cannot pin down alone
// (index modes, truncation, NaN order, stable ties, duplicate tuples, gradients at the selected positions).
#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <numeric>
#include <random>

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

constexpr float kNaN = NAN;




NDArray typed(const std::vector<float>& v, Shape s, DType t) {
  NDArray a = NDArray::empty(s, t, Device::cpu());
  copy_from_host(a, v.data(), DType::kFloat32, 0, a.size());
  return a;
}

// Whether two float vectors are equal, NaN matching NaN.
bool same(const std::vector<float>& a, const std::vector<float>& b) {
  if (a.size() != b.size()) return false;
  for (size_t i = 0; i < a.size(); ++i)
    if (!(a[i] == b[i] || (std::isnan(a[i]) && std::isnan(b[i])))) return false;
  return true;
}

// --- take ---

TEST(Take, ModesClipWrapRaise) {
  NDArray a = array({10, 11, 12, 13, 14});
  NDArray idx = array({-7, -1, 0, 4, 5, 9});
  EXPECT_EQ(values(call_all("take", {a, idx})[0]), (std::vector<float>{10, 10, 10, 14, 14, 14}));
  EXPECT_EQ(values(call_all("take", {a, idx}, {{"mode", "wrap"}})[0]), (std::vector<float>{13, 14, 10, 14, 10, 14}));
  EXPECT_EQ(values(call_all("take", {a, array({-5, -1, 3})}, {{"mode", "raise"}})[0]), (std::vector<float>{10, 14, 13}));
}

TEST(Take, RaiseReportsTheIndexInsteadOfReadingOutOfBounds) {
  NDArray a = array({1, 2, 3, 4, 5, 6}, {2, 3});
  EXPECT_ERROR(run("take", {a, array({0, 2})}, {{"mode", "raise"}}), kIndex,
               "take: index 2 is out of range for the axis of size 2 (mode 'raise' expects -2 to 1)");
  EXPECT_ERROR(run("take", {a, array({-4})}, {{"axis", "1"}, {"mode", "raise"}}), kIndex, "index -4 is out of range");
  EXPECT_ERROR(run("take", {a, array({kNaN})}, {{"mode", "raise"}}), kIndex, "take: index");
  // Huge values saturate instead of overflowing, then clip.
  EXPECT_EQ(values(call_all("take", {a, array({1e30f})})[0]), (std::vector<float>{4, 5, 6}));
}

TEST(Take, FloatIndicesTruncateAndAnyIndexDTypeWorks) {
  NDArray a = array({1, 2, 3, 4, 5, 6}, {3, 2});
  EXPECT_EQ(values(call_all("take", {a, array({1.9f, -0.5f})})[0]), (std::vector<float>{3, 4, 1, 2}));
  EXPECT_EQ(values(call_all("take", {a, typed({2, 0}, {2}, DType::kInt64)})[0]), (std::vector<float>{5, 6, 1, 2}));
  EXPECT_EQ(values(call_all("take", {a, typed({1}, {1}, DType::kUInt8)}, {{"axis", "-1"}})[0]),
            (std::vector<float>{2, 4, 6}));
  EXPECT_EQ(call_all("take", {a, array({0, 1, 2, 0}, {2, 2})})[0].shape(), Shape({2, 2, 2}));
}

TEST(Take, BadArguments) {
  NDArray a = array({1, 2, 3, 4, 5, 6}, {2, 3});
  EXPECT_ERROR(run("take", {a, array({0})}, {{"axis", "2"}}), kIndex,
               "take: axis 2 is out of range for an input of 2 dimension(s) (expected -2 to 1)");
  EXPECT_ERROR(run("take", {a, array({0})}, {{"mode", "nearest"}}), kInvalidArgument, "mode");
  EXPECT_ERROR(run("take", {a}), kInvalidArgument, "take: expected 2 input(s) (a, indices), got 1");
}

TEST(Take, GradientAddsRepeatedIndices) {
  NDArray a = array({1, 2, 3, 4, 5, 6}, {3, 2});
  attach_grad(a, GradReq::kWrite);
  InvokeFlags rec;
  rec.recording = true;
  NDArray out = invoke(OpRegistry::get().at("take").parse(std::vector<ParamKV>{}),
                       std::vector<NDArray>{a, array({2, 2, 0, 7})}, {}, rec)[0];
  std::vector<NDArray> g = grad(std::vector<NDArray>{out}, std::vector<NDArray>{array({1, 1, 1, 1, 1, 1, 1, 1}, {4, 2})},
                                std::vector<NDArray>{a}, BackwardOptions{});
  EXPECT_EQ(values(g[0]), (std::vector<float>{1, 1, 0, 0, 3, 3}));  // index 7 clips to 2
}

// --- pick ---

TEST(Pick, ModesAndShapes) {
  NDArray x = array({1, 2, 3, 4, 5, 6}, {2, 3});
  EXPECT_EQ(values(call_all("pick", {x, array({5, -1})})[0]), (std::vector<float>{3, 4}));
  EXPECT_EQ(values(call_all("pick", {x, array({5, -1})}, {{"mode", "wrap"}})[0]), (std::vector<float>{3, 6}));
  NDArray k = call_all("pick", {x, array({1, 0, 1}, {1, 3})}, {{"axis", "0"}, {"keepdims", "True"}})[0];
  EXPECT_EQ(k.shape(), Shape({1, 3}));
  EXPECT_EQ(values(k), (std::vector<float>{4, 2, 6}));
  EXPECT_EQ(call_all("pick", {array({7, 8, 9}), array({1})})[0].shape(), Shape({1}));  // legacy: no 0-d result
}

TEST(Pick, BadArguments) {
  NDArray x = array({1, 2, 3, 4, 5, 6}, {2, 3});
  EXPECT_ERROR(run("pick", {x, array({0, 1, 2})}), kShape, "pick: input 1 (index) has shape (3,) but (2,) is required");
  EXPECT_ERROR(run("pick", {x, array({0, 1})}, {{"axis", "None"}}), kInvalidArgument, "pick: axis=None is not supported");
  EXPECT_ERROR(run("pick", {x, array({0, 1})}, {{"mode", "raise"}}), kInvalidArgument, "mode");
  EXPECT_ERROR(run("pick", {x, array({0, 1})}, {{"axis", "-3"}}), kIndex, "pick: axis -3 is out of range");
}

// --- one_hot ---

TEST(OneHot, OutOfRangeIndicesGiveOffRowsAndDTypeIsAParameter) {
  NDArray r = call_all("one_hot", {array({0, 2, -1, 3, 1.5f})}, {{"depth", "3"}, {"on_value", "5"}, {"off_value", "-2"}})[0];
  EXPECT_EQ(r.shape(), Shape({5, 3}));
  EXPECT_EQ(r.dtype(), DType::kFloat32);
  EXPECT_EQ(values(r), (std::vector<float>{5, -2, -2, -2, -2, 5, -2, -2, -2, -2, -2, -2, -2, 5, -2}));
  EXPECT_EQ(call_all("one_hot", {array({1})}, {{"depth", "2"}, {"dtype", "int32"}})[0].dtype(), DType::kInt32);
}

TEST(OneHot, BadArguments) {
  EXPECT_ERROR(run("one_hot", {array({1})}), kInvalidArgument, "depth");
  EXPECT_ERROR(run("one_hot", {array({1})}, {{"depth", "-1"}}), kInvalidArgument, "depth");
  EXPECT_ERROR(run("one_hot", {array({1})}, {{"depth", "2"}, {"dtype", "bool"}}), kType, "one_hot: dtype bool");
}

// --- where ---

TEST(Where, ElementAndRowConditions) {
  NDArray x = array({1, 2, 3, 4, 5, 6}, {3, 2}), y = array({-1, -2, -3, -4, -5, -6}, {3, 2});
  EXPECT_EQ(values(call_all("where", {array({1, 0, -2, 0, kNaN, 0}, {3, 2}), x, y})[0]),
            (std::vector<float>{1, -2, 3, -4, 5, -6}));
  EXPECT_EQ(values(call_all("where", {array({0, 1, 0}), x, y})[0]), (std::vector<float>{-1, -2, 3, 4, -5, -6}));
  EXPECT_EQ(values(call_all("where", {typed({1, 0, 1}, {3}, DType::kBool), x, y})[0]),
            (std::vector<float>{1, 2, -3, -4, 5, 6}));
}

TEST(Where, BadArguments) {
  NDArray x = array({1, 2, 3, 4, 5, 6}, {3, 2}), y = array({1, 2, 3, 4, 5, 6}, {3, 2});
  EXPECT_ERROR(run("where", {array({1, 0}), x, y}), kShape,
               "where: condition has shape (2,) but must have the shape of x (3, 2) or be 1-D of length x.shape[0] (3)");
  EXPECT_ERROR(run("where", {array({1, 0, 1}), x, array({1, 2, 3, 4, 5, 6}, {2, 3})}), kShape,
               "where: x and y must have the same shape, but x has shape (3, 2) and y has shape (2, 3)");
  EXPECT_ERROR(run("where", {array({1, 0, 1}), x, typed({1, 2, 3, 4, 5, 6}, {3, 2}, DType::kFloat64)}), kType,
               "where: x and y must have the same dtype, but x is float32 and y is float64");
}

TEST(Where, GradientGoesToTheChosenSide) {
  NDArray x = array({1, 2, 3}), y = array({4, 5, 6});
  attach_grad(x, GradReq::kWrite);
  attach_grad(y, GradReq::kWrite);
  InvokeFlags rec;
  rec.recording = true;
  NDArray out = invoke(OpRegistry::get().at("where").parse(std::vector<ParamKV>{}),
                       std::vector<NDArray>{array({1, 0, 1}), x, y}, {}, rec)[0];
  auto g = grad(std::vector<NDArray>{out}, std::vector<NDArray>{array({7, 8, 9})}, std::vector<NDArray>{x, y},
                BackwardOptions{});
  EXPECT_EQ(values(g[0]), (std::vector<float>{7, 0, 9}));
  EXPECT_EQ(values(g[1]), (std::vector<float>{0, 8, 0}));
}

// --- gather_nd / scatter_nd ---

TEST(GatherND, NegativeIndicesCountFromTheEnd) {
  NDArray d = array({0, 1, 2, 3, 4, 5}, {2, 3});
  EXPECT_EQ(values(call_all("gather_nd", {d, array({-1, 0, -1, 2}, {2, 2})})[0]), (std::vector<float>{5, 2}));
  EXPECT_EQ(values(call_all("gather_nd", {d, array({1, 0}, {1, 2})})[0]), (std::vector<float>{3, 4, 5, 0, 1, 2}));
}

TEST(GatherND, BadArguments) {
  NDArray d = array({0, 1, 2, 3, 4, 5}, {2, 3});
  EXPECT_ERROR(run("gather_nd", {d, array({0, 0, 0}, {3, 1})}), kShape,
               "gather_nd: indices.shape[0] must be between 1 and the rank of data (2), but indices has shape (3, 1)");
  EXPECT_ERROR(run("gather_nd", {d, array({0, 3}, {2, 1})}), kIndex,
               "gather_nd: index 3 at position 0 of row 1 of indices is out of range for axis 1 of size 3");
  EXPECT_ERROR(run("gather_nd", {d, array({-3}, {1, 1})}), kIndex, "index -3");
}

TEST(ScatterND, LastRepeatedTupleWinsAndBackwardAdds) {
  NDArray data = array({1, 2, 3});
  NDArray idx = array({1, 0, -2}, {1, 3});  // -2 is 1 again
  EXPECT_EQ(values(call_all("scatter_nd", {data, idx}, {{"shape", "(3,)"}})[0]), (std::vector<float>{2, 3, 0}));
  EXPECT_EQ(values(call_all("_backward_gather_nd", {data, idx}, {{"shape", "(3,)"}})[0]), (std::vector<float>{2, 4, 0}));
}

TEST(ScatterND, BadArguments) {
  EXPECT_ERROR(run("scatter_nd", {array({1, 2}), array({0, 1, 2}, {1, 3})}, {{"shape", "(3,)"}}), kShape,
               "scatter_nd: input 0 (data) has shape (2,) but (3,) is required");
  EXPECT_ERROR(run("scatter_nd", {array({1}), array({5}, {1, 1})}, {{"shape", "(3,)"}}), kIndex,
               "scatter_nd: index 5");
  EXPECT_ERROR(run("scatter_nd", {array({1}), array({0}, {1, 1})}), kInvalidArgument, "shape");
  EXPECT_ERROR(run("_backward_gather_nd", {array({1}), array({0, 0}, {2, 1})}, {{"shape", "(3,)"}}), kShape,
               "indices.shape[0] must be between 1 and the rank of shape (1)");
}

// --- diag ---

TEST(Diag, VectorsAndMatricesBothWays) {
  NDArray m = call_all("diag", {array({1, 2})}, {{"k", "-1"}})[0];
  EXPECT_EQ(m.shape(), Shape({3, 3}));
  EXPECT_EQ(values(m), (std::vector<float>{0, 0, 0, 1, 0, 0, 0, 2, 0}));
  EXPECT_EQ(values(call_all("diag", {m}, {{"k", "-1"}})[0]), (std::vector<float>{1, 2}));
  NDArray wide = array({1, 2, 3, 4, 5, 6}, {2, 3});
  EXPECT_EQ(values(call_all("diag", {wide}, {{"k", "1"}})[0]), (std::vector<float>{2, 6}));
  EXPECT_EQ(call_all("diag", {wide}, {{"k", "3"}})[0].shape(), Shape({0}));  // past the matrix: empty, as NumPy
}

TEST(Diag, BadArguments) {
  NDArray x = array({1, 2, 3, 4, 5, 6}, {1, 2, 3});
  EXPECT_ERROR(run("diag", {x}, {{"axis1", "1"}, {"axis2", "-2"}}), kInvalidArgument,
               "diag: axis1 (1) and axis2 (-2) must name different axes of an input of 3 dimension(s)");
  EXPECT_ERROR(run("diag", {x}, {{"axis2", "3"}}), kIndex, "diag: axis2 3 is out of range");
  EXPECT_ERROR(run("_backward_diag", {array({1, 2, 3})}, {{"shape", "(2, 2)"}}), kShape,
               "_backward_diag: input 0 (ograd) has shape (3,) but (2,) is required");
}

// --- topk / sort / argsort ---

TEST(Ordering, NaNIsLargestOnEveryPath) {
  NDArray x = array({1, kNaN, 3, kNaN, 2});
  EXPECT_TRUE(same(values(call_all("sort", {x})[0]), {1, 2, 3, kNaN, kNaN}));
  EXPECT_TRUE(same(values(call_all("sort", {x}, {{"is_ascend", "False"}})[0]), {kNaN, kNaN, 3, 2, 1}));
  EXPECT_EQ(values(call_all("argsort", {x})[0]), (std::vector<float>{0, 4, 2, 1, 3}));
  EXPECT_EQ(values(call_all("argsort", {x}, {{"is_ascend", "False"}})[0]), (std::vector<float>{1, 3, 2, 4, 0}));
  EXPECT_EQ(values(call_all("topk", {x}, {{"k", "3"}})[0]), (std::vector<float>{1, 3, 2}));
  EXPECT_EQ(values(call_all("topk", {x}, {{"k", "2"}, {"is_ascend", "True"}})[0]), (std::vector<float>{0, 4}));
  EXPECT_EQ(values(call_all("topk", {x}, {{"k", "2"}, {"ret_typ", "mask"}})[0]), (std::vector<float>{0, 1, 0, 1, 0}));
  EXPECT_TRUE(same(values(call_all("topk", {typed({1, kNaN, 3}, {3}, DType::kFloat16)}, {{"ret_typ", "value"}})[0]),
                   {kNaN}));
}

TEST(Ordering, TiesKeepTheirOriginalOrder) {
  NDArray x = array({2, 1, 2, 1, 2});
  EXPECT_EQ(values(call_all("argsort", {x})[0]), (std::vector<float>{1, 3, 0, 2, 4}));
  EXPECT_EQ(values(call_all("argsort", {x}, {{"is_ascend", "False"}})[0]), (std::vector<float>{0, 2, 4, 1, 3}));
  EXPECT_EQ(values(call_all("topk", {x}, {{"k", "2"}})[0]), (std::vector<float>{0, 2}));
  EXPECT_EQ(values(call_all("topk", {x}, {{"k", "3"}, {"is_ascend", "True"}})[0]), (std::vector<float>{1, 3, 0}));
  EXPECT_EQ(values(call_all("argsort", {typed({5, 5, 4}, {3}, DType::kInt32)}, {{"dtype", "int32"}})[0]),
            (std::vector<float>{2, 0, 1}));
}

TEST(Ordering, AxesOutputsAndDTypes) {
  NDArray x = array({3, 1, 2, 6, 5, 4}, {2, 3});
  EXPECT_EQ(values(call_all("sort", {x}, {{"axis", "-2"}, {"is_ascend", "False"}})[0]),
            (std::vector<float>{6, 5, 4, 3, 1, 2}));
  auto both = call_all("topk", {x}, {{"axis", "-1"}, {"k", "2"}, {"ret_typ", "both"}, {"dtype", "int64"}});
  ASSERT_EQ(both.size(), 2u);
  EXPECT_EQ(values(both[0]), (std::vector<float>{3, 2, 6, 5}));
  EXPECT_EQ(both[1].dtype(), DType::kInt64);
  EXPECT_EQ(values<int64_t>(both[1]), (std::vector<int64_t>{0, 2, 0, 1}));
  NDArray flat = call_all("topk", {x}, {{"axis", "None"}, {"k", "2"}, {"ret_typ", "indices"}})[0];
  EXPECT_EQ(flat.shape(), Shape({2}));
  EXPECT_EQ(values(flat), (std::vector<float>{3, 4}));
  EXPECT_EQ(call_all("topk", {x}, {{"k", "-1"}, {"ret_typ", "value"}})[0].shape(), Shape({2, 3}));  // k < 1: all
  EXPECT_EQ(call_all("argsort", {x})[0].dtype(), DType::kFloat32);
}

TEST(Ordering, LongRowsMatchAStableSortOnAnyThreadCount) {
  std::mt19937 rng(7);
  std::uniform_int_distribution<int> d(0, 50);  // many ties
  const int rows = 6, n = 4000;
  std::vector<float> v(static_cast<size_t>(rows * n));
  for (float& e : v) e = static_cast<float>(d(rng));
  v[17] = kNaN;
  std::vector<float> got = values(call_all("argsort", {array(v, {rows, n})}, {{"is_ascend", "False"}})[0]);
  for (int r = 0; r < rows; ++r) {
    std::vector<int> perm(n);
    std::iota(perm.begin(), perm.end(), 0);
    const float* row = v.data() + r * n;
    std::stable_sort(perm.begin(), perm.end(), [&](int a, int b) {
      if (std::isnan(row[a]) != std::isnan(row[b])) return std::isnan(row[a]);
      return row[a] > row[b];
    });
    for (int j = 0; j < n; ++j) ASSERT_EQ(got[static_cast<size_t>(r * n + j)], static_cast<float>(perm[j])) << r << ", " << j;
  }
}

TEST(Ordering, BadArguments) {
  NDArray x = array({1, 2, 3, 4, 5, 6}, {2, 3});
  EXPECT_ERROR(run("topk", {x}, {{"k", "4"}}), kInvalidArgument,
               "topk: k = 4 is larger than the 3 element(s) along axis -1");
  EXPECT_ERROR(run("topk", {x}, {{"k", "7"}, {"axis", "None"}}), kInvalidArgument,
               "topk: k = 7 is larger than the 6 element(s) along the flattened input");
  EXPECT_ERROR(run("topk", {x}, {{"axis", "2"}}), kIndex, "topk: axis 2 is out of range");
  EXPECT_ERROR(run("sort", {x}, {{"axis", "-3"}}), kIndex, "sort: axis -3 is out of range");
  EXPECT_ERROR(run("topk", {x}, {{"ret_typ", "values"}}), kInvalidArgument, "ret_typ");
  EXPECT_ERROR(run("argsort", {x}, {{"dtype", "bfloat16"}}), kType,
               "argsort: dtype bfloat16 is not an index dtype (expected float16, float32, float64, int32, int64 or uint8)");
  EXPECT_ERROR(run("sort", {typed({1, 0}, {2}, DType::kBool)}), kType, "sort: data must be numeric, got bool");
  EXPECT_ERROR(run("_backward_topk", {array({1, 2}), array({0, 3})}, {{"shape", "(3,)"}}), kIndex,
               "_backward_topk: index 3 is out of range for a line of 3 element(s)");
  EXPECT_ERROR(run("_gather_along_axis", {x, array({0, 1, 2}, {1, 3})}, {{"axis", "1"}}), kShape,
               "_gather_along_axis: input 1 (indices) has shape (1, 3) but must match (2, 3) except along axis 1");
}

TEST(Ordering, ValueGradientsLandOnTheSelectedPositions) {
  NDArray x = array({3, 1, 2, 6, 5, 4}, {2, 3});
  attach_grad(x, GradReq::kWrite);
  InvokeFlags rec;
  rec.recording = true;
  NDArray top = invoke(OpRegistry::get().at("topk").parse(std::vector<ParamKV>{{"k", "2"}, {"ret_typ", "value"}}),
                       std::vector<NDArray>{x}, {}, rec)[0];
  auto g = grad(std::vector<NDArray>{top}, std::vector<NDArray>{array({10, 20, 30, 40}, {2, 2})},
                std::vector<NDArray>{x}, BackwardOptions{});
  EXPECT_EQ(values(g[0]), (std::vector<float>{10, 0, 20, 30, 40, 0}));
  NDArray sorted = invoke(OpRegistry::get().at("sort").parse(std::vector<ParamKV>{{"axis", "None"}}),
                          std::vector<NDArray>{x}, {}, rec)[0];
  g = grad(std::vector<NDArray>{sorted}, std::vector<NDArray>{array({1, 2, 3, 4, 5, 6})}, std::vector<NDArray>{x},
           BackwardOptions{});
  EXPECT_EQ(values(g[0]), (std::vector<float>{3, 1, 2, 6, 5, 4}));  // sorted rank of each element
}

}  // namespace
}  // namespace sn
