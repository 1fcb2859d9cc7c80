// Samplers without array inputs: uniform and normal, on the Philox generator.
// Element i of the o-th sampler call after a seed uses Philox(seed, o, i / 4).
#include <limits>
#include <numbers>

#include "ops/op_utils.h"
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
  const Shape& s = attrs.get<P>().shape;
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

// The largest value of T below x.
template <class T>
T next_down(T x) {
  if constexpr (std::is_floating_point_v<T>) {
    return std::nextafter(x, -std::numeric_limits<T>::infinity());
  } else {  // 16-bit floats: step the bit pattern
    const float f = static_cast<float>(x);
    if (f == 0) return T::from_bits(0x8001);
    return T::from_bits(static_cast<uint16_t>(f > 0 ? x.bits - 1 : x.bits + 1));
  }
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
            if (load(y[i]) >= p.b && p.b > p.a) y[i] = next_down(y[i]);
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

}  // namespace
}  // namespace sn
