// Operations NDArray needs by itself, pushed through the engine (the operator
// registry builds on top of them later).
#pragma once

#include <cstdint>

#include "ndarray/ndarray.h"

namespace sn {

// Asynchronous: return once pushed.
void fill(const NDArray& dst, double value);
void arange(const NDArray& dst, double start, double step, int64_t repeat);
// Same shape; converts dtypes (Note [Conversion semantics]); any CPU devices.
void copy(const NDArray& src, const NDArray& dst);
NDArray copy_to_device(const NDArray& src, const Device& device);
NDArray as_type(const NDArray& src, DType dtype);

// Synchronous (host memory is only valid during the call): copies `count`
// elements between flat element `offset` of the array and `data`, which holds
// elements of `host_dtype` (converted as needed).
void copy_from_host(const NDArray& dst, const void* data, DType host_dtype, int64_t offset, int64_t count);
void copy_to_host(const NDArray& src, void* data, DType host_dtype, int64_t offset, int64_t count);

}  // namespace sn
