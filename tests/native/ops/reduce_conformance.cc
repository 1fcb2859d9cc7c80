// Conformance entries: prod, max, min, nansum, nanprod, norm, argmax, argmin, argmax_channel and _nan_fill
// (sum and mean live in tensor_conformance.cc).
#include <cmath>
#include <limits>
#include <optional>

#include "core/param.h"
#include "ops/conformance.h"

namespace sn::conformance {
namespace {

bool bool_param(const Params& p, const std::string& key) { return param(p, key, "False") == "True"; }

// Which axes of a rank-nd input are reduced (MXNet: None or () reduces all; exclude inverts).
std::vector<bool> reduced(const Params& p, int nd, const std::string& key = "axis") {
  const std::string text = param(p, key, "None");
  std::optional<Shape> axis;
  if (text != "None") axis = detail::parse_int_tuple(text);
  const bool exclude = bool_param(p, "exclude");
  std::vector<bool> red(static_cast<size_t>(nd), !axis || axis->ndim() == 0 ? true : exclude);
  if (axis && axis->ndim() > 0)
    for (int64_t a : axis->dims()) red[static_cast<size_t>(a < 0 ? a + nd : a)] = !exclude;
  return red;
}

// Groups the input's elements by output position (row-major over the kept axes), in input order.
Ref group_reduce(const Ref& x, const std::vector<bool>& red, bool keepdims,
                 const std::function<double(const std::vector<double>&)>& f) {
  const int nd = x.shape.ndim();
  Shape out;
  std::vector<int64_t> kept_dims;
  for (int i = 0; i < nd; ++i) {
    if (!red[static_cast<size_t>(i)]) out.push_back(x.shape[i]), kept_dims.push_back(x.shape[i]);
    else if (keepdims) out.push_back(1);
  }
  if (out.ndim() == 0) out.push_back(1);
  std::vector<std::vector<double>> groups(static_cast<size_t>(out.size()));
  for (int64_t k = 0; k < x.size(); ++k) {
    int64_t rem = k, o = 0, stride = 1;
    for (int d = nd - 1; d >= 0; --d) {
      const int64_t c = rem % x.shape[d];
      rem /= x.shape[d];
      if (!red[static_cast<size_t>(d)]) {
        o += c * stride;
        stride *= x.shape[d];
      }
    }
    groups[static_cast<size_t>(o)].push_back(x.v[static_cast<size_t>(k)]);
  }
  Ref r{out, {}};
  for (const auto& g : groups) r.v.push_back(f(g));
  return r;
}

using GroupFn = std::function<double(const std::vector<double>&)>;
RefFn reduce_ref(GroupFn f) {
  return [f](const std::vector<Ref>& in, const Params& p) {
    return std::vector<Ref>{group_reduce(in[0], reduced(p, in[0].shape.ndim()), bool_param(p, "keepdims"), f)};
  };
}

const GroupFn kProd = [](const std::vector<double>& g) {
  double r = 1;
  for (double v : g) r *= v;
  return r;
};
const GroupFn kMax = [](const std::vector<double>& g) {
  double r = -INFINITY;
  for (double v : g) r = std::isnan(v) || v > r ? v : r;
  return r;
};
const GroupFn kMin = [](const std::vector<double>& g) {
  double r = INFINITY;
  for (double v : g) r = std::isnan(v) || v < r ? v : r;
  return r;
};
const GroupFn kNanSum = [](const std::vector<double>& g) {
  double r = 0;
  for (double v : g) r += std::isnan(v) ? 0 : v;
  return r;
};
const GroupFn kNanProd = [](const std::vector<double>& g) {
  double r = 1;
  for (double v : g) r *= std::isnan(v) ? 1 : v;
  return r;
};

// Every 4th element NaN (nansum, nanprod, _nan_fill).
void sprinkle_nan(std::vector<Ref>& in) {
  for (size_t k = 0; k < in[0].v.size(); k += 4) in[0].v[k] = std::numeric_limits<double>::quiet_NaN();
}

// Shapes: (3, 4, 5) reduced last (contiguous rows), first (inner columns), middle, (0, 2) (general path), all.
struct Variant {
  Params params;
  const char* label;
};
const std::vector<Variant> kVariants = {
    {{}, "all"},
    {{{"axis", "(-1,)"}}, "last"},
    {{{"axis", "(0,)"}, {"keepdims", "True"}}, "first_keepdims"},
    {{{"axis", "(1,)"}}, "middle"},
    {{{"axis", "(0, 2)"}}, "noncontiguous"},
    {{{"axis", "(1,)"}, {"exclude", "True"}, {"keepdims", "True"}}, "exclude_keepdims"},
    {{{"axis", "(0, 1)"}, {"exclude", "True"}}, "exclude_last"},
};

int add_variants(const std::string& op, RefFn ref, std::vector<DType> dtypes, std::function<void(Case&)> tune = {}) {
  for (const Variant& v : kVariants) {
    Case c{.op = op, .params = v.params, .shapes = {{3, 4, 5}}, .reference = ref, .dtypes = dtypes, .label = v.label};
    if (tune) tune(c);
    cases().push_back(std::move(c));
  }
  return 0;
}

// prod: inputs in [0.5, 1.5] keep the products of up to 60 elements well scaled (and away from zero, where the
// second-order check of the zero-exact gradient does not apply: see reduce_test.cc for zeros).
[[maybe_unused]] const int prod_cases = add_variants("prod", reduce_ref(kProd), kFloats, [](Case& c) {
  c.domain = {{0.5, 1.5}};
  if (c.label == "all") c.shapes = {{2, 3, 2}};
  c.rtol = 2e-5;
});
const AddCase prod_ints{{.op = "prod", .params = {{"axis", "(1,)"}}, .shapes = {{3, 4, 2}}, .domain = {{-2, 2}},
                         .reference = reduce_ref(kProd), .dtypes = {DType::kInt32, DType::kInt64},
                         .label = "ints"}};
const AddCase prod_negative{{.op = "prod", .params = {{"axis", "(0,)"}}, .shapes = {{4, 3}}, .domain = {{-1.5, -0.5}},
                             .reference = reduce_ref(kProd), .label = "negative"}};

[[maybe_unused]] const int max_cases = add_variants("max", reduce_ref(kMax), kFloatsAndInts);
[[maybe_unused]] const int min_cases = add_variants("min", reduce_ref(kMin), kFloatsAndInts);
const AddCase max_alias{{.op = "max_axis", .params = {{"axis", "1"}}, .shapes = {{4, 6}}, .reference = reduce_ref(kMax),
                         .label = "alias"}};
const AddCase min_alias{{.op = "min_axis", .params = {{"axis", "0"}}, .shapes = {{4, 6}}, .reference = reduce_ref(kMin),
                         .label = "alias"}};
// Long rows and columns reach the vectorised and split paths.
const AddCase max_long{{.op = "max", .shapes = {{3, 5000}}, .reference = reduce_ref(kMax), .label = "long_all"}};
const AddCase min_long{{.op = "min", .params = {{"axis", "(0,)"}}, .shapes = {{3000, 7}}, .reference = reduce_ref(kMin),
                        .label = "long_columns"}};

[[maybe_unused]] const int nansum_cases = add_variants("nansum", reduce_ref(kNanSum), kFloats, [](Case& c) { c.prepare = sprinkle_nan; });
[[maybe_unused]] const int nanprod_cases = add_variants("nanprod", reduce_ref(kNanProd), kFloats, [](Case& c) {
  c.prepare = sprinkle_nan;
  c.domain = {{0.5, 1.5}};
  c.rtol = 2e-5;
});

RefFn norm_ref() {
  return [](const std::vector<Ref>& in, const Params& p) {
    const bool l1 = param(p, "ord", "2") == "1";
    return std::vector<Ref>{group_reduce(in[0], reduced(p, in[0].shape.ndim()), bool_param(p, "keepdims"),
                                         [l1](const std::vector<double>& g) {
                                           double s = 0;
                                           for (double v : g) s += l1 ? std::abs(v) : v * v;
                                           return l1 ? s : std::sqrt(s);
                                         })};
  };
}
const AddCase norm_all{{.op = "norm", .shapes = {{3, 4, 5}}, .reference = norm_ref(), .label = "all"}};
const AddCase norm_all_keep{{.op = "norm", .params = {{"keepdims", "True"}}, .shapes = {{3, 4}}, .reference = norm_ref(),
                             .label = "all_keepdims"}};
const AddCase norm_last{{.op = "norm", .params = {{"axis", "(-1,)"}}, .shapes = {{3, 4, 5}}, .reference = norm_ref(),
                         .label = "last"}};
const AddCase norm_first{{.op = "norm", .params = {{"axis", "(0,)"}, {"keepdims", "True"}}, .shapes = {{3, 4, 5}},
                          .reference = norm_ref(), .label = "first_keepdims"}};
const AddCase norm_two{{.op = "norm", .params = {{"axis", "(0, 2)"}}, .shapes = {{3, 4, 5}}, .reference = norm_ref(),
                        .label = "two_axes"}};
// ord 1 has a kink at 0.
const AddCase norm_l1{{.op = "norm", .params = {{"ord", "1"}}, .shapes = {{3, 4}}, .reference = norm_ref(),
                       .avoid_points = {0}, .avoid = 0.02, .label = "l1_all"}};
const AddCase norm_l1_axis{{.op = "norm", .params = {{"ord", "1"}, {"axis", "(1,)"}, {"keepdims", "True"}},
                            .shapes = {{3, 4, 5}}, .reference = norm_ref(), .avoid_points = {0}, .avoid = 0.02,
                            .label = "l1_axis"}};

// argmax / argmin: float32 indices, the first of ties, the first NaN.
RefFn search_ref(bool max, bool channel = false) {
  return [max, channel](const std::vector<Ref>& in, const Params& p) {
    const int nd = in[0].shape.ndim();
    std::vector<bool> red(static_cast<size_t>(nd), true);
    bool keepdims = bool_param(p, "keepdims");
    const std::string axis = channel ? "-1" : param(p, "axis", "None");
    if (axis != "None") {
      const int64_t a = std::stoll(axis);
      red.assign(static_cast<size_t>(nd), false);
      red[static_cast<size_t>(a < 0 ? a + nd : a)] = true;
    }
    if (channel) keepdims = false;
    return std::vector<Ref>{group_reduce(in[0], red, keepdims, [max](const std::vector<double>& g) {
      size_t best = 0;
      for (size_t i = 0; i < g.size(); ++i) {
        if (std::isnan(g[i])) return static_cast<double>(i);
        if (max ? g[i] > g[best] : g[i] < g[best]) best = i;
      }
      return static_cast<double>(best);
    })};
  };
}
void nan_here_and_there(std::vector<Ref>& in) {
  in[0].v[3] = in[0].v[7] = in[0].v[20] = std::numeric_limits<double>::quiet_NaN();
}
Case search_case(const std::string& op, Params params, Shape shape, const char* label, bool max) {
  return {.op = op, .params = std::move(params), .shapes = {std::move(shape)}, .domain = {{-3, 3}},
          .reference = search_ref(max), .dtypes = kFloatsAndInts, .gradient = false, .label = label,
          .out_dtypes = {static_cast<int>(DType::kFloat32)}};
}
const AddCase argmax_flat{search_case("argmax", {}, {3, 4, 5}, "flattened", true)};
const AddCase argmax_flat_keep{search_case("argmax", {{"keepdims", "True"}}, {3, 4}, "flattened_keepdims", true)};
const AddCase argmax_last{search_case("argmax", {{"axis", "-1"}}, {3, 4, 5}, "last", true)};
const AddCase argmax_first{search_case("argmax", {{"axis", "0"}, {"keepdims", "True"}}, {3, 4, 5}, "first", true)};
const AddCase argmax_mid{search_case("argmax", {{"axis", "1"}}, {3, 4, 5}, "middle", true)};
const AddCase argmin_flat{search_case("argmin", {}, {3, 4, 5}, "flattened", false)};
const AddCase argmin_last{search_case("argmin", {{"axis", "-1"}, {"keepdims", "True"}}, {3, 4, 5}, "last", false)};
const AddCase argmin_first{search_case("argmin", {{"axis", "0"}}, {3, 4, 5}, "first", false)};
const AddCase argmax_long{search_case("argmax", {{"axis", "0"}}, {4000, 3}, "long_columns", true)};
const AddCase argmin_long{search_case("argmin", {}, {20000}, "long_flat", false)};
const AddCase argmax_nan = [] {
  Case c = search_case("argmax", {{"axis", "1"}}, {3, 4, 5}, "nan", true);
  c.dtypes = kFloats;
  c.prepare = nan_here_and_there;
  return AddCase(std::move(c));
}();
const AddCase argmin_nan = [] {
  Case c = search_case("argmin", {}, {3, 4, 5}, "nan_flattened", false);
  c.dtypes = kFloats;
  c.prepare = nan_here_and_there;
  return AddCase(std::move(c));
}();
const AddCase argmax_channel{{.op = "argmax_channel", .shapes = {{4, 6}}, .domain = {{-3, 3}},
                              .reference = search_ref(true, true), .dtypes = kFloatsAndInts, .gradient = false,
                              .out_dtypes = {static_cast<int>(DType::kFloat32)}}};
const AddCase argmax_channel_3d{{.op = "argmax_channel", .shapes = {{2, 3, 5}}, .reference = search_ref(true, true),
                                 .gradient = false, .label = "rank3", .out_dtypes = {static_cast<int>(DType::kFloat32)}}};

const AddCase nan_fill{{.op = "_nan_fill", .params = {{"value", "1"}}, .shapes = {{3, 5}},
                        .reference = [](const std::vector<Ref>& in, const Params&) {
                          return std::vector<Ref>{map(in[0], [](double v) { return std::isnan(v) ? 1.0 : v; })};
                        },
                        .prepare = sprinkle_nan}};

}  // namespace
}  // namespace sn::conformance
