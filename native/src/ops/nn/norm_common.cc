// The second-order gradient shared by LayerNorm, GroupNorm and InstanceNorm (norm_common.h).
//
// Per set of n elements with xh = (x - mean) / std, the backward is dx = P(g * gamma), dgamma = sum g xh,
// dbeta = sum g, where P(u) = (u - mean(u) - xh mean(u xh)) / std is symmetric and is also xh's Jacobian
// transposed. For heads (h, h_gamma, h_beta) on (dx, dgamma, dbeta) and a = g * gamma:
//   d/dg     = gamma P(h) + h_beta + h_gamma xh
//   d/dgamma = sum g P(h)
//   d/dx     = P(g h_gamma) - (xh mean(P(h) a) + P(h) mean(a xh) + P(a) mean(h xh)) / std
// P is the backward op itself with unit gamma, applied to the statistics of a LayerNorm node recomputed here, so
// every dependence on x is explicit in the graph and this gradient is differentiable again.
#include "ops/nn/norm_common.h"

namespace sn::norm {

SecondOrder second_order(GradBuilder& b, const View& v) {
  const std::string axis = std::to_string(v.axis), eps = detail::print_float(v.eps);
  const std::vector<ParamKV> forward{{"axis", axis}, {"eps", eps}, {"output_mean_var", "True"}};
  const std::vector<ParamKV> backward{{"axis", axis}, {"eps", eps}};
  const std::vector<GradValue> st = b.apply("LayerNorm", {v.x, v.ones, b.op("zeros_like", {v.ones})}, forward);
  const GradValue xh = st[0], mean = st[1], sd = st[2];
  auto P = [&](GradValue u) { return b.apply("_backward_LayerNorm", {u, v.x, v.ones, mean, sd}, backward)[0]; };
  auto avg = [&](GradValue u) { return b.op("mean", {u}, reduce_params("(" + axis + ",)", true)); };
  auto mul = [&](GradValue p, GradValue q) { return b.op("broadcast_mul", {p, q}); };
  auto add = [&](GradValue p, GradValue q) { return b.op("broadcast_add", {p, q}); };

  const GradValue a = mul(v.g, v.gamma);
  const GradValue ph = P(v.h_dx), pa = P(a);
  SecondOrder r;
  r.d_g = add(add(mul(ph, v.gamma), v.h_dbeta), mul(v.h_dgamma, xh));
  r.d_gamma = mul(v.g, ph);
  const GradValue t = add(add(mul(xh, avg(mul(ph, a))), mul(ph, avg(mul(a, xh)))), mul(pa, avg(mul(v.h_dx, xh))));
  r.d_x = b.op("broadcast_sub", {P(mul(v.g, v.h_dgamma)), b.op("broadcast_div", {t, sd})});
  return r;
}

}  // namespace sn::norm
