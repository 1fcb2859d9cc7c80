// Elementwise unary math, identity copies and the *_like fills.
#include <cmath>

#include "ops/gradient.h"
#include "ops/op_utils.h"

namespace sn {
namespace {

template <class Table, class F>
void unary_kernel_impl(const OpContext& ctx, std::span<const TensorView> in, std::span<const TensorView> out, F f) {
  dispatch_dtype<Table>(out[0].dtype, ctx.attrs.op->name, [&]<class T>() {
    const T* x = in[0].ptr<T>();
    T* y = out[0].ptr<T>();
    parallel_for(out[0].size(), ctx.run.num_threads, [&](int64_t lo, int64_t hi) {
      for (int64_t i = lo; i < hi; ++i) y[i] = store<T>(f(load(x[i])));
    }, 4);
  });
}

#define SN_UNARY_KERNEL(NAME, TABLE, EXPR)                                                                  \
  void NAME(const OpContext& ctx, std::span<const TensorView> in, std::span<const TensorView> out) {        \
    unary_kernel_impl<TABLE>(ctx, in, out, [](auto x) -> decltype(x) { return EXPR; });                     \
  }

using SignedDTypes = DTypeTable<float, double, half_t, bf16_t, int8_t, int32_t, int64_t>;

SN_UNARY_KERNEL(negative_kernel, SignedDTypes, -x)
SN_UNARY_KERNEL(square_kernel, NumericDTypes, x * x)
SN_UNARY_KERNEL(relu_kernel, NumericDTypes, x > decltype(x)(0) ? x : (x != x ? x : decltype(x)(0)))  // NaN stays NaN
SN_UNARY_KERNEL(exp_kernel, FloatDTypes, std::exp(x))
SN_UNARY_KERNEL(log_kernel, FloatDTypes, std::log(x))
SN_UNARY_KERNEL(sqrt_kernel, FloatDTypes, std::sqrt(x))
SN_UNARY_KERNEL(sigmoid_kernel, FloatDTypes, decltype(x)(1) / (decltype(x)(1) + std::exp(-x)))
SN_UNARY_KERNEL(tanh_kernel, FloatDTypes, std::tanh(x))


template <int Value>
void fill_kernel(const OpContext& ctx, std::span<const TensorView>, std::span<const TensorView> out) {
  dispatch_dtype<AllDTypes>(out[0].dtype, ctx.attrs.op->name, [&]<class T>() {
    T* y = out[0].ptr<T>();
    const T v = store<T>(Value);
    parallel_for(out[0].size(), ctx.run.num_threads, [&](int64_t lo, int64_t hi) { std::fill(y + lo, y + hi, v); });
  });
}

// y = dy * (x > 0), where x is relu's output.
void backward_relu_kernel(const OpContext& ctx, std::span<const TensorView> in, std::span<const TensorView> out) {
  dispatch_dtype<NumericDTypes>(out[0].dtype, ctx.attrs.op->name, [&]<class T>() {
    const T* g = in[0].ptr<T>();
    const T* y = in[1].ptr<T>();
    T* o = out[0].ptr<T>();
    parallel_for(out[0].size(), ctx.run.num_threads, [&](int64_t lo, int64_t hi) {
      for (int64_t i = lo; i < hi; ++i) o[i] = load(y[i]) > 0 ? g[i] : store<T>(0);
    });
  });
}

// Gradients, with registered (differentiable) ops.
void negative_grad(GradBuilder& b) { b.set_input_grad(0, b.op("negative", {b.out_grad(0)})); }
void exp_grad(GradBuilder& b) { b.set_input_grad(0, b.op("elemwise_mul", {b.out_grad(0), b.output(0)})); }
void log_grad(GradBuilder& b) { b.set_input_grad(0, b.op("elemwise_div", {b.out_grad(0), b.input(0)})); }
void sqrt_grad(GradBuilder& b) {
  GradValue two_y = b.op("_mul_scalar", {b.output(0)}, {{"scalar", "2"}});
  b.set_input_grad(0, b.op("elemwise_div", {b.out_grad(0), two_y}));
}
void square_grad(GradBuilder& b) {
  GradValue two_x = b.op("_mul_scalar", {b.input(0)}, {{"scalar", "2"}});
  b.set_input_grad(0, b.op("elemwise_mul", {b.out_grad(0), two_x}));
}
void relu_grad(GradBuilder& b) { b.set_input_grad(0, b.op("_backward_relu", {b.out_grad(0), b.output(0)})); }
void backward_relu_grad(GradBuilder& b) {
  b.set_input_grad(0, b.op("_backward_relu", {b.out_grad(0), b.input(1)}));  // linear in dy; zero in y a.e.
}
void sigmoid_grad(GradBuilder& b) {  // y (1 - y)
  GradValue one_minus = b.op("_rminus_scalar", {b.output(0)}, {{"scalar", "1"}});
  GradValue d = b.op("elemwise_mul", {b.output(0), one_minus});
  b.set_input_grad(0, b.op("elemwise_mul", {b.out_grad(0), d}));
}
void tanh_grad(GradBuilder& b) {  // 1 - y^2
  GradValue d = b.op("_rminus_scalar", {b.op("square", {b.output(0)})}, {{"scalar", "1"}});
  b.set_input_grad(0, b.op("elemwise_mul", {b.out_grad(0), d}));
}
void identity_grad(GradBuilder& b) { b.set_input_grad(0, b.out_grad(0)); }

template <class Table>
OpRegistrar unary(const char* name, KernelFn kernel, const char* doc) {
  return OpRegistrar(name)
      .dtypes<Table>()
      .describe(doc)
      .inputs({"data"})
      .outputs({"output"})
      .inplace({{0, 0}})
      .infer_shape(infer_same_shape)
      .infer_type(infer_same_type)
      .kernel(DeviceType::kCPU, kernel);
}

[[maybe_unused]] OpRegistrar r_negative = unary<SignedDTypes>("negative", negative_kernel, "-x.").gradient(negative_grad);
[[maybe_unused]] OpRegistrar r_exp = unary<FloatDTypes>("exp", exp_kernel, "e^x.").gradient(exp_grad, {}, {0});
[[maybe_unused]] OpRegistrar r_log = unary<FloatDTypes>("log", log_kernel, "Natural logarithm.").gradient(log_grad, {0});
[[maybe_unused]] OpRegistrar r_sqrt = unary<FloatDTypes>("sqrt", sqrt_kernel, "Square root.").gradient(sqrt_grad, {}, {0});
[[maybe_unused]] OpRegistrar r_square = unary<NumericDTypes>("square", square_kernel, "x^2.").gradient(square_grad, {0});
[[maybe_unused]] OpRegistrar r_relu =
    unary<NumericDTypes>("relu", relu_kernel, "max(x, 0) (NaN stays NaN).").gradient(relu_grad, {}, {0});
[[maybe_unused]] OpRegistrar r_sigmoid =
    unary<FloatDTypes>("sigmoid", sigmoid_kernel, "1 / (1 + e^-x).").gradient(sigmoid_grad, {}, {0});
[[maybe_unused]] OpRegistrar r_tanh = unary<FloatDTypes>("tanh", tanh_kernel, "Hyperbolic tangent.").gradient(tanh_grad, {}, {0});
[[maybe_unused]] OpRegistrar r_copy =
    unary<AllDTypes>("_copy", copy_kernel, "A copy of the input.").alias("identity").gradient(identity_grad);

[[maybe_unused]] OpRegistrar r_block_grad =
    unary<AllDTypes>("BlockGrad", copy_kernel, "The input unchanged, with a zero gradient: gradients stop here.")
        .alias("stop_gradient")
        .zero_gradient();

[[maybe_unused]] OpRegistrar r_backward_relu = OpRegistrar("_backward_relu")
    .describe("The gradient of relu: ograd where the relu output is positive, else 0.")
    .dtypes<NumericDTypes>()
    .inputs({"ograd", "output"})
    .outputs({"output"})
    .infer_shape(infer_same_shape)
    .infer_type(infer_same_type)
    .kernel(DeviceType::kCPU, backward_relu_kernel)
    .gradient(backward_relu_grad, {1});

[[maybe_unused]] OpRegistrar r_zeros_like = OpRegistrar("zeros_like")
    .describe("An array of zeros with the shape and dtype of the input.")
    .dtypes<AllDTypes>()
    .inputs({"data"})
    .outputs({"output"})
    .infer_shape(infer_same_shape)
    .infer_type(infer_same_type)
    .kernel(DeviceType::kCPU, fill_kernel<0>)
    .zero_gradient();

[[maybe_unused]] OpRegistrar r_ones_like = OpRegistrar("ones_like")
    .describe("An array of ones with the shape and dtype of the input.")
    .dtypes<AllDTypes>()
    .inputs({"data"})
    .outputs({"output"})
    .infer_shape(infer_same_shape)
    .infer_type(infer_same_type)
    .kernel(DeviceType::kCPU, fill_kernel<1>)
    .zero_gradient();

}  // namespace
}  // namespace sn
