// Samplers without array inputs, on the Philox generator. Uniform and normal: element i of the o-th
// sampler call after a seed uses Philox(seed, o, i / 4); the others draw from per-element substreams
// (Note [Per-element substreams] in distributions.h).
#include <limits>
#include <numbers>

#include "ops/op_utils.h"
#include "ops/random/distributions.h"
#include "ops/random/philox.h"

namespace sn {
namespace {

// Both samplers' parameters have the same layout (a, b = low/high or loc/scale), so one kernel serves.
struct UniformParam {
  double a = 0, b = 1;
  Shape shape;
  std::string ctx;
  std::optional<DType> dtype;
  static void describe(ParamBuilder<UniformParam>& p) {
    p.field("low", &UniformParam::a, "Lower bound (inclusive).").set_default(0.0);
    p.field("high", &UniformParam::b, "Upper bound (exclusive).").set_default(1.0);
    p.field("shape", &UniformParam::shape, "Shape of the output.").set_default(Shape{});
    p.field("ctx", &UniformParam::ctx, "Device of the output, e.g. cpu(0); the default context if empty.")
        .set_default(std::string());
    p.field("dtype", &UniformParam::dtype, "Output dtype (float16, float32 or float64); float32 if None.");
  }
};

struct NormalParam {
  double a = 0, b = 1;
  Shape shape;
  std::string ctx;
  std::optional<DType> dtype;
  static void describe(ParamBuilder<NormalParam>& p) {
    p.field("loc", &NormalParam::a, "Mean of the distribution.").set_default(0.0);
    p.field("scale", &NormalParam::b, "Standard deviation of the distribution.").set_default(1.0).set_lower_bound(0);
    p.field("shape", &NormalParam::shape, "Shape of the output.").set_default(Shape{});
    p.field("ctx", &NormalParam::ctx, "Device of the output, e.g. cpu(0); the default context if empty.")
        .set_default(std::string());
    p.field("dtype", &NormalParam::dtype, "Output dtype (float16, float32 or float64); float32 if None.");
  }
};

template <class P>
bool infer_sample_shape(const OpAttrs& attrs, std::vector<Shape>&, std::vector<Shape>& out) {
  const P& p = attrs.get<P>();
  if constexpr (requires { p.validate(attrs.op->name); }) p.validate(attrs.op->name);
  const Shape& s = p.shape;
  for (int64_t d : s.dims())
    SN_CHECK_SHAPE(d >= 0, attrs.op->name, ": shape ", s, " has a negative dim");
  merge_shape(*attrs.op, out[0], s.ndim() == 0 ? Shape({1}) : s, "the output");
  return true;
}

template <class P>
bool infer_sample_type(const OpAttrs& attrs, std::vector<int>&, std::vector<int>& out) {
  DType t = attrs.get<P>().dtype.value_or(DType::kFloat32);
  SN_CHECK_TYPE(t == DType::kFloat16 || t == DType::kFloat32 || t == DType::kFloat64, attrs.op->name,
                ": dtype must be float16, float32 or float64, got ", t);
  out[0] = static_cast<int>(t);
  return true;
}

template <class P, bool Normal>
void sample_kernel(const OpContext& ctx, std::span<const TensorView>, std::span<const TensorView> out) {
  const auto& p = ctx.params<P>();
  const int64_t n = out[0].size();
  const uint64_t key = ctx.random_seed, stream = ctx.random_sequence;
  dispatch_dtype<FloatDTypes>(out[0].dtype, ctx.attrs.op->name, [&]<class T>() {
    T* y = out[0].ptr<T>();
    // Blocks of 4 elements per Philox call; double precision uses 2 words per value.
    constexpr int64_t kPer = std::is_same_v<T, double> ? 2 : 4;
    parallel_for((n + kPer - 1) / kPer, ctx.run.num_threads, [&](int64_t lo, int64_t hi) {
      for (int64_t blk = lo; blk < hi; ++blk) {
        philox::Block r = philox::generate(key, stream, static_cast<uint64_t>(blk));
        double u[4];
        if constexpr (kPer == 2) {
          u[0] = philox::to_unit_double(r[0], r[1]);
          u[1] = philox::to_unit_double(r[2], r[3]);
        } else {
          for (int j = 0; j < 4; ++j) u[j] = philox::to_unit_float(r[static_cast<size_t>(j)]);
        }
        double v[4];
        if constexpr (Normal) {  // Box-Muller on pairs; 1 - u avoids log(0)
          for (int j = 0; j < kPer; j += 2) {
            double rad = std::sqrt(-2.0 * std::log(1.0 - u[j]));
            double th = 2.0 * std::numbers::pi * u[j + 1];
            v[j] = p.a + p.b * rad * std::cos(th);
            v[j + 1] = p.a + p.b * rad * std::sin(th);
          }
        } else {
          for (int j = 0; j < kPer; ++j) v[j] = p.a + (p.b - p.a) * u[j];
        }
        for (int j = 0; j < kPer; ++j) {
          int64_t i = blk * kPer + j;
          if (i >= n) break;
          y[i] = store<T>(v[j]);
          if constexpr (!Normal) {  // rounding to T must not reach `high`
            if (load(y[i]) >= p.b && p.b > p.a) y[i] = philox::next_down(y[i]);
          }
        }
      }
    });
  });
}

OpRegistrar sampler(const char* name, const char* doc) {
  return OpRegistrar(name).describe(doc).dtypes<FloatDTypes>().inputs({}).outputs({"output"}).random().zero_gradient();
}

[[maybe_unused]] OpRegistrar r_uniform =
    sampler("_random_uniform", "Samples uniformly from [low, high).")
        .alias("uniform").alias("random_uniform")
        .params<UniformParam>()
        .infer_shape(infer_sample_shape<UniformParam>)
        .infer_type(infer_sample_type<UniformParam>)
        .kernel(DeviceType::kCPU, sample_kernel<UniformParam, false>);

[[maybe_unused]] OpRegistrar r_normal =
    sampler("_random_normal", "Samples from a normal distribution N(loc, scale^2).")
        .alias("normal").alias("random_normal")
        .params<NormalParam>()
        .infer_shape(infer_sample_shape<NormalParam>)
        .infer_type(infer_sample_type<NormalParam>)
        .kernel(DeviceType::kCPU, sample_kernel<NormalParam, true>);

// --- samplers on per-element substreams --------------------------------------------------------------------

// A parameter check: "<op>: parameter 'lam' must be > 0, got -1".
void check_param(bool ok, const std::string& op, const char* name, const char* expected, double got) {
  SN_CHECK(ok, op, ": parameter '", name, "' must be ", expected, ", got ", got);
}

#define SN_SAMPLER_COMMON_FIELDS(P)                                                                         \
  p.field("shape", &P::shape, "Shape of the output.").set_default(Shape{});                                  \
  p.field("ctx", &P::ctx, "Device of the output, e.g. cpu(0); the default context if empty.")                \
      .set_default(std::string());                                                                           \
  p.field("dtype", &P::dtype, "Output dtype (float16, float32 or float64); float32 if None.")

struct ExponentialParam {
  double lam = 1;
  Shape shape;
  std::string ctx;
  std::optional<DType> dtype;
  static void describe(ParamBuilder<ExponentialParam>& p) {
    p.field("lam", &ExponentialParam::lam, "Rate of the distribution (the mean is 1 / lam).").set_default(1.0);
    SN_SAMPLER_COMMON_FIELDS(ExponentialParam);
  }
  void validate(const std::string& op) const { check_param(lam > 0, op, "lam", "> 0", lam); }
  double draw(philox::ElementStream& s) const { return -std::log(s.uniform_open0()) / lam; }
};

struct GammaParam {
  double alpha = 1, beta = 1;
  Shape shape;
  std::string ctx;
  std::optional<DType> dtype;
  static void describe(ParamBuilder<GammaParam>& p) {
    p.field("alpha", &GammaParam::alpha, "Shape of the distribution.").set_default(1.0);
    p.field("beta", &GammaParam::beta, "Scale of the distribution (the mean is alpha * beta).").set_default(1.0);
    SN_SAMPLER_COMMON_FIELDS(GammaParam);
  }
  void validate(const std::string& op) const {
    check_param(alpha > 0, op, "alpha", "> 0", alpha);
    check_param(beta > 0, op, "beta", "> 0", beta);
  }
  double draw(philox::ElementStream& s) const { return philox::gamma(s, alpha) * beta; }
};

struct PoissonParam {
  double lam = 1;
  Shape shape;
  std::string ctx;
  std::optional<DType> dtype;
  static void describe(ParamBuilder<PoissonParam>& p) {
    p.field("lam", &PoissonParam::lam, "Mean of the distribution.").set_default(1.0);
    SN_SAMPLER_COMMON_FIELDS(PoissonParam);
  }
  void validate(const std::string& op) const {
    check_param(lam >= 0 && std::isfinite(lam), op, "lam", ">= 0 and finite", lam);
  }
  double draw(philox::ElementStream& s) const { return philox::poisson(s, lam); }
};

struct NegativeBinomialParam {
  int64_t k = 1;
  double p = 1;
  Shape shape;
  std::string ctx;
  std::optional<DType> dtype;
  static void describe(ParamBuilder<NegativeBinomialParam>& p) {
    p.field("k", &NegativeBinomialParam::k, "Number of successes to wait for.").set_default(1);
    p.field("p", &NegativeBinomialParam::p, "Success probability of each trial.").set_default(1.0);
    SN_SAMPLER_COMMON_FIELDS(NegativeBinomialParam);
  }
  void validate(const std::string& op) const {
    check_param(k > 0, op, "k", "> 0", static_cast<double>(k));
    check_param(p > 0 && p <= 1, op, "p", "in (0, 1]", p);
  }
  double draw(philox::ElementStream& s) const { return philox::negative_binomial(s, static_cast<double>(k), p); }
};

struct GeneralizedNegativeBinomialParam {
  double mu = 1, alpha = 1;
  Shape shape;
  std::string ctx;
  std::optional<DType> dtype;
  static void describe(ParamBuilder<GeneralizedNegativeBinomialParam>& p) {
    p.field("mu", &GeneralizedNegativeBinomialParam::mu, "Mean of the distribution.").set_default(1.0);
    p.field("alpha", &GeneralizedNegativeBinomialParam::alpha, "Dispersion (the variance is mu + alpha * mu^2).")
        .set_default(1.0);
    SN_SAMPLER_COMMON_FIELDS(GeneralizedNegativeBinomialParam);
  }
  void validate(const std::string& op) const {
    check_param(mu >= 0 && std::isfinite(mu), op, "mu", ">= 0 and finite", mu);
    check_param(alpha >= 0 && std::isfinite(alpha), op, "alpha", ">= 0 and finite", alpha);
  }
  double draw(philox::ElementStream& s) const { return philox::generalized_negative_binomial(s, mu, alpha); }
};

struct BernoulliParam {
  double prob = 0.5;
  Shape shape;
  std::string ctx;
  std::optional<DType> dtype;
  static void describe(ParamBuilder<BernoulliParam>& p) {
    p.field("prob", &BernoulliParam::prob, "Probability of a 1.").set_default(0.5);
    SN_SAMPLER_COMMON_FIELDS(BernoulliParam);
  }
  void validate(const std::string& op) const { check_param(prob >= 0 && prob <= 1, op, "prob", "in [0, 1]", prob); }
  double draw(philox::ElementStream& s) const { return s.uniform() < prob ? 1.0 : 0.0; }
};

#undef SN_SAMPLER_COMMON_FIELDS

// Relative cost of one draw for parallel_for (a Philox block and a log or two per element).
constexpr int64_t kDrawCost = 16;

template <class P>
void element_kernel(const OpContext& ctx, std::span<const TensorView>, std::span<const TensorView> out) {
  const P& p = ctx.params<P>();
  const int64_t n = out[0].size();
  const uint64_t key = ctx.random_seed, seq = ctx.random_sequence;
  dispatch_dtype<FloatDTypes>(out[0].dtype, ctx.attrs.op->name, [&]<class T>() {
    T* y = out[0].ptr<T>();
    parallel_for(n, ctx.run.num_threads, [&](int64_t lo, int64_t hi) {
      for (int64_t i = lo; i < hi; ++i) {
        philox::ElementStream s(key, seq, static_cast<uint64_t>(i));
        y[i] = store<T>(p.draw(s));
      }
    }, kDrawCost);
  });
}

template <class P>
OpRegistrar element_sampler(const char* name, const char* alias, const char* doc) {
  return OpRegistrar(name)
      .describe(doc)
      .alias(alias)
      .dtypes<FloatDTypes>()
      .inputs({})
      .outputs({"output"})
      .random()
      .zero_gradient()
      .params<P>()
      .infer_shape(infer_sample_shape<P>)
      .infer_type(infer_sample_type<P>)
      .kernel(DeviceType::kCPU, element_kernel<P>);
}

[[maybe_unused]] OpRegistrar r_exponential = element_sampler<ExponentialParam>(
    "_random_exponential", "random_exponential", "Samples from an exponential distribution with rate lam.");
[[maybe_unused]] OpRegistrar r_gamma = element_sampler<GammaParam>(
    "_random_gamma", "random_gamma", "Samples from a gamma distribution with shape alpha and scale beta.");
[[maybe_unused]] OpRegistrar r_poisson = element_sampler<PoissonParam>(
    "_random_poisson", "random_poisson", "Samples from a Poisson distribution of mean lam.");
[[maybe_unused]] OpRegistrar r_negative_binomial = element_sampler<NegativeBinomialParam>(
    "_random_negative_binomial", "random_negative_binomial",
    "Samples the failures before the k-th success of trials succeeding with probability p.");
[[maybe_unused]] OpRegistrar r_generalized_negative_binomial = element_sampler<GeneralizedNegativeBinomialParam>(
    "_random_generalized_negative_binomial", "random_generalized_negative_binomial",
    "Samples from a negative binomial distribution of mean mu and variance mu + alpha * mu^2.");
[[maybe_unused]] OpRegistrar r_bernoulli = element_sampler<BernoulliParam>(
    "_random_bernoulli", "random_bernoulli", "Samples 1 with probability prob, else 0.");

// --- randint -------------------------------------------------------------------------------------------------

struct RandintParam {
  int64_t low = 0, high = 0;
  Shape shape;
  std::string ctx;
  std::optional<DType> dtype;
  static void describe(ParamBuilder<RandintParam>& p) {
    p.field("low", &RandintParam::low, "Lower bound (inclusive).");
    p.field("high", &RandintParam::high, "Upper bound (exclusive).");
    p.field("shape", &RandintParam::shape, "Shape of the output.").set_default(Shape{});
    p.field("ctx", &RandintParam::ctx, "Device of the output, e.g. cpu(0); the default context if empty.")
        .set_default(std::string());
    p.field("dtype", &RandintParam::dtype, "Output dtype (int32 or int64); int32 if None.");
  }
  void validate(const std::string& op) const {
    SN_CHECK(low < high, op, ": parameters low < high expected, got low=", low, " high=", high);
    if (dtype.value_or(DType::kInt32) == DType::kInt32) {
      constexpr int64_t lo = std::numeric_limits<int32_t>::min(), hi = int64_t{std::numeric_limits<int32_t>::max()} + 1;
      SN_CHECK(low >= lo && high <= hi, op, ": low and high must lie in [", lo, ", ", hi, "] for dtype int32, got low=",
               low, " high=", high);
    }
  }
};

bool infer_randint_type(const OpAttrs& attrs, std::vector<int>&, std::vector<int>& out) {
  DType t = attrs.get<RandintParam>().dtype.value_or(DType::kInt32);
  SN_CHECK_TYPE(t == DType::kInt32 || t == DType::kInt64, attrs.op->name, ": dtype must be int32 or int64, got ", t);
  out[0] = static_cast<int>(t);
  return true;
}

using RandintDTypes = DTypeTable<int32_t, int64_t>;

void randint_kernel(const OpContext& ctx, std::span<const TensorView>, std::span<const TensorView> out) {
  const auto& p = ctx.params<RandintParam>();
  const int64_t n = out[0].size();
  const uint64_t key = ctx.random_seed, seq = ctx.random_sequence;
  const uint64_t range = static_cast<uint64_t>(p.high) - static_cast<uint64_t>(p.low);
  dispatch_dtype<RandintDTypes>(out[0].dtype, ctx.attrs.op->name, [&]<class T>() {
    T* y = out[0].ptr<T>();
    parallel_for(n, ctx.run.num_threads, [&](int64_t lo, int64_t hi) {
      for (int64_t i = lo; i < hi; ++i) {
        philox::ElementStream s(key, seq, static_cast<uint64_t>(i));
        // Two's complement wrap: low + r lies in [low, high) for any range up to 2^64 - 1.
        y[i] = static_cast<T>(static_cast<int64_t>(static_cast<uint64_t>(p.low) + s.below(range)));
      }
    }, kDrawCost);
  });
}

[[maybe_unused]] OpRegistrar r_randint = OpRegistrar("_random_randint")
                                             .describe("Samples integers uniformly from [low, high).")
                                             .alias("random_randint")
                                             .dtypes<RandintDTypes>()
                                             .inputs({})
                                             .outputs({"output"})
                                             .random()
                                             .zero_gradient()
                                             .params<RandintParam>()
                                             .infer_shape(infer_sample_shape<RandintParam>)
                                             .infer_type(infer_randint_type)
                                             .kernel(DeviceType::kCPU, randint_kernel);

}  // namespace
}  // namespace sn
