// Elementwise unary math, rounding, clip, Cast, identity copies and the *_like fills.
#include <cmath>
#include <numbers>

#include "ndarray/kernels.h"
#include "ops/gradient.h"
#include "ops/op_utils.h"
#include "ops/tensor/special_math.h"
#include "ops/tensor/vec_math.h"

namespace sn {
namespace {

template <class Table, class F>
void unary_kernel_impl(const OpContext& ctx, std::span<const TensorView> in, std::span<const TensorView> out, F f) {
  dispatch_dtype<Table>(out[0].dtype, ctx.attrs.op->name, [&]<class T>() {
    const T* x = in[0].ptr<T>();
    T* y = out[0].ptr<T>();
    parallel_for(out[0].size(), ctx.run.num_threads, [&](int64_t lo, int64_t hi) {
      for (int64_t i = lo; i < hi; ++i) y[i] = store<T>(f(load(x[i])));
    }, 4);
  });
}

// float32 arrays go 8 at a time through vf (libmvec) where the table has the functions it uses (ok); the rest
// of the dtypes, the tail, and machines without libmvec take the scalar loop.
template <class Table, class F, class VF>
void unary_kernel_vec(const OpContext& ctx, std::span<const TensorView> in, std::span<const TensorView> out, F f, VF vf,
                      bool ok) {
  if (!ok || out[0].dtype != DType::kFloat32) return unary_kernel_impl<Table>(ctx, in, out, f);
  const float* x = in[0].ptr<float>();
  float* y = out[0].ptr<float>();
  parallel_for(out[0].size(), ctx.run.num_threads, [&](int64_t lo, int64_t hi) {
    int64_t i = lo;
    for (; i + 8 <= hi; i += 8) _mm256_storeu_ps(y + i, vf(_mm256_loadu_ps(x + i)));
    for (; i < hi; ++i) y[i] = f(x[i]);
  }, 4);
}

// NAME's kernel with a vector form VEXPR of v (m: the libmvec table; NEED: the member it must have).
#define SN_UNARY_KERNEL_V(NAME, TABLE, EXPR, NEED, VEXPR)                                                     \
  void NAME(const OpContext& ctx, std::span<const TensorView> in, std::span<const TensorView> out) {        \
    static const vm::Functions& m = vm::functions();                                                        \
    unary_kernel_vec<TABLE>(                                                                                \
        ctx, in, out, [](auto x) -> decltype(x) { return EXPR; }, [](vm::V8 v) { return VEXPR; },           \
        m.NEED != nullptr);                                                                                 \
  }

#define SN_UNARY_KERNEL(NAME, TABLE, EXPR)                                                                  \
  void NAME(const OpContext& ctx, std::span<const TensorView> in, std::span<const TensorView> out) {        \
    unary_kernel_impl<TABLE>(ctx, in, out, [](auto x) -> decltype(x) { return EXPR; });                     \
  }

using SignedDTypes = DTypeTable<float, double, half_t, bf16_t, int8_t, int32_t, int64_t>;

SN_UNARY_KERNEL(negative_kernel, SignedDTypes, -x)
SN_UNARY_KERNEL(square_kernel, NumericDTypes, x * x)
SN_UNARY_KERNEL(relu_kernel, NumericDTypes, x > decltype(x)(0) ? x : (x != x ? x : decltype(x)(0)))  // NaN stays NaN
SN_UNARY_KERNEL_V(exp_kernel, FloatDTypes, std::exp(x), exp, m.exp(v))
SN_UNARY_KERNEL_V(log_kernel, FloatDTypes, std::log(x), log, m.log(v))
SN_UNARY_KERNEL(sqrt_kernel, FloatDTypes, std::sqrt(x))
SN_UNARY_KERNEL_V(sigmoid_kernel, FloatDTypes, decltype(x)(1) / (decltype(x)(1) + std::exp(-x)), exp,
                  _mm256_div_ps(vm::splat(1), _mm256_add_ps(vm::splat(1), m.exp(vm::neg(v)))))
SN_UNARY_KERNEL_V(tanh_kernel, FloatDTypes, std::tanh(x), tanh, m.tanh(v))

// Sign-aware ops on every numeric dtype (unsigned: abs is the identity); NaN stays NaN.
template <class X>
X abs_of(X x) {
  if constexpr (std::is_unsigned_v<X>) return x;
  else return x < X(0) ? X(-x) : x;  // -0 and NaN pass through unchanged in value
}
template <class X>
X sign_of(X x) {
  if (x != x) return x;
  return x > X(0) ? X(1) : (x < X(0) ? X(-1) : X(0));
}
SN_UNARY_KERNEL(abs_kernel, NumericDTypes, abs_of(x))
SN_UNARY_KERNEL(sign_kernel, NumericDTypes, sign_of(x))
SN_UNARY_KERNEL(logical_not_kernel, NumericDTypes, x == decltype(x)(0) ? decltype(x)(1) : decltype(x)(0))

// Rounding: the identity on integers.
#define SN_ROUNDING_KERNEL(NAME, FN)                                                                              \
  SN_UNARY_KERNEL(NAME, NumericDTypes, [](auto v) {                                                             \
    if constexpr (std::is_integral_v<decltype(v)>) return v;                                                    \
    else return FN(v);                                                                                          \
  }(x))
SN_ROUNDING_KERNEL(round_kernel, std::round)  // halves away from zero (MXNet)
SN_ROUNDING_KERNEL(rint_kernel, std::nearbyint)  // halves to even
SN_ROUNDING_KERNEL(floor_kernel, std::floor)
SN_ROUNDING_KERNEL(ceil_kernel, std::ceil)
SN_ROUNDING_KERNEL(trunc_kernel, std::trunc)

// Float math (16-bit floats computed in float32).
using F = double;
SN_UNARY_KERNEL(reciprocal_kernel, FloatDTypes, decltype(x)(1) / x)
SN_UNARY_KERNEL(rsqrt_kernel, FloatDTypes, decltype(x)(1) / std::sqrt(x))
SN_UNARY_KERNEL_V(cbrt_kernel, FloatDTypes, std::cbrt(x), cbrt, m.cbrt(v))
SN_UNARY_KERNEL_V(rcbrt_kernel, FloatDTypes, decltype(x)(1) / std::cbrt(x), cbrt,
                  _mm256_div_ps(vm::splat(1), m.cbrt(v)))
SN_UNARY_KERNEL_V(expm1_kernel, FloatDTypes, std::expm1(x), expm1, m.expm1(v))
SN_UNARY_KERNEL_V(log1p_kernel, FloatDTypes, std::log1p(x), log1p, m.log1p(v))
SN_UNARY_KERNEL_V(log2_kernel, FloatDTypes, std::log2(x), log2, m.log2(v))
SN_UNARY_KERNEL_V(log10_kernel, FloatDTypes, std::log10(x), log10, m.log10(v))
SN_UNARY_KERNEL_V(sin_kernel, FloatDTypes, std::sin(x), sin, m.sin(v))
SN_UNARY_KERNEL_V(cos_kernel, FloatDTypes, std::cos(x), cos, m.cos(v))
SN_UNARY_KERNEL_V(tan_kernel, FloatDTypes, std::tan(x), tan, m.tan(v))
SN_UNARY_KERNEL_V(arcsin_kernel, FloatDTypes, std::asin(x), asin, m.asin(v))
SN_UNARY_KERNEL_V(arccos_kernel, FloatDTypes, std::acos(x), acos, m.acos(v))
SN_UNARY_KERNEL_V(arctan_kernel, FloatDTypes, std::atan(x), atan, m.atan(v))
SN_UNARY_KERNEL_V(sinh_kernel, FloatDTypes, std::sinh(x), sinh, m.sinh(v))
SN_UNARY_KERNEL_V(cosh_kernel, FloatDTypes, std::cosh(x), cosh, m.cosh(v))
SN_UNARY_KERNEL_V(arcsinh_kernel, FloatDTypes, std::asinh(x), asinh, m.asinh(v))
SN_UNARY_KERNEL_V(arccosh_kernel, FloatDTypes, std::acosh(x), acosh, m.acosh(v))
SN_UNARY_KERNEL_V(arctanh_kernel, FloatDTypes, std::atanh(x), atanh, m.atanh(v))
SN_UNARY_KERNEL(degrees_kernel, FloatDTypes, x * decltype(x)(180 / std::numbers::pi))
SN_UNARY_KERNEL(radians_kernel, FloatDTypes, x * decltype(x)(std::numbers::pi / 180))
SN_UNARY_KERNEL(softsign_kernel, FloatDTypes, x / (decltype(x)(1) + std::abs(x)))
// log(1 + e^x) without overflow: x itself once e^x dwarfs 1.
SN_UNARY_KERNEL_V(softrelu_kernel, FloatDTypes, x > decltype(x)(20) ? x : std::log1p(std::exp(x)), log1p,
                  _mm256_blendv_ps(m.log1p(m.exp(v)), v, _mm256_cmp_ps(v, vm::splat(20), _CMP_GT_OQ)))
SN_UNARY_KERNEL_V(erf_kernel, FloatDTypes, std::erf(x), erf, m.erf(v))
SN_UNARY_KERNEL(erfinv_kernel, FloatDTypes, static_cast<decltype(x)>(special::erfinv(static_cast<F>(x))))
SN_UNARY_KERNEL(gamma_kernel, FloatDTypes, std::tgamma(x))
SN_UNARY_KERNEL(gammaln_kernel, FloatDTypes, [](auto v) {
  int sign = 0;  // lgamma_r: glibc's lgamma writes a global
  return static_cast<decltype(v)>(lgamma_r(static_cast<F>(v), &sign));
}(x))

struct PolygammaParam {
  int n = 0;
  static void describe(ParamBuilder<PolygammaParam>& b) {
    b.field("n", &PolygammaParam::n, "Order of the derivative of digamma (0: digamma).").set_default(0).set_range(0, 20);
  }
};
void polygamma_kernel(const OpContext& ctx, std::span<const TensorView> in, std::span<const TensorView> out) {
  const int n = ctx.params<PolygammaParam>().n;
  unary_kernel_impl<FloatDTypes>(ctx, in, out, [n](auto x) -> decltype(x) {
    return static_cast<decltype(x)>(special::polygamma(n, static_cast<F>(x)));
  });
}

struct ClipParam {
  double a_min = 0, a_max = 0;
  static void describe(ParamBuilder<ClipParam>& b) {
    b.field("a_min", &ClipParam::a_min, "Minimum value.");
    b.field("a_max", &ClipParam::a_max, "Maximum value.");
  }
};
bool infer_clip_type(const OpAttrs& attrs, std::vector<int>& in, std::vector<int>& out) {
  const auto& p = attrs.get<ClipParam>();
  SN_CHECK(p.a_min <= p.a_max, attrs.op->name, ": a_min must not exceed a_max, got a_min=", p.a_min,
           " and a_max=", p.a_max);
  return infer_same_type(attrs, in, out);
}
// NaN stays NaN (neither comparison holds).
void clip_kernel(const OpContext& ctx, std::span<const TensorView> in, std::span<const TensorView> out) {
  const auto& p = ctx.params<ClipParam>();
  dispatch_dtype<NumericDTypes>(out[0].dtype, ctx.attrs.op->name, [&]<class T>() {
    const auto lo = scalar_as<T>(p.a_min), hi = scalar_as<T>(p.a_max);
    const T* x = in[0].ptr<T>();
    T* y = out[0].ptr<T>();
    parallel_for(out[0].size(), ctx.run.num_threads, [&](int64_t b, int64_t e) {
      for (int64_t i = b; i < e; ++i) {
        const auto v = load(x[i]);
        y[i] = store<T>(v < lo ? lo : (v > hi ? hi : v));
      }
    });
  });
}
// ograd where a_min <= data <= a_max, else 0.
void backward_clip_kernel(const OpContext& ctx, std::span<const TensorView> in, std::span<const TensorView> out) {
  const auto& p = ctx.params<ClipParam>();
  dispatch_dtype<NumericDTypes>(out[0].dtype, ctx.attrs.op->name, [&]<class T>() {
    const auto lo = scalar_as<T>(p.a_min), hi = scalar_as<T>(p.a_max);
    const T* g = in[0].ptr<T>();
    const T* x = in[1].ptr<T>();
    T* y = out[0].ptr<T>();
    parallel_for(out[0].size(), ctx.run.num_threads, [&](int64_t b, int64_t e) {
      for (int64_t i = b; i < e; ++i) {
        const auto v = load(x[i]);
        y[i] = v < lo || v > hi ? store<T>(0) : g[i];
      }
    });
  });
}

struct CastParam {
  DType dtype = DType::kFloat32;
  static void describe(ParamBuilder<CastParam>& b) { b.field("dtype", &CastParam::dtype, "Output dtype."); }
};
bool infer_cast_type(const OpAttrs& attrs, std::vector<int>&, std::vector<int>& out) {
  out[0] = static_cast<int>(attrs.get<CastParam>().dtype);
  return true;
}
// Note [Conversion semantics]: float to int saturates, NaN gives 0.
void cast_kernel(const OpContext& ctx, std::span<const TensorView> in, std::span<const TensorView> out) {
  convert(in[0].data, in[0].dtype, out[0].data, out[0].dtype, out[0].size(), ctx.run.num_threads);
}

template <int Value>
void fill_kernel(const OpContext& ctx, std::span<const TensorView>, std::span<const TensorView> out) {
  dispatch_dtype<AllDTypes>(out[0].dtype, ctx.attrs.op->name, [&]<class T>() {
    T* y = out[0].ptr<T>();
    const T v = store<T>(Value);
    parallel_for(out[0].size(), ctx.run.num_threads, [&](int64_t lo, int64_t hi) { std::fill(y + lo, y + hi, v); });
  });
}

// y = dy * (x > 0), where x is relu's output.
void backward_relu_kernel(const OpContext& ctx, std::span<const TensorView> in, std::span<const TensorView> out) {
  dispatch_dtype<NumericDTypes>(out[0].dtype, ctx.attrs.op->name, [&]<class T>() {
    const T* g = in[0].ptr<T>();
    const T* y = in[1].ptr<T>();
    T* o = out[0].ptr<T>();
    parallel_for(out[0].size(), ctx.run.num_threads, [&](int64_t lo, int64_t hi) {
      for (int64_t i = lo; i < hi; ++i) o[i] = load(y[i]) > 0 ? g[i] : store<T>(0);
    });
  });
}

// Gradients, with registered (differentiable) ops.
void negative_grad(GradBuilder& b) { b.set_input_grad(0, b.op("negative", {b.out_grad(0)})); }
void exp_grad(GradBuilder& b) { b.set_input_grad(0, b.op("elemwise_mul", {b.out_grad(0), b.output(0)})); }
void log_grad(GradBuilder& b) { b.set_input_grad(0, b.op("elemwise_div", {b.out_grad(0), b.input(0)})); }
void sqrt_grad(GradBuilder& b) {
  GradValue two_y = b.op("_mul_scalar", {b.output(0)}, {{"scalar", "2"}});
  b.set_input_grad(0, b.op("elemwise_div", {b.out_grad(0), two_y}));
}
void square_grad(GradBuilder& b) {
  GradValue two_x = b.op("_mul_scalar", {b.input(0)}, {{"scalar", "2"}});
  b.set_input_grad(0, b.op("elemwise_mul", {b.out_grad(0), two_x}));
}
void relu_grad(GradBuilder& b) { b.set_input_grad(0, b.op("_backward_relu", {b.out_grad(0), b.output(0)})); }
void backward_relu_grad(GradBuilder& b) {
  b.set_input_grad(0, b.op("_backward_relu", {b.out_grad(0), b.input(1)}));  // linear in dy; zero in y a.e.
}
void sigmoid_grad(GradBuilder& b) {  // y (1 - y)
  GradValue one_minus = b.op("_rminus_scalar", {b.output(0)}, {{"scalar", "1"}});
  GradValue d = b.op("elemwise_mul", {b.output(0), one_minus});
  b.set_input_grad(0, b.op("elemwise_mul", {b.out_grad(0), d}));
}
void tanh_grad(GradBuilder& b) {  // 1 - y^2
  GradValue d = b.op("_rminus_scalar", {b.op("square", {b.output(0)})}, {{"scalar", "1"}});
  b.set_input_grad(0, b.op("elemwise_mul", {b.out_grad(0), d}));
}
void identity_grad(GradBuilder& b) { b.set_input_grad(0, b.out_grad(0)); }

// Shorthands for gradient graphs.
std::string num(double v) { return detail::print_float(v); }
GradValue mul(GradBuilder& b, GradValue x, GradValue y) { return b.op("elemwise_mul", {x, y}); }
GradValue div(GradBuilder& b, GradValue x, GradValue y) { return b.op("elemwise_div", {x, y}); }
GradValue scalar_op(GradBuilder& b, const char* op, GradValue x, double s) {
  const std::string text = num(s);
  return b.op(op, {x}, {{"scalar", text}});
}
GradValue mul_s(GradBuilder& b, GradValue x, double s) { return scalar_op(b, "_mul_scalar", x, s); }
GradValue plus_s(GradBuilder& b, GradValue x, double s) { return scalar_op(b, "_plus_scalar", x, s); }
GradValue un(GradBuilder& b, const char* op, GradValue x) { return b.op(op, {x}); }

void abs_grad(GradBuilder& b) { b.set_input_grad(0, mul(b, b.out_grad(0), un(b, "sign", b.input(0)))); }
void reciprocal_grad(GradBuilder& b) {  // -1/x^2 = -y^2
  b.set_input_grad(0, un(b, "negative", mul(b, b.out_grad(0), un(b, "square", b.output(0)))));
}
void rsqrt_grad(GradBuilder& b) {  // -x^(-3/2) / 2 = -y^3 / 2
  GradValue y = b.output(0);
  b.set_input_grad(0, mul(b, b.out_grad(0), mul_s(b, mul(b, y, un(b, "square", y)), -0.5)));
}
void cbrt_grad(GradBuilder& b) {  // 1 / (3 y^2)
  b.set_input_grad(0, div(b, b.out_grad(0), mul_s(b, un(b, "square", b.output(0)), 3)));
}
void rcbrt_grad(GradBuilder& b) {  // -x^(-4/3) / 3 = -y^4 / 3
  GradValue y2 = un(b, "square", b.output(0));
  b.set_input_grad(0, mul(b, b.out_grad(0), mul_s(b, un(b, "square", y2), -1.0 / 3)));
}
void expm1_grad(GradBuilder& b) { b.set_input_grad(0, mul(b, b.out_grad(0), plus_s(b, b.output(0), 1))); }
void log1p_grad(GradBuilder& b) { b.set_input_grad(0, div(b, b.out_grad(0), plus_s(b, b.input(0), 1))); }
template <int Base>
void log_base_grad(GradBuilder& b) {
  b.set_input_grad(0, div(b, b.out_grad(0), mul_s(b, b.input(0), std::log(static_cast<double>(Base)))));
}
void sin_grad(GradBuilder& b) { b.set_input_grad(0, mul(b, b.out_grad(0), un(b, "cos", b.input(0)))); }
void cos_grad(GradBuilder& b) {
  b.set_input_grad(0, un(b, "negative", mul(b, b.out_grad(0), un(b, "sin", b.input(0)))));
}
void tan_grad(GradBuilder& b) {  // 1 + y^2
  b.set_input_grad(0, mul(b, b.out_grad(0), plus_s(b, un(b, "square", b.output(0)), 1)));
}
GradValue sqrt_one_minus_x2(GradBuilder& b) {
  return un(b, "sqrt", scalar_op(b, "_rminus_scalar", un(b, "square", b.input(0)), 1));
}
void arcsin_grad(GradBuilder& b) { b.set_input_grad(0, div(b, b.out_grad(0), sqrt_one_minus_x2(b))); }
void arccos_grad(GradBuilder& b) {
  b.set_input_grad(0, un(b, "negative", div(b, b.out_grad(0), sqrt_one_minus_x2(b))));
}
void arctan_grad(GradBuilder& b) {
  b.set_input_grad(0, div(b, b.out_grad(0), plus_s(b, un(b, "square", b.input(0)), 1)));
}
void sinh_grad(GradBuilder& b) { b.set_input_grad(0, mul(b, b.out_grad(0), un(b, "cosh", b.input(0)))); }
void cosh_grad(GradBuilder& b) { b.set_input_grad(0, mul(b, b.out_grad(0), un(b, "sinh", b.input(0)))); }
void arcsinh_grad(GradBuilder& b) {
  b.set_input_grad(0, div(b, b.out_grad(0), un(b, "sqrt", plus_s(b, un(b, "square", b.input(0)), 1))));
}
void arccosh_grad(GradBuilder& b) {
  b.set_input_grad(0, div(b, b.out_grad(0), un(b, "sqrt", plus_s(b, un(b, "square", b.input(0)), -1))));
}
void arctanh_grad(GradBuilder& b) {
  b.set_input_grad(0, div(b, b.out_grad(0), scalar_op(b, "_rminus_scalar", un(b, "square", b.input(0)), 1)));
}
void degrees_grad(GradBuilder& b) { b.set_input_grad(0, mul_s(b, b.out_grad(0), 180 / std::numbers::pi)); }
void radians_grad(GradBuilder& b) { b.set_input_grad(0, mul_s(b, b.out_grad(0), std::numbers::pi / 180)); }
void softsign_grad(GradBuilder& b) {  // 1 / (1 + |x|)^2
  GradValue d = un(b, "square", plus_s(b, un(b, "abs", b.input(0)), 1));
  b.set_input_grad(0, div(b, b.out_grad(0), d));
}
void softrelu_grad(GradBuilder& b) { b.set_input_grad(0, mul(b, b.out_grad(0), un(b, "sigmoid", b.input(0)))); }
void erf_grad(GradBuilder& b) {  // 2/sqrt(pi) e^(-x^2)
  GradValue e = un(b, "exp", un(b, "negative", un(b, "square", b.input(0))));
  b.set_input_grad(0, mul(b, b.out_grad(0), mul_s(b, e, 2 / std::sqrt(std::numbers::pi))));
}
void erfinv_grad(GradBuilder& b) {  // sqrt(pi)/2 e^(y^2)
  GradValue e = un(b, "exp", un(b, "square", b.output(0)));
  b.set_input_grad(0, mul(b, b.out_grad(0), mul_s(b, e, std::sqrt(std::numbers::pi) / 2)));
}
GradValue polygamma(GradBuilder& b, GradValue x, int n) {
  const std::string text = std::to_string(n);
  return b.op("_polygamma", {x}, {{"n", text}});
}
void gamma_grad(GradBuilder& b) {  // gamma(x) digamma(x)
  b.set_input_grad(0, mul(b, b.out_grad(0), mul(b, b.output(0), polygamma(b, b.input(0), 0))));
}
void gammaln_grad(GradBuilder& b) { b.set_input_grad(0, mul(b, b.out_grad(0), polygamma(b, b.input(0), 0))); }
void polygamma_grad(GradBuilder& b) {
  b.set_input_grad(0, mul(b, b.out_grad(0), polygamma(b, b.input(0), b.attrs().get<PolygammaParam>().n + 1)));
}
void clip_grad(GradBuilder& b) {
  b.set_input_grad(0, b.apply("_backward_clip", {b.out_grad(0), b.input(0)}, b.attrs())[0]);
}
void backward_clip_grad(GradBuilder& b) {  // linear in ograd; zero in data a.e.
  b.set_input_grad(0, b.apply("_backward_clip", {b.out_grad(0), b.input(1)}, b.attrs())[0]);
}
void cast_grad(GradBuilder& b) {
  const std::string dtype(dtype_name(b.known_input_dtype(0)));
  b.set_input_grad(0, b.op("Cast", {b.out_grad(0)}, {{"dtype", dtype}}));
}

template <class Table>
OpRegistrar unary(const char* name, KernelFn kernel, const char* doc) {
  return OpRegistrar(name)
      .dtypes<Table>()
      .describe(doc)
      .inputs({"data"})
      .outputs({"output"})
      .inplace({{0, 0}})
      .infer_shape(infer_same_shape)
      .infer_type(infer_same_type)
      .kernel(DeviceType::kCPU, kernel);
}

[[maybe_unused]] OpRegistrar r_negative = unary<SignedDTypes>("negative", negative_kernel, "-x.").gradient(negative_grad);
[[maybe_unused]] OpRegistrar r_exp = unary<FloatDTypes>("exp", exp_kernel, "e^x.").gradient(exp_grad, {}, {0});
[[maybe_unused]] OpRegistrar r_log = unary<FloatDTypes>("log", log_kernel, "Natural logarithm.").gradient(log_grad, {0});
[[maybe_unused]] OpRegistrar r_sqrt = unary<FloatDTypes>("sqrt", sqrt_kernel, "Square root.").gradient(sqrt_grad, {}, {0});
[[maybe_unused]] OpRegistrar r_square = unary<NumericDTypes>("square", square_kernel, "x^2.").gradient(square_grad, {0});
[[maybe_unused]] OpRegistrar r_relu =
    unary<NumericDTypes>("relu", relu_kernel, "max(x, 0) (NaN stays NaN).").gradient(relu_grad, {}, {0});
[[maybe_unused]] OpRegistrar r_sigmoid =
    unary<FloatDTypes>("sigmoid", sigmoid_kernel, "1 / (1 + e^-x).").gradient(sigmoid_grad, {}, {0});
[[maybe_unused]] OpRegistrar r_tanh = unary<FloatDTypes>("tanh", tanh_kernel, "Hyperbolic tangent.").gradient(tanh_grad, {}, {0});
#define SN_UNARY(NAME, TABLE, DOC) \
  [[maybe_unused]] OpRegistrar r_##NAME = unary<TABLE>(#NAME, NAME##_kernel, DOC)

SN_UNARY(abs, NumericDTypes, "|x|.").gradient(abs_grad, {0});
SN_UNARY(sign, NumericDTypes, "-1, 0 or 1 by the sign of x (NaN stays NaN).").zero_gradient();
SN_UNARY(reciprocal, FloatDTypes, "1 / x.").gradient(reciprocal_grad, {}, {0});
SN_UNARY(rsqrt, FloatDTypes, "1 / sqrt(x).").gradient(rsqrt_grad, {}, {0});
SN_UNARY(cbrt, FloatDTypes, "Cube root.").gradient(cbrt_grad, {}, {0});
SN_UNARY(rcbrt, FloatDTypes, "1 / cbrt(x).").gradient(rcbrt_grad, {}, {0});
SN_UNARY(expm1, FloatDTypes, "e^x - 1, accurate near 0.").gradient(expm1_grad, {}, {0});
SN_UNARY(log1p, FloatDTypes, "log(1 + x), accurate near 0.").gradient(log1p_grad, {0});
SN_UNARY(log2, FloatDTypes, "Base-2 logarithm.").gradient(log_base_grad<2>, {0});
SN_UNARY(log10, FloatDTypes, "Base-10 logarithm.").gradient(log_base_grad<10>, {0});
SN_UNARY(sin, FloatDTypes, "Sine (radians).").gradient(sin_grad, {0});
SN_UNARY(cos, FloatDTypes, "Cosine (radians).").gradient(cos_grad, {0});
SN_UNARY(tan, FloatDTypes, "Tangent (radians).").gradient(tan_grad, {}, {0});
SN_UNARY(arcsin, FloatDTypes, "Inverse sine, in [-pi/2, pi/2].").gradient(arcsin_grad, {0});
SN_UNARY(arccos, FloatDTypes, "Inverse cosine, in [0, pi].").gradient(arccos_grad, {0});
SN_UNARY(arctan, FloatDTypes, "Inverse tangent, in (-pi/2, pi/2).").gradient(arctan_grad, {0});
SN_UNARY(sinh, FloatDTypes, "Hyperbolic sine.").gradient(sinh_grad, {0});
SN_UNARY(cosh, FloatDTypes, "Hyperbolic cosine.").gradient(cosh_grad, {0});
SN_UNARY(arcsinh, FloatDTypes, "Inverse hyperbolic sine.").gradient(arcsinh_grad, {0});
SN_UNARY(arccosh, FloatDTypes, "Inverse hyperbolic cosine.").gradient(arccosh_grad, {0});
SN_UNARY(arctanh, FloatDTypes, "Inverse hyperbolic tangent.").gradient(arctanh_grad, {0});
SN_UNARY(degrees, FloatDTypes, "Radians to degrees.").gradient(degrees_grad);
SN_UNARY(radians, FloatDTypes, "Degrees to radians.").gradient(radians_grad);
SN_UNARY(softsign, FloatDTypes, "x / (1 + |x|).").gradient(softsign_grad, {0});
SN_UNARY(softrelu, FloatDTypes, "log(1 + e^x) (softplus).").gradient(softrelu_grad, {0});
SN_UNARY(erf, FloatDTypes, "The Gauss error function.").gradient(erf_grad, {0});
SN_UNARY(erfinv, FloatDTypes, "The inverse error function (+-inf at +-1, NaN outside [-1, 1]).")
    .gradient(erfinv_grad, {}, {0});
SN_UNARY(gamma, FloatDTypes, "The gamma function.").gradient(gamma_grad, {0}, {0});
SN_UNARY(gammaln, FloatDTypes, "log |gamma(x)|.").gradient(gammaln_grad, {0});
SN_UNARY(round, NumericDTypes, "Rounds to the nearest integer, halves away from zero.").zero_gradient();
SN_UNARY(rint, NumericDTypes, "Rounds to the nearest integer, halves to even.").zero_gradient();
SN_UNARY(floor, NumericDTypes, "The largest integer <= x.").zero_gradient();
SN_UNARY(ceil, NumericDTypes, "The smallest integer >= x.").zero_gradient();
SN_UNARY(trunc, NumericDTypes, "Rounds towards zero.").zero_gradient();
[[maybe_unused]] OpRegistrar r_fix =
    unary<NumericDTypes>("fix", trunc_kernel, "Rounds towards zero (as trunc).").zero_gradient();
SN_UNARY(logical_not, NumericDTypes, "1 where x == 0, else 0, in x's dtype.").zero_gradient();

[[maybe_unused]] OpRegistrar r_polygamma =
    unary<FloatDTypes>("_polygamma", polygamma_kernel, "The n-th derivative of digamma (0: digamma itself).")
        .params<PolygammaParam>()
        .gradient(polygamma_grad, {0});

[[maybe_unused]] OpRegistrar r_clip =
    unary<NumericDTypes>("clip", clip_kernel, "Clips values to [a_min, a_max] (NaN stays NaN).")
        .params<ClipParam>()
        .infer_type(infer_clip_type)
        .gradient(clip_grad, {0});
[[maybe_unused]] OpRegistrar r_backward_clip = OpRegistrar("_backward_clip")
    .describe("The gradient of clip: ograd where a_min <= data <= a_max, else 0.")
    .params<ClipParam>()
    .dtypes<NumericDTypes>()
    .inputs({"ograd", "data"})
    .outputs({"output"})
    .inplace({{0, 0}})
    .infer_shape(infer_same_shape)
    .infer_type(infer_same_type)
    .kernel(DeviceType::kCPU, backward_clip_kernel)
    .gradient(backward_clip_grad, {1});

[[maybe_unused]] OpRegistrar r_cast = OpRegistrar("Cast")
    .alias("cast")
    .describe("Converts to dtype: float to integer saturates and NaN gives 0; to bool is x != 0.")
    .params<CastParam>()
    .dtypes<AllDTypes>()
    .inputs({"data"})
    .outputs({"output"})
    .infer_shape(infer_same_shape)
    .infer_type(infer_cast_type)
    .kernel(DeviceType::kCPU, cast_kernel)
    .gradient(cast_grad);

[[maybe_unused]] OpRegistrar r_copy =
    unary<AllDTypes>("_copy", copy_kernel, "A copy of the input.").alias("identity").gradient(identity_grad);

[[maybe_unused]] OpRegistrar r_block_grad =
    unary<AllDTypes>("BlockGrad", copy_kernel, "The input unchanged, with a zero gradient: gradients stop here.")
        .alias("stop_gradient")
        .zero_gradient();

[[maybe_unused]] OpRegistrar r_backward_relu = OpRegistrar("_backward_relu")
    .describe("The gradient of relu: ograd where the relu output is positive, else 0.")
    .dtypes<NumericDTypes>()
    .inputs({"ograd", "output"})
    .outputs({"output"})
    .infer_shape(infer_same_shape)
    .infer_type(infer_same_type)
    .kernel(DeviceType::kCPU, backward_relu_kernel)
    .gradient(backward_relu_grad, {1});

[[maybe_unused]] OpRegistrar r_zeros_like = OpRegistrar("zeros_like")
    .describe("An array of zeros with the shape and dtype of the input.")
    .dtypes<AllDTypes>()
    .inputs({"data"})
    .outputs({"output"})
    .infer_shape(infer_same_shape)
    .infer_type(infer_same_type)
    .kernel(DeviceType::kCPU, fill_kernel<0>)
    .zero_gradient();

[[maybe_unused]] OpRegistrar r_ones_like = OpRegistrar("ones_like")
    .describe("An array of ones with the shape and dtype of the input.")
    .dtypes<AllDTypes>()
    .inputs({"data"})
    .outputs({"output"})
    .infer_shape(infer_same_shape)
    .infer_type(infer_same_type)
    .kernel(DeviceType::kCPU, fill_kernel<1>)
    .zero_gradient();

}  // namespace
}  // namespace sn
