// MXNet's NDArray list files (.params, nd.save): FORMATS.md "NDArray list files".
#pragma once

#include <cstdint>
#include <span>
#include <string>
#include <vector>

#include "ndarray/ndarray.h"

namespace sn {

struct NDArrayList {
  std::vector<NDArray> arrays;
  std::vector<std::string> names;  // empty for an unnamed list, else one per array
};

// Writes version-2 dense records (what MXNet 1.x writes), to a temporary file
// renamed into place, so a failure never leaves a half-written file at `path`.
// `names` is empty (unnamed list) or one per array. Waits for the arrays.
void save_ndarray_list(const std::string& path, std::span<const NDArray> arrays, std::span<const std::string> names);
std::vector<uint8_t> save_ndarray_list_to_bytes(std::span<const NDArray> arrays, std::span<const std::string> names);

// Reads versions 1, 2, 3 and the pre-magic layout; arrays go to `device`.
// Corrupt, truncated or hostile input fails with kFormat (kIO for file errors),
// never reading past the end or allocating more than the input can hold.
NDArrayList load_ndarray_list(const std::string& path, const Device& device = Device::cpu());
NDArrayList load_ndarray_list_from_bytes(const uint8_t* data, size_t size, const Device& device = Device::cpu());

}  // namespace sn
