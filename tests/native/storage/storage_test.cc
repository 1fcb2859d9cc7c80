#include "storage/storage.h"

#include <gtest/gtest.h>

#include <cstring>
#include <thread>
#include <vector>

#include "core/error.h"
#include "engine/engine.h"

namespace sn {
namespace {

// The CPU pool is process-wide: each test restores a clean state.
class StorageTest : public ::testing::Test {
 protected:
  Storage& cpu = Storage::of(Device::cpu());
  void SetUp() override {
    // Frees of earlier tests' arrays run on the engine: let them land before taking the baseline.
    try {
      Engine::get().wait_all();
    } catch (const std::exception&) {
    }
    cpu.set_limit(0);
    cpu.release_all();
    base_ = cpu.stats();
  }
  void TearDown() override {
    cpu.set_limit(0);
    cpu.release_all();
  }
  StorageStats base_;
};

TEST(StorageSizeClass, PowersOfTwoThenQuarterSteps) {
  EXPECT_EQ(storage_size_class(1), 64u);
  EXPECT_EQ(storage_size_class(64), 64u);
  EXPECT_EQ(storage_size_class(65), 128u);
  EXPECT_EQ(storage_size_class(1000), 1024u);
  EXPECT_EQ(storage_size_class(1 << 20), 1u << 20);
  EXPECT_EQ(storage_size_class((1 << 20) + 1), (1u << 20) + (1u << 18));  // 25% steps above 1 MiB
  EXPECT_EQ(storage_size_class(5 << 20), 5u << 20);
  for (size_t s : {3u, 777u, 123457u, 9999999u}) {
    EXPECT_GE(storage_size_class(s), s);
    EXPECT_LE(storage_size_class(s), s + s / 4 + 64) << s;
  }
}

TEST_F(StorageTest, AlignedAndWritable) {
  StorageHandle h = cpu.alloc(1000, Device::cpu(1));
  ASSERT_NE(h.ptr, nullptr);
  EXPECT_EQ(reinterpret_cast<uintptr_t>(h.ptr) % kStorageAlignment, 0u);
  EXPECT_EQ(h.size, 1000u);
  EXPECT_EQ(h.capacity, 1024u);
  EXPECT_EQ(h.device, Device::cpu(1));
  std::memset(h.ptr, 7, h.size);
  cpu.free(h);
  EXPECT_EQ(h.ptr, nullptr);
}

TEST_F(StorageTest, ZeroBytesIsANullBlock) {
  StorageHandle h = cpu.alloc(0, Device::cpu());
  EXPECT_EQ(h.ptr, nullptr);
  EXPECT_EQ(cpu.stats().in_use, base_.in_use);
  cpu.free(h);
}

TEST_F(StorageTest, FreedBlocksAreCachedAndReused) {
  StorageHandle a = cpu.alloc(4096, Device::cpu());
  void* p = a.ptr;
  EXPECT_EQ(cpu.stats().in_use, base_.in_use + 4096);
  cpu.free(a);
  StorageStats s = cpu.stats();
  EXPECT_EQ(s.in_use, base_.in_use);
  EXPECT_EQ(s.cached, 4096);
  StorageHandle b = cpu.alloc(3000, Device::cpu());  // same size class
  EXPECT_EQ(b.ptr, p);
  EXPECT_EQ(cpu.stats().pool_hits, s.pool_hits + 1);
  EXPECT_EQ(cpu.stats().cached, 0);
  cpu.free(b);
}

TEST_F(StorageTest, PeakAndReleaseAll) {
  cpu.reset_peak();
  int64_t start = cpu.stats().peak;
  StorageHandle a = cpu.alloc(1 << 20, Device::cpu());
  StorageHandle b = cpu.alloc(1 << 20, Device::cpu());
  cpu.free(a);
  cpu.free(b);
  StorageStats s = cpu.stats();
  EXPECT_EQ(s.peak, start + (2 << 20));
  EXPECT_EQ(s.cached, 2 << 20);
  cpu.release_all();
  EXPECT_EQ(cpu.stats().cached, 0);
  cpu.reset_peak();
  EXPECT_EQ(cpu.stats().peak, cpu.stats().in_use);
}

TEST_F(StorageTest, LimitFailsClearlyAfterReleasingTheCache) {
  StorageHandle cached = cpu.alloc(1 << 20, Device::cpu());
  cpu.free(cached);  // 1 MiB cached
  cpu.set_limit(base_.in_use + (3 << 20) / 2);  // room for 1.5 MiB
  // Needs the cache released to fit: succeeds.
  StorageHandle a = cpu.alloc(1 << 19, Device::cpu());
  StorageHandle b = cpu.alloc(1 << 19, Device::cpu());
  EXPECT_EQ(cpu.stats().cached, 0);
  try {
    (void)cpu.alloc(1 << 20, Device::cpu());
    FAIL() << "expected the limit to refuse";
  } catch (const Error& e) {
    EXPECT_EQ(e.code(), ErrorCode::kOutOfMemory);
    EXPECT_NE(std::string(e.what()).find("out of memory: allocating 1 MiB on cpu(0) would pass the memory limit"),
              std::string::npos)
        << e.what();
  }
  cpu.free(a);
  cpu.free(b);
  EXPECT_THROW(cpu.set_limit(-1), Error);
}

TEST_F(StorageTest, ConcurrentAllocFreeKeepsTheBooksBalanced) {
  std::vector<std::thread> threads;
  for (int t = 0; t < 4; ++t) {
    threads.emplace_back([&, t] {
      std::vector<StorageHandle> held;
      for (int i = 0; i < 2000; ++i) {
        held.push_back(cpu.alloc(static_cast<size_t>(64 * (1 + (i * 7 + t) % 50)), Device::cpu(t % 2)));
        if (held.size() > 16) {
          cpu.free(held.front());
          held.erase(held.begin());
        }
      }
      for (auto& h : held) cpu.free(h);
    });
  }
  for (auto& t : threads) t.join();
  EXPECT_EQ(cpu.stats().in_use, base_.in_use);
}

TEST(Storage, GpuWithoutCudaIsAClearError) {
  try {
    Storage::of(Device::gpu(0));
    FAIL();
  } catch (const Error& e) {
    EXPECT_EQ(e.code(), ErrorCode::kUnsupported);
    EXPECT_NE(std::string(e.what()).find("storage: gpu(0) is not available"), std::string::npos);
  }
}

}  // namespace
}  // namespace sn
