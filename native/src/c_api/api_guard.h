// The exception barrier every ABI entry point stands behind.
#pragma once

#include <exception>
#include <string>
#include <utility>

#include "core/device.h"
#include "core/error.h"
#include "sharpnet/c_api.h"

namespace sn::capi {

// Records the current exception as this thread's last error; returns its status.
sn_status translate_current_exception() noexcept;
void set_last_error(const char* message) noexcept;

// Fails with SN_ERR_INVALID_ARGUMENT naming the function and the argument.
template <class T>
void check_not_null(const T* ptr, const char* function, const char* argument) {
  SN_CHECK(ptr != nullptr, function, ": argument '", argument, "' must not be NULL");
}

// The status and message of an exception (for callbacks, which get no sn_last_error).
std::pair<sn_status, std::string> describe_exception(std::exception_ptr error) noexcept;
// Calls an ABI callback with SN_OK, or with the error's status and message.
void report_outcome(sn_engine_callback callback, void* user_data, std::exception_ptr error) noexcept;
// A validated device from ABI arguments; errors name `function`.
Device to_device(sn_device_type type, int32_t id, const char* function);

}  // namespace sn::capi

// SN_API_BEGIN(); ... SN_API_END(); wraps a whole entry point: every exception
// becomes a status and a thread-local message; nothing unwinds into C.
#define SN_API_BEGIN() try {
#define SN_API_END()                                        \
  }                                                         \
  catch (...) {                                             \
    return ::sn::capi::translate_current_exception();       \
  }                                                         \
  return SN_OK
