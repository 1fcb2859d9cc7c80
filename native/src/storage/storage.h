// Device memory: pooled allocators with statistics, release-all and a memory limit.
#pragma once

#include <cstddef>
#include <cstdint>

#include "core/device.h"

namespace sn {

// A block of device memory. `size` is what was asked for; `capacity` the size
// class actually reserved (what the pool accounts and caches).
struct StorageHandle {
  void* ptr = nullptr;
  size_t size = 0;
  size_t capacity = 0;
  Device device;
};

struct StorageStats {
  int64_t in_use = 0;      // bytes handed out (capacities)
  int64_t cached = 0;      // bytes freed into the pool, ready for reuse
  int64_t peak = 0;        // highest in_use since start or reset_peak
  int64_t limit = 0;       // 0: no limit
  int64_t allocations = 0; // calls to alloc
  int64_t pool_hits = 0;   // allocations served from the cache
};

constexpr size_t kStorageAlignment = 64;

// Note [Pooled storage]
// Freed blocks are cached per size class and reused, because fresh pages from
// the OS cost a page fault per 4 KiB on first touch (a 64 MiB output spends
// most of its time faulting). Size classes: powers of two up to 1 MiB, then
// four classes per power of two (at most 25% slack). The memory limit applies
// to in_use + cached, i.e. to what the pool holds from the OS: an allocation
// that would pass it first releases the cache and retries once, then fails
// with an out-of-memory error that says how much was asked, held and allowed,
// instead of letting Linux's overcommit meet the OOM killer later. A failed
// malloc also releases the cache and retries once. All CPU devices share one
// pool (cpu(0) and cpu(1) are the same memory).
class Storage {
 public:
  // The pool of `device`'s memory; gpu(n) requires CUDA.
  static Storage& of(const Device& device);

  virtual ~Storage() = default;
  // 64-byte aligned; size 0 gives a null block. Throws kOutOfMemory.
  virtual StorageHandle alloc(size_t size, const Device& device) = 0;
  virtual void free(StorageHandle& handle) noexcept = 0;
  virtual void release_all() noexcept = 0;
  virtual StorageStats stats() const noexcept = 0;
  virtual void reset_peak() noexcept = 0;
  // 0 removes the limit. A limit below what is in use is allowed (new allocations fail).
  virtual void set_limit(int64_t bytes) = 0;
};

// The size class an allocation of `size` bytes occupies.
size_t storage_size_class(size_t size) noexcept;

}  // namespace sn
