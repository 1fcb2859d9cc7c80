// dot and batch_dot: matrix products on oneDNN's matmul (float32, bfloat16),
// a blocked loop for float64, float16 through float32.
#include <vector>

#include "ops/gradient.h"
#include "ops/op_utils.h"
#include "ops/tensor/gemm.h"

namespace sn {
namespace {

struct DotParam {
  bool transpose_a = false;
  bool transpose_b = false;
  static void describe(ParamBuilder<DotParam>& b) {
    b.field("transpose_a", &DotParam::transpose_a, "Use the transpose of lhs.").set_default(false);
    b.field("transpose_b", &DotParam::transpose_b, "Use the transpose of rhs.").set_default(false);
  }
};

// MXNet's dot geometry: lhs as a (L0 x L1) matrix (L1 = last dim, or the first dim when transposed),
// rhs as (R0 x R1); result dims = lhs's kept dims + rhs's kept dims.
struct DotDims {
  int64_t m, k, n;
  Shape out;
};

DotDims dot_dims(const OpDef& op, const Shape& l, const Shape& r, bool ta, bool tb) {
  if (l.ndim() == 1 && r.ndim() == 1) {
    SN_CHECK_SHAPE(l[0] == r[0], op.name, ": vectors of shapes ", l, " and ", r, " have different lengths");
    return {1, l[0], 1, Shape({1})};
  }
  auto prefix = [](const Shape& s) { return s.ndim() > 1 ? s.size(0, s.ndim() - 1) : 1; };
  auto suffix = [](const Shape& s) { return s.ndim() > 1 ? s.size(1, s.ndim()) : 1; };
  // Contracted length and kept part of each side.
  int64_t lk = ta ? l[0] : l[l.ndim() - 1];
  int64_t rk = tb ? r[r.ndim() - 1] : r[0];
  SN_CHECK_SHAPE(lk == rk, op.name, ": shapes ", l, " and ", r, " do not match for a product (", lk, " vs ", rk,
                 " contracted elements", ta || tb ? ", with the transposes given" : "", ")");
  Shape out;
  if (l.ndim() > 1) {
    if (ta) for (int i = 1; i < l.ndim(); ++i) out.push_back(l[i]);
    else for (int i = 0; i < l.ndim() - 1; ++i) out.push_back(l[i]);
  }
  if (r.ndim() > 1) {
    if (tb) for (int i = 0; i < r.ndim() - 1; ++i) out.push_back(r[i]);
    else for (int i = 1; i < r.ndim(); ++i) out.push_back(r[i]);
  }
  if (out.ndim() == 0) out.push_back(1);
  int64_t m = ta ? suffix(l) : prefix(l);
  int64_t n = tb ? prefix(r) : suffix(r);
  return {m, lk, n, out};
}

bool infer_dot(const OpAttrs& attrs, std::vector<Shape>& in, std::vector<Shape>& out) {
  if (!in[0].is_known() || !in[1].is_known()) return false;
  const auto& p = attrs.get<DotParam>();
  merge_shape(*attrs.op, out[0], dot_dims(*attrs.op, in[0], in[1], p.transpose_a, p.transpose_b).out, "the output");
  return true;
}

void dot_kernel(const OpContext& ctx, std::span<const TensorView> in, std::span<const TensorView> out) {
  const auto& p = ctx.params<DotParam>();
  DotDims d = dot_dims(*ctx.attrs.op, in[0].shape, in[1].shape, p.transpose_a, p.transpose_b);
  gemm(in[0], in[1], out[0], 1, d.m, d.k, d.n, p.transpose_a, p.transpose_b, ctx);
}

// d(A B)/dA = G B^T, d(A B)/dB = A^T G, with the transposes folded into flags. batch_dot applies them
// per batch. dot of other ranks first views each operand as the 2-D matrix its product uses (lhs as
// M x K, rhs as K x N, the output gradient as M x N), so the same identities hold; those views need the
// operand shapes, which autograd always has and the executor infers before building gradients.
void dot_grad(GradBuilder& b) {
  const auto& p = b.attrs().get<DotParam>();
  const bool batched = b.attrs().op->name == "batch_dot";
  const Shape ls = b.input_shape(0), rs = b.input_shape(1);
  const bool matrices = batched || (ls.ndim_known() && rs.ndim_known() && ls.ndim() == 2 && rs.ndim() == 2);
  auto flags = [](bool x, bool y) -> std::vector<ParamKV> {
    return {{"transpose_a", x ? "True" : "False"}, {"transpose_b", y ? "True" : "False"}};
  };
  const std::string name(b.attrs().op->name);
  GradValue g = b.out_grad(0), lhs = b.input(0), rhs = b.input(1);
  if (!matrices) {
    SN_CHECK_WITH_CODE_(kUnsupported, ls.is_known() && rs.is_known(), "dot: the gradient for operands that are not "
                        "both 2-D needs their shapes, got ", ls, " and ", rs, " (infer shapes first)");
    const DotDims d = dot_dims(*b.attrs().op, ls, rs, p.transpose_a, p.transpose_b);
    auto view = [&](GradValue v, int64_t r0, int64_t r1) {
      return b.op("Reshape", {v}, {{"shape", detail::print_int_tuple(Shape({r0, r1}))}});
    };
    lhs = p.transpose_a ? view(lhs, d.k, d.m) : view(lhs, d.m, d.k);
    rhs = p.transpose_b ? view(rhs, d.n, d.k) : view(rhs, d.k, d.n);
    g = view(g, d.m, d.n);
  }
  // For a (transposed) lhs: dlhs = (G op(B)^T) or its transpose; likewise for rhs.
  GradValue dl = p.transpose_a ? b.op(name, {rhs, g}, flags(p.transpose_b, true))
                               : b.op(name, {g, rhs}, flags(false, !p.transpose_b));
  GradValue dr = p.transpose_b ? b.op(name, {g, lhs}, flags(true, p.transpose_a))
                               : b.op(name, {lhs, g}, flags(!p.transpose_a, false));
  if (matrices) {
    b.set_input_grad(0, dl);
    b.set_input_grad(1, dr);
  } else {
    b.set_input_grad(0, b.op("Reshape", {dl}, {{"shape", detail::print_int_tuple(ls)}}));
    b.set_input_grad(1, b.op("Reshape", {dr}, {{"shape", detail::print_int_tuple(rs)}}));
  }
}

// --- batch_dot: (B, M, K) x (B, K, N) -> (B, M, N), transposes on the last two dims ---
bool infer_batch_dot(const OpAttrs& attrs, std::vector<Shape>& in, std::vector<Shape>& out) {
  if (!in[0].is_known() || !in[1].is_known()) return false;
  const auto& p = attrs.get<DotParam>();
  const Shape& l = in[0];
  const Shape& r = in[1];
  SN_CHECK_SHAPE(l.ndim() == 3 && r.ndim() == 3, attrs.op->name, ": expects 3-D inputs (batch, rows, cols), got ",
                 l, " and ", r);
  SN_CHECK_SHAPE(l[0] == r[0], attrs.op->name, ": batch sizes differ: ", l, " and ", r);
  int64_t m = p.transpose_a ? l[2] : l[1], kl = p.transpose_a ? l[1] : l[2];
  int64_t kr = p.transpose_b ? r[2] : r[1], n = p.transpose_b ? r[1] : r[2];
  SN_CHECK_SHAPE(kl == kr, attrs.op->name, ": shapes ", l, " and ", r, " do not match for a batched product (", kl,
                 " vs ", kr, " contracted elements)");
  merge_shape(*attrs.op, out[0], Shape({l[0], m, n}), "the output");
  return true;
}

void batch_dot_kernel(const OpContext& ctx, std::span<const TensorView> in, std::span<const TensorView> out) {
  const auto& p = ctx.params<DotParam>();
  const Shape& l = in[0].shape;
  int64_t m = out[0].shape[1], n = out[0].shape[2], k = p.transpose_a ? l[1] : l[2];
  gemm(in[0], in[1], out[0], l[0], m, k, n, p.transpose_a, p.transpose_b, ctx);
}

[[maybe_unused]] OpRegistrar r_dot = OpRegistrar("dot")
    .describe("Matrix product (MXNet's N-d dot: lhs's last axis, or first if transposed, against rhs's first, or "
              "last if transposed).")
    .params<DotParam>()
    .dtypes<FloatDTypes>()
    .inputs({"lhs", "rhs"})
    .outputs({"output"})
    .infer_shape(infer_dot)
    .infer_type(infer_same_float_type)
    .kernel(DeviceType::kCPU, dot_kernel)
    .workspace(f16_workspace)
    .gradient(dot_grad, {0, 1});

[[maybe_unused]] OpRegistrar r_batch_dot = OpRegistrar("batch_dot")
    .describe("Batched matrix product of 3-D arrays: (B, M, K) x (B, K, N) -> (B, M, N).")
    .params<DotParam>()
    .dtypes<FloatDTypes>()
    .inputs({"lhs", "rhs"})
    .outputs({"output"})
    .infer_shape(infer_batch_dot)
    .infer_type(infer_same_float_type)
    .kernel(DeviceType::kCPU, batch_dot_kernel)
    .workspace(f16_workspace)
    .gradient(dot_grad, {0, 1});

}  // namespace
}  // namespace sn
