// Conformance entries: neural-network layers (FullyConnected, Activation, LeakyReLU).
#include <algorithm>
#include <cmath>

#include "ops/conformance.h"

namespace sn::conformance {
namespace {

// y[r, j] = sum_k x[r, k] w[j, k] (+ b[j]), x viewed as (rows, k).
RefFn fc_ref(bool flatten, bool bias) {
  return [flatten, bias](const std::vector<Ref>& in, const Params& p) {
    const Shape& xs = in[0].shape;
    const int64_t n = std::stoll(param(p, "num_hidden", "0"));
    const int64_t k = in[1].shape[1], rows = in[0].size() / k;
    Shape os;
    if (flatten) {
      os = Shape{xs[0], n};
    } else {
      for (int d = 0; d + 1 < xs.ndim(); ++d) os.push_back(xs[d]);
      os.push_back(n);
    }
    Ref y{os, std::vector<double>(static_cast<size_t>(rows * n), 0.0)};
    for (int64_t r = 0; r < rows; ++r)
      for (int64_t j = 0; j < n; ++j) {
        double s = bias ? in[2].v[static_cast<size_t>(j)] : 0.0;
        for (int64_t q = 0; q < k; ++q) s += in[0].v[static_cast<size_t>(r * k + q)] * in[1].v[static_cast<size_t>(j * k + q)];
        y.v[static_cast<size_t>(r * n + j)] = s;
      }
    return std::vector<Ref>{y};
  };
}
const AddCase fc{{.op = "FullyConnected", .params = {{"num_hidden", "4"}}, .shapes = {{3, 2, 3}, {4, 6}, {4}},
                  .reference = fc_ref(true, true), .rtol = 1e-5}};
const AddCase fc_no_bias{{.op = "FullyConnected", .params = {{"num_hidden", "3"}, {"no_bias", "True"}},
                          .shapes = {{5, 4}, {3, 4}}, .reference = fc_ref(true, false), .label = "no_bias"}};
// 1-d data with flatten is (n, 1): weight (num_hidden, 1), as MXNet.
const AddCase fc_1d{{.op = "FullyConnected", .params = {{"num_hidden", "3"}}, .shapes = {{5}, {3, 1}, {3}},
                     .reference = fc_ref(true, true), .label = "1d"}};
const AddCase fc_last_axis{{.op = "FullyConnected", .params = {{"num_hidden", "2"}, {"flatten", "False"}},
                            .shapes = {{2, 3, 4}, {2, 4}, {2}}, .reference = fc_ref(false, true), .label = "last_axis"}};

const AddCase act_relu{{.op = "Activation", .params = {{"act_type", "relu"}}, .shapes = {{3, 4}}, .domain = {{-2, 2}},
                        .reference = unary_ref([](double x) { return x > 0 ? x : 0.0; }), .avoid_points = {0},
                        .avoid = 1e-2, .label = "relu"}};
const AddCase act_sigmoid{{.op = "Activation", .params = {{"act_type", "sigmoid"}}, .shapes = {{3, 4}}, .domain = {{-4, 4}},
                           .reference = unary_ref([](double x) { return 1 / (1 + std::exp(-x)); }), .label = "sigmoid"}};
const AddCase act_tanh{{.op = "Activation", .params = {{"act_type", "tanh"}}, .shapes = {{3, 4}}, .domain = {{-3, 3}},
                        .reference = unary_ref([](double x) { return std::tanh(x); }), .label = "tanh"}};
const AddCase act_softrelu{{.op = "Activation", .params = {{"act_type", "softrelu"}}, .shapes = {{3, 4}},
                            .domain = {{-4, 4}}, .reference = unary_ref([](double x) { return std::log1p(std::exp(x)); }),
                            .label = "softrelu"}};
const AddCase act_softsign{{.op = "Activation", .params = {{"act_type", "softsign"}}, .shapes = {{3, 4}},
                            .domain = {{-3, 3}}, .reference = unary_ref([](double x) { return x / (1 + std::abs(x)); }),
                            .avoid_points = {0}, .avoid = 1e-2, .label = "softsign"}};


// LeakyReLU family.
double selu(double x) {
  const double a = 1.6732632423543772848170429916717, l = 1.0507009873554804934193349852946;
  return l * (x > 0 ? x : a * std::expm1(x));
}
const AddCase leaky{{.op = "LeakyReLU", .params = {{"act_type", "leaky"}, {"slope", "0.1"}}, .shapes = {{3, 4}},
                     .domain = {{-2, 2}}, .reference = unary_ref([](double x) { return x > 0 ? x : 0.1 * x; }),
                     .avoid_points = {0}, .avoid = 1e-2, .label = "leaky"}};
const AddCase leaky_default{{.op = "LeakyReLU", .shapes = {{5}}, .domain = {{-2, 2}},
                             .reference = unary_ref([](double x) { return x > 0 ? x : 0.25 * x; }), .avoid_points = {0},
                             .avoid = 1e-2, .label = "default_slope"}};
const AddCase elu{{.op = "LeakyReLU", .params = {{"act_type", "elu"}}, .shapes = {{3, 4}}, .domain = {{-2, 2}},
                   .reference = unary_ref([](double x) { return x > 0 ? x : 0.25 * std::expm1(x); }),
                   .avoid_points = {0}, .avoid = 1e-2, .label = "elu"}};
const AddCase selu_case{{.op = "LeakyReLU", .params = {{"act_type", "selu"}}, .shapes = {{3, 4}}, .domain = {{-2, 2}},
                         .reference = unary_ref(selu), .avoid_points = {0}, .avoid = 1e-2, .label = "selu"}};
const AddCase gelu{{.op = "LeakyReLU", .params = {{"act_type", "gelu"}}, .shapes = {{3, 4}}, .domain = {{-3, 3}},
                    .reference = unary_ref([](double x) { return 0.5 * x * (1 + std::erf(x / std::sqrt(2.0))); }),
                    .label = "gelu"}};
RefFn prelu_ref() {
  return [](const std::vector<Ref>& in, const Params&) {
    const Shape& s = in[0].shape;
    const int64_t c = s[1], inner = s.size(2, s.ndim());
    Ref y = in[0];
    for (int64_t i = 0; i < y.size(); ++i) {
      const double g = in[1].size() == 1 ? in[1].v[0] : in[1].v[static_cast<size_t>((i / inner) % c)];
      const double x = in[0].v[static_cast<size_t>(i)];
      y.v[static_cast<size_t>(i)] = x > 0 ? x : g * x;
    }
    return std::vector<Ref>{y};
  };
}
const AddCase prelu{{.op = "LeakyReLU", .params = {{"act_type", "prelu"}}, .shapes = {{2, 3, 4}, {3}},
                     .domain = {{-2, 2}, {0.05, 0.5}}, .reference = prelu_ref(), .avoid_points = {0}, .avoid = 1e-2,
                     .label = "prelu"}};
const AddCase prelu_one{{.op = "LeakyReLU", .params = {{"act_type", "prelu"}}, .shapes = {{2, 3}, {1}},
                         .domain = {{-2, 2}, {0.05, 0.5}}, .reference = prelu_ref(), .avoid_points = {0},
                         .avoid = 1e-2, .label = "prelu_shared"}};

// Dropout: the identity outside training (the forward check), and with p=0 also in training (the gradient
// checks record in training mode); the random masks are tested in nn_test.cc.
const AddCase dropout{{.op = "Dropout", .params = {{"p", "0"}}, .shapes = {{3, 4}},
                       .reference = unary_ref([](double x) { return x; }), .label = "p0"}};
const AddCase dropout_inference{{.op = "Dropout", .params = {{"p", "0.5"}}, .shapes = {{3, 4}},
                                 .reference = unary_ref([](double x) { return x; }), .skip_gradient = true,
                                 .label = "inference"}};

// rrelu: outside training the slope is (lower_bound + upper_bound) / 2 (the forward check); the gradient checks
// record in training, where slopes are drawn in [lower_bound, upper_bound], so they run with equal bounds. The
// random slopes are tested in nn_test.cc.
const AddCase rrelu_inference{{.op = "LeakyReLU", .params = {{"act_type", "rrelu"}, {"lower_bound", "0.1"},
                                                             {"upper_bound", "0.3"}},
                               .shapes = {{3, 4}}, .domain = {{-2, 2}},
                               .reference = unary_ref([](double x) { return x > 0 ? x : 0.2 * x; }),
                               .skip_gradient = true, .label = "rrelu_inference"}};
const AddCase rrelu_fixed{{.op = "LeakyReLU", .params = {{"act_type", "rrelu"}, {"lower_bound", "0.25"},
                                                         {"upper_bound", "0.25"}},
                           .shapes = {{2, 3, 4}}, .domain = {{-2, 2}},
                           .reference = unary_ref([](double x) { return x > 0 ? x : 0.25 * x; }),
                           .avoid_points = {0}, .avoid = 1e-2, .label = "rrelu_equal_bounds"}};

// Embedding: rows of weight at the indices, which include out-of-range ones (clipped to the first or last row).
RefFn embedding_ref() {
  return [](const std::vector<Ref>& in, const Params&) {
    const int64_t rows = in[1].shape[0], dim = in[1].shape[1];
    Shape os = in[0].shape;
    os.push_back(dim);
    Ref y{os, std::vector<double>(static_cast<size_t>(in[0].size() * dim))};
    for (int64_t i = 0; i < in[0].size(); ++i) {
      const auto r = static_cast<int64_t>(std::clamp(in[0].v[static_cast<size_t>(i)], 0.0, static_cast<double>(rows - 1)));
      for (int64_t j = 0; j < dim; ++j) y.v[static_cast<size_t>(i * dim + j)] = in[1].v[static_cast<size_t>(r * dim + j)];
    }
    return std::vector<Ref>{y};
  };
}
const AddCase embedding{{.op = "Embedding", .params = {{"input_dim", "5"}, {"output_dim", "4"}},
                         .shapes = {{2, 3}, {5, 4}}, .domain = {{-2, 6}, {-1, 1}}, .reference = embedding_ref(),
                         .dtypes = kFloatsAndInts, .fixed_inputs = {0}}};
const AddCase embedding_repeats{{.op = "Embedding", .params = {{"input_dim", "3"}, {"output_dim", "2"}},
                                 .shapes = {{12}, {3, 2}}, .domain = {{0, 2}, {-1, 1}}, .reference = embedding_ref(),
                                 .label = "repeated_indices", .fixed_inputs = {0}}};
}  // namespace
}  // namespace sn::conformance
