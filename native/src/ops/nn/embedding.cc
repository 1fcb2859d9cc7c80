// Embedding(data, weight; input_dim, output_dim, dtype, sparse_grad): rows of weight (input_dim, output_dim) picked
// by the indices in data (any dtype, truncated to integers); output data.shape + (output_dim,).
//
// It is take(weight, data, axis=0, mode=clip): the kernel is take's and the weight's gradient _backward_take's
// (rows of repeated indices summed), so the two cannot disagree. Out-of-range indices clip to 0 and input_dim - 1,
// as MXNet's CPU Embedding does in both directions. The gradient is dense: sparse_grad (a row_sparse gradient in
// MXNet) is accepted for compatibility and changes nothing. The indices get no gradient.
#include <array>

#include "ops/gradient.h"
#include "ops/op_utils.h"

namespace sn {
namespace {

struct EmbeddingParam {
  int64_t input_dim = 0;
  int64_t output_dim = 0;
  DType dtype = DType::kFloat32;
  bool sparse_grad = false;
  static void describe(ParamBuilder<EmbeddingParam>& b) {
    b.field("input_dim", &EmbeddingParam::input_dim, "Vocabulary size: the rows of weight.").set_lower_bound(1);
    b.field("output_dim", &EmbeddingParam::output_dim, "Length of each embedding vector.").set_lower_bound(1);
    b.field("dtype", &EmbeddingParam::dtype, "Element type of weight and the output when weight's is not known.")
        .set_default(DType::kFloat32);
    b.field("sparse_grad", &EmbeddingParam::sparse_grad,
            "Accepted for MXNet compatibility; the weight's gradient is dense here.")
        .set_default(false);
  }
};

bool infer_embedding_shape(const OpAttrs& attrs, std::vector<Shape>& in, std::vector<Shape>& out) {
  const auto& p = attrs.get<EmbeddingParam>();
  merge_input_shape(*attrs.op, in[1], Shape{p.input_dim, p.output_dim}, 1);
  if (!in[0].is_known()) return false;
  Shape o = in[0];
  o.push_back(p.output_dim);
  merge_shape(*attrs.op, out[0], o, "the output");
  return true;
}

// The output takes weight's dtype, else the output's, else the dtype parameter (MXNet); the indices may have any.
bool infer_embedding_type(const OpAttrs& attrs, std::vector<int>& in, std::vector<int>& out) {
  const OpDef& op = *attrs.op;
  SN_CHECK_TYPE(in[1] < 0 || out[0] < 0 || in[1] == out[0], op.name, ": weight is ", static_cast<DType>(in[1]),
                " but the output is ", static_cast<DType>(out[0]), "; they must match");
  const int t = in[1] >= 0 ? in[1] : out[0] >= 0 ? out[0] : static_cast<int>(attrs.get<EmbeddingParam>().dtype);
  SN_CHECK_TYPE(static_cast<DType>(t) != DType::kBool, op.name, ": weight must be numeric, got bool");
  in[1] = out[0] = t;
  return true;
}

const OpAttrs& take_rows() {
  static const OpAttrs a = OpRegistry::get().at("take").parse(std::vector<ParamKV>{{"axis", "0"}, {"mode", "clip"}});
  return a;
}

void embedding_kernel(const OpContext& ctx, std::span<const TensorView> in, std::span<const TensorView> out) {
  const OpAttrs& take = take_rows();
  const OpContext tctx{ctx.run, take, ctx.random_seed, ctx.random_sequence, ctx.workspace, ctx.is_train};
  const std::array<TensorView, 2> args{in[1], in[0]};  // take(a=weight, indices=data)
  take.op->kernel(DeviceType::kCPU)(tctx, args, out);
}

void embedding_grad(GradBuilder& b) {
  const auto& p = b.attrs().get<EmbeddingParam>();
  const std::string shape = detail::print_int_tuple(Shape{p.input_dim, p.output_dim});
  b.set_input_grad(1, b.op("_backward_take", {b.out_grad(0), b.input(0)},
                           {{"axis", "0"}, {"mode", "clip"}, {"shape", shape}}));
}

[[maybe_unused]] OpRegistrar r_embedding = OpRegistrar("Embedding")
    .describe("Rows of weight (input_dim, output_dim) at the indices in data (clipped into range); output shape "
              "data.shape + (output_dim,).")
    .params<EmbeddingParam>()
    .dtypes<NumericDTypes>()
    .inputs({"data", "weight"})
    .outputs({"output"})
    .infer_shape(infer_embedding_shape)
    .infer_type(infer_embedding_type)
    .kernel(DeviceType::kCPU, embedding_kernel)
    .gradient(embedding_grad, {0});

}  // namespace
}  // namespace sn
