// Errors: SN_CHECK for user errors, SN_INTERNAL_ASSERT for bugs.
#pragma once

#include <cstdint>
#include <exception>
#include <string>

#include "core/str.h"

namespace sn {

// Note [Two kinds of checks]
// SN_CHECK* report user errors (a bad argument, shape, dtype, parameter, file):
// the message names the op or function and the argument, and says what was
// expected and what was given. SN_INTERNAL_ASSERT reports bugs. Neither ever
// aborts: both throw sn::Error, which the C ABI turns into a status and a
// message, so a .NET host survives any input.

// Values are the ABI's sn_status values (checked in c_api).
enum class ErrorCode : int32_t {
  kOk = 0,
  kInvalidArgument = 1,
  kType = 2,
  kShape = 3,
  kIndex = 4,
  kNotFound = 5,
  kOutOfMemory = 6,
  kIO = 7,
  kFormat = 8,
  kUnsupported = 9,
  kInvalidState = 10,
  kCallback = 11,
  kInternal = 12,
};

const char* error_code_name(ErrorCode code) noexcept;

class Error : public std::exception {
 public:
  Error(ErrorCode code, std::string message) : code_(code), message_(std::move(message)) {}
  ErrorCode code() const noexcept { return code_; }
  const char* what() const noexcept override { return message_.c_str(); }
  const std::string& message() const noexcept { return message_; }

 private:
  ErrorCode code_;
  std::string message_;
};

[[noreturn]] void throw_error(ErrorCode code, std::string message);
[[noreturn]] void throw_internal_error(const char* condition, const char* file, int line, std::string message);

}  // namespace sn

#define SN_CHECK_WITH_CODE_(code, cond, ...)                          \
  do {                                                                \
    if (!(cond)) [[unlikely]] {                                       \
      ::sn::throw_error(::sn::ErrorCode::code, ::sn::str(__VA_ARGS__)); \
    }                                                                 \
  } while (0)

// User errors. The message parts are streamed together only on failure.
#define SN_CHECK(cond, ...) SN_CHECK_WITH_CODE_(kInvalidArgument, cond, __VA_ARGS__)
#define SN_CHECK_TYPE(cond, ...) SN_CHECK_WITH_CODE_(kType, cond, __VA_ARGS__)
#define SN_CHECK_SHAPE(cond, ...) SN_CHECK_WITH_CODE_(kShape, cond, __VA_ARGS__)
#define SN_CHECK_INDEX(cond, ...) SN_CHECK_WITH_CODE_(kIndex, cond, __VA_ARGS__)
#define SN_THROW(code, ...) ::sn::throw_error(::sn::ErrorCode::code, ::sn::str(__VA_ARGS__))

// Bugs: reported as SN_ERR_INTERNAL with the condition and location.
#define SN_INTERNAL_ASSERT(cond, ...)                                                    \
  do {                                                                                   \
    if (!(cond)) [[unlikely]] {                                                          \
      ::sn::throw_internal_error(#cond, __FILE__, __LINE__, ::sn::str(__VA_ARGS__)); \
    }                                                                                    \
  } while (0)
