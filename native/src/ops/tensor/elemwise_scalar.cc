// Arithmetic with a scalar (the scalar takes the array's dtype, legacy semantics).
#include "ops/gradient.h"
#include "ops/op_utils.h"

namespace sn {
namespace {

struct ScalarParam {
  double scalar = 1;
  static void describe(ParamBuilder<ScalarParam>& b) {
    b.field("scalar", &ScalarParam::scalar, "The scalar operand.").set_default(1.0);
  }
};

enum class ScalarOp { kPlus, kMinus, kRMinus, kMul, kDiv, kRDiv, kEq, kNe, kGt, kGe, kLt, kLe };

template <ScalarOp K, class X>
inline X apply(X x, X s) {
  if constexpr (K == ScalarOp::kPlus) return x + s;
  else if constexpr (K == ScalarOp::kMinus) return x - s;
  else if constexpr (K == ScalarOp::kRMinus) return s - x;
  else if constexpr (K == ScalarOp::kMul) return x * s;
  // Comparisons give 1 or 0 in the array's dtype (legacy MXNet).
  else if constexpr (K == ScalarOp::kEq) return x == s ? X(1) : X(0);
  else if constexpr (K == ScalarOp::kNe) return x != s ? X(1) : X(0);
  else if constexpr (K == ScalarOp::kGt) return x > s ? X(1) : X(0);
  else if constexpr (K == ScalarOp::kGe) return x >= s ? X(1) : X(0);
  else if constexpr (K == ScalarOp::kLt) return x < s ? X(1) : X(0);
  else if constexpr (K == ScalarOp::kLe) return x <= s ? X(1) : X(0);
  else {
    X num = K == ScalarOp::kDiv ? x : s, den = K == ScalarOp::kDiv ? s : x;
    if constexpr (std::is_integral_v<X>) {
      if (den == 0) return 0;  // as the binary ops: no trap
      if constexpr (std::is_signed_v<X>) {
        if (den == -1) return static_cast<X>(0 - static_cast<std::make_unsigned_t<X>>(num));
      }
    }
    return num / den;
  }
}

template <ScalarOp K>
void scalar_kernel(const OpContext& ctx, std::span<const TensorView> in, std::span<const TensorView> out) {
  const double scalar = ctx.params<ScalarParam>().scalar;
  dispatch_dtype<NumericDTypes>(out[0].dtype, ctx.attrs.op->name, [&]<class T>() {
    const T* x = in[0].ptr<T>();
    T* y = out[0].ptr<T>();
    const auto s = scalar_as<T>(scalar);
    parallel_for(out[0].size(), ctx.run.num_threads, [&](int64_t lo, int64_t hi) {
      for (int64_t i = lo; i < hi; ++i) y[i] = store<T>(apply<K>(load(x[i]), s));
    });
  });
}

bool infer_numeric(const OpAttrs& attrs, std::vector<int>& in, std::vector<int>& out) {
  if (!infer_same_type(attrs, in, out)) return false;
  SN_CHECK_TYPE(static_cast<DType>(out[0]) != DType::kBool, attrs.op->name,
                ": arithmetic on bool arrays is not supported; convert with AsType");
  return true;
}

std::vector<ParamKV> same_scalar(GradBuilder& b, std::string& buffer) {
  buffer = detail::print_float(b.attrs().get<ScalarParam>().scalar);
  return {{"scalar", buffer}};
}

void identity_grad(GradBuilder& b) { b.set_input_grad(0, b.out_grad(0)); }
void negate_grad(GradBuilder& b) { b.set_input_grad(0, b.op("negative", {b.out_grad(0)})); }
void mul_grad(GradBuilder& b) {
  std::string s;
  b.set_input_grad(0, b.op("_mul_scalar", {b.out_grad(0)}, same_scalar(b, s)));
}
void div_grad(GradBuilder& b) {
  std::string s;
  b.set_input_grad(0, b.op("_div_scalar", {b.out_grad(0)}, same_scalar(b, s)));
}
// y = s / x: dy/dx = -y / x
void rdiv_grad(GradBuilder& b) {
  GradValue q = b.op("elemwise_div", {b.output(0), b.input(0)});
  b.set_input_grad(0, b.op("negative", {b.op("elemwise_mul", {b.out_grad(0), q})}));
}

OpRegistrar scalar_op(const char* name, const char* alias, KernelFn kernel, const char* doc) {
  return OpRegistrar(name)
      .describe(doc)
      .alias(alias)
      .params<ScalarParam>()
      .dtypes<NumericDTypes>()
      .inputs({"data"})
      .outputs({"output"})
      .inplace({{0, 0}})
      .infer_shape(infer_same_shape)
      .infer_type(infer_numeric)
      .kernel(DeviceType::kCPU, kernel);
}

[[maybe_unused]] OpRegistrar plus = scalar_op("_plus_scalar", "_PlusScalar", scalar_kernel<ScalarOp::kPlus>,
                                               "data + scalar.").gradient(identity_grad);
[[maybe_unused]] OpRegistrar minus = scalar_op("_minus_scalar", "_MinusScalar", scalar_kernel<ScalarOp::kMinus>,
                                                "data - scalar.").gradient(identity_grad);
[[maybe_unused]] OpRegistrar rminus = scalar_op("_rminus_scalar", "_RMinusScalar", scalar_kernel<ScalarOp::kRMinus>,
                                                 "scalar - data.").gradient(negate_grad);
[[maybe_unused]] OpRegistrar mul = scalar_op("_mul_scalar", "_MulScalar", scalar_kernel<ScalarOp::kMul>,
                                              "data * scalar.").gradient(mul_grad);
[[maybe_unused]] OpRegistrar div = scalar_op("_div_scalar", "_DivScalar", scalar_kernel<ScalarOp::kDiv>,
                                              "data / scalar.").gradient(div_grad);
[[maybe_unused]] OpRegistrar rdiv = scalar_op("_rdiv_scalar", "_RDivScalar", scalar_kernel<ScalarOp::kRDiv>,
                                               "scalar / data.").gradient(rdiv_grad, {0}, {0});

// Comparisons with a scalar: 1 where true, 0 elsewhere; a zero gradient (piecewise constant).
[[maybe_unused]] OpRegistrar eq = scalar_op("_equal_scalar", "_EqualScalar", scalar_kernel<ScalarOp::kEq>,
                                            "1 where data == scalar, else 0.").zero_gradient();
[[maybe_unused]] OpRegistrar ne = scalar_op("_not_equal_scalar", "_NotEqualScalar", scalar_kernel<ScalarOp::kNe>,
                                            "1 where data != scalar, else 0.").zero_gradient();
[[maybe_unused]] OpRegistrar gt = scalar_op("_greater_scalar", "_GreaterScalar", scalar_kernel<ScalarOp::kGt>,
                                            "1 where data > scalar, else 0.").zero_gradient();
[[maybe_unused]] OpRegistrar ge = scalar_op("_greater_equal_scalar", "_GreaterEqualScalar",
                                            scalar_kernel<ScalarOp::kGe>, "1 where data >= scalar, else 0.")
                                       .zero_gradient();
[[maybe_unused]] OpRegistrar lt = scalar_op("_lesser_scalar", "_LesserScalar", scalar_kernel<ScalarOp::kLt>,
                                            "1 where data < scalar, else 0.").zero_gradient();
[[maybe_unused]] OpRegistrar le = scalar_op("_lesser_equal_scalar", "_LesserEqualScalar",
                                            scalar_kernel<ScalarOp::kLe>, "1 where data <= scalar, else 0.")
                                       .zero_gradient();

}  // namespace
}  // namespace sn
