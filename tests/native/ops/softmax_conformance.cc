// Conformance entries: softmax, log_softmax, softmin and their backward ops, on the last and inner axes, with
// temperature.
#include <algorithm>
#include <cmath>

#include "ops/conformance.h"

namespace sn::conformance {
namespace {

enum class Kind { kSoftmax, kLogSoftmax, kSoftmin };

struct Along {
  int64_t outer, n, inner;
};
Along along(const Shape& s, const Params& p) {
  int64_t axis = std::stoll(param(p, "axis", "-1"));
  if (axis < 0) axis += s.ndim();
  const int a = static_cast<int>(axis);
  return {s.size(0, a), s[a], s.size(a + 1, s.ndim())};
}
double temperature(const Params& p) {
  const std::string t = param(p, "temperature", "None");
  return t == "None" ? 1.0 : std::stod(t);
}

// f applied to each line along the axis (values gathered, results scattered back).
Ref per_line(const Ref& x, const Params& p, const std::function<std::vector<double>(std::vector<double>)>& f) {
  const Along a = along(x.shape, p);
  Ref r = x;
  for (int64_t o = 0; o < a.outer; ++o)
    for (int64_t i = 0; i < a.inner; ++i) {
      std::vector<double> line(static_cast<size_t>(a.n));
      for (int64_t k = 0; k < a.n; ++k) line[static_cast<size_t>(k)] = x.v[static_cast<size_t>((o * a.n + k) * a.inner + i)];
      line = f(std::move(line));
      for (int64_t k = 0; k < a.n; ++k) r.v[static_cast<size_t>((o * a.n + k) * a.inner + i)] = line[static_cast<size_t>(k)];
    }
  return r;
}

std::vector<double> softmax_line(std::vector<double> z, Kind kind, double t) {
  double m = -INFINITY;
  for (double& v : z) {
    v = (kind == Kind::kSoftmin ? -v : v) / t;
    m = std::max(m, v);
  }
  double s = 0;
  for (double v : z) s += std::exp(v - m);
  for (double& v : z) v = kind == Kind::kLogSoftmax ? v - m - std::log(s) : std::exp(v - m) / s;
  return z;
}

RefFn softmax_ref(Kind kind) {
  return [kind](const std::vector<Ref>& in, const Params& p) {
    const double t = temperature(p);
    return std::vector<Ref>{per_line(in[0], p, [&](std::vector<double> z) { return softmax_line(std::move(z), kind, t); })};
  };
}

struct Variant {
  Params params;
  Shape shape;
  const char* label;
};
const std::vector<Variant> kVariants = {
    {{}, {3, 4, 5}, "last"},
    {{{"axis", "1"}}, {3, 4, 5}, "inner"},
    {{{"axis", "0"}}, {4, 6}, "first"},
    {{{"axis", "-1"}, {"temperature", "2.5"}}, {3, 7}, "temperature"},
    {{{"axis", "-2"}, {"temperature", "0.5"}}, {2, 5, 3}, "inner_temperature"},
    {{{"axis", "1"}}, {2, 3, 300}, "inner_wide"},   // more columns than one chunk
    {{}, {2, 2000}, "long_row"},
    {{{"temperature", "-2"}}, {3, 4}, "negative_temperature"},
};

int add_variants(const std::string& op, Kind kind) {
  for (const Variant& v : kVariants) {
    cases().push_back({.op = op, .params = v.params, .shapes = {v.shape}, .domain = {{-4, 4}},
                       .reference = softmax_ref(kind), .label = v.label});
  }
  return 0;
}
[[maybe_unused]] const int softmax_cases = add_variants("softmax", Kind::kSoftmax);
[[maybe_unused]] const int log_softmax_cases = add_variants("log_softmax", Kind::kLogSoftmax);
[[maybe_unused]] const int softmin_cases = add_variants("softmin", Kind::kSoftmin);

// Large inputs: max subtraction keeps e^x finite.
const AddCase softmax_large{{.op = "softmax", .shapes = {{3, 8}}, .domain = {{500, 700}},
                             .reference = softmax_ref(Kind::kSoftmax), .dtypes = {DType::kFloat32, DType::kFloat64},
                             .label = "large_values"}};
const AddCase log_softmax_large{{.op = "log_softmax", .params = {{"axis", "0"}}, .shapes = {{8, 3}},
                                 .domain = {{-700, -500}}, .reference = softmax_ref(Kind::kLogSoftmax),
                                 .dtypes = {DType::kFloat32, DType::kFloat64}, .rtol = 1e-4, .label = "large_values"}};

// Backward ops: inputs (ograd, output), s = sign / temperature.
//   softmax / softmin: s y (g - sum(g y));  log_softmax: s (g - e^y sum(g)).
RefFn backward_ref(Kind kind) {
  return [kind](const std::vector<Ref>& in, const Params& p) {
    const double s = (kind == Kind::kSoftmin ? -1.0 : 1.0) / temperature(p);
    const Along a = along(in[0].shape, p);
    Ref r = in[0];
    for (int64_t o = 0; o < a.outer; ++o)
      for (int64_t i = 0; i < a.inner; ++i) {
        auto at = [&](int64_t k) { return static_cast<size_t>((o * a.n + k) * a.inner + i); };
        double acc = 0;
        for (int64_t k = 0; k < a.n; ++k) acc += kind == Kind::kLogSoftmax ? in[0].v[at(k)] : in[0].v[at(k)] * in[1].v[at(k)];
        for (int64_t k = 0; k < a.n; ++k) {
          const double g = in[0].v[at(k)], y = in[1].v[at(k)];
          r.v[at(k)] = kind == Kind::kLogSoftmax ? s * (g - std::exp(y) * acc) : s * y * (g - acc);
        }
      }
    return std::vector<Ref>{r};
  };
}
const AddCase bw_softmax{{.op = "_backward_softmax", .shapes = {{3, 4, 5}, {3, 4, 5}}, .domain = {{-1, 1}, {0, 1}},
                          .reference = backward_ref(Kind::kSoftmax), .label = "last"}};
const AddCase bw_softmax_inner{{.op = "_backward_softmax", .params = {{"axis", "1"}, {"temperature", "2"}},
                                .shapes = {{3, 4, 5}, {3, 4, 5}}, .domain = {{-1, 1}, {0, 1}},
                                .reference = backward_ref(Kind::kSoftmax), .label = "inner_temperature"}};
const AddCase bw_softmin{{.op = "_backward_softmin", .params = {{"axis", "0"}}, .shapes = {{4, 6}, {4, 6}},
                          .domain = {{-1, 1}, {0, 1}}, .reference = backward_ref(Kind::kSoftmin), .label = "first"}};
const AddCase bw_softmin_t{{.op = "_backward_softmin", .params = {{"temperature", "0.5"}}, .shapes = {{3, 7}, {3, 7}},
                            .domain = {{-1, 1}, {0, 1}}, .reference = backward_ref(Kind::kSoftmin),
                            .label = "temperature"}};
const AddCase bw_log_softmax{{.op = "_backward_log_softmax", .shapes = {{3, 4, 5}, {3, 4, 5}},
                              .domain = {{-1, 1}, {-3, 0}}, .reference = backward_ref(Kind::kLogSoftmax),
                              .label = "last"}};
const AddCase bw_log_softmax_inner{{.op = "_backward_log_softmax", .params = {{"axis", "-2"}, {"temperature", "3"}},
                                    .shapes = {{2, 5, 3}, {2, 5, 3}}, .domain = {{-1, 1}, {-3, 0}},
                                    .reference = backward_ref(Kind::kLogSoftmax), .label = "inner_temperature"}};


// use_length: each line uses its first length[line] elements (length has data's shape without the axis) and is 0
// after them. Lengths are fixed whole numbers from 0 to n.
int64_t line_length(const Ref& len, int64_t line, int64_t n) {
  return std::clamp<int64_t>(static_cast<int64_t>(len.v[static_cast<size_t>(line)]), 0, n);
}
RefFn masked_ref(Kind kind) {
  return [kind](const std::vector<Ref>& in, const Params& p) {
    const double t = temperature(p);
    const Along a = along(in[0].shape, p);
    Ref r = in[0];
    for (int64_t o = 0; o < a.outer; ++o)
      for (int64_t i = 0; i < a.inner; ++i) {
        const int64_t l = line_length(in[1], o * a.inner + i, a.n);
        std::vector<double> line;
        for (int64_t k = 0; k < l; ++k) line.push_back(in[0].v[static_cast<size_t>((o * a.n + k) * a.inner + i)]);
        if (l > 0) line = softmax_line(std::move(line), kind, t);
        for (int64_t k = 0; k < a.n; ++k)
          r.v[static_cast<size_t>((o * a.n + k) * a.inner + i)] = k < l ? line[static_cast<size_t>(k)] : 0.0;
      }
    return std::vector<Ref>{r};
  };
}
const AddCase softmax_length{{.op = "softmax", .params = {{"use_length", "True"}}, .shapes = {{3, 5}, {3}},
                              .domain = {{-3, 3}, {0, 5}}, .reference = masked_ref(Kind::kSoftmax), .label = "length",
                              .fixed_inputs = {1}}};
const AddCase softmax_length_inner{{.op = "softmax", .params = {{"use_length", "True"}, {"axis", "1"}, {"temperature", "2"}},
                                    .shapes = {{2, 4, 3}, {2, 3}}, .domain = {{-3, 3}, {1, 4}},
                                    .reference = masked_ref(Kind::kSoftmax), .label = "length_inner", .fixed_inputs = {1}}};
const AddCase log_softmax_length{{.op = "log_softmax", .params = {{"use_length", "True"}}, .shapes = {{3, 5}, {3}},
                                  .domain = {{-3, 3}, {1, 5}}, .reference = masked_ref(Kind::kLogSoftmax),
                                  .label = "length", .fixed_inputs = {1}}};
const AddCase softmin_length{{.op = "softmin", .params = {{"use_length", "True"}, {"axis", "0"}}, .shapes = {{4, 3}, {3}},
                              .domain = {{-3, 3}, {0, 4}}, .reference = masked_ref(Kind::kSoftmin), .label = "length",
                              .fixed_inputs = {1}}};

// Backward ops with a length: sums over the first len elements, 0 after them.
RefFn masked_backward_ref(Kind kind) {
  return [kind](const std::vector<Ref>& in, const Params& p) {
    const double s = (kind == Kind::kSoftmin ? -1.0 : 1.0) / temperature(p);
    const Along a = along(in[0].shape, p);
    Ref r = in[0];
    for (int64_t o = 0; o < a.outer; ++o)
      for (int64_t i = 0; i < a.inner; ++i) {
        auto at = [&](int64_t k) { return static_cast<size_t>((o * a.n + k) * a.inner + i); };
        const int64_t l = line_length(in[2], o * a.inner + i, a.n);
        double acc = 0;
        for (int64_t k = 0; k < l; ++k) acc += kind == Kind::kLogSoftmax ? in[0].v[at(k)] : in[0].v[at(k)] * in[1].v[at(k)];
        for (int64_t k = 0; k < a.n; ++k) {
          const double g = in[0].v[at(k)], y = in[1].v[at(k)];
          r.v[at(k)] = k >= l ? 0.0 : kind == Kind::kLogSoftmax ? s * (g - std::exp(y) * acc) : s * y * (g - acc);
        }
      }
    return std::vector<Ref>{r};
  };
}
const AddCase bw_softmax_length{{.op = "_backward_softmax", .params = {{"use_length", "True"}},
                                 .shapes = {{3, 5}, {3, 5}, {3}}, .domain = {{-1, 1}, {0, 1}, {0, 5}},
                                 .reference = masked_backward_ref(Kind::kSoftmax), .label = "length", .fixed_inputs = {2}}};
const AddCase bw_softmin_length{{.op = "_backward_softmin", .params = {{"use_length", "True"}, {"axis", "0"}},
                                 .shapes = {{4, 3}, {4, 3}, {3}}, .domain = {{-1, 1}, {0, 1}, {1, 4}},
                                 .reference = masked_backward_ref(Kind::kSoftmin), .label = "length", .fixed_inputs = {2}}};
const AddCase bw_log_softmax_length{{.op = "_backward_log_softmax", .params = {{"use_length", "True"}},
                                     .shapes = {{3, 5}, {3, 5}, {3}}, .domain = {{-1, 1}, {-3, 0}, {0, 5}},
                                     .reference = masked_backward_ref(Kind::kLogSoftmax), .label = "length",
                                     .fixed_inputs = {2}}};
const AddCase length_mask{{.op = "_length_mask", .params = {{"axis", "1"}}, .shapes = {{2, 4, 3}, {2, 3}},
                           .domain = {{-1, 1}, {0, 4}},
                           .reference = [](const std::vector<Ref>& in, const Params&) {
                             Ref r = in[0];
                             for (int64_t o = 0; o < 2; ++o)
                               for (int64_t k = 0; k < 4; ++k)
                                 for (int64_t i = 0; i < 3; ++i)
                                   r.v[static_cast<size_t>((o * 4 + k) * 3 + i)] = k < line_length(in[1], o * 3 + i, 4) ? 1 : 0;
                             return std::vector<Ref>{r};
                           },
                           .dtypes = kFloatsAndInts, .gradient = false, .fixed_inputs = {1}}};
}  // namespace
}  // namespace sn::conformance
