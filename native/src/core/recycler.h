// Fixed-size memory recycled across threads without malloc's cross-thread cost.
#pragma once

#include <algorithm>
#include <cstddef>
#include <mutex>
#include <new>
#include <vector>

#include "core/threading.h"

namespace sn {

// Note [Recycler]
// Objects of the hot path (engine op blocks, kernel calls) are allocated by
// the pushing thread and freed by a worker, or the other way round. Through
// malloc that crosses threads on every op and contends on the allocating
// thread's arena lock. Instead their memory is recycled: each thread keeps a
// small cache of free blocks of one size and trades batches of kBatch with a
// global list, so memory flows from workers back to producers with one lock
// per batch. One Recycler per size (template parameter); `Discard` frees a
// block that cannot be kept (raw memory by default).
struct DiscardRaw {
  static void discard(void* p) noexcept { ::operator delete(p); }
};

template <size_t Size, class Discard = DiscardRaw>
class Recycler {
 public:
  static void* take() {
    void* p = try_take();
    return p != nullptr ? p : ::operator new(Size);
  }
  // A recycled block, or null when none is free.
  static void* try_take() {
    Cache& c = cache();
    if (c.blocks.empty()) refill(c);
    if (c.blocks.empty()) return nullptr;
    void* p = c.blocks.back();
    c.blocks.pop_back();
    return p;
  }
  static void give(void* p) noexcept {
    Cache& c = cache();
    try {
      c.blocks.push_back(p);
    } catch (...) {
      Discard::discard(p);
      return;
    }
    if (c.blocks.size() >= 2 * kBatch) spill(c);
  }

 private:
  static constexpr size_t kBatch = 64;
  struct Global {
    std::mutex mutex;
    std::vector<std::vector<void*>> batches;
  };
  struct Cache {
    std::vector<void*> blocks;
    ~Cache() {  // a thread ends: its blocks go back for others
      while (!blocks.empty()) spill(*this);
    }
  };
  static Global& global() {
    static auto* g = new Global;  // leaked: outlives every thread's cache
    return *g;
  }
  static Cache& cache() {
    static SN_HOT_THREAD_LOCAL Cache c;
    return c;
  }
  static void refill(Cache& c) {
    Global& g = global();
    std::lock_guard lock(g.mutex);
    if (g.batches.empty()) return;
    c.blocks = std::move(g.batches.back());
    g.batches.pop_back();
  }
  static void spill(Cache& c) noexcept {
    size_t n = std::min(kBatch, c.blocks.size());
    try {
      std::vector<void*> batch(c.blocks.end() - static_cast<std::ptrdiff_t>(n), c.blocks.end());
      c.blocks.resize(c.blocks.size() - n);
      Global& g = global();
      std::lock_guard lock(g.mutex);
      g.batches.push_back(std::move(batch));
    } catch (...) {
      for (size_t i = 0; i < n; ++i) {
        Discard::discard(c.blocks.back());
        c.blocks.pop_back();
      }
    }
  }
};

// new/delete of T through its size's Recycler.
template <class T, class... Args>
T* recycled_new(Args&&... args) {
  void* p = Recycler<sizeof(T)>::take();
  try {
    return ::new (p) T(std::forward<Args>(args)...);
  } catch (...) {
    Recycler<sizeof(T)>::give(p);
    throw;
  }
}
template <class T>
void recycled_delete(T* p) noexcept {
  if (p == nullptr) return;
  p->~T();
  Recycler<sizeof(T)>::give(p);
}

// Objects recycled alive: give() keeps the object as it is and take() hands it back for the caller
// to overwrite, so what it holds is released on the taking thread. For objects made on a producer
// thread and finished on a worker whose members (a shared_ptr's count) should not bounce between them.
template <class T>
class ObjectRecycler {
  struct Discard {
    static void discard(void* p) noexcept { delete static_cast<T*>(p); }
  };
  using Pool = Recycler<sizeof(T), Discard>;

 public:
  static T* take() {
    void* p = Pool::try_take();
    return p != nullptr ? static_cast<T*>(p) : new T();
  }
  static void give(T* p) noexcept { Pool::give(p); }
};

}  // namespace sn
