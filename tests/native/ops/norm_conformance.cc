// Conformance entries: normalisation layers (LayerNorm, GroupNorm, InstanceNorm, L2Normalization, LRN) and their
// backward ops. References work on explicit index sets in float64; the backward references use the Jacobian of the
// normalisation written out element by element, not the forms the kernels use.
#include <cmath>
#include <functional>

#include "ops/conformance.h"

namespace sn::conformance {
namespace {

using Sets = std::vector<std::vector<int64_t>>;  // the flat indices of each normalised set

// Lines along `axis`, ordered as the statistics are (data's shape with the axis set to 1, row-major).
Sets axis_lines(const Shape& s, int axis) {
  const int64_t outer = s.size(0, axis), n = s[axis], inner = s.size(axis + 1, s.ndim());
  Sets sets;
  for (int64_t o = 0; o < outer; ++o)
    for (int64_t i = 0; i < inner; ++i) {
      std::vector<int64_t> line;
      for (int64_t k = 0; k < n; ++k) line.push_back((o * n + k) * inner + i);
      sets.push_back(line);
    }
  return sets;
}

// `count` contiguous blocks of `len` elements.
Sets blocks(int64_t count, int64_t len) {
  Sets sets(static_cast<size_t>(count));
  for (int64_t r = 0; r < count; ++r)
    for (int64_t k = 0; k < len; ++k) sets[static_cast<size_t>(r)].push_back(r * len + k);
  return sets;
}

struct Stats {
  std::vector<double> mean, var;
};
Stats stats(const Ref& x, const Sets& sets) {
  Stats st;
  for (const auto& set : sets) {
    double m = 0, v = 0;
    for (int64_t i : set) m += x.v[static_cast<size_t>(i)];
    m /= static_cast<double>(set.size());
    for (int64_t i : set) v += (x.v[static_cast<size_t>(i)] - m) * (x.v[static_cast<size_t>(i)] - m);
    st.mean.push_back(m);
    st.var.push_back(v / static_cast<double>(set.size()));
  }
  return st;
}

// Which gamma entry element `flat` of set `set` (at position `pos` in it) uses.
using GammaIndex = std::function<int64_t(size_t set, size_t pos)>;

// y = (x - mean) / sqrt(var + eps) * gamma + beta over the sets.
Ref normalize(const Ref& x, const Ref& gamma, const Ref& beta, const Sets& sets, const GammaIndex& gi, double eps) {
  const Stats st = stats(x, sets);
  Ref y = x;
  for (size_t s = 0; s < sets.size(); ++s)
    for (size_t k = 0; k < sets[s].size(); ++k) {
      const auto i = static_cast<size_t>(sets[s][k]);
      const auto j = static_cast<size_t>(gi(s, k));
      y.v[i] = (x.v[i] - st.mean[s]) / std::sqrt(st.var[s] + eps) * gamma.v[j] + beta.v[j];
    }
  return y;
}

// (dx, dgamma, dbeta) from ograd g: dx_j = sum_k g_k gamma_k dxh_k/dx_j with
// dxh_k/dx_j = (delta_kj - 1/n - xh_k xh_j / n) / std over each set.
std::vector<Ref> normalize_backward(const Ref& g, const Ref& x, const Ref& gamma, const Sets& sets,
                                    const GammaIndex& gi, double eps) {
  const Stats st = stats(x, sets);
  Ref dx{x.shape, std::vector<double>(x.v.size(), 0.0)};
  Ref dgamma{gamma.shape, std::vector<double>(gamma.v.size(), 0.0)}, dbeta = dgamma;
  for (size_t s = 0; s < sets.size(); ++s) {
    const auto& set = sets[s];
    const double sd = std::sqrt(st.var[s] + eps), n = static_cast<double>(set.size());
    std::vector<double> xh;
    for (int64_t i : set) xh.push_back((x.v[static_cast<size_t>(i)] - st.mean[s]) / sd);
    for (size_t k = 0; k < set.size(); ++k) {
      const auto ik = static_cast<size_t>(set[k]);
      const auto jk = static_cast<size_t>(gi(s, k));
      dgamma.v[jk] += g.v[ik] * xh[k];
      dbeta.v[jk] += g.v[ik];
      for (size_t j = 0; j < set.size(); ++j) {
        const double d = ((k == j ? 1.0 : 0.0) - 1 / n - xh[k] * xh[j] / n) / sd;
        dx.v[static_cast<size_t>(set[j])] += g.v[ik] * gamma.v[jk] * d;
      }
    }
  }
  return {dx, dgamma, dbeta};
}

// Per-set values as a Ref of `shape`.
Ref per_set(const Shape& shape, std::vector<double> v) { return Ref{shape, std::move(v)}; }
std::vector<double> std_of(const Stats& st, double eps) {
  std::vector<double> r;
  for (double v : st.var) r.push_back(std::sqrt(v + eps));
  return r;
}

// --- LayerNorm -----------------------------------------------------------------------------------------------------

int layer_axis(const Params& p, const Shape& s) {
  const int a = std::stoi(param(p, "axis", "-1"));
  return a < 0 ? a + s.ndim() : a;
}
GammaIndex along_line() {
  return [](size_t, size_t pos) { return static_cast<int64_t>(pos); };
}
Shape with_one(Shape s, int axis) {
  s[axis] = 1;
  return s;
}

std::vector<Ref> layer_norm_ref(const std::vector<Ref>& in, const Params& p) {
  const int ax = layer_axis(p, in[0].shape);
  const double eps = std::stod(param(p, "eps", "1e-5"));
  const Sets sets = axis_lines(in[0].shape, ax);
  std::vector<Ref> out{normalize(in[0], in[1], in[2], sets, along_line(), eps)};
  if (param(p, "output_mean_var", "False") == "True") {
    const Stats st = stats(in[0], sets);
    out.push_back(per_set(with_one(in[0].shape, ax), st.mean));
    out.push_back(per_set(with_one(in[0].shape, ax), std_of(st, eps)));
  }
  return out;
}

const std::vector<std::pair<double, double>> kAffine = {{-2, 2}, {0.5, 1.5}, {-1, 1}};

const AddCase ln_last{{.op = "LayerNorm", .shapes = {{3, 6}, {6}, {6}}, .domain = kAffine,
                       .reference = layer_norm_ref, .label = "last_axis"}};
const AddCase ln_mid{{.op = "LayerNorm", .params = {{"axis", "1"}}, .shapes = {{2, 5, 3}, {5}, {5}}, .domain = kAffine,
                      .reference = layer_norm_ref, .label = "axis1"}};
const AddCase ln_first{{.op = "LayerNorm", .params = {{"axis", "0"}, {"eps", "0.01"}}, .shapes = {{4, 3}, {4}, {4}},
                        .domain = kAffine, .reference = layer_norm_ref, .label = "axis0"}};
const AddCase ln_wide{{.op = "LayerNorm", .params = {{"axis", "-2"}}, .shapes = {{2, 3, 130}, {3}, {3}},
                       .domain = kAffine, .reference = layer_norm_ref, .label = "inner_chunks"}};
const AddCase ln_mean_var{{.op = "LayerNorm", .params = {{"output_mean_var", "True"}}, .shapes = {{2, 3, 4}, {4}, {4}},
                           .domain = kAffine, .reference = layer_norm_ref, .label = "output_mean_var"}};
const AddCase ln_mean_var_mid{{.op = "LayerNorm", .params = {{"axis", "1"}, {"output_mean_var", "True"}},
                               .shapes = {{2, 3, 4}, {3}, {3}}, .domain = kAffine, .reference = layer_norm_ref,
                               .label = "output_mean_var_axis1"}};

// _backward_LayerNorm(ograd, data, gamma, mean, std): mean and std are data's statistics (prepare sets them).
std::vector<Ref> backward_layer_norm_ref(const std::vector<Ref>& in, const Params& p) {
  const int ax = layer_axis(p, in[1].shape);
  return normalize_backward(in[0], in[1], in[2], axis_lines(in[1].shape, ax), along_line(),
                            std::stod(param(p, "eps", "1e-5")));
}
std::function<void(std::vector<Ref>&)> layer_stats(int axis, double eps) {
  return [axis, eps](std::vector<Ref>& in) {
    const Stats st = stats(in[1], axis_lines(in[1].shape, axis));
    in[3].v = st.mean;
    in[4].v = std_of(st, eps);
  };
}
const std::vector<std::pair<double, double>> kBackward = {{-1, 1}, {-2, 2}, {0.5, 1.5}, {0, 1}, {0.5, 1}};
const AddCase ln_backward{{.op = "_backward_LayerNorm", .shapes = {{3, 5}, {3, 5}, {5}, {3, 1}, {3, 1}},
                           .domain = kBackward, .reference = backward_layer_norm_ref, .label = "last_axis",
                           .prepare = layer_stats(1, 1e-5)}};
const AddCase ln_backward_mid{{.op = "_backward_LayerNorm", .params = {{"axis", "1"}, {"eps", "0.001"}},
                               .shapes = {{2, 4, 3}, {2, 4, 3}, {4}, {2, 1, 3}, {2, 1, 3}}, .domain = kBackward,
                               .reference = backward_layer_norm_ref, .label = "axis1",
                               .prepare = layer_stats(1, 1e-3)}};


// --- GroupNorm and InstanceNorm: contiguous blocks of data (N, C, ...), gamma per block ----------------------------

// Rows of `size` elements, row r using gamma entry r % per.
GammaIndex per_row(int64_t per) {
  return [per](size_t set, size_t) { return static_cast<int64_t>(set) % per; };
}
struct RowSets {
  Sets sets;
  int64_t per;  // gamma entries
  Shape stat;   // (N, per)
};
RowSets group_sets(const Shape& s, int64_t groups) {
  return {blocks(s[0] * groups, s.size(1, s.ndim()) / groups), groups, Shape{s[0], groups}};
}

std::vector<Ref> group_norm_ref(const std::vector<Ref>& in, const Params& p) {
  const RowSets rs = group_sets(in[0].shape, std::stoll(param(p, "num_groups", "1")));
  const double eps = std::stod(param(p, "eps", "1e-5"));
  std::vector<Ref> out{normalize(in[0], in[1], in[2], rs.sets, per_row(rs.per), eps)};
  if (param(p, "output_mean_var", "False") == "True") {
    const Stats st = stats(in[0], rs.sets);
    out.push_back(per_set(rs.stat, st.mean));
    out.push_back(per_set(rs.stat, std_of(st, eps)));
  }
  return out;
}
const AddCase gn_one{{.op = "GroupNorm", .shapes = {{2, 4, 3}, {1}, {1}}, .domain = kAffine, .reference = group_norm_ref,
                      .label = "one_group"}};
const AddCase gn_two{{.op = "GroupNorm", .params = {{"num_groups", "2"}}, .shapes = {{2, 4, 2, 3}, {2}, {2}},
                      .domain = kAffine, .reference = group_norm_ref, .label = "two_groups"}};
const AddCase gn_each{{.op = "GroupNorm", .params = {{"num_groups", "3"}, {"eps", "0.01"}}, .shapes = {{3, 3, 5}, {3}, {3}},
                       .domain = kAffine, .reference = group_norm_ref, .label = "group_per_channel"}};
const AddCase gn_mean_var{{.op = "GroupNorm", .params = {{"num_groups", "2"}, {"output_mean_var", "True"}},
                           .shapes = {{2, 6, 2}, {2}, {2}}, .domain = kAffine, .reference = group_norm_ref,
                           .label = "output_mean_var"}};

std::function<void(std::vector<Ref>&)> row_stats(int64_t groups, double eps, bool var) {
  return [groups, eps, var](std::vector<Ref>& in) {
    const Stats st = stats(in[1], group_sets(in[1].shape, groups).sets);
    in[3].v = st.mean;
    in[4].v = var ? st.var : std_of(st, eps);
  };
}
RefFn row_backward_ref(const char* groups_key, const char* eps_default) {
  return [groups_key, eps_default](const std::vector<Ref>& in, const Params& p) {
    const int64_t groups = groups_key ? std::stoll(param(p, groups_key, "1")) : in[1].shape[1];
    const RowSets rs = group_sets(in[1].shape, groups);
    return normalize_backward(in[0], in[1], in[2], rs.sets, per_row(rs.per), std::stod(param(p, "eps", eps_default)));
  };
}
const AddCase gn_backward{{.op = "_backward_GroupNorm", .params = {{"num_groups", "2"}},
                           .shapes = {{2, 4, 3}, {2, 4, 3}, {2}, {2, 2}, {2, 2}}, .domain = kBackward,
                           .reference = row_backward_ref("num_groups", "1e-5"), .label = "two_groups",
                           .prepare = row_stats(2, 1e-5, false)}};

std::vector<Ref> instance_norm_ref(const std::vector<Ref>& in, const Params& p) {
  const RowSets rs = group_sets(in[0].shape, in[0].shape[1]);
  return {normalize(in[0], in[1], in[2], rs.sets, per_row(rs.per), std::stod(param(p, "eps", "1e-3")))};
}
const AddCase in_3d{{.op = "InstanceNorm", .shapes = {{2, 3, 5}, {3}, {3}}, .domain = kAffine,
                     .reference = instance_norm_ref, .label = "3d"}};
const AddCase in_4d{{.op = "InstanceNorm", .params = {{"eps", "1e-5"}}, .shapes = {{2, 2, 3, 2}, {2}, {2}},
                     .domain = kAffine, .reference = instance_norm_ref, .label = "4d"}};
const AddCase in_backward{{.op = "_backward_instance_norm", .shapes = {{2, 3, 4}, {2, 3, 4}, {3}, {2, 3}, {2, 3}},
                           .domain = kBackward, .reference = row_backward_ref(nullptr, "1e-3"),
                           .prepare = row_stats(3, 1e-3, true)}};


// --- L2Normalization -----------------------------------------------------------------------------------------------

std::vector<Ref> l2_ref(const std::vector<Ref>& in, const Params& p) {
  const Shape& s = in[0].shape;
  const std::string mode = param(p, "mode", "instance");
  const double eps = std::stod(param(p, "eps", "1e-10"));
  Sets sets = mode == "instance" ? blocks(s[0], s.size(1, s.ndim()))
              : mode == "spatial" ? blocks(s[0] * s[1], s.size(2, s.ndim()))
                                  : axis_lines(s, 1);
  Ref y = in[0];
  for (const auto& set : sets) {
    double q = 0;
    for (int64_t i : set) q += in[0].v[static_cast<size_t>(i)] * in[0].v[static_cast<size_t>(i)];
    for (int64_t i : set) y.v[static_cast<size_t>(i)] /= std::sqrt(q + eps);
  }
  return {y};
}
const AddCase l2_instance{{.op = "L2Normalization", .shapes = {{3, 2, 4}}, .reference = l2_ref, .label = "instance"}};
const AddCase l2_instance_1d{{.op = "L2Normalization", .params = {{"eps", "0.5"}}, .shapes = {{5}}, .reference = l2_ref,
                              .label = "instance_1d"}};
const AddCase l2_channel{{.op = "L2Normalization", .params = {{"mode", "channel"}}, .shapes = {{2, 3, 2, 3}},
                          .reference = l2_ref, .label = "channel"}};
const AddCase l2_spatial{{.op = "L2Normalization", .params = {{"mode", "spatial"}, {"eps", "1e-3"}},
                          .shapes = {{2, 3, 5}}, .reference = l2_ref, .label = "spatial"}};

// --- LRN -----------------------------------------------------------------------------------------------------------

// The sum of f(x) over channels c' with |c' - c| <= nsize / 2 of (N, C, H, W) data.
Ref channel_window(const Ref& x, int64_t nsize, const std::function<double(double)>& f) {
  const Shape& s = x.shape;
  const int64_t plane = s[2] * s[3];
  Ref r{s, std::vector<double>(x.v.size(), 0.0)};
  for (int64_t b = 0; b < s[0]; ++b)
    for (int64_t c = 0; c < s[1]; ++c)
      for (int64_t w = c - nsize / 2; w <= c + nsize / 2; ++w) {
        if (w < 0 || w >= s[1]) continue;
        for (int64_t i = 0; i < plane; ++i)
          r.v[static_cast<size_t>((b * s[1] + c) * plane + i)] += f(x.v[static_cast<size_t>((b * s[1] + w) * plane + i)]);
      }
  return r;
}
std::vector<Ref> lrn_ref(const std::vector<Ref>& in, const Params& p) {
  const int64_t n = std::stoll(param(p, "nsize", "0"));
  const double alpha = std::stod(param(p, "alpha", "1e-4")), beta = std::stod(param(p, "beta", "0.75"));
  const double k = std::stod(param(p, "knorm", "2"));
  const Ref sq = channel_window(in[0], n, [](double v) { return v * v; });
  Ref y = in[0];
  for (size_t i = 0; i < y.v.size(); ++i) y.v[i] *= std::pow(k + alpha / static_cast<double>(n) * sq.v[i], -beta);
  return {y};
}
const AddCase lrn3{{.op = "LRN", .params = {{"nsize", "3"}, {"alpha", "0.5"}}, .shapes = {{2, 5, 2, 3}},
                    .domain = {{-2, 2}}, .reference = lrn_ref, .label = "nsize3"}};
const AddCase lrn5{{.op = "LRN", .params = {{"nsize", "5"}, {"alpha", "0.3"}, {"beta", "0.6"}, {"knorm", "1.5"}},
                    .shapes = {{1, 4, 3, 2}}, .domain = {{-2, 2}}, .reference = lrn_ref, .label = "nsize5_wider_than_half"}};
const AddCase lrn1{{.op = "LRN", .params = {{"nsize", "1"}}, .shapes = {{2, 3, 1, 2}}, .reference = lrn_ref,
                    .label = "nsize1_defaults"}};
const AddCase window_sum{{.op = "_lrn_window_sum", .params = {{"nsize", "3"}}, .shapes = {{2, 4, 2, 2}},
                          .reference = [](const std::vector<Ref>& in, const Params& p) {
                            return std::vector<Ref>{
                                channel_window(in[0], std::stoll(param(p, "nsize", "0")), [](double v) { return v; })};
                          }}};

}  // namespace
}  // namespace sn::conformance
