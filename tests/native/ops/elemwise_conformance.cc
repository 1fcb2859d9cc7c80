// Conformance entries: elementwise binary, scalar and unary ops.
#include <cmath>

#include "ops/conformance.h"

namespace sn::conformance {
namespace {

using F2 = std::function<double(double, double)>;


const F2 kAdd = [](double a, double b) { return a + b; };
const F2 kSub = [](double a, double b) { return a - b; };
const F2 kMul = [](double a, double b) { return a * b; };
const F2 kDiv = [](double a, double b) { return a / b; };

// Same-shape forms: integers too (division excluded: it truncates).
const AddCase add_same{{.op = "elemwise_add", .shapes = {{3, 4}, {3, 4}}, .reference = binary_ref(kAdd),
                        .dtypes = kFloatsAndInts}};
const AddCase sub_same{{.op = "elemwise_sub", .shapes = {{3, 4}, {3, 4}}, .reference = binary_ref(kSub),
                        .dtypes = kFloatsAndInts}};
const AddCase mul_same{{.op = "elemwise_mul", .shapes = {{2, 3, 2}, {2, 3, 2}}, .domain = {{-3, 3}},
                        .reference = binary_ref(kMul), .dtypes = kFloatsAndInts}};
const AddCase div_same{{.op = "elemwise_div", .shapes = {{5, 3}, {5, 3}}, .domain = {{-2, 2}, {0.5, 2}},
                        .reference = binary_ref(kDiv)}};

// Broadcast forms, with shapes that broadcast on both sides and across ranks.
const AddCase add_bc{{.op = "broadcast_add", .shapes = {{2, 1, 4}, {3, 1}}, .reference = binary_ref(kAdd),
                      .dtypes = kFloatsAndInts}};
const AddCase add_bc_same{{.op = "broadcast_add", .shapes = {{3, 4}, {3, 4}}, .reference = binary_ref(kAdd),
                           .label = "same"}};
const AddCase sub_bc{{.op = "broadcast_sub", .shapes = {{4}, {3, 1}}, .reference = binary_ref(kSub),
                      .dtypes = kFloatsAndInts}};
const AddCase mul_bc{{.op = "broadcast_mul", .shapes = {{2, 3, 1}, {1, 3, 4}}, .domain = {{-3, 3}},
                      .reference = binary_ref(kMul), .dtypes = kFloatsAndInts}};
const AddCase div_bc{{.op = "broadcast_div", .shapes = {{2, 3, 4}, {3, 1}}, .domain = {{-2, 2}, {0.5, 2}},
                      .reference = binary_ref(kDiv)}};
const AddCase div_bc_neg{{.op = "broadcast_div", .shapes = {{1, 4}, {3, 1}}, .domain = {{-2, 2}, {-2, -0.5}},
                          .reference = binary_ref(kDiv), .label = "negative_divisor"}};

// Scalar forms (the scalar takes the array's dtype: whole numbers keep integer cases exact).
const AddCase plus_s{{.op = "_plus_scalar", .params = {{"scalar", "2"}}, .shapes = {{3, 4}},
                      .reference = scalar_ref(kAdd), .dtypes = kFloatsAndInts}};
const AddCase minus_s{{.op = "_minus_scalar", .params = {{"scalar", "0.5"}}, .shapes = {{3, 4}},
                       .reference = scalar_ref(kSub)}};
const AddCase rminus_s{{.op = "_rminus_scalar", .params = {{"scalar", "3"}}, .shapes = {{3, 4}},
                        .reference = scalar_ref([](double x, double s) { return s - x; }), .dtypes = kFloatsAndInts}};
const AddCase mul_s{{.op = "_mul_scalar", .params = {{"scalar", "-1.5"}}, .shapes = {{3, 4}},
                     .reference = scalar_ref(kMul)}};
const AddCase div_s{{.op = "_div_scalar", .params = {{"scalar", "4"}}, .shapes = {{3, 4}},
                     .reference = scalar_ref(kDiv)}};
const AddCase rdiv_s{{.op = "_rdiv_scalar", .params = {{"scalar", "2"}}, .shapes = {{3, 4}}, .domain = {{0.5, 2}},
                      .reference = scalar_ref([](double x, double s) { return s / x; })}};

// Comparisons: 1 or 0 in the inputs' dtype; integer cases draw ties.
const std::vector<DType> kCmpTypes = {DType::kFloat32, DType::kFloat64, DType::kInt32, DType::kInt64};
RefFn cmp_ref(bool (*f)(double, double)) {
  return binary_ref([f](double a, double b) { return f(a, b) ? 1.0 : 0.0; });
}
RefFn cmp_scalar_ref(bool (*f)(double, double)) {
  return scalar_ref([f](double a, double b) { return f(a, b) ? 1.0 : 0.0; });
}
const AddCase eq{{.op = "broadcast_equal", .shapes = {{3, 4}, {4}}, .domain = {{-2, 2}},
                  .reference = cmp_ref([](double a, double b) { return a == b; }), .dtypes = kCmpTypes}};
const AddCase ne{{.op = "broadcast_not_equal", .shapes = {{3, 4}, {3, 1}}, .domain = {{-2, 2}},
                  .reference = cmp_ref([](double a, double b) { return a != b; }), .dtypes = kCmpTypes}};
const AddCase gt{{.op = "broadcast_greater", .shapes = {{3, 4}, {4}}, .domain = {{-2, 2}},
                  .reference = cmp_ref([](double a, double b) { return a > b; }), .dtypes = kCmpTypes}};
const AddCase ge{{.op = "broadcast_greater_equal", .shapes = {{3, 4}, {4}}, .domain = {{-2, 2}},
                  .reference = cmp_ref([](double a, double b) { return a >= b; }), .dtypes = kCmpTypes}};
const AddCase lt{{.op = "broadcast_lesser", .shapes = {{2, 3}, {2, 3}}, .domain = {{-2, 2}},
                  .reference = cmp_ref([](double a, double b) { return a < b; }), .dtypes = kCmpTypes}};
const AddCase le{{.op = "broadcast_lesser_equal", .shapes = {{2, 3}, {1}}, .domain = {{-2, 2}},
                  .reference = cmp_ref([](double a, double b) { return a <= b; }), .dtypes = kCmpTypes}};
const AddCase eq_s{{.op = "_equal_scalar", .params = {{"scalar", "1"}}, .shapes = {{3, 4}}, .domain = {{-2, 2}},
                    .reference = cmp_scalar_ref([](double a, double b) { return a == b; }), .dtypes = kCmpTypes}};
const AddCase ne_s{{.op = "_not_equal_scalar", .params = {{"scalar", "1"}}, .shapes = {{3, 4}}, .domain = {{-2, 2}},
                    .reference = cmp_scalar_ref([](double a, double b) { return a != b; }), .dtypes = kCmpTypes}};
const AddCase gt_s{{.op = "_greater_scalar", .params = {{"scalar", "0.5"}}, .shapes = {{3, 4}},
                    .reference = cmp_scalar_ref([](double a, double b) { return a > b; }),
                    .dtypes = {DType::kFloat32, DType::kFloat64}}};
const AddCase ge_s{{.op = "_greater_equal_scalar", .params = {{"scalar", "0"}}, .shapes = {{3, 4}}, .domain = {{-2, 2}},
                    .reference = cmp_scalar_ref([](double a, double b) { return a >= b; }), .dtypes = kCmpTypes}};
const AddCase lt_s{{.op = "_lesser_scalar", .params = {{"scalar", "-0.25"}}, .shapes = {{3, 4}},
                    .reference = cmp_scalar_ref([](double a, double b) { return a < b; }),
                    .dtypes = {DType::kFloat32, DType::kFloat64}}};
const AddCase le_s{{.op = "_lesser_equal_scalar", .params = {{"scalar", "1"}}, .shapes = {{3, 4}}, .domain = {{-2, 2}},
                    .reference = cmp_scalar_ref([](double a, double b) { return a <= b; }), .dtypes = kCmpTypes}};

// Unary math, in each function's domain.
const AddCase negative{{.op = "negative", .shapes = {{3, 5}}, .reference = unary_ref([](double x) { return -x; }),
                        .dtypes = kFloatsAndInts}};
const AddCase exp_{{.op = "exp", .shapes = {{3, 5}}, .domain = {{-3, 3}},
                    .reference = unary_ref([](double x) { return std::exp(x); })}};
const AddCase log_{{.op = "log", .shapes = {{3, 5}}, .domain = {{0.2, 5}},
                    .reference = unary_ref([](double x) { return std::log(x); })}};
const AddCase sqrt_{{.op = "sqrt", .shapes = {{3, 5}}, .domain = {{0.2, 5}},
                     .reference = unary_ref([](double x) { return std::sqrt(x); })}};
const AddCase square{{.op = "square", .shapes = {{3, 5}}, .domain = {{-3, 3}},
                      .reference = unary_ref([](double x) { return x * x; }), .dtypes = kFloatsAndInts}};
const AddCase relu{{.op = "relu", .shapes = {{4, 5}}, .domain = {{-2, 2}},
                    .reference = unary_ref([](double x) { return x > 0 ? x : 0; }), .dtypes = kFloatsAndInts,
                    .avoid_points = {0}, .avoid = 1e-2}};
const AddCase sigmoid{{.op = "sigmoid", .shapes = {{3, 5}}, .domain = {{-4, 4}},
                       .reference = unary_ref([](double x) { return 1 / (1 + std::exp(-x)); })}};
const AddCase tanh_{{.op = "tanh", .shapes = {{3, 5}}, .domain = {{-3, 3}},
                     .reference = unary_ref([](double x) { return std::tanh(x); })}};
const AddCase copy{{.op = "_copy", .shapes = {{2, 3, 4}}, .reference = unary_ref([](double x) { return x; }),
                    .dtypes = kFloatsAndInts}};

const AddCase block_grad{{.op = "BlockGrad", .shapes = {{2, 3}}, .reference = unary_ref([](double x) { return x; }),
                          .dtypes = kFloatsAndInts, .gradient = false}};

// The gradient op of relu: linear in ograd, zero (a.e.) in the relu output.
const AddCase backward_relu{{.op = "_backward_relu", .shapes = {{3, 4}, {3, 4}}, .domain = {{-2, 2}},
                             .reference = binary_ref([](double g, double y) { return y > 0 ? g : 0; }),
                             .avoid_points = {0}, .avoid = 1e-2}};

// Fills: no data dependence, zero gradient.
const AddCase zeros_like{{.op = "zeros_like", .shapes = {{2, 3}}, .reference = unary_ref([](double) { return 0.0; }),
                          .dtypes = kFloatsAndInts}};
const AddCase ones_like{{.op = "ones_like", .shapes = {{2, 3}}, .reference = unary_ref([](double) { return 1.0; }),
                         .dtypes = kFloatsAndInts}};

}  // namespace
}  // namespace sn::conformance
