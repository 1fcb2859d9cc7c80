// The exception barrier every ABI entry point stands behind.
#pragma once

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
