// Conformance entries: fused optimizer updates. Each reference returns the new weight, then the new values of the
// mutated inputs (states, weight32) in aux order, which the harness compares after the call. The updates are not
// differentiable: no gradient to check.
#include <cmath>
#include <functional>

#include "ops/conformance.h"

namespace sn::conformance {
namespace {

constexpr int kF32 = static_cast<int>(DType::kFloat32);
const std::vector<DType> kHalf = {DType::kFloat16};

double num(const Params& p, const char* key, double dflt) {
  const std::string v = param(p, key, "");
  return v.empty() ? dflt : std::stod(v);
}
double clip(double x, double bound) { return bound < 0 ? x : std::max(-bound, std::min(bound, x)); }
double sgn(double x) { return x > 0 ? 1.0 : x < 0 ? -1.0 : 0.0; }

// One element's step: the new weight from weight w and raw gradient g, updating the states s.
using Step = std::function<double(double w, double g, std::vector<double>& s)>;
using MakeStep = std::function<Step(const Params& p, const std::vector<Ref>& in)>;

// An elementwise update over inputs (weight, grad, states..., [weight32], ...): returns the new weight, the states
// and (mp) weight32; mp steps start from weight32.
RefFn update_ref(size_t states, bool mp, MakeStep make) {
  return [=](const std::vector<Ref>& in, const Params& p) {
    const Step step = make(p, in);
    std::vector<Ref> r{in[0]};
    for (size_t k = 0; k < states + (mp ? 1 : 0); ++k) r.push_back(in[2 + k]);
    std::vector<double> s(states);
    for (size_t i = 0; i < in[0].v.size(); ++i) {
      for (size_t k = 0; k < states; ++k) s[k] = in[2 + k].v[i];
      const double w = step(mp ? in[2 + states].v[i] : in[0].v[i], in[1].v[i], s);
      r[0].v[i] = w;
      for (size_t k = 0; k < states; ++k) r[1 + k].v[i] = s[k];
      if (mp) r.back().v[i] = w;
    }
    return r;
  };
}

Step sgd(const Params& p, const std::vector<Ref>&) {
  const double lr = num(p, "lr", 0), wd = num(p, "wd", 0);
  const double rg = num(p, "rescale_grad", 1), c = num(p, "clip_gradient", -1);
  return [=](double w, double g, std::vector<double>&) { return (1 - lr * wd) * w - lr * clip(rg * g, c); };
}
Step sgd_mom(const Params& p, const std::vector<Ref>&) {
  const double lr = num(p, "lr", 0), wd = num(p, "wd", 0);
  const double rg = num(p, "rescale_grad", 1), c = num(p, "clip_gradient", -1);
  const double mu = num(p, "momentum", 0);
  return [=](double w, double g, std::vector<double>& s) {
    s[0] = mu * s[0] - lr * wd * w - lr * clip(rg * g, c);
    return w + s[0];
  };
}
// MXNet's form: the decayed momentum first, the weight from it, then the momentum's gradient step.
Step nag_mom(const Params& p, const std::vector<Ref>&) {
  const double lr = num(p, "lr", 0), wd = num(p, "wd", 0);
  const double rg = num(p, "rescale_grad", 1), c = num(p, "clip_gradient", -1);
  const double mu = num(p, "momentum", 0);
  return [=](double w, double g, std::vector<double>& s) {
    const double grad = clip(rg * g, c) + wd * w;
    s[0] *= mu;
    const double next = w - s[0] + (mu + 1) * (s[0] - lr * grad);
    s[0] -= lr * grad;
    return next;
  };
}
Step signsgd(const Params& p, const std::vector<Ref>&) {
  const double lr = num(p, "lr", 0), wd = num(p, "wd", 0);
  return [=](double w, double g, std::vector<double>&) { return (1 - lr * wd) * w - lr * sgn(g); };
}
Step signum(const Params& p, const std::vector<Ref>&) {
  const double lr = num(p, "lr", 0), wd = num(p, "wd", 0);
  const double rg = num(p, "rescale_grad", 1), c = num(p, "clip_gradient", -1);
  const double mu = num(p, "momentum", 0), wd_lh = num(p, "wd_lh", 0);
  return [=](double w, double g, std::vector<double>& s) {
    s[0] = mu * s[0] - (1 - mu) * wd * w - (1 - mu) * clip(rg * g, c);
    return (1 - lr * wd_lh) * w + lr * sgn(s[0]);
  };
}
Step adam(const Params& p, const std::vector<Ref>&) {
  const double lr = num(p, "lr", 0), wd = num(p, "wd", 0);
  const double rg = num(p, "rescale_grad", 1), c = num(p, "clip_gradient", -1);
  const double b1 = num(p, "beta1", 0.9), b2 = num(p, "beta2", 0.999), eps = num(p, "epsilon", 1e-8);
  return [=](double w, double g, std::vector<double>& s) {
    const double grad = clip(rg * g + wd * w, c);
    s[0] = b1 * s[0] + (1 - b1) * grad;
    s[1] = b2 * s[1] + (1 - b2) * grad * grad;
    return w - lr * s[0] / (std::sqrt(s[1]) + eps);
  };
}
// rescale_grad is the last input; 0, inf or NaN leaves everything as it was.
Step adamw(const Params& p, const std::vector<Ref>& in) {
  const double lr = num(p, "lr", 0), wd = num(p, "wd", 0), c = num(p, "clip_gradient", -1), eta = num(p, "eta", 0);
  const double b1 = num(p, "beta1", 0.9), b2 = num(p, "beta2", 0.999), eps = num(p, "epsilon", 1e-8);
  const double rg = in.back().v[0];
  if (!std::isfinite(rg) || rg == 0) return [](double w, double, std::vector<double>&) { return w; };
  return [=](double w, double g, std::vector<double>& s) {
    const double grad = clip(rg * g, c);
    s[0] = b1 * s[0] + (1 - b1) * grad;
    s[1] = b2 * s[1] + (1 - b2) * grad * grad;
    return w - eta * (lr * s[0] / (std::sqrt(s[1]) + eps) + wd * w);
  };
}
Step rmsprop(const Params& p, const std::vector<Ref>&) {
  const double lr = num(p, "lr", 0), wd = num(p, "wd", 0);
  const double rg = num(p, "rescale_grad", 1), c = num(p, "clip_gradient", -1);
  const double g1 = num(p, "gamma1", 0.95), eps = num(p, "epsilon", 1e-8), cw = num(p, "clip_weights", -1);
  return [=](double w, double g, std::vector<double>& s) {
    const double grad = clip(rg * g + wd * w, c);
    s[0] = (1 - g1) * grad * grad + g1 * s[0];
    return clip(w - lr * grad / std::sqrt(s[0] + eps), cw);
  };
}
Step rmspropalex(const Params& p, const std::vector<Ref>&) {
  const double lr = num(p, "lr", 0), wd = num(p, "wd", 0);
  const double rg = num(p, "rescale_grad", 1), c = num(p, "clip_gradient", -1);
  const double g1 = num(p, "gamma1", 0.95), g2 = num(p, "gamma2", 0.9), eps = num(p, "epsilon", 1e-8);
  const double cw = num(p, "clip_weights", -1);
  return [=](double w, double g, std::vector<double>& s) {
    const double grad = clip(rg * g + wd * w, c);
    s[0] = (1 - g1) * grad * grad + g1 * s[0];
    s[1] = (1 - g1) * grad + g1 * s[1];
    s[2] = g2 * s[2] - lr * grad / std::sqrt(s[0] - s[1] * s[1] + eps);
    return clip(w + s[2], cw);
  };
}
Step ftrl(const Params& p, const std::vector<Ref>&) {
  const double lr = num(p, "lr", 0), wd = num(p, "wd", 0);
  const double rg = num(p, "rescale_grad", 1), c = num(p, "clip_gradient", -1);
  const double l1 = num(p, "lamda1", 0.01), beta = num(p, "beta", 1);
  return [=](double w, double g, std::vector<double>& s) {
    const double grad = clip(rg * g, c);
    s[0] += grad - (std::sqrt(s[1] + grad * grad) - std::sqrt(s[1])) * w / lr;
    s[1] += grad * grad;
    if (std::abs(s[0]) <= l1) return 0.0;
    return (sgn(s[0]) * l1 - s[0]) / ((beta + std::sqrt(s[1])) / lr + wd);
  };
}

// lamb_update_phase1: (g, mean, var); mp reads the decay's weight from weight32 (input 4).
RefFn lamb1_ref(bool mp) {
  return [mp](const std::vector<Ref>& in, const Params& p) {
    const double wd = num(p, "wd", 0), rg = num(p, "rescale_grad", 1), c = num(p, "clip_gradient", -1);
    const double b1 = num(p, "beta1", 0.9), b2 = num(p, "beta2", 0.999), eps = num(p, "epsilon", 1e-6);
    const double t = num(p, "t", 0);
    const bool bias = param(p, "bias_correction", "True") == "True";
    std::vector<Ref> r{in[0], in[2], in[3]};
    for (size_t i = 0; i < in[0].v.size(); ++i) {
      const double grad = clip(rg * in[1].v[i], c);
      double& m = r[1].v[i];
      double& v = r[2].v[i];
      m = b1 * m + (1 - b1) * grad;
      v = b2 * v + (1 - b2) * grad * grad;
      const double mh = bias ? m / (1 - std::pow(b1, t)) : m, vh = bias ? v / (1 - std::pow(b2, t)) : v;
      r[0].v[i] = mh / (std::sqrt(vh) + eps) + wd * (mp ? in[4].v[i] : in[0].v[i]);
    }
    return r;
  };
}

// lamb_update_phase2: the new weight (mp: from weight32, then weight32 itself).
RefFn lamb2_ref(bool mp) {
  return [mp](const std::vector<Ref>& in, const Params& p) {
    const double lr = num(p, "lr", 0), lo = num(p, "lower_bound", -1), hi = num(p, "upper_bound", -1);
    double r1 = in[2].v[0];
    const double r2 = in[3].v[0];
    if (lo >= 0 && r1 < lo) r1 = lo;
    if (hi >= 0 && r1 > hi) r1 = hi;
    const double ratio = r1 == 0 || r2 == 0 ? 1 : r1 / r2;
    Ref w = mp ? in[4] : in[0];
    for (size_t i = 0; i < w.v.size(); ++i) w.v[i] -= lr * ratio * in[1].v[i];
    w.shape = in[0].shape;
    return mp ? std::vector<Ref>{w, w} : std::vector<Ref>{w};
  };
}

const Shape kS{3, 4};

// --- SGD family ---
const AddCase sgd_plain{{.op = "sgd_update", .params = {{"lr", "0.1"}}, .shapes = {kS, kS},
                         .reference = update_ref(0, false, sgd), .skip_gradient = true}};
const AddCase sgd_clip{{.op = "sgd_update",
                        .params = {{"lr", "0.1"}, {"wd", "0.05"}, {"rescale_grad", "2"}, {"clip_gradient", "0.5"},
                                   {"lazy_update", "False"}},
                        .shapes = {kS, kS}, .reference = update_ref(0, false, sgd), .skip_gradient = true,
                        .label = "wd_clip"}};
const AddCase sgd_mom_plain{{.op = "sgd_mom_update", .params = {{"lr", "0.1"}, {"momentum", "0.9"}},
                             .shapes = {kS, kS, kS}, .reference = update_ref(1, false, sgd_mom),
                             .skip_gradient = true}};
const AddCase sgd_mom_clip{{.op = "sgd_mom_update",
                            .params = {{"lr", "0.1"}, {"momentum", "0.8"}, {"wd", "0.05"}, {"rescale_grad", "0.5"},
                                       {"clip_gradient", "0.3"}},
                            .shapes = {kS, kS, kS}, .reference = update_ref(1, false, sgd_mom), .skip_gradient = true,
                            .label = "wd_clip"}};
const AddCase sgd_mom_none{{.op = "sgd_mom_update", .params = {{"lr", "0.2"}}, .shapes = {{7}, {7}, {7}},
                            .reference = update_ref(1, false, sgd_mom), .skip_gradient = true,
                            .label = "no_momentum"}};
const AddCase nag_plain{{.op = "nag_mom_update", .params = {{"lr", "0.1"}, {"momentum", "0.9"}},
                         .shapes = {kS, kS, kS}, .reference = update_ref(1, false, nag_mom), .skip_gradient = true}};
const AddCase nag_clip{{.op = "nag_mom_update",
                        .params = {{"lr", "0.1"}, {"momentum", "0.7"}, {"wd", "0.1"}, {"rescale_grad", "3"},
                                   {"clip_gradient", "1"}},
                        .shapes = {kS, kS, kS}, .reference = update_ref(1, false, nag_mom), .skip_gradient = true,
                        .label = "wd_clip"}};
const AddCase signsgd_plain{{.op = "signsgd_update", .params = {{"lr", "0.1"}, {"wd", "0.05"}}, .shapes = {kS, kS},
                             .reference = update_ref(0, false, signsgd), .skip_gradient = true}};
const AddCase signum_plain{{.op = "signum_update", .params = {{"lr", "0.1"}, {"momentum", "0.9"}},
                            .shapes = {kS, kS, kS}, .reference = update_ref(1, false, signum), .skip_gradient = true}};
const AddCase signum_wd{{.op = "signum_update",
                         .params = {{"lr", "0.1"}, {"momentum", "0.8"}, {"wd", "0.1"}, {"wd_lh", "0.2"},
                                    {"rescale_grad", "2"}, {"clip_gradient", "0.5"}},
                         .shapes = {kS, kS, kS}, .reference = update_ref(1, false, signum), .skip_gradient = true,
                         .label = "wd_clip"}};

// --- adaptive ---
const AddCase adam_plain{{.op = "adam_update", .params = {{"lr", "0.01"}}, .shapes = {kS, kS, kS, kS},
                          .domain = {{-1, 1}, {-1, 1}, {-1, 1}, {0.1, 1}}, .reference = update_ref(2, false, adam),
                          .skip_gradient = true}};
const AddCase adam_clip{{.op = "adam_update",
                         .params = {{"lr", "0.05"}, {"beta1", "0.8"}, {"beta2", "0.9"}, {"epsilon", "0.001"},
                                    {"wd", "0.1"}, {"rescale_grad", "2"}, {"clip_gradient", "0.5"}},
                         .shapes = {kS, kS, kS, kS}, .domain = {{-1, 1}, {-1, 1}, {-1, 1}, {0.1, 1}},
                         .reference = update_ref(2, false, adam), .skip_gradient = true, .label = "wd_clip"}};
const AddCase adamw_plain{{.op = "_adamw_update", .params = {{"lr", "0.01"}, {"eta", "0.5"}, {"wd", "0.1"}},
                           .shapes = {kS, kS, kS, kS, {1}}, .domain = {{-1, 1}, {-1, 1}, {-1, 1}, {0.1, 1}, {0.5, 2}},
                           .reference = update_ref(2, false, adamw), .skip_gradient = true,
                           .in_dtypes = {-1, -1, -1, -1, kF32}}};
const AddCase adamw_clip{{.op = "_contrib_adamw_update",
                          .params = {{"lr", "0.02"}, {"eta", "0.8"}, {"beta1", "0.7"}, {"clip_gradient", "0.4"}},
                          .shapes = {kS, kS, kS, kS, {1}}, .domain = {{-1, 1}, {-1, 1}, {-1, 1}, {0.1, 1}, {0.5, 2}},
                          .reference = update_ref(2, false, adamw), .skip_gradient = true, .label = "clip_alias",
                          .in_dtypes = {-1, -1, -1, -1, kF32}}};
const AddCase adamw_skip{{.op = "_adamw_update", .params = {{"lr", "0.01"}, {"eta", "1"}},
                          .shapes = {kS, kS, kS, kS, {1}}, .domain = {{-1, 1}, {-1, 1}, {-1, 1}, {0.1, 1}, {0.5, 2}},
                          .reference = update_ref(2, false, adamw), .skip_gradient = true, .label = "skipped",
                          .in_dtypes = {-1, -1, -1, -1, kF32},
                          .prepare = [](std::vector<Ref>& in) { in[4].v[0] = 0; }}};
const AddCase rmsprop_plain{{.op = "rmsprop_update", .params = {{"lr", "0.01"}}, .shapes = {kS, kS, kS},
                             .domain = {{-1, 1}, {-1, 1}, {0, 1}}, .reference = update_ref(1, false, rmsprop),
                             .skip_gradient = true}};
const AddCase rmsprop_clip{{.op = "rmsprop_update",
                            .params = {{"lr", "0.1"}, {"gamma1", "0.9"}, {"epsilon", "0.01"}, {"wd", "0.1"},
                                       {"rescale_grad", "2"}, {"clip_gradient", "0.5"}, {"clip_weights", "0.6"}},
                            .shapes = {kS, kS, kS}, .domain = {{-1, 1}, {-1, 1}, {0, 1}},
                            .reference = update_ref(1, false, rmsprop), .skip_gradient = true,
                            .label = "wd_clip"}};
// n >= g^2 keeps n - g^2 + epsilon positive after the step too.
void mean_square_above_square(std::vector<Ref>& in) {
  for (size_t i = 0; i < in[2].v.size(); ++i) in[2].v[i] += in[3].v[i] * in[3].v[i];
}
const AddCase rmspropalex_plain{{.op = "rmspropalex_update", .params = {{"lr", "0.01"}}, .shapes = {kS, kS, kS, kS, kS},
                                 .domain = {{-1, 1}, {-1, 1}, {0.1, 1}, {-1, 1}, {-0.1, 0.1}},
                                 .reference = update_ref(3, false, rmspropalex), .skip_gradient = true,
                                 .prepare = mean_square_above_square}};
const AddCase rmspropalex_clip{{.op = "rmspropalex_update",
                                .params = {{"lr", "0.05"}, {"gamma1", "0.9"}, {"gamma2", "0.8"}, {"wd", "0.1"},
                                           {"rescale_grad", "2"}, {"clip_gradient", "0.5"}, {"clip_weights", "0.6"}},
                                .shapes = {kS, kS, kS, kS, kS},
                                .domain = {{-1, 1}, {-1, 1}, {0.1, 1}, {-1, 1}, {-0.1, 0.1}},
                                .reference = update_ref(3, false, rmspropalex), .skip_gradient = true,
                                .label = "wd_clip", .prepare = mean_square_above_square}};
const AddCase ftrl_plain{{.op = "ftrl_update", .params = {{"lr", "0.1"}}, .shapes = {kS, kS, kS, kS},
                          .domain = {{-1, 1}, {-1, 1}, {-1, 1}, {0, 1}}, .reference = update_ref(2, false, ftrl),
                          .skip_gradient = true}};
const AddCase ftrl_clip{{.op = "ftrl_update",
                         .params = {{"lr", "0.2"}, {"lamda1", "0.3"}, {"beta", "2"}, {"wd", "0.1"},
                                    {"rescale_grad", "2"}, {"clip_gradient", "0.5"}},
                         .shapes = {kS, kS, kS, kS}, .domain = {{-1, 1}, {-1, 1}, {-1, 1}, {0, 1}},
                         .reference = update_ref(2, false, ftrl), .skip_gradient = true, .label = "wd_clip"}};

// --- LAMB ---
const AddCase lamb1{{.op = "lamb_update_phase1", .params = {{"t", "3"}, {"wd", "0.01"}}, .shapes = {kS, kS, kS, kS},
                     .domain = {{-1, 1}, {-1, 1}, {-1, 1}, {0.1, 1}}, .reference = lamb1_ref(false),
                     .skip_gradient = true}};
const AddCase lamb1_raw{{.op = "lamb_update_phase1",
                         .params = {{"t", "1"}, {"wd", "0.1"}, {"bias_correction", "False"}, {"beta1", "0.8"},
                                    {"epsilon", "0.001"}, {"rescale_grad", "2"}, {"clip_gradient", "0.5"}},
                         .shapes = {kS, kS, kS, kS}, .domain = {{-1, 1}, {-1, 1}, {-1, 1}, {0.1, 1}},
                         .reference = lamb1_ref(false), .skip_gradient = true, .label = "no_bias_correction_clip"}};
const AddCase lamb2{{.op = "lamb_update_phase2", .params = {{"lr", "0.1"}}, .shapes = {kS, kS, {1}, {1}},
                     .domain = {{-1, 1}, {-1, 1}, {0.5, 2}, {0.5, 2}}, .reference = lamb2_ref(false),
                     .skip_gradient = true}};
const AddCase lamb2_bounds{{.op = "lamb_update_phase2",
                            .params = {{"lr", "0.1"}, {"lower_bound", "2.5"}, {"upper_bound", "3"}},
                            .shapes = {kS, kS, {1}, {1}}, .domain = {{-1, 1}, {-1, 1}, {0.5, 2}, {0.5, 2}},
                            .reference = lamb2_ref(false), .skip_gradient = true, .label = "bounds"}};
// r1 above upper_bound (the bounds case above has it below lower_bound).
const AddCase lamb2_upper{{.op = "lamb_update_phase2",
                           .params = {{"lr", "0.1"}, {"lower_bound", "0.5"}, {"upper_bound", "3"}},
                           .shapes = {kS, kS, {1}, {1}}, .domain = {{-1, 1}, {-1, 1}, {0.5, 2}, {0.5, 2}},
                           .reference = lamb2_ref(false), .skip_gradient = true, .label = "upper_bound",
                           .prepare = [](std::vector<Ref>& in) { in[2].v[0] = 5; }}};
const AddCase lamb2_zero{{.op = "lamb_update_phase2", .params = {{"lr", "0.1"}}, .shapes = {kS, kS, {1}, {1}},
                          .domain = {{-1, 1}, {-1, 1}, {0.5, 2}, {0.5, 2}}, .reference = lamb2_ref(false),
                          .skip_gradient = true, .label = "zero_norm",
                          .prepare = [](std::vector<Ref>& in) { in[3].v[0] = 0; }}};

// --- multi-precision: float16 weight and grad, float32 states and weight32 ---
const AddCase mp_sgd{{.op = "mp_sgd_update",
                      .params = {{"lr", "0.1"}, {"wd", "0.05"}, {"rescale_grad", "2"}, {"clip_gradient", "0.5"}},
                      .shapes = {kS, kS, kS}, .reference = update_ref(0, true, sgd), .dtypes = kHalf,
                      .skip_gradient = true, .in_dtypes = {-1, -1, kF32}}};
const AddCase mp_sgd_mom{{.op = "mp_sgd_mom_update", .params = {{"lr", "0.1"}, {"momentum", "0.9"}, {"wd", "0.01"}},
                          .shapes = {kS, kS, kS, kS}, .reference = update_ref(1, true, sgd_mom), .dtypes = kHalf,
                          .skip_gradient = true, .in_dtypes = {-1, -1, kF32, kF32}}};
const AddCase mp_sgd_mom_clip{{.op = "mp_sgd_mom_update",
                               .params = {{"lr", "0.1"}, {"momentum", "0.5"}, {"clip_gradient", "0.2"}},
                               .shapes = {kS, kS, kS, kS}, .reference = update_ref(1, true, sgd_mom), .dtypes = kHalf,
                               .skip_gradient = true, .label = "clip", .in_dtypes = {-1, -1, kF32, kF32}}};
const AddCase mp_nag{{.op = "mp_nag_mom_update",
                      .params = {{"lr", "0.1"}, {"momentum", "0.9"}, {"wd", "0.05"}, {"clip_gradient", "0.5"}},
                      .shapes = {kS, kS, kS, kS}, .reference = update_ref(1, true, nag_mom), .dtypes = kHalf,
                      .skip_gradient = true, .in_dtypes = {-1, -1, kF32, kF32}}};
const AddCase mp_adamw{{.op = "_mp_adamw_update",
                        .params = {{"lr", "0.01"}, {"eta", "0.5"}, {"wd", "0.1"}, {"clip_gradient", "0.8"}},
                        .shapes = {kS, kS, kS, kS, kS, {1}},
                        .domain = {{-1, 1}, {-1, 1}, {-1, 1}, {0.1, 1}, {-1, 1}, {0.5, 2}},
                        .reference = update_ref(2, true, adamw), .dtypes = kHalf, .skip_gradient = true,
                        .in_dtypes = {-1, -1, kF32, kF32, kF32, kF32}}};
const AddCase mp_adamw_skip{{.op = "_contrib_mp_adamw_update", .params = {{"lr", "0.01"}, {"eta", "0.5"}},
                             .shapes = {kS, kS, kS, kS, kS, {1}},
                             .domain = {{-1, 1}, {-1, 1}, {-1, 1}, {0.1, 1}, {-1, 1}, {0.5, 2}},
                             // A skipped step outputs the float16 weight as it is and leaves every state alone.
                             .reference = [](const std::vector<Ref>& in, const Params&) {
                               return std::vector<Ref>{in[0], in[2], in[3], in[4]};
                             },
                             .dtypes = kHalf, .skip_gradient = true, .label = "skipped_alias",
                             .in_dtypes = {-1, -1, kF32, kF32, kF32, kF32},
                             .prepare = [](std::vector<Ref>& in) { in[5].v[0] = INFINITY; }}};
const AddCase mp_lamb1{{.op = "mp_lamb_update_phase1", .params = {{"t", "2"}, {"wd", "0.1"}},
                        .shapes = {kS, kS, kS, kS, kS}, .domain = {{-1, 1}, {-1, 1}, {-1, 1}, {0.1, 1}, {-1, 1}},
                        .reference = lamb1_ref(true), .dtypes = kHalf, .skip_gradient = true, .out_dtypes = {kF32},
                        .in_dtypes = {-1, -1, kF32, kF32, kF32}}};
const AddCase mp_lamb2{{.op = "mp_lamb_update_phase2", .params = {{"lr", "0.1"}, {"upper_bound", "1"}},
                        .shapes = {kS, kS, {1}, {1}, kS}, .domain = {{-1, 1}, {-1, 1}, {0.5, 2}, {0.5, 2}, {-1, 1}},
                        .reference = lamb2_ref(true), .dtypes = kHalf, .skip_gradient = true,
                        .in_dtypes = {-1, kF32, kF32, kF32, kF32}}};

}  // namespace
}  // namespace sn::conformance
