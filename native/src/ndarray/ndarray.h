// NDArray: a view (shape, dtype, byte offset) on a shared chunk (storage +
// engine variable + device). Reshapes and leading-axis slices are views.
#pragma once

#include <atomic>
#include <cstdint>
#include <memory>
#include <mutex>

#include "core/device.h"
#include "core/dtype.h"
#include "core/shape.h"
#include "engine/engine.h"
#include "storage/storage.h"

namespace sn {

// Defined by the layers that use them (Note [Invoke path] in ndarray/invoke.h).
struct AutogradEntry;
struct DeferredEntry;

// Note [Op lifetimes]
// An op pushed on an array captures the raw data pointer (taken on the
// pushing thread, after ensure_allocated), not the NDArray: storage is freed
// only by the chunk's delete_var, which the engine runs after every op pushed
// earlier on the chunk's variable, so the pointer outlives every op that uses
// it. Small captures keep the push path free of reference-count traffic.

// Memory and dependency shared by an array and its views.
// Note [Lazy allocation]: a chunk gets storage when the first operation that
// touches it is pushed (on the pushing thread, so an out-of-memory error
// surfaces at that call, not later on an engine thread), not when the array
// is created; storage goes back to the pool through the engine after the last
// pending operation on the chunk.
class Chunk {
 public:
  Chunk(Device device, size_t bytes);
  // A chunk on `base`'s memory with a variable of its own (custom functions' arrays: work pushed on it
  // does not wait for the op holding `base`). Keeps `base` alive.
  explicit Chunk(std::shared_ptr<Chunk> base);
  ~Chunk();
  Chunk(const Chunk&) = delete;
  Chunk& operator=(const Chunk&) = delete;

  const Device& device() const noexcept { return device_; }
  size_t bytes() const noexcept { return bytes_; }
  VarHandle var() const noexcept { return var_; }
  // Allocates on first use; thread-safe; throws kOutOfMemory.
  void ensure_allocated();
  // The storage; valid once ensure_allocated() ran (inside engine ops it has).
  void* data() const noexcept { return storage_.ptr; }

  // Chunks alive in this process (leak tests).
  static int64_t live_count() noexcept;

 private:
  Device device_;
  size_t bytes_;
  VarHandle var_;
  std::atomic<bool> allocated_{false};
  std::mutex alloc_mutex_;
  StorageHandle storage_;
  std::shared_ptr<Chunk> base_;  // an alias's owner
};

class NDArray {
 public:
  NDArray() = default;  // "none": no chunk (placeholder only)
  // An array whose storage is allocated lazily (Note [Lazy allocation]).
  static NDArray empty(const Shape& shape, DType dtype, const Device& device);

  bool is_none() const noexcept { return chunk_ == nullptr; }
  const Shape& shape() const noexcept { return shape_; }
  DType dtype() const noexcept { return dtype_; }
  const Device& device() const noexcept { return chunk_->device(); }
  int64_t size() const { return shape_.size(); }
  size_t nbytes() const { return static_cast<size_t>(size()) * static_cast<size_t>(dtype_size(dtype_)); }
  int64_t byte_offset() const noexcept { return offset_; }
  VarHandle var() const noexcept { return chunk_->var(); }
  const std::shared_ptr<Chunk>& chunk() const noexcept { return chunk_; }
  bool same_chunk(const NDArray& other) const noexcept { return chunk_ == other.chunk_; }
  // Incremented by every write pushed on the chunk (autograd's in-place checks).
  uint64_t version() const noexcept;

  // Allocates the chunk if needed: call before pushing an op that uses the array.
  void ensure_allocated() const { chunk_->ensure_allocated(); }
  // The first element. Only valid inside engine ops that hold the array's var.
  void* data() const noexcept { return static_cast<char*>(chunk_->data()) + offset_; }
  template <class T>
  T* data_as() const noexcept {
    return static_cast<T*>(data());
  }

  // Views (share the chunk). Errors name `op`.
  // The same memory and view under a new variable (Chunk(base)); for custom functions only.
  NDArray alias() const;
  NDArray reshape(const Shape& shape) const;                      // same size required
  NDArray slice(int64_t begin, int64_t end) const;                // leading axis, [begin, end)
  NDArray at(int64_t index) const;                                // leading axis, drops it
  // A view of `size` flat elements starting at element `offset` (contiguous basic indexing).
  NDArray flat_view(int64_t offset, int64_t size, const Shape& shape) const;

  // Waits: reading needs the pending writes done; writing needs all pending ops done.
  // Both rethrow the chunk's poison (Note [Poisoning] in engine/engine_impl.h).
  void wait_to_read() const;
  void wait_to_write() const;

  // Slots filled by upper layers (Note [Invoke path]).
  std::shared_ptr<AutogradEntry> autograd;
  std::shared_ptr<DeferredEntry> deferred;

 private:
  NDArray(std::shared_ptr<Chunk> chunk, Shape shape, DType dtype, int64_t offset)
      : chunk_(std::move(chunk)), shape_(std::move(shape)), dtype_(dtype), offset_(offset) {}

  std::shared_ptr<Chunk> chunk_;
  Shape shape_;
  DType dtype_ = DType::kFloat32;
  int64_t offset_ = 0;  // bytes
};

}  // namespace sn
