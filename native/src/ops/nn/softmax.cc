// The softmax family along one axis: softmax, log_softmax, softmin, and their backward ops (themselves
// differentiable). Max-subtracted; 16-bit floats computed in float32; vectorised over the softmax axis when it is
// the last one and across the trailing columns when it is an inner one.
#include <algorithm>
#include <bit>
#include <cmath>
#include <limits>

#include "ops/gradient.h"
#include "ops/op_utils.h"

namespace sn {
namespace {

struct SoftmaxParam {
  int64_t axis = -1;
  std::optional<double> temperature;
  std::optional<DType> dtype;
  bool use_length = false;
  static void describe(ParamBuilder<SoftmaxParam>& b) {
    b.field("axis", &SoftmaxParam::axis, "The axis to normalise along (negative counts from the end).").set_default(-1);
    b.field("temperature", &SoftmaxParam::temperature, "Divides the input first; None means 1.");
    b.field("dtype", &SoftmaxParam::dtype, "The output dtype (float16, float32 or float64); None: the input's.");
    b.field("use_length", &SoftmaxParam::use_length,
            "Take a length input (data's shape without axis): each line uses its first length elements and is 0 "
            "after them.")
        .set_default(false);
  }
};

enum class Mode { kSoftmax, kLogSoftmax, kSoftmin };

int softmax_axis(const OpDef& op, int64_t axis, const Shape& s) { return checked_axis(op, axis, s.ndim()); }

double temperature_of(const OpDef& op, const SoftmaxParam& p) {
  const double t = p.temperature.value_or(1.0);
  SN_CHECK(t != 0 && std::isfinite(t), op.name, ": temperature must be finite and non-zero, got ", t);
  return t;
}

// use_length: the length input has data's shape without the softmax axis ((1,) for 1-d data).
Shape length_shape(const OpDef& op, const SoftmaxParam& p, const Shape& data) {
  const int ax = softmax_axis(op, p.axis, data);
  Shape s;
  for (int d = 0; d < data.ndim(); ++d)
    if (d != ax) s.push_back(data[d]);
  if (s.ndim() == 0) s.push_back(1);
  return s;
}

bool infer_softmax_shape(const OpAttrs& attrs, std::vector<Shape>& in, std::vector<Shape>& out) {
  const auto& p = attrs.get<SoftmaxParam>();
  temperature_of(*attrs.op, p);
  if (in[0].is_known()) softmax_axis(*attrs.op, p.axis, in[0]);
  if (p.use_length && in[0].is_known()) merge_input_shape(*attrs.op, in[1], length_shape(*attrs.op, p, in[0]), 1);
  merge_input_shape(*attrs.op, in[0], out[0], 0);
  merge_shape(*attrs.op, out[0], in[0], "the output");
  return out[0].is_known();
}

bool infer_softmax_type(const OpAttrs& attrs, std::vector<int>& in, std::vector<int>& out) {
  const auto& p = attrs.get<SoftmaxParam>();
  if (p.use_length && in[1] >= 0)  // lengths are counts in any numeric dtype (truncated)
    SN_CHECK_TYPE(static_cast<DType>(in[1]) != DType::kBool, attrs.op->name, ": length must be numeric, got bool");
  if (in[0] >= 0 && !FloatDTypes::contains(static_cast<DType>(in[0])))
    throw_unsupported_dtype(attrs.op->name, static_cast<DType>(in[0]), FloatDTypes::dtypes);
  if (!p.dtype) {
    if (in[0] < 0) in[0] = out[0];
    if (out[0] < 0) out[0] = in[0];
    SN_CHECK_TYPE(in[0] == out[0], attrs.op->name, ": the output dtype ", static_cast<DType>(out[0]),
                  " differs from data's ", static_cast<DType>(in[0]));
    return out[0] >= 0;
  }
  SN_CHECK_TYPE(*p.dtype == DType::kFloat16 || *p.dtype == DType::kFloat32 || *p.dtype == DType::kFloat64,
                attrs.op->name, ": dtype must be float16, float32 or float64, got ", *p.dtype);
  SN_CHECK_TYPE(out[0] < 0 || out[0] == static_cast<int>(*p.dtype), attrs.op->name, ": dtype is ", *p.dtype,
                " but the output is ", static_cast<DType>(out[0]));
  out[0] = static_cast<int>(*p.dtype);
  return in[0] >= 0;
}

// Each line's length, clamped to [0, n] (lengths are counts: fractions truncate).
std::vector<int64_t> line_lengths(const TensorView& len, int64_t n, const char* op) {
  std::vector<int64_t> out(static_cast<size_t>(len.size()));
  dispatch_dtype<NumericDTypes>(len.dtype, op, [&]<class L>() {
    const L* l = len.ptr<L>();
    for (size_t i = 0; i < out.size(); ++i) {
      const double v = static_cast<double>(load(l[i]));
      out[i] = v != v ? 0 : static_cast<int64_t>(std::clamp(v, 0.0, static_cast<double>(n)));
    }
  });
  return out;
}

// One strided line with a length: f over its first len elements (in double), 0 after them (MXNet).
template <class T, class R>
void softmax_masked_line(const T* x, R* y, int64_t n, int64_t stride, int64_t len, double s, Mode mode) {
  double m = -std::numeric_limits<double>::infinity(), total = 0;
  for (int64_t k = 0; k < len; ++k) {
    const double z = s * static_cast<double>(load(x[k * stride]));
    m = (z > m || z != z) ? z : m;
  }
  for (int64_t k = 0; k < len; ++k) total += std::exp(s * static_cast<double>(load(x[k * stride])) - m);
  const double post = mode == Mode::kLogSoftmax ? std::log(total) : 1 / total;
  for (int64_t k = 0; k < n; ++k) {
    const double z = s * static_cast<double>(load(x[k * stride])) - m;
    y[k * stride] = k >= len ? store<R>(0) : store<R>(mode == Mode::kLogSoftmax ? z - post : std::exp(z) * post);
  }
}

// e^x for x <= 0, in a form the compiler vectorises (Cephes' expf: 2^n * p(r), about 1 ulp); below -87 it gives
// e^-87, negligible beside the row's largest term, which is 1.
inline float exp_nonpositive(float x) {
  x = x < -87.0f ? -87.0f : x;
  const float n = std::nearbyint(x * 1.44269504088896341f);
  const float r = x - n * 0.693359375f + n * 2.12194440e-4f;
  float p = 1.9875691500e-4f;
  p = p * r + 1.3981999507e-3f;
  p = p * r + 8.3334519073e-3f;
  p = p * r + 4.1665795894e-2f;
  p = p * r + 1.6666665459e-1f;
  p = p * r + 5.0000001201e-1f;
  p = p * r * r + r + 1.0f;
  return p * std::bit_cast<float>((static_cast<int32_t>(n) + 127) << 23);
}

template <class C>
inline C exp_shifted(C x) {
  if constexpr (std::is_same_v<C, float>) return exp_nonpositive(x);
  else return std::exp(x);
}

// One contiguous line: y = f(s * x), every pass vectorised along it; lines holding NaN or inf take plain arithmetic.
template <class T, class R>
void softmax_row(const T* x, R* y, int64_t n, double scale, Mode mode) {
  using C = std::conditional_t<std::is_same_v<T, double> || std::is_same_v<R, double>, double, float>;
  constexpr bool kKeep = std::is_same_v<R, C>;  // y holds the exponentials exactly between passes
  const C s = static_cast<C>(scale);
  C m = -std::numeric_limits<C>::infinity();
  int nan = 0;
#pragma omp simd reduction(max : m) reduction(| : nan)
  for (int64_t k = 0; k < n; ++k) {
    const C z = s * static_cast<C>(load(x[k]));
    nan |= static_cast<int>(z != z);
    m = z > m ? z : m;
  }
  if (nan || !std::isfinite(m)) {
    if (nan) m = std::numeric_limits<C>::quiet_NaN();
    C total = 0;
    for (int64_t k = 0; k < n; ++k) total += std::exp(s * static_cast<C>(load(x[k])) - m);
    const C post = mode == Mode::kLogSoftmax ? std::log(total) : C(1) / total;
    for (int64_t k = 0; k < n; ++k) {
      const C z = s * static_cast<C>(load(x[k])) - m;
      y[k] = store<R>(mode == Mode::kLogSoftmax ? z - post : std::exp(z) * post);
    }
    return;
  }
  C total = 0;
  if (mode != Mode::kLogSoftmax && kKeep) {
#pragma omp simd reduction(+ : total)
    for (int64_t k = 0; k < n; ++k) {
      const C e = exp_shifted<C>(s * static_cast<C>(load(x[k])) - m);
      y[k] = store<R>(e);
      total += e;
    }
  } else {
#pragma omp simd reduction(+ : total)
    for (int64_t k = 0; k < n; ++k) total += exp_shifted<C>(s * static_cast<C>(load(x[k])) - m);
  }
  if (mode == Mode::kLogSoftmax) {
    const C shift = m + std::log(total);
#pragma omp simd
    for (int64_t k = 0; k < n; ++k) y[k] = store<R>(s * static_cast<C>(load(x[k])) - shift);
  } else if (kKeep) {
    const C inv = C(1) / total;
#pragma omp simd
    for (int64_t k = 0; k < n; ++k) y[k] = store<R>(static_cast<C>(load(y[k])) * inv);
  } else {
    const C inv = C(1) / total;
#pragma omp simd
    for (int64_t k = 0; k < n; ++k) y[k] = store<R>(exp_shifted<C>(s * static_cast<C>(load(x[k])) - m) * inv);
  }
}

// One chunk of `len` columns of an (n x inner) slab: y = f(s * x) along n, where s is
// the sign and 1/temperature; finite rows take the vectorised form, rows holding NaN or inf plain arithmetic.
template <class T, class R>
void softmax_chunk(const T* x, R* y, int64_t n, int64_t inner, int64_t len, double scale, Mode mode) {
  using C = std::conditional_t<std::is_same_v<T, double> || std::is_same_v<R, double>, double, float>;
  constexpr int64_t kMax = 256;
  const C s = static_cast<C>(scale);
  C m[kMax], sum[kMax];
  for (int64_t i = 0; i < len; ++i) {
    m[i] = -std::numeric_limits<C>::infinity();
    sum[i] = 0;
  }
  for (int64_t k = 0; k < n; ++k) {
    const T* row = x + k * inner;
#pragma omp simd
    for (int64_t i = 0; i < len; ++i) {
      const C z = s * static_cast<C>(load(row[i]));
      m[i] = (z > m[i] || z != z) ? z : m[i];
    }
  }
  bool finite = true;
  for (int64_t i = 0; i < len; ++i) finite &= std::isfinite(m[i]);
  // Whether the exponentials can be kept in y between passes (y holds them exactly).
  constexpr bool kKeep = std::is_same_v<R, C>;
  if (finite) {
    const bool keep = kKeep && mode != Mode::kLogSoftmax;
    for (int64_t k = 0; k < n; ++k) {
      const T* row = x + k * inner;
      R* out = y + k * inner;
      if (keep) {
#pragma omp simd
        for (int64_t i = 0; i < len; ++i) {
          const C e = exp_shifted<C>(s * static_cast<C>(load(row[i])) - m[i]);
          out[i] = store<R>(e);
          sum[i] += e;
        }
      } else {
#pragma omp simd
        for (int64_t i = 0; i < len; ++i) sum[i] += exp_shifted<C>(s * static_cast<C>(load(row[i])) - m[i]);
      }
    }
  } else {
    for (int64_t k = 0; k < n; ++k)
      for (int64_t i = 0; i < len; ++i) sum[i] += std::exp(s * static_cast<C>(load(x[k * inner + i])) - m[i]);
  }
  C post[kMax];  // what the final pass needs per column: 1/sum, or log(sum)
  for (int64_t i = 0; i < len; ++i) post[i] = mode == Mode::kLogSoftmax ? std::log(sum[i]) : C(1) / sum[i];
  for (int64_t k = 0; k < n; ++k) {
    const T* row = x + k * inner;
    R* out = y + k * inner;
    if (mode == Mode::kLogSoftmax) {
#pragma omp simd
      for (int64_t i = 0; i < len; ++i) out[i] = store<R>(s * static_cast<C>(load(row[i])) - m[i] - post[i]);
    } else if (kKeep && finite) {
#pragma omp simd
      for (int64_t i = 0; i < len; ++i) out[i] = store<R>(static_cast<C>(load(out[i])) * post[i]);
    } else if (finite) {
#pragma omp simd
      for (int64_t i = 0; i < len; ++i)
        out[i] = store<R>(exp_shifted<C>(s * static_cast<C>(load(row[i])) - m[i]) * post[i]);
    } else {
      for (int64_t i = 0; i < len; ++i) out[i] = store<R>(std::exp(s * static_cast<C>(load(row[i])) - m[i]) * post[i]);
    }
  }
}

// The data viewed as (outer, n, inner) around the softmax axis.
struct Slabs {
  int64_t outer, n, inner;
};
Slabs slabs_of(const OpDef& op, const SoftmaxParam& p, const Shape& s) {
  const int ax = softmax_axis(op, p.axis, s);
  return {s.size(0, ax), s[ax], s.size(ax + 1, s.ndim())};
}

template <Mode M>
void softmax_kernel(const OpContext& ctx, std::span<const TensorView> in, std::span<const TensorView> out) {
  const auto& p = ctx.params<SoftmaxParam>();
  const Slabs sl = slabs_of(*ctx.attrs.op, p, in[0].shape);
  const double scale = (M == Mode::kSoftmin ? -1.0 : 1.0) / temperature_of(*ctx.attrs.op, p);
  constexpr int64_t kChunk = 256;
  const int64_t chunk = std::min(sl.inner, kChunk);
  const int64_t chunks = chunk == 0 ? 0 : (sl.inner + chunk - 1) / chunk;
  dispatch_dtype<FloatDTypes>(in[0].dtype, ctx.attrs.op->name, [&]<class T>() {
    dispatch_dtype<FloatDTypes>(out[0].dtype, ctx.attrs.op->name, [&]<class R>() {
      const T* x = in[0].ptr<T>();
      R* y = out[0].ptr<R>();
      if (p.use_length) {
        const auto lens = line_lengths(in[1], sl.n, ctx.attrs.op->name.c_str());
        parallel_for(sl.outer * sl.inner, ctx.run.num_threads, [&](int64_t lo, int64_t hi) {
          for (int64_t t = lo; t < hi; ++t) {
            const int64_t off = t / sl.inner * sl.n * sl.inner + t % sl.inner;
            softmax_masked_line(x + off, y + off, sl.n, sl.inner, lens[static_cast<size_t>(t)], scale, M);
          }
        }, sl.n * 8);
        return;
      }
      parallel_for(sl.outer * chunks, ctx.run.num_threads, [&](int64_t lo, int64_t hi) {
        for (int64_t t = lo; t < hi; ++t) {
          const int64_t o = t / chunks, i0 = (t % chunks) * chunk;
          const int64_t off = o * sl.n * sl.inner + i0;
          if (sl.inner == 1) softmax_row(x + off, y + off, sl.n, scale, M);
          else softmax_chunk(x + off, y + off, sl.n, sl.inner, std::min(chunk, sl.inner - i0), scale, M);
        }
      }, sl.n * chunk * 8);
    });
  });
}

// Backward, along the axis with s = sign / temperature:
//   softmax / softmin: dx = s y (g - sum(g y));  log_softmax: dx = s (g - e^y sum(g)).
template <Mode M, class T>
void backward_row(const T* g, const T* y, T* dx, int64_t n, double scale) {
  using C = compute_t<T>;
  const C s = static_cast<C>(scale);
  C acc = 0;
#pragma omp simd reduction(+ : acc)
  for (int64_t k = 0; k < n; ++k) {
    if constexpr (M == Mode::kLogSoftmax) acc += load(g[k]);
    else acc += load(g[k]) * load(y[k]);
  }
#pragma omp simd
  for (int64_t k = 0; k < n; ++k) {
    if constexpr (M == Mode::kLogSoftmax) dx[k] = store<T>(s * (load(g[k]) - std::exp(load(y[k])) * acc));
    else dx[k] = store<T>(s * load(y[k]) * (load(g[k]) - acc));
  }
}

template <Mode M, class T>
void backward_chunk(const T* g, const T* y, T* dx, int64_t n, int64_t inner, int64_t len, double scale) {
  using C = compute_t<T>;
  constexpr int64_t kMax = 256;
  const C s = static_cast<C>(scale);
  C acc[kMax];
  for (int64_t i = 0; i < len; ++i) acc[i] = 0;
  for (int64_t k = 0; k < n; ++k) {
    const T* gr = g + k * inner;
    const T* yr = y + k * inner;
#pragma omp simd
    for (int64_t i = 0; i < len; ++i) {
      if constexpr (M == Mode::kLogSoftmax) acc[i] += load(gr[i]);
      else acc[i] += load(gr[i]) * load(yr[i]);
    }
  }
  for (int64_t k = 0; k < n; ++k) {
    const T* gr = g + k * inner;
    const T* yr = y + k * inner;
    T* d = dx + k * inner;
#pragma omp simd
    for (int64_t i = 0; i < len; ++i) {
      if constexpr (M == Mode::kLogSoftmax) d[i] = store<T>(s * (load(gr[i]) - std::exp(load(yr[i])) * acc[i]));
      else d[i] = store<T>(s * load(yr[i]) * (load(gr[i]) - acc[i]));
    }
  }
}

// Backward of a line with a length: the sums run over its first len elements; dx is 0 after them.
template <Mode M, class T>
void backward_masked_line(const T* g, const T* y, T* dx, int64_t n, int64_t stride, int64_t len, double s) {
  double acc = 0;
  for (int64_t k = 0; k < len; ++k) {
    const double gk = static_cast<double>(load(g[k * stride]));
    acc += M == Mode::kLogSoftmax ? gk : gk * static_cast<double>(load(y[k * stride]));
  }
  for (int64_t k = 0; k < n; ++k) {
    const double gk = static_cast<double>(load(g[k * stride])), yk = static_cast<double>(load(y[k * stride]));
    const double d = M == Mode::kLogSoftmax ? s * (gk - std::exp(yk) * acc) : s * yk * (gk - acc);
    dx[k * stride] = store<T>(k >= len ? 0.0 : d);
  }
}

template <Mode M>
void backward_kernel(const OpContext& ctx, std::span<const TensorView> in, std::span<const TensorView> out) {
  const auto& p = ctx.params<SoftmaxParam>();
  const Slabs sl = slabs_of(*ctx.attrs.op, p, in[0].shape);
  const double scale = (M == Mode::kSoftmin ? -1.0 : 1.0) / temperature_of(*ctx.attrs.op, p);
  constexpr int64_t kChunk = 256;
  const int64_t chunk = std::min(sl.inner, kChunk);
  const int64_t chunks = chunk == 0 ? 0 : (sl.inner + chunk - 1) / chunk;
  dispatch_dtype<FloatDTypes>(out[0].dtype, ctx.attrs.op->name, [&]<class T>() {
    const T* g = in[0].ptr<T>();
    const T* y = in[1].ptr<T>();
    T* dx = out[0].ptr<T>();
    if (p.use_length) {
      const auto lens = line_lengths(in[2], sl.n, ctx.attrs.op->name.c_str());
      parallel_for(sl.outer * sl.inner, ctx.run.num_threads, [&](int64_t lo, int64_t hi) {
        for (int64_t t = lo; t < hi; ++t) {
          const int64_t off = t / sl.inner * sl.n * sl.inner + t % sl.inner;
          backward_masked_line<M>(g + off, y + off, dx + off, sl.n, sl.inner, lens[static_cast<size_t>(t)], scale);
        }
      }, sl.n * 4);
      return;
    }
    parallel_for(sl.outer * chunks, ctx.run.num_threads, [&](int64_t lo, int64_t hi) {
      for (int64_t t = lo; t < hi; ++t) {
        const int64_t o = t / chunks, i0 = (t % chunks) * chunk;
        const int64_t off = o * sl.n * sl.inner + i0;
        if (sl.inner == 1) backward_row<M>(g + off, y + off, dx + off, sl.n, scale);
        else backward_chunk<M>(g + off, y + off, dx + off, sl.n, sl.inner, std::min(chunk, sl.inner - i0), scale);
      }
    }, sl.n * chunk * 4);
  });
}

bool infer_backward_shape(const OpAttrs& attrs, std::vector<Shape>& in, std::vector<Shape>& out) {
  const auto& p = attrs.get<SoftmaxParam>();
  temperature_of(*attrs.op, p);
  if (in[1].is_known()) softmax_axis(*attrs.op, p.axis, in[1]);
  if (p.use_length && in[1].is_known()) merge_input_shape(*attrs.op, in[2], length_shape(*attrs.op, p, in[1]), 2);
  for (int i = 0; i < 2; ++i) {
    merge_input_shape(*attrs.op, in[static_cast<size_t>(i)], out[0], i);
    merge_shape(*attrs.op, out[0], in[static_cast<size_t>(i)], "the output");
  }
  return out[0].is_known();
}

bool infer_backward_type(const OpAttrs& attrs, std::vector<int>& in, std::vector<int>& out) {
  for (int i = 0; i < 2; ++i) {
    if (in[static_cast<size_t>(i)] < 0) continue;
    SN_CHECK_TYPE(out[0] < 0 || out[0] == in[static_cast<size_t>(i)], attrs.op->name, ": input ", i, " has dtype ",
                  static_cast<DType>(in[static_cast<size_t>(i)]), " but the others ", static_cast<DType>(out[0]));
    out[0] = in[static_cast<size_t>(i)];
  }
  if (out[0] < 0) return false;
  in[0] = in[1] = out[0];
  if (!FloatDTypes::contains(static_cast<DType>(out[0])))
    throw_unsupported_dtype(attrs.op->name, static_cast<DType>(out[0]), FloatDTypes::dtypes);
  return true;
}

// --- gradients, with registered ops --------------------------------------------------------------------------------

// The axis and temperature, for the backward ops and for sums along the axis.
struct AxisText {
  std::string axis, tuple, temperature;
  bool use_length;
  explicit AxisText(const SoftmaxParam& p)
      : axis(std::to_string(p.axis)),
        tuple("(" + std::to_string(p.axis) + ",)"),
        temperature(detail::print_float(p.temperature.value_or(1.0))),
        use_length(p.use_length) {}
  std::vector<ParamKV> backward() const {
    return {{"axis", axis}, {"temperature", temperature}, {"use_length", use_length ? "True" : "False"}};
  }
  std::vector<ParamKV> sum() const { return {{"axis", tuple}, {"keepdims", "True"}}; }
  std::vector<ParamKV> mask() const { return {{"axis", axis}}; }
};

// With a length, v zeroed past each line's length (1 / 0 from _length_mask); v itself otherwise.
GradValue masked(GradBuilder& b, const AxisText& a, GradValue v, GradValue data, GradValue length) {
  if (!a.use_length) return v;
  return b.op("elemwise_mul", {v, b.op("_length_mask", {data, length}, a.mask())});
}

template <Mode M>
constexpr const char* kBackward = M == Mode::kSoftmax ? "_backward_softmax"
                                  : M == Mode::kSoftmin ? "_backward_softmin"
                                                        : "_backward_log_softmax";

template <Mode M>
void softmax_grad(GradBuilder& b) {  // the length (input 1) gets none
  const AxisText a(b.attrs().get<SoftmaxParam>());
  std::vector<GradValue> in{b.out_grad(0), b.output(0)};
  if (a.use_length) in.push_back(b.input(1));
  b.set_input_grad(0, b.op(kBackward<M>, in, a.backward()));
}

// softmax / softmin backward dx = s y (g - sum(g y)): its Jacobian in g is symmetric, so the gradient in g is the
// same op applied to the head h; in y it is s (h (g - sum(g y)) - g sum(h y)).
template <Mode M>
void backward_softmax_grad(GradBuilder& b) {
  const auto& p = b.attrs().get<SoftmaxParam>();
  const AxisText a(p);
  const GradValue h = b.out_grad(0), g = b.input(0), y = b.input(1);
  const GradValue len = a.use_length ? b.input(2) : GradValue{};
  std::vector<GradValue> in{h, y};
  if (a.use_length) in.push_back(len);
  b.set_input_grad(0, b.op(kBackward<M>, in, a.backward()));
  // With a length the sums run over each line's first len elements only.
  const GradValue ym = masked(b, a, y, y, len);
  const GradValue gy = b.op("sum", {b.op("elemwise_mul", {g, ym})}, a.sum());
  const GradValue hy = b.op("sum", {b.op("elemwise_mul", {h, ym})}, a.sum());
  const GradValue d = b.op("elemwise_sub", {b.op("elemwise_mul", {h, b.op("broadcast_sub", {g, gy})}),
                                            b.op("broadcast_mul", {g, hy})});
  const std::string s = detail::print_float((M == Mode::kSoftmin ? -1.0 : 1.0) / p.temperature.value_or(1.0));
  b.set_input_grad(1, masked(b, a, b.op("_mul_scalar", {d}, {{"scalar", s}}), y, len));
}

// log_softmax backward dx = s (g - e^y sum(g)): in g, s (h - sum(h e^y)); in y, -s h e^y sum(g).
void backward_log_softmax_grad(GradBuilder& b) {
  const auto& p = b.attrs().get<SoftmaxParam>();
  const AxisText a(p);
  const GradValue h = b.out_grad(0), g = b.input(0), y = b.input(1);
  const GradValue len = a.use_length ? b.input(2) : GradValue{};
  // With a length, every sum runs over the first len elements and both gradients are 0 past them.
  const GradValue hey = masked(b, a, b.op("elemwise_mul", {h, b.op("exp", {y})}), y, len);
  const GradValue gm = masked(b, a, g, y, len);
  const std::string s = detail::print_float(1.0 / p.temperature.value_or(1.0));
  const std::string minus_s = detail::print_float(-1.0 / p.temperature.value_or(1.0));
  const GradValue dg = b.op("_mul_scalar", {b.op("broadcast_sub", {h, b.op("sum", {hey}, a.sum())})}, {{"scalar", s}});
  b.set_input_grad(0, masked(b, a, dg, y, len));
  b.set_input_grad(1, b.op("_mul_scalar", {b.op("broadcast_mul", {hey, b.op("sum", {gm}, a.sum())})},
                           {{"scalar", minus_s}}));
}

// _length_mask(data, length; axis): 1 for the first length[line] elements of each line along axis, else 0.
struct MaskParam {
  int64_t axis = -1;
  static void describe(ParamBuilder<MaskParam>& b) {
    b.field("axis", &MaskParam::axis, "The axis the lengths run along.").set_default(int64_t{-1});
  }
};
bool infer_mask_shape(const OpAttrs& attrs, std::vector<Shape>& in, std::vector<Shape>& out) {
  if (!in[0].is_known()) return false;
  SoftmaxParam p;
  p.axis = attrs.get<MaskParam>().axis;
  merge_input_shape(*attrs.op, in[1], length_shape(*attrs.op, p, in[0]), 1);
  merge_shape(*attrs.op, out[0], in[0], "the output");
  return true;
}
bool infer_mask_type(const OpAttrs& attrs, std::vector<int>& in, std::vector<int>& out) {
  if (in[0] < 0) return false;
  out[0] = in[0];
  return true;
}
void mask_kernel(const OpContext& ctx, std::span<const TensorView> in, std::span<const TensorView> out) {
  SoftmaxParam p;
  p.axis = ctx.params<MaskParam>().axis;
  const Slabs sl = slabs_of(*ctx.attrs.op, p, in[0].shape);
  const auto lens = line_lengths(in[1], sl.n, ctx.attrs.op->name.c_str());
  dispatch_dtype<NumericDTypes>(out[0].dtype, ctx.attrs.op->name, [&]<class T>() {
    T* y = out[0].ptr<T>();
    for (int64_t o = 0; o < sl.outer; ++o)
      for (int64_t k = 0; k < sl.n; ++k)
        for (int64_t i = 0; i < sl.inner; ++i)
          y[(o * sl.n + k) * sl.inner + i] = store<T>(k < lens[static_cast<size_t>(o * sl.inner + i)] ? 1 : 0);
  });
}
[[maybe_unused]] OpRegistrar r_length_mask = OpRegistrar("_length_mask")
    .describe("1 for the first length elements of each line along axis, 0 after them (in data's dtype).")
    .params<MaskParam>()
    .dtypes<NumericDTypes>()
    .inputs({"data", "length"})
    .outputs({"output"})
    .infer_shape(infer_mask_shape)
    .infer_type(infer_mask_type)
    .kernel(DeviceType::kCPU, mask_kernel)
    .zero_gradient();

OpRegistrar softmax_op(const char* name, KernelFn kernel, const char* doc) {
  return OpRegistrar(name)
      .describe(doc)
      .params<SoftmaxParam>()
      .dtypes<FloatDTypes>()
      .inputs({"data", "length"})
      .optional_input<SoftmaxParam, &SoftmaxParam::use_length, true>(1, "use_length")
      .outputs({"output"})
      .inplace({{0, 0}})
      .infer_shape(infer_softmax_shape)
      .infer_type(infer_softmax_type)
      .kernel(DeviceType::kCPU, kernel);
}

OpRegistrar backward_op(const char* name, KernelFn kernel, const char* doc) {
  return OpRegistrar(name)
      .describe(doc)
      .params<SoftmaxParam>()
      .dtypes<FloatDTypes>()
      .inputs({"ograd", "output", "length"})
      .optional_input<SoftmaxParam, &SoftmaxParam::use_length, true>(2, "use_length")
      .outputs({"output"})
      .infer_shape(infer_backward_shape)
      .infer_type(infer_backward_type)
      .kernel(DeviceType::kCPU, kernel);
}

[[maybe_unused]] OpRegistrar r_softmax =
    softmax_op("softmax", softmax_kernel<Mode::kSoftmax>, "exp(x / t) normalised to sum 1 along an axis.")
        .gradient(softmax_grad<Mode::kSoftmax>, {1}, {0});
[[maybe_unused]] OpRegistrar r_log_softmax =
    softmax_op("log_softmax", softmax_kernel<Mode::kLogSoftmax>, "log(softmax(x)) along an axis, computed stably.")
        .gradient(softmax_grad<Mode::kLogSoftmax>, {1}, {0});
[[maybe_unused]] OpRegistrar r_softmin =
    softmax_op("softmin", softmax_kernel<Mode::kSoftmin>, "softmax(-x) along an axis.")
        .gradient(softmax_grad<Mode::kSoftmin>, {1}, {0});

[[maybe_unused]] OpRegistrar r_backward_softmax =
    backward_op("_backward_softmax", backward_kernel<Mode::kSoftmax>, "softmax's gradient from ograd and its output.")
        .gradient(backward_softmax_grad<Mode::kSoftmax>, {0, 1, 2});
[[maybe_unused]] OpRegistrar r_backward_softmin =
    backward_op("_backward_softmin", backward_kernel<Mode::kSoftmin>, "softmin's gradient from ograd and its output.")
        .gradient(backward_softmax_grad<Mode::kSoftmin>, {0, 1, 2});
[[maybe_unused]] OpRegistrar r_backward_log_softmax =
    backward_op("_backward_log_softmax", backward_kernel<Mode::kLogSoftmax>,
                "log_softmax's gradient from ograd and its output.")
        .gradient(backward_log_softmax_grad, {0, 1, 2});

}  // namespace
}  // namespace sn
