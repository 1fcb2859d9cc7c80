// oneDNN plumbing shared by ops: the CPU engine, a stream per thread, and a
// bounded cache of primitives keyed by shape signature.
#pragma once

#include <oneapi/dnnl/dnnl.hpp>

#include <charconv>
#include <list>
#include <mutex>
#include <string>
#include <unordered_map>

#include "core/dtype.h"
#include "core/error.h"

namespace sn::onednn {

dnnl::engine& cpu_engine();
dnnl::stream& thread_stream();
// This thread's scratchpad for a primitive created with scratchpad_mode::user, at least `bytes` (64-byte aligned;
// grown as needed, kept for the thread's life). Valid until the next call on this thread.
void* thread_scratchpad(size_t bytes);
dnnl::memory::data_type to_dnnl(DType dtype);

// A cache key from integers and characters, built without streams (it is built on every call).
inline void append_key(std::string& key, char c) { key.push_back(c); }
inline void append_key(std::string& key, int64_t v) {
  char buf[24];
  auto r = std::to_chars(buf, buf + sizeof(buf), v);
  key.append(buf, r.ptr);
}
template <class... Parts>
std::string cache_key(Parts... parts) {
  std::string key;
  key.reserve(64);
  (append_key(key, parts), ...);
  return key;
}

// Note [Primitive cache]
// Creating a oneDNN primitive (choosing and JIT-compiling a kernel) costs far
// more than running a small one, so primitives are cached by a key built from
// everything that determines them (op, dims, strides, dtypes). The cache is an
// LRU bounded at kCapacity entries per primitive kind. A cached primitive runs
// on whichever thread runs the op, possibly on several at once, which oneDNN
// allows only with scratchpad_mode::user: its default (library) scratchpad is
// shared by all primitives and ties each to the thread that created it (two
// threads running matmuls at once corrupted each other's results). So every
// cached primitive is created with a user scratchpad and executed with this
// thread's (thread_scratchpad) or the op's workspace.
template <class Primitive>
class PrimitiveCache {
 public:
  static constexpr size_t kCapacity = 512;

  template <class Make>
  Primitive get(const std::string& key, Make make) {
    {
      std::lock_guard lock(mutex_);
      auto it = map_.find(key);
      if (it != map_.end()) {
        lru_.splice(lru_.begin(), lru_, it->second.second);
        return it->second.first;
      }
    }
    Primitive p = make();  // outside the lock: creation can take milliseconds
    std::lock_guard lock(mutex_);
    if (map_.find(key) == map_.end()) {
      lru_.push_front(key);
      map_.emplace(key, std::make_pair(p, lru_.begin()));
      if (map_.size() > kCapacity) {
        map_.erase(lru_.back());
        lru_.pop_back();
      }
    }
    return p;
  }

 private:
  std::mutex mutex_;
  std::list<std::string> lru_;
  std::unordered_map<std::string, std::pair<Primitive, std::list<std::string>::iterator>> map_;
};

// oneDNN reports errors with dnnl::error; turn them into Sharpnet errors naming the op.
[[noreturn]] void rethrow_dnnl(const dnnl::error& e, std::string_view op);

}  // namespace sn::onednn
