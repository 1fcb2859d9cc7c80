// libFuzzer target: MXNet NDArray list files from arbitrary bytes must load or
// fail with sn::Error; never crash, over-read (ASan) or allocate beyond the input.
#include <cstddef>
#include <cstdint>

#include "core/error.h"
#include "ndarray/serialization.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  try {
    sn::NDArrayList list = sn::load_ndarray_list_from_bytes(data, size);
    // Loaded arrays must be consistent with what the input could hold: every element took at least one input
    // byte (bytes may grow: legacy dtypes such as int16 and uint32 load widened to int32 and int64).
    size_t elements = 0;
    for (const auto& a : list.arrays) elements += static_cast<size_t>(a.size());
    if (elements > size) __builtin_trap();
  } catch (const sn::Error&) {
  }
  return 0;
}
