#include "ops/optim/optimizer.h"

namespace sn::optim {

bool infer_update_shape_impl(const OpAttrs& attrs, std::vector<Shape>& in, std::vector<Shape>& out, uint32_t scalars) {
  const OpDef& op = *attrs.op;
  auto scalar = [&](size_t i) { return (scalars >> i) & 1u; };
  // The weight's shape, or the first known one among the arrays that share it.
  Shape s = in[0];
  for (size_t i = 1; i < in.size() && !s.is_known(); ++i)
    if (!scalar(i) && in[i].is_known()) s = in[i];
  if (!s.is_known() && out[0].is_known()) s = out[0];
  for (size_t i = 0; i < in.size(); ++i) {
    const int idx = static_cast<int>(i);
    if (!scalar(i)) {
      merge_input_shape(op, in[i], s, idx);  // "input 2 (mom) has shape (3) but (2,3) is required"
    } else if (!in[i].ndim_known()) {
      in[i] = Shape({1});
    } else {
      SN_CHECK_SHAPE(in[i].is_known() && in[i].size() == 1, op.name, ": input ", i, " (", op.input_name(idx),
                     ") must hold one value (shape (1,)), got shape ", in[i]);
    }
  }
  merge_shape(op, out[0], s, "the output");
  return out[0].is_known();
}

bool infer_update_type_impl(const OpAttrs& attrs, std::vector<int>& in, std::vector<int>& out, int same, bool half,
                       bool out_f32) {
  const OpDef& op = *attrs.op;
  constexpr int kF32 = static_cast<int>(DType::kFloat32), kF16 = static_cast<int>(DType::kFloat16);
  int t = -1, from = -1;
  for (int i = 0; i < same && t < 0; ++i)
    if (in[static_cast<size_t>(i)] >= 0) t = in[static_cast<size_t>(from = i)];
  if (t < 0 && !out_f32 && !half && out[0] >= 0) t = out[0];
  if (half) {
    SN_CHECK_TYPE(t < 0 || t == kF16, op.name, ": input ", from, " (", op.input_name(from),
                  ") must be float16 (the multi-precision update keeps a float32 master copy in weight32), got ",
                  static_cast<DType>(t), "; ", static_cast<DType>(t),
                  " weights take the update without the mp_ prefix");
    t = kF16;
  }
  if (t < 0) return false;
  if (!FloatDTypes::contains(static_cast<DType>(t)))
    throw_unsupported_dtype(op.name, static_cast<DType>(t), FloatDTypes::dtypes);
  for (size_t i = 0; i < in.size(); ++i) {
    const int want = static_cast<int>(i) < same ? t : kF32;
    const int idx = static_cast<int>(i);
    SN_CHECK_TYPE(in[i] < 0 || in[i] == want, op.name, ": input ", i, " (", op.input_name(idx), ") must be ",
                  static_cast<DType>(want), idx < same ? " like the weight" : "", ", got ", static_cast<DType>(in[i]));
    in[i] = want;
  }
  const int out_type = out_f32 ? kF32 : t;
  SN_CHECK_TYPE(out[0] < 0 || out[0] == out_type, op.name, ": the output must be ", static_cast<DType>(out_type),
                ", got ", static_cast<DType>(out[0]));
  out[0] = out_type;
  return true;
}

}  // namespace sn::optim
