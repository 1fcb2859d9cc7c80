// Conformance entries: indexing (take, pick, one_hot, where, gather_nd, scatter_nd, diag) and ordering (topk,
// sort, argsort) with their hidden backward ops. Index inputs are whole numbers held fixed (fixed_inputs).
#include <algorithm>
#include <cmath>
#include <numeric>

#include "core/param.h"
#include "ops/conformance.h"

namespace sn::conformance {
namespace {

constexpr int kF32 = static_cast<int>(DType::kFloat32);

int64_t int_param(const Params& p, const std::string& key, int64_t dflt) {
  return std::stoll(param(p, key, std::to_string(dflt)));
}
bool bool_param(const Params& p, const std::string& key, bool dflt) {
  return param(p, key, dflt ? "True" : "False") == "True";
}
int norm_axis(int64_t a, int nd) { return static_cast<int>(a < 0 ? a + nd : a); }
Ref zeros(const Shape& s) { return Ref{s, std::vector<double>(static_cast<size_t>(s.size()), 0.0)}; }
double& at(Ref& r, int64_t i) { return r.v[static_cast<size_t>(i)]; }
double at(const Ref& r, int64_t i) { return r.v[static_cast<size_t>(i)]; }

// Index j into an axis of n under an MXNet mode (raise: the entry keeps j in [-n, n)).
int64_t resolve(int64_t j, int64_t n, const std::string& mode) {
  if (mode == "clip") return std::clamp<int64_t>(j, 0, n - 1);
  const int64_t r = j % n;
  return r < 0 ? r + n : r;
}

// --- take ---
RefFn take_ref() {
  return [](const std::vector<Ref>& in, const Params& p) {
    const Ref& a = in[0];
    const Ref& idx = in[1];
    const int ax = norm_axis(int_param(p, "axis", 0), a.shape.ndim());
    const int64_t outer = a.shape.size(0, ax), n = a.shape[ax], inner = a.shape.size(ax + 1, a.shape.ndim());
    Shape os;
    for (int i = 0; i < ax; ++i) os.push_back(a.shape[i]);
    for (int64_t d : idx.shape.dims()) os.push_back(d);
    for (int i = ax + 1; i < a.shape.ndim(); ++i) os.push_back(a.shape[i]);
    Ref r = zeros(os);
    const std::string mode = param(p, "mode", "clip");
    for (int64_t o = 0; o < outer; ++o)
      for (int64_t i = 0; i < idx.size(); ++i) {
        const int64_t j = resolve(static_cast<int64_t>(at(idx, i)), n, mode);
        for (int64_t c = 0; c < inner; ++c) at(r, (o * idx.size() + i) * inner + c) = at(a, (o * n + j) * inner + c);
      }
    return std::vector<Ref>{r};
  };
}
// _backward_take: the adjoint of take, into zeros of `shape`.
RefFn backward_take_ref() {
  return [](const std::vector<Ref>& in, const Params& p) {
    const Shape s = *detail::parse_int_tuple(param(p, "shape", "()"));
    const Ref& g = in[0];
    const Ref& idx = in[1];
    const int ax = norm_axis(int_param(p, "axis", 0), s.ndim());
    const int64_t outer = s.size(0, ax), n = s[ax], inner = s.size(ax + 1, s.ndim());
    Ref r = zeros(s);
    const std::string mode = param(p, "mode", "clip");
    for (int64_t o = 0; o < outer; ++o)
      for (int64_t i = 0; i < idx.size(); ++i) {
        const int64_t j = resolve(static_cast<int64_t>(at(idx, i)), n, mode);
        for (int64_t c = 0; c < inner; ++c) at(r, (o * n + j) * inner + c) += at(g, (o * idx.size() + i) * inner + c);
      }
    return std::vector<Ref>{r};
  };
}

const AddCase take_clip{{.op = "take", .shapes = {{5, 3}, {2, 3}}, .domain = {{-5, 5}, {-3, 8}},
                         .reference = take_ref(), .dtypes = kFloatsAndInts, .label = "clip", .fixed_inputs = {1}}};
const AddCase take_wrap{{.op = "take", .params = {{"axis", "1"}, {"mode", "wrap"}}, .shapes = {{2, 4, 3}, {5}},
                         .domain = {{-1, 1}, {-9, 9}}, .reference = take_ref(), .label = "wrap_axis1",
                         .fixed_inputs = {1}}};
const AddCase take_raise{{.op = "take", .params = {{"axis", "-1"}, {"mode", "raise"}}, .shapes = {{3, 4}, {2, 2}},
                          .domain = {{-1, 1}, {-4, 3}}, .reference = take_ref(), .label = "raise_last_axis",
                          .fixed_inputs = {1}}};
const AddCase backward_take{{.op = "_backward_take",
                             .params = {{"axis", "1"}, {"mode", "wrap"}, {"shape", "(2, 4, 3)"}},
                             .shapes = {{2, 5, 3}, {5}}, .domain = {{-1, 1}, {-6, 6}}, .reference = backward_take_ref(),
                             .dtypes = kFloatsAndInts, .fixed_inputs = {1}}};
const AddCase backward_take_clip{{.op = "_backward_take", .params = {{"shape", "(4, 2)"}}, .shapes = {{3, 2, 2}, {3, 2}},
                                  .domain = {{-1, 1}, {-2, 6}}, .reference = backward_take_ref(), .label = "clip",
                                  .fixed_inputs = {1}}};

// --- pick ---
struct Split {
  int64_t outer, n, inner;
};
Split split(const Shape& s, int ax) { return {s.size(0, ax), s[ax], s.size(ax + 1, s.ndim())}; }

RefFn pick_ref() {
  return [](const std::vector<Ref>& in, const Params& p) {
    const Ref& x = in[0];
    const Split s = split(x.shape, norm_axis(int_param(p, "axis", -1), x.shape.ndim()));
    Ref r = zeros(in[1].shape);
    for (int64_t o = 0; o < s.outer; ++o)
      for (int64_t c = 0; c < s.inner; ++c) {
        const int64_t j = resolve(static_cast<int64_t>(at(in[1], o * s.inner + c)), s.n, param(p, "mode", "clip"));
        at(r, o * s.inner + c) = at(x, (o * s.n + j) * s.inner + c);
      }
    return std::vector<Ref>{r};
  };
}
RefFn backward_pick_ref() {
  return [](const std::vector<Ref>& in, const Params& p) {
    const Shape shape = *detail::parse_int_tuple(param(p, "shape", "()"));
    const Split s = split(shape, norm_axis(int_param(p, "axis", -1), shape.ndim()));
    Ref r = zeros(shape);
    for (int64_t o = 0; o < s.outer; ++o)
      for (int64_t c = 0; c < s.inner; ++c) {
        const int64_t j = resolve(static_cast<int64_t>(at(in[1], o * s.inner + c)), s.n, param(p, "mode", "clip"));
        at(r, (o * s.n + j) * s.inner + c) += at(in[0], o * s.inner + c);
      }
    return std::vector<Ref>{r};
  };
}
const AddCase pick_last{{.op = "pick", .shapes = {{4, 5}, {4}}, .domain = {{-5, 5}, {-2, 7}}, .reference = pick_ref(),
                         .dtypes = kFloatsAndInts, .label = "clip", .fixed_inputs = {1}}};
const AddCase pick_keep{{.op = "pick", .params = {{"axis", "0"}, {"keepdims", "True"}, {"mode", "wrap"}},
                         .shapes = {{3, 4, 2}, {1, 4, 2}}, .domain = {{-1, 1}, {-5, 5}}, .reference = pick_ref(),
                         .label = "keepdims_wrap", .fixed_inputs = {1}}};
const AddCase pick_mid{{.op = "pick", .params = {{"axis", "-2"}}, .shapes = {{2, 3, 4}, {2, 4}},
                        .domain = {{-1, 1}, {0, 2}}, .reference = pick_ref(), .label = "middle", .fixed_inputs = {1}}};
const AddCase backward_pick{{.op = "_backward_pick", .params = {{"shape", "(4, 5)"}}, .shapes = {{4}, {4}},
                             .domain = {{-1, 1}, {-2, 6}}, .reference = backward_pick_ref(), .dtypes = kFloatsAndInts,
                             .fixed_inputs = {1}}};
const AddCase backward_pick_axis{{.op = "_backward_pick",
                                  .params = {{"axis", "1"}, {"keepdims", "True"}, {"mode", "wrap"}, {"shape", "(2, 3, 2)"}},
                                  .shapes = {{2, 1, 2}, {2, 1, 2}}, .domain = {{-1, 1}, {-4, 4}},
                                  .reference = backward_pick_ref(), .label = "keepdims_wrap", .fixed_inputs = {1}}};

// --- one_hot ---
RefFn one_hot_ref() {
  return [](const std::vector<Ref>& in, const Params& p) {
    const int64_t depth = int_param(p, "depth", 0);
    const double on = std::stod(param(p, "on_value", "1")), off = std::stod(param(p, "off_value", "0"));
    Shape s = in[0].shape;
    s.push_back(depth);
    Ref r{s, std::vector<double>(static_cast<size_t>(s.size()), off)};
    for (int64_t i = 0; i < in[0].size(); ++i) {
      const int64_t j = static_cast<int64_t>(at(in[0], i));
      if (j >= 0 && j < depth) at(r, i * depth + j) = on;
    }
    return std::vector<Ref>{r};
  };
}
const AddCase one_hot{{.op = "one_hot", .params = {{"depth", "5"}}, .shapes = {{2, 3}}, .domain = {{-1, 5}},
                       .reference = one_hot_ref(), .dtypes = kFloatsAndInts, .gradient = false,
                       .out_dtypes = {kF32}, .fixed_inputs = {0}}};
const AddCase one_hot_int{{.op = "one_hot",
                           .params = {{"depth", "4"}, {"on_value", "3"}, {"off_value", "-1"}, {"dtype", "int32"}},
                           .shapes = {{6}}, .domain = {{-2, 5}}, .reference = one_hot_ref(), .gradient = false,
                           .label = "int32", .out_dtypes = {static_cast<int>(DType::kInt32)}, .fixed_inputs = {0}}};

// --- where ---
RefFn where_ref() {
  return [](const std::vector<Ref>& in, const Params&) {
    Ref r = in[1];
    const int64_t per = in[0].shape == in[1].shape ? 1 : in[1].size() / in[1].shape[0];
    for (int64_t i = 0; i < r.size(); ++i) at(r, i) = at(in[0], i / per) != 0 ? at(in[1], i) : at(in[2], i);
    return std::vector<Ref>{r};
  };
}
const AddCase where_same{{.op = "where", .shapes = {{3, 4}, {3, 4}, {3, 4}}, .domain = {{-1, 1}},
                          .reference = where_ref(), .dtypes = kFloatsAndInts, .fixed_inputs = {0}}};
const AddCase where_rows{{.op = "where", .shapes = {{3}, {3, 4, 2}, {3, 4, 2}}, .domain = {{-1, 1}},
                          .reference = where_ref(), .label = "rows", .fixed_inputs = {0}}};

// --- gather_nd, scatter_nd, _backward_gather_nd ---
// Element offsets (in units of the trailing block) of each index tuple; negative indices count from the end.
std::vector<int64_t> nd_offsets(const Ref& idx, const Shape& s) {
  const int64_t m = idx.shape[0], n = idx.size() / m;
  std::vector<int64_t> off(static_cast<size_t>(n), 0);
  for (int64_t i = 0; i < n; ++i)
    for (int64_t j = 0; j < m; ++j) {
      const int64_t d = s[static_cast<int>(j)];
      const int64_t v = static_cast<int64_t>(at(idx, j * n + i));
      off[static_cast<size_t>(i)] = off[static_cast<size_t>(i)] * d + (v < 0 ? v + d : v);
    }
  return off;
}
Shape slices_shape(const Shape& idx, const Shape& s) {
  Shape r;
  for (int i = 1; i < idx.ndim(); ++i) r.push_back(idx[i]);
  for (int i = static_cast<int>(idx[0]); i < s.ndim(); ++i) r.push_back(s[i]);
  if (r.ndim() == 0) r.push_back(1);
  return r;
}
RefFn gather_nd_ref() {
  return [](const std::vector<Ref>& in, const Params&) {
    const auto off = nd_offsets(in[1], in[0].shape);
    const int64_t inner = in[0].shape.size(static_cast<int>(in[1].shape[0]), in[0].shape.ndim());
    Ref r = zeros(slices_shape(in[1].shape, in[0].shape));
    for (size_t i = 0; i < off.size(); ++i)
      for (int64_t c = 0; c < inner; ++c) at(r, static_cast<int64_t>(i) * inner + c) = at(in[0], off[i] * inner + c);
    return std::vector<Ref>{r};
  };
}
RefFn scatter_nd_ref(bool add) {
  return [add](const std::vector<Ref>& in, const Params& p) {
    const Shape s = *detail::parse_int_tuple(param(p, "shape", "()"));
    const auto off = nd_offsets(in[1], s);
    const int64_t inner = s.size(static_cast<int>(in[1].shape[0]), s.ndim());
    Ref r = zeros(s);
    for (size_t i = 0; i < off.size(); ++i)
      for (int64_t c = 0; c < inner; ++c) {
        double& y = at(r, off[i] * inner + c);
        const double v = at(in[0], static_cast<int64_t>(i) * inner + c);
        y = add ? y + v : v;
      }
    return std::vector<Ref>{r};
  };
}
const AddCase gather_nd{{.op = "gather_nd", .shapes = {{3, 4, 2}, {2, 5}}, .domain = {{-5, 5}, {-3, 2}},
                         .reference = gather_nd_ref(), .dtypes = kFloatsAndInts, .fixed_inputs = {1}}};
const AddCase gather_nd_full{{.op = "gather_nd", .shapes = {{3, 4}, {2, 2, 3}}, .domain = {{-1, 1}, {-3, 2}},
                              .reference = gather_nd_ref(), .label = "elements", .fixed_inputs = {1}}};
const AddCase gather_nd_one{{.op = "gather_nd", .shapes = {{3, 4}, {2}}, .domain = {{-1, 1}, {0, 2}},
                             .reference = gather_nd_ref(), .label = "one_element", .fixed_inputs = {1}}};
// Distinct index tuples (some negative) into the first two axes of a (4, 5, ...) output: scatter_nd's result
// then depends smoothly on every slice of data.
void distinct_tuples(std::vector<Ref>& in) {
  Ref& idx = in[1];
  const int64_t n = idx.size() / idx.shape[0];
  for (int64_t i = 0; i < n; ++i) {
    const int64_t flat = (i * 7 + 3) % 20;
    at(idx, i) = static_cast<double>(flat / 5);
    at(idx, n + i) = static_cast<double>(flat % 5 - (i % 2 ? 5 : 0));
  }
}
const AddCase scatter_nd{{.op = "scatter_nd", .params = {{"shape", "(4, 5, 3)"}}, .shapes = {{6, 3}, {2, 6}},
                          .domain = {{-5, 5}, {0, 3}}, .reference = scatter_nd_ref(false), .dtypes = kFloatsAndInts,
                          .fixed_inputs = {1}, .prepare = distinct_tuples}};
const AddCase scatter_nd_grid{{.op = "scatter_nd", .params = {{"shape", "(4, 5)"}}, .shapes = {{2, 4}, {2, 2, 4}},
                               .domain = {{-1, 1}, {0, 3}}, .reference = scatter_nd_ref(false), .label = "elements",
                               .fixed_inputs = {1}, .prepare = distinct_tuples}};
const AddCase backward_gather_nd{{.op = "_backward_gather_nd", .params = {{"shape", "(3, 4, 2)"}},
                                  .shapes = {{5, 2}, {2, 5}}, .domain = {{-5, 5}, {-3, 2}},
                                  .reference = scatter_nd_ref(true), .dtypes = kFloatsAndInts, .fixed_inputs = {1}}};

// --- diag, _backward_diag ---
struct DiagGeom {
  Shape out;
  std::vector<std::pair<int64_t, int64_t>> pairs;  // (output element, input element)
};
std::vector<int64_t> strides_of(const Shape& s) {
  std::vector<int64_t> st(static_cast<size_t>(s.ndim()), 1);
  for (int i = s.ndim() - 2; i >= 0; --i) st[static_cast<size_t>(i)] = st[static_cast<size_t>(i) + 1] * s[i + 1];
  return st;
}
// Which element of diag's input each output element copies (unlisted outputs are zero).
DiagGeom diag_geom(const Shape& s, const Params& p) {
  const int64_t k = int_param(p, "k", 0);
  DiagGeom g;
  if (s.ndim() == 1) {
    const int64_t n = s[0] + std::abs(k);
    g.out = Shape({n, n});
    for (int64_t i = 0; i < s[0]; ++i) g.pairs.emplace_back(k >= 0 ? i * n + i + k : (i - k) * n + i, i);
    return g;
  }
  const int a1 = norm_axis(int_param(p, "axis1", 0), s.ndim()), a2 = norm_axis(int_param(p, "axis2", 1), s.ndim());
  const int64_t len = std::max<int64_t>(0, k >= 0 ? std::min(s[a1], s[a2] - k) : std::min(s[a1] + k, s[a2]));
  for (int i = 0; i < s.ndim(); ++i)
    if (i != a1 && i != a2) g.out.push_back(s[i]);
  const int64_t planes = g.out.size();
  g.out.push_back(len);
  const auto st = strides_of(s);
  for (int64_t r = 0; r < planes; ++r) {
    int64_t rem = r, base = 0;
    for (int d = s.ndim() - 1; d >= 0; --d) {
      if (d == a1 || d == a2) continue;
      base += (rem % s[d]) * st[static_cast<size_t>(d)];
      rem /= s[d];
    }
    for (int64_t l = 0; l < len; ++l) {
      const int64_t i1 = l + std::max<int64_t>(-k, 0), i2 = l + std::max<int64_t>(k, 0);
      g.pairs.emplace_back(r * len + l, base + i1 * st[static_cast<size_t>(a1)] + i2 * st[static_cast<size_t>(a2)]);
    }
  }
  return g;
}
RefFn diag_ref() {
  return [](const std::vector<Ref>& in, const Params& p) {
    DiagGeom g = diag_geom(in[0].shape, p);
    Ref r = zeros(g.out);
    for (auto [o, i] : g.pairs) at(r, o) = at(in[0], i);
    return std::vector<Ref>{r};
  };
}
RefFn backward_diag_ref() {
  return [](const std::vector<Ref>& in, const Params& p) {
    const Shape s = *detail::parse_int_tuple(param(p, "shape", "()"));
    DiagGeom g = diag_geom(s, p);
    Ref r = zeros(s);
    for (auto [o, i] : g.pairs) at(r, i) += at(in[0], o);
    return std::vector<Ref>{r};
  };
}
const AddCase diag_vec{{.op = "diag", .shapes = {{4}}, .reference = diag_ref(), .dtypes = kFloatsAndInts,
                        .label = "vector"}};
const AddCase diag_vec_up{{.op = "diag", .params = {{"k", "2"}}, .shapes = {{3}}, .reference = diag_ref(),
                           .label = "vector_above"}};
const AddCase diag_vec_down{{.op = "diag", .params = {{"k", "-1"}}, .shapes = {{3}}, .reference = diag_ref(),
                             .label = "vector_below"}};
const AddCase diag_mat{{.op = "diag", .params = {{"k", "1"}}, .shapes = {{4, 5}}, .reference = diag_ref(),
                        .dtypes = kFloatsAndInts, .label = "matrix_above"}};
const AddCase diag_mat_down{{.op = "diag", .params = {{"k", "-2"}}, .shapes = {{4, 5}}, .reference = diag_ref(),
                             .label = "matrix_below"}};
const AddCase diag_3d{{.op = "diag", .params = {{"k", "1"}, {"axis1", "2"}, {"axis2", "0"}}, .shapes = {{3, 3, 4}},
                       .reference = diag_ref(), .label = "planes"}};
const AddCase diag_neg_axes{{.op = "diag", .params = {{"axis1", "-1"}, {"axis2", "-3"}}, .shapes = {{2, 3, 4}},
                             .reference = diag_ref(), .label = "negative_axes"}};
const AddCase backward_diag_mat{{.op = "_backward_diag", .params = {{"k", "1"}, {"shape", "(4, 5)"}}, .shapes = {{4}},
                                 .reference = backward_diag_ref(), .dtypes = kFloatsAndInts, .label = "matrix"}};
const AddCase backward_diag_vec{{.op = "_backward_diag", .params = {{"k", "-1"}, {"shape", "(5,)"}},
                                 .shapes = {{6, 6}}, .reference = backward_diag_ref(), .label = "vector"}};
const AddCase backward_diag_3d{{.op = "_backward_diag",
                                .params = {{"k", "1"}, {"axis1", "2"}, {"axis2", "0"}, {"shape", "(3, 3, 4)"}},
                                .shapes = {{3, 2}}, .reference = backward_diag_ref(), .label = "planes"}};

// --- topk, sort, argsort: a stable order with NaN above every number ---
struct LinesRef {
  int64_t outer = 1, n = 1, inner = 1;
  int axis = -1;
};
LinesRef lines(const Shape& s, const Params& p) {
  LinesRef l;
  const std::string a = param(p, "axis", "-1");
  if (a == "None") {
    l.n = s.size();
    return l;
  }
  l.axis = norm_axis(std::stoll(a), s.ndim());
  l.outer = s.size(0, l.axis);
  l.n = s[l.axis];
  l.inner = s.size(l.axis + 1, s.ndim());
  return l;
}
Shape resized(const Shape& s, const LinesRef& l, int64_t k) {
  if (l.axis < 0) return Shape({k});
  Shape r = s;
  r[l.axis] = k;
  return r;
}
// Each line's positions in order.
std::vector<std::vector<int64_t>> orders(const Ref& x, const LinesRef& l, bool ascend) {
  std::vector<std::vector<int64_t>> r;
  for (int64_t o = 0; o < l.outer; ++o)
    for (int64_t c = 0; c < l.inner; ++c) {
      std::vector<int64_t> perm(static_cast<size_t>(l.n));
      std::iota(perm.begin(), perm.end(), 0);
      auto key = [&](int64_t j) { return at(x, (o * l.n + j) * l.inner + c); };
      std::stable_sort(perm.begin(), perm.end(), [&](int64_t a, int64_t b) {
        const double ka = key(a), kb = key(b);
        if (std::isnan(ka) || std::isnan(kb)) return ascend ? !std::isnan(ka) && std::isnan(kb) : std::isnan(ka) && !std::isnan(kb);
        return ascend ? ka < kb : ka > kb;
      });
      r.push_back(std::move(perm));
    }
  return r;
}
// ret: "value", "indices", "mask" or "both".
RefFn ordering_ref(const std::string& op) {
  return [op](const std::vector<Ref>& in, const Params& p) {
    const Ref& x = in[0];
    const LinesRef l = lines(x.shape, p);
    const bool ascend = bool_param(p, "is_ascend", op != "topk");
    int64_t k = op == "topk" ? int_param(p, "k", 1) : l.n;
    if (k < 1) k = l.n;
    const std::string ret = op == "topk" ? param(p, "ret_typ", "indices") : op == "sort" ? "value" : "indices";
    const auto ord = orders(x, l, ascend);
    Ref values = zeros(resized(x.shape, l, k)), indices = values, mask = zeros(x.shape);
    for (int64_t line = 0; line < l.outer * l.inner; ++line) {
      const int64_t o = line / l.inner, c = line % l.inner;
      for (int64_t j = 0; j < k; ++j) {
        const int64_t src = ord[static_cast<size_t>(line)][static_cast<size_t>(j)];
        at(values, (o * k + j) * l.inner + c) = at(x, (o * l.n + src) * l.inner + c);
        at(indices, (o * k + j) * l.inner + c) = static_cast<double>(src);
        at(mask, (o * l.n + src) * l.inner + c) = 1;
      }
    }
    if (ret == "value") return std::vector<Ref>{values};
    if (ret == "mask") return std::vector<Ref>{mask};
    if (ret == "both") return std::vector<Ref>{values, indices};
    return std::vector<Ref>{indices};
  };
}
const AddCase topk_value{{.op = "topk", .params = {{"k", "3"}, {"ret_typ", "value"}}, .shapes = {{4, 6}},
                          .domain = {{-5, 5}}, .reference = ordering_ref("topk"), .dtypes = kFloatsAndInts,
                          .label = "value"}};
const AddCase topk_indices{{.op = "topk", .params = {{"k", "2"}}, .shapes = {{4, 6}}, .domain = {{-3, 3}},
                            .reference = ordering_ref("topk"), .dtypes = kFloatsAndInts, .gradient = false,
                            .label = "indices", .out_dtypes = {kF32}}};
const AddCase topk_both{{.op = "topk", .params = {{"axis", "0"}, {"k", "2"}, {"ret_typ", "both"}, {"is_ascend", "True"}},
                         .shapes = {{5, 3}}, .reference = ordering_ref("topk"), .label = "both_ascending_axis0",
                         .out_dtypes = {-1, kF32}}};
const AddCase topk_mask{{.op = "topk", .params = {{"axis", "1"}, {"k", "2"}, {"ret_typ", "mask"}}, .shapes = {{3, 5, 2}},
                         .domain = {{-3, 3}}, .reference = ordering_ref("topk"), .dtypes = kFloatsAndInts,
                         .gradient = false, .label = "mask"}};
const AddCase topk_flat{{.op = "topk", .params = {{"axis", "None"}, {"k", "4"}, {"ret_typ", "value"}},
                         .shapes = {{3, 4}}, .reference = ordering_ref("topk"), .label = "flattened"}};
const AddCase topk_all{{.op = "topk", .params = {{"k", "0"}, {"ret_typ", "value"}, {"axis", "-2"}}, .shapes = {{4, 3}},
                        .reference = ordering_ref("topk"), .label = "k0_sorts_all"}};
const AddCase topk_int{{.op = "topk", .params = {{"k", "3"}, {"dtype", "int32"}}, .shapes = {{2, 7}},
                        .reference = ordering_ref("topk"), .gradient = false, .label = "int32_indices",
                        .out_dtypes = {static_cast<int>(DType::kInt32)}}};
const AddCase sort_last{{.op = "sort", .shapes = {{4, 6}}, .domain = {{-5, 5}}, .reference = ordering_ref("sort"),
                         .dtypes = kFloatsAndInts}};
const AddCase sort_desc{{.op = "sort", .params = {{"axis", "0"}, {"is_ascend", "False"}}, .shapes = {{5, 3}},
                         .reference = ordering_ref("sort"), .label = "descending_axis0"}};
const AddCase sort_flat{{.op = "sort", .params = {{"axis", "None"}}, .shapes = {{3, 4}},
                         .reference = ordering_ref("sort"), .label = "flattened"}};
const AddCase argsort{{.op = "argsort", .shapes = {{4, 6}}, .domain = {{-3, 3}}, .reference = ordering_ref("argsort"),
                       .dtypes = kFloatsAndInts, .gradient = false, .out_dtypes = {kF32}}};
const AddCase argsort_desc{{.op = "argsort", .params = {{"axis", "0"}, {"is_ascend", "False"}, {"dtype", "int64"}},
                            .shapes = {{5, 3}}, .domain = {{-2, 2}}, .reference = ordering_ref("argsort"),
                            .dtypes = kFloatsAndInts, .gradient = false, .label = "descending_int64",
                            .out_dtypes = {static_cast<int>(DType::kInt64)}}};
const AddCase argsort_flat{{.op = "argsort", .params = {{"axis", "None"}}, .shapes = {{3, 4}},
                            .reference = ordering_ref("argsort"), .gradient = false, .label = "flattened",
                            .out_dtypes = {kF32}}};

// _backward_topk adds ograd at each line's indices into zeros of `shape`; _gather_along_axis reads data there.
RefFn along_ref(bool scatter) {
  return [scatter](const std::vector<Ref>& in, const Params& p) {
    const Shape full = scatter ? *detail::parse_int_tuple(param(p, "shape", "()")) : in[0].shape;
    const Ref& part = scatter ? in[0] : in[1];  // shape of the short side
    const LinesRef l = lines(full, p);
    const int64_t k = l.axis < 0 ? part.size() : part.shape[l.axis];
    Ref r = scatter ? zeros(full) : zeros(in[1].shape);
    for (int64_t o = 0; o < l.outer; ++o)
      for (int64_t c = 0; c < l.inner; ++c)
        for (int64_t j = 0; j < k; ++j) {
          const int64_t short_at = (o * k + j) * l.inner + c;
          const int64_t full_at = (o * l.n + static_cast<int64_t>(at(in[1], short_at))) * l.inner + c;
          if (scatter) at(r, full_at) += at(in[0], short_at);
          else at(r, short_at) = at(in[0], full_at);
        }
    return std::vector<Ref>{r};
  };
}
const AddCase backward_topk{{.op = "_backward_topk", .params = {{"axis", "1"}, {"shape", "(2, 5, 4)"}},
                             .shapes = {{2, 3, 4}, {2, 3, 4}}, .domain = {{-5, 5}, {0, 4}},
                             .reference = along_ref(true), .dtypes = kFloatsAndInts, .fixed_inputs = {1}}};
const AddCase backward_topk_flat{{.op = "_backward_topk", .params = {{"axis", "None"}, {"shape", "(3, 4)"}},
                                  .shapes = {{5}, {5}}, .domain = {{-1, 1}, {0, 11}}, .reference = along_ref(true),
                                  .label = "flattened", .fixed_inputs = {1}}};
const AddCase gather_along{{.op = "_gather_along_axis", .params = {{"axis", "1"}}, .shapes = {{2, 5, 4}, {2, 3, 4}},
                            .domain = {{-5, 5}, {0, 4}}, .reference = along_ref(false), .dtypes = kFloatsAndInts,
                            .fixed_inputs = {1}}};
const AddCase gather_along_flat{{.op = "_gather_along_axis", .params = {{"axis", "None"}}, .shapes = {{3, 4}, {6}},
                                 .domain = {{-1, 1}, {0, 11}}, .reference = along_ref(false), .label = "flattened",
                                 .fixed_inputs = {1}}};

}  // namespace
}  // namespace sn::conformance
