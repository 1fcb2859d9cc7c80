// Conformance entries: the unary math catalogue (trigonometry, rounding,
// special functions, clip, Cast) and the binary/scalar forms of mod, power,
// extrema, hypot and logic, and add_n.
#include <cmath>
#include <limits>
#include <numbers>

#include "ops/conformance.h"

namespace sn::conformance {
namespace {



// Written independently of the kernels' recurrence + asymptotic series: direct sums over k < N with an
// Euler-Maclaurin tail. psi(x) = log(x+N) - 1/(2(x+N)) - sum 1/(x+k) - ..., psi1(x) = sum 1/(x+k)^2 + ...
double digamma_ref(double x) {
  constexpr int N = 2000;
  double s = 0;
  for (int k = 0; k < N; ++k) s += 1 / (x + k);
  const double z = x + N;
  return std::log(z) - 1 / (2 * z) - 1 / (12 * z * z) + 1 / (120 * std::pow(z, 4)) - s;
}
double trigamma_ref(double x) {
  constexpr int N = 2000;
  double s = 0;
  for (int k = 0; k < N; ++k) s += 1 / ((x + k) * (x + k));
  const double z = x + N;
  return s + 1 / z + 1 / (2 * z * z) + 1 / (6 * z * z * z) - 1 / (30 * std::pow(z, 5));
}

const std::vector<DType> kF32F64 = {DType::kFloat32, DType::kFloat64};
const std::vector<DType> kCmpTypes = {DType::kFloat32, DType::kFloat64, DType::kInt32, DType::kInt64};
constexpr double kNaN = std::numeric_limits<double>::quiet_NaN();

double sign(double x) { return x > 0 ? 1 : (x < 0 ? -1 : 0); }
double py_mod(double a, double b) { return b == 0 ? 0 : a - std::floor(a / b) * b; }

#define UNARY(NAME, LO, HI, EXPR, ...)                                                                         \
  const AddCase NAME##_case{{.op = #NAME, .shapes = {{3, 4}}, .domain = {{LO, HI}},                            \
                             .reference = unary_ref([](double x) { return EXPR; }), __VA_ARGS__}}

UNARY(abs, -2, 2, std::abs(x), .dtypes = kFloatsAndInts, .avoid_points = {0}, .avoid = 1e-2);
UNARY(sign, -2, 2, sign(x), .dtypes = kFloatsAndInts, .avoid_points = {0}, .avoid = 1e-2);
UNARY(reciprocal, 0.5, 2, 1 / x);
const AddCase reciprocal_neg{{.op = "reciprocal", .shapes = {{5}}, .domain = {{-2, -0.5}},
                              .reference = unary_ref([](double x) { return 1 / x; }), .label = "negative"}};
UNARY(rsqrt, 0.5, 3, 1 / std::sqrt(x));
UNARY(cbrt, -2, 2, std::cbrt(x), .avoid_points = {0}, .avoid = 0.2);
UNARY(rcbrt, 0.5, 3, 1 / std::cbrt(x));
UNARY(expm1, -1, 1, std::expm1(x));
UNARY(log1p, -0.5, 2, std::log1p(x));
UNARY(log2, 0.3, 4, std::log2(x));
UNARY(log10, 0.3, 4, std::log10(x));
UNARY(sin, -3, 3, std::sin(x));
UNARY(cos, -3, 3, std::cos(x));
UNARY(tan, -1.2, 1.2, std::tan(x), .grad_rtol = 5e-3);
UNARY(arcsin, -0.9, 0.9, std::asin(x));
UNARY(arccos, -0.9, 0.9, std::acos(x));
UNARY(arctan, -3, 3, std::atan(x));
UNARY(sinh, -2, 2, std::sinh(x));
UNARY(cosh, -2, 2, std::cosh(x));
UNARY(arcsinh, -3, 3, std::asinh(x));
UNARY(arccosh, 1.2, 3, std::acosh(x));
UNARY(arctanh, -0.9, 0.9, std::atanh(x));
UNARY(degrees, -3, 3, x * 180 / std::numbers::pi);
UNARY(radians, -200, 200, x * std::numbers::pi / 180);
UNARY(softsign, -3, 3, x / (1 + std::abs(x)), .avoid_points = {0}, .avoid = 1e-2);
UNARY(softrelu, -4, 4, std::log1p(std::exp(x)));
const AddCase softrelu_large{{.op = "softrelu", .shapes = {{4}}, .domain = {{25, 80}},
                              .reference = unary_ref([](double x) { return std::log1p(std::exp(x)); }),
                              .dtypes = kF32F64, .label = "large"}};
UNARY(erf, -2, 2, std::erf(x));
double erfinv_ref(double y) {  // bisection on erf: independent of the kernel's Newton iteration
  double lo = -10, hi = 10;
  for (int i = 0; i < 200; ++i) (std::erf((lo + hi) / 2) < y ? lo : hi) = (lo + hi) / 2;
  return (lo + hi) / 2;
}
UNARY(erfinv, -0.9, 0.9, erfinv_ref(x), .rtol = 2e-5);
UNARY(gamma, 0.5, 3.5, std::tgamma(x), .rtol = 2e-5);
const AddCase gamma_neg{{.op = "gamma", .shapes = {{5}}, .domain = {{-2.8, -2.2}},
                         .reference = unary_ref([](double x) { return std::tgamma(x); }), .dtypes = kF32F64,
                         .rtol = 2e-5, .label = "negative"}};
UNARY(gammaln, 0.5, 4, std::lgamma(x), .rtol = 2e-5);
const AddCase polygamma0{{.op = "_polygamma", .params = {{"n", "0"}}, .shapes = {{3, 4}}, .domain = {{0.3, 12}},
                          .reference = unary_ref(digamma_ref), .dtypes = kF32F64, .label = "digamma"}};
const AddCase polygamma0_neg{{.op = "_polygamma", .params = {{"n", "0"}}, .shapes = {{4}}, .domain = {{-2.8, -2.2}},
                              .reference = unary_ref([](double x) {  // reflection through the positive side
                                return digamma_ref(1 - x) - std::numbers::pi / std::tan(std::numbers::pi * x);
                              }),
                              .dtypes = kF32F64, .label = "digamma_negative"}};
const AddCase polygamma1{{.op = "_polygamma", .params = {{"n", "1"}}, .shapes = {{3, 4}}, .domain = {{0.3, 12}},
                          .reference = unary_ref(trigamma_ref), .dtypes = kF32F64, .label = "trigamma"}};

// Rounding: piecewise constant (zero gradient a.e.), kept away from the jumps; the identity on integers.
const std::vector<double> kHalves = {-2.5, -1.5, -0.5, 0.5, 1.5, 2.5};
const std::vector<double> kWholes = {-3, -2, -1, 0, 1, 2, 3};
UNARY(round, -3, 3, std::round(x), .avoid_points = kHalves, .avoid = 1e-2);
UNARY(rint, -3, 3, std::nearbyint(x), .avoid_points = kHalves, .avoid = 1e-2);
UNARY(floor, -3, 3, std::floor(x), .avoid_points = kWholes, .avoid = 1e-2);
UNARY(ceil, -3, 3, std::ceil(x), .avoid_points = kWholes, .avoid = 1e-2);
UNARY(trunc, -3, 3, std::trunc(x), .avoid_points = kWholes, .avoid = 1e-2);
UNARY(fix, -3, 3, std::trunc(x), .avoid_points = kWholes, .avoid = 1e-2);
// Exact halves: MXNet's round goes away from zero, rint to even.
const AddCase round_halves{{.op = "round", .shapes = {{6}}, .domain = {{-3, 3}},
                            .reference = unary_ref([](double x) { return std::round(x); }), .dtypes = kF32F64,
                            .gradient = false, .skip_gradient = true, .label = "halves",
                            .prepare = [](std::vector<Ref>& in) { in[0].v = {-2.5, -1.5, -0.5, 0.5, 1.5, 2.5}; }}};
const AddCase rint_halves{{.op = "rint", .shapes = {{6}}, .domain = {{-3, 3}},
                           .reference = unary_ref([](double x) { return std::nearbyint(x); }), .dtypes = kF32F64,
                           .gradient = false, .skip_gradient = true, .label = "halves",
                           .prepare = [](std::vector<Ref>& in) { in[0].v = {-2.5, -1.5, -0.5, 0.5, 1.5, 2.5}; }}};
#define INT_IDENTITY(NAME)                                                                                      \
  const AddCase NAME##_ints{{.op = #NAME, .shapes = {{3, 4}}, .domain = {{-50, 50}},                           \
                             .reference = unary_ref([](double x) { return x; }),                               \
                             .dtypes = {DType::kInt32, DType::kInt64, DType::kInt8}, .skip_gradient = true,     \
                             .label = "integers"}}
INT_IDENTITY(round);
INT_IDENTITY(rint);
INT_IDENTITY(floor);
INT_IDENTITY(ceil);
INT_IDENTITY(trunc);
INT_IDENTITY(fix);
UNARY(logical_not, -1, 1, x == 0 ? 1.0 : 0.0, .dtypes = kFloatsAndInts);

// NaN: propagates through abs/sign/rounding/clip; logical_not(NaN) is 0 (NaN is non-zero).
const AddCase nan_sign{{.op = "sign", .shapes = {{3}}, .reference = unary_ref([](double x) { return std::isnan(x) ? x : sign(x); }),
                        .dtypes = kF32F64, .skip_gradient = true, .label = "nan",
                        .prepare = [](std::vector<Ref>& in) { in[0].v = {kNaN, -1, 2}; }}};
const AddCase nan_logical_not{{.op = "logical_not", .shapes = {{3}}, .reference = unary_ref([](double x) { return x == 0 ? 1.0 : 0.0; }),
                               .dtypes = kF32F64, .skip_gradient = true, .label = "nan",
                               .prepare = [](std::vector<Ref>& in) { in[0].v = {kNaN, 0, 2}; }}};

// clip and its gradient op.
double clip(double x, double lo, double hi) { return x < lo ? lo : (x > hi ? hi : x); }
const AddCase clip_f{{.op = "clip", .params = {{"a_min", "-0.5"}, {"a_max", "0.7"}}, .shapes = {{4, 5}},
                      .reference = unary_ref([](double x) { return clip(x, -0.5, 0.7); }),
                      .avoid_points = {-0.5, 0.7}, .avoid = 1e-2}};
const AddCase clip_i{{.op = "clip", .params = {{"a_min", "-2"}, {"a_max", "3"}}, .shapes = {{4, 5}}, .domain = {{-6, 6}},
                      .reference = unary_ref([](double x) { return clip(x, -2, 3); }),
                      .dtypes = {DType::kInt32, DType::kInt64, DType::kInt8, DType::kUInt8}, .skip_gradient = true,
                      .label = "integers"}};
const AddCase clip_nan{{.op = "clip", .params = {{"a_min", "-0.5"}, {"a_max", "0.7"}}, .shapes = {{3}},
                        .reference = unary_ref([](double x) { return std::isnan(x) ? x : clip(x, -0.5, 0.7); }),
                        .dtypes = kF32F64, .skip_gradient = true, .label = "nan",
                        .prepare = [](std::vector<Ref>& in) { in[0].v = {kNaN, -1, 2}; }}};
const AddCase backward_clip{{.op = "_backward_clip", .params = {{"a_min", "-0.5"}, {"a_max", "0.7"}},
                             .shapes = {{3, 4}, {3, 4}},
                             .reference = binary_ref([](double g, double x) { return x < -0.5 || x > 0.7 ? 0 : g; }),
                             .avoid_points = {-0.5, 0.7}, .avoid = 1e-2}};

// Cast: float to int truncates and saturates, NaN gives 0; float to float is differentiable.
const AddCase cast_int{{.op = "Cast", .params = {{"dtype", "int32"}}, .shapes = {{3, 4}}, .domain = {{-5, 5}},
                        .reference = unary_ref([](double x) { return std::trunc(x); }), .dtypes = kF32F64,
                        .skip_gradient = true, .label = "to_int32", .out_dtypes = {static_cast<int>(DType::kInt32)}}};
const AddCase cast_saturate{{.op = "cast", .params = {{"dtype", "int8"}}, .shapes = {{4}},
                             .reference = unary_ref([](double x) { return std::isnan(x) ? 0 : std::clamp(std::trunc(x), -128.0, 127.0); }),
                             .dtypes = kF32F64, .skip_gradient = true, .label = "saturate",
                             .out_dtypes = {static_cast<int>(DType::kInt8)},
                             .prepare = [](std::vector<Ref>& in) { in[0].v = {kNaN, 1e6, -1e6, -3.7}; }}};
const AddCase cast_f64{{.op = "Cast", .params = {{"dtype", "float64"}}, .shapes = {{3, 4}},
                        .reference = unary_ref([](double x) { return x; }),
                        .dtypes = {DType::kFloat32, DType::kFloat16, DType::kBFloat16, DType::kInt32}, .label = "to_float64",
                        .out_dtypes = {static_cast<int>(DType::kFloat64)}}};

// Binary: same-shape and broadcasting forms.
#define BINARY_PAIR(NAME, DOMAIN, EXPR, TYPES)                                                                \
  const AddCase NAME##_same{{.op = "_" #NAME, .shapes = {{3, 4}, {3, 4}}, .domain = DOMAIN,                    \
                             .reference = binary_ref([](double a, double b) { return EXPR; }), .dtypes = TYPES}}; \
  const AddCase NAME##_bc{{.op = "broadcast_" #NAME, .shapes = {{2, 1, 4}, {3, 1}}, .domain = DOMAIN,          \
                           .reference = binary_ref([](double a, double b) { return EXPR; }), .dtypes = TYPES}}

using Domain = std::vector<std::pair<double, double>>;
const Domain kModDomain = {{-3, 3}, {0.6, 2}};
const Domain kModIntDomain = {{-9, 9}, {1, 4}};
const Domain kPowDomain = {{0.5, 2}, {-2, 2}};
const Domain kPm2 = {{-2, 2}};
BINARY_PAIR(mod, kModDomain, py_mod(a, b), kFloats);
BINARY_PAIR(power, kPowDomain, std::pow(a, b), kFloats);
BINARY_PAIR(maximum, kPm2, std::max(a, b), kFloatsAndInts);
BINARY_PAIR(minimum, kPm2, std::min(a, b), kFloatsAndInts);
BINARY_PAIR(hypot, kPm2, std::hypot(a, b), kFloats);
const AddCase mod_int{{.op = "broadcast_mod", .shapes = {{3, 4}, {4}}, .domain = kModIntDomain,
                       .reference = binary_ref(py_mod), .dtypes = {DType::kInt32, DType::kInt64}, .label = "integers"}};
const AddCase mod_neg{{.op = "_mod", .shapes = {{3, 4}, {3, 4}}, .domain = {{-3, 3}, {-2, -0.6}},
                       .reference = binary_ref(py_mod), .label = "negative_divisor"}};
const AddCase mod_zero{{.op = "broadcast_mod", .shapes = {{3}, {1}}, .reference = binary_ref(py_mod),
                        .dtypes = {DType::kFloat32, DType::kInt32}, .skip_gradient = true, .label = "by_zero",
                        .prepare = [](std::vector<Ref>& in) { in[0].v = {-2, 0, 3}; in[1].v = {0}; }}};
const AddCase max_nan{{.op = "broadcast_maximum", .shapes = {{3}, {3}},
                       .reference = binary_ref([](double a, double b) { return std::isnan(a) || std::isnan(b) ? kNaN : std::max(a, b); }),
                       .dtypes = kF32F64, .skip_gradient = true, .label = "nan",
                       .prepare = [](std::vector<Ref>& in) { in[0].v = {kNaN, 1, 2}; in[1].v = {0, kNaN, 1}; }}};
const AddCase min_nan{{.op = "_minimum", .shapes = {{3}, {3}},
                       .reference = binary_ref([](double a, double b) { return std::isnan(a) || std::isnan(b) ? kNaN : std::min(a, b); }),
                       .dtypes = kF32F64, .skip_gradient = true, .label = "nan",
                       .prepare = [](std::vector<Ref>& in) { in[0].v = {kNaN, 1, 2}; in[1].v = {0, kNaN, 1}; }}};

#define CMP_SAME(NAME, EXPR)                                                                                   \
  const AddCase NAME##_case{{.op = "_" #NAME, .shapes = {{3, 4}, {3, 4}}, .domain = {{-2, 2}},                 \
                             .reference = binary_ref([](double a, double b) { return (EXPR) ? 1.0 : 0.0; }),   \
                             .dtypes = kCmpTypes}}
CMP_SAME(equal, a == b);
CMP_SAME(not_equal, a != b);
CMP_SAME(greater, a > b);
CMP_SAME(greater_equal, a >= b);
CMP_SAME(lesser, a < b);
CMP_SAME(lesser_equal, a <= b);
CMP_SAME(logical_and, a != 0 && b != 0);
CMP_SAME(logical_or, a != 0 || b != 0);
CMP_SAME(logical_xor, (a != 0) != (b != 0));
#define LOGIC_BC(NAME, EXPR)                                                                                   \
  const AddCase NAME##_bc{{.op = "broadcast_" #NAME, .shapes = {{3, 4}, {4}}, .domain = {{-1, 1}},             \
                           .reference = binary_ref([](double a, double b) { return (EXPR) ? 1.0 : 0.0; }),     \
                           .dtypes = kCmpTypes}}
LOGIC_BC(logical_and, a != 0 && b != 0);
LOGIC_BC(logical_or, a != 0 || b != 0);
LOGIC_BC(logical_xor, (a != 0) != (b != 0));

// Scalar forms.
#define SCALAR(NAME, S, DOMAIN, EXPR, TYPES)                                                                  \
  const AddCase NAME##_case{{.op = #NAME, .params = {{"scalar", S}}, .shapes = {{3, 4}}, .domain = DOMAIN,     \
                             .reference = scalar_ref([](double x, double s) { return EXPR; }), .dtypes = TYPES}}
const Domain kPos = {{0.5, 2}};
const Domain kPm3 = {{-3, 3}};
SCALAR(_mod_scalar, "1.5", kPm3, py_mod(x, s), kFloats);
SCALAR(_rmod_scalar, "2.5", kPos, py_mod(s, x), kFloats);
SCALAR(_power_scalar, "2.5", kPos, std::pow(x, s), kFloats);
SCALAR(_rpower_scalar, "1.7", kPm2, std::pow(s, x), kFloats);
SCALAR(_maximum_scalar, "0.25", kPm2, std::max(x, s), kFloats);
SCALAR(_minimum_scalar, "0.25", kPm2, std::min(x, s), kFloats);
SCALAR(_hypot_scalar, "0.5", kPm2, std::hypot(x, s), kFloats);
SCALAR(_logical_and_scalar, "1", kPm2, x != 0 && s != 0 ? 1.0 : 0.0, kCmpTypes);
SCALAR(_logical_or_scalar, "0", kPm2, x != 0 || s != 0 ? 1.0 : 0.0, kCmpTypes);
SCALAR(_logical_xor_scalar, "1", kPm2, (x != 0) != (s != 0) ? 1.0 : 0.0, kCmpTypes);
const AddCase mod_scalar_int{{.op = "_mod_scalar", .params = {{"scalar", "3"}}, .shapes = {{3, 4}}, .domain = {{-9, 9}},
                              .reference = scalar_ref(py_mod), .dtypes = {DType::kInt32, DType::kInt64},
                              .label = "integers"}};
const AddCase max_scalar_int{{.op = "_maximum_scalar", .params = {{"scalar", "1"}}, .shapes = {{3, 4}}, .domain = {{-3, 3}},
                              .reference = scalar_ref([](double x, double s) { return std::max(x, s); }),
                              .dtypes = {DType::kInt32, DType::kInt64}, .label = "integers"}};

// add_n of three arrays (variadic inputs).
const AddCase add_n{{.op = "add_n", .params = {{"num_args", "3"}}, .shapes = {{3, 4}, {3, 4}, {3, 4}},
                     .reference = [](const std::vector<Ref>& in, const Params&) {
                       Ref r = in[0];
                       for (size_t k = 1; k < in.size(); ++k)
                         for (size_t i = 0; i < r.v.size(); ++i) r.v[i] += in[k].v[i];
                       return std::vector<Ref>{r};
                     },
                     .dtypes = kFloatsAndInts}};
const AddCase element_wise_sum{{.op = "ElementWiseSum", .params = {{"num_args", "1"}}, .shapes = {{5}},
                                .reference = unary_ref([](double x) { return x; }), .label = "one_input"}};

}  // namespace
}  // namespace sn::conformance
