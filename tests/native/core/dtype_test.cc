#include "core/dtype.h"

#include <gtest/gtest.h>

#include <cmath>
#include <limits>

namespace sn {
namespace {

TEST(DType, FlagsAreMXNets) {
  EXPECT_EQ(static_cast<int>(DType::kFloat32), 0);
  EXPECT_EQ(static_cast<int>(DType::kFloat64), 1);
  EXPECT_EQ(static_cast<int>(DType::kFloat16), 2);
  EXPECT_EQ(static_cast<int>(DType::kUInt8), 3);
  EXPECT_EQ(static_cast<int>(DType::kInt32), 4);
  EXPECT_EQ(static_cast<int>(DType::kInt8), 5);
  EXPECT_EQ(static_cast<int>(DType::kInt64), 6);
  EXPECT_EQ(static_cast<int>(DType::kBool), 7);
  EXPECT_EQ(static_cast<int>(DType::kBFloat16), 12);
}

TEST(DType, NamesSizesAndParsing) {
  EXPECT_EQ(all_dtypes().size(), 9u);
  for (const auto& info : all_dtypes()) {
    EXPECT_EQ(parse_dtype(info.name), info.dtype) << info.name;
    EXPECT_TRUE(is_valid_dtype_flag(static_cast<int32_t>(info.dtype)));
  }
  EXPECT_EQ(dtype_size(DType::kFloat16), 2);
  EXPECT_EQ(dtype_size(DType::kBFloat16), 2);
  EXPECT_EQ(dtype_size(DType::kInt64), 8);
  EXPECT_EQ(dtype_size(DType::kBool), 1);
  EXPECT_EQ(dtype_name(DType::kBFloat16), "bfloat16");
  EXPECT_FALSE(parse_dtype("float"));
  EXPECT_FALSE(parse_dtype("Float32"));
  EXPECT_FALSE(is_valid_dtype_flag(8));  // int16: MXNet has it, Sharpnet arrays do not
  EXPECT_FALSE(is_valid_dtype_flag(-1));
}

TEST(DType, UnknownFlagIsATypeError) {
  try {
    dtype_info(static_cast<DType>(42));
    FAIL() << "expected an error";
  } catch (const Error& e) {
    EXPECT_EQ(e.code(), ErrorCode::kType);
    EXPECT_NE(std::string(e.what()).find("unknown dtype flag 42"), std::string::npos) << e.what();
    EXPECT_NE(std::string(e.what()).find("float32"), std::string::npos) << e.what();
  }
}

TEST(DType, DispatchCallsTheStorageType) {
  auto size_of = [](DType d) {
    return dispatch_dtype<AllDTypes>(d, "test_op", []<class T>() { return static_cast<int>(sizeof(T)); });
  };
  for (const auto& info : all_dtypes()) EXPECT_EQ(size_of(info.dtype), info.size) << info.name;
  EXPECT_TRUE((dispatch_dtype<FloatDTypes>(DType::kBFloat16, "test_op",
                                           []<class T>() { return std::is_same_v<T, bf16_t>; })));
}

TEST(DType, DispatchOutsideTheTableNamesOpAndTable) {
  try {
    dispatch_dtype<FloatDTypes>(DType::kInt32, "softmax", []<class T>() { return 0; });
    FAIL() << "expected an error";
  } catch (const Error& e) {
    EXPECT_EQ(e.code(), ErrorCode::kType);
    EXPECT_STREQ(e.what(),
                 "softmax: dtype int32 is not supported; expected one of float32, float64, float16, bfloat16");
  }
}

TEST(Half, F16cAndPortableConversionAgreeOnEveryHalf) {
  for (uint32_t bits = 0; bits <= 0xffff; ++bits) {
    float hw = half_t::to_float(static_cast<uint16_t>(bits));
    float sw = detail::half_to_float_sw(static_cast<uint16_t>(bits));
    ASSERT_EQ(std::bit_cast<uint32_t>(hw), std::bit_cast<uint32_t>(sw)) << std::hex << bits;
    if (!std::isnan(hw)) {
      ASSERT_EQ(half_t::from_float(hw), bits) << std::hex << bits;  // exact round trip
    }
  }
}

TEST(Half, RoundsToNearestEvenLikeF16c) {
  // Sweep float bit patterns coarsely across the whole range, plus halfway cases.
  for (uint64_t u = 0; u <= 0xffffffffull; u += 0x1013) {
    float f = std::bit_cast<float>(static_cast<uint32_t>(u));
    uint16_t hw = half_t::from_float(f);
    uint16_t sw = detail::half_from_float_sw(f);
    if (std::isnan(f)) {
      ASSERT_TRUE(std::isnan(half_t::to_float(sw)));
      continue;
    }
    ASSERT_EQ(hw, sw) << std::hex << u;
  }
  EXPECT_EQ(half_t::from_float(65520.0f), 0x7c00);  // halfway above the largest half: infinity
  EXPECT_EQ(half_t::from_float(65519.0f), 0x7bff);
  EXPECT_EQ(half_t::from_float(1.0f + 1.0f / 2048), 0x3c00);  // tie to even
  EXPECT_EQ(half_t::from_float(5.9604644775390625e-08f), 0x0001);  // smallest subnormal
}

TEST(BFloat16, RoundsToNearestEvenAndKeepsNaN) {
  EXPECT_EQ(bf16_t::from_float(1.0f), 0x3f80);
  EXPECT_EQ(bf16_t(1.0f + 1.0f / 256).bits, 0x3f80);  // tie: down to even
  EXPECT_EQ(bf16_t(1.0f + 3.0f / 256).bits, 0x3f82);  // tie: up to even
  EXPECT_EQ(bf16_t(std::numeric_limits<float>::infinity()).bits, 0x7f80);
  EXPECT_TRUE(std::isnan(static_cast<float>(bf16_t(std::numeric_limits<float>::quiet_NaN()))));
  EXPECT_TRUE(std::isnan(static_cast<float>(bf16_t(std::bit_cast<float>(0x7f800001u)))));  // payload in low bits
  EXPECT_EQ(static_cast<float>(bf16_t(3.0f)), 3.0f);
  EXPECT_EQ(bf16_t(-0.0f).bits, 0x8000);
}

}  // namespace
}  // namespace sn
