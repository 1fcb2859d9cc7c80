#include "core/shape.h"

#include <gtest/gtest.h>

#include <vector>

#include "core/error.h"

namespace sn {
namespace {

TEST(Shape, PrintsLikePythonTuples) {
  EXPECT_EQ(Shape({2, 3}).to_string(), "(2, 3)");
  EXPECT_EQ(Shape({10}).to_string(), "(10,)");
  EXPECT_EQ(Shape().to_string(), "()");
  EXPECT_EQ(Shape::unknown().to_string(), "None");
  EXPECT_EQ(Shape({-1, 3}).to_string(), "(?, 3)");
}

TEST(Shape, SizesAre64Bit) {
  Shape big({1ll << 20, 1ll << 20, 4});
  EXPECT_EQ(big.size(), 1ll << 42);
  EXPECT_EQ(Shape({2, 3, 4}).size(1, 3), 12);
  EXPECT_EQ(Shape().size(), 1);
  EXPECT_EQ(Shape({0, 5}).size(), 0);
}

TEST(Shape, OverflowAndUnknownSizesAreShapeErrors) {
  Shape huge({1ll << 40, 1ll << 40});
  try {
    (void)huge.size();
    FAIL();
  } catch (const Error& e) {
    EXPECT_EQ(e.code(), ErrorCode::kShape);
    EXPECT_NE(std::string(e.what()).find("more elements than int64"), std::string::npos);
  }
  EXPECT_THROW((void)Shape({-1, 2}).size(), Error);
  EXPECT_THROW((void)Shape::unknown().size(), Error);
}

TEST(Shape, KnownnessAndLegacyZeros) {
  EXPECT_TRUE(Shape({2, 0}).is_known());  // a zero-size dim is a real size internally
  EXPECT_FALSE(Shape({2, -1}).is_known());
  EXPECT_FALSE(Shape::unknown().is_known());
  std::vector<int64_t> legacy = {0, 3};
  Shape s = Shape::from_legacy(legacy);
  EXPECT_EQ(s, Shape({-1, 3}));
  EXPECT_EQ(s.to_legacy(), Shape({0, 3}));
  EXPECT_FALSE(Shape::from_legacy({}).ndim_known());
}

TEST(Shape, GrowsPastInlineStorageAndCopies) {
  Shape s;
  for (int i = 1; i <= 10; ++i) s.push_back(i);
  EXPECT_EQ(s.ndim(), 10);
  EXPECT_EQ(s[9], 10);
  Shape copy = s;
  copy[0] = 100;
  EXPECT_EQ(s[0], 1);
  Shape moved = std::move(copy);
  EXPECT_EQ(moved[0], 100);
  EXPECT_EQ(moved.size(), 100ll * 2 * 3 * 4 * 5 * 6 * 7 * 8 * 9 * 10);
  s = moved;
  EXPECT_EQ(s, moved);
  Shape small({1, 2});
  s = small;  // heap back to inline
  EXPECT_EQ(s.to_string(), "(1, 2)");
}

TEST(Shape, RankLimitAndIndexingErrors) {
  EXPECT_THROW(Shape(33, 1), Error);
  Shape s({4, 5});
  EXPECT_EQ(s.at(-1), 5);
  try {
    (void)s.at(2);
    FAIL();
  } catch (const Error& e) {
    EXPECT_EQ(e.code(), ErrorCode::kIndex);
    EXPECT_STREQ(e.what(), "dim 2 is out of range for shape (4, 5) (rank 2)");
  }
}

}  // namespace
}  // namespace sn

namespace sn {
namespace {

TEST(Shape, MergeFillsUnknownsAndLeavesAConflictUntouched) {
  Shape s = Shape::unknown();
  EXPECT_TRUE(s.merge(Shape{-1, 3}));
  EXPECT_EQ(s, (Shape{-1, 3}));
  EXPECT_TRUE(s.merge(Shape{2, -1}));
  EXPECT_EQ(s, (Shape{2, 3}));
  EXPECT_TRUE(s.merge(Shape::unknown()));
  Shape partial{-1, 4, -1};
  EXPECT_FALSE(partial.merge(Shape{5, 3, 7}));  // dim 1 conflicts: dims 0 and 2 must not be filled either
  EXPECT_EQ(partial, (Shape{-1, 4, -1}));
  EXPECT_FALSE(partial.merge(Shape{5, 4}));
  EXPECT_EQ(partial, (Shape{-1, 4, -1}));
}

}  // namespace
}  // namespace sn
