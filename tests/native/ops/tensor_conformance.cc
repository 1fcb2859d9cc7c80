// Conformance entries: reductions, shape ops and matrix products.
#include <algorithm>
#include <numeric>
#include <optional>

#include "core/param.h"
#include "ops/conformance.h"

namespace sn::conformance {
namespace {

std::optional<Shape> tuple_param(const Params& p, const std::string& key) {
  std::string text = param(p, key, "None");
  if (text == "None") return std::nullopt;
  return detail::parse_int_tuple(text);
}
bool bool_param(const Params& p, const std::string& key) { return param(p, key, "False") == "True"; }

std::vector<int64_t> strides_of(const Shape& s) {
  std::vector<int64_t> st(static_cast<size_t>(s.ndim()), 1);
  for (int i = s.ndim() - 2; i >= 0; --i) st[static_cast<size_t>(i)] = st[static_cast<size_t>(i) + 1] * s[i + 1];
  return st;
}
std::vector<int64_t> coords(const Shape& s, int64_t flat) {
  std::vector<int64_t> c(static_cast<size_t>(s.ndim()));
  for (int d = s.ndim() - 1; d >= 0; --d) {
    c[static_cast<size_t>(d)] = flat % s[d];
    flat /= s[d];
  }
  return c;
}

// Sum or mean over axes, MXNet's legacy rules (None or () reduces all; exclude; keepdims; rank 0 -> (1,)).
Ref reduce(const Ref& x, const std::optional<Shape>& axis, bool keepdims, bool exclude, bool mean) {
  const int nd = x.shape.ndim();
  std::vector<bool> red(static_cast<size_t>(nd), !axis || axis->ndim() == 0 ? true : exclude);
  if (axis && axis->ndim() > 0)
    for (int64_t a : axis->dims()) red[static_cast<size_t>(a < 0 ? a + nd : a)] = !exclude;
  Shape out, kept;
  for (int i = 0; i < nd; ++i) {
    if (!red[static_cast<size_t>(i)]) out.push_back(x.shape[i]), kept.push_back(x.shape[i]);
    else if (keepdims) out.push_back(1);
  }
  if (out.ndim() == 0) out.push_back(1);
  Ref r{out, std::vector<double>(static_cast<size_t>(out.size()), 0.0)};
  const auto kst = strides_of(kept);
  int64_t count = 1;
  for (int i = 0; i < nd; ++i)
    if (red[static_cast<size_t>(i)]) count *= x.shape[i];
  for (int64_t k = 0; k < x.size(); ++k) {
    auto c = coords(x.shape, k);
    int64_t o = 0;
    for (int i = 0, j = 0; i < nd; ++i)
      if (!red[static_cast<size_t>(i)]) o += c[static_cast<size_t>(i)] * kst[static_cast<size_t>(j++)];
    r.v[static_cast<size_t>(o)] += x.v[static_cast<size_t>(k)];
  }
  if (mean)
    for (double& v : r.v) v /= static_cast<double>(count);
  return r;
}

RefFn reduce_ref(bool mean) {
  return [mean](const std::vector<Ref>& in, const Params& p) {
    return std::vector<Ref>{
        reduce(in[0], tuple_param(p, "axis"), bool_param(p, "keepdims"), bool_param(p, "exclude"), mean)};
  };
}

const AddCase sum_all{{.op = "sum", .shapes = {{3, 4, 2}}, .reference = reduce_ref(false), .dtypes = kFloatsAndInts,
                       .label = "all"}};
const AddCase sum_axis{{.op = "sum", .params = {{"axis", "(1,)"}}, .shapes = {{3, 4, 2}}, .reference = reduce_ref(false),
                        .dtypes = kFloatsAndInts, .label = "axis1"}};
const AddCase sum_keep{{.op = "sum", .params = {{"axis", "(0, 2)"}, {"keepdims", "True"}}, .shapes = {{3, 4, 2}},
                        .reference = reduce_ref(false), .label = "keepdims"}};
const AddCase sum_excl{{.op = "sum", .params = {{"axis", "(-1,)"}, {"exclude", "True"}}, .shapes = {{3, 4, 2}},
                        .reference = reduce_ref(false), .label = "exclude"}};
const AddCase sum_gap{{.op = "sum", .params = {{"axis", "(0, 2)"}}, .shapes = {{3, 4, 5}},
                       .reference = reduce_ref(false), .label = "noncontiguous_axes"}};
const AddCase sum_long{{.op = "sum", .params = {{"axis", "(1,)"}}, .shapes = {{2, 3000}},
                        .reference = reduce_ref(false), .rtol = 1e-5, .label = "long_row"}};
const AddCase mean_all{{.op = "mean", .shapes = {{5, 3}}, .reference = reduce_ref(true), .label = "all"}};
const AddCase mean_axis{{.op = "mean", .params = {{"axis", "(0,)"}, {"keepdims", "True"}}, .shapes = {{5, 3}},
                         .reference = reduce_ref(true), .label = "axis0"}};
const AddCase mean_excl{{.op = "mean", .params = {{"axis", "(1,)"}, {"exclude", "True"}}, .shapes = {{2, 3, 4}},
                         .reference = reduce_ref(true), .label = "exclude"}};

// _broadcast_reduce(ograd; shape, ...): the gradient of sum/mean, broadcast back to the reduced input's shape.
RefFn broadcast_reduce_ref() {
  return [](const std::vector<Ref>& in, const Params& p) {
    const Ref& g = in[0];
    const Shape x_shape = *tuple_param(p, "shape");
    const auto axis = tuple_param(p, "axis");
    const bool exclude = bool_param(p, "exclude"), mean = bool_param(p, "mean");
    // The adjoint of reduce: element k of the result is <g, reduce(e_k)>.
    Ref r{x_shape, std::vector<double>(static_cast<size_t>(x_shape.size()))};
    for (int64_t k = 0; k < x_shape.size(); ++k) {
      Ref e{x_shape, std::vector<double>(static_cast<size_t>(x_shape.size()), 0.0)};
      e.v[static_cast<size_t>(k)] = 1;
      Ref re = reduce(e, axis, bool_param(p, "keepdims"), exclude, mean);
      double s = 0;
      for (size_t i = 0; i < re.v.size(); ++i) s += re.v[i] * g.v[i];
      r.v[static_cast<size_t>(k)] = s;
    }
    return std::vector<Ref>{r};
  };
}
const AddCase bcast_reduce{{.op = "_broadcast_reduce", .params = {{"shape", "(3, 4, 2)"}, {"axis", "(1,)"}},
                            .shapes = {{3, 2}}, .reference = broadcast_reduce_ref(), .label = "sum"}};
const AddCase bcast_reduce_mean{{.op = "_broadcast_reduce",
                                 .params = {{"shape", "(3, 4, 2)"}, {"axis", "(0, 2)"}, {"keepdims", "True"},
                                            {"mean", "True"}},
                                 .shapes = {{1, 4, 1}}, .reference = broadcast_reduce_ref(), .label = "mean_keepdims"}};
const AddCase bcast_reduce_all{{.op = "_broadcast_reduce", .params = {{"shape", "(2, 3)"}, {"mean", "True"}},
                                .shapes = {{1}}, .reference = broadcast_reduce_ref(), .label = "all"}};
const AddCase bcast_reduce_excl{{.op = "_broadcast_reduce",
                                 .params = {{"shape", "(2, 3, 4)"}, {"axis", "(1,)"}, {"exclude", "True"}},
                                 .shapes = {{3}}, .reference = broadcast_reduce_ref(), .label = "exclude"}};

// Shape ops: the data unchanged, in a new shape.
RefFn reshaped(std::function<Shape(const std::vector<Ref>&, const Params&)> shape) {
  return [shape](const std::vector<Ref>& in, const Params& p) {
    Ref r = in[0];
    r.shape = shape(in, p);
    return std::vector<Ref>{r};
  };
}
const AddCase reshape{{.op = "Reshape", .params = {{"shape", "(0, -1)"}}, .shapes = {{2, 3, 4}},
                       .reference = reshaped([](auto&, auto&) { return Shape({2, 12}); }), .dtypes = kFloatsAndInts}};
const AddCase reshape_rev{{.op = "Reshape", .params = {{"shape", "(-1, 0)"}, {"reverse", "True"}},
                           .shapes = {{2, 3, 4}}, .reference = reshaped([](auto&, auto&) { return Shape({6, 4}); }),
                           .label = "reverse"}};
const AddCase reshape_m4{{.op = "Reshape", .params = {{"shape", "(-4, 1, 2, -2)"}}, .shapes = {{2, 3, 4}},
                          .reference = reshaped([](auto&, auto&) { return Shape({1, 2, 3, 4}); }), .label = "split"}};
const AddCase flatten{{.op = "Flatten", .shapes = {{2, 3, 4}},
                       .reference = reshaped([](auto&, auto&) { return Shape({2, 12}); }), .dtypes = kFloatsAndInts}};
const AddCase expand{{.op = "expand_dims", .params = {{"axis", "1"}}, .shapes = {{2, 3}},
                      .reference = reshaped([](auto&, auto&) { return Shape({2, 1, 3}); })}};
const AddCase expand_neg{{.op = "expand_dims", .params = {{"axis", "-1"}}, .shapes = {{2, 3}},
                          .reference = reshaped([](auto&, auto&) { return Shape({2, 3, 1}); }), .label = "last"}};
const AddCase reshape_like{{.op = "reshape_like", .shapes = {{2, 6}, {3, 4}},
                            .reference = reshaped([](auto& in, auto&) { return in[1].shape; })}};

Ref transpose(const Ref& x, const std::vector<int>& perm) {
  Shape out;
  for (int p : perm) out.push_back(x.shape[p]);
  Ref r{out, std::vector<double>(static_cast<size_t>(out.size()))};
  const auto st = strides_of(x.shape);
  for (int64_t k = 0; k < r.size(); ++k) {
    auto c = coords(out, k);
    int64_t src = 0;
    for (size_t i = 0; i < perm.size(); ++i) src += c[i] * st[static_cast<size_t>(perm[i])];
    r.v[static_cast<size_t>(k)] = x.v[static_cast<size_t>(src)];
  }
  return r;
}
RefFn transpose_ref() {
  return [](const std::vector<Ref>& in, const Params& p) {
    const int nd = in[0].shape.ndim();
    std::vector<int> perm(static_cast<size_t>(nd));
    auto axes = tuple_param(p, "axes");
    for (int i = 0; i < nd; ++i)
      perm[static_cast<size_t>(i)] = axes && axes->ndim() ? static_cast<int>((*axes)[i]) : nd - 1 - i;
    return std::vector<Ref>{transpose(in[0], perm)};
  };
}
const AddCase transpose_rev{{.op = "transpose", .shapes = {{2, 3, 4}}, .reference = transpose_ref(),
                             .dtypes = kFloatsAndInts, .label = "reverse"}};
const AddCase transpose_perm{{.op = "transpose", .params = {{"axes", "(1, 2, 0)"}}, .shapes = {{2, 3, 4}},
                              .reference = transpose_ref(), .label = "perm"}};
const AddCase transpose_2d{{.op = "transpose", .shapes = {{5, 7}}, .reference = transpose_ref(), .label = "matrix"}};

Ref broadcast_to(const Ref& x, const Shape& to) {
  Ref zero{to, std::vector<double>(static_cast<size_t>(to.size()), 0.0)};
  return broadcast_binary(x, zero, [](double a, double) { return a; });
}
const AddCase broadcast_like{{.op = "broadcast_like", .shapes = {{3, 1}, {2, 3, 4}},
                              .reference = [](const std::vector<Ref>& in,
                                              const Params&) { return std::vector<Ref>{broadcast_to(in[0], in[1].shape)}; },
                              .dtypes = kFloatsAndInts}};
const AddCase broadcast_to_{{.op = "broadcast_to", .params = {{"shape", "(2, 0, 4)"}}, .shapes = {{3, 1}},
                             .reference = [](const std::vector<Ref>& in,
                                             const Params&) { return std::vector<Ref>{broadcast_to(in[0], {2, 3, 4})}; },
                             .dtypes = kFloatsAndInts}};
const AddCase broadcast_to_same{{.op = "broadcast_to", .params = {{"shape", "(2, 3)"}}, .shapes = {{2, 1}},
                                 .reference = [](const std::vector<Ref>& in,
                                                 const Params&) { return std::vector<Ref>{broadcast_to(in[0], {2, 3})}; },
                                 .label = "same_rank"}};
// _sum_to(data; shape): the adjoint of broadcasting.
Ref sum_to(const Ref& x, const Shape& to) {
  Ref r{to, std::vector<double>(static_cast<size_t>(to.size()), 0.0)};
  const int off = x.shape.ndim() - to.ndim();
  const auto st = strides_of(to);
  for (int64_t k = 0; k < x.size(); ++k) {
    auto c = coords(x.shape, k);
    int64_t o = 0;
    for (int d = 0; d < to.ndim(); ++d)
      if (to[d] != 1) o += c[static_cast<size_t>(d + off)] * st[static_cast<size_t>(d)];
    r.v[static_cast<size_t>(o)] += x.v[static_cast<size_t>(k)];
  }
  return r;
}
RefFn sum_to_ref() {
  return [](const std::vector<Ref>& in, const Params& p) {
    return std::vector<Ref>{sum_to(in[0], *tuple_param(p, "shape"))};
  };
}
const AddCase sum_to_{{.op = "_sum_to", .params = {{"shape", "(3, 1)"}}, .shapes = {{2, 3, 4}},
                       .reference = sum_to_ref(), .dtypes = kFloatsAndInts}};
const AddCase sum_to_same{{.op = "_sum_to", .params = {{"shape", "(2, 3)"}}, .shapes = {{2, 3}},
                           .reference = sum_to_ref(), .label = "same"}};
const AddCase sum_to_lead{{.op = "_sum_to", .params = {{"shape", "(1, 4)"}}, .shapes = {{5, 4}},
                           .reference = sum_to_ref(), .label = "leading"}};

// Matrix products: lhs viewed as (M x K) (transposed: first axis against the rest), rhs as (K x N).
Ref matmul(const Ref& a, const Ref& b, int64_t m, int64_t k, int64_t n, bool ta, bool tb, Shape out) {
  Ref r{std::move(out), std::vector<double>(static_cast<size_t>(m * n), 0.0)};
  for (int64_t i = 0; i < m; ++i)
    for (int64_t j = 0; j < n; ++j) {
      double s = 0;
      for (int64_t p = 0; p < k; ++p)
        s += a.v[static_cast<size_t>(ta ? p * m + i : i * k + p)] * b.v[static_cast<size_t>(tb ? j * k + p : p * n + j)];
      r.v[static_cast<size_t>(i * n + j)] = s;
    }
  return r;
}
RefFn dot_ref() {
  return [](const std::vector<Ref>& in, const Params& p) {
    const bool ta = bool_param(p, "transpose_a"), tb = bool_param(p, "transpose_b");
    const Shape& l = in[0].shape;
    const Shape& r = in[1].shape;
    if (l.ndim() == 1 && r.ndim() == 1) return std::vector<Ref>{matmul(in[0], in[1], 1, l[0], 1, false, false, Shape({1}))};
    const int64_t k = ta ? l[0] : l[l.ndim() - 1];
    const int64_t m = l.size() / k, n = r.size() / k;
    Shape out;
    for (int i = 0; i < l.ndim() - 1; ++i) out.push_back(ta ? l[i + 1] : l[i]);
    for (int i = 0; i < r.ndim() - 1; ++i) out.push_back(tb ? r[i] : r[i + 1]);
    if (out.ndim() == 0) out.push_back(1);
    return std::vector<Ref>{matmul(in[0], in[1], m, k, n, ta, tb, out)};
  };
}
const AddCase dot_nn{{.op = "dot", .shapes = {{3, 4}, {4, 5}}, .reference = dot_ref(), .label = "nn"}};
const AddCase dot_tn{{.op = "dot", .params = {{"transpose_a", "True"}}, .shapes = {{4, 3}, {4, 5}},
                      .reference = dot_ref(), .label = "tn"}};
const AddCase dot_nt{{.op = "dot", .params = {{"transpose_b", "True"}}, .shapes = {{3, 4}, {5, 4}},
                      .reference = dot_ref(), .label = "nt"}};
const AddCase dot_tt{{.op = "dot", .params = {{"transpose_a", "True"}, {"transpose_b", "True"}},
                      .shapes = {{4, 3}, {5, 4}}, .reference = dot_ref(), .label = "tt"}};
const AddCase dot_nd{{.op = "dot", .shapes = {{2, 3, 4}, {4, 2, 3}}, .reference = dot_ref(), .label = "nd"}};
const AddCase dot_nd_t{{.op = "dot", .params = {{"transpose_a", "True"}, {"transpose_b", "True"}},
                        .shapes = {{4, 2, 3}, {2, 3, 4}}, .reference = dot_ref(), .label = "nd_tt"}};
const AddCase dot_vv{{.op = "dot", .shapes = {{6}, {6}}, .reference = dot_ref(), .label = "vector_vector"}};
const AddCase dot_mv{{.op = "dot", .shapes = {{3, 6}, {6}}, .reference = dot_ref(), .label = "matrix_vector"}};
const AddCase dot_vm{{.op = "dot", .shapes = {{6}, {6, 2}}, .reference = dot_ref(), .label = "vector_matrix"}};
const AddCase dot_big{{.op = "dot", .shapes = {{33, 70}, {70, 17}}, .reference = dot_ref(), .rtol = 1e-5,
                       .label = "larger"}};

RefFn batch_dot_ref() {
  return [](const std::vector<Ref>& in, const Params& p) {
    const bool ta = bool_param(p, "transpose_a"), tb = bool_param(p, "transpose_b");
    const Shape& l = in[0].shape;
    const Shape& r = in[1].shape;
    const int64_t B = l[0], m = ta ? l[2] : l[1], k = ta ? l[1] : l[2], n = tb ? r[1] : r[2];
    Ref out{Shape({B, m, n}), {}};
    for (int64_t bi = 0; bi < B; ++bi) {
      Ref a{Shape({l[1], l[2]}), {in[0].v.begin() + bi * l[1] * l[2], in[0].v.begin() + (bi + 1) * l[1] * l[2]}};
      Ref c{Shape({r[1], r[2]}), {in[1].v.begin() + bi * r[1] * r[2], in[1].v.begin() + (bi + 1) * r[1] * r[2]}};
      Ref y = matmul(a, c, m, k, n, ta, tb, Shape({m, n}));
      out.v.insert(out.v.end(), y.v.begin(), y.v.end());
    }
    return std::vector<Ref>{out};
  };
}
const AddCase bdot_nn{{.op = "batch_dot", .shapes = {{2, 3, 4}, {2, 4, 5}}, .reference = batch_dot_ref(),
                       .label = "nn"}};
const AddCase bdot_tt{{.op = "batch_dot", .params = {{"transpose_a", "True"}, {"transpose_b", "True"}},
                       .shapes = {{2, 4, 3}, {2, 5, 4}}, .reference = batch_dot_ref(), .label = "tt"}};
const AddCase bdot_nt{{.op = "batch_dot", .params = {{"transpose_b", "True"}}, .shapes = {{3, 2, 4}, {3, 5, 4}},
                       .reference = batch_dot_ref(), .label = "nt"}};

}  // namespace
}  // namespace sn::conformance

namespace sn::conformance {
namespace {

// Arrays from parameters only.
RefFn constant_ref(double value) {
  return [value](const std::vector<Ref>&, const Params& p) {
    Shape s = *detail::parse_int_tuple(param(p, "shape", "()"));
    if (s.ndim() == 0) s = Shape({1});
    return std::vector<Ref>{Ref{s, std::vector<double>(static_cast<size_t>(s.size()), value)}};
  };
}
const AddCase zeros{{.op = "_zeros", .params = {{"shape", "(2, 3)"}}, .shapes = {}, .reference = constant_ref(0)}};
const AddCase ones{{.op = "_ones", .params = {{"shape", "(4,)"}, {"dtype", "int32"}}, .shapes = {},
                    .reference = constant_ref(1), .dtypes = {DType::kInt32}}};
const AddCase full{{.op = "_full", .params = {{"shape", "(2, 2)"}, {"value", "2.5"}}, .shapes = {},
                    .reference = constant_ref(2.5)}};
const AddCase zeros_scalar{{.op = "_zeros", .params = {}, .shapes = {}, .reference = constant_ref(0), .label = "legacy_1"}};

RefFn values_ref(std::vector<double> v) {
  return [v](const std::vector<Ref>&, const Params&) {
    return std::vector<Ref>{Ref{Shape{static_cast<int64_t>(v.size())}, v}};
  };
}
const AddCase arange{{.op = "_arange", .params = {{"start", "1"}, {"stop", "3"}, {"step", "0.5"}, {"repeat", "2"}},
                      .shapes = {}, .reference = values_ref({1, 1, 1.5, 1.5, 2, 2, 2.5, 2.5})}};
const AddCase arange_stop{{.op = "arange", .params = {{"start", "4"}}, .shapes = {}, .reference = values_ref({0, 1, 2, 3}),
                           .dtypes = kFloatsAndInts, .label = "stop_only"}};
const AddCase arange_down{{.op = "_arange", .params = {{"start", "2"}, {"stop", "-1"}, {"step", "-1"}}, .shapes = {},
                           .reference = values_ref({2, 1, 0}), .label = "negative_step"}};
const AddCase linspace{{.op = "_linspace", .params = {{"start", "-1"}, {"stop", "1"}, {"num", "5"}}, .shapes = {},
                        .reference = values_ref({-1, -0.5, 0, 0.5, 1})}};
const AddCase linspace_open{{.op = "linspace", .params = {{"start", "0"}, {"stop", "1"}, {"num", "4"}, {"endpoint", "False"}},
                             .shapes = {}, .reference = values_ref({0, 0.25, 0.5, 0.75}), .label = "no_endpoint"}};
const AddCase eye{{.op = "_eye", .params = {{"N", "3"}, {"M", "4"}, {"k", "1"}}, .shapes = {},
                   .reference = [](const std::vector<Ref>&, const Params&) {
                     Ref r{Shape{3, 4}, std::vector<double>(12, 0.0)};
                     r.v[1] = r.v[6] = r.v[11] = 1;
                     return std::vector<Ref>{r};
                   },
                   .dtypes = kFloatsAndInts}};
const AddCase eye_below{{.op = "eye", .params = {{"N", "3"}, {"k", "-2"}}, .shapes = {},
                         .reference = [](const std::vector<Ref>&, const Params&) {
                           Ref r{Shape{3, 3}, std::vector<double>(9, 0.0)};
                           r.v[6] = 1;
                           return std::vector<Ref>{r};
                         },
                         .label = "below"}};

}  // namespace
}  // namespace sn::conformance
