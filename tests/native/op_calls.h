// Calling registered ops by name in tests, and checking the errors they raise.
#pragma once

#include <gtest/gtest.h>

#include <string>
#include <vector>

#include "core/error.h"
#include "ops/imperative.h"

namespace sn::testing {

// Every visible output of op(in) (not waited for: values() and wait_to_read() wait).
inline std::vector<NDArray> call_all(const char* op, std::vector<NDArray> in, std::vector<ParamKV> params = {},
                                     std::vector<NDArray> out = {}) {
  return invoke(OpRegistry::get().at(op).parse(params), in, out, InvokeFlags{});
}
inline NDArray call(const char* op, std::vector<NDArray> in, std::vector<ParamKV> params = {}) {
  return call_all(op, std::move(in), std::move(params))[0];
}

// The error op(in) raises, at the call or at the wait for its outputs (kOk if none).
struct Outcome {
  ErrorCode code = ErrorCode::kOk;
  std::string message = "no error";
};
inline Outcome run(const char* op, std::vector<NDArray> in, std::vector<ParamKV> params = {},
                   std::vector<NDArray> out = {}) {
  try {
    for (const NDArray& a : call_all(op, std::move(in), std::move(params), std::move(out))) a.wait_to_read();
  } catch (const Error& e) {
    return {e.code(), e.what()};
  }
  return {};
}

}  // namespace sn::testing

// The outcome is error `code_` (an ErrorCode enumerator) with `text` in its message.
#define EXPECT_ERROR(outcome, code_, text)                                                  \
  do {                                                                                      \
    ::sn::testing::Outcome o_ = (outcome);                                                  \
    EXPECT_EQ(o_.code, ::sn::ErrorCode::code_) << o_.message;                               \
    EXPECT_NE(o_.message.find(text), std::string::npos) << "message: " << o_.message;      \
  } while (0)
