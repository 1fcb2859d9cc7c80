#include "ops/op_utils.h"

namespace sn {

namespace {
// Merges `known` into `slot`; on a conflict throws naming what `describe()` returns (built only then).
template <class Describe>
void merge_shape_impl(const OpDef& op, Shape& slot, const Shape& known, Describe describe) {
  SN_CHECK_SHAPE(slot.merge(known), op.name, ": ", describe(), " has shape ", slot, " but ", known, " is required");
}
}  // namespace

void merge_shape(const OpDef& op, Shape& slot, const Shape& known, std::string_view what) {
  merge_shape_impl(op, slot, known, [what] { return what; });
}

void merge_input_shape(const OpDef& op, Shape& slot, const Shape& known, int input) {
  merge_shape_impl(op, slot, known, [&] { return str("input ", input, " (", op.input_name(input), ")"); });
}

std::optional<Shape> batch_free(const Shape& data) {
  if (data.is_known()) return data;
  if (!data.ndim_known() || data.ndim() == 0) return std::nullopt;
  Shape s = data;
  s[0] = 1;
  if (!s.is_known()) return std::nullopt;
  return s;
}

Shape with_batch(Shape s, const Shape& data) {
  if (s.ndim() > 0 && data.ndim() > 0) s[0] = data[0];
  return s;
}

void share_batch(const OpDef& op, Shape& data, const Shape& out) {
  if (!data.ndim_known() || data.ndim() == 0 || data[0] >= 0 || !out.ndim_known() || out.ndim() == 0) return;
  Shape d = data;
  d[0] = out[0];
  merge_input_shape(op, data, d, 0);
}

bool infer_same_shape(const OpAttrs& attrs, std::vector<Shape>& in, std::vector<Shape>& out) {
  const OpDef& op = *attrs.op;
  Shape s = Shape::unknown();
  for (size_t i = 0; i < in.size(); ++i) merge_input_shape(op, s, in[i], static_cast<int>(i));
  for (const Shape& o : out) merge_shape(op, s, o, "the output");
  // Name the conflicting inputs when all are known and differ.
  for (size_t i = 1; i < in.size(); ++i) {
    if (in[0].is_known() && in[i].is_known())
      SN_CHECK_SHAPE(in[0] == in[i], op.name, ": all inputs must have the same shape, but input 0 (",
                     op.input_name(0), ") has shape ", in[0], " and input ", i, " (", op.input_name(static_cast<int>(i)),
                     ") has shape ", in[i]);
  }
  for (auto& i : in) merge_shape(op, i, s, "an input");
  for (auto& o : out) merge_shape(op, o, s, "the output");
  return s.is_known();
}

Shape broadcast_shapes(const OpDef& op, const Shape& a, const Shape& b) {
  const int nd = std::max(a.ndim(), b.ndim());
  Shape out(nd, 1);
  for (int i = 0; i < nd; ++i) {
    int ia = a.ndim() - nd + i, ib = b.ndim() - nd + i;
    int64_t da = ia >= 0 ? a[ia] : 1, db = ib >= 0 ? b[ib] : 1;
    if (da == db || db == 1) out[i] = da;
    else if (da == 1) out[i] = db;
    else SN_THROW(kShape, op.name, ": shapes ", a, " and ", b, " cannot be broadcast together (dimension ", i,
                  ": ", da, " vs ", db, ")");
  }
  return out;
}

bool infer_broadcast_shape(const OpAttrs& attrs, std::vector<Shape>& in, std::vector<Shape>& out) {
  if (!in[0].is_known() || !in[1].is_known()) return false;
  merge_shape(*attrs.op, out[0], broadcast_shapes(*attrs.op, in[0], in[1]), "the output");
  return true;
}

bool infer_same_type(const OpAttrs& attrs, std::vector<int>& in, std::vector<int>& out) {
  const OpDef& op = *attrs.op;
  int t = -1;
  int from = -1;
  for (size_t i = 0; i < in.size(); ++i) {
    if (in[i] < 0) continue;
    if (t < 0) {
      t = in[i];
      from = static_cast<int>(i);
    }
    SN_CHECK_TYPE(in[i] == t, op.name, ": all inputs must have the same dtype, but input ", from, " (",
                  op.input_name(from), ") is ", static_cast<DType>(t), " and input ", i, " (",
                  op.input_name(static_cast<int>(i)), ") is ", static_cast<DType>(in[i]),
                  "; convert one with AsType");
  }
  for (int o : out) {
    if (o < 0) continue;
    SN_CHECK_TYPE(t < 0 || o == t, op.name, ": the output is ", static_cast<DType>(o), " but the inputs are ",
                  static_cast<DType>(t));
    t = o;
  }
  if (t < 0) return false;
  for (auto& i : in) i = t;
  for (auto& o : out) o = t;
  return true;
}

void copy_kernel(const OpContext& ctx, std::span<const TensorView> in, std::span<const TensorView> out) {
  if (in[0].data == out[0].data) return;
  const int64_t bytes = out[0].size() * dtype_size(out[0].dtype);
  auto* s = static_cast<const char*>(in[0].data);
  auto* d = static_cast<char*>(out[0].data);
  parallel_for(bytes, ctx.run.num_threads,
               [&](int64_t lo, int64_t hi) { std::memcpy(d + lo, s + lo, static_cast<size_t>(hi - lo)); });
}

std::vector<int64_t> broadcast_strides(const Shape& in, const Shape& out) {
  std::vector<int64_t> strides(static_cast<size_t>(out.ndim()), 0);
  int64_t stride = 1;
  for (int i = in.ndim() - 1, o = out.ndim() - 1; i >= 0; --i, --o) {
    strides[static_cast<size_t>(o)] = in[i] == 1 && out[o] != 1 ? 0 : stride;
    stride *= in[i];
  }
  return strides;
}

int checked_axis(const OpDef& op, int64_t axis, int nd, std::string_view what) {
  const int64_t a = axis < 0 ? axis + nd : axis;
  SN_CHECK_INDEX(a >= 0 && a < nd, op.name, ": ", what, " ", axis, " is out of range for an input of ", nd,
                 " dimension(s) (expected ", -nd, " to ", nd - 1, ")");
  return static_cast<int>(a);
}

bool infer_first_type(const OpAttrs& attrs, std::vector<int>& in, std::vector<int>& out) {
  if (in[0] < 0) return false;
  out[0] = in[0];
  return true;
}

bool infer_same_float_type(const OpAttrs& attrs, std::vector<int>& in, std::vector<int>& out) {
  if (!infer_same_type(attrs, in, out)) return false;
  if (!FloatDTypes::contains(static_cast<DType>(out[0])))
    throw_unsupported_dtype(attrs.op->name, static_cast<DType>(out[0]), FloatDTypes::dtypes);
  return true;
}

int64_t checked_dim_mul(const OpDef& op, int64_t a, int64_t b, std::string_view what) {
  int64_t r = 0;
  SN_CHECK_SHAPE(!__builtin_mul_overflow(a, b, &r), op.name, ": ", what, " ", a, " x ", b, " is too large");
  return r;
}
int64_t checked_dim_add(const OpDef& op, int64_t a, int64_t b, std::string_view what) {
  int64_t r = 0;
  SN_CHECK_SHAPE(!__builtin_add_overflow(a, b, &r), op.name, ": ", what, " ", a, " + ", b, " is too large");
  return r;
}

bool infer_same_numeric_type(const OpAttrs& attrs, std::vector<int>& in, std::vector<int>& out) {
  if (!infer_same_type(attrs, in, out)) return false;
  SN_CHECK_TYPE(static_cast<DType>(out[0]) != DType::kBool, attrs.op->name,
                ": arithmetic on bool arrays is not supported; convert with AsType");
  return true;
}

}  // namespace sn
