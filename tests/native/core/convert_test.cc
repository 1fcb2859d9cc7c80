#include "core/convert.h"

#include <gtest/gtest.h>

#include <cmath>
#include <random>
#include <vector>

#include "core/cpu_features.h"

namespace sn {
namespace {

std::vector<float> sample_floats(size_t n) {
  std::mt19937 rng(7);
  std::uniform_int_distribution<uint32_t> bits;
  std::vector<float> v(n);
  for (auto& x : v) x = std::bit_cast<float>(bits(rng));
  const float specials[] = {0.0f, -0.0f, 1.0f, 65504.0f, 65520.0f, 1e-8f, -1e-30f, INFINITY, -INFINITY, NAN};
  for (size_t i = 0; i < std::size(specials) && i < n; ++i) v[i] = specials[i];
  return v;
}

void expect_same_bits(const std::vector<uint16_t>& a, const std::vector<uint16_t>& b, const char* what) {
  ASSERT_EQ(a.size(), b.size());
  for (size_t i = 0; i < a.size(); ++i) ASSERT_EQ(a[i], b[i]) << what << " at " << i;
}

// Every variant equals the scalar conversion bit for bit, for every length (tails included).
void check_kernels(const detail::ConvertKernels& k) {
  for (size_t n : {0u, 1u, 7u, 8u, 15u, 16u, 17u, 33u, 1000u}) {
    auto src = sample_floats(n);
    std::vector<half_t> h(n);
    std::vector<bf16_t> b(n);
    k.f32_to_f16(src.data(), h.data(), static_cast<int64_t>(n));
    k.f32_to_bf16(src.data(), b.data(), static_cast<int64_t>(n));
    std::vector<uint16_t> hb(n), hb_ref(n), bb(n), bb_ref(n);
    for (size_t i = 0; i < n; ++i) {
      hb[i] = h[i].bits;
      hb_ref[i] = half_t::from_float(src[i]);
      bb[i] = b[i].bits;
      bb_ref[i] = bf16_t::from_float(src[i]);
    }
    expect_same_bits(hb, hb_ref, "f32->f16");
    expect_same_bits(bb, bb_ref, "f32->bf16");
    std::vector<float> back_h(n), back_b(n);
    k.f16_to_f32(h.data(), back_h.data(), static_cast<int64_t>(n));
    k.bf16_to_f32(b.data(), back_b.data(), static_cast<int64_t>(n));
    for (size_t i = 0; i < n; ++i) {
      ASSERT_EQ(std::bit_cast<uint32_t>(back_h[i]), std::bit_cast<uint32_t>(static_cast<float>(h[i]))) << i;
      ASSERT_EQ(std::bit_cast<uint32_t>(back_b[i]), std::bit_cast<uint32_t>(static_cast<float>(b[i]))) << i;
    }
  }
}

TEST(Convert, Avx2PathMatchesScalar) { check_kernels(detail::kConvertAvx2); }

TEST(Convert, Avx512PathMatchesScalar) {
  const auto& f = cpu_features();
  if (!(f.avx512f && f.avx512bw && f.avx512vl && f.avx512dq)) GTEST_SKIP() << "this CPU has no AVX-512";
  check_kernels(detail::kConvertAvx512);
}

TEST(Convert, DispatchedEntryPointsRoundTrip) {
  std::vector<float> src = {1.0f, -2.5f, 0.1f, 3e5f, 1e-9f};
  std::vector<half_t> h(src.size());
  std::vector<float> back(src.size());
  convert(src.data(), h.data(), static_cast<int64_t>(src.size()));
  convert(h.data(), back.data(), static_cast<int64_t>(src.size()));
  EXPECT_EQ(back[0], 1.0f);
  EXPECT_EQ(back[1], -2.5f);
  EXPECT_NEAR(back[2], 0.1f, 1e-4);
  EXPECT_TRUE(std::isinf(back[3]));  // above half's range
  EXPECT_EQ(back[4], 0.0f);          // below half's smallest subnormal
}

}  // namespace
}  // namespace sn
