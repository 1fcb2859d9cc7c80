// FullyConnected: y = x W^T + b on the gemm of dot (oneDNN matmul for float32/bfloat16). MXNet 1.x: with
// flatten the data is (d0, d1 * d2 * ...), without it the product runs over the last axis; no_bias drops the
// bias input (a conditional input: the C# method takes `bias` as optional).
#include "ops/gradient.h"
#include "ops/op_utils.h"
#include "ops/tensor/gemm.h"

namespace sn {
namespace {

struct FullyConnectedParam {
  int64_t num_hidden = 0;
  bool no_bias = false;
  bool flatten = true;
  static void describe(ParamBuilder<FullyConnectedParam>& b) {
    b.field("num_hidden", &FullyConnectedParam::num_hidden, "Number of output units.").set_lower_bound(1);
    b.field("no_bias", &FullyConnectedParam::no_bias, "Whether to leave out the bias input.").set_default(false);
    b.field("flatten", &FullyConnectedParam::flatten,
            "Collapse all axes after the first into one (else apply to the last axis only).")
        .set_default(true);
  }
};

// The data as a (rows, k) matrix.
struct Rows {
  int64_t rows, k;
};
Rows rows_of(const FullyConnectedParam& p, const Shape& data) {
  const int nd = data.ndim();
  if (p.flatten) return {data[0], data.size(1, nd)};
  return {data.size(0, nd - 1), data[nd - 1]};
}

// Partial shapes (symbols with an unknown batch) infer what they determine: the weight from the data's
// feature dims, the data's last dim from the weight (when it alone is k), batch dims between data and output.
bool infer_fc_shape(const OpAttrs& attrs, std::vector<Shape>& in, std::vector<Shape>& out) {
  const auto& p = attrs.get<FullyConnectedParam>();
  const OpDef& op = *attrs.op;
  if (!in[0].ndim_known()) return false;
  const int nd = in[0].ndim();
  SN_CHECK_SHAPE(nd >= 1, op.name, ": data must have at least one axis, got shape ", in[0]);
  const int first_k = p.flatten ? 1 : nd - 1;  // data dims [first_k, nd) make k (1-d data with flatten: k = 1)
  int64_t k = 1;
  for (int d = first_k; d < nd && k >= 0; ++d) k = in[0][d] < 0 ? -1 : k * in[0][d];
  merge_input_shape(op, in[1], Shape{p.num_hidden, k}, 1);
  if (k < 0 && nd - first_k == 1 && in[1].ndim_known() && in[1].ndim() == 2 && in[1][1] >= 0) {
    Shape d = in[0];
    d[nd - 1] = in[1][1];
    merge_input_shape(op, in[0], d, 0);
  }
  if (!p.no_bias) merge_input_shape(op, in[2], Shape{p.num_hidden}, 2);
  Shape o;
  if (p.flatten) {
    o = Shape{in[0][0], p.num_hidden};
  } else {
    for (int d = 0; d + 1 < nd; ++d) o.push_back(in[0][d]);
    o.push_back(p.num_hidden);
  }
  merge_shape(op, out[0], o, "the output");
  // The batch dims back from the output.
  Shape d = in[0];
  for (int i = 0; i < (p.flatten ? 1 : nd - 1); ++i) d[i] = out[0][i];
  merge_input_shape(op, in[0], d, 0);
  return in[0].is_known() && out[0].is_known();
}

void fc_kernel(const OpContext& ctx, std::span<const TensorView> in, std::span<const TensorView> out) {
  const auto& p = ctx.params<FullyConnectedParam>();
  const Rows r = rows_of(p, in[0].shape);
  gemm(in[0], in[1], out[0], 1, r.rows, r.k, p.num_hidden, false, true, ctx);
  if (p.no_bias) return;
  dispatch_dtype<FloatDTypes>(out[0].dtype, ctx.attrs.op->name, [&]<class T>() {
    const T* b = in[2].ptr<T>();
    T* y = out[0].ptr<T>();
    const int64_t n = p.num_hidden;
    parallel_for(r.rows, ctx.run.num_threads, [&](int64_t lo, int64_t hi) {
      for (int64_t i = lo; i < hi; ++i)
        for (int64_t j = 0; j < n; ++j) y[i * n + j] = store<T>(load(y[i * n + j]) + load(b[j]));
    }, n);
  });
}

// dx = dy W (in data's shape), dW = dy^T x, db = the sum of dy over rows; dy and x as (rows, .) matrices.
void fc_grad(GradBuilder& b) {
  const auto& p = b.attrs().get<FullyConnectedParam>();
  const Shape data = b.known_input_shape(0);
  const Rows r = rows_of(p, data);
  const std::string out_rows = detail::print_int_tuple(Shape{r.rows, p.num_hidden});
  const std::string in_rows = detail::print_int_tuple(Shape{r.rows, r.k});
  const std::string data_shape = detail::print_int_tuple(data);
  const GradValue dy = b.op("Reshape", {b.out_grad(0)}, {{"shape", out_rows}});
  const GradValue x = b.op("Reshape", {b.input(0)}, {{"shape", in_rows}});
  b.set_input_grad(0, b.op("Reshape", {b.op("dot", {dy, b.input(1)})}, {{"shape", data_shape}}));
  b.set_input_grad(1, b.op("dot", {dy, x}, {{"transpose_a", "True"}}));
  if (!p.no_bias) b.set_input_grad(2, b.op("sum", {dy}, {{"axis", "(0,)"}}));
}

[[maybe_unused]] OpRegistrar r_fully_connected = OpRegistrar("FullyConnected")
    .describe("A dense layer: data times weight transposed, plus bias (weight: (num_hidden, input units)).")
    .params<FullyConnectedParam>()
    .dtypes<FloatDTypes>()
    .inputs({"data", "weight", "bias"})
    .optional_input<FullyConnectedParam, &FullyConnectedParam::no_bias, false>(2, "no_bias")
    .outputs({"output"})
    .infer_shape(infer_fc_shape)
    .infer_type(infer_same_float_type)
    .kernel(DeviceType::kCPU, fc_kernel)
    .workspace(f16_workspace)
    .gradient(fc_grad, {0, 1});

}  // namespace
}  // namespace sn
