#include "c_api/api_guard.h"

#include <new>
#include <string>

#include "core/device.h"
#include "core/dtype.h"
#include "core/logging.h"

namespace sn::capi {

// The ABI's enums are the core's enums; a mismatch is a build error.
static_assert(SN_OK == static_cast<int>(ErrorCode::kOk));
static_assert(SN_ERR_INVALID_ARGUMENT == static_cast<int>(ErrorCode::kInvalidArgument));
static_assert(SN_ERR_TYPE == static_cast<int>(ErrorCode::kType));
static_assert(SN_ERR_SHAPE == static_cast<int>(ErrorCode::kShape));
static_assert(SN_ERR_INDEX == static_cast<int>(ErrorCode::kIndex));
static_assert(SN_ERR_NOT_FOUND == static_cast<int>(ErrorCode::kNotFound));
static_assert(SN_ERR_OUT_OF_MEMORY == static_cast<int>(ErrorCode::kOutOfMemory));
static_assert(SN_ERR_IO == static_cast<int>(ErrorCode::kIO));
static_assert(SN_ERR_FORMAT == static_cast<int>(ErrorCode::kFormat));
static_assert(SN_ERR_UNSUPPORTED == static_cast<int>(ErrorCode::kUnsupported));
static_assert(SN_ERR_INVALID_STATE == static_cast<int>(ErrorCode::kInvalidState));
static_assert(SN_ERR_CALLBACK == static_cast<int>(ErrorCode::kCallback));
static_assert(SN_ERR_INTERNAL == static_cast<int>(ErrorCode::kInternal));
static_assert(SN_DTYPE_FLOAT32 == static_cast<int>(DType::kFloat32) && SN_DTYPE_FLOAT64 == static_cast<int>(DType::kFloat64) &&
              SN_DTYPE_FLOAT16 == static_cast<int>(DType::kFloat16) && SN_DTYPE_UINT8 == static_cast<int>(DType::kUInt8) &&
              SN_DTYPE_INT32 == static_cast<int>(DType::kInt32) && SN_DTYPE_INT8 == static_cast<int>(DType::kInt8) &&
              SN_DTYPE_INT64 == static_cast<int>(DType::kInt64) && SN_DTYPE_BOOL == static_cast<int>(DType::kBool) &&
              SN_DTYPE_BFLOAT16 == static_cast<int>(DType::kBFloat16));
static_assert(SN_DEVICE_CPU == static_cast<int>(DeviceType::kCPU) && SN_DEVICE_GPU == static_cast<int>(DeviceType::kGPU) &&
              SN_DEVICE_CPU_PINNED == static_cast<int>(DeviceType::kCPUPinned));
static_assert(SN_LOG_TRACE == static_cast<int>(LogLevel::kTrace) && SN_LOG_NONE == static_cast<int>(LogLevel::kNone));

namespace {
// Freed with the thread; the pointer sn_last_error returns stays valid until
// the next failure on this thread overwrites it.
thread_local std::string t_last_error;
}  // namespace

void set_last_error(const char* message) noexcept {
  try {
    t_last_error = message;
  } catch (...) {
    t_last_error.clear();  // out of memory while recording: an empty message beats none
  }
}

sn_status translate_current_exception() noexcept {
  auto [status, message] = describe_exception(std::current_exception());
  set_last_error(message.c_str());
  return status;
}

std::pair<sn_status, std::string> describe_exception(std::exception_ptr error) noexcept {
  try {
    std::rethrow_exception(error);
  } catch (const Error& e) {
    return {static_cast<sn_status>(e.code()), e.what()};
  } catch (const std::bad_alloc&) {
    return {SN_ERR_OUT_OF_MEMORY, "out of memory (std::bad_alloc)"};
  } catch (const std::exception& e) {
    return {SN_ERR_INTERNAL, std::string("internal error (an unexpected C++ exception; please report it): ") + e.what()};
  } catch (...) {
    return {SN_ERR_INTERNAL, "internal error (an unknown exception; please report it)"};
  }
}

void report_outcome(sn_engine_callback callback, void* user_data, std::exception_ptr error) noexcept {
  if (!error) {
    callback(user_data, SN_OK, "");
    return;
  }
  auto [status, message] = describe_exception(error);
  callback(user_data, status, message.c_str());
}

Device to_device(sn_device_type type, int32_t id, const char* function) {
  SN_CHECK(is_valid_device_type(static_cast<int32_t>(type)), function,
           ": argument 'device_type' expects 1 (cpu), 2 (gpu) or 3 (cpu_pinned), got ", static_cast<int>(type));
  SN_CHECK(id >= 0, function, ": argument 'device_id' expects an ordinal >= 0, got ", id);
  return Device{static_cast<DeviceType>(type), id};
}

}  // namespace sn::capi

extern "C" SN_API const char* sn_last_error(void) { return sn::capi::t_last_error.c_str(); }
