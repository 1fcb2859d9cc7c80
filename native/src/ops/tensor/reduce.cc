// Reductions over axes (axis / keepdims / exclude, legacy: a full reduction has shape (1,)): sum, mean, prod,
// max, min, nansum, nanprod, norm, and the index reductions argmax, argmin, argmax_channel (float32 indices).
// One skeleton for all of them: the reduced axes collapse to (outer, reduced, inner) where they form one block
// (contiguous rows vectorised, inner columns updated a chunk at a time, the reduced axis split over threads when
// there are few outputs), and a general strided loop for the other layouts.
#include <cmath>
#include <limits>

#include "ops/gradient.h"
#include "ops/op_utils.h"

namespace sn {
namespace {

struct ReduceParam {
  std::optional<Shape> axis;
  bool keepdims = false;
  bool exclude = false;
  static void describe(ParamBuilder<ReduceParam>& b) {
    b.field("axis", &ReduceParam::axis,
            "Axes to reduce (negative counts from the end); None reduces every axis.");
    b.field("keepdims", &ReduceParam::keepdims, "Keep the reduced axes as size-1 dims.").set_default(false);
    b.field("exclude", &ReduceParam::exclude, "Reduce every axis except those in axis.").set_default(false);
  }
};

struct NormParam {
  int64_t ord = 2;
  std::optional<Shape> axis;
  bool keepdims = false;
  static void describe(ParamBuilder<NormParam>& b) {
    b.field("ord", &NormParam::ord, "Order of the norm: 1 (sum of |x|) or 2 (Euclidean).").set_default(2).set_range(1, 2);
    b.field("axis", &NormParam::axis, "Axes to compute the norm over (negative counts from the end); None: all.");
    b.field("keepdims", &NormParam::keepdims, "Keep the reduced axes as size-1 dims.").set_default(false);
  }
};

// argmax / argmin: one axis, or None for the flattened input.
struct ReduceAxisParam {
  std::optional<int64_t> axis;
  bool keepdims = false;
  static void describe(ParamBuilder<ReduceAxisParam>& b) {
    b.field("axis", &ReduceAxisParam::axis, "The axis to search (negative counts from the end); None: flattened.");
    b.field("keepdims", &ReduceAxisParam::keepdims, "Keep the reduced axis as a size-1 dim.").set_default(false);
  }
};

// Every reduction's parameters seen as (axis, keepdims, exclude).
template <class P>
ReduceParam reduce_param_of(const OpAttrs& attrs) {
  if constexpr (std::is_same_v<P, ReduceParam>) {
    return attrs.get<ReduceParam>();
  } else if constexpr (std::is_same_v<P, NormParam>) {
    const auto& p = attrs.get<NormParam>();
    return {p.axis, p.keepdims, false};
  } else if constexpr (std::is_same_v<P, ReduceAxisParam>) {
    const auto& p = attrs.get<ReduceAxisParam>();
    if (!p.axis) return {std::nullopt, p.keepdims, false};
    return {Shape({*p.axis}), p.keepdims, false};
  } else {
    return {Shape({-1}), false, false};  // argmax_channel: the last axis
  }
}

// Whether each axis of an input of rank `nd` is reduced; errors name the op.
std::vector<bool> reduced_axes(const OpDef& op, const ReduceParam& p, int nd) {
  if (!p.axis || p.axis->ndim() == 0) return std::vector<bool>(static_cast<size_t>(nd), true);  // all (MXNet)
  std::vector<bool> r(static_cast<size_t>(nd), p.exclude);
  for (int64_t a : p.axis->dims()) {
    r[static_cast<size_t>(checked_axis(op, a, nd))] = !p.exclude;
  }
  return r;
}

Shape reduced_shape(const Shape& in, const std::vector<bool>& red, bool keepdims) {
  Shape out;
  for (int i = 0; i < in.ndim(); ++i) {
    if (!red[static_cast<size_t>(i)]) out.push_back(in[i]);
    else if (keepdims) out.push_back(1);
  }
  if (out.ndim() == 0) out.push_back(1);  // legacy: no 0-d arrays
  return out;
}

// Index reductions pick an element: the reduced extent must not be empty.
template <class P>
constexpr bool kIndexParams = std::is_same_v<P, ReduceAxisParam> || std::is_same_v<P, NoParams>;

template <class P>
bool infer_reduce(const OpAttrs& attrs, std::vector<Shape>& in, std::vector<Shape>& out) {
  if (!in[0].is_known()) return false;
  const ReduceParam p = reduce_param_of<P>(attrs);
  const auto red = reduced_axes(*attrs.op, p, in[0].ndim());
  const Shape result = reduced_shape(in[0], red, p.keepdims);
  if constexpr (kIndexParams<P>) {
    SN_CHECK_SHAPE(in[0].ndim() > 0, attrs.op->name, ": data must have at least one dimension, got shape ", in[0]);
    int64_t count = 1;
    for (int i = 0; i < in[0].ndim(); ++i)
      if (red[static_cast<size_t>(i)]) count *= in[0][i];
    SN_CHECK_SHAPE(count > 0 || result.size() == 0, attrs.op->name, ": cannot search an empty axis (data has shape ",
                   in[0], ")");
  }
  merge_shape(*attrs.op, out[0], result, "the output");
  return true;
}

// Index outputs are float32 whatever the data (legacy MXNet).
bool infer_index_type(const OpAttrs& attrs, std::vector<int>& in, std::vector<int>& out) {
  if (in[0] >= 0 && !NumericDTypes::contains(static_cast<DType>(in[0])))
    throw_unsupported_dtype(attrs.op->name, static_cast<DType>(in[0]), NumericDTypes::dtypes);
  SN_CHECK_TYPE(out[0] < 0 || out[0] == static_cast<int>(DType::kFloat32), attrs.op->name,
                ": the output holds float32 indices, got an output of dtype ", static_cast<DType>(out[0]));
  out[0] = static_cast<int>(DType::kFloat32);
  return true;
}

// --- the reduction plan: shared by every kernel ----------------------------------------------------------------

// Size-1 dims dropped and neighbours of the same kind merged; the reduced dims form one block (outer, mid,
// inner) or the general path walks kept and reduced dims by their strides.
struct Plan {
  bool block = true;
  int64_t outer = 1, mid = 1, inner = 1, count = 1;
  std::vector<int64_t> kdims, kstrides, rdims, rstrides;
};

Plan plan_reduction(const Shape& s, const std::vector<bool>& red) {
  std::vector<int64_t> dims, strides;
  std::vector<bool> kind;
  int64_t stride = 1;
  std::vector<int64_t> st(static_cast<size_t>(s.ndim()));
  for (int i = s.ndim() - 1; i >= 0; --i) {
    st[static_cast<size_t>(i)] = stride;
    stride *= s[i];
  }
  for (int i = 0; i < s.ndim(); ++i) {
    if (s[i] == 1) continue;
    const bool r = red[static_cast<size_t>(i)];
    if (!dims.empty() && kind.back() == r) {
      dims.back() *= s[i];
      strides.back() = st[static_cast<size_t>(i)];
    } else {
      dims.push_back(s[i]);
      strides.push_back(st[static_cast<size_t>(i)]);
      kind.push_back(r);
    }
  }
  Plan p;
  int segments = 0;
  for (size_t i = 0; i < dims.size(); ++i) {
    if (kind[i]) {
      ++segments;
      p.count *= dims[i];
      p.rdims.push_back(dims[i]);
      p.rstrides.push_back(strides[i]);
    } else {
      p.kdims.push_back(dims[i]);
      p.kstrides.push_back(strides[i]);
    }
  }
  p.block = segments <= 1;
  if (p.block) {
    bool seen = false;
    for (size_t i = 0; i < dims.size(); ++i) {
      if (kind[i]) {
        p.mid = dims[i];
        seen = true;
      } else {
        (seen ? p.inner : p.outer) *= dims[i];
      }
    }
  }
  return p;
}

// How a block reduction splits: inner chunks, and parts of the reduced axis when outputs are too few to keep
// every thread busy (each part's partial result is merged in order afterwards).
constexpr int64_t kInnerChunk = 256;
struct Split {
  int64_t chunk, chunks, parts;
};
Split split_block(const Plan& p, int threads) {
  Split s;
  s.chunk = std::min(p.inner, kInnerChunk);
  s.chunks = s.chunk == 0 ? 0 : (p.inner + s.chunk - 1) / s.chunk;
  const int64_t tasks = p.outer * s.chunks;
  s.parts = 1;
  if (tasks > 0 && tasks < threads) {
    const int64_t want = (threads + tasks - 1) / tasks;
    s.parts = std::clamp<int64_t>(p.mid * s.chunk / kMinParallelWork, 1, want);
  }
  return s;
}

template <class V>
inline bool is_nan(V v) noexcept {
  if constexpr (std::is_floating_point_v<V>) return v != v;
  else return false;
}

// --- value reductions ---------------------------------------------------------------------------------------------

enum class Red { kSum, kMean, kProd, kMax, kMin, kNanSum, kNanProd, kNorm1, kNorm2 };

template <Red K, class T>
struct Reducer {
  using C = compute_t<T>;
  static constexpr bool kFloat = std::is_floating_point_v<C>;
  static constexpr bool kExtreme = K == Red::kMax || K == Red::kMin;
  static constexpr bool kProduct = K == Red::kProd || K == Red::kNanProd;
  // Max/min keep the element type; float sums and products accumulate in double (contiguous rows in blocks of
  // independent lanes); integer ones in 64 bits (wrapping as MXNet's do).
  using A = std::conditional_t<kExtreme, C,
                               std::conditional_t<kFloat, double, std::conditional_t<std::is_signed_v<C>, int64_t, uint64_t>>>;

  static A identity() {
    if constexpr (K == Red::kMax) {
      if constexpr (kFloat) return -std::numeric_limits<C>::infinity();
      else return std::numeric_limits<C>::lowest();
    } else if constexpr (K == Red::kMin) {
      if constexpr (kFloat) return std::numeric_limits<C>::infinity();
      else return std::numeric_limits<C>::max();
    } else if constexpr (kProduct) {
      return A(1);
    } else {
      return A(0);
    }
  }
  // The element as the reduction sees it, in V.
  template <class V>
  static V pre(C v) {
    // Converted first, then selected: a select of two values the compiler vectorises.
    if constexpr (K == Red::kNanSum || K == Red::kNanProd) {
      const V d = static_cast<V>(v);
      return d == d ? d : V(K == Red::kNanSum ? 0 : 1);
    } else if constexpr (K == Red::kNorm1) return static_cast<V>(v < C(0) ? C(0) - v : v);
    else if constexpr (K == Red::kNorm2) return static_cast<V>(v) * static_cast<V>(v);
    else return static_cast<V>(v);
  }
  // a (+) v; max/min: a NaN on either side wins and stays.
  static void add(A& a, A v) {
    if constexpr (K == Red::kMax) a = (v > a || is_nan(v)) ? v : a;
    else if constexpr (K == Red::kMin) a = (v < a || is_nan(v)) ? v : a;
    else if constexpr (kProduct) a *= v;
    else a += v;
  }
  static T finish(A a, int64_t count) {
    if constexpr (K == Red::kMean) {
      if (count > 0) {
        if constexpr (kFloat) return store<T>(a / static_cast<double>(count));
        else return store<T>(a / static_cast<A>(count));  // integer mean truncates
      }
      return store<T>(a);
    } else if constexpr (K == Red::kNorm2) {
      return store<T>(std::sqrt(static_cast<double>(a)));
    } else {
      return store<T>(a);
    }
  }
};

// Reduces n contiguous elements (vectorised).
template <Red K, class T>
typename Reducer<K, T>::A reduce_row(const T* p, int64_t n) {
  using R = Reducer<K, T>;
  using C = typename R::C;
  using A = typename R::A;
  if constexpr (R::kExtreme) {
    C m = R::identity();
    int nan = 0;
    if constexpr (K == Red::kMax) {
#pragma omp simd reduction(max : m) reduction(| : nan)
      for (int64_t k = 0; k < n; ++k) {
        const C v = load(p[k]);
        nan |= static_cast<int>(is_nan(v));
        m = v > m ? v : m;
      }
    } else {
#pragma omp simd reduction(min : m) reduction(| : nan)
      for (int64_t k = 0; k < n; ++k) {
        const C v = load(p[k]);
        nan |= static_cast<int>(is_nan(v));
        m = v < m ? v : m;
      }
    }
    if constexpr (R::kFloat) {
      if (nan) return std::numeric_limits<C>::quiet_NaN();
    }
    return m;
  } else if constexpr (R::kProduct) {
    A s = 1;
#pragma omp simd reduction(* : s)
    for (int64_t k = 0; k < n; ++k) s *= R::template pre<A>(load(p[k]));
    return s;
  } else if constexpr (R::kFloat) {
    // Double accumulators, 16 independent lanes (four vector chains): as fast as memory and accurate.
    constexpr int64_t kLanes = 16;
    A lanes[kLanes] = {};
    int64_t k = 0;
    for (; k + kLanes <= n; k += kLanes) {
#pragma omp simd
      for (int64_t j = 0; j < kLanes; ++j) lanes[j] += R::template pre<A>(load(p[k + j]));
    }
    for (int64_t j = 0; k < n; ++k, ++j) lanes[j] += R::template pre<A>(load(p[k]));
    A s = 0;
    for (A v : lanes) s += v;
    return s;
  } else {
    A s = 0;
#pragma omp simd reduction(+ : s)
    for (int64_t k = 0; k < n; ++k) s += R::template pre<A>(load(p[k]));
    return s;
  }
}

// acc[0, len) = the reduction of rows [k0, k1) of block `o`, columns [i0, i0 + len).
template <Red K, class T>
void reduce_block_part(const T* x, const Plan& p, int64_t o, int64_t i0, int64_t len, int64_t k0, int64_t k1,
                       typename Reducer<K, T>::A* acc) {
  using R = Reducer<K, T>;
  using A = typename R::A;
  if (p.inner == 1) {
    acc[0] = reduce_row<K>(x + o * p.mid + k0, k1 - k0);
    return;
  }
  std::fill(acc, acc + len, R::identity());
  for (int64_t k = k0; k < k1; ++k) {
    const T* row = x + (o * p.mid + k) * p.inner + i0;
#pragma omp simd
    for (int64_t i = 0; i < len; ++i) R::add(acc[i], R::template pre<A>(load(row[i])));
  }
}

template <Red K, class T>
void reduce_values(const T* x, const Plan& p, T* y, int threads) {
  using R = Reducer<K, T>;
  using A = typename R::A;
  if (!p.block) {
    // General: each output walks its reduced elements by their strides.
    const int64_t n_out = [&] {
      int64_t n = 1;
      for (int64_t d : p.kdims) n *= d;
      return n;
    }();
    const size_t nk = p.kdims.size(), nr = p.rdims.size();
    parallel_for(n_out, threads, [&](int64_t lo, int64_t hi) {
      std::vector<int64_t> ridx(nr);
      for (int64_t j = lo; j < hi; ++j) {
        int64_t base = 0;
        for (size_t d = nk, rem = static_cast<size_t>(j); d-- > 0;) {
          base += static_cast<int64_t>(rem % static_cast<size_t>(p.kdims[d])) * p.kstrides[d];
          rem /= static_cast<size_t>(p.kdims[d]);
        }
        A acc = R::identity();
        std::fill(ridx.begin(), ridx.end(), 0);
        const int64_t last = p.rdims[nr - 1], step = p.rstrides[nr - 1];
        for (int64_t off = base;;) {
          for (int64_t k = 0; k < last; ++k) R::add(acc, R::template pre<A>(load(x[off + k * step])));
          size_t d = nr - 1;
          for (; d-- > 0;) {
            off += p.rstrides[d];
            if (++ridx[d] < p.rdims[d]) break;
            off -= p.rstrides[d] * p.rdims[d];
            ridx[d] = 0;
          }
          if (d == static_cast<size_t>(-1)) break;
        }
        y[j] = R::finish(acc, p.count);
      }
    }, p.count);
    return;
  }
  const Split s = split_block(p, threads);
  const int64_t tasks = p.outer * s.chunks;
  if (s.parts == 1) {
    parallel_for(tasks, threads, [&](int64_t lo, int64_t hi) {
      A acc[kInnerChunk];
      for (int64_t t = lo; t < hi; ++t) {
        const int64_t o = t / s.chunks, i0 = (t % s.chunks) * s.chunk, len = std::min(s.chunk, p.inner - i0);
        reduce_block_part<K>(x, p, o, i0, len, 0, p.mid, acc);
        for (int64_t i = 0; i < len; ++i) y[o * p.inner + i0 + i] = R::finish(acc[i], p.count);
      }
    }, p.mid * s.chunk);
    return;
  }
  // Few outputs: the reduced axis in parts, partials merged in order.
  const int64_t part = (p.mid + s.parts - 1) / s.parts;
  std::vector<A> partial(static_cast<size_t>(tasks * s.parts * s.chunk));
  parallel_for(tasks * s.parts, threads, [&](int64_t lo, int64_t hi) {
    for (int64_t t = lo; t < hi; ++t) {
      const int64_t task = t / s.parts, q = t % s.parts;
      const int64_t o = task / s.chunks, i0 = (task % s.chunks) * s.chunk, len = std::min(s.chunk, p.inner - i0);
      const int64_t k0 = std::min(p.mid, q * part), k1 = std::min(p.mid, k0 + part);
      reduce_block_part<K>(x, p, o, i0, len, k0, k1, partial.data() + t * s.chunk);
    }
  }, part * s.chunk);
  for (int64_t task = 0; task < tasks; ++task) {
    const int64_t o = task / s.chunks, i0 = (task % s.chunks) * s.chunk, len = std::min(s.chunk, p.inner - i0);
    for (int64_t i = 0; i < len; ++i) {
      A acc = partial[static_cast<size_t>(task * s.parts * s.chunk + i)];
      for (int64_t q = 1; q < s.parts; ++q) R::add(acc, partial[static_cast<size_t>((task * s.parts + q) * s.chunk + i)]);
      y[o * p.inner + i0 + i] = R::finish(acc, p.count);
    }
  }
}

template <class P, Red K, class Table>
void reduce_kernel(const OpContext& ctx, std::span<const TensorView> in, std::span<const TensorView> out) {
  const Shape& shape = in[0].shape;
  const Plan plan = plan_reduction(shape, reduced_axes(*ctx.attrs.op, reduce_param_of<P>(ctx.attrs), shape.ndim()));
  dispatch_dtype<Table>(in[0].dtype, ctx.attrs.op->name, [&]<class T>() {
    reduce_values<K>(in[0].ptr<T>(), plan, out[0].ptr<T>(), ctx.run.num_threads);
  });
}

// --- index reductions: the first maximum (minimum) wins ties; the first NaN wins over everything (NumPy) -------

template <bool Max, class C>
inline bool better(C v, C best) noexcept {
  return (Max ? v > best : v < best) || (is_nan(v) && !is_nan(best));
}

template <bool Max, class T>
struct Best {
  compute_t<T> v;
  int64_t i;
};

// The extreme (NaN if any) by the vectorised reduction, then the first position holding it, found a block at a
// time with a vectorised test.
template <bool Max, class T>
Best<Max, T> search_row(const T* p, int64_t n, int64_t base) {
  const auto m = reduce_row<Max ? Red::kMax : Red::kMin>(p, n);
  const bool nan = is_nan(m);
  constexpr int64_t kBlock = 512;
  for (int64_t b = 0; b < n; b += kBlock) {
    const int64_t e = std::min(n, b + kBlock);
    int any = 0;
#pragma omp simd reduction(| : any)
    for (int64_t k = b; k < e; ++k) {
      const auto v = load(p[k]);
      any |= static_cast<int>(nan ? is_nan(v) : v == m);
    }
    if (!any) continue;
    for (int64_t k = b; k < e; ++k) {
      const auto v = load(p[k]);
      if (nan ? is_nan(v) : v == m) return {v, base + k};
    }
  }
  return {load(p[0]), base};  // unreachable: m is one of the elements
}

// best/idx[0, len) over rows [k0, k1) (k1 > k0) of block `o`, columns [i0, i0 + len).
template <bool Max, class T>
void search_block_part(const T* x, const Plan& p, int64_t o, int64_t i0, int64_t len, int64_t k0, int64_t k1,
                       Best<Max, T>* best) {
  if (p.inner == 1) {
    best[0] = search_row<Max>(x + o * p.mid + k0, k1 - k0, k0);
    return;
  }
  const T* first = x + (o * p.mid + k0) * p.inner + i0;
  for (int64_t i = 0; i < len; ++i) best[i] = {load(first[i]), k0};
  for (int64_t k = k0 + 1; k < k1; ++k) {
    const T* row = x + (o * p.mid + k) * p.inner + i0;
    for (int64_t i = 0; i < len; ++i) {
      const auto v = load(row[i]);
      if (better<Max>(v, best[i].v)) best[i] = {v, k};
    }
  }
}

template <bool Max, class T>
void search(const T* x, const Plan& p, float* y, int threads) {
  using B = Best<Max, T>;
  const Split s = split_block(p, threads);
  const int64_t tasks = p.outer * s.chunks;
  const int64_t part = (p.mid + s.parts - 1) / s.parts;
  const int64_t parts = part == 0 ? 0 : (p.mid + part - 1) / part;  // non-empty parts only
  std::vector<B> partial(static_cast<size_t>(tasks * parts * s.chunk));
  parallel_for(tasks * parts, threads, [&](int64_t lo, int64_t hi) {
    for (int64_t t = lo; t < hi; ++t) {
      const int64_t task = t / parts, q = t % parts;
      const int64_t o = task / s.chunks, i0 = (task % s.chunks) * s.chunk, len = std::min(s.chunk, p.inner - i0);
      const int64_t k0 = q * part, k1 = std::min(p.mid, k0 + part);
      search_block_part<Max>(x, p, o, i0, len, k0, k1, partial.data() + t * s.chunk);
    }
  }, part * s.chunk);
  parallel_for(tasks, threads, [&](int64_t lo, int64_t hi) {
    for (int64_t task = lo; task < hi; ++task) {
      const int64_t o = task / s.chunks, i0 = (task % s.chunks) * s.chunk, len = std::min(s.chunk, p.inner - i0);
      for (int64_t i = 0; i < len; ++i) {
        B b = partial[static_cast<size_t>(task * parts * s.chunk + i)];
        for (int64_t q = 1; q < parts; ++q) {
          const B& c = partial[static_cast<size_t>((task * parts + q) * s.chunk + i)];
          if (better<Max>(c.v, b.v)) b = c;
        }
        y[o * p.inner + i0 + i] = static_cast<float>(b.i);
      }
    }
  }, parts * s.chunk);
}

template <class P, bool Max>
void search_kernel(const OpContext& ctx, std::span<const TensorView> in, std::span<const TensorView> out) {
  const Shape& shape = in[0].shape;
  const Plan plan = plan_reduction(shape, reduced_axes(*ctx.attrs.op, reduce_param_of<P>(ctx.attrs), shape.ndim()));
  SN_INTERNAL_ASSERT(plan.block, "one axis or all reduce as a block");
  dispatch_dtype<NumericDTypes>(in[0].dtype, ctx.attrs.op->name, [&]<class T>() {
    search<Max>(in[0].ptr<T>(), plan, out[0].ptr<float>(), ctx.run.num_threads);
  });
}

// --- broadcasting a reduced gradient back: _broadcast_reduce(ograd; shape = the reduced input's, ...) ---

struct BroadcastReduceParam {
  Shape shape;
  std::optional<Shape> axis;
  bool keepdims = false;
  bool exclude = false;
  bool mean = false;
  static void describe(ParamBuilder<BroadcastReduceParam>& b) {
    b.field("shape", &BroadcastReduceParam::shape, "The forward reduction's input shape.").set_default(Shape{});
    b.field("axis", &BroadcastReduceParam::axis, "The forward reduction's axes.");
    b.field("keepdims", &BroadcastReduceParam::keepdims, "The forward reduction's keepdims.").set_default(false);
    b.field("exclude", &BroadcastReduceParam::exclude, "The forward reduction's exclude.").set_default(false);
    b.field("mean", &BroadcastReduceParam::mean, "Divide by the number of reduced elements.").set_default(false);
  }
  ReduceParam reduce() const { return {axis, keepdims, exclude}; }
};

bool infer_broadcast_reduce(const OpAttrs& attrs, std::vector<Shape>& in, std::vector<Shape>& out) {
  const auto& p = attrs.get<BroadcastReduceParam>();
  merge_shape(*attrs.op, in[0], reduced_shape(p.shape, reduced_axes(*attrs.op, p.reduce(), p.shape.ndim()), p.keepdims),
              "ograd");
  merge_shape(*attrs.op, out[0], p.shape, "the output");
  return true;
}

void broadcast_reduce_kernel(const OpContext& ctx, std::span<const TensorView> in, std::span<const TensorView> out) {
  const auto& p = ctx.params<BroadcastReduceParam>();
  const Shape& shape = out[0].shape;
  const auto red = reduced_axes(*ctx.attrs.op, p.reduce(), shape.ndim());
  int64_t count = 1;
  Shape kept;  // ograd viewed with size-1 reduced dims
  for (int i = 0; i < shape.ndim(); ++i) {
    kept.push_back(red[static_cast<size_t>(i)] ? 1 : shape[i]);
    if (red[static_cast<size_t>(i)]) count *= shape[i];
  }
  const double scale = p.mean && count > 0 ? 1.0 / static_cast<double>(count) : 1.0;
  dispatch_dtype<NumericDTypes>(out[0].dtype, ctx.attrs.op->name, [&]<class T>() {
    const T zero = store<T>(0);
    // ograd (broadcast) + 0 (same shape as data) does the broadcast with the shared loop.
    std::vector<T> zeros(1, zero);
    broadcast_binary(in[0].ptr<T>(), kept, zeros.data(), Shape({1}), out[0].ptr<T>(), shape, ctx.run.num_threads,
                     [scale](T g, T) { return store<T>(static_cast<double>(load(g)) * scale); });
  });
}

// _nan_fill(data; value): NaN replaced by value (nanprod's gradient evaluates prod's where NaN counts as 1).
struct NanFillParam {
  double value = 0;
  static void describe(ParamBuilder<NanFillParam>& b) {
    b.field("value", &NanFillParam::value, "What NaN becomes.").set_default(0.0);
  }
};

void nan_fill_kernel(const OpContext& ctx, std::span<const TensorView> in, std::span<const TensorView> out) {
  const double value = ctx.params<NanFillParam>().value;
  dispatch_dtype<FloatDTypes>(out[0].dtype, ctx.attrs.op->name, [&]<class T>() {
    const T* x = in[0].ptr<T>();
    T* y = out[0].ptr<T>();
    const T v = store<T>(value);
    parallel_for(out[0].size(), ctx.run.num_threads, [&](int64_t lo, int64_t hi) {
      for (int64_t i = lo; i < hi; ++i) y[i] = is_nan(load(x[i])) ? v : x[i];
    });
  });
}

// --- gradients, with registered ops ------------------------------------------------------------------------------

// The forward reduction's axis/keepdims/exclude, printed once (non-default only); the input's data is never
// saved for sum/mean.
std::vector<ParamKV> reduction_params(const OpAttrs& attrs, std::vector<std::pair<std::string, std::string>>& storage) {
  storage = attrs.op->schema->print(attrs.params.get(), /*non_default_only=*/true);
  std::vector<ParamKV> kv;
  for (const auto& [k, v] : storage)
    if (k == "axis" || k == "keepdims" || k == "exclude") kv.emplace_back(k, v);
  return kv;
}

// A reduced value broadcast back to the input's shape (scaled by 1/count for mean).
GradValue broadcast_back(GradBuilder& b, GradValue reduced, bool mean = false) {
  std::vector<std::pair<std::string, std::string>> storage;
  std::vector<ParamKV> kv = reduction_params(b.attrs(), storage);
  const std::string shape = detail::print_int_tuple(b.known_input_shape(0));
  kv.emplace_back("shape", shape);
  if (mean) kv.emplace_back("mean", "True");
  return b.op("_broadcast_reduce", {reduced}, kv);
}

// `op` (a ReduceParam reduction) over the forward reduction's axes.
GradValue reduce_like_forward(GradBuilder& b, const char* op, GradValue x) {
  std::vector<std::pair<std::string, std::string>> storage;
  return b.op(op, {x}, reduction_params(b.attrs(), storage));
}

template <bool Mean>
void sum_grad(GradBuilder& b) {
  b.set_input_grad(0, broadcast_back(b, b.out_grad(0), Mean));
}

void broadcast_reduce_grad(GradBuilder& b) {
  std::vector<std::pair<std::string, std::string>> storage;
  const bool mean = b.attrs().get<BroadcastReduceParam>().mean;
  b.set_input_grad(0, b.op(mean ? "mean" : "sum", {b.out_grad(0)}, reduction_params(b.attrs(), storage)));
}

// d prod / d x_i = the product of the others, exact with zeros (not MXNet's out / x, which is NaN there):
// with z = (x == 0), no zero: g * prod(x) / x_i; one zero: g * prod(x + z) at that zero, 0 elsewhere; more: 0.
GradValue prod_grad_at(GradBuilder& b, GradValue x) {
  const GradValue z = b.op("_equal_scalar", {x}, {{"scalar", "0"}});
  const GradValue zeros = reduce_like_forward(b, "sum", z);
  const GradValue safe = b.op("elemwise_add", {x, z});
  const GradValue gp = b.op("elemwise_mul", {b.out_grad(0), reduce_like_forward(b, "prod", safe)});
  const GradValue none = b.op("elemwise_mul", {gp, b.op("_equal_scalar", {zeros}, {{"scalar", "0"}})});
  const GradValue one = b.op("elemwise_mul", {gp, b.op("_equal_scalar", {zeros}, {{"scalar", "1"}})});
  return b.op("elemwise_add", {b.op("elemwise_div", {broadcast_back(b, none), safe}),
                               b.op("elemwise_mul", {broadcast_back(b, one), z})});
}

void prod_grad(GradBuilder& b) { b.set_input_grad(0, prod_grad_at(b, b.input(0))); }

// NaN counts as 0 (nansum) or 1 (nanprod) and gets no gradient; (x == x) is 0 exactly at NaN.
void nansum_grad(GradBuilder& b) {
  const GradValue x = b.input(0);
  b.set_input_grad(0, b.op("elemwise_mul", {broadcast_back(b, b.out_grad(0)), b.op("broadcast_equal", {x, x})}));
}
void nanprod_grad(GradBuilder& b) {
  const GradValue x = b.input(0);
  const GradValue filled = b.op("_nan_fill", {x}, {{"value", "1"}});
  b.set_input_grad(0, b.op("elemwise_mul", {prod_grad_at(b, filled), b.op("broadcast_equal", {x, x})}));
}

// max/min: the head gradient goes to every position equal to the result (all ties, as MXNet).
void extreme_grad(GradBuilder& b) {
  const GradValue hit = b.op("broadcast_equal", {b.input(0), broadcast_back(b, b.output(0))});
  b.set_input_grad(0, b.op("elemwise_mul", {broadcast_back(b, b.out_grad(0)), hit}));
}

// ord 2: g x / norm (NaN where the norm is 0, as MXNet); ord 1: g sign(x), sign built from comparisons.
void norm_grad(GradBuilder& b) {
  const GradValue x = b.input(0);
  const GradValue g = broadcast_back(b, b.out_grad(0));
  if (b.attrs().get<NormParam>().ord == 1) {
    const GradValue sign = b.op("elemwise_sub", {b.op("_greater_scalar", {x}, {{"scalar", "0"}}),
                                                 b.op("_lesser_scalar", {x}, {{"scalar", "0"}})});
    b.set_input_grad(0, b.op("elemwise_mul", {g, sign}));
  } else {
    b.set_input_grad(0, b.op("elemwise_div", {b.op("elemwise_mul", {g, x}), broadcast_back(b, b.output(0))}));
  }
}

void nan_fill_grad(GradBuilder& b) {
  const GradValue x = b.input(0);
  b.set_input_grad(0, b.op("elemwise_mul", {b.out_grad(0), b.op("broadcast_equal", {x, x})}));
}

// The one registrar every reduction shares: params P, output dtypes Table.
template <class P, class Table>
OpRegistrar reduction(const char* name, const char* doc, KernelFn kernel, InferTypeFn infer_type = infer_same_type) {
  OpRegistrar r(name);
  if constexpr (!std::is_same_v<P, NoParams>) r.params<P>();
  r.describe(doc)
      .dtypes<Table>()
      .inputs({"data"})
      .outputs({"output"})
      .infer_shape(infer_reduce<P>)
      .infer_type(infer_type)
      .kernel(DeviceType::kCPU, kernel);
  return r;
}

template <Red K, class Table = NumericDTypes>
OpRegistrar value_reduction(const char* name, const char* doc) {
  return reduction<ReduceParam, Table>(name, doc, reduce_kernel<ReduceParam, K, Table>);
}

[[maybe_unused]] OpRegistrar r_sum = value_reduction<Red::kSum>("sum", "Sum over the given axes (all by default).")
    .alias("sum_axis")
    .gradient(sum_grad<false>);
[[maybe_unused]] OpRegistrar r_mean = value_reduction<Red::kMean>("mean", "Mean over the given axes (all by default).")
    .gradient(sum_grad<true>);
[[maybe_unused]] OpRegistrar r_prod =
    value_reduction<Red::kProd>("prod", "Product over the given axes (all by default).").gradient(prod_grad, {0});
[[maybe_unused]] OpRegistrar r_max =
    value_reduction<Red::kMax>("max", "Maximum over the given axes (all by default); NaN if any element is NaN.")
        .alias("max_axis")
        .gradient(extreme_grad, {0}, {0});
[[maybe_unused]] OpRegistrar r_min =
    value_reduction<Red::kMin>("min", "Minimum over the given axes (all by default); NaN if any element is NaN.")
        .alias("min_axis")
        .gradient(extreme_grad, {0}, {0});
[[maybe_unused]] OpRegistrar r_nansum =
    value_reduction<Red::kNanSum, FloatDTypes>("nansum", "Sum over the given axes, NaN counted as 0.")
        .gradient(nansum_grad, {0});
[[maybe_unused]] OpRegistrar r_nanprod =
    value_reduction<Red::kNanProd, FloatDTypes>("nanprod", "Product over the given axes, NaN counted as 1.")
        .gradient(nanprod_grad, {0});

void norm_kernel(const OpContext& ctx, std::span<const TensorView> in, std::span<const TensorView> out) {
  if (ctx.params<NormParam>().ord == 1) reduce_kernel<NormParam, Red::kNorm1, FloatDTypes>(ctx, in, out);
  else reduce_kernel<NormParam, Red::kNorm2, FloatDTypes>(ctx, in, out);
}
[[maybe_unused]] OpRegistrar r_norm =
    reduction<NormParam, FloatDTypes>("norm", "The L1 or L2 norm over the given axes (all by default).", norm_kernel)
        .gradient(norm_grad, {0}, {0});

using IndexOut = DTypeTable<float>;
[[maybe_unused]] OpRegistrar r_argmax =
    reduction<ReduceAxisParam, IndexOut>("argmax", "Index of the maximum along an axis (flattened if None), as float32; "
                                         "the first of ties, the first NaN if any.",
                                         search_kernel<ReduceAxisParam, true>, infer_index_type)
        .zero_gradient();
[[maybe_unused]] OpRegistrar r_argmin =
    reduction<ReduceAxisParam, IndexOut>("argmin", "Index of the minimum along an axis (flattened if None), as float32; "
                                         "the first of ties, the first NaN if any.",
                                         search_kernel<ReduceAxisParam, false>, infer_index_type)
        .zero_gradient();
[[maybe_unused]] OpRegistrar r_argmax_channel =
    reduction<NoParams, IndexOut>("argmax_channel", "Index of the maximum along the last axis, as float32.",
                                  search_kernel<NoParams, true>, infer_index_type)
        .zero_gradient();

[[maybe_unused]] OpRegistrar r_broadcast_reduce = OpRegistrar("_broadcast_reduce")
    .describe("Broadcasts a reduction's output gradient back to the reduced input's shape.")
    .params<BroadcastReduceParam>()
    .dtypes<NumericDTypes>()
    .inputs({"ograd"})
    .outputs({"output"})
    .infer_shape(infer_broadcast_reduce)
    .infer_type(infer_same_type)
    .kernel(DeviceType::kCPU, broadcast_reduce_kernel)
    .gradient(broadcast_reduce_grad);

[[maybe_unused]] OpRegistrar r_nan_fill = OpRegistrar("_nan_fill")
    .describe("The data with NaN replaced by a value.")
    .params<NanFillParam>()
    .dtypes<FloatDTypes>()
    .inputs({"data"})
    .outputs({"output"})
    .inplace({{0, 0}})
    .infer_shape(infer_same_shape)
    .infer_type(infer_same_type)
    .kernel(DeviceType::kCPU, nan_fill_kernel)
    .gradient(nan_fill_grad, {0});

}  // namespace
}  // namespace sn
