#include "ndarray/builtin.h"

#include "core/error.h"
#include "ndarray/kernels.h"

namespace sn {

namespace {

std::span<const VarHandle> one(const VarHandle& v) { return {&v, 1}; }

void check_range(const NDArray& a, int64_t offset, int64_t count, const char* what) {
  SN_CHECK_INDEX(offset >= 0 && count >= 0 && offset <= a.size() && count <= a.size() - offset, what,
                 ": elements [", offset, ", ", offset, " + ", count, ") are out of range for an array of ", a.size(),
                 " elements");
}

}  // namespace

// Built-ins on a few elements run in place when the array is free (Note [Running tiny ops in place]).
constexpr int64_t kInlineMaxElements = 4096;
bool tiny(const NDArray& a) { return a.size() <= kInlineMaxElements; }

// Ops capture raw pointers (Note [Op lifetimes]).
void fill(const NDArray& dst, double value) {
  dst.ensure_allocated();
  VarHandle w = dst.var();
  Engine::get().push([data = dst.data(), dtype = dst.dtype(), n = dst.size(), value](const RunContext& ctx) {
    fill(data, dtype, n, value, ctx.num_threads);
  }, dst.device(), {}, one(w), PushOptions{.inline_if_ready = tiny(dst), .name = "fill"});
}

void arange(const NDArray& dst, double start, double step, int64_t repeat) {
  SN_CHECK(repeat >= 1, "arange: argument 'repeat' expects a count >= 1, got ", repeat);
  dst.ensure_allocated();
  VarHandle w = dst.var();
  Engine::get().push([data = dst.data(), dtype = dst.dtype(), n = dst.size(), start, step, repeat](const RunContext& ctx) {
    arange(data, dtype, n, start, step, repeat, ctx.num_threads);
  }, dst.device(), {}, one(w), PushOptions{.inline_if_ready = tiny(dst), .name = "arange"});
}

void copy(const NDArray& src, const NDArray& dst) {
  SN_CHECK_SHAPE(src.shape() == dst.shape(), "copyto: the source has shape ", src.shape(),
                 " but the target has shape ", dst.shape());
  if (src.same_chunk(dst) && src.byte_offset() == dst.byte_offset() && src.dtype() == dst.dtype()) return;
  SN_CHECK(!src.same_chunk(dst), "copyto: the source and the target share memory (one is a view of the other)");
  src.ensure_allocated();
  dst.ensure_allocated();
  VarHandle r = src.var(), w = dst.var();
  // A copy between devices runs on the target's copy pool; on one device it is compute.
  FnProperty prop = src.device() == dst.device() ? FnProperty::kNormal : FnProperty::kCopy;
  Engine::get().push([s = src.data(), sd = src.dtype(), d = dst.data(), dd = dst.dtype(), n = src.size()](
                         const RunContext& ctx) { convert(s, sd, d, dd, n, ctx.num_threads); },
                     dst.device(), one(r), one(w),
                     PushOptions{.property = prop, .inline_if_ready = prop == FnProperty::kNormal && tiny(dst),
                                 .name = "copyto"});
}

NDArray copy_to_device(const NDArray& src, const Device& device) {
  NDArray out = NDArray::empty(src.shape(), src.dtype(), device);
  copy(src, out);
  return out;
}

NDArray as_type(const NDArray& src, DType dtype) {
  NDArray out = NDArray::empty(src.shape(), dtype, src.device());
  copy(src, out);
  return out;
}

void copy_from_host(const NDArray& dst, const void* data, DType host_dtype, int64_t offset, int64_t count) {
  check_range(dst, offset, count, "copy_from");
  SN_CHECK(data != nullptr || count == 0, "copy_from: the source buffer is null");
  if (count == 0) return;
  dst.ensure_allocated();
  VarHandle w = dst.var();
  // Pushed and waited for: the host buffer is only valid during this call.
  char* base = static_cast<char*>(dst.data()) + offset * dtype_size(dst.dtype());
  Engine::get().push([base, dd = dst.dtype(), data, host_dtype, count](const RunContext& ctx) {
    convert(data, host_dtype, base, dd, count, ctx.num_threads);
  }, dst.device(), {}, one(w), PushOptions{.name = "copy_from"});
  Engine::get().wait_for_var(w);
}

void copy_to_host(const NDArray& src, void* data, DType host_dtype, int64_t offset, int64_t count) {
  check_range(src, offset, count, "copy_to");
  SN_CHECK(data != nullptr || count == 0, "copy_to: the target buffer is null");
  src.ensure_allocated();
  // A read op waited for through a private variable: no write pushed meanwhile can
  // tear the copy, and a poisoned source poisons the variable, so the wait throws.
  Engine& engine = Engine::get();
  VarHandle done = engine.new_var();
  VarHandle r = src.var();
  const char* base = static_cast<const char*>(src.data()) + offset * dtype_size(src.dtype());
  engine.push([base, sd = src.dtype(), data, host_dtype, count](const RunContext& ctx) {
    convert(base, sd, data, host_dtype, count, ctx.num_threads);
  }, src.device(), one(r), one(done), PushOptions{.name = "copy_to"});
  try {
    engine.wait_for_var(done);
  } catch (...) {
    engine.delete_var(done);
    throw;
  }
  engine.delete_var(done);
}

}  // namespace sn
