// Sampling from categorical distributions (`_sample_multinomial`), and the two gather/scatter ops its
// gradient is built from. Draw e of a call reads its own Philox substream (Note [Per-element substreams]).
#include <algorithm>
#include <cmath>

#include "core/param.h"
#include "ops/gradient.h"
#include "ops/op_utils.h"
#include "ops/random/distributions.h"

namespace sn {
namespace {

// Index arrays (a draw kept in its output dtype) may hold any numeric dtype.
std::vector<int64_t> as_indices(const TensorView& v, const std::string& op, int64_t depth) {
  std::vector<int64_t> idx(static_cast<size_t>(v.size()));
  dispatch_dtype<NumericDTypes>(v.dtype, op, [&]<class T>() {
    const T* x = v.ptr<T>();
    for (size_t i = 0; i < idx.size(); ++i) {
      const double d = static_cast<double>(load(x[i]));
      SN_CHECK_INDEX(d >= 0 && d < static_cast<double>(depth) && d == std::floor(d), op, ": index ", d, " at ", i,
                     " is not an integer in [0, ", depth, ")");
      idx[i] = static_cast<int64_t>(d);
    }
  });
  return idx;
}

// The index's leading dims are the data's batch dims data_shape[:-1].
void check_batch_prefix(const OpDef& op, const Shape& data, const Shape& index) {
  const int nb = data.ndim() - 1;
  bool ok = index.ndim() >= nb;
  for (int d = 0; ok && d < nb; ++d) ok = index[d] < 0 || data[d] < 0 || index[d] == data[d];
  SN_CHECK_SHAPE(ok, op.name, ": index shape ", index, " must start with the batch dims of ", data,
                 " (all but the last)");
}

// --- _backward_sample_multinomial_pick: out[b, j] = data[b, index[b, j]] ------------------------------------

bool infer_pick_shape(const OpAttrs& attrs, std::vector<Shape>& in, std::vector<Shape>& out) {
  const OpDef& op = *attrs.op;
  if (!in[0].ndim_known() || !in[1].ndim_known()) return false;
  SN_CHECK_SHAPE(in[0].ndim() >= 1, op.name, ": data needs at least 1 dim, got ", in[0]);
  check_batch_prefix(op, in[0], in[1]);
  merge_shape(op, out[0], in[1], "the output");
  return out[0].is_known();
}

bool infer_pick_type(const OpAttrs& attrs, std::vector<int>& in, std::vector<int>& out) {
  if (in[0] < 0) return false;
  SN_CHECK_TYPE(FloatDTypes::contains(static_cast<DType>(in[0])), attrs.op->name, ": data must be a float dtype, got ",
                static_cast<DType>(in[0]));
  out[0] = in[0];
  return in[1] >= 0;
}

void pick_kernel(const OpContext& ctx, std::span<const TensorView> in, std::span<const TensorView> out) {
  const int64_t depth = in[0].shape[in[0].shape.ndim() - 1];
  const int64_t rows = depth == 0 ? 0 : in[0].size() / depth;
  const std::vector<int64_t> idx = as_indices(in[1], ctx.attrs.op->name, depth);
  const int64_t n = out[0].size(), per = rows == 0 || n == 0 ? 1 : n / rows;
  dispatch_dtype<FloatDTypes>(out[0].dtype, ctx.attrs.op->name, [&]<class T>() {
    const T* x = in[0].ptr<T>();
    T* y = out[0].ptr<T>();
    parallel_for(n, ctx.run.num_threads, [&](int64_t lo, int64_t hi) {
      for (int64_t e = lo; e < hi; ++e) y[e] = x[(e / per) * depth + idx[static_cast<size_t>(e)]];
    });
  });
}

struct ScatterParam {
  Shape data_shape;
  static void describe(ParamBuilder<ScatterParam>& p) {
    p.field("data_shape", &ScatterParam::data_shape, "Shape of the output (the sampled data's shape).");
  }
};

void pick_grad(GradBuilder& b) {
  const std::string s = detail::print_int_tuple(b.known_input_shape(0));
  b.set_input_grad(0, b.op("_backward_sample_multinomial_scatter", {b.out_grad(0), b.input(1)}, {{"data_shape", s}}));
}

// --- _backward_sample_multinomial_scatter: out[b, k] = sum over j with index[b, j] = k of values[b, j] --------

bool infer_scatter_shape(const OpAttrs& attrs, std::vector<Shape>& in, std::vector<Shape>& out) {
  const OpDef& op = *attrs.op;
  const Shape& ds = attrs.get<ScatterParam>().data_shape;
  SN_CHECK_SHAPE(ds.ndim() >= 1, op.name, ": data_shape needs at least 1 dim, got ", ds);
  for (int64_t d : ds.dims()) SN_CHECK_SHAPE(d >= 0, op.name, ": data_shape ", ds, " has a negative dim");
  merge_input_shape(op, in[1], in[0], 1);
  merge_input_shape(op, in[0], in[1], 0);
  if (in[0].ndim_known()) check_batch_prefix(op, ds, in[0]);
  merge_shape(op, out[0], ds, "the output");
  return in[0].is_known();
}

void scatter_kernel(const OpContext& ctx, std::span<const TensorView> in, std::span<const TensorView> out) {
  const int64_t depth = out[0].shape[out[0].shape.ndim() - 1];
  const int64_t rows = depth == 0 ? 0 : out[0].size() / depth;
  const std::vector<int64_t> idx = as_indices(in[1], ctx.attrs.op->name, depth);
  const int64_t n = in[0].size(), per = rows == 0 ? 0 : n / rows;
  dispatch_dtype<FloatDTypes>(out[0].dtype, ctx.attrs.op->name, [&]<class T>() {
    const T* v = in[0].ptr<T>();
    T* y = out[0].ptr<T>();
    // One row per task: the sums of a row stay on one thread, in index order.
    parallel_for(rows, ctx.run.num_threads, [&](int64_t lo, int64_t hi) {
      std::vector<compute_t<T>> acc(static_cast<size_t>(depth));
      for (int64_t r = lo; r < hi; ++r) {
        std::fill(acc.begin(), acc.end(), compute_t<T>(0));
        for (int64_t j = r * per; j < (r + 1) * per; ++j)
          acc[static_cast<size_t>(idx[static_cast<size_t>(j)])] += load(v[j]);
        for (int64_t k = 0; k < depth; ++k) y[r * depth + k] = store<T>(acc[static_cast<size_t>(k)]);
      }
    }, std::max<int64_t>(per, 1));
  });
}

void scatter_grad(GradBuilder& b) {
  b.set_input_grad(0, b.op("_backward_sample_multinomial_pick", {b.out_grad(0), b.input(1)}));
}

[[maybe_unused]] OpRegistrar r_pick = OpRegistrar("_backward_sample_multinomial_pick")
                                          .describe("out[b, j] = data[b, index[b, j]] along data's last axis "
                                                    "(multinomial's gradient).")
                                          .dtypes<FloatDTypes>()
                                          .inputs({"data", "index"})
                                          .outputs({"output"})
                                          .infer_shape(infer_pick_shape)
                                          .infer_type(infer_pick_type)
                                          .kernel(DeviceType::kCPU, pick_kernel)
                                          .gradient(pick_grad, {1});

[[maybe_unused]] OpRegistrar r_scatter = OpRegistrar("_backward_sample_multinomial_scatter")
                                             .describe("Adds values[b, j] into out[b, index[b, j]] of a zero array of "
                                                       "shape data_shape (multinomial's gradient).")
                                             .dtypes<FloatDTypes>()
                                             .params<ScatterParam>()
                                             .inputs({"values", "index"})
                                             .outputs({"output"})
                                             .infer_shape(infer_scatter_shape)
                                             .infer_type(infer_pick_type)
                                             .kernel(DeviceType::kCPU, scatter_kernel)
                                             .gradient(scatter_grad, {1});

// --- _sample_multinomial ---------------------------------------------------------------------------------------

struct MultinomialParam {
  Shape shape;
  bool get_prob = false;
  DType dtype = DType::kInt32;
  static void describe(ParamBuilder<MultinomialParam>& p) {
    p.field("shape", &MultinomialParam::shape, "Shape of the draws per distribution.").set_default(Shape{});
    p.field("get_prob", &MultinomialParam::get_prob,
            "Also return the log probability of each draw (differentiable with respect to data).")
        .set_default(false);
    p.field("dtype", &MultinomialParam::dtype, "Dtype of the draws (uint8, int32, float16, float32 or float64).")
        .set_default(DType::kInt32);
  }
};

int multinomial_outputs(const OpAttrs& attrs) { return attrs.get<MultinomialParam>().get_prob ? 2 : 1; }

// The largest category count whose indices the dtype holds exactly.
int64_t max_categories(DType t) {
  switch (t) {
    case DType::kUInt8: return 256;
    case DType::kFloat16: return 2049;
    case DType::kFloat32: return (int64_t{1} << 24) + 1;
    case DType::kInt32: return int64_t{1} << 31;
    default: return int64_t{1} << 53;
  }
}

bool infer_multinomial_shape(const OpAttrs& attrs, std::vector<Shape>& in, std::vector<Shape>& out) {
  const OpDef& op = *attrs.op;
  const auto& p = attrs.get<MultinomialParam>();
  for (int64_t d : p.shape.dims()) SN_CHECK_SHAPE(d >= 0, op.name, ": shape ", p.shape, " has a negative dim");
  const Shape& s = in[0];
  if (!s.ndim_known()) return false;
  SN_CHECK_SHAPE(s.ndim() >= 1, op.name, ": data needs at least 1 dim (the categories), got ", s);
  const int64_t k = s[s.ndim() - 1];
  if (k >= 0) {
    SN_CHECK_SHAPE(k >= 1, op.name, ": data needs at least one category along its last axis, got shape ", s);
    SN_CHECK_SHAPE(k <= max_categories(p.dtype), op.name, ": dtype ", p.dtype, " holds indices of at most ",
                   max_categories(p.dtype), " categories, got ", k);
  }
  Shape o;
  for (int d = 0; d < s.ndim() - 1; ++d) o.push_back(s[d]);
  for (int64_t d : p.shape.dims()) o.push_back(d);
  if (o.ndim() == 0) o = Shape({1});
  for (Shape& slot : out) merge_shape(op, slot, o, "the output");
  return out[0].is_known();
}

bool infer_multinomial_type(const OpAttrs& attrs, std::vector<int>& in, std::vector<int>& out) {
  const OpDef& op = *attrs.op;
  const DType t = attrs.get<MultinomialParam>().dtype;
  SN_CHECK_TYPE(t == DType::kUInt8 || t == DType::kInt32 || t == DType::kFloat16 || t == DType::kFloat32 ||
                    t == DType::kFloat64,
                op.name, ": dtype must be uint8, int32, float16, float32 or float64, got ", t);
  out[0] = static_cast<int>(t);
  if (in[0] < 0) return false;
  SN_CHECK_TYPE(FloatDTypes::contains(static_cast<DType>(in[0])), op.name,
                ": data (probabilities) must be a float dtype, got ", static_cast<DType>(in[0]));
  if (out.size() > 1) out[1] = in[0];
  return true;
}

// Rounding slack of a row sum in T, beyond a 1e-3 tolerance for probabilities normalised elsewhere.
template <class T>
double sum_tolerance(int64_t k) {
  double eps = std::numeric_limits<double>::epsilon();
  if constexpr (std::is_same_v<T, float>) eps = 0x1.0p-24;
  else if constexpr (std::is_same_v<T, half_t>) eps = 0x1.0p-11;
  else if constexpr (std::is_same_v<T, bf16_t>) eps = 0x1.0p-8;
  return 1e-3 + static_cast<double>(k) * eps;
}

using IndexOutDTypes = DTypeTable<uint8_t, int32_t, half_t, float, double>;
using MultinomialDTypes = DTypeTable<float, double, half_t, bf16_t, uint8_t, int32_t>;

void multinomial_kernel(const OpContext& ctx, std::span<const TensorView> in, std::span<const TensorView> out) {
  const std::string& name = ctx.attrs.op->name;
  const int64_t k = in[0].shape[in[0].shape.ndim() - 1];
  const int64_t rows = in[0].size() / k, n = out[0].size();
  const int64_t per = rows == 0 ? 0 : n / rows;
  const uint64_t key = ctx.random_seed, seq = ctx.random_sequence;
  std::vector<int64_t> drawn(static_cast<size_t>(n));
  dispatch_dtype<FloatDTypes>(in[0].dtype, name, [&]<class T>() {
    const T* p = in[0].ptr<T>();
    T* logp = out.size() > 1 ? out[1].ptr<T>() : nullptr;
    const double tol = sum_tolerance<T>(k);
    parallel_for(rows, ctx.run.num_threads, [&](int64_t lo, int64_t hi) {
      std::vector<double> cdf(static_cast<size_t>(k));
      for (int64_t r = lo; r < hi; ++r) {
        const T* row = p + r * k;
        double acc = 0;
        for (int64_t c = 0; c < k; ++c) {
          const double v = static_cast<double>(load(row[c]));
          SN_CHECK(v >= 0 && std::isfinite(v), name, ": probabilities must be non-negative and finite, got ", v,
                   " at row ", r, ", category ", c);
          acc += v;
          cdf[static_cast<size_t>(c)] = acc;
        }
        SN_CHECK(std::abs(acc - 1) <= tol, name, ": the probabilities of row ", r, " must sum to 1 (within ", tol,
                 "), got ", acc);
        for (int64_t j = 0; j < per; ++j) {
          const int64_t e = r * per + j;
          philox::ElementStream s(key, seq, static_cast<uint64_t>(e));
          // The first category whose cumulative sum exceeds u * total: its probability is positive.
          const double loc = s.uniform() * acc;
          const auto c = static_cast<int64_t>(std::upper_bound(cdf.begin(), cdf.end(), loc) - cdf.begin());
          const int64_t cat = std::min(c, k - 1);
          drawn[static_cast<size_t>(e)] = cat;
          if (logp != nullptr) logp[e] = store<T>(std::log(static_cast<double>(load(row[cat]))));
        }
      }
    }, std::max<int64_t>(k + 16 * per, 1));
  });
  dispatch_dtype<IndexOutDTypes>(out[0].dtype, name, [&]<class T>() {
    T* y = out[0].ptr<T>();
    for (int64_t e = 0; e < n; ++e) y[e] = store<T>(drawn[static_cast<size_t>(e)]);
  });
}

// d log p[b, sample] / d data[b, k] = [sample == k] / data[b, k].
void multinomial_grad(GradBuilder& b) {
  if (b.num_outputs() < 2) return;
  GradValue sample = b.output(0);
  GradValue picked = b.op("_backward_sample_multinomial_pick", {b.input(0), sample});
  GradValue q = b.op("elemwise_div", {b.out_grad(1), picked});
  const std::string s = detail::print_int_tuple(b.known_input_shape(0));
  b.set_input_grad(0, b.op("_backward_sample_multinomial_scatter", {q, sample}, {{"data_shape", s}}));
}

[[maybe_unused]] OpRegistrar r_multinomial =
    OpRegistrar("_sample_multinomial")
        .describe("Samples category indices from the probabilities along data's last axis; with get_prob, also "
                  "their log probabilities.")
        .alias("sample_multinomial")
        .dtypes<MultinomialDTypes>()
        .params<MultinomialParam>()
        .inputs({"data"})
        .outputs({"output", "prob"})
        .variadic_outputs(multinomial_outputs)
        .random()
        .infer_shape(infer_multinomial_shape)
        .infer_type(infer_multinomial_type)
        .kernel(DeviceType::kCPU, multinomial_kernel)
        .gradient(multinomial_grad, {0}, {0});

}  // namespace
}  // namespace sn
