// MXNet's reshape specification: 0, -1, -2, -3, -4 and `reverse`.
#pragma once

#include <string_view>

#include "core/shape.h"

namespace sn {

// The shape `spec` asks for when reshaping `in` (MXNet's Reshape semantics):
//   0  copy this dim of the input       -1 infer from the remaining size
//  -2  copy all remaining input dims    -3 merge two consecutive input dims
//  -4  split one input dim into the next two values (one of which may be -1)
// With `reverse`, special values are matched from the right. Errors name `op`
// and both shapes. The result has in.size() elements.
Shape infer_reshape(const Shape& in, const Shape& spec, bool reverse, std::string_view op);

}  // namespace sn
