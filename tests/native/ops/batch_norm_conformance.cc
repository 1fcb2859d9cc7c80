// Conformance entries: BatchNorm with batch statistics (training, moving statistics checked as mutated inputs)
// and with the moving statistics (use_global_stats).
#include <cmath>

#include "ops/conformance.h"

namespace sn::conformance {
namespace {

// Outputs (y; with output_mean_var also mean and inverse std) then, in training, the updated moving statistics.
RefFn bn_ref(bool training) {
  return [training](const std::vector<Ref>& in, const Params& p) {
    const Ref& x = in[0];
    const int nd = x.shape.ndim();
    int64_t axis = std::stoll(param(p, "axis", "1"));
    if (axis < 0) axis += nd;
    const double eps = std::stod(param(p, "eps", "1e-3")), momentum = std::stod(param(p, "momentum", "0.9"));
    const bool fix_gamma = param(p, "fix_gamma", "True") == "True";
    const bool global = param(p, "use_global_stats", "False") == "True";
    const bool batch = training && !global;
    const int64_t c_n = x.shape[static_cast<int>(axis)], inner = x.shape.size(static_cast<int>(axis) + 1, nd);
    auto channel = [&](size_t i) { return static_cast<size_t>((static_cast<int64_t>(i) / inner) % c_n); };
    std::vector<double> sum(static_cast<size_t>(c_n), 0.0), sq(static_cast<size_t>(c_n), 0.0);
    const double m = static_cast<double>(x.size() / c_n);
    for (size_t i = 0; i < x.v.size(); ++i) sum[channel(i)] += x.v[i];
    for (double& s : sum) s /= m;
    for (size_t i = 0; i < x.v.size(); ++i) sq[channel(i)] += (x.v[i] - sum[channel(i)]) * (x.v[i] - sum[channel(i)]);
    for (double& s : sq) s /= m;
    Ref y = x, mean{Shape{c_n}, {}}, invstd{Shape{c_n}, {}}, mm = in[3], mv = in[4];
    for (size_t c = 0; c < static_cast<size_t>(c_n); ++c) {
      const double mu = batch ? sum[c] : in[3].v[c], var = batch ? sq[c] : in[4].v[c];
      mean.v.push_back(mu);
      invstd.v.push_back(1 / std::sqrt(var + eps));
      if (batch) {
        mm.v[c] = in[3].v[c] * momentum + sum[c] * (1 - momentum);
        mv.v[c] = in[4].v[c] * momentum + sq[c] * (1 - momentum);
      }
    }
    for (size_t i = 0; i < y.v.size(); ++i) {
      const size_t c = channel(i);
      y.v[i] = (fix_gamma ? 1.0 : in[1].v[c]) * (x.v[i] - mean.v[c]) * invstd.v[c] + in[2].v[c];
    }
    std::vector<Ref> r{y};
    if (param(p, "output_mean_var", "False") == "True") {
      r.push_back(mean);
      r.push_back(invstd);
    }
    r.push_back(mm);
    r.push_back(mv);
    return r;
  };
}

const char* kFirstOrder = "MXNet's BatchNorm gradient is not differentiable again";

// The moving statistics are whole numbers (fixed_inputs): they get no gradient, and the checks hold them fixed.
const std::vector<std::pair<double, double>> kDomain = {{-2, 2}, {0.5, 1.5}, {-1, 1}, {-1, 1}, {1, 3}};

const AddCase bn_global{{.op = "BatchNorm", .params = {{"fix_gamma", "False"}, {"use_global_stats", "True"}},
                         .shapes = {{2, 3, 4, 2}, {3}, {3}, {3}, {3}}, .domain = kDomain, .reference = bn_ref(false),
                         .first_order_only = kFirstOrder, .label = "global_stats", .fixed_inputs = {3, 4}}};
const AddCase bn_inference{{.op = "BatchNorm", .params = {{"fix_gamma", "False"}},
                            .shapes = {{2, 3, 4, 2}, {3}, {3}, {3}, {3}}, .domain = kDomain,
                            .reference = bn_ref(false), .skip_gradient = true, .label = "inference",
                            .fixed_inputs = {3, 4}}};
const AddCase bn_train{{.op = "BatchNorm", .params = {{"fix_gamma", "False"}, {"momentum", "0.8"}},
                        .shapes = {{4, 3, 3, 2}, {3}, {3}, {3}, {3}}, .domain = kDomain, .reference = bn_ref(true),
                        .first_order_only = kFirstOrder, .train = true, .label = "train", .fixed_inputs = {3, 4}}};
const AddCase bn_train_fix_gamma{{.op = "BatchNorm", .params = {{"axis", "-1"}, {"eps", "1e-4"}},
                                  .shapes = {{5, 2, 4}, {4}, {4}, {4}, {4}}, .domain = kDomain,
                                  .reference = bn_ref(true), .first_order_only = kFirstOrder, .train = true, .label = "train_fix_gamma_last_axis",
                                  .fixed_inputs = {3, 4}}};
// Gradients reaching the visible mean and inverse std are ignored (as MXNet), so only the forward is compared.
const AddCase bn_mean_var{{.op = "BatchNorm", .params = {{"fix_gamma", "False"}, {"output_mean_var", "True"}},
                           .shapes = {{3, 2, 5}, {2}, {2}, {2}, {2}}, .domain = kDomain, .reference = bn_ref(true),
                           .skip_gradient = true, .train = true, .label = "output_mean_var", .fixed_inputs = {3, 4}}};

struct Elsewhere {
  Elsewhere() {
    covered_elsewhere()["_backward_BatchNorm"] =
        "checked as BatchNorm's gradient by the batch_norm entries (directional differences) and batch_norm_test.cc";
  }
} elsewhere;

}  // namespace
}  // namespace sn::conformance
