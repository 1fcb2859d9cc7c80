#include "ndarray/ndarray.h"

#include "core/error.h"

namespace sn {

namespace {
std::atomic<int64_t> g_live_chunks{0};
}

Chunk::Chunk(Device device, size_t bytes) : device_(device), bytes_(bytes), var_(Engine::get().new_var()) {
  g_live_chunks.fetch_add(1, std::memory_order_relaxed);
}

Chunk::Chunk(std::shared_ptr<Chunk> base)
    : device_(base->device_), bytes_(base->bytes_), var_(Engine::get().new_var()), base_(std::move(base)) {
  g_live_chunks.fetch_add(1, std::memory_order_relaxed);
}

Chunk::~Chunk() {
  g_live_chunks.fetch_sub(1, std::memory_order_relaxed);
  if (base_) {  // the memory is base_'s: keep it until the ops pushed on this variable are done
    Engine::get().delete_var(var_, [base = std::move(base_)](const RunContext&) mutable { base.reset(); }, device_);
    return;
  }
  StorageHandle storage = storage_;
  Device device = device_;
  // Never blocks: the storage returns to its pool after the last pending op on the chunk.
  Engine::get().delete_var(var_, [storage, device](const RunContext&) mutable {
    if (storage.ptr != nullptr) Storage::of(device).free(storage);
  }, device_);
}

void Chunk::ensure_allocated() {
  if (allocated_.load(std::memory_order_acquire)) return;
  std::lock_guard lock(alloc_mutex_);
  if (allocated_.load(std::memory_order_relaxed)) return;
  if (base_) {
    base_->ensure_allocated();
    storage_.ptr = base_->data();
  } else {
    storage_ = Storage::of(device_).alloc(bytes_, device_);
  }
  allocated_.store(true, std::memory_order_release);
}

int64_t Chunk::live_count() noexcept { return g_live_chunks.load(std::memory_order_relaxed); }

NDArray NDArray::empty(const Shape& shape, DType dtype, const Device& device) {
  SN_CHECK_SHAPE(shape.is_known(), "empty: the shape must be fully known, got ", shape);
  check_device_available(device, "empty");
  int64_t n = shape.size();
  int64_t bytes = 0;
  SN_CHECK_WITH_CODE_(kOutOfMemory, !__builtin_mul_overflow(n, static_cast<int64_t>(dtype_size(dtype)), &bytes),
                      "empty: ", shape, " x ", dtype, " is more bytes than int64 can count");
  return NDArray(std::make_shared<Chunk>(device, static_cast<size_t>(bytes)), shape, dtype, 0);
}

NDArray NDArray::alias() const {
  return NDArray(std::make_shared<Chunk>(chunk_), shape_, dtype_, offset_);
}

uint64_t NDArray::version() const noexcept { return Engine::get().var_version(chunk_->var()); }

NDArray NDArray::reshape(const Shape& shape) const {
  SN_CHECK_SHAPE(shape.is_known() && shape.size() == size(), "reshape: cannot view ", shape_, " (", size(),
                 " elements) as ", shape, shape.is_known() ? str(" (", shape.size(), " elements)") : std::string());
  return NDArray(chunk_, shape, dtype_, offset_);
}

NDArray NDArray::slice(int64_t begin, int64_t end) const {
  SN_CHECK_INDEX(shape_.ndim() >= 1, "slice: cannot slice a 0-d shape ", shape_);
  const int64_t n = shape_[0];
  SN_CHECK_INDEX(0 <= begin && begin <= end && end <= n, "slice: [", begin, ", ", end,
                 ") is out of range for axis 0 of size ", n);
  Shape s = shape_;
  s[0] = end - begin;
  int64_t row = shape_.size(1, shape_.ndim()) * dtype_size(dtype_);
  return NDArray(chunk_, s, dtype_, offset_ + begin * row);
}

NDArray NDArray::at(int64_t index) const {
  SN_CHECK_INDEX(shape_.ndim() >= 1, "at: cannot index a 0-d shape ", shape_);
  const int64_t n = shape_[0];
  int64_t i = index < 0 ? index + n : index;
  SN_CHECK_INDEX(0 <= i && i < n, "index ", index, " is out of bounds for axis 0 with size ", n);
  Shape s;
  for (int d = 1; d < shape_.ndim(); ++d) s.push_back(shape_[d]);
  if (s.ndim() == 0) s.push_back(1);  // legacy semantics: no 0-d arrays
  int64_t row = shape_.size(1, shape_.ndim()) * dtype_size(dtype_);
  return NDArray(chunk_, s, dtype_, offset_ + i * row);
}

NDArray NDArray::flat_view(int64_t offset, int64_t count, const Shape& shape) const {
  SN_INTERNAL_ASSERT(offset >= 0 && count >= 0 && offset + count <= size() && shape.size() == count,
                     "flat view [", offset, ", +", count, ") of ", shape_, " as ", shape);
  return NDArray(chunk_, shape, dtype_, offset_ + offset * dtype_size(dtype_));
}

void NDArray::wait_to_read() const { Engine::get().wait_for_var(var()); }

void NDArray::wait_to_write() const {
  // An internal read-write that does nothing: it waits behind every pending op
  // and keeps the poison (it completes as skipped), then the wait reports it.
  VarHandle v = var();
  Engine::get().push_async([](const RunContext& ctx, OnComplete done) { done.skip(ctx.input_poison); }, device(),
                           std::span<const VarHandle>(&v, 1), std::span<const VarHandle>(&v, 1),
                           PushOptions{.no_skip = true, .internal = true, .name = "wait_to_write"});
  Engine::get().wait_for_var(v);
}

}  // namespace sn
