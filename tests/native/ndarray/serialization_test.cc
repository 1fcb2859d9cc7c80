#include "ndarray/serialization.h"

#include <gtest/gtest.h>

#include <cstdio>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <random>

#include "core/error.h"
#include "ndarray/builtin.h"

namespace sn {
namespace {

const char* kFixtures = SHARPNET_FIXTURES_DIR;

std::vector<float> floats(const NDArray& a) {
  std::vector<float> out(static_cast<size_t>(a.size()));
  copy_to_host(a, out.data(), DType::kFloat32, 0, a.size());
  return out;
}

TEST(Serialization, LoadsMXNetsPreMagicFixture) {
  NDArrayList list = load_ndarray_list(std::string(kFixtures) + "/legacy_ndarray.v0");
  ASSERT_EQ(list.arrays.size(), 6u);
  EXPECT_TRUE(list.names.empty());
  for (const NDArray& a : list.arrays) {
    EXPECT_EQ(a.shape(), Shape({128}));
    EXPECT_EQ(a.dtype(), DType::kFloat32);
    auto v = floats(a);
    for (int i = 0; i < 128; ++i) ASSERT_EQ(v[static_cast<size_t>(i)], static_cast<float>(i));
  }
}

TEST(Serialization, EveryDTypeRoundTripsNamedAndUnnamed) {
  std::vector<NDArray> arrays;
  std::vector<std::string> names;
  for (const auto& info : all_dtypes()) {
    NDArray a = NDArray::empty({2, 3}, info.dtype, Device::cpu());
    arange(a, 0, 1, 1);
    arrays.push_back(a);
    names.push_back(str("arg:", info.name));
  }
  for (bool named : {true, false}) {
    auto bytes = save_ndarray_list_to_bytes(arrays, named ? std::span<const std::string>(names) : std::span<const std::string>());
    NDArrayList back = load_ndarray_list_from_bytes(bytes.data(), bytes.size());
    ASSERT_EQ(back.arrays.size(), arrays.size());
    EXPECT_EQ(back.names, named ? names : std::vector<std::string>());
    for (size_t i = 0; i < arrays.size(); ++i) {
      EXPECT_EQ(back.arrays[i].dtype(), arrays[i].dtype());
      EXPECT_EQ(back.arrays[i].shape(), Shape({2, 3}));
      EXPECT_EQ(floats(as_type(back.arrays[i], DType::kFloat32)), floats(as_type(arrays[i], DType::kFloat32)));
    }
  }
}

TEST(Serialization, WritesVersion2AsMXNetDoes) {
  NDArray a = NDArray::empty({2}, DType::kFloat32, Device::cpu());
  fill(a, 1);
  std::string name = "w";
  auto bytes = save_ndarray_list_to_bytes(std::span<const NDArray>(&a, 1), std::span<const std::string>(&name, 1));
  // header(24) + magic(4) stype(4) ndim(4) dims(8) ctx(8) dtype(4) data(8) + names(8 + 8 + 1)
  ASSERT_EQ(bytes.size(), 24u + 4 + 4 + 4 + 8 + 8 + 4 + 8 + 8 + 8 + 1);
  uint32_t magic;
  std::memcpy(&magic, bytes.data() + 24, 4);
  EXPECT_EQ(magic, 0xF993FAC9u);
}

TEST(Serialization, SavesAtomicallyToAFile) {
  auto dir = std::filesystem::temp_directory_path() / ("sn_ser_" + std::to_string(::getpid()));
  std::filesystem::create_directories(dir);
  std::string path = (dir / "x.params").string();
  NDArray a = NDArray::empty({3}, DType::kFloat64, Device::cpu());
  fill(a, 2.5);
  std::string name = "arg:w";
  save_ndarray_list(path, std::span<const NDArray>(&a, 1), std::span<const std::string>(&name, 1));
  NDArrayList back = load_ndarray_list(path);
  EXPECT_EQ(back.names, std::vector<std::string>{"arg:w"});
  EXPECT_EQ(floats(as_type(back.arrays[0], DType::kFloat32)), (std::vector<float>{2.5f, 2.5f, 2.5f}));
  EXPECT_THROW(load_ndarray_list((dir / "missing.params").string()), Error);
  try {
    save_ndarray_list((dir / "no_such_dir" / "x.params").string(), std::span<const NDArray>(&a, 1), {});
    FAIL();
  } catch (const Error& e) {
    EXPECT_EQ(e.code(), ErrorCode::kIO);
  }
  std::filesystem::remove_all(dir);
}

std::vector<uint8_t> valid_bytes() {
  NDArray a = NDArray::empty({4, 5}, DType::kFloat32, Device::cpu());
  fill(a, 1);
  std::string name = "arg:x";
  return save_ndarray_list_to_bytes(std::span<const NDArray>(&a, 1), std::span<const std::string>(&name, 1));
}

std::string load_error(const std::vector<uint8_t>& bytes) {
  try {
    load_ndarray_list_from_bytes(bytes.data(), bytes.size());
  } catch (const Error& e) {
    return e.what();
  }
  return "no error";
}

TEST(Serialization, TruncatedFilesFailClearlyAtEveryLength) {
  auto good = valid_bytes();
  for (size_t n = 0; n < good.size(); ++n) {
    std::vector<uint8_t> cut(good.begin(), good.begin() + static_cast<ptrdiff_t>(n));
    std::string err = load_error(cut);
    EXPECT_NE(err, "no error") << n;
    EXPECT_NE(err.find("load: <memory>: "), std::string::npos) << err;
  }
}

TEST(Serialization, HostileSizesNeverAllocate) {
  auto bytes = valid_bytes();
  // A dim claiming 2^40 elements: refused before any allocation.
  int64_t huge = int64_t{1} << 40;
  std::memcpy(bytes.data() + 24 + 12, &huge, 8);
  EXPECT_NE(load_error(bytes).find("needs more data than the input holds"), std::string::npos) << load_error(bytes);
  // An array count of 2^60.
  auto b2 = valid_bytes();
  uint64_t many = uint64_t{1} << 60;
  std::memcpy(b2.data() + 16, &many, 8);
  EXPECT_NE(load_error(b2).find("claims"), std::string::npos);
  // Overflowing shape product.
  auto b3 = valid_bytes();
  int32_t ndim = 2;
  std::memcpy(b3.data() + 24 + 8, &ndim, 4);
  int64_t big = int64_t{1} << 62;
  std::memcpy(b3.data() + 24 + 12, &big, 8);
  std::memcpy(b3.data() + 24 + 20, &big, 8);
  EXPECT_NE(load_error(b3), "no error");
  // Wrong header, sparse, bad dtype.
  auto b4 = valid_bytes();
  b4[0] = 0x13;
  EXPECT_NE(load_error(b4).find("not an MXNet NDArray list"), std::string::npos);
  auto b5 = valid_bytes();
  int32_t rsp = 1;
  std::memcpy(b5.data() + 28, &rsp, 4);
  EXPECT_NE(load_error(b5).find("row_sparse"), std::string::npos);
  auto b6 = valid_bytes();
  int32_t bad = 99;
  std::memcpy(b6.data() + 24 + 4 + 4 + 4 + 16 + 8, &bad, 4);
  EXPECT_NE(load_error(b6).find("unknown dtype flag 99"), std::string::npos) << load_error(b6);
}

TEST(Serialization, RandomCorruptionNeverCrashes) {
  auto good = valid_bytes();
  std::mt19937 rng(3);
  for (int trial = 0; trial < 3000; ++trial) {
    auto b = good;
    int flips = 1 + static_cast<int>(rng() % 4);
    for (int f = 0; f < flips; ++f) b[rng() % b.size()] = static_cast<uint8_t>(rng());
    try {
      load_ndarray_list_from_bytes(b.data(), b.size());
    } catch (const Error&) {
    }
  }
}

TEST(Serialization, MXNetsExtraIntegerDTypesLoadByConversion) {
  // One int16 record written by hand: flag 8.
  std::vector<uint8_t> b;
  auto put = [&](auto v) {
    auto* p = reinterpret_cast<const uint8_t*>(&v);
    b.insert(b.end(), p, p + sizeof(v));
  };
  put(uint64_t{0x112});
  put(uint64_t{0});
  put(uint64_t{1});
  put(uint32_t{0xF993FAC9});
  put(int32_t{0});
  put(int32_t{1});
  put(int64_t{3});
  put(int32_t{1});
  put(int32_t{0});
  put(int32_t{8});
  put(int16_t{-1});
  put(int16_t{2});
  put(int16_t{30000});
  put(uint64_t{0});
  NDArrayList list = load_ndarray_list_from_bytes(b.data(), b.size());
  ASSERT_EQ(list.arrays.size(), 1u);
  EXPECT_EQ(list.arrays[0].dtype(), DType::kInt32);
  std::vector<int32_t> v(3);
  copy_to_host(list.arrays[0], v.data(), DType::kInt32, 0, 3);
  EXPECT_EQ(v, (std::vector<int32_t>{-1, 2, 30000}));
}

}  // namespace
}  // namespace sn
