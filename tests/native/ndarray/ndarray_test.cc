#include "ndarray/ndarray.h"

#include <gtest/gtest.h>

#include <cmath>
#include <limits>
#include <vector>

#include "core/error.h"
#include "ndarray/builtin.h"
#include "ndarray/indexing.h"
#include "ndarray/kernels.h"

namespace sn {
namespace {

NDArray from(std::vector<float> v, Shape shape) {
  NDArray a = NDArray::empty(shape, DType::kFloat32, Device::cpu());
  copy_from_host(a, v.data(), DType::kFloat32, 0, static_cast<int64_t>(v.size()));
  return a;
}

template <class T = float>
std::vector<T> values(const NDArray& a) {
  std::vector<T> out(static_cast<size_t>(a.size()));
  copy_to_host(a, out.data(), dtype_of<T>, 0, a.size());
  return out;
}

IndexItem I(int64_t i) { return {IndexItem::kInt, i}; }
IndexItem S(std::optional<int64_t> b = {}, std::optional<int64_t> e = {}, int64_t step = 1) {
  return {IndexItem::kSlice, b.value_or(0), e.value_or(0), step, b.has_value(), e.has_value()};
}

TEST(NDArray, StorageIsAllocatedLazilyAndFreedThroughTheEngine) {
  Storage& cpu = Storage::of(Device::cpu());
  cpu.release_all();
  int64_t before = cpu.stats().in_use;
  int64_t chunks = Chunk::live_count();
  {
    NDArray a = NDArray::empty({1024, 1024}, DType::kFloat32, Device::cpu());
    EXPECT_EQ(cpu.stats().in_use, before);  // nothing yet
    fill(a, 1.0);
    EXPECT_EQ(cpu.stats().in_use, before + (4 << 20));
    EXPECT_EQ(Chunk::live_count(), chunks + 1);
    NDArray view = a.reshape({1 << 20});
    EXPECT_TRUE(view.same_chunk(a));
  }
  Engine::get().wait_all();
  EXPECT_EQ(Chunk::live_count(), chunks);
  EXPECT_EQ(cpu.stats().in_use, before);
}

TEST(NDArray, ViewsShareMemoryAndCopiesDoNot) {
  NDArray c = from({1, 2, 3, 4, 5, 6, 7, 8}, {2, 4});
  NDArray row = c.at(1);
  EXPECT_EQ(row.shape(), Shape({4}));
  EXPECT_EQ(values(row), (std::vector<float>{5, 6, 7, 8}));
  fill(row, -1);
  EXPECT_EQ(values(c), (std::vector<float>{1, 2, 3, 4, -1, -1, -1, -1}));
  NDArray copy = NDArray::empty(c.shape(), c.dtype(), c.device());
  sn::copy(c, copy);
  fill(c.slice(0, 1), 0);
  EXPECT_EQ(values(copy), (std::vector<float>{1, 2, 3, 4, -1, -1, -1, -1}));
  EXPECT_EQ(values(c), (std::vector<float>{0, 0, 0, 0, -1, -1, -1, -1}));
  EXPECT_THROW(c.reshape({3, 3}), Error);
  EXPECT_THROW(c.at(2), Error);
  EXPECT_EQ(c.at(-1).shape(), Shape({4}));
  EXPECT_EQ(from({1, 2}, {2}).at(0).shape(), Shape({1}));  // legacy: no 0-d arrays
}

TEST(NDArray, CopiesAcrossCpuDevicesAndDTypes) {
  NDArray a = from({1.5f, -2.5f, 300.f, NAN}, {4});
  NDArray b = copy_to_device(a, Device::cpu(1));
  EXPECT_EQ(b.device(), Device::cpu(1));
  auto bv = values(b);
  EXPECT_EQ(std::vector<float>(bv.begin(), bv.begin() + 3), (std::vector<float>{1.5f, -2.5f, 300.f}));
  EXPECT_TRUE(std::isnan(bv[3]));
  NDArray i8 = as_type(a, DType::kInt8);
  EXPECT_EQ(values<int8_t>(i8), (std::vector<int8_t>{1, -2, 127, 0}));  // saturating, NaN -> 0
  NDArray u8 = as_type(a, DType::kUInt8);
  EXPECT_EQ(values<uint8_t>(u8), (std::vector<uint8_t>{1, 0, 255, 0}));
  NDArray h = as_type(a, DType::kFloat16);
  auto hv = values(as_type(h, DType::kFloat32));
  EXPECT_EQ(hv[0], 1.5f);
  EXPECT_TRUE(std::isnan(hv[3]));
  NDArray bl = as_type(from({0, 2, -0.f, NAN}, {4}), DType::kBool);
  EXPECT_EQ(values<uint8_t>(as_type(bl, DType::kUInt8)), (std::vector<uint8_t>{0, 1, 0, 1}));
}

TEST(NDArray, SaturatingConversionsAtTheEdges) {
  double vals[] = {1e30, -1e30, 9.3e18, -9.3e18, 2147483648.0, -0.99, 0.99};
  for (double v : vals) {
    int64_t i64;
    int32_t i32;
    convert(&v, DType::kFloat64, &i64, DType::kInt64, 1, 1);
    convert(&v, DType::kFloat64, &i32, DType::kInt32, 1, 1);
    if (v >= 9.2e18) {
      EXPECT_EQ(i64, std::numeric_limits<int64_t>::max());
    }
    if (v <= -9.2e18) {
      EXPECT_EQ(i64, std::numeric_limits<int64_t>::min());
    }
    if (v >= 2147483647.0) {
      EXPECT_EQ(i32, std::numeric_limits<int32_t>::max());
    }
    if (std::fabs(v) < 1) {
      EXPECT_EQ(i32, 0);  // truncation toward zero
    }
  }
  int32_t big = 300;
  int8_t wrapped;
  convert(&big, DType::kInt32, &wrapped, DType::kInt8, 1, 1);
  EXPECT_EQ(wrapped, 44);  // integer to integer wraps, as NumPy's astype
}

TEST(NDArray, ArangeAndFillEveryDType) {
  for (const auto& info : all_dtypes()) {
    NDArray a = NDArray::empty({6}, info.dtype, Device::cpu());
    arange(a, 0, 1, 2);
    auto v = values<double>(as_type(a, DType::kFloat64));
    if (info.dtype == DType::kBool) {
      EXPECT_EQ(v, (std::vector<double>{0, 0, 1, 1, 1, 1})) << info.name;
    } else {
      EXPECT_EQ(v, (std::vector<double>{0, 0, 1, 1, 2, 2})) << info.name;
    }
    fill(a, 7);
    EXPECT_EQ(values<double>(as_type(a, DType::kFloat64))[5], info.dtype == DType::kBool ? 1 : 7) << info.name;
  }
}

TEST(NDArray, HostCopiesWithOffsets) {
  NDArray a = NDArray::empty({10}, DType::kInt64, Device::cpu());
  fill(a, 0);
  std::vector<int64_t> part = {7, 8, 9};
  copy_from_host(a, part.data(), DType::kInt64, 5, 3);
  std::vector<int64_t> got(4);
  copy_to_host(a, got.data(), DType::kInt64, 4, 4);
  EXPECT_EQ(got, (std::vector<int64_t>{0, 7, 8, 9}));
  try {
    copy_to_host(a, got.data(), DType::kInt64, 8, 4);
    FAIL();
  } catch (const Error& e) {
    EXPECT_EQ(e.code(), ErrorCode::kIndex);
    EXPECT_STREQ(e.what(), "copy_to: elements [8, 8 + 4) are out of range for an array of 10 elements");
  }
}

TEST(NDArray, PoisonedArraysThrowOnEveryReadUntilOverwritten) {
  NDArray a = from({1, 2}, {2});
  VarHandle w = a.var();
  Engine::get().push([](const RunContext&) { SN_THROW(kShape, "some_op: shapes (2,) and (3,) do not match"); },
                     Device::cpu(), {}, std::span<const VarHandle>(&w, 1));
  NDArray b = as_type(a, DType::kFloat64);  // downstream of the poison
  for (int i = 0; i < 2; ++i) {
    EXPECT_THROW(values(a), Error);
    EXPECT_THROW(a.wait_to_read(), Error);
    EXPECT_THROW(a.wait_to_write(), Error);
    EXPECT_THROW(values<double>(b), Error);
  }
  EXPECT_THROW(Engine::get().wait_all(), Error);
  fill(a, 3);  // a successful write clears it
  EXPECT_EQ(values(a), (std::vector<float>{3, 3}));
  EXPECT_THROW(values<double>(b), Error);
}

TEST(Indexing, ContiguousResultsAreViewsOthersCopies) {
  NDArray c = from({1, 2, 3, 4, 5, 6, 7, 8}, {2, 4});
  IndexItem k1[] = {I(0), S(1, 3)};  // c[0, 1:3]: contiguous -> view
  NDArray v = get_item(c, k1);
  EXPECT_EQ(v.shape(), Shape({2}));
  EXPECT_TRUE(v.same_chunk(c));
  EXPECT_EQ(values(v), (std::vector<float>{2, 3}));
  IndexItem k2[] = {S(), S(1, 3)};  // c[:, 1:3]: strided -> copy
  NDArray cp = get_item(c, k2);
  EXPECT_FALSE(cp.same_chunk(c));
  EXPECT_EQ(cp.shape(), Shape({2, 2}));
  EXPECT_EQ(values(cp), (std::vector<float>{2, 3, 6, 7}));
  IndexItem k3[] = {S({}, {}, -2)};  // c[::-2]
  EXPECT_EQ(values(get_item(c, k3)), (std::vector<float>{5, 6, 7, 8}));
  IndexItem k4[] = {I(1), I(-1)};  // all ints: shape (1,)
  NDArray e = get_item(c, k4);
  EXPECT_EQ(e.shape(), Shape({1}));
  EXPECT_EQ(values(e), (std::vector<float>{8}));
  IndexItem k5[] = {IndexItem{IndexItem::kNewAxis}, S(), I(0)};  // c[None, :, 0]
  NDArray n = get_item(c, k5);
  EXPECT_EQ(n.shape(), Shape({1, 2}));
  EXPECT_EQ(values(n), (std::vector<float>{1, 5}));
  IndexItem k6[] = {S(5, 9)};  // clamped: empty
  EXPECT_EQ(get_item(c, k6).shape(), Shape({0, 4}));
}

TEST(Indexing, BadKeysAreIndexErrors) {
  NDArray c = from({1, 2, 3, 4}, {2, 2});
  IndexItem k1[] = {I(2)};
  try {
    get_item(c, k1);
    FAIL();
  } catch (const Error& e) {
    EXPECT_EQ(e.code(), ErrorCode::kIndex);
    EXPECT_STREQ(e.what(), "index 2 is out of bounds for axis 0 with size 2");
  }
  IndexItem k2[] = {I(0), I(0), I(0)};
  EXPECT_THROW(get_item(c, k2), Error);
  IndexItem k3[] = {S(0, 2, 0)};
  EXPECT_THROW(get_item(c, k3), Error);
}

TEST(Indexing, AssignmentWritesThroughWithBroadcastAndConversion) {
  NDArray c = from({1, 2, 3, 4, 5, 6, 7, 8}, {2, 4});
  IndexItem all[] = {S()};
  set_item(c, all, 0.0);
  EXPECT_EQ(values(c), std::vector<float>(8, 0));
  IndexItem col[] = {S(), I(2)};  // c[:, 2] = 9
  set_item(c, col, 9.0);
  EXPECT_EQ(values(c), (std::vector<float>{0, 0, 9, 0, 0, 0, 9, 0}));
  IndexItem row[] = {I(1)};  // c[1] = [1, 2, 3, 4] from int32 (converted)
  NDArray r = NDArray::empty({4}, DType::kInt32, Device::cpu());
  arange(r, 1, 1, 1);
  set_item(c, row, r);
  EXPECT_EQ(values(c), (std::vector<float>{0, 0, 9, 0, 1, 2, 3, 4}));
  IndexItem block[] = {S(), S(0, 2)};  // c[:, 0:2] = [[5], [6]] broadcast over columns
  set_item(c, block, from({5, 6}, {2, 1}));
  EXPECT_EQ(values(c), (std::vector<float>{5, 5, 9, 0, 6, 6, 3, 4}));
  IndexItem shift[] = {S(1)};  // overlapping: c[1:] = c[:1]
  IndexItem head[] = {S({}, 1)};
  set_item(c, shift, get_item(c, head));
  EXPECT_EQ(values(c), (std::vector<float>{5, 5, 9, 0, 5, 5, 9, 0}));
  try {
    set_item(c, row, from({1, 2, 3}, {3}));
    FAIL();
  } catch (const Error& e) {
    EXPECT_EQ(e.code(), ErrorCode::kShape);
    EXPECT_STREQ(e.what(), "set_item: a value of shape (3,) cannot be broadcast to the indexed shape (4,)");
  }
}

}  // namespace
}  // namespace sn
