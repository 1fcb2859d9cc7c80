// The linalg family's bad inputs (each a clear error naming the op and the argument) and the cases the
// conformance harness cannot reach: errors raised from kernels, singular matrices, MXNet's documented examples.
#include <gtest/gtest.h>

#include <cmath>

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

NDArray zeros(Shape s, DType t = DType::kFloat32) {
  NDArray a = NDArray::empty(s, t, Device::cpu());
  fill(a, 0);
  return a;
}



TEST(Linalg, OnlyFloat32AndFloat64) {
  EXPECT_ERROR(run("_linalg_gemm2", {zeros({2, 2}, DType::kFloat16), zeros({2, 2}, DType::kFloat16)}), kType,
               "_linalg_gemm2");
  EXPECT_ERROR(run("linalg_potrf", {zeros({2, 2}, DType::kInt32)}), kType, "_linalg_potrf");
  EXPECT_ERROR(run("_linalg_det", {zeros({2, 2}, DType::kBFloat16)}), kType, "_linalg_det");
  EXPECT_ERROR(run("_linalg_gemm2", {zeros({2, 2}), zeros({2, 2}, DType::kFloat64)}), kType, "same dtype");
}

TEST(Linalg, ProductShapesNameOpAndShapes) {
  EXPECT_ERROR(run("_linalg_gemm2", {zeros({2, 3}), zeros({4, 5})}), kShape,
               "_linalg_gemm2: A (2, 3) and B (4, 5) do not match for a product (3 vs 4");
  EXPECT_ERROR(run("_linalg_gemm2", {zeros({2, 2, 3}), zeros({3, 3, 4})}), kShape,
               "must agree on every dimension but the row and column axes (dimension 0)");
  EXPECT_ERROR(run("_linalg_gemm2", {zeros({2, 3}), zeros({2, 3, 4})}), kShape, "must have the same rank");
  EXPECT_ERROR(run("_linalg_gemm", {zeros({2, 3}), zeros({3, 4}), zeros({2, 5})}), kShape, "_linalg_gemm");
  EXPECT_ERROR(run("_linalg_gemm2", {zeros({2, 3}), zeros({3, 4})}, {{"axis", "1"}}), kIndex,
               "_linalg_gemm2: axis 1 is out of range for inputs of 2 dimensions (expected -2 to 0");
  EXPECT_ERROR(run("_linalg_gemm2", {zeros({2, 3}), zeros({3, 4})}, {{"axis", "-3"}}), kIndex, "axis -3");
  EXPECT_ERROR(run("_linalg_syrk", {zeros({3})}), kShape, "_linalg_syrk: A must have at least 2 dimensions");
}

TEST(Linalg, TriangularShapes) {
  EXPECT_ERROR(run("_linalg_trsm", {zeros({2, 3}), zeros({3, 3})}), kShape, "_linalg_trsm: A must hold square");
  EXPECT_ERROR(run("_linalg_trmm", {zeros({3, 3}), zeros({4, 2})}), kShape,
               "_linalg_trmm: B (4, 2) does not fit the 3 x 3 triangular matrices of A (expected rows = 3, got 4)");
  EXPECT_ERROR(run("_linalg_trsm", {zeros({3, 3}), zeros({3, 2})}, {{"rightside", "True"}}), kShape,
               "expected columns = 3, got 2");
  EXPECT_ERROR(run("_linalg_trsm", {zeros({2, 3, 3}), zeros({3, 3, 3})}), kShape, "batch dimensions");
}

TEST(Linalg, SquareAndBandShapes) {
  EXPECT_ERROR(run("_linalg_potrf", {zeros({2, 3})}), kShape, "_linalg_potrf: A must hold square matrices");
  EXPECT_ERROR(run("_linalg_inverse", {zeros({3})}), kShape, "_linalg_inverse: A must have at least 2 dimensions");
  EXPECT_ERROR(run("_linalg_det", {zeros({2, 2, 3})}), kShape, "got shape (2, 2, 3)");
  EXPECT_ERROR(run("_linalg_extractdiag", {zeros({3, 3})}, {{"offset", "3"}}), kShape,
               "_linalg_extractdiag: offset 3 leaves nothing of 3 x 3 matrices");
  EXPECT_ERROR(run("_linalg_maketrian", {zeros({4})}), kShape, "must hold a triangle, m (m + 1) / 2 elements, got 4");
}

// A kernel's error poisons its output: it surfaces at the wait, and again at every later read.
TEST(Linalg, NotPositiveDefiniteIsAKernelError) {
  NDArray a = array({1, 2, 2, 1}, Shape({2, 2}));  // eigenvalues 3 and -1
  std::vector<NDArray> out = call_all("_linalg_potrf", {a});
  for (int attempt = 0; attempt < 2; ++attempt) {
    try {
      out[0].wait_to_read();
      FAIL() << "expected an error";
    } catch (const Error& e) {
      EXPECT_EQ(e.code(), ErrorCode::kInvalidArgument);
      EXPECT_NE(std::string(e.what()).find("_linalg_potrf: matrix 0 of A is not positive definite (pivot 1 is -3"),
                std::string::npos)
          << e.what();
    }
  }
  // A later op reading the poisoned output fails too rather than computing on garbage.
  EXPECT_ERROR(run("_linalg_sumlogdiag", {out[0]}), kInvalidArgument, "not positive definite");
  // The second matrix of a batch.
  EXPECT_ERROR(run("_linalg_potrf", {array({4, 0, 0, 4, 1, 0, 0, 0}, Shape({2, 2, 2}))}), kInvalidArgument,
               "matrix 1 of A is not positive definite (pivot 1 is 0");
  EXPECT_ERROR(run("_linalg_potrf", {array({NAN, 0, 0, 1}, Shape({2, 2}))}), kInvalidArgument, "pivot 0 is nan");
}

TEST(Linalg, SingularMatrices) {
  NDArray s = array({1, 2, 2, 4}, Shape({2, 2}));
  EXPECT_ERROR(run("_linalg_inverse", {s}), kInvalidArgument, "_linalg_inverse: matrix 0 of A is singular");
  EXPECT_EQ(values(call_all("_linalg_det", {s})[0]), std::vector<float>{0});
  auto sl = call_all("_linalg_slogdet", {s});
  EXPECT_EQ(values(sl[0]), std::vector<float>{0});
  EXPECT_EQ(values(sl[1]), std::vector<float>{-INFINITY});
}

// MXNet's documented examples.
TEST(Linalg, MxnetExamples) {
  EXPECT_EQ(values(call_all("_linalg_potrf", {array({4, 2, 2, 10}, Shape({2, 2}))})[0]), (std::vector<float>{2, 0, 1, 3}));
  EXPECT_EQ(values(call_all("_linalg_potrf", {array({4, 2, 2, 10}, Shape({2, 2}))}, {{"lower", "False"}})[0]),
            (std::vector<float>{2, 1, 0, 3}));
  EXPECT_EQ(values(call_all("linalg_trsm", {array({1, 0, 1, 1}, Shape({2, 2})), array({2, 2, 2, 4, 4, 4}, Shape({2, 3}))},
                        {{"alpha", "0.5"}})[0]),
            (std::vector<float>{1, 1, 1, 1, 1, 1}));
  EXPECT_EQ(values(call_all("linalg_trmm", {array({1, 0, 1, 1}, Shape({2, 2})), array({1, 1, 1, 1, 1, 1}, Shape({2, 3}))},
                        {{"alpha", "2"}})[0]),
            (std::vector<float>{2, 2, 2, 4, 4, 4}));
  NDArray a = array({1, 2, 3, 4}, Shape({2, 2}));
  EXPECT_EQ(values(call_all("_linalg_extracttrian", {a})[0]), (std::vector<float>{1, 3, 4}));
  EXPECT_EQ(values(call_all("_linalg_extracttrian", {a}, {{"lower", "False"}})[0]), (std::vector<float>{1, 2, 4}));
  EXPECT_EQ(values(call_all("_linalg_extracttrian", {a}, {{"offset", "1"}})[0]), (std::vector<float>{2}));
  EXPECT_EQ(values(call_all("_linalg_extracttrian", {a}, {{"offset", "-1"}})[0]), (std::vector<float>{3}));
  NDArray v = array({1, 2, 3});
  EXPECT_EQ(values(call_all("_linalg_maketrian", {v}, {{"offset", "1"}})[0]),
            (std::vector<float>{0, 1, 2, 0, 0, 3, 0, 0, 0}));
  EXPECT_EQ(values(call_all("_linalg_maketrian", {v}, {{"offset", "-1"}})[0]),
            (std::vector<float>{0, 0, 0, 1, 0, 0, 2, 3, 0}));
  EXPECT_EQ(call_all("_linalg_det", {a})[0].shape(), Shape({1}));
  EXPECT_EQ(values(call_all("_linalg_det", {a})[0]), std::vector<float>{-2});
  EXPECT_EQ(call_all("_linalg_sumlogdiag", {zeros({3, 2, 2})})[0].shape(), Shape({3}));
}

}  // namespace
}  // namespace sn
