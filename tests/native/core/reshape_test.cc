#include "core/reshape.h"

#include <gtest/gtest.h>

#include "core/error.h"

namespace sn {
namespace {

Shape R(Shape in, Shape spec, bool reverse = false) { return infer_reshape(in, spec, reverse, "Reshape"); }

// The examples of MXNet's reshape documentation.
TEST(Reshape, MXNetDocumentedSpecialValues) {
  EXPECT_EQ(R({2, 3, 4}, {4, 0, 2}), Shape({4, 3, 2}));
  EXPECT_EQ(R({2, 3, 4}, {2, 0, 0}), Shape({2, 3, 4}));
  EXPECT_EQ(R({2, 3, 4}, {6, 1, -1}), Shape({6, 1, 4}));
  EXPECT_EQ(R({2, 3, 4}, {3, -1, 8}), Shape({3, 1, 8}));
  EXPECT_EQ(R({2, 3, 4}, {-1}), Shape({24}));
  EXPECT_EQ(R({2, 3, 4}, {-2}), Shape({2, 3, 4}));
  EXPECT_EQ(R({2, 3, 4}, {2, -2}), Shape({2, 3, 4}));
  EXPECT_EQ(R({2, 3, 4}, {-2, 1, 1}), Shape({2, 3, 4, 1, 1}));
  EXPECT_EQ(R({2, 3, 4}, {-3, 4}), Shape({6, 4}));
  EXPECT_EQ(R({2, 3, 4, 5}, {-3, -3}), Shape({6, 20}));
  EXPECT_EQ(R({2, 3, 4}, {0, -3}), Shape({2, 12}));
  EXPECT_EQ(R({2, 3, 4}, {-3, -2}), Shape({6, 4}));
  EXPECT_EQ(R({2, 3, 4}, {-4, 1, 2, -2}), Shape({1, 2, 3, 4}));
  EXPECT_EQ(R({2, 3, 4}, {2, -4, -1, 3, -2}), Shape({2, 1, 3, 4}));
  EXPECT_EQ(R({10, 5, 4}, {-1, 0}), Shape({40, 5}));
  EXPECT_EQ(R({10, 5, 4}, {-1, 0}, true), Shape({50, 4}));
  EXPECT_EQ(R({28}, {1, 1, 4, 7}), Shape({1, 1, 4, 7}));
}

TEST(Reshape, ErrorsNameTheOpAndBothShapes) {
  try {
    R({2, 3}, {4, 2});
    FAIL();
  } catch (const Error& e) {
    EXPECT_EQ(e.code(), ErrorCode::kShape);
    EXPECT_STREQ(e.what(), "Reshape: cannot reshape (2, 3) to (4, 2): the sizes differ (6 vs 8 elements)");
  }
  EXPECT_THROW(R({2, 3}, {-1, -1}), Error);
  EXPECT_THROW(R({2, 3}, {-5}), Error);
  EXPECT_THROW(R({7}, {-4, 2, -1}), Error);
  EXPECT_THROW(R({2, 3}, {0, 0, 0}), Error);
  EXPECT_THROW(R({5}, {-1, 2}), Error);
}

}  // namespace
}  // namespace sn
