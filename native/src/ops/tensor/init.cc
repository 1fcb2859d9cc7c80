// Arrays from nothing but parameters: _zeros, _ones, _full, _arange, _linspace,
// _eye (MXNet's nd.zeros / ones / full / arange / linspace / eye).
#include <cmath>

#include "ndarray/kernels.h"
#include "ops/op_utils.h"

namespace sn {
namespace {

struct InitParam {
  Shape shape;
  std::string ctx;
  DType dtype = DType::kFloat32;
  static void describe(ParamBuilder<InitParam>& b) {
    b.field("shape", &InitParam::shape, "Shape of the output.").set_default(Shape{});
    b.field("ctx", &InitParam::ctx, "Device of the output, e.g. cpu(0); the default context if empty.")
        .set_default(std::string());
    b.field("dtype", &InitParam::dtype, "Element type of the output.").set_default(DType::kFloat32);
  }
};
struct FullParam {
  Shape shape;
  std::string ctx;
  DType dtype = DType::kFloat32;
  double value = 0;
  static void describe(ParamBuilder<FullParam>& b) {
    b.field("shape", &FullParam::shape, "Shape of the output.").set_default(Shape{});
    b.field("ctx", &FullParam::ctx, "Device of the output, e.g. cpu(0); the default context if empty.")
        .set_default(std::string());
    b.field("dtype", &FullParam::dtype, "Element type of the output.").set_default(DType::kFloat32);
    b.field("value", &FullParam::value, "The value of every element.").set_default(0.0);
  }
};

template <class P>
bool infer_init_shape(const OpAttrs& attrs, std::vector<Shape>&, std::vector<Shape>& out) {
  const Shape& s = attrs.get<P>().shape;
  for (int64_t d : s.dims()) SN_CHECK_SHAPE(d >= 0, attrs.op->name, ": shape ", s, " has a negative dim");
  merge_shape(*attrs.op, out[0], s.ndim() == 0 ? Shape({1}) : s, "the output");  // legacy: no 0-d arrays
  return true;
}
template <class P>
bool infer_init_type(const OpAttrs& attrs, std::vector<int>&, std::vector<int>& out) {
  out[0] = static_cast<int>(attrs.get<P>().dtype);
  return true;
}

template <class P, int Fixed>
void init_kernel(const OpContext& ctx, std::span<const TensorView>, std::span<const TensorView> out) {
  double v = Fixed;
  if constexpr (std::is_same_v<P, FullParam>) v = ctx.params<P>().value;
  dispatch_dtype<AllDTypes>(out[0].dtype, ctx.attrs.op->name, [&]<class T>() {
    T* y = out[0].ptr<T>();
    const T value = store<T>(v);
    parallel_for(out[0].size(), ctx.run.num_threads, [&](int64_t lo, int64_t hi) { std::fill(y + lo, y + hi, value); });
  });
}

template <class P>
OpRegistrar init_op(const char* name, KernelFn kernel, const char* doc) {
  OpRegistrar r = OpRegistrar(name).describe(doc).dtypes<AllDTypes>();
  return r.params<P>()
      .inputs({})
      .outputs({"output"})
      .infer_shape(infer_init_shape<P>)
      .infer_type(infer_init_type<P>)
      .kernel(DeviceType::kCPU, kernel)
      .zero_gradient();
}

[[maybe_unused]] OpRegistrar r_zeros = init_op<InitParam>("_zeros", init_kernel<InitParam, 0>, "An array of zeros.");
[[maybe_unused]] OpRegistrar r_ones = init_op<InitParam>("_ones", init_kernel<InitParam, 1>, "An array of ones.");
[[maybe_unused]] OpRegistrar r_full =
    init_op<FullParam>("_full", init_kernel<FullParam, -1>, "An array with every element set to a value.")
        .alias("full");


// Fields every creation op shares, added after its own.
template <class P>
void device_and_dtype(ParamBuilder<P>& b) {
  b.field("ctx", &P::ctx, "Device of the output, e.g. cpu(0); the default context if empty.").set_default(std::string());
  b.field("dtype", &P::dtype, "Element type of the output.").set_default(DType::kFloat32);
}

struct ArangeParam {
  double start = 0;
  std::optional<double> stop;
  double step = 1;
  int64_t repeat = 1;
  bool infer_range = false;
  std::string ctx;
  DType dtype = DType::kFloat32;
  static void describe(ParamBuilder<ArangeParam>& b) {
    b.field("start", &ArangeParam::start, "First value (the end, from 0, when stop is None).");
    b.field("stop", &ArangeParam::stop, "End of the range, exclusive.");
    b.field("step", &ArangeParam::step, "Spacing between values.").set_default(1.0);
    b.field("repeat", &ArangeParam::repeat, "How many times each value repeats.").set_default(int64_t{1}).set_lower_bound(1);
    b.field("infer_range", &ArangeParam::infer_range, "Symbolic graphs: take the length from the output's shape.")
        .set_default(false);
    device_and_dtype(b);
  }
  std::pair<double, double> range() const { return stop ? std::pair{start, *stop} : std::pair{0.0, start}; }
  int64_t count(const OpDef& op) const {
    SN_CHECK(step != 0, op.name, ": step must not be 0");
    auto [a, z] = range();
    const double n = std::ceil((z - a) / step);
    SN_CHECK(std::isfinite(n) && n < 0x1p62, op.name, ": start ", a, ", stop ", z, " and step ", step,
             " make a range of ", n, " values, more than can be addressed");
    return n > 0 ? static_cast<int64_t>(n) : 0;
  }
};
bool infer_arange_shape(const OpAttrs& attrs, std::vector<Shape>&, std::vector<Shape>& out) {
  const auto& p = attrs.get<ArangeParam>();
  SN_CHECK(!p.infer_range, attrs.op->name, ": infer_range needs a symbolic graph; give stop instead");
  merge_shape(*attrs.op, out[0], Shape{p.count(*attrs.op) * p.repeat}, "the output");
  return true;
}
void arange_kernel(const OpContext& ctx, std::span<const TensorView>, std::span<const TensorView> out) {
  const auto& p = ctx.params<ArangeParam>();
  arange(out[0].data, out[0].dtype, out[0].size(), p.range().first, p.step, p.repeat, ctx.run.num_threads);
}

struct LinspaceParam {
  double start = 0, stop = 0;
  int64_t num = 0;
  bool endpoint = true;
  std::string ctx;
  DType dtype = DType::kFloat32;
  static void describe(ParamBuilder<LinspaceParam>& b) {
    b.field("start", &LinspaceParam::start, "First value.");
    b.field("stop", &LinspaceParam::stop, "Last value (included when endpoint is true).");
    b.field("num", &LinspaceParam::num, "Number of values.").set_lower_bound(0);
    b.field("endpoint", &LinspaceParam::endpoint, "Whether stop is the last value.").set_default(true);
    device_and_dtype(b);
  }
};
bool infer_linspace_shape(const OpAttrs& attrs, std::vector<Shape>&, std::vector<Shape>& out) {
  merge_shape(*attrs.op, out[0], Shape{attrs.get<LinspaceParam>().num}, "the output");
  return true;
}
void linspace_kernel(const OpContext& ctx, std::span<const TensorView>, std::span<const TensorView> out) {
  const auto& p = ctx.params<LinspaceParam>();
  const int64_t n = p.num;
  const int64_t div = p.endpoint ? n - 1 : n;
  const double step = div > 0 ? (p.stop - p.start) / static_cast<double>(div) : 0;
  arange(out[0].data, out[0].dtype, n, p.start, step, 1, ctx.run.num_threads);
  if (p.endpoint && n > 1) scalar_to_bytes(p.stop, out[0].dtype, static_cast<char*>(out[0].data) + (n - 1) * dtype_size(out[0].dtype));
}

struct EyeParam {
  int64_t N = 0, M = 0, k = 0;
  std::string ctx;
  DType dtype = DType::kFloat32;
  static void describe(ParamBuilder<EyeParam>& b) {
    b.field("N", &EyeParam::N, "Number of rows.").set_lower_bound(0);
    b.field("M", &EyeParam::M, "Number of columns (0: N).").set_default(int64_t{0}).set_lower_bound(0);
    b.field("k", &EyeParam::k, "Diagonal: 0 the main one, positive above, negative below.").set_default(int64_t{0});
    device_and_dtype(b);
  }
};
bool infer_eye_shape(const OpAttrs& attrs, std::vector<Shape>&, std::vector<Shape>& out) {
  const auto& p = attrs.get<EyeParam>();
  merge_shape(*attrs.op, out[0], Shape{p.N, p.M == 0 ? p.N : p.M}, "the output");
  return true;
}
void eye_kernel(const OpContext& ctx, std::span<const TensorView>, std::span<const TensorView> out) {
  const auto& p = ctx.params<EyeParam>();
  const int64_t rows = out[0].shape[0], cols = out[0].shape[1];
  const int eb = dtype_size(out[0].dtype);
  auto* y = static_cast<char*>(out[0].data);
  std::memset(y, 0, static_cast<size_t>(out[0].size() * eb));
  char one[8];
  scalar_to_bytes(1.0, out[0].dtype, one);
  for (int64_t r = std::max<int64_t>(0, -p.k); r < rows && r + p.k < cols; ++r)
    std::memcpy(y + (r * cols + r + p.k) * eb, one, static_cast<size_t>(eb));
}

template <class P>
OpRegistrar creation_op(const char* name, InferShapeFn infer, KernelFn kernel, const char* doc) {
  return OpRegistrar(name)
      .describe(doc)
      .dtypes<NumericDTypes>()
      .params<P>()
      .inputs({})
      .outputs({"output"})
      .infer_shape(infer)
      .infer_type(infer_init_type<P>)
      .kernel(DeviceType::kCPU, kernel)
      .zero_gradient();
}

[[maybe_unused]] OpRegistrar r_arange =
    creation_op<ArangeParam>("_arange", infer_arange_shape, arange_kernel,
                             "Evenly spaced values in [start, stop), each repeated `repeat` times.")
        .alias("arange");
[[maybe_unused]] OpRegistrar r_linspace =
    creation_op<LinspaceParam>("_linspace", infer_linspace_shape, linspace_kernel,
                               "num evenly spaced values from start to stop.")
        .alias("linspace");
[[maybe_unused]] OpRegistrar r_eye =
    creation_op<EyeParam>("_eye", infer_eye_shape, eye_kernel, "An N x M matrix with ones on the k-th diagonal.")
        .alias("eye");

}  // namespace
}  // namespace sn
