#include "core/error.h"

namespace sn {

const char* error_code_name(ErrorCode code) noexcept {
  switch (code) {
    case ErrorCode::kOk: return "ok";
    case ErrorCode::kInvalidArgument: return "invalid argument";
    case ErrorCode::kType: return "type error";
    case ErrorCode::kShape: return "shape error";
    case ErrorCode::kIndex: return "index error";
    case ErrorCode::kNotFound: return "not found";
    case ErrorCode::kOutOfMemory: return "out of memory";
    case ErrorCode::kIO: return "I/O error";
    case ErrorCode::kFormat: return "format error";
    case ErrorCode::kUnsupported: return "unsupported";
    case ErrorCode::kInvalidState: return "invalid state";
    case ErrorCode::kCallback: return "callback error";
    case ErrorCode::kInternal: return "internal error";
  }
  return "unknown error";
}

void throw_error(ErrorCode code, std::string message) { throw Error(code, std::move(message)); }

void throw_internal_error(const char* condition, const char* file, int line, std::string message) {
  std::string text = str("internal error (a bug in Sharpnet; please report it): ", condition, " failed at ", file, ":",
                         line);
  if (!message.empty()) text += str(": ", message);
  throw Error(ErrorCode::kInternal, std::move(text));
}

}  // namespace sn
