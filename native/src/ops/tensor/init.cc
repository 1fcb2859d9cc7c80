// Arrays from nothing but parameters: _zeros, _ones, _full (MXNet's nd.zeros / ones / full).
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
    init_op<FullParam>("_full", init_kernel<FullParam, -1>, "An array with every element set to a value.");

}  // namespace
}  // namespace sn
