// Small float32 arrays for tests: from and to host vectors (each waits as copies do).
#pragma once

#include <vector>

#include "ndarray/builtin.h"
#include "ndarray/ndarray.h"

namespace sn::testing {

inline NDArray array(const std::vector<float>& v, Shape shape = {}) {
  if (shape.ndim() == 0) shape = Shape({static_cast<int64_t>(v.size())});
  NDArray a = NDArray::empty(shape, DType::kFloat32, Device::cpu());
  copy_from_host(a, v.data(), DType::kFloat32, 0, a.size());
  return a;
}

template <class T = float>
std::vector<T> values(const NDArray& a) {
  std::vector<T> v(static_cast<size_t>(a.size()));
  copy_to_host(a, v.data(), dtype_of<T>, 0, a.size());
  return v;
}

}  // namespace sn::testing
