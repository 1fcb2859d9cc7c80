// The samplers: checked by statistics and reproducibility rather than a reference.
#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <numbers>
#include <set>

#include "autograd/autograd.h"
#include "core/error.h"
#include "core/threading.h"
#include "ndarray/builtin.h"
#include "ops/conformance.h"
#include "ops/imperative.h"
#include "test_arrays.h"

namespace sn {
namespace {

[[maybe_unused]] const bool kRegistered = [] {
  conformance::covered_elsewhere()["_random_uniform"] = "random_test.cc: moments, bounds, seeding";
  conformance::covered_elsewhere()["_random_normal"] = "random_test.cc: moments, seeding";
  for (const char* op : {"_random_exponential", "_random_gamma", "_random_poisson", "_random_negative_binomial",
                         "_random_generalized_negative_binomial", "_random_bernoulli", "_random_randint",
                         "_sample_uniform", "_sample_normal", "_sample_gamma", "_sample_exponential", "_sample_poisson",
                         "_sample_negative_binomial", "_sample_generalized_negative_binomial"})
    conformance::covered_elsewhere()[op] = "random_test.cc: moments, distribution points, supports, seeding, threads";
  conformance::covered_elsewhere()["_sample_multinomial"] =
      "random_test.cc: frequencies, log-probabilities and their gradient (its backward ops have entries there)";
  conformance::covered_elsewhere()["_shuffle"] = "random_test.cc: a permutation of the rows, seeding";
  return true;
}();

NDArray sample(const char* op, std::vector<ParamKV> params) {
  OpAttrs attrs = OpRegistry::get().at(op).parse(params);
  return invoke(attrs, {}, {}, InvokeFlags{})[0];
}

std::vector<double> values(const NDArray& a) { return testing::values<double>(a); }

struct Moments {
  double mean = 0, var = 0, min = INFINITY, max = -INFINITY;
};
Moments moments(const std::vector<double>& v) {
  Moments m;
  for (double x : v) {
    m.mean += x;
    m.min = std::min(m.min, x);
    m.max = std::max(m.max, x);
  }
  m.mean /= static_cast<double>(v.size());
  for (double x : v) m.var += (x - m.mean) * (x - m.mean);
  m.var /= static_cast<double>(v.size() - 1);
  return m;
}

constexpr int64_t kN = 200000;

TEST(Random, UniformHasTheMomentsAndBoundsOfItsRange) {
  set_random_seed(1);
  for (const char* dtype : {"float32", "float64", "float16"}) {
    SCOPED_TRACE(dtype);
    NDArray a = sample("uniform", {{"low", "-2"}, {"high", "3"}, {"shape", "(200000,)"}, {"dtype", dtype}});
    EXPECT_EQ(dtype_name(a.dtype()), std::string(dtype));
    Moments m = moments(values(a));
    // Mean 0.5, variance 25/12; 6 standard errors.
    EXPECT_NEAR(m.mean, 0.5, 6 * std::sqrt(25.0 / 12 / kN));
    EXPECT_NEAR(m.var, 25.0 / 12, 0.03);
    EXPECT_GE(m.min, -2.0);
    EXPECT_LT(m.max, 3.0);
    EXPECT_LT(m.min, -1.99);
    EXPECT_GT(m.max, 2.99);
  }
}

TEST(Random, NormalHasTheMomentsOfItsParameters) {
  set_random_seed(2);
  for (const char* dtype : {"float32", "float64"}) {
    SCOPED_TRACE(dtype);
    NDArray a = sample("normal", {{"loc", "1.5"}, {"scale", "2"}, {"shape", "(400, 500)"}, {"dtype", dtype}});
    std::vector<double> v = values(a);
    Moments m = moments(v);
    EXPECT_NEAR(m.mean, 1.5, 6 * 2 / std::sqrt(double(kN)));
    EXPECT_NEAR(m.var, 4.0, 0.1);
    // Tails: P(|z| > 2) = 4.55%.
    int64_t tail = 0;
    for (double x : v) tail += std::abs(x - 1.5) > 4;
    EXPECT_NEAR(static_cast<double>(tail) / kN, 0.0455, 0.004);
  }
}

TEST(Random, SeedReproducesEverySamplerThatFollows) {
  auto draw = [] {
    std::vector<double> u = values(sample("uniform", {{"shape", "(1000,)"}}));
    std::vector<double> n = values(sample("normal", {{"shape", "(3, 7)"}}));
    u.insert(u.end(), n.begin(), n.end());
    return u;
  };
  set_random_seed(42);
  auto first = draw();
  set_random_seed(42);
  auto again = draw();
  EXPECT_EQ(first, again);
  set_random_seed(43);
  EXPECT_NE(draw(), first);
  // Consecutive calls without reseeding differ.
  set_random_seed(42);
  auto a = values(sample("uniform", {{"shape", "(100,)"}}));
  auto b = values(sample("uniform", {{"shape", "(100,)"}}));
  EXPECT_NE(a, b);
}

TEST(Random, SamplesDoNotDependOnTheThreadCount) {
  // Philox blocks are keyed by position: an array sampled at once equals the same stream read in any split.
  set_random_seed(7);
  auto big = values(sample("uniform", {{"shape", "(100000,)"}}));
  set_random_seed(7);
  auto again = values(sample("uniform", {{"shape", "(100000,)"}}));
  EXPECT_EQ(big, again);
  std::vector<double> distinct(big.begin(), big.begin() + 1000);
  std::sort(distinct.begin(), distinct.end());
  EXPECT_EQ(std::adjacent_find(distinct.begin(), distinct.end()), distinct.end()) << "repeated values";
}

TEST(Random, ContextParameterPlacesTheOutput) {
  NDArray a = sample("uniform", {{"shape", "(2, 2)"}, {"ctx", "cpu(1)"}});
  EXPECT_EQ(a.device(), Device::cpu(1));
}

TEST(Random, BadParametersAreClearErrors) {
  auto message = [](std::vector<ParamKV> p, const char* op = "normal") {
    try {
      sample(op, std::move(p)).wait_to_read();
    } catch (const Error& e) {
      return std::string(e.what());
    }
    return std::string("no error");
  };
  EXPECT_NE(message({{"scale", "-1"}}).find("scale"), std::string::npos);
  EXPECT_NE(message({{"shape", "(2, -3)"}}).find("negative"), std::string::npos);
  EXPECT_NE(message({{"dtype", "int32"}}, "uniform").find("float16, float32 or float64"), std::string::npos);
  EXPECT_NE(message({{"ctx", "tpu(0)"}}, "uniform").find("ctx"), std::string::npos);
}

// --- the samplers on per-element substreams -------------------------------------------------------------------

NDArray from(const std::vector<double>& v, Shape shape, DType t = DType::kFloat32) {
  NDArray a = NDArray::empty(shape, t, Device::cpu());
  copy_from_host(a, v.data(), DType::kFloat64, 0, a.size());
  return a;
}

std::vector<NDArray> apply(const char* op, std::vector<NDArray> in, std::vector<ParamKV> params,
                           InvokeFlags flags = InvokeFlags{}) {
  OpAttrs attrs = OpRegistry::get().at(op).parse(params);
  return invoke(attrs, in, {}, flags);
}

// Mean within 6 standard errors of `mean`; sample variance within 6 of its standard errors (from the sample's
// fourth central moment) of `var`.
void expect_moments(const std::vector<double>& v, double mean, double var) {
  const auto n = static_cast<double>(v.size());
  Moments m = moments(v);
  double m4 = 0;
  for (double x : v) m4 += std::pow(x - m.mean, 4);
  m4 /= n;
  EXPECT_NEAR(m.mean, mean, 6 * std::sqrt(var / n)) << "mean";
  EXPECT_NEAR(m.var, var, 6 * std::sqrt(std::max(m4 - m.var * m.var, 0.0) / n) + 1e-12) << "variance";
}

// The fraction of draws where `pred` holds, within 6 standard errors of `p`.
template <class Pred>
void expect_fraction(const std::vector<double>& v, double p, const std::string& what, Pred pred) {
  const auto n = static_cast<double>(v.size());
  const double got = static_cast<double>(std::count_if(v.begin(), v.end(), pred)) / n;
  EXPECT_NEAR(got, p, 6 * std::sqrt(p * (1 - p) / n) + 1 / n) << what;
}

bool all_whole_and_nonnegative(const std::vector<double>& v) {
  return std::all_of(v.begin(), v.end(), [](double x) { return x >= 0 && x == std::floor(x); });
}

double poisson_pmf(double lam, double k) { return std::exp(-lam + k * std::log(lam) - std::lgamma(k + 1)); }

TEST(Random, ExponentialHasTheMomentsAndTailOfItsRate) {
  set_random_seed(11);
  for (const char* dtype : {"float32", "float64", "float16"}) {
    SCOPED_TRACE(dtype);
    NDArray a = sample("random_exponential", {{"lam", "2"}, {"shape", "(200000,)"}, {"dtype", dtype}});
    EXPECT_EQ(dtype_name(a.dtype()), std::string(dtype));
    std::vector<double> v = values(a);
    expect_moments(v, 0.5, 0.25);
    EXPECT_GE(moments(v).min, 0.0);
    expect_fraction(v, std::exp(-1.0), "P(X > 1/lam)", [](double x) { return x > 0.5; });
  }
}

TEST(Random, GammaHasTheMomentsOfItsShapeAndScale) {
  set_random_seed(12);
  struct Case {
    const char* alpha;
    const char* beta;
    double a, b;
  };
  for (Case c :
       {Case{"0.5", "2", 0.5, 2}, Case{"1", "1", 1, 1}, Case{"3", "0.5", 3, 0.5}, Case{"60", "0.1", 60, 0.1}}) {
    SCOPED_TRACE(std::string("alpha ") + c.alpha);
    std::vector<double> v = values(
        sample("random_gamma", {{"alpha", c.alpha}, {"beta", c.beta}, {"shape", "(200000,)"}, {"dtype", "float64"}}));
    expect_moments(v, c.a * c.b, c.a * c.b * c.b);
    EXPECT_GT(moments(v).min, 0.0);
  }
  // Gamma(1/2, 2) is chi-square with one degree of freedom: P(X < 1) = erf(1/sqrt 2).
  std::vector<double> chi2 = values(sample("_random_gamma", {{"alpha", "0.5"}, {"beta", "2"}, {"shape", "(200000,)"}}));
  expect_fraction(chi2, std::erf(1 / std::sqrt(2.0)), "P(chi2_1 < 1)", [](double x) { return x < 1; });
}

TEST(Random, PoissonHasTheMomentsAndMassOfItsMean) {
  set_random_seed(13);
  // Below 10 by multiplying uniforms, above by transformed rejection.
  for (double lam : {0.3, 3.0, 9.5, 10.0, 40.0, 1000.0}) {
    SCOPED_TRACE(lam);
    std::string text = std::to_string(lam);
    std::vector<double> v =
        values(sample("random_poisson", {{"lam", text}, {"shape", "(200000,)"}, {"dtype", "float64"}}));
    EXPECT_TRUE(all_whole_and_nonnegative(v));
    expect_moments(v, lam, lam);
    for (double k :
         {std::floor(lam), std::floor(lam + std::sqrt(lam)), std::floor(std::max(lam - std::sqrt(lam), 0.0))})
      expect_fraction(v, poisson_pmf(lam, k), "P(X = " + std::to_string(k) + ")", [k](double x) { return x == k; });
  }
  EXPECT_EQ(moments(values(sample("random_poisson", {{"lam", "0"}, {"shape", "(100,)"}}))).max, 0.0);
}

TEST(Random, NegativeBinomialHasTheMomentsOfItsParameters) {
  set_random_seed(14);
  struct Case {
    const char* k;
    const char* p;
    double kk, pp;
  };
  for (Case c : {Case{"3", "0.4", 3, 0.4}, Case{"1", "0.9", 1, 0.9}, Case{"20", "0.5", 20, 0.5}}) {
    SCOPED_TRACE(std::string("k ") + c.k + " p " + c.p);
    std::vector<double> v = values(
        sample("random_negative_binomial", {{"k", c.k}, {"p", c.p}, {"shape", "(200000,)"}, {"dtype", "float64"}}));
    EXPECT_TRUE(all_whole_and_nonnegative(v));
    expect_moments(v, c.kk * (1 - c.pp) / c.pp, c.kk * (1 - c.pp) / (c.pp * c.pp));
    // P(X = 0) = p^k.
    expect_fraction(v, std::pow(c.pp, c.kk), "P(X = 0)", [](double x) { return x == 0; });
  }
  EXPECT_EQ(moments(values(sample("random_negative_binomial", {{"k", "4"}, {"p", "1"}, {"shape", "(100,)"}}))).max,
            0.0);
}

TEST(Random, GeneralizedNegativeBinomialHasMeanMuAndVarianceMuPlusAlphaMuSquared) {
  set_random_seed(15);
  struct Case {
    const char* mu;
    const char* alpha;
    double m, a;
  };
  for (Case c : {Case{"2", "0.5", 2, 0.5}, Case{"30", "0.1", 30, 0.1}, Case{"3", "0", 3, 0}}) {
    SCOPED_TRACE(std::string("mu ") + c.mu + " alpha " + c.alpha);
    std::vector<double> v =
        values(sample("random_generalized_negative_binomial",
                      {{"mu", c.mu}, {"alpha", c.alpha}, {"shape", "(200000,)"}, {"dtype", "float64"}}));
    EXPECT_TRUE(all_whole_and_nonnegative(v));
    expect_moments(v, c.m, c.m + c.a * c.m * c.m);
  }
}

TEST(Random, BernoulliDrawsOnesWithItsProbability) {
  set_random_seed(16);
  for (const char* dtype : {"float32", "float16", "float64"}) {
    std::vector<double> v =
        values(sample("random_bernoulli", {{"prob", "0.3"}, {"shape", "(200000,)"}, {"dtype", dtype}}));
    EXPECT_TRUE(std::all_of(v.begin(), v.end(), [](double x) { return x == 0 || x == 1; }));
    expect_moments(v, 0.3, 0.21);
  }
  EXPECT_EQ(moments(values(sample("_random_bernoulli", {{"prob", "1"}, {"shape", "(100,)"}}))).min, 1.0);
  EXPECT_EQ(moments(values(sample("_random_bernoulli", {{"prob", "0"}, {"shape", "(100,)"}}))).max, 0.0);
}

TEST(Random, RandintCoversItsRangeUniformly) {
  set_random_seed(17);
  for (const char* dtype : {"None", "int32", "int64"}) {
    SCOPED_TRACE(dtype);
    NDArray a = sample("random_randint", {{"low", "-3"}, {"high", "7"}, {"shape", "(200000,)"}, {"dtype", dtype}});
    EXPECT_EQ(a.dtype(), std::string(dtype) == "int64" ? DType::kInt64 : DType::kInt32);
    std::vector<double> v = values(a);
    Moments m = moments(v);
    EXPECT_EQ(m.min, -3.0);
    EXPECT_EQ(m.max, 6.0);
    expect_moments(v, 1.5, (100.0 - 1) / 12);
    for (double k : {-3.0, 0.0, 6.0}) expect_fraction(v, 0.1, "P(X = k)", [k](double x) { return x == k; });
  }
  // The widest ranges stay in bounds.
  auto wide = testing::values<int64_t>(sample(
      "_random_randint",
      {{"low", "-9223372036854775808"}, {"high", "9223372036854775807"}, {"shape", "(1000,)"}, {"dtype", "int64"}}));
  EXPECT_TRUE(std::any_of(wide.begin(), wide.end(), [](int64_t x) { return x < 0; }));
  EXPECT_TRUE(std::any_of(wide.begin(), wide.end(), [](int64_t x) { return x > 0; }));
  auto one = testing::values<int32_t>(sample("_random_randint", {{"low", "5"}, {"high", "6"}, {"shape", "(10,)"}}));
  EXPECT_TRUE(std::all_of(one.begin(), one.end(), [](int32_t x) { return x == 5; }));
}

// --- the per-element-parameter family ---------------------------------------------------------------------------

// Row i of a [3] x (M) draw: the samples of the i-th parameters.
std::vector<double> row(const std::vector<double>& v, size_t i, size_t m) {
  return {v.begin() + static_cast<std::ptrdiff_t>(i * m), v.begin() + static_cast<std::ptrdiff_t>((i + 1) * m)};
}

TEST(Random, SampleFamilyDrawsFromEachElementsParameters) {
  set_random_seed(18);
  constexpr size_t kM = 100000;
  struct Case {
    const char* op;
    std::vector<std::vector<double>> params;                           // per input, 3 distributions
    std::function<std::pair<double, double>(double, double)> moments;  // (mean, variance)
    bool counts;
  };
  const std::vector<Case> cases = {
      {"sample_uniform",
       {{0, -2, 10}, {1, 3, 10.5}},
       [](double a, double b) {
         return std::pair{(a + b) / 2, (b - a) * (b - a) / 12};
       },
       false},
      {"sample_normal",
       {{0, -2, 10}, {1, 0.5, 3}},
       [](double m, double s) {
         return std::pair{m, s * s};
       },
       false},
      {"sample_gamma",
       {{0.3, 2, 25}, {1, 0.5, 2}},
       [](double a, double b) {
         return std::pair{a * b, a * b * b};
       },
       false},
      {"sample_exponential",
       {{0.5, 1, 8}},
       [](double l, double) {
         return std::pair{1 / l, 1 / (l * l)};
       },
       false},
      {"sample_poisson",
       {{0.5, 7, 120}},
       [](double l, double) {
         return std::pair{l, l};
       },
       true},
      {"sample_negative_binomial",
       {{2, 5, 0.7}, {0.3, 0.8, 0.2}},
       [](double k, double p) {
         return std::pair{k * (1 - p) / p, k * (1 - p) / (p * p)};
       },
       true},
      {"sample_generalized_negative_binomial",
       {{1, 10, 4}, {0.5, 0.05, 0}},
       [](double m, double a) {
         return std::pair{m, m + a * m * m};
       },
       true},
  };
  for (const Case& c : cases) {
    SCOPED_TRACE(c.op);
    std::vector<NDArray> in;
    for (const auto& p : c.params) in.push_back(from(p, Shape({3})));
    NDArray out = apply(c.op, in, {{"shape", "(100000,)"}})[0];
    EXPECT_EQ(out.shape(), Shape({3, 100000}));
    EXPECT_EQ(out.dtype(), DType::kFloat32);
    std::vector<double> v = values(out);
    for (size_t i = 0; i < 3; ++i) {
      SCOPED_TRACE(i);
      auto [mean, var] = c.moments(c.params[0][i], c.params.size() > 1 ? c.params[1][i] : 0);
      std::vector<double> r = row(v, i, kM);
      expect_moments(r, mean, var);
      if (c.counts) {
        EXPECT_TRUE(all_whole_and_nonnegative(r));
      }
    }
  }
  // Uniform stays inside [low, high).
  std::vector<double> u =
      values(apply("_sample_uniform", {from({0, 1}, Shape({2})), from({1, 1.0009765625}, Shape({2}))},
                   {{"shape", "(5000,)"}, {"dtype", "float16"}})[0]);
  for (size_t i = 0; i < u.size(); ++i) {
    EXPECT_GE(u[i], i < 5000 ? 0.0 : 1.0);
    EXPECT_LT(u[i], i < 5000 ? 1.0 : 1.0009765625);
  }
}

TEST(Random, SampleFamilyShapesAndDtypes) {
  NDArray mu = from({0, 1, 2, 3, 4, 5}, Shape({2, 3}), DType::kFloat64);
  NDArray sigma = from({1, 1, 1, 1, 1, 1}, Shape({2, 3}), DType::kFloat64);
  NDArray one = apply("_sample_normal", {mu, sigma}, {})[0];
  EXPECT_EQ(one.shape(), Shape({2, 3}));
  EXPECT_EQ(one.dtype(), DType::kFloat64);  // the parameters' dtype
  NDArray many = apply("_sample_normal", {mu, sigma}, {{"shape", "(4, 5)"}, {"dtype", "float16"}})[0];
  EXPECT_EQ(many.shape(), Shape({2, 3, 4, 5}));
  EXPECT_EQ(many.dtype(), DType::kFloat16);
}

// --- multinomial ----------------------------------------------------------------------------------------------

TEST(Random, MultinomialDrawsEachCategoryWithItsProbability) {
  set_random_seed(19);
  const std::vector<double> p = {0.1, 0.2, 0.7, 0.5, 0, 0.5};
  for (const char* dtype : {"int32", "uint8", "float32", "float64", "float16"}) {
    SCOPED_TRACE(dtype);
    std::vector<NDArray> out =
        apply("sample_multinomial", {from(p, Shape({2, 3}))}, {{"shape", "(100000,)"}, {"dtype", dtype}});
    ASSERT_EQ(out.size(), 1u);
    EXPECT_EQ(dtype_name(out[0].dtype()), std::string(dtype));
    EXPECT_EQ(out[0].shape(), Shape({2, 100000}));
    std::vector<double> v = values(out[0]);
    for (size_t b = 0; b < 2; ++b) {
      std::vector<double> r = row(v, b, 100000);
      for (size_t k = 0; k < 3; ++k) {
        const double pk = p[b * 3 + k];
        const auto kk = static_cast<double>(k);
        expect_fraction(r, pk, "row " + std::to_string(b) + " category " + std::to_string(k),
                        [kk](double x) { return x == kk; });
      }
    }
  }
  // 1-D data and no shape: one draw, shape (1,).
  NDArray single = apply("_sample_multinomial", {from({0, 1, 0}, Shape({3}))}, {})[0];
  EXPECT_EQ(single.shape(), Shape({1}));
  EXPECT_EQ(values(single), std::vector<double>{1});
  EXPECT_EQ(apply("_sample_multinomial", {from({0.5, 0.5}, Shape({2}))}, {{"shape", "(2, 2)"}})[0].shape(),
            Shape({2, 2}));
}

TEST(Random, MultinomialLogProbabilityAndItsGradient) {
  set_random_seed(20);
  for (DType t : {DType::kFloat32, DType::kFloat64}) {
    SCOPED_TRACE(dtype_name(t));
    const std::vector<double> p = {0.2, 0.3, 0.5, 0.6, 0.1, 0.3};
    NDArray data = from(p, Shape({2, 3}), t);
    attach_grad(data, GradReq::kWrite);
    InvokeFlags rec;
    rec.recording = true;
    std::vector<NDArray> out = apply("_sample_multinomial", {data}, {{"shape", "(4,)"}, {"get_prob", "True"}}, rec);
    ASSERT_EQ(out.size(), 2u);
    EXPECT_EQ(out[1].dtype(), t);
    EXPECT_EQ(out[1].shape(), Shape({2, 4}));
    std::vector<double> s = values(out[0]), lp = values(out[1]);
    for (size_t e = 0; e < s.size(); ++e)
      EXPECT_NEAR(lp[e], std::log(p[(e / 4) * 3 + static_cast<size_t>(s[e])]), 1e-6);
    // d/d data[b, k] of sum w * log p[b, s] is the sum of w over the draws of k, over data[b, k].
    const std::vector<double> w = {1, -2, 0.5, 3, 0.25, 1, -1, 2};
    std::vector<NDArray> g = grad(std::vector<NDArray>{out[1]}, std::vector<NDArray>{from(w, Shape({2, 4}), t)},
                                  std::vector<NDArray>{data}, BackwardOptions{});
    std::vector<double> want(6, 0.0);
    for (size_t e = 0; e < s.size(); ++e) {
      const size_t at = (e / 4) * 3 + static_cast<size_t>(s[e]);
      want[at] += w[e] / p[at];
    }
    std::vector<double> got = values(g[0]);
    for (size_t i = 0; i < 6; ++i) EXPECT_NEAR(got[i], want[i], 1e-4 * std::max(1.0, std::abs(want[i]))) << i;
  }
}

// The gather/scatter pair multinomial's gradient is built from: checked by the harness, second order included.
conformance::Ref pick_ref(const conformance::Ref& data, const conformance::Ref& index) {
  const int64_t k = data.shape[data.shape.ndim() - 1];
  const int64_t rows = data.size() / k, per = index.size() / rows;
  conformance::Ref out{index.shape, std::vector<double>(index.v.size())};
  for (int64_t e = 0; e < index.size(); ++e)
    out.v[static_cast<size_t>(e)] =
        data.v[static_cast<size_t>((e / per) * k + static_cast<int64_t>(index.v[static_cast<size_t>(e)]))];
  return out;
}
[[maybe_unused]] conformance::AddCase kPickCase({
    .op = "_backward_sample_multinomial_pick",
    .shapes = {Shape({2, 3, 4}), Shape({2, 3, 5})},
    .domain = {{-1, 1}, {0, 3}},
    .reference = [](const std::vector<conformance::Ref>& in,
                    const conformance::Params&) { return std::vector<conformance::Ref>{pick_ref(in[0], in[1])}; },
    .fixed_inputs = {1},
});
[[maybe_unused]] conformance::AddCase kPick1dCase({
    .op = "_backward_sample_multinomial_pick",
    .shapes = {Shape({4}), Shape({2, 3})},
    .domain = {{-1, 1}, {0, 3}},
    .reference = [](const std::vector<conformance::Ref>& in,
                    const conformance::Params&) { return std::vector<conformance::Ref>{pick_ref(in[0], in[1])}; },
    .label = "1d",
    .fixed_inputs = {1},
});
[[maybe_unused]] conformance::AddCase kScatterCase({
    .op = "_backward_sample_multinomial_scatter",
    .params = {{"data_shape", "(2, 3, 4)"}},
    .shapes = {Shape({2, 3, 5}), Shape({2, 3, 5})},
    .domain = {{-1, 1}, {0, 3}},
    .reference =
        [](const std::vector<conformance::Ref>& in, const conformance::Params&) {
          conformance::Ref out{Shape({2, 3, 4}), std::vector<double>(24, 0.0)};
          for (size_t e = 0; e < in[0].v.size(); ++e)
            out.v[(e / 5) * 4 + static_cast<size_t>(in[1].v[e])] += in[0].v[e];
          return std::vector<conformance::Ref>{out};
        },
    .fixed_inputs = {1},
});

// --- shuffle --------------------------------------------------------------------------------------------------

TEST(Random, ShufflePermutesTheRows) {
  set_random_seed(21);
  constexpr int64_t kRows = 1000;
  std::vector<double> x;
  for (int64_t r = 0; r < kRows; ++r)
    for (double c : {0.0, 1.0, 2.0}) x.push_back(static_cast<double>(r) * 4 + c);  // whole: int64 holds them
  for (DType t : {DType::kFloat32, DType::kInt64, DType::kFloat64}) {
    SCOPED_TRACE(dtype_name(t));
    NDArray out = apply("shuffle", {from(x, Shape({kRows, 3}), t)}, {})[0];
    EXPECT_EQ(out.shape(), Shape({kRows, 3}));
    EXPECT_EQ(out.dtype(), t);
    std::vector<double> y = values(out);
    std::set<int64_t> seen;
    int64_t moved = 0;
    for (int64_t r = 0; r < kRows; ++r) {
      const double first = y[static_cast<size_t>(r * 3)];
      const auto src = static_cast<int64_t>(first) / 4;
      for (int64_t c = 0; c < 3; ++c)
        EXPECT_EQ(y[static_cast<size_t>(r * 3 + c)], x[static_cast<size_t>(src * 3 + c)]) << "row " << r;
      seen.insert(src);
      moved += src != r;
    }
    EXPECT_EQ(static_cast<int64_t>(seen.size()), kRows) << "not a permutation";
    EXPECT_GT(moved, kRows / 2);
  }
  // 1-D: the elements.
  std::vector<double> v = values(apply("_shuffle", {from({1, 2, 3, 4, 5, 6, 7, 8}, Shape({8}))}, {})[0]);
  std::sort(v.begin(), v.end());
  EXPECT_EQ(v, (std::vector<double>{1, 2, 3, 4, 5, 6, 7, 8}));
}

// --- determinism ----------------------------------------------------------------------------------------------

struct Draw {
  const char* op;
  std::vector<ParamKV> params;
  std::vector<std::vector<double>> inputs;  // parameter arrays (per-element family, multinomial, shuffle)
  Shape input_shape;
};

const std::vector<Draw>& draws() {
  static const std::vector<Draw> d = {
      {"_random_uniform", {}, {}, {}},
      {"_random_normal", {}, {}, {}},
      {"_random_exponential", {{"lam", "2"}}, {}, {}},
      {"_random_gamma", {{"alpha", "0.5"}, {"beta", "2"}}, {}, {}},
      {"_random_gamma", {{"alpha", "4"}}, {}, {}},
      {"_random_poisson", {{"lam", "3"}}, {}, {}},
      {"_random_poisson", {{"lam", "50"}}, {}, {}},
      {"_random_negative_binomial", {{"k", "3"}, {"p", "0.4"}}, {}, {}},
      {"_random_generalized_negative_binomial", {{"mu", "2"}, {"alpha", "0.5"}}, {}, {}},
      {"_random_bernoulli", {{"prob", "0.3"}}, {}, {}},
      {"_random_randint", {{"low", "-3"}, {"high", "1000"}}, {}, {}},
      {"_sample_uniform", {}, {{0, 1}, {1, 5}}, Shape({2})},
      {"_sample_normal", {}, {{0, 1}, {1, 5}}, Shape({2})},
      {"_sample_gamma", {}, {{0.5, 7}, {1, 2}}, Shape({2})},
      {"_sample_exponential", {}, {{0.5, 7}}, Shape({2})},
      {"_sample_poisson", {}, {{4, 70}}, Shape({2})},
      {"_sample_negative_binomial", {}, {{4, 0.5}, {0.3, 0.9}}, Shape({2})},
      {"_sample_generalized_negative_binomial", {}, {{4, 20}, {0.3, 0.9}}, Shape({2})},
      {"_sample_multinomial", {}, {{0.25, 0.25, 0.5, 0.9, 0.1, 0}}, Shape({2, 3})},
  };
  return d;
}

// `count` draws per distribution (the samplers without inputs: `count` in all).
std::vector<double> run(const Draw& d, int64_t count) {
  const std::string shape = "(" + std::to_string(count) + ",)";
  std::vector<ParamKV> params = d.params;
  params.emplace_back("shape", shape);
  std::vector<NDArray> in;
  for (const auto& v : d.inputs) in.push_back(from(v, d.input_shape));
  return values(apply(d.op, in, params)[0]);
}

TEST(Random, SeedReproducesTheNewSamplers) {
  for (const Draw& d : draws()) {
    SCOPED_TRACE(d.op);
    set_random_seed(5);
    std::vector<double> first = run(d, 500);
    set_random_seed(5);
    EXPECT_EQ(run(d, 500), first);
    EXPECT_NE(run(d, 500), first) << "the next call draws new numbers";
    set_random_seed(6);
    EXPECT_NE(run(d, 500), first);
  }
}

TEST(Random, SamplesAreTheSameWithOneOrTwoThreadsAndInAnySplit) {
  for (const Draw& d : draws()) {
    SCOPED_TRACE(d.op);
    set_intra_op_threads(1);
    set_random_seed(9);
    std::vector<double> one = run(d, 60000);
    set_intra_op_threads(2);
    set_random_seed(9);
    std::vector<double> two = run(d, 60000);
    EXPECT_EQ(one, two);
    // A smaller call (one chunk, not split) reads the same substreams for the elements both have: the
    // first distribution's draws.
    set_random_seed(9);
    std::vector<double> small = run(d, 1000);
    EXPECT_TRUE(std::equal(small.begin(), small.begin() + 1000, one.begin()));
  }
  set_intra_op_threads(0);
  // Shuffle: one permutation whatever the thread count.
  std::vector<double> x(200000);
  for (size_t i = 0; i < x.size(); ++i) x[i] = static_cast<double>(i);
  std::vector<std::vector<double>> perms;
  for (int threads : {1, 2}) {
    set_intra_op_threads(threads);
    set_random_seed(10);
    perms.push_back(values(apply("_shuffle", {from(x, Shape({100000, 2}), DType::kFloat64)}, {})[0]));
  }
  set_intra_op_threads(0);
  EXPECT_EQ(perms[0], perms[1]);
}

TEST(Random, SamplersHaveNoGradientButMultinomialsLogProbability) {
  InvokeFlags rec;
  rec.recording = true;
  NDArray mu = from({0, 1}, Shape({2})), sigma = from({1, 2}, Shape({2}));
  attach_grad(mu, GradReq::kWrite);
  attach_grad(sigma, GradReq::kWrite);
  NDArray out = apply("_sample_normal", {mu, sigma}, {{"shape", "(3,)"}}, rec)[0];
  for (const NDArray& g : grad(std::vector<NDArray>{out}, {}, std::vector<NDArray>{mu, sigma}, BackwardOptions{}))
    EXPECT_TRUE(g.is_none());
  NDArray data = from({1, 2, 3, 4}, Shape({2, 2}));
  attach_grad(data, GradReq::kWrite);
  NDArray shuffled = apply("_shuffle", {data}, {}, rec)[0];
  EXPECT_TRUE(grad(std::vector<NDArray>{shuffled}, {}, std::vector<NDArray>{data}, BackwardOptions{})[0].is_none());
  NDArray p = from({0.5, 0.5}, Shape({2}));
  attach_grad(p, GradReq::kWrite);
  NDArray drawn = apply("_sample_multinomial", {p}, {}, rec)[0];
  EXPECT_TRUE(grad(std::vector<NDArray>{drawn}, {}, std::vector<NDArray>{p}, BackwardOptions{})[0].is_none());
}

// --- bad parameters -------------------------------------------------------------------------------------------

std::string error_of(const char* op, std::vector<NDArray> in, std::vector<ParamKV> params) {
  try {
    for (const NDArray& a : apply(op, std::move(in), std::move(params))) a.wait_to_read();
  } catch (const Error& e) {
    return e.what();
  }
  return "no error";
}

void expect_error(const std::string& message, std::initializer_list<const char*> parts) {
  for (const char* part : parts)
    EXPECT_NE(message.find(part), std::string::npos) << "'" << part << "' not in: " << message;
}

TEST(Random, BadSamplerParametersAreClearErrors) {
  expect_error(error_of("random_exponential", {}, {{"lam", "0"}}), {"_random_exponential", "'lam'", "> 0", "got 0"});
  expect_error(error_of("random_gamma", {}, {{"alpha", "-1"}}), {"_random_gamma", "'alpha'", "> 0", "got -1"});
  expect_error(error_of("random_gamma", {}, {{"beta", "0"}}), {"_random_gamma", "'beta'", "> 0"});
  expect_error(error_of("random_poisson", {}, {{"lam", "-2"}}), {"_random_poisson", "'lam'", ">= 0", "got -2"});
  expect_error(error_of("random_negative_binomial", {}, {{"p", "0"}}), {"'p'", "in (0, 1]", "got 0"});
  expect_error(error_of("random_negative_binomial", {}, {{"p", "1.5"}}), {"'p'", "in (0, 1]", "got 1.5"});
  expect_error(error_of("random_negative_binomial", {}, {{"k", "0"}}), {"'k'", "> 0"});
  expect_error(error_of("random_generalized_negative_binomial", {}, {{"alpha", "-0.5"}}), {"'alpha'", ">= 0"});
  expect_error(error_of("random_bernoulli", {}, {{"prob", "1.5"}}), {"_random_bernoulli", "'prob'", "in [0, 1]"});
  expect_error(error_of("random_bernoulli", {}, {{"prob", "nan"}}), {"'prob'", "got nan"});
  expect_error(error_of("random_randint", {}, {{"low", "5"}, {"high", "5"}}),
               {"_random_randint", "low < high", "low=5 high=5"});
  expect_error(error_of("random_randint", {}, {{"low", "0"}, {"high", "3000000000"}}), {"int32", "high=3000000000"});
  expect_error(error_of("random_randint", {}, {{"low", "0"}, {"high", "3"}, {"dtype", "float32"}}),
               {"int32 or int64", "float32"});
  expect_error(error_of("random_randint", {}, {{"low", "0"}}), {"high"});
  expect_error(error_of("random_gamma", {}, {{"dtype", "int32"}}), {"float16, float32 or float64"});
  // Per-element parameters are checked where they are read: the error surfaces at the output's wait.
  expect_error(error_of("sample_gamma", {from({1, -1}, Shape({2})), from({1, 1}, Shape({2}))}, {}),
               {"_sample_gamma", "alpha > 0 and beta > 0", "alpha=-1", "at 1"});
  expect_error(error_of("sample_poisson", {from({1, -3}, Shape({2}))}, {}), {"_sample_poisson", "lam=-3"});
  expect_error(error_of("sample_negative_binomial", {from({1}, Shape({1})), from({0}, Shape({1}))}, {}),
               {"0 < p <= 1", "p=0"});
  expect_error(error_of("sample_normal", {from({1, 2}, Shape({2})), from({1, 2, 3}, Shape({3}))}, {}),
               {"_sample_normal", "(3,)", "(2,)"});
  expect_error(error_of("sample_normal", {from({1}, Shape({1})), from({1}, Shape({1}), DType::kFloat64)}, {}),
               {"one dtype", "float32", "float64"});
  expect_error(error_of("sample_exponential", {from({1}, Shape({1}), DType::kInt32)}, {}), {"float", "int32"});
}

TEST(Random, BadMultinomialInputsAreClearErrors) {
  expect_error(error_of("sample_multinomial", {from({0.5, -0.1, 0.6}, Shape({3}))}, {}),
               {"_sample_multinomial", "non-negative", "-0.1", "category 1"});
  expect_error(error_of("sample_multinomial", {from({0.5, 0.5, 0.5, 0.2, 0.3, 0.4}, Shape({2, 3}))}, {}),
               {"row 0", "sum to 1", "got 1.5"});
  expect_error(error_of("sample_multinomial", {from({1, 0}, Shape({2}), DType::kInt32)}, {}), {"float dtype", "int32"});
  std::vector<double> wide(300, 1.0 / 300);
  expect_error(error_of("sample_multinomial", {from(wide, Shape({300}))}, {{"dtype", "uint8"}}),
               {"uint8", "256", "300"});
  expect_error(error_of("sample_multinomial", {from({1}, Shape({1}))}, {{"dtype", "int64"}}),
               {"uint8, int32", "int64"});
  expect_error(error_of("_backward_sample_multinomial_pick", {from({0.5, 0.5}, Shape({2})), from({2}, Shape({1}))}, {}),
               {"index 2", "[0, 2)"});
}

}  // namespace
}  // namespace sn
