// Conformance entries: loss layers. SoftmaxOutput, the regression outputs and MakeLoss ignore the head gradient by
// design (Note [Loss layers ignore the head gradient]), so their entries check the forward only and their
// gradients are checked against the formula in loss_test.cc; _backward_SoftmaxOutput's entries check that formula
// here too, over every layout and normalisation. softmax_cross_entropy is checked like any differentiable op.
#include <algorithm>
#include <cmath>

#include "ops/conformance.h"

namespace sn::conformance {
namespace {

[[maybe_unused]] const bool kRegistered = [] {
  for (const char* op : {"SoftmaxOutput", "LinearRegressionOutput", "LogisticRegressionOutput", "MAERegressionOutput",
                         "MakeLoss"})
    covered_elsewhere()[op] =
        "forward here; the gradient ignores the head gradient by design (a loss layer), so loss_test.cc checks it "
        "against the formula (normalisations, ignore_label, smoothing, layouts, label shapes)";
  return true;
}();

bool flag(const Params& p, const char* key) { return param(p, key, "False") == "True"; }

// Data as (n, k, inner), the softmax along k (SoftmaxOutput's layouts).
struct Layout {
  int64_t n, k, inner;
};
Layout layout(const Params& p, const Shape& d) {
  const int nd = d.ndim();
  if (flag(p, "multi_output")) return {d[0], d[1], d.size(2, nd)};
  if (flag(p, "preserve_shape")) return {d.size(0, nd - 1), d[nd - 1], 1};
  return {d[0], d.size(1, nd), 1};
}

Ref softmax_along(const Ref& x, Layout l) {
  Ref y = x;
  for (int64_t i = 0; i < l.n; ++i)
    for (int64_t j = 0; j < l.inner; ++j) {
      auto at = [&](int64_t q) { return static_cast<size_t>((i * l.k + q) * l.inner + j); };
      double m = -INFINITY, total = 0;
      for (int64_t q = 0; q < l.k; ++q) m = std::max(m, x.v[at(q)]);
      for (int64_t q = 0; q < l.k; ++q) total += std::exp(x.v[at(q)] - m);
      for (int64_t q = 0; q < l.k; ++q) y.v[at(q)] = std::exp(x.v[at(q)] - m) / total;
    }
  return y;
}

RefFn softmax_output_ref() {
  return [](const std::vector<Ref>& in, const Params& p) {
    return std::vector<Ref>{softmax_along(in[0], layout(p, in[0].shape))};
  };
}

// SoftmaxOutput's gradient from (output, label[, ograd]), written from MXNet's description.
RefFn backward_ref() {
  return [](const std::vector<Ref>& in, const Params& p) {
    const Ref &y = in[0], &label = in[1];
    const bool out_grad = flag(p, "out_grad");
    const double scale0 = std::stod(param(p, "grad_scale", "1"));
    Ref g = y;
    if (label.shape == y.shape) {
      for (size_t e = 0; e < g.v.size(); ++e)
        g.v[e] = (y.v[e] - label.v[e]) * scale0 * (out_grad ? in[2].v[e] : 1.0);
      return std::vector<Ref>{g};
    }
    const Layout l = layout(p, y.shape);
    const std::string norm = param(p, "normalization", "null");
    const double ignore = std::trunc(std::stod(param(p, "ignore_label", "-1")));
    const double alpha = std::stod(param(p, "smooth_alpha", "0"));
    double divisor = 1;
    if (norm == "valid") {
      divisor = static_cast<double>(std::count_if(label.v.begin(), label.v.end(),
                                                  [&](double v) { return std::trunc(v) != ignore; }));
      divisor = std::max(divisor, 1.0);
    } else if (flag(p, "multi_output")) {
      divisor = static_cast<double>(l.inner) * (norm == "batch" ? static_cast<double>(l.n) : 1.0);
    } else if (norm == "batch") {
      divisor = static_cast<double>(label.size());
    }
    for (int64_t i = 0; i < l.n; ++i)
      for (int64_t j = 0; j < l.inner; ++j) {
        const double c = std::trunc(label.v[static_cast<size_t>(i * l.inner + j)]);
        const bool ignored = flag(p, "use_ignore") && c == ignore;
        for (int64_t q = 0; q < l.k; ++q) {
          const auto e = static_cast<size_t>((i * l.k + q) * l.inner + j);
          const double target = static_cast<double>(q) == c ? 1 - alpha : alpha / static_cast<double>(l.k - 1);
          g.v[e] = ignored ? 0.0 : (y.v[e] - target) * scale0 / divisor * (out_grad ? in[2].v[e] : 1.0);
        }
      }
    return std::vector<Ref>{g};
  };
}

// --- SoftmaxOutput: forward ---
const AddCase so{{.op = "SoftmaxOutput", .shapes = {{4, 5}, {4}}, .domain = {{-3, 3}, {0, 4}},
                  .reference = softmax_output_ref(), .skip_gradient = true, .fixed_inputs = {1}}};
const AddCase so_multi{{.op = "Softmax", .params = {{"multi_output", "True"}}, .shapes = {{2, 3, 4}, {2, 4}},
                        .domain = {{-3, 3}, {0, 2}}, .reference = softmax_output_ref(), .skip_gradient = true,
                        .label = "alias_multi_output", .fixed_inputs = {1}}};
const AddCase so_preserve{{.op = "SoftmaxOutput", .params = {{"preserve_shape", "True"}}, .shapes = {{2, 3, 4}, {2, 3}},
                           .domain = {{-3, 3}, {0, 3}}, .reference = softmax_output_ref(), .skip_gradient = true,
                           .label = "preserve_shape", .fixed_inputs = {1}}};
const AddCase so_flat{{.op = "SoftmaxOutput", .shapes = {{2, 3, 4}, {2, 3}}, .domain = {{-3, 3}, {0, 3}},
                       .reference = softmax_output_ref(), .skip_gradient = true, .label = "flattened",
                       .fixed_inputs = {1}}};
const AddCase so_prob{{.op = "SoftmaxOutput", .shapes = {{3, 4}, {3, 4}}, .domain = {{-3, 3}, {0, 1}},
                       .reference = softmax_output_ref(), .skip_gradient = true, .label = "probability_label"}};

// --- _backward_SoftmaxOutput: the gradient formula ---
const AddCase bw{{.op = "_backward_SoftmaxOutput", .shapes = {{4, 5}, {4}}, .domain = {{0, 1}, {-1, 5}},
                  .reference = backward_ref(), .skip_gradient = true, .label = "out_of_range_labels",
                  .fixed_inputs = {1}}};
const AddCase bw_batch{{.op = "_backward_SoftmaxOutput",
                        .params = {{"normalization", "batch"}, {"use_ignore", "True"}, {"grad_scale", "2"}},
                        .shapes = {{6, 5}, {6}}, .domain = {{0, 1}, {-1, 4}}, .reference = backward_ref(),
                        .skip_gradient = true, .label = "batch_ignore", .fixed_inputs = {1}}};
const AddCase bw_valid{{.op = "_backward_SoftmaxOutput",
                        .params = {{"normalization", "valid"}, {"use_ignore", "True"}, {"ignore_label", "2"}},
                        .shapes = {{6, 4}, {6}}, .domain = {{0, 1}, {0, 3}}, .reference = backward_ref(),
                        .skip_gradient = true, .label = "valid_ignore", .fixed_inputs = {1}}};
const AddCase bw_valid_no_ignore{{.op = "_backward_SoftmaxOutput", .params = {{"normalization", "valid"}},
                                  .shapes = {{6, 4}, {6}}, .domain = {{0, 1}, {-1, 3}}, .reference = backward_ref(),
                                  .skip_gradient = true, .label = "valid_counts_without_use_ignore",
                                  .fixed_inputs = {1}}};
const AddCase bw_smooth{{.op = "_backward_SoftmaxOutput", .params = {{"smooth_alpha", "0.1"}},
                         .shapes = {{4, 5}, {4}}, .domain = {{0, 1}, {0, 4}}, .reference = backward_ref(),
                         .skip_gradient = true, .label = "smooth", .fixed_inputs = {1}}};
const AddCase bw_multi{{.op = "_backward_SoftmaxOutput", .params = {{"multi_output", "True"}},
                        .shapes = {{2, 3, 4}, {2, 4}}, .domain = {{0, 1}, {0, 2}}, .reference = backward_ref(),
                        .skip_gradient = true, .label = "multi_output", .fixed_inputs = {1}}};
const AddCase bw_multi_batch{{.op = "_backward_SoftmaxOutput",
                              .params = {{"multi_output", "True"}, {"normalization", "batch"}, {"smooth_alpha", "0.2"}},
                              .shapes = {{2, 3, 2, 2}, {2, 1, 2, 2}}, .domain = {{0, 1}, {0, 2}},
                              .reference = backward_ref(), .skip_gradient = true, .label = "multi_output_batch",
                              .fixed_inputs = {1}}};
const AddCase bw_multi_valid{{.op = "_backward_SoftmaxOutput",
                              .params = {{"multi_output", "True"}, {"normalization", "valid"}, {"use_ignore", "True"},
                                         {"ignore_label", "0"}},
                              .shapes = {{2, 3, 2, 2}, {2, 2, 2}}, .domain = {{0, 1}, {0, 2}},
                              .reference = backward_ref(), .skip_gradient = true, .label = "multi_output_valid",
                              .fixed_inputs = {1}}};
const AddCase bw_preserve{{.op = "_backward_SoftmaxOutput",
                           .params = {{"preserve_shape", "True"}, {"normalization", "batch"}},
                           .shapes = {{2, 3, 4}, {2, 3}}, .domain = {{0, 1}, {0, 3}}, .reference = backward_ref(),
                           .skip_gradient = true, .label = "preserve_shape", .fixed_inputs = {1}}};
const AddCase bw_flat{{.op = "_backward_SoftmaxOutput", .params = {{"normalization", "batch"}},
                       .shapes = {{2, 3, 4}, {2, 3}}, .domain = {{0, 1}, {0, 11}}, .reference = backward_ref(),
                       .skip_gradient = true, .label = "flattened", .fixed_inputs = {1}}};
const AddCase bw_out_grad{{.op = "_backward_SoftmaxOutput", .params = {{"out_grad", "True"}, {"grad_scale", "3"}},
                           .shapes = {{3, 4}, {3}, {3, 4}}, .domain = {{0, 1}, {0, 3}, {-1, 1}},
                           .reference = backward_ref(), .skip_gradient = true, .label = "out_grad",
                           .fixed_inputs = {1}}};
const AddCase bw_prob{{.op = "_backward_SoftmaxOutput", .params = {{"grad_scale", "0.5"}, {"normalization", "batch"}},
                       .shapes = {{3, 4}, {3, 4}}, .domain = {{0, 1}, {0, 1}}, .reference = backward_ref(),
                       .skip_gradient = true, .label = "probability_label"}};

// --- regression outputs and MakeLoss: forward ---
const AddCase linear{{.op = "LinearRegressionOutput", .shapes = {{3, 4}, {3, 4}},
                      .reference = unary_ref([](double x) { return x; }), .skip_gradient = true}};
const AddCase logistic{{.op = "LogisticRegressionOutput", .shapes = {{4, 1}, {4}}, .domain = {{-4, 4}, {0, 1}},
                        .reference = unary_ref([](double x) { return 1 / (1 + std::exp(-x)); }),
                        .skip_gradient = true, .label = "column_label"}};
const AddCase mae{{.op = "MAERegressionOutput", .shapes = {{2, 6}, {2, 3, 2}},
                   .reference = unary_ref([](double x) { return x; }), .skip_gradient = true,
                   .label = "reshaped_label"}};
const AddCase make_loss{{.op = "MakeLoss", .params = {{"normalization", "valid"}}, .shapes = {{3, 4}},
                         .reference = unary_ref([](double x) { return x; }), .skip_gradient = true}};

// --- softmax_cross_entropy ---
const AddCase sce{{.op = "softmax_cross_entropy", .shapes = {{4, 5}, {4}}, .domain = {{-2, 2}, {0, 4}},
                   .reference =
                       [](const std::vector<Ref>& in, const Params&) {
                         const Ref p = softmax_along(in[0], {4, 5, 1});
                         Ref loss{Shape{1}, {0.0}};
                         for (int64_t i = 0; i < 4; ++i)
                           loss.v[0] -= std::log(p.v[static_cast<size_t>(i * 5 + static_cast<int64_t>(in[1].v[static_cast<size_t>(i)]))]);
                         return std::vector<Ref>{loss};
                       },
                   .fixed_inputs = {1}}};

}  // namespace
}  // namespace sn::conformance
