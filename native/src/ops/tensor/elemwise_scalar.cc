// Arithmetic with a scalar (the scalar takes the array's dtype, legacy semantics).
#include "ops/gradient.h"
#include "ops/op_utils.h"
#include "ops/tensor/binary_math.h"

namespace sn {
namespace {

struct ScalarParam {
  double scalar = 1;
  static void describe(ParamBuilder<ScalarParam>& b) {
    b.field("scalar", &ScalarParam::scalar, "The scalar operand.").set_default(1.0);
  }
};

using namespace binary_math;

// y = F(x, scalar); Reversed<F> puts the scalar on the left.
template <class F>
void scalar_kernel(const OpContext& ctx, std::span<const TensorView> in, std::span<const TensorView> out) {
  const double scalar = ctx.params<ScalarParam>().scalar;
  dispatch_dtype<NumericDTypes>(out[0].dtype, ctx.attrs.op->name, [&]<class T>() {
    const T* x = in[0].ptr<T>();
    T* y = out[0].ptr<T>();
    const auto s = scalar_as<T>(scalar);
    parallel_for(out[0].size(), ctx.run.num_threads, [&](int64_t lo, int64_t hi) {
      for (int64_t i = lo; i < hi; ++i) y[i] = store<T>(F{}(load(x[i]), s));
    });
  });
}

void identity_grad(GradBuilder& b) { b.set_input_grad(0, b.out_grad(0)); }
void negate_grad(GradBuilder& b) { b.set_input_grad(0, b.op("negative", {b.out_grad(0)})); }
// Linear in x: the same op with the same scalar.
void mul_grad(GradBuilder& b) { b.set_input_grad(0, b.apply("_mul_scalar", {b.out_grad(0)}, b.attrs())[0]); }
void div_grad(GradBuilder& b) { b.set_input_grad(0, b.apply("_div_scalar", {b.out_grad(0)}, b.attrs())[0]); }
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
      .infer_type(infer_same_numeric_type)
      .kernel(DeviceType::kCPU, kernel);
}

[[maybe_unused]] OpRegistrar plus = scalar_op("_plus_scalar", "_PlusScalar", scalar_kernel<Add>,
                                               "data + scalar.").gradient(identity_grad);
[[maybe_unused]] OpRegistrar minus = scalar_op("_minus_scalar", "_MinusScalar", scalar_kernel<Sub>,
                                                "data - scalar.").gradient(identity_grad);
[[maybe_unused]] OpRegistrar rminus = scalar_op("_rminus_scalar", "_RMinusScalar", scalar_kernel<Reversed<Sub>>,
                                                 "scalar - data.").gradient(negate_grad);
[[maybe_unused]] OpRegistrar mul = scalar_op("_mul_scalar", "_MulScalar", scalar_kernel<Mul>,
                                              "data * scalar.").gradient(mul_grad);
[[maybe_unused]] OpRegistrar div = scalar_op("_div_scalar", "_DivScalar", scalar_kernel<Div>,
                                              "data / scalar.").gradient(div_grad);
[[maybe_unused]] OpRegistrar rdiv = scalar_op("_rdiv_scalar", "_RDivScalar", scalar_kernel<Reversed<Div>>,
                                               "scalar / data.").gradient(rdiv_grad, {0}, {0});

// Comparisons with a scalar: 1 where true, 0 elsewhere; a zero gradient (piecewise constant).
[[maybe_unused]] OpRegistrar eq = scalar_op("_equal_scalar", "_EqualScalar", scalar_kernel<Eq>,
                                            "1 where data == scalar, else 0.").zero_gradient();
[[maybe_unused]] OpRegistrar ne = scalar_op("_not_equal_scalar", "_NotEqualScalar", scalar_kernel<Ne>,
                                            "1 where data != scalar, else 0.").zero_gradient();
[[maybe_unused]] OpRegistrar gt = scalar_op("_greater_scalar", "_GreaterScalar", scalar_kernel<Gt>,
                                            "1 where data > scalar, else 0.").zero_gradient();
[[maybe_unused]] OpRegistrar ge = scalar_op("_greater_equal_scalar", "_GreaterEqualScalar",
                                            scalar_kernel<Ge>, "1 where data >= scalar, else 0.")
                                       .zero_gradient();
[[maybe_unused]] OpRegistrar lt = scalar_op("_lesser_scalar", "_LesserScalar", scalar_kernel<Lt>,
                                            "1 where data < scalar, else 0.").zero_gradient();
[[maybe_unused]] OpRegistrar le = scalar_op("_lesser_equal_scalar", "_LesserEqualScalar",
                                            scalar_kernel<Le>, "1 where data <= scalar, else 0.")
                                       .zero_gradient();


// Modulo, power, extrema, hypot and logic with a scalar.
std::string scalar_text(GradBuilder& b, double delta = 0) {
  return detail::print_float(b.attrs().get<ScalarParam>().scalar + delta);
}
// d(x mod s)/dx = 1;  d(s mod x)/dx = -floor(s / x)
void rmod_grad(GradBuilder& b) {
  const std::string s = scalar_text(b);
  GradValue q = b.op("floor", {b.op("_rdiv_scalar", {b.input(0)}, {{"scalar", s}})});
  b.set_input_grad(0, b.op("negative", {b.op("elemwise_mul", {b.out_grad(0), q})}));
}
// d(x^s)/dx = s x^(s-1)
void power_grad(GradBuilder& b) {
  const std::string s = scalar_text(b), sm1 = scalar_text(b, -1);
  GradValue d = b.op("_mul_scalar", {b.op("_power_scalar", {b.input(0)}, {{"scalar", sm1}})}, {{"scalar", s}});
  b.set_input_grad(0, b.op("elemwise_mul", {b.out_grad(0), d}));
}
// d(s^x)/dx = s^x log s
void rpower_grad(GradBuilder& b) {
  const std::string log_s = detail::print_float(std::log(b.attrs().get<ScalarParam>().scalar));
  GradValue d = b.op("_mul_scalar", {b.output(0)}, {{"scalar", log_s}});
  b.set_input_grad(0, b.op("elemwise_mul", {b.out_grad(0), d}));
}
// The gradient passes where x won (ties count for x, as MXNet).
template <bool IsMax>
void extremum_grad(GradBuilder& b) {
  const std::string s = scalar_text(b);
  GradValue m = b.op(IsMax ? "_greater_equal_scalar" : "_lesser_equal_scalar", {b.input(0)}, {{"scalar", s}});
  b.set_input_grad(0, b.op("elemwise_mul", {b.out_grad(0), m}));
}
void hypot_grad(GradBuilder& b) {  // x / hypot(x, s)
  GradValue d = b.op("elemwise_div", {b.input(0), b.output(0)});
  b.set_input_grad(0, b.op("elemwise_mul", {b.out_grad(0), d}));
}

[[maybe_unused]] OpRegistrar mod = scalar_op("_mod_scalar", "_ModScalar", scalar_kernel<Mod>,
                                              "data mod scalar (the result takes the scalar's sign).")
                                       .gradient(identity_grad);
[[maybe_unused]] OpRegistrar rmod = scalar_op("_rmod_scalar", "_RModScalar", scalar_kernel<Reversed<Mod>>,
                                               "scalar mod data (the result takes data's sign).")
                                        .gradient(rmod_grad, {0});
[[maybe_unused]] OpRegistrar power = scalar_op("_power_scalar", "_PowerScalar", scalar_kernel<Pow>,
                                                "data ^ scalar.").gradient(power_grad, {0});
[[maybe_unused]] OpRegistrar rpower = scalar_op("_rpower_scalar", "_RPowerScalar", scalar_kernel<Reversed<Pow>>,
                                                 "scalar ^ data.").gradient(rpower_grad, {}, {0});
[[maybe_unused]] OpRegistrar maximum = scalar_op("_maximum_scalar", "_MaximumScalar", scalar_kernel<Max>,
                                                  "max(data, scalar) (NaN propagates).")
                                           .gradient(extremum_grad<true>, {0});
[[maybe_unused]] OpRegistrar minimum = scalar_op("_minimum_scalar", "_MinimumScalar", scalar_kernel<Min>,
                                                  "min(data, scalar) (NaN propagates).")
                                           .gradient(extremum_grad<false>, {0});
[[maybe_unused]] OpRegistrar hypot = scalar_op("_hypot_scalar", "_HypotScalar", scalar_kernel<Hypot>,
                                                "sqrt(data^2 + scalar^2).").gradient(hypot_grad, {0}, {0});
[[maybe_unused]] OpRegistrar land = scalar_op("_logical_and_scalar", "_LogicalAndScalar", scalar_kernel<And>,
                                               "1 where data and scalar are both non-zero, else 0.")
                                        .zero_gradient();
[[maybe_unused]] OpRegistrar lor = scalar_op("_logical_or_scalar", "_LogicalOrScalar", scalar_kernel<Or>,
                                              "1 where data or scalar is non-zero, else 0.").zero_gradient();
[[maybe_unused]] OpRegistrar lxor = scalar_op("_logical_xor_scalar", "_LogicalXorScalar", scalar_kernel<Xor>,
                                               "1 where exactly one of data and scalar is non-zero, else 0.")
                                        .zero_gradient();

}  // namespace
}  // namespace sn
