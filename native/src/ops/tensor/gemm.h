// Batched matrix products for ops (dot, batch_dot, FullyConnected): oneDNN's
// matmul for float32/bfloat16, a blocked loop for float64, float16 through
// float32 in the op's workspace.
#pragma once

#include <span>

#include "ops/registry.h"

namespace sn {

// C[b] (m x n) = op(A[b]) (m x k) * op(B[b]) (k x n), row-major; A is (m x k) or, transposed, (k x m).
void gemm(const TensorView& a, const TensorView& b, const TensorView& c, int64_t batch, int64_t m, int64_t k, int64_t n,
          bool ta, bool tb, const OpContext& ctx);

// The workspace gemm needs for float16 operands (in[0], in[1] and out[0] converted to float32); 0 otherwise.
size_t f16_workspace(const OpAttrs& attrs, std::span<const TensorView> in, std::span<const TensorView> out);

}  // namespace sn
