// L2Normalization(data; eps, mode): data divided by its L2 norm sqrt(sum x^2 + eps), taken per sample over every
// other axis (instance), over the channels at each position (channel), or per (sample, channel) over the spatial
// axes (spatial). The norm is a hidden output: (N,), (N, 1, ...) and (N, C) by mode, as MXNet 1.x. The gradient is
// composed from registered ops (so it is differentiable again).
#include "ops/nn/norm_common.h"

namespace sn {
namespace {

enum class L2Mode { kInstance, kChannel, kSpatial };

struct L2NormalizationParam {
  double eps = 1e-10;
  L2Mode mode = L2Mode::kInstance;
  static void describe(ParamBuilder<L2NormalizationParam>& b) {
    b.field("eps", &L2NormalizationParam::eps, "Added to the sum of squares before its square root.")
        .set_default(1e-10)
        .set_lower_bound(0);
    b.field("mode", &L2NormalizationParam::mode,
            "instance: per sample; channel: across channels at each position; spatial: per channel over positions.")
        .set_enum({{"channel", L2Mode::kChannel}, {"instance", L2Mode::kInstance}, {"spatial", L2Mode::kSpatial}})
        .set_default(L2Mode::kInstance);
  }
};

// The data as (outer, n, inner) with the norm taken along n.
struct Slabs {
  int64_t outer, n, inner;
};
Slabs slabs_of(const OpDef& op, L2Mode mode, const Shape& s) {
  if (mode == L2Mode::kInstance) {
    SN_CHECK_SHAPE(s.ndim() >= 1, op.name, ": data must have at least 1 dimension in instance mode, got ", s);
    return {s[0], s.size(1, s.ndim()), 1};
  }
  SN_CHECK_SHAPE(s.ndim() >= 3, op.name, ": data must have at least 3 dimensions in ",
                 mode == L2Mode::kChannel ? "channel" : "spatial", " mode, got ", s);
  if (mode == L2Mode::kChannel) return {s[0], s[1], s.size(2, s.ndim())};
  return {s[0] * s[1], s.size(2, s.ndim()), 1};
}

Shape norm_shape(L2Mode mode, const Shape& s) {
  if (mode == L2Mode::kInstance) return Shape{s[0]};
  if (mode == L2Mode::kSpatial) return Shape{s[0], s[1]};
  Shape r = s;
  r[1] = 1;
  return r;
}

bool infer_l2_shape(const OpAttrs& attrs, std::vector<Shape>& in, std::vector<Shape>& out) {
  const L2Mode mode = attrs.get<L2NormalizationParam>().mode;
  merge_input_shape(*attrs.op, in[0], out[0], 0);
  if (!in[0].is_known()) return false;
  slabs_of(*attrs.op, mode, in[0]);
  merge_shape(*attrs.op, out[0], in[0], "the output");
  merge_shape(*attrs.op, out[1], norm_shape(mode, in[0]), "the norm");
  return true;
}

void l2_kernel(const OpContext& ctx, std::span<const TensorView> in, std::span<const TensorView> out) {
  const auto& p = ctx.params<L2NormalizationParam>();
  const Slabs sl = slabs_of(*ctx.attrs.op, p.mode, in[0].shape);
  dispatch_dtype<FloatDTypes>(out[0].dtype, ctx.attrs.op->name, [&]<class T>() {
    using A = norm::stat_t<T>;
    using C = compute_t<T>;
    const T* x = in[0].ptr<T>();
    T* y = out[0].ptr<T>();
    T* nrm = out[1].ptr<T>();
    const A eps = static_cast<A>(p.eps);
    if (sl.inner == 1) {
      parallel_for(sl.outer, ctx.run.num_threads, [&](int64_t lo, int64_t hi) {
        for (int64_t o = lo; o < hi; ++o) {
          const T* xr = x + o * sl.n;
          T* yr = y + o * sl.n;
          A q = 0;
#pragma omp simd reduction(+ : q)
          for (int64_t k = 0; k < sl.n; ++k) q += static_cast<A>(load(xr[k])) * static_cast<A>(load(xr[k]));
          const A nv = std::sqrt(q + eps);
          nrm[o] = store<T>(nv);
          const C inv = static_cast<C>(A(1) / nv);
#pragma omp simd
          for (int64_t k = 0; k < sl.n; ++k) yr[k] = store<T>(load(xr[k]) * inv);
        }
      }, sl.n * 3);
      return;
    }
    const int64_t chunks = (sl.inner + norm::kChunk - 1) / norm::kChunk;
    parallel_for(sl.outer * chunks, ctx.run.num_threads, [&](int64_t lo, int64_t hi) {
      A q[norm::kChunk];
      C inv[norm::kChunk];
      for (int64_t t = lo; t < hi; ++t) {
        const int64_t o = t / chunks, i0 = (t % chunks) * norm::kChunk, len = std::min(norm::kChunk, sl.inner - i0);
        const T* xs = x + o * sl.n * sl.inner + i0;
        T* ys = y + o * sl.n * sl.inner + i0;
        for (int64_t i = 0; i < len; ++i) q[i] = 0;
        for (int64_t k = 0; k < sl.n; ++k) {
          const T* xr = xs + k * sl.inner;
#pragma omp simd
          for (int64_t i = 0; i < len; ++i) q[i] += static_cast<A>(load(xr[i])) * static_cast<A>(load(xr[i]));
        }
        for (int64_t i = 0; i < len; ++i) {
          const A nv = std::sqrt(q[i] + eps);
          nrm[o * sl.inner + i0 + i] = store<T>(nv);
          inv[i] = static_cast<C>(A(1) / nv);
        }
        for (int64_t k = 0; k < sl.n; ++k) {
          const T* xr = xs + k * sl.inner;
          T* yr = ys + k * sl.inner;
#pragma omp simd
          for (int64_t i = 0; i < len; ++i) yr[i] = store<T>(load(xr[i]) * inv[i]);
        }
      }
    }, sl.n * norm::kChunk * 3);
  });
}

// y = x / n with n = sqrt(sum x^2 + eps) over each set: dx = (g - y (sum(g y) - g_n n)) / n, where g_n is the norm's
// own gradient (it reaches x as dn/dx = y; nonzero only when a higher-order gradient reads the norm).
void l2_grad(GradBuilder& b) {
  const L2Mode mode = b.attrs().get<L2NormalizationParam>().mode;
  const Shape s = b.known_input_shape(0);
  Shape bs(s.ndim(), 1);  // the norm, broadcastable against data
  bs[0] = s[0];
  if (mode == L2Mode::kSpatial) bs[1] = s[1];
  if (mode == L2Mode::kChannel) bs = norm_shape(mode, s);
  const GradValue y = b.output(0), g = b.out_grad(0);
  const GradValue n = norm::reshape(b, b.output(1), bs), gn = norm::reshape(b, b.out_grad(1), bs);
  GradValue gy = b.op("elemwise_mul", {g, y});
  if (s.ndim() > 1) {
    const std::vector<ParamKV> sum = mode == L2Mode::kChannel   ? norm::reduce_params("(1,)", true)
                                     : mode == L2Mode::kSpatial ? norm::reduce_params("(0, 1)", true, true)
                                                                : norm::reduce_params("(0,)", true, true);
    gy = b.op("sum", {gy}, sum);
  }
  const GradValue t = b.op("elemwise_sub", {gy, b.op("elemwise_mul", {gn, n})});
  b.set_input_grad(0, b.op("broadcast_div", {b.op("elemwise_sub", {g, b.op("broadcast_mul", {y, t})}), n}));
}

[[maybe_unused]] OpRegistrar r_l2_normalization = OpRegistrar("L2Normalization")
    .describe("Divides data by its L2 norm per sample (instance), across channels (channel) or per channel (spatial).")
    .params<L2NormalizationParam>()
    .dtypes<FloatDTypes>()
    .inputs({"data"})
    .outputs({"output", "norm"}, 1)
    .infer_shape(infer_l2_shape)
    .infer_type(infer_same_float_type)
    .kernel(DeviceType::kCPU, l2_kernel)
    .gradient(l2_grad, {}, {0, 1});

}  // namespace
}  // namespace sn
