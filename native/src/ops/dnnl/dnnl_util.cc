#include "ops/dnnl/dnnl_util.h"

#include <memory>
#include <new>

namespace sn::onednn {

dnnl::engine& cpu_engine() {
  static auto* engine = new dnnl::engine(dnnl::engine::kind::cpu, 0);  // leaked: lives as long as the process
  return *engine;
}

void* thread_scratchpad(size_t bytes) {
  struct Free {
    void operator()(void* p) const noexcept { ::operator delete(p, std::align_val_t{64}); }
  };
  thread_local std::unique_ptr<void, Free> buffer;
  thread_local size_t capacity = 0;
  if (bytes > capacity) {
    buffer.reset();
    buffer.reset(::operator new(bytes, std::align_val_t{64}));
    capacity = bytes;
  }
  return buffer.get();
}

dnnl::stream& thread_stream() {
  thread_local dnnl::stream stream(cpu_engine());
  return stream;
}

dnnl::memory::data_type to_dnnl(DType dtype) {
  switch (dtype) {
    case DType::kFloat32: return dnnl::memory::data_type::f32;
    case DType::kBFloat16: return dnnl::memory::data_type::bf16;
    case DType::kFloat16: return dnnl::memory::data_type::f16;
    case DType::kInt32: return dnnl::memory::data_type::s32;
    case DType::kInt8: return dnnl::memory::data_type::s8;
    case DType::kUInt8: return dnnl::memory::data_type::u8;
    default: SN_THROW(kType, "oneDNN has no data type for ", dtype);
  }
}

void rethrow_dnnl(const dnnl::error& e, std::string_view op) {
  SN_THROW(kInternal, op, ": oneDNN failed (status ", static_cast<int>(e.status), "): ", e.what());
}

}  // namespace sn::onednn
