// Pooling(data; kernel, pool_type, global_pool, pooling_convention, stride, pad, p_value, count_include_pad,
// layout): MXNet 1.x's max/avg/sum/lp pooling over 1 to 3 spatial axes of NC[D][H]W data, with its border
// conventions: `valid` rounds the window count down, `full` up (the last windows are clipped at the padded
// border), `same` gives ceil(in / stride) windows (pad must be 0) clipped at the end. An average divides by the
// window clipped to the padded input (count_include_pad, the default) or to the data. lp pooling is
// (sum x^p)^(1/p) with x^p as MXNet (no absolute value; p 1, 2, 3 or any other). Own loops rather than
// oneDNN's: oneDNN has no `full`/`same`, lp or sum pooling and a different clipped-average rule.
// Max pooling keeps each window's argmax (its offset in the (n, c) plane, int32) as a hidden output its
// gradient scatters through.
#include <algorithm>
#include <cmath>
#include <limits>
#include <vector>

#include "ops/gradient.h"
#include "ops/nn/conv_impl.h"
#include "ops/op_utils.h"

namespace sn {
namespace {

enum class PoolType { kAvg, kLp, kMax, kSum };
enum class PoolConvention { kFull, kSame, kValid };

struct PoolingParam {
  Shape kernel;
  PoolType pool_type = PoolType::kMax;
  bool global_pool = false;
  bool cudnn_off = false;
  PoolConvention pooling_convention = PoolConvention::kValid;
  Shape stride, pad;
  std::optional<int64_t> p_value;
  std::optional<bool> count_include_pad;
  std::optional<ConvLayout> layout;
  static void describe(ParamBuilder<PoolingParam>& b) {
    b.field("kernel", &PoolingParam::kernel, "Window size: (w,), (h, w) or (d, h, w); ignored with global_pool.")
        .set_default(Shape{});
    b.field("pool_type", &PoolingParam::pool_type, "Pooling function.")
        .set_enum({{"avg", PoolType::kAvg}, {"lp", PoolType::kLp}, {"max", PoolType::kMax}, {"sum", PoolType::kSum}})
        .set_default(PoolType::kMax);
    b.field("global_pool", &PoolingParam::global_pool, "Pool over all spatial positions (kernel, stride, pad "
            "ignored).").set_default(false);
    b.field("cudnn_off", &PoolingParam::cudnn_off, "Turn cuDNN off (no effect on CPU).").set_default(false);
    b.field("pooling_convention", &PoolingParam::pooling_convention, "How windows meet the border.")
        .set_enum({{"full", PoolConvention::kFull}, {"same", PoolConvention::kSame}, {"valid", PoolConvention::kValid}})
        .set_default(PoolConvention::kValid);
    b.field("stride", &PoolingParam::stride, "Stride per spatial axis (default 1).").set_default(Shape{});
    b.field("pad", &PoolingParam::pad, "Padding on both sides per spatial axis (default 0).").set_default(Shape{});
    b.field("p_value", &PoolingParam::p_value, "p of lp pooling.");
    b.field("count_include_pad", &PoolingParam::count_include_pad,
            "Average pooling: count padded positions in the divisor (None: True).");
    set_layout_names(b.field("layout", &PoolingParam::layout, "Data layout; None is NCW, NCHW or NCDHW."));
  }
};

// The windows for this data shape, checked (errors name the op and the argument). batch * in_c planes.
ConvGeom geometry(const OpDef& op, const PoolingParam& p, const Shape& data) {
  ConvGeom g;
  if (p.global_pool) {
    const int nsp = data.ndim() - 2;
    SN_CHECK_SHAPE(nsp >= 1 && nsp <= 3, op.name, ": data must have 3 to 5 axes (batch, channel, 1 to 3 spatial), "
                   "got shape ", data);
    Shape k;
    for (int i = 0; i < nsp; ++i) k.push_back(data[2 + i]);
    set_conv_window(op, g, k, Shape{}, Shape{}, Shape{}, p.layout);
  } else {
    SN_CHECK(p.kernel.ndim() >= 1, op.name, ": kernel is required unless global_pool=True");
    set_conv_window(op, g, p.kernel, p.stride, Shape{}, p.pad, p.layout);
    SN_CHECK_SHAPE(data.ndim() == g.nsp + 2, op.name, ": data must have ", g.nsp + 2, " axes (batch, channel and ",
                   g.nsp, " spatial) for kernel ", p.kernel, ", got shape ", data);
  }
  if (p.pool_type == PoolType::kLp)
    SN_CHECK(p.p_value && *p.p_value >= 1, op.name, ": pool_type=lp needs p_value >= 1, got ",
             p.p_value ? std::to_string(*p.p_value) : std::string("None"));
  if (p.pooling_convention == PoolConvention::kSame && !p.global_pool)
    SN_CHECK(g.pad == (std::array<int64_t, 3>{0, 0, 0}), op.name, ": pooling_convention=same takes no pad, got ", p.pad);
  g.batch = data[0];
  g.in_c = g.out_c = data[1];
  for (int i = 0; i < g.nsp; ++i) {
    const size_t a = static_cast<size_t>(3 - g.nsp + i);
    g.in[a] = data[2 + i];
    const int64_t padded = g.in[a] + 2 * g.pad[a];
    if (p.global_pool) {
      g.out[a] = 1;
    } else if (p.pooling_convention == PoolConvention::kSame) {
      g.out[a] = (g.in[a] + g.stride[a] - 1) / g.stride[a];
    } else {
      SN_CHECK_SHAPE(g.kernel[a] <= padded, op.name, ": kernel ", p.kernel, " is larger than the padded data along "
                     "spatial axis ", i, " (", padded, " for data ", data, ", pad ", p.pad, ")");
      const int64_t room = padded - g.kernel[a];
      g.out[a] = 1 + (p.pooling_convention == PoolConvention::kFull ? (room + g.stride[a] - 1) / g.stride[a]
                                                                     : room / g.stride[a]);
    }
  }
  return g;
}

bool infer_pool_shape(const OpAttrs& attrs, std::vector<Shape>& in, std::vector<Shape>& out) {
  const std::optional<Shape> data = batch_free(in[0]);  // Note [Unknown batch]
  if (!data) return false;
  const Shape o = with_batch(geometry(*attrs.op, attrs.get<PoolingParam>(), *data).out_shape(), in[0]);
  for (Shape& s : out) merge_shape(*attrs.op, s, o, "the output");
  share_batch(*attrs.op, in[0], out[0]);
  return in[0].is_known();
}

bool infer_pool_type(const OpAttrs& attrs, std::vector<int>& in, std::vector<int>& out) {
  std::vector<int> visible{out[0]};
  const bool known = infer_same_float_type(attrs, in, visible);
  out[0] = visible[0];
  if (out.size() > 1) out[1] = static_cast<int>(DType::kInt32);
  return known;
}

// One axis of an output position's window: [lo, hi) clipped to the data, and its extent clipped to the padded data
// (what count_include_pad divides by; full-convention windows can reach past the padding).
struct AxisWindow {
  int64_t lo, hi, padded;
};
AxisWindow axis_window(const ConvGeom& g, size_t a, int64_t o) {
  const int64_t start = o * g.stride[a] - g.pad[a], end = std::min(start + g.kernel[a], g.in[a] + g.pad[a]);
  return {std::max<int64_t>(start, 0), std::min(end, g.in[a]), end - start};
}
// The average's divisor for a window given by its axes.
int64_t average_count(const PoolingParam& p, std::initializer_list<AxisWindow> axes) {
  const bool include_pad = p.count_include_pad.value_or(true);
  int64_t n = 1;
  for (const AxisWindow& w : axes) n *= include_pad ? w.padded : std::max<int64_t>(w.hi - w.lo, 0);
  return n;
}

// One output position's window: [lo, hi) per axis clipped to the data, and the count the average divides by.
struct Window {
  std::array<int64_t, 3> lo, hi;
  int64_t count;
};
Window window_at(const ConvGeom& g, const PoolingParam& p, const std::array<int64_t, 3>& o) {
  const AxisWindow a0 = axis_window(g, 0, o[0]), a1 = axis_window(g, 1, o[1]), a2 = axis_window(g, 2, o[2]);
  return {{a0.lo, a1.lo, a2.lo}, {a0.hi, a1.hi, a2.hi}, average_count(p, {a0, a1, a2})};
}

// The first maximum of the values taken, in order, or the first NaN, which wins (NaN propagates as in max()).
// `first` is the index of the first value to come (it wins if all are -inf), -1 for an empty window (one in the
// padding). Selects rather than a branch per value: on random data the branch mispredicts (max pooling 3x3/2 on
// 32x64x56x56: 36 ms with a branch, 15 ms with selects; tracking "nothing taken yet" in the select instead of
// `first` cost 27 ms).
template <class C>
struct FirstMax {
  explicit FirstMax(int64_t first) : at(first) {}
  C best = -std::numeric_limits<C>::infinity();
  int64_t at, nan_at = -1;
  void take(C v, int64_t i) {
    const bool greater = v > best, first_nan = (v != v) & (nan_at < 0);
    best = greater ? v : best;
    at = greater ? i : at;
    nan_at = first_nan ? i : nan_at;
  }
  C value() const { return nan_at >= 0 ? std::numeric_limits<C>::quiet_NaN() : best; }
  int32_t index() const { return static_cast<int32_t>(nan_at >= 0 ? nan_at : at); }
};

template <class F>
void for_each_in(const ConvGeom& g, const Window& w, F&& f) {
  for (int64_t i0 = w.lo[0]; i0 < w.hi[0]; ++i0)
    for (int64_t i1 = w.lo[1]; i1 < w.hi[1]; ++i1)
      for (int64_t i2 = w.lo[2]; i2 < w.hi[2]; ++i2) f((i0 * g.in[1] + i1) * g.in[2] + i2);
}

// Calls f(flat output index, window) for every output position of a plane.
template <class F>
void for_each_out(const ConvGeom& g, const PoolingParam& p, F&& f) {
  for (int64_t o0 = 0; o0 < g.out[0]; ++o0)
    for (int64_t o1 = 0; o1 < g.out[1]; ++o1)
      for (int64_t o2 = 0; o2 < g.out[2]; ++o2)
        f((o0 * g.out[1] + o1) * g.out[2] + o2, window_at(g, p, {o0, o1, o2}));
}

template <class C>
C pow_p(C x, int64_t p) {
  switch (p) {
    case 1: return x;
    case 2: return x * x;
    case 3: return x * x * x;
    default: return std::pow(x, static_cast<C>(p));
  }
}
template <class C>
C root_p(C x, int64_t p) {
  switch (p) {
    case 1: return x;
    case 2: return std::sqrt(x);
    case 3: return std::cbrt(x);
    default: return std::pow(x, C(1) / static_cast<C>(p));
  }
}

// The common case, one plane of 2-d max/avg/sum pooling: the windows' column ranges computed once per call,
// plain row pointers, and for max the output columns whose windows lie inside the data vectorised (strided
// loads). Max pooling 3x3/2 on 32x64x56x56: 41 ms through for_each_out, 10-14 ms here (bench/nn.sh).
template <class T>
void pool2d_plane(const ConvGeom& g, const PoolingParam& p, const T* x, T* y, int32_t* arg,
                  const std::vector<AxisWindow>& cols) {
  using C = compute_t<T>;
  const int64_t W = g.in[2], OH = g.out[1], OW = g.out[2];
  auto max_at = [&](const AxisWindow& rows, const AxisWindow& c, int64_t o) {
    FirstMax<C> m(rows.lo < rows.hi && c.lo < c.hi ? rows.lo * W + c.lo : -1);
    for (int64_t h = rows.lo; h < rows.hi; ++h)
      for (int64_t w = c.lo; w < c.hi; ++w) m.take(load(x[h * W + w]), h * W + w);
    y[o] = store<T>(m.value());
    arg[o] = m.index();
  };
  for (int64_t oh = 0; oh < OH; ++oh) {
    const AxisWindow rows = axis_window(g, 1, oh);
    int64_t ow = 0;
    if (p.pool_type == PoolType::kMax) {
      const int64_t kw = g.kernel[2], sw = g.stride[2], pw = g.pad[2];
      const int64_t lo = std::min(OW, (pw + sw - 1) / sw);  // the first column whose window starts at >= 0
      const int64_t hi = W + pw < kw ? lo : std::max(lo, std::min(OW, (W + pw - kw) / sw + 1));  // ends <= W before
      for (; ow < lo; ++ow) max_at(rows, cols[static_cast<size_t>(ow)], oh * OW + ow);
      T* yrow = y + oh * OW;
      int32_t* arow = arg + oh * OW;
#pragma omp simd
      for (int64_t j = lo; j < hi; ++j) {
        FirstMax<C> m(rows.lo < rows.hi ? rows.lo * W + j * sw - pw : -1);
        for (int64_t h = rows.lo; h < rows.hi; ++h)
          for (int64_t k = 0; k < kw; ++k) m.take(load(x[h * W + j * sw - pw + k]), h * W + j * sw - pw + k);
        yrow[j] = store<T>(m.value());
        arow[j] = m.index();
      }
      for (ow = hi; ow < OW; ++ow) max_at(rows, cols[static_cast<size_t>(ow)], oh * OW + ow);
      continue;
    }
    for (; ow < OW; ++ow) {
      const AxisWindow& c = cols[static_cast<size_t>(ow)];
      C sum = 0;
      for (int64_t h = rows.lo; h < rows.hi; ++h)
        for (int64_t w = c.lo; w < c.hi; ++w) sum += load(x[h * W + w]);
      if (p.pool_type == PoolType::kAvg) {
        const int64_t count = average_count(p, {rows, c});
        sum = count > 0 ? sum / static_cast<C>(count) : C(0);
      }
      y[oh * OW + ow] = store<T>(sum);
    }
  }
}

void pool_kernel(const OpContext& ctx, std::span<const TensorView> in, std::span<const TensorView> out) {
  const auto& p = ctx.params<PoolingParam>();
  const ConvGeom g = geometry(*ctx.attrs.op, p, in[0].shape);
  const int64_t is = g.in_size(), os = g.out_size();
  const bool fast = g.nsp == 2 && p.pool_type != PoolType::kLp;
  std::vector<AxisWindow> cols;
  if (fast)
    for (int64_t ow = 0; ow < g.out[2]; ++ow) cols.push_back(axis_window(g, 2, ow));
  dispatch_dtype<FloatDTypes>(out[0].dtype, ctx.attrs.op->name, [&]<class T>() {
    using C = compute_t<T>;
    parallel_for(g.batch * g.in_c, ctx.run.num_threads, [&](int64_t lo, int64_t hi) {
      for (int64_t plane = lo; plane < hi; ++plane) {
        const T* x = in[0].ptr<T>() + plane * is;
        T* y = out[0].ptr<T>() + plane * os;
        int32_t* arg = p.pool_type == PoolType::kMax ? out[1].ptr<int32_t>() + plane * os : nullptr;
        if (fast) {
          pool2d_plane(g, p, x, y, arg, cols);
          continue;
        }
        for_each_out(g, p, [&](int64_t o, const Window& w) {
          switch (p.pool_type) {
            case PoolType::kMax: {
              const bool empty = w.lo[0] >= w.hi[0] || w.lo[1] >= w.hi[1] || w.lo[2] >= w.hi[2];
              FirstMax<C> m(empty ? -1 : (w.lo[0] * g.in[1] + w.lo[1]) * g.in[2] + w.lo[2]);
              for_each_in(g, w, [&](int64_t i) { m.take(load(x[i]), i); });
              y[o] = store<T>(m.value());
              arg[o] = m.index();
              break;
            }
            case PoolType::kAvg:
            case PoolType::kSum: {
              C s = 0;
              for_each_in(g, w, [&](int64_t i) { s += load(x[i]); });
              if (p.pool_type == PoolType::kAvg) s = w.count > 0 ? s / static_cast<C>(w.count) : C(0);
              y[o] = store<T>(s);
              break;
            }
            case PoolType::kLp: {
              C s = 0;
              for_each_in(g, w, [&](int64_t i) { s += pow_p(load(x[i]), *p.p_value); });
              y[o] = store<T>(root_p(s, *p.p_value));
              break;
            }
          }
        });
      }
    }, is);
  });
}

// Gradients through _backward_Pooling(ograd, data, output[, argmax]); it is not differentiable itself (as MXNet).
void pool_grad(GradBuilder& b) {
  const auto& p = b.attrs().get<PoolingParam>();
  std::vector<GradValue> in{b.out_grad(0), b.input(0), b.output(0)};
  if (p.pool_type == PoolType::kMax) in.push_back(b.output(1));
  b.set_input_grad(0, b.apply("_backward_Pooling", in, b.attrs())[0]);
}

[[maybe_unused]] OpRegistrar r_pooling = OpRegistrar("Pooling")
    .describe("Max, average, sum or lp pooling over 1 to 3 spatial axes with MXNet's border conventions.")
    .params<PoolingParam>()
    .dtypes<FloatDTypes>()
    .inputs({"data"})
    .outputs({"output", "argmax"}, 1)
    .optional_output<PoolingParam, &PoolingParam::pool_type, PoolType::kMax>(1, "pool_type")
    .infer_shape(infer_pool_shape)
    .infer_type(infer_pool_type)
    .kernel(DeviceType::kCPU, pool_kernel)
    .gradient(pool_grad, {0}, {0, 1});

bool infer_pool_backward_shape(const OpAttrs& attrs, std::vector<Shape>& in, std::vector<Shape>& out) {
  if (!in[1].is_known()) return false;
  const Shape o = geometry(*attrs.op, attrs.get<PoolingParam>(), in[1]).out_shape();
  merge_input_shape(*attrs.op, in[0], o, 0);
  merge_input_shape(*attrs.op, in[2], o, 2);
  if (in.size() > 3) merge_input_shape(*attrs.op, in[3], o, 3);
  merge_shape(*attrs.op, out[0], in[1], "the data gradient");
  return true;
}

bool infer_pool_backward_type(const OpAttrs& attrs, std::vector<int>& in, std::vector<int>& out) {
  std::vector<int> floats(in.begin(), in.begin() + 3);
  const bool known = infer_same_float_type(attrs, floats, out);
  std::copy(floats.begin(), floats.end(), in.begin());
  if (in.size() > 3) {
    SN_CHECK_TYPE(in[3] < 0 || in[3] == static_cast<int>(DType::kInt32), attrs.op->name,
                  ": argmax must be int32 (Pooling's hidden output), got ", static_cast<DType>(in[3]));
    in[3] = static_cast<int>(DType::kInt32);
  }
  return known;
}

void pool_backward_kernel(const OpContext& ctx, std::span<const TensorView> in, std::span<const TensorView> out) {
  const auto& p = ctx.params<PoolingParam>();
  const ConvGeom g = geometry(*ctx.attrs.op, p, in[1].shape);
  const int64_t is = g.in_size(), os = g.out_size();
  dispatch_dtype<FloatDTypes>(out[0].dtype, ctx.attrs.op->name, [&]<class T>() {
    using C = compute_t<T>;
    parallel_for(g.batch * g.in_c, ctx.run.num_threads, [&](int64_t lo, int64_t hi) {
      std::vector<C> acc(static_cast<size_t>(is));
      for (int64_t plane = lo; plane < hi; ++plane) {  // each task owns its planes of the data gradient
        const T* dy = in[0].ptr<T>() + plane * os;
        const T* x = in[1].ptr<T>() + plane * is;
        const T* y = in[2].ptr<T>() + plane * os;
        std::fill(acc.begin(), acc.end(), C(0));
        if (p.pool_type == PoolType::kMax) {
          const int32_t* arg = in[3].ptr<int32_t>() + plane * os;
          for (int64_t o = 0; o < os; ++o)
            if (arg[o] >= 0 && arg[o] < is) acc[static_cast<size_t>(arg[o])] += load(dy[o]);
        } else {
          for_each_out(g, p, [&](int64_t o, const Window& w) {
            C d = load(dy[o]);
            if (p.pool_type == PoolType::kAvg) d = w.count > 0 ? d / static_cast<C>(w.count) : C(0);
            if (p.pool_type == PoolType::kLp) {
              // d y / d x = x^(p-1) / y^(p-1)
              const C yv = load(y[o]);
              for_each_in(g, w, [&](int64_t i) {
                const C r = pow_p(load(x[i]), *p.p_value - 1) / pow_p(yv, *p.p_value - 1);
                acc[static_cast<size_t>(i)] += d * r;
              });
              return;
            }
            for_each_in(g, w, [&](int64_t i) { acc[static_cast<size_t>(i)] += d; });
          });
        }
        T* dx = out[0].ptr<T>() + plane * is;
        for (int64_t i = 0; i < is; ++i) dx[i] = store<T>(acc[static_cast<size_t>(i)]);
      }
    }, is);
  });
}

[[maybe_unused]] OpRegistrar r_backward_pooling = OpRegistrar("_backward_Pooling")
    .describe("Pooling's data gradient from the output's (max pooling scatters through the argmax).")
    .params<PoolingParam>()
    .dtypes<FloatDTypes>()
    .inputs({"ograd", "data", "output", "argmax"})
    .optional_input<PoolingParam, &PoolingParam::pool_type, PoolType::kMax>(3, "pool_type")
    .outputs({"data_grad"})
    .infer_shape(infer_pool_backward_shape)
    .infer_type(infer_pool_backward_type)
    .kernel(DeviceType::kCPU, pool_backward_kernel);

}  // namespace
}  // namespace sn
