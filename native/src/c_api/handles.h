// The objects behind the opaque NDArray handles, and argument conversions
// shared by the ABI files.
#pragma once

#include <atomic>
#include <cstdint>
#include <span>

#include <map>
#include <string>

#include "c_api/api_guard.h"
#include "graph/symbol.h"
#include "ndarray/ndarray.h"
#include "ops/registry.h"

// One handle = one NDArray value (its own autograd entry, as one MXNet NDArray handle).
struct sn_ndarray {
  sn::NDArray array;
};

struct sn_symbol {
  sn::Symbol symbol;
};

namespace sn::capi {

// Handles alive in this process (leak tests).
extern std::atomic<int64_t> g_live_handles;

inline sn_ndarray_t wrap(NDArray a) {
  auto* h = new sn_ndarray{std::move(a)};
  g_live_handles.fetch_add(1, std::memory_order_relaxed);
  return h;
}
inline void free_handle(sn_ndarray_t h) noexcept {
  if (h == nullptr) return;
  delete h;
  g_live_handles.fetch_sub(1, std::memory_order_relaxed);
}

inline const NDArray& unwrap(sn_ndarray_t h, const char* function, const char* argument = "array") {
  SN_CHECK(h != nullptr, function, ": argument '", argument, "' must not be NULL");
  return h->array;
}

DType to_dtype(sn_dtype d, const char* function, const char* argument = "dtype");
Shape to_shape(const int64_t* dims, int32_t ndim, const char* function);

// A pointer + count argument as a span; a negative count or a NULL pointer with a positive count
// fails naming the function and the argument.
template <class T>
std::span<const T> to_span(const T* data, int64_t count, const char* function, const char* argument) {
  SN_CHECK(count >= 0, function, ": the length of '", argument, "' must be >= 0, got ", count);
  SN_CHECK(count == 0 || data != nullptr, function, ": argument '", argument, "' must not be NULL when its length is ",
           count);
  return std::span<const T>(data, static_cast<size_t>(count));
}

// Handles as arrays; a NULL entry fails naming it, or becomes a none array where `allow_null` (optional arrays:
// gradients, head gradients).
std::vector<NDArray> unwrap_all(const sn_ndarray_t* handles, int32_t count, const char* function, const char* argument,
                                bool allow_null = false);

inline const Symbol& unwrap(sn_symbol_t h, const char* function, const char* argument = "symbol") {
  SN_CHECK(h != nullptr, function, ": argument '", argument, "' must not be NULL");
  return h->symbol;
}

// Strings, each followed by a NUL, in this thread's borrowed buffer (valid until the next call on this thread that
// borrows text this way).
void borrow_strings(const std::vector<std::string>& items, const uint8_t** text, int64_t* length);

// Operator `op` by id; out of range fails naming the function.
const OpDef& op_at(int32_t op, const char* function);
// Typed ABI parameters (sn_param and its buffers) in the registry's form; every offset is checked.
std::vector<IndexedParamValue> to_values(const OpDef& op, const sn_param* params, int32_t num_params,
                                         const int64_t* ints, int32_t num_ints, const double* floats, int32_t num_floats,
                                         const uint8_t* text, int32_t text_length, const char* function);
// NUL-terminated UTF-8 strings back to back; pairs of them (key, value) for string parameters.
std::vector<std::string_view> to_strings(const uint8_t* text, int32_t length, const char* function, const char* argument);
std::vector<ParamKV> to_pairs(const uint8_t* text, int32_t length, const char* function, const char* argument);
// Named shapes (sn_symbol_infer_shape's `names`, `dims`, `ndims`); each name once, no negative dims.
std::map<std::string, Shape> to_named_shapes(const uint8_t* names, int32_t names_length, const int64_t* dims,
                                             int32_t num_dims, const int32_t* ndims, int32_t num_shapes,
                                             const char* function);
// Named dtypes (sn_symbol_infer_type's `names`, `dtypes`); each name once, valid sn_dtype values.
std::map<std::string, int> to_named_dtypes(const uint8_t* names, int32_t names_length, const int32_t* dtypes,
                                           int32_t num_dtypes, const char* function);

}  // namespace sn::capi
