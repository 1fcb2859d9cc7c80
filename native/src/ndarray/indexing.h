// Basic indexing with MXNet 1.9's copy/alias rule: a contiguous result is a
// view, anything else a copy; assignment writes through either way.
#pragma once

#include <cstdint>
#include <span>

#include "ndarray/ndarray.h"

namespace sn {

struct IndexItem {
  enum Kind : int32_t { kInt = 0, kSlice = 1, kNewAxis = 2 };
  Kind kind = kSlice;
  int64_t start = 0;  // kInt: the index (negative counts from the end)
  int64_t stop = 0;
  int64_t step = 1;
  bool has_start = false;  // absent: from the beginning (or the end, for negative steps)
  bool has_stop = false;
};

// Note [Basic indexing]
// Python's rules per axis (negative indices count from the end, slices clamp,
// step 0 is an error); missing trailing axes are full slices; integer axes are
// dropped from the result; new axes insert size-1 dims; a result with no dims
// has shape (1,) (legacy semantics, no 0-d arrays). Like MXNet 1.9, a result
// that is contiguous in memory is a view sharing the chunk; otherwise it is a
// new array holding a copy.
NDArray get_item(const NDArray& a, std::span<const IndexItem> key);

// a[key] = value: the scalar converted to a's dtype, or `value` broadcast to the
// indexed shape (NumPy broadcasting) and converted. Asynchronous.
void set_item(const NDArray& a, std::span<const IndexItem> key, double value);
void set_item(const NDArray& a, std::span<const IndexItem> key, const NDArray& value);

}  // namespace sn
