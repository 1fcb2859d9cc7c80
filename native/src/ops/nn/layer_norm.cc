// LayerNorm(data, gamma, beta; axis, eps, output_mean_var): each line along `axis` normalised to zero mean and unit
// variance, then scaled by gamma and shifted by beta (both of the axis' length). The mean and std (data's shape
// with the axis set to 1; std = sqrt(var + eps)) are outputs, visible with output_mean_var and otherwise hidden for
// the backward. _backward_LayerNorm(ograd, data, gamma, mean, std) gives (data, gamma, beta) gradients in one pass;
// its own gradient is composed (norm_common.cc), so LayerNorm is differentiable to any order.
#include "ops/nn/norm_common.h"

namespace sn {
namespace {

struct LayerNormParam {
  int64_t axis = -1;
  double eps = 1e-5;
  bool output_mean_var = false;
  static void describe(ParamBuilder<LayerNormParam>& b) {
    b.field("axis", &LayerNormParam::axis, "The axis to normalise along (negative counts from the end).")
        .set_default(int64_t{-1});
    b.field("eps", &LayerNormParam::eps, "Added to the variance before its square root.")
        .set_default(1e-5)
        .set_lower_bound(0);
    b.field("output_mean_var", &LayerNormParam::output_mean_var, "Also output the mean and std.").set_default(false);
  }
};

// The data viewed as (outer, n, inner) around the normalised axis.
struct Slabs {
  int axis;
  int64_t outer, n, inner;
};
Slabs slabs_of(const OpDef& op, const LayerNormParam& p, const Shape& s) {
  const int ax = checked_axis(op, p.axis, s.ndim());
  return {ax, s.size(0, ax), s[ax], s.size(ax + 1, s.ndim())};
}

Shape stat_shape(const Shape& data, int axis) {
  Shape s = data;
  s[axis] = 1;
  return s;
}

// Inputs first .. first + count - 1 (gamma, beta) hold one value per element along the axis.
void check_affine(const OpDef& op, const Shape& data, int axis, std::vector<Shape>& in, int first, int count) {
  for (int i = first; i < first + count; ++i) {
    Shape& s = in[static_cast<size_t>(i)];
    if (!s.ndim_known()) s = Shape{data[axis]};
    SN_CHECK_SHAPE(s.ndim() == 1 && (s[0] < 0 || s[0] == data[axis]), op.name, ": ", op.input_name(i),
                   " must have shape (", data[axis], ",) (one value per element along axis ", axis, "), got ", s);
    s[0] = data[axis];
  }
}

bool infer_layer_norm_shape(const OpAttrs& attrs, std::vector<Shape>& in, std::vector<Shape>& out) {
  merge_input_shape(*attrs.op, in[0], out[0], 0);
  if (!in[0].is_known()) return false;
  const int ax = checked_axis(*attrs.op, attrs.get<LayerNormParam>().axis, in[0].ndim());
  check_affine(*attrs.op, in[0], ax, in, 1, 2);
  merge_shape(*attrs.op, out[0], in[0], "the output");
  merge_shape(*attrs.op, out[1], stat_shape(in[0], ax), "the mean");
  merge_shape(*attrs.op, out[2], stat_shape(in[0], ax), "the std");
  return true;
}

// One chunk of `len` columns of an (n x inner) slab, normalised along n.
template <class T>
void layer_norm_chunk(const T* x, const T* gamma, const T* beta, T* y, T* mean, T* sd, int64_t n, int64_t inner,
                      int64_t len, double eps) {
  using A = norm::stat_t<T>;
  using C = compute_t<T>;
  A m[norm::kChunk], v[norm::kChunk];
  C mc[norm::kChunk], inv[norm::kChunk];
  norm::column_moments(x, n, inner, len, m, v);
  for (int64_t i = 0; i < len; ++i) {
    const A s = std::sqrt(v[i] + static_cast<A>(eps));
    mean[i] = store<T>(m[i]);
    sd[i] = store<T>(s);
    mc[i] = static_cast<C>(m[i]);
    inv[i] = static_cast<C>(A(1) / s);
  }
  for (int64_t k = 0; k < n; ++k) {
    const T* xr = x + k * inner;
    T* yr = y + k * inner;
    const C gk = load(gamma[k]), bk = load(beta[k]);
#pragma omp simd
    for (int64_t i = 0; i < len; ++i) yr[i] = store<T>((load(xr[i]) - mc[i]) * inv[i] * gk + bk);
  }
}

void layer_norm_kernel(const OpContext& ctx, std::span<const TensorView> in, std::span<const TensorView> out) {
  const auto& p = ctx.params<LayerNormParam>();
  const Slabs sl = slabs_of(*ctx.attrs.op, p, in[0].shape);
  dispatch_dtype<FloatDTypes>(out[0].dtype, ctx.attrs.op->name, [&]<class T>() {
    const T* x = in[0].ptr<T>();
    const T* gamma = in[1].ptr<T>();
    const T* beta = in[2].ptr<T>();
    T* y = out[0].ptr<T>();
    T* mean = out[1].ptr<T>();
    T* sd = out[2].ptr<T>();
    if (sl.inner == 1) {
      norm::normalize_rows<T, true>(x, gamma, beta, y, mean, sd, sl.outer, sl.n, 1, p.eps, false, ctx.run.num_threads);
      return;
    }
    const int64_t chunks = (sl.inner + norm::kChunk - 1) / norm::kChunk;
    parallel_for(sl.outer * chunks, ctx.run.num_threads, [&](int64_t lo, int64_t hi) {
      for (int64_t t = lo; t < hi; ++t) {
        const int64_t o = t / chunks, i0 = (t % chunks) * norm::kChunk;
        const int64_t off = o * sl.n * sl.inner + i0, soff = o * sl.inner + i0;
        layer_norm_chunk(x + off, gamma, beta, y + off, mean + soff, sd + soff, sl.n, sl.inner,
                         std::min(norm::kChunk, sl.inner - i0), p.eps);
      }
    }, sl.n * norm::kChunk * 4);
  });
}

// --- _backward_LayerNorm ----------------------------------------------------------------------------------------

// Inputs: ograd, data, gamma, mean, std; outputs: the gradients of data, gamma and beta.
bool infer_backward_shape(const OpAttrs& attrs, std::vector<Shape>& in, std::vector<Shape>& out) {
  merge_input_shape(*attrs.op, in[0], in[1], 0);  // ograd and data: one shape, errors name the input checked
  merge_input_shape(*attrs.op, in[1], in[0], 1);
  merge_input_shape(*attrs.op, in[1], out[0], 1);
  if (!in[1].is_known()) return false;
  const int ax = checked_axis(*attrs.op, attrs.get<LayerNormParam>().axis, in[1].ndim());
  check_affine(*attrs.op, in[1], ax, in, 2, 1);
  for (int i = 3; i < 5; ++i) merge_input_shape(*attrs.op, in[static_cast<size_t>(i)], stat_shape(in[1], ax), i);
  merge_shape(*attrs.op, out[0], in[1], "the data gradient");
  merge_shape(*attrs.op, out[1], Shape{in[1][ax]}, "the gamma gradient");
  merge_shape(*attrs.op, out[2], Shape{in[1][ax]}, "the beta gradient");
  return true;
}

template <class T>
void backward_chunk(const T* g, const T* x, const T* gamma, const T* mean, const T* sd, T* dx, norm::stat_t<T>* pg,
                    norm::stat_t<T>* pb, int64_t n, int64_t inner, int64_t len) {
  using A = norm::stat_t<T>;
  A m[norm::kChunk], inv[norm::kChunk], sa[norm::kChunk], sax[norm::kChunk];
  for (int64_t i = 0; i < len; ++i) {
    m[i] = static_cast<A>(load(mean[i]));
    inv[i] = A(1) / static_cast<A>(load(sd[i]));
    sa[i] = sax[i] = 0;
  }
  for (int64_t k = 0; k < n; ++k) {
    const T* gr = g + k * inner;
    const T* xr = x + k * inner;
    const A gk = static_cast<A>(load(gamma[k]));
    A sg = 0, sgx = 0;
#pragma omp simd reduction(+ : sg, sgx)
    for (int64_t i = 0; i < len; ++i) {
      const A gi = static_cast<A>(load(gr[i]));
      const A xh = (static_cast<A>(load(xr[i])) - m[i]) * inv[i];
      sa[i] += gi * gk;
      sax[i] += gi * gk * xh;
      sg += gi;
      sgx += gi * xh;
    }
    pg[k] += sgx;
    pb[k] += sg;
  }
  const A rn = n ? A(1) / static_cast<A>(n) : A(0);
  for (int64_t i = 0; i < len; ++i) {
    sa[i] *= rn;
    sax[i] *= rn;
  }
  for (int64_t k = 0; k < n; ++k) {
    const T* gr = g + k * inner;
    const T* xr = x + k * inner;
    T* dr = dx + k * inner;
    const A gk = static_cast<A>(load(gamma[k]));
#pragma omp simd
    for (int64_t i = 0; i < len; ++i) {
      const A xh = (static_cast<A>(load(xr[i])) - m[i]) * inv[i];
      dr[i] = store<T>((static_cast<A>(load(gr[i])) * gk - sa[i] - xh * sax[i]) * inv[i]);
    }
  }
}

void backward_kernel(const OpContext& ctx, std::span<const TensorView> in, std::span<const TensorView> out) {
  const auto& p = ctx.params<LayerNormParam>();
  const Slabs sl = slabs_of(*ctx.attrs.op, p, in[1].shape);
  const int threads = ctx.run.num_threads;
  dispatch_dtype<FloatDTypes>(out[0].dtype, ctx.attrs.op->name, [&]<class T>() {
    using A = norm::stat_t<T>;
    const T* g = in[0].ptr<T>();
    const T* x = in[1].ptr<T>();
    const T* gamma = in[2].ptr<T>();
    const T* mean = in[3].ptr<T>();
    const T* sd = in[4].ptr<T>();
    T* dx = out[0].ptr<T>();
    T* dgamma = out[1].ptr<T>();
    T* dbeta = out[2].ptr<T>();
    if (sl.inner == 1) {
      norm::normalize_rows_backward<T, true>(g, x, gamma, mean, sd, dx, dgamma, dbeta, sl.outer, sl.n, 1, p.eps,
                                             false, threads);
      return;
    }
    const int64_t chunks = (sl.inner + norm::kChunk - 1) / norm::kChunk;
    const int64_t tasks = sl.outer * chunks;
    std::vector<A> part(static_cast<size_t>(2 * sl.n * std::max<int64_t>(1, std::min<int64_t>(tasks, threads))), A(0));
    const int64_t blocks = norm::for_blocks(tasks, threads, sl.n * norm::kChunk * 6, [&](int64_t b, int64_t lo,
                                                                                         int64_t hi) {
      A* pg = part.data() + 2 * sl.n * b;
      for (int64_t t = lo; t < hi; ++t) {
        const int64_t o = t / chunks, i0 = (t % chunks) * norm::kChunk;
        const int64_t off = o * sl.n * sl.inner + i0, soff = o * sl.inner + i0;
        backward_chunk(g + off, x + off, gamma, mean + soff, sd + soff, dx + off, pg, pg + sl.n, sl.n, sl.inner,
                       std::min(norm::kChunk, sl.inner - i0));
      }
    });
    for (int64_t k = 0; k < sl.n; ++k) {
      A sg = 0, sb = 0;
      for (int64_t b = 0; b < blocks; ++b) {
        sg += part[static_cast<size_t>(2 * sl.n * b + k)];
        sb += part[static_cast<size_t>(2 * sl.n * b + sl.n + k)];
      }
      dgamma[k] = store<T>(sg);
      dbeta[k] = store<T>(sb);
    }
  });
}

// --- gradients ------------------------------------------------------------------------------------------------

// With output_mean_var the mean and std are outputs of their own: their gradients reach x as
// dmean / dx = 1 / n and dstd / dx = xh / n (MXNet drops them; they are exact here).
void layer_norm_grad(GradBuilder& b) {
  const auto& p = b.attrs().get<LayerNormParam>();
  const GradValue x = b.input(0), mean = b.output(1), sd = b.output(2);
  const std::vector<GradValue> d =
      b.apply("_backward_LayerNorm", {b.out_grad(0), x, b.input(1), mean, sd}, b.attrs());
  GradValue dx = d[0];
  if (p.output_mean_var) {
    const Shape s = b.known_input_shape(0);
    const int64_t n = s[checked_axis(*b.attrs().op, p.axis, s.ndim())];
    const GradValue xh = b.op("broadcast_div", {b.op("broadcast_sub", {x, mean}), sd});
    const GradValue extra = b.op("broadcast_add", {b.op("broadcast_mul", {xh, b.out_grad(2)}), b.out_grad(1)});
    dx = b.op("elemwise_add", {dx, b.op("_mul_scalar", {extra}, {{"scalar", detail::print_float(1.0 / static_cast<double>(n))}})});
  }
  b.set_input_grad(0, dx);
  b.set_input_grad(1, d[1]);
  b.set_input_grad(2, d[2]);
}

void backward_layer_norm_grad(GradBuilder& b) {
  const auto& p = b.attrs().get<LayerNormParam>();
  const Shape s = b.known_input_shape(1);
  const int ax = checked_axis(*b.attrs().op, p.axis, s.ndim());
  Shape gs(s.ndim(), 1);  // gamma broadcast along the axis
  gs[ax] = s[ax];
  norm::View v;
  v.x = b.input(1);
  v.g = b.input(0);
  v.gamma = norm::reshape(b, b.input(2), gs);
  v.ones = b.op("ones_like", {b.input(2)});
  v.axis = ax;
  v.eps = p.eps;
  v.h_dx = b.out_grad(0);
  v.h_dgamma = norm::reshape(b, b.out_grad(1), gs);
  v.h_dbeta = norm::reshape(b, b.out_grad(2), gs);
  const norm::SecondOrder r = norm::second_order(b, v);
  b.set_input_grad(0, r.d_g);
  b.set_input_grad(1, r.d_x);
  b.set_input_grad(2, b.op("sum", {r.d_gamma}, norm::reduce_params(norm::axes_text({ax}), false, true)));
}

[[maybe_unused]] OpRegistrar r_layer_norm = OpRegistrar("LayerNorm")
    .describe("Normalises each line along axis to zero mean and unit variance, then scales by gamma and adds beta.")
    .params<LayerNormParam>()
    .dtypes<FloatDTypes>()
    .inputs({"data", "gamma", "beta"})
    .outputs({"output", "mean", "std"}, 1)
    .visible_outputs([](const OpAttrs& a) { return a.get<LayerNormParam>().output_mean_var ? 3 : 1; })
    .infer_shape(infer_layer_norm_shape)
    .infer_type(infer_same_float_type)
    .kernel(DeviceType::kCPU, layer_norm_kernel)
    .gradient(layer_norm_grad, {0, 1}, {1, 2});

[[maybe_unused]] OpRegistrar r_backward_layer_norm = OpRegistrar("_backward_LayerNorm")
    .describe("LayerNorm's gradients of data, gamma and beta from ograd, data, gamma and the forward's mean and std.")
    .params<LayerNormParam>()
    .dtypes<FloatDTypes>()
    .inputs({"ograd", "data", "gamma", "mean", "std"})
    .outputs({"data_grad", "gamma_grad", "beta_grad"})
    .infer_shape(infer_backward_shape)
    .infer_type(infer_same_float_type)
    .kernel(DeviceType::kCPU, backward_kernel)
    .gradient(backward_layer_norm_grad, {0, 1, 2});

}  // namespace
}  // namespace sn
