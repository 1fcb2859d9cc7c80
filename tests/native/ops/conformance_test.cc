// The conformance harness: runs every entry of the *_conformance.cc files.
//
// Per entry and dtype: the forward result against the float64 reference
// (inputs rounded to the dtype first); every declared in-place pair run in
// place. Per entry, in float32: the gradient autograd computes, as the
// directional derivative <grad L, v> for L = sum_j <w_j, out_j> and random
// w, v, against the central difference of L on the float64 reference. In
// float64: the second directional derivative <H u, v> from a gradient built
// with create_graph against central differences of the float64 gradient, so
// every gradient op is itself checked as a differentiable op.
#include <gtest/gtest.h>

#include <cmath>
#include <random>
#include <optional>
#include <set>

#include "autograd/autograd.h"
#include "ndarray/builtin.h"
#include "ops/conformance.h"
#include "ops/imperative.h"

namespace sn::conformance {

std::vector<Case>& cases() {
  static std::vector<Case> c;
  return c;
}
std::map<std::string, std::string>& covered_elsewhere() {
  static std::map<std::string, std::string> m;
  return m;
}

Shape broadcast(const Shape& a, const Shape& b) {
  const int nd = std::max(a.ndim(), b.ndim());
  Shape out;
  for (int i = 0; i < nd; ++i) {
    int64_t da = i - (nd - a.ndim()) >= 0 ? a[i - (nd - a.ndim())] : 1;
    int64_t db = i - (nd - b.ndim()) >= 0 ? b[i - (nd - b.ndim())] : 1;
    out.push_back(da == 1 ? db : da);
  }
  return out;
}

// Index of `flat` (in `out`) mapped into a broadcast operand of shape `s`.
static int64_t broadcast_index(const Shape& out, const Shape& s, int64_t flat) {
  int64_t idx = 0, stride = 1;
  for (int d = out.ndim() - 1; d >= 0; --d) {
    int64_t coord = flat % out[d];
    flat /= out[d];
    int sd = d - (out.ndim() - s.ndim());
    if (sd < 0) continue;
    if (s[sd] != 1) idx += coord * stride;
    stride *= s[sd];
  }
  return idx;
}

Ref broadcast_binary(const Ref& a, const Ref& b, const std::function<double(double, double)>& f) {
  Ref r{broadcast(a.shape, b.shape), {}};
  r.v.resize(static_cast<size_t>(r.shape.size()));
  for (int64_t i = 0; i < r.size(); ++i)
    r.v[static_cast<size_t>(i)] = f(a.v[static_cast<size_t>(broadcast_index(r.shape, a.shape, i))],
                                    b.v[static_cast<size_t>(broadcast_index(r.shape, b.shape, i))]);
  return r;
}

Ref map(const Ref& a, const std::function<double(double)>& f) {
  Ref r = a;
  for (double& x : r.v) x = f(x);
  return r;
}

RefFn unary_ref(std::function<double(double)> f) {
  return [f](const std::vector<Ref>& in, const Params&) { return std::vector<Ref>{map(in[0], f)}; };
}
RefFn binary_ref(std::function<double(double, double)> f) {
  return [f](const std::vector<Ref>& in, const Params&) { return std::vector<Ref>{broadcast_binary(in[0], in[1], f)}; };
}
RefFn scalar_ref(std::function<double(double, double)> f) {
  return [f](const std::vector<Ref>& in, const Params& p) {
    const double s = std::stod(param(p, "scalar", "1"));
    return std::vector<Ref>{map(in[0], [&](double x) { return f(x, s); })};
  };
}

std::string param(const Params& p, const std::string& key, const std::string& dflt) {
  for (const auto& [k, v] : p)
    if (k == key) return v;
  return dflt;
}

namespace {

bool is_float(DType t) {
  return t == DType::kFloat32 || t == DType::kFloat64 || t == DType::kFloat16 || t == DType::kBFloat16;
}

// Forward tolerance per dtype: the entry's for float32, the output rounding for the 16-bit floats.
double forward_tol(const Case& c, DType t) {
  switch (t) {
    case DType::kFloat32: return c.rtol;
    case DType::kFloat64: return 1e-10;
    case DType::kFloat16: return 4e-3;
    case DType::kBFloat16: return 3e-2;
    default: return 0;  // integers: exact
  }
}

std::string describe(const Case& c) {
  std::string s = c.op;
  if (!c.label.empty()) s += " [" + c.label + "]";
  for (const auto& [k, v] : c.params) s += " " + k + "=" + v;
  return s;
}

OpAttrs attrs_of(const Case& c, std::optional<DType> dtype = std::nullopt) {
  std::vector<ParamKV> kv;
  for (const auto& [k, v] : c.params) kv.emplace_back(k, v);
  // Ops without inputs take their output dtype from a parameter.
  const OpDef& op = OpRegistry::get().at(c.op);
  if (dtype && c.shapes.empty() && op.schema->find("dtype") && param(c.params, "dtype", "").empty())
    kv.emplace_back("dtype", dtype_name(*dtype));
  return op.parse(kv);
}

// Ops without inputs have nothing to differentiate: recording leaves their outputs without history.
void expect_untracked(const Case& c) {
  InvokeFlags rec;
  rec.recording = true;
  for (const NDArray& out : invoke(attrs_of(c), {}, {}, rec)) EXPECT_FALSE(has_history(out)) << c.op;
}

// Random inputs in each input's domain, away from the entry's kinks.
std::vector<Ref> random_inputs(const Case& c, std::mt19937_64& rng, bool integers) {
  std::vector<Ref> in;
  for (size_t i = 0; i < c.shapes.size(); ++i) {
    auto [lo, hi] = c.domain.empty() ? std::pair{-1.0, 1.0} : c.domain[std::min(i, c.domain.size() - 1)];
    std::uniform_real_distribution<double> u(lo, hi);
    Ref r{c.shapes[i], std::vector<double>(static_cast<size_t>(c.shapes[i].size()))};
    const bool whole = integers || c.fixed(i);
    for (double& x : r.v) {
      for (int attempt = 0;; ++attempt) {
        x = whole ? std::round(u(rng)) : u(rng);
        bool near = false;
        for (double p : c.avoid_points) near |= std::abs(x - p) < c.avoid || (integers && x == p);
        if (!near || attempt > 1000) break;
      }
    }
    in.push_back(std::move(r));
  }
  if (c.prepare) c.prepare(in);
  return in;
}

NDArray to_array(const Ref& r, DType t) {
  NDArray a = NDArray::empty(r.shape, t, Device::cpu());
  copy_from_host(a, r.v.data(), DType::kFloat64, 0, r.size());
  return a;
}

Ref to_ref(const NDArray& a) {
  Ref r{a.shape(), std::vector<double>(static_cast<size_t>(a.size()))};
  copy_to_host(a, r.v.data(), DType::kFloat64, 0, a.size());
  return r;
}

// The values as stored in dtype t (what the kernel actually sees).
Ref rounded(const Ref& r, DType t) { return to_ref(to_array(r, t)); }

double dot(const Ref& a, const Ref& b) {
  double s = 0;
  for (size_t i = 0; i < a.v.size(); ++i) s += a.v[i] * b.v[i];
  return s;
}

void expect_close(const Ref& got, const Ref& want, double tol, const std::string& what) {
  ASSERT_EQ(got.shape, want.shape) << what;
  double worst = 0;
  int64_t worst_at = -1;
  for (int64_t i = 0; i < got.size(); ++i) {
    const double g = got.v[static_cast<size_t>(i)], w = want.v[static_cast<size_t>(i)];
    if (std::isnan(w) && std::isnan(g)) continue;
    const double err = std::abs(g - w) / std::max(std::abs(w), 1.0);
    if (!(err <= worst)) {
      worst = std::isnan(err) ? INFINITY : err;
      worst_at = i;
    }
  }
  EXPECT_LE(worst, tol) << what << ": element " << worst_at << " is " << got.v[static_cast<size_t>(worst_at)]
                        << ", reference " << want.v[static_cast<size_t>(worst_at)];
}

// L = sum_j <w_j, ref(x)_j> in float64, over the visible outputs.
double weighted_ref(const Case& c, const std::vector<Ref>& x, const std::vector<Ref>& w) {
  std::vector<Ref> out = c.reference(x, c.params);
  const OpAttrs attrs = attrs_of(c);
  const size_t visible = std::min(out.size(), static_cast<size_t>(attrs.op->num_visible(attrs)));
  double s = 0;
  for (size_t j = 0; j < visible; ++j) s += dot(out[j], w[j]);
  return s;
}

// x + eps * v.
std::vector<Ref> step(const std::vector<Ref>& x, const std::vector<Ref>& v, double eps) {
  std::vector<Ref> r = x;
  for (size_t i = 0; i < r.size(); ++i)
    for (size_t k = 0; k < r[i].v.size(); ++k) r[i].v[k] += eps * v[i].v[k];
  return r;
}

std::vector<Ref> random_like(const std::vector<Ref>& refs, std::mt19937_64& rng) {
  std::normal_distribution<double> n;
  std::vector<Ref> r = refs;
  for (Ref& x : r)
    for (double& e : x.v) e = n(rng);
  return r;
}

// A random direction in input space that leaves the entry's fixed inputs alone.
std::vector<Ref> random_direction(const Case& c, const std::vector<Ref>& x, std::mt19937_64& rng) {
  std::vector<Ref> v = random_like(x, rng);
  for (size_t i = 0; i < v.size(); ++i)
    if (c.fixed(i)) std::fill(v[i].v.begin(), v[i].v.end(), 0.0);
  return v;
}

// Gradients of L = sum_j <w_j, op(x)_j> with respect to every input, by autograd.
struct Recorded {
  std::vector<NDArray> xs, outs, grads;
};
Recorded autograd_grads(const OpAttrs& attrs, const std::vector<Ref>& x, const std::vector<Ref>& w, DType t,
                        bool create_graph) {
  Recorded r;
  for (const Ref& xi : x) {
    r.xs.push_back(to_array(xi, t));
    attach_grad(r.xs.back(), GradReq::kWrite);
  }
  InvokeFlags rec;
  rec.recording = true;
  rec.training = true;
  r.outs = invoke(attrs, r.xs, {}, rec);
  const int visible = attrs.op->num_visible(attrs);
  r.outs.resize(static_cast<size_t>(visible));
  std::vector<NDArray> heads;
  for (int j = 0; j < visible; ++j) heads.push_back(to_array(w[static_cast<size_t>(j)], r.outs[static_cast<size_t>(j)].dtype()));
  BackwardOptions opt;
  opt.create_graph = create_graph;
  opt.retain_graph = create_graph;
  r.grads = grad(r.outs, heads, r.xs, opt);
  return r;
}

double directional(const std::vector<NDArray>& grads, const std::vector<Ref>& v, double* abs_scale) {
  double s = 0;
  for (size_t i = 0; i < grads.size(); ++i) {
    if (grads[i].is_none()) continue;
    Ref g = to_ref(grads[i]);
    for (size_t k = 0; k < g.v.size(); ++k) {
      s += g.v[k] * v[i].v[k];
      if (abs_scale) *abs_scale += std::abs(g.v[k] * v[i].v[k]);
    }
  }
  return s;
}

class Conformance : public ::testing::TestWithParam<size_t> {};

// Inputs the op mutates, against the values the reference gives after the visible outputs (entry j = visible + k
// holds aux input k).
void expect_mutated_inputs(const Case& c, const OpAttrs& attrs, const std::vector<NDArray>& in,
                           const std::vector<Ref>& want, size_t visible, DType t, const std::string& what) {
  const std::vector<int>& aux = attrs.op->aux_inputs;
  ASSERT_LE(want.size(), visible + aux.size()) << "the reference gives more arrays than visible outputs and mutated "
                                                  "inputs";
  for (size_t j = visible; j < want.size(); ++j) {
    const auto i = static_cast<size_t>(aux[j - visible]);
    const DType it = c.in_dtype(i, t);
    // The state's own dtype sets the tolerance: a float32 master copy must not pass at float16's.
    expect_close(to_ref(in[i]), rounded(want[j], it), forward_tol(c, it),
                 what + "mutated input " + std::to_string(i) + " (" + attrs.op->input_name(static_cast<int>(i)) + ")");
  }
}

TEST_P(Conformance, ForwardMatchesFloat64Reference) {
  const Case& c = cases()[GetParam()];
  for (DType t : c.dtypes) {
    const OpAttrs attrs = attrs_of(c, t);
    SCOPED_TRACE(describe(c) + " dtype " + std::string(dtype_name(t)));
    std::mt19937_64 rng(std::hash<std::string>{}(describe(c)));
    std::vector<Ref> x = random_inputs(c, rng, !is_float(t));
    for (size_t i = 0; i < x.size(); ++i) x[i] = rounded(x[i], c.in_dtype(i, t));
    auto arrays = [&] {
      std::vector<NDArray> a;
      for (size_t i = 0; i < x.size(); ++i) a.push_back(to_array(x[i], c.in_dtype(i, t)));
      return a;
    };
    std::vector<NDArray> in = arrays();
    InvokeFlags mode;
    mode.training = c.train;
    std::vector<NDArray> out = invoke(attrs, in, {}, mode);
    std::vector<Ref> want = c.reference(x, c.params);
    const size_t visible = std::min(want.size(), static_cast<size_t>(attrs.op->num_visible(attrs)));
    ASSERT_GE(out.size(), visible);
    for (size_t j = 0; j < visible; ++j) {
      const DType ot = c.out_dtype(j, t);
      EXPECT_EQ(out[j].dtype(), ot) << "output " << j;
      expect_close(to_ref(out[j]), rounded(want[j], ot), std::max(forward_tol(c, t), forward_tol(c, ot)),
                   "output " + std::to_string(j));
    }
    expect_mutated_inputs(c, attrs, in, want, visible, t, "");
    // Declared in-place pairs, where the input can hold the output.
    for (auto [pi, po] : attrs.op->inplace) {
      const auto i = static_cast<size_t>(pi), o = static_cast<size_t>(po);
      if (i >= in.size() || o >= visible) continue;
      if (in[i].shape() != out[o].shape()) continue;
      if (c.out_dtype(o, t) != c.in_dtype(i, t)) continue;
      std::vector<NDArray> fresh = arrays();
      std::vector<NDArray> outs(o + 1);
      outs[o] = fresh[i];
      invoke(attrs, fresh, outs, mode);
      const std::string what = "in place: input " + std::to_string(pi) + " as output " + std::to_string(po);
      expect_close(to_ref(fresh[i]), rounded(want[o], c.out_dtype(o, t)), forward_tol(c, c.out_dtype(o, t)), what);
      expect_mutated_inputs(c, attrs, fresh, want, visible, t, what + ": ");
    }
  }
}

// Entries without a gradient to compare (BlockGrad: the identity with a declared zero gradient): autograd
// must give no gradient at all, first or second order.
void expect_no_gradient(const Case& c, bool create_graph) {
  const OpAttrs attrs = attrs_of(c);
  std::mt19937_64 rng(std::hash<std::string>{}(describe(c)));
  std::vector<Ref> x = random_inputs(c, rng, false);
  std::vector<Ref> w = random_like(c.reference(x, c.params), rng);
  Recorded r = autograd_grads(attrs, x, w, DType::kFloat32, create_graph);
  for (const NDArray& g : r.grads) EXPECT_TRUE(g.is_none()) << c.op << " declares a zero gradient";
}

TEST_P(Conformance, GradientMatchesDirectionalDifferences) {
  const Case& c = cases()[GetParam()];
  if (c.shapes.empty()) return expect_untracked(c);
  if (c.skip_gradient) return;
  if (!c.gradient) return expect_no_gradient(c, false);
  const OpAttrs attrs = attrs_of(c);
  ASSERT_TRUE(attrs.op->differentiable()) << c.op << " has no gradient but its entry checks one";
  SCOPED_TRACE(describe(c));
  std::mt19937_64 rng(std::hash<std::string>{}(describe(c)) + 1);
  std::vector<Ref> x = random_inputs(c, rng, false);
  for (Ref& xi : x) xi = rounded(xi, DType::kFloat32);
  std::vector<Ref> w = random_like(c.reference(x, c.params), rng);
  for (Ref& wi : w) wi = rounded(wi, DType::kFloat32);
  for (int trial = 0; trial < 3; ++trial) {
    std::vector<Ref> v = random_direction(c, x, rng);
    Recorded r = autograd_grads(attrs, x, w, DType::kFloat32, false);
    ASSERT_EQ(r.grads.size(), x.size());
    for (size_t i = 0; i < r.grads.size(); ++i) {
      if (!r.grads[i].is_none()) {
        EXPECT_EQ(r.grads[i].shape(), x[i].shape) << "gradient of input " << i;
      }
    }
    double scale = 0;
    const double analytic = directional(r.grads, v, &scale);
    const double eps = 1e-6;
    const double numeric = (weighted_ref(c, step(x, v, eps), w) - weighted_ref(c, step(x, v, -eps), w)) / (2 * eps);
    EXPECT_NEAR(analytic, numeric, c.grad_rtol * std::max({scale, std::abs(numeric), 1e-3}))
        << "trial " << trial << ": <grad, v> by autograd (float32) vs central differences (float64)";
  }
}

TEST_P(Conformance, SecondOrderGradientMatchesDifferences) {
  const Case& c = cases()[GetParam()];
  if (c.shapes.empty()) return expect_untracked(c);
  if (c.skip_gradient) return;
  if (!c.gradient) return expect_no_gradient(c, true);
  if (!c.first_order_only.empty()) GTEST_SKIP() << c.first_order_only;
  const OpAttrs attrs = attrs_of(c);
  SCOPED_TRACE(describe(c));
  std::mt19937_64 rng(std::hash<std::string>{}(describe(c)) + 2);
  std::vector<Ref> x = random_inputs(c, rng, false);
  std::vector<Ref> w = random_like(c.reference(x, c.params), rng);
  std::vector<Ref> u = random_direction(c, x, rng), v = random_direction(c, x, rng);
  // <H u, v> by differentiating <grad L, u> (recorded with create_graph).
  Recorded r = autograd_grads(attrs, x, w, DType::kFloat64, true);
  const OpAttrs mul = OpRegistry::get().at("elemwise_mul").defaults();
  const OpAttrs sum = OpRegistry::get().at("sum").defaults();
  const OpAttrs add = OpRegistry::get().at("elemwise_add").defaults();
  InvokeFlags rec;
  rec.recording = true;
  NDArray s;
  for (size_t i = 0; i < r.grads.size(); ++i) {
    if (r.grads[i].is_none() || !has_history(r.grads[i])) continue;
    NDArray ui = to_array(u[i], DType::kFloat64);
    NDArray prod = invoke(mul, std::vector<NDArray>{r.grads[i], ui}, {}, rec)[0];
    NDArray term = invoke(sum, std::vector<NDArray>{prod}, {}, rec)[0];
    s = s.is_none() ? term : invoke(add, std::vector<NDArray>{s, term}, {}, rec)[0];
  }
  double analytic = 0, scale = 0;
  if (!s.is_none()) {
    std::vector<NDArray> hu = grad(std::vector<NDArray>{s}, {}, r.xs, BackwardOptions{});
    analytic = directional(hu, v, &scale);
  }
  const double eps = 1e-5;
  auto gu = [&](const std::vector<Ref>& at) {
    Recorded g = autograd_grads(attrs, at, w, DType::kFloat64, false);
    return directional(g.grads, u, nullptr);
  };
  const double numeric = (gu(step(x, v, eps)) - gu(step(x, v, -eps))) / (2 * eps);
  EXPECT_NEAR(analytic, numeric, 1e-4 * std::max({scale, std::abs(numeric), 1e-3}))
      << "<H u, v> by autograd with create_graph vs central differences of the gradient (float64)";
}

std::string case_name(const ::testing::TestParamInfo<size_t>& info) {
  const Case& c = cases()[info.param];
  std::string name = c.op + (c.label.empty() ? "" : "_" + c.label);
  for (char& ch : name)
    if (!std::isalnum(static_cast<unsigned char>(ch))) ch = '_';
  return name + "_" + std::to_string(info.param);
}

std::vector<size_t> case_indices() {
  std::vector<size_t> idx(cases().size());
  for (size_t i = 0; i < idx.size(); ++i) idx[i] = i;
  return idx;
}

INSTANTIATE_TEST_SUITE_P(Ops, Conformance, ::testing::ValuesIn(case_indices()), case_name);

TEST(ConformanceCoverage, EveryRegisteredOpHasAnEntry) {
  std::set<std::string> covered;
  for (const Case& c : cases()) covered.insert(OpRegistry::get().at(c.op).name);
  for (const OpDef* op : OpRegistry::get().all()) {
    const bool elsewhere = covered_elsewhere().count(op->name) > 0;
    EXPECT_TRUE(covered.count(op->name) || elsewhere) << op->name << " is registered but has no conformance entry";
    if (elsewhere) {
      EXPECT_FALSE(covered_elsewhere().at(op->name).empty());
    }
  }
}

TEST(ConformanceCoverage, EveryDifferentiableOpChecksItsGradient) {
  std::set<std::string> checked;
  for (const Case& c : cases())
    if (c.gradient && !c.skip_gradient) checked.insert(OpRegistry::get().at(c.op).name);
  for (const OpDef* op : OpRegistry::get().all()) {
    if (!op->gradient || covered_elsewhere().count(op->name)) continue;
    EXPECT_TRUE(checked.count(op->name)) << op->name << " has a gradient that no conformance entry checks";
  }
}

}  // namespace
}  // namespace sn::conformance
