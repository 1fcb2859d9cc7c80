// _shuffle: a random permutation of the rows (first axis). The permutation is a Fisher-Yates shuffle whose
// step i draws from substream i (Note [Per-element substreams]): a function of the seed, the call and the
// row count only.
#include <cstring>

#include "ops/op_utils.h"
#include "ops/random/distributions.h"

namespace sn {
namespace {

bool infer_shuffle_shape(const OpAttrs& attrs, std::vector<Shape>& in, std::vector<Shape>& out) {
  merge_shape(*attrs.op, out[0], in[0], "the output");
  merge_input_shape(*attrs.op, in[0], out[0], 0);
  return out[0].is_known();
}

void shuffle_kernel(const OpContext& ctx, std::span<const TensorView> in, std::span<const TensorView> out) {
  const Shape& s = in[0].shape;
  const int64_t rows = s.ndim() == 0 ? 1 : s[0];
  if (rows == 0) return;
  std::vector<int64_t> perm(static_cast<size_t>(rows));
  for (int64_t i = 0; i < rows; ++i) perm[static_cast<size_t>(i)] = i;
  for (int64_t i = rows - 1; i > 0; --i) {
    philox::ElementStream st(ctx.random_seed, ctx.random_sequence, static_cast<uint64_t>(i));
    const auto j = static_cast<int64_t>(st.below(static_cast<uint64_t>(i) + 1));
    std::swap(perm[static_cast<size_t>(i)], perm[static_cast<size_t>(j)]);
  }
  const size_t row_bytes = static_cast<size_t>(in[0].size() / rows) * static_cast<size_t>(dtype_size(in[0].dtype));
  const auto* x = static_cast<const unsigned char*>(in[0].data);
  auto* y = static_cast<unsigned char*>(out[0].data);
  parallel_for(rows, ctx.run.num_threads, [&](int64_t lo, int64_t hi) {
    for (int64_t r = lo; r < hi; ++r) {
      const auto src = static_cast<size_t>(perm[static_cast<size_t>(r)]);
      std::memcpy(y + static_cast<size_t>(r) * row_bytes, x + src * row_bytes, row_bytes);
    }
  }, std::max<int64_t>(static_cast<int64_t>(row_bytes) / 4, 1));
}

[[maybe_unused]] OpRegistrar r_shuffle = OpRegistrar("_shuffle")
                                             .describe("Randomly permutes the rows (the first axis) of data.")
                                             .alias("shuffle")
                                             .dtypes<AllDTypes>()
                                             .inputs({"data"})
                                             .outputs({"output"})
                                             .random()
                                             .zero_gradient()
                                             .infer_shape(infer_shuffle_shape)
                                             .infer_type(infer_same_type)
                                             .kernel(DeviceType::kCPU, shuffle_kernel);

}  // namespace
}  // namespace sn
