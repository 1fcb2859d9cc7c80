// Samplers with per-element parameters (mx.nd.random.*(NDArray ...)): the parameter arrays share one shape
// [s]; output[i] holds `shape` = [t] draws from the distribution of the parameters at i, so the output has
// shape [s] x [t]. Output element e reads its own Philox substream (Note [Per-element substreams]).
#include <cmath>
#include <limits>

#include "ops/op_utils.h"
#include "ops/random/distributions.h"

namespace sn {
namespace {

struct MultiSampleParam {
  Shape shape;
  std::optional<DType> dtype;
  static void describe(ParamBuilder<MultiSampleParam>& p) {
    p.field("shape", &MultiSampleParam::shape, "Shape of the draws per distribution.").set_default(Shape{});
    p.field("dtype", &MultiSampleParam::dtype,
            "Output dtype (float16, float32 or float64); the parameters' dtype if None.");
  }
};

bool infer_multisample_shape(const OpAttrs& attrs, std::vector<Shape>& in, std::vector<Shape>& out) {
  const OpDef& op = *attrs.op;
  const Shape& t = attrs.get<MultiSampleParam>().shape;
  for (int64_t d : t.dims()) SN_CHECK_SHAPE(d >= 0, op.name, ": shape ", t, " has a negative dim");
  // Every parameter array has the first one's shape.
  Shape s = Shape::unknown();
  for (size_t i = 0; i < in.size(); ++i) merge_shape(op, s, in[i], "the parameter shape");
  for (size_t i = 0; i < in.size(); ++i) merge_input_shape(op, in[i], s, static_cast<int>(i));
  if (!s.is_known()) return false;
  Shape o = s;
  for (int64_t d : t.dims()) o.push_back(d);
  merge_shape(op, out[0], o, "the output");
  return true;
}

bool infer_multisample_type(const OpAttrs& attrs, std::vector<int>& in, std::vector<int>& out) {
  const OpDef& op = *attrs.op;
  int t = -1;
  for (size_t i = 0; i < in.size(); ++i) {
    if (in[i] < 0) continue;
    SN_CHECK_TYPE(t < 0 || in[i] == t, op.name, ": parameter arrays need one dtype, got ", static_cast<DType>(t),
                  " for ", op.input_name(0), " and ", static_cast<DType>(in[i]), " for ",
                  op.input_name(static_cast<int>(i)));
    t = in[i];
  }
  if (t >= 0)
    SN_CHECK_TYPE(FloatDTypes::contains(static_cast<DType>(t)), op.name,
                  ": parameter arrays must be float16, bfloat16, float32 or float64, got ", static_cast<DType>(t));
  for (int& i : in)
    if (i < 0) i = t;
  const std::optional<DType> d = attrs.get<MultiSampleParam>().dtype;
  if (d) {
    SN_CHECK_TYPE(*d == DType::kFloat16 || *d == DType::kFloat32 || *d == DType::kFloat64, op.name,
                  ": dtype must be float16, float32 or float64, got ", *d);
    out[0] = static_cast<int>(*d);
  } else {
    out[0] = t;
  }
  return t >= 0 && out[0] >= 0;
}

// Each family member: its parameter check (data-dependent, so raised by the kernel and reported at the
// output's wait) and its draw.
struct UniformDist {
  static constexpr const char* kExpected = "low <= high";
  static bool valid(double low, double high) { return low <= high; }
  static double draw(philox::ElementStream& s, double low, double high) { return low + (high - low) * s.uniform(); }
};
struct NormalDist {
  static constexpr const char* kExpected = "sigma >= 0";
  static bool valid(double, double sigma) { return sigma >= 0; }
  static double draw(philox::ElementStream& s, double mu, double sigma) { return mu + sigma * s.normal(); }
};
struct GammaDist {
  static constexpr const char* kExpected = "alpha > 0 and beta > 0";
  static bool valid(double alpha, double beta) { return alpha > 0 && beta > 0; }
  static double draw(philox::ElementStream& s, double alpha, double beta) { return philox::gamma(s, alpha) * beta; }
};
struct ExponentialDist {
  static constexpr const char* kExpected = "lam > 0";
  static bool valid(double lam, double) { return lam > 0; }
  static double draw(philox::ElementStream& s, double lam, double) { return -std::log(s.uniform_open0()) / lam; }
};
struct PoissonDist {
  static constexpr const char* kExpected = "lam >= 0 and finite";
  static bool valid(double lam, double) { return lam >= 0 && std::isfinite(lam); }
  static double draw(philox::ElementStream& s, double lam, double) { return philox::poisson(s, lam); }
};
struct NegativeBinomialDist {
  static constexpr const char* kExpected = "k > 0 and 0 < p <= 1";
  static bool valid(double k, double p) { return k > 0 && std::isfinite(k) && p > 0 && p <= 1; }
  static double draw(philox::ElementStream& s, double k, double p) { return philox::negative_binomial(s, k, p); }
};
struct GeneralizedNegativeBinomialDist {
  static constexpr const char* kExpected = "mu >= 0 and alpha >= 0, both finite";
  static bool valid(double mu, double alpha) {
    return mu >= 0 && alpha >= 0 && std::isfinite(mu) && std::isfinite(alpha);
  }
  static double draw(philox::ElementStream& s, double mu, double alpha) {
    return philox::generalized_negative_binomial(s, mu, alpha);
  }
};

// The parameter arrays in float64 (they are [t] times smaller than the output).
std::vector<double> as_doubles(const TensorView& v, const std::string& op) {
  std::vector<double> d(static_cast<size_t>(v.size()));
  dispatch_dtype<FloatDTypes>(v.dtype, op, [&]<class T>() {
    const T* x = v.ptr<T>();
    for (size_t i = 0; i < d.size(); ++i) d[i] = static_cast<double>(load(x[i]));
  });
  return d;
}

template <class D>
void multisample_kernel(const OpContext& ctx, std::span<const TensorView> in, std::span<const TensorView> out) {
  const std::string& name = ctx.attrs.op->name;
  const std::vector<double> a = as_doubles(in[0], name);
  const std::vector<double> b = in.size() > 1 ? as_doubles(in[1], name) : std::vector<double>(a.size(), 0.0);
  for (size_t i = 0; i < a.size(); ++i) {
    if (D::valid(a[i], b[i])) continue;
    if (in.size() > 1)
      SN_CHECK(false, name, ": ", D::kExpected, " expected at every position, got ", ctx.attrs.op->input_name(0), "=",
               a[i], " and ", ctx.attrs.op->input_name(1), "=", b[i], " at ", i);
    SN_CHECK(false, name, ": ", D::kExpected, " expected at every position, got ", ctx.attrs.op->input_name(0), "=",
             a[i], " at ", i);
  }
  const int64_t n = out[0].size();
  const int64_t per = a.empty() ? 1 : n / static_cast<int64_t>(a.size());  // draws per distribution
  const uint64_t key = ctx.random_seed, seq = ctx.random_sequence;
  dispatch_dtype<FloatDTypes>(out[0].dtype, name, [&]<class T>() {
    T* y = out[0].ptr<T>();
    parallel_for(n, ctx.run.num_threads, [&](int64_t lo, int64_t hi) {
      for (int64_t e = lo; e < hi; ++e) {
        const auto i = static_cast<size_t>(e / per);
        philox::ElementStream s(key, seq, static_cast<uint64_t>(e));
        y[e] = store<T>(D::draw(s, a[i], b[i]));
        if constexpr (std::is_same_v<D, UniformDist>) {  // rounding to T must not reach `high`
          if (load(y[e]) >= b[i] && b[i] > a[i]) y[e] = philox::next_down(y[e]);
        }
      }
    }, 16);
  });
}

template <class D>
OpRegistrar multisampler(const char* name, const char* alias, std::vector<std::string> inputs, const char* doc) {
  return OpRegistrar(name)
      .describe(doc)
      .alias(alias)
      .dtypes<FloatDTypes>()
      .inputs(std::move(inputs))
      .outputs({"output"})
      .random()
      .zero_gradient()
      .params<MultiSampleParam>()
      .infer_shape(infer_multisample_shape)
      .infer_type(infer_multisample_type)
      .kernel(DeviceType::kCPU, multisample_kernel<D>);
}

[[maybe_unused]] OpRegistrar r_uniform = multisampler<UniformDist>(
    "_sample_uniform", "sample_uniform", {"low", "high"}, "Samples uniformly from [low, high), per element.");
[[maybe_unused]] OpRegistrar r_normal = multisampler<NormalDist>(
    "_sample_normal", "sample_normal", {"mu", "sigma"}, "Samples from N(mu, sigma^2), per element.");
[[maybe_unused]] OpRegistrar r_gamma = multisampler<GammaDist>(
    "_sample_gamma", "sample_gamma", {"alpha", "beta"},
    "Samples from a gamma distribution (shape alpha, scale beta), per element.");
[[maybe_unused]] OpRegistrar r_exponential = multisampler<ExponentialDist>(
    "_sample_exponential", "sample_exponential", {"lam"},
    "Samples from an exponential distribution of rate lam, per element.");
[[maybe_unused]] OpRegistrar r_poisson = multisampler<PoissonDist>(
    "_sample_poisson", "sample_poisson", {"lam"}, "Samples from a Poisson distribution of mean lam, per element.");
[[maybe_unused]] OpRegistrar r_negative_binomial = multisampler<NegativeBinomialDist>(
    "_sample_negative_binomial", "sample_negative_binomial", {"k", "p"},
    "Samples the failures before the k-th success of trials succeeding with probability p, per element.");
[[maybe_unused]] OpRegistrar r_generalized_negative_binomial = multisampler<GeneralizedNegativeBinomialDist>(
    "_sample_generalized_negative_binomial", "sample_generalized_negative_binomial", {"mu", "alpha"},
    "Samples from a negative binomial distribution of mean mu and variance mu + alpha * mu^2, per element.");

}  // namespace
}  // namespace sn
