// Binary arithmetic: the strict same-shape elemwise_* forms MXNet JSON uses,
// and the NumPy-broadcasting broadcast_* forms.
#include <limits>

#include "ops/gradient.h"
#include "ops/op_utils.h"

namespace sn {
namespace {

struct Add {
  template <class X> X operator()(X a, X b) const { return a + b; }
};
struct Sub {
  template <class X> X operator()(X a, X b) const { return a - b; }
};
struct Mul {
  template <class X> X operator()(X a, X b) const { return a * b; }
};
// Integer division truncates; by zero it gives 0 and INT_MIN / -1 wraps, instead of trapping.
struct Div {
  template <class X>
  X operator()(X a, X b) const {
    if constexpr (std::is_integral_v<X>) {
      if (b == 0) return 0;
      if constexpr (std::is_signed_v<X>) {
        if (b == -1) return static_cast<X>(0 - static_cast<std::make_unsigned_t<X>>(a));
      }
    }
    return a / b;
  }
};

// Comparisons give 1 or 0 in the inputs' dtype (legacy MXNet).
struct Eq {
  template <class X> X operator()(X a, X b) const { return a == b ? X(1) : X(0); }
};
struct Ne {
  template <class X> X operator()(X a, X b) const { return a != b ? X(1) : X(0); }
};
struct Gt {
  template <class X> X operator()(X a, X b) const { return a > b ? X(1) : X(0); }
};
struct Ge {
  template <class X> X operator()(X a, X b) const { return a >= b ? X(1) : X(0); }
};
struct Lt {
  template <class X> X operator()(X a, X b) const { return a < b ? X(1) : X(0); }
};
struct Le {
  template <class X> X operator()(X a, X b) const { return a <= b ? X(1) : X(0); }
};

template <class F>
void binary_kernel(const OpContext& ctx, std::span<const TensorView> in, std::span<const TensorView> out) {
  dispatch_dtype<NumericDTypes>(out[0].dtype, ctx.attrs.op->name, [&]<class T>() {
    broadcast_binary(in[0].ptr<T>(), in[0].shape, in[1].ptr<T>(), in[1].shape, out[0].ptr<T>(), out[0].shape,
                     ctx.run.num_threads, [](T a, T b) { return store<T>(F{}(load(a), load(b))); });
  });
}

bool infer_numeric_type(const OpAttrs& attrs, std::vector<int>& in, std::vector<int>& out) {
  if (!infer_same_type(attrs, in, out)) return false;
  SN_CHECK_TYPE(static_cast<DType>(out[0]) != DType::kBool, attrs.op->name,
                ": arithmetic on bool arrays is not supported; convert with AsType");
  return true;
}

// Gradients. For the broadcast forms each input's gradient is summed back to its shape.
GradValue fit(GradBuilder& b, GradValue g, int input, bool broadcast) {
  if (!broadcast) return g;
  const Shape s = b.known_input_shape(input);
  if (s == broadcast_shapes(*b.attrs().op, b.known_input_shape(0), b.known_input_shape(1))) return g;
  const std::string text = detail::print_int_tuple(s);
  return b.op("_sum_to", {g}, {{"shape", text}});
}

template <bool B>
void add_grad(GradBuilder& b) {
  b.set_input_grad(0, fit(b, b.out_grad(0), 0, B));
  b.set_input_grad(1, fit(b, b.out_grad(0), 1, B));
}
template <bool B>
void sub_grad(GradBuilder& b) {
  b.set_input_grad(0, fit(b, b.out_grad(0), 0, B));
  b.set_input_grad(1, fit(b, b.op("negative", {b.out_grad(0)}), 1, B));
}
template <bool B>
void mul_grad(GradBuilder& b) {
  const char* mul = B ? "broadcast_mul" : "elemwise_mul";
  b.set_input_grad(0, fit(b, b.op(mul, {b.out_grad(0), b.input(1)}), 0, B));
  b.set_input_grad(1, fit(b, b.op(mul, {b.out_grad(0), b.input(0)}), 1, B));
}
template <bool B>
void div_grad(GradBuilder& b) {
  const char* div = B ? "broadcast_div" : "elemwise_div";
  const char* mul = B ? "broadcast_mul" : "elemwise_mul";
  // d(l/r)/dl = 1/r;  d(l/r)/dr = -(l/r)/r
  b.set_input_grad(0, fit(b, b.op(div, {b.out_grad(0), b.input(1)}), 0, B));
  GradValue q = b.op(div, {b.output(0), b.input(1)});
  b.set_input_grad(1, fit(b, b.op("negative", {b.op(mul, {b.out_grad(0), q})}), 1, B));
}

OpRegistrar binary(const char* name, KernelFn kernel, InferShapeFn infer, const char* doc) {
  return OpRegistrar(name)
      .describe(doc)
      .dtypes<NumericDTypes>()
      .inputs({"lhs", "rhs"})
      .outputs({"output"})
      .inplace({{0, 0}, {1, 0}})
      .infer_shape(infer)
      .infer_type(infer_numeric_type)
      .kernel(DeviceType::kCPU, kernel);
}

[[maybe_unused]] OpRegistrar elemwise_add =
    binary("elemwise_add", binary_kernel<Add>, infer_same_shape, "lhs + rhs for arrays of the same shape.")
        .gradient(add_grad<false>)
        .alias("_plus").alias("_Plus").alias("_add");
[[maybe_unused]] OpRegistrar elemwise_sub =
    binary("elemwise_sub", binary_kernel<Sub>, infer_same_shape, "lhs - rhs for arrays of the same shape.")
        .gradient(sub_grad<false>)
        .alias("_minus").alias("_Minus").alias("_sub");
[[maybe_unused]] OpRegistrar elemwise_mul =
    binary("elemwise_mul", binary_kernel<Mul>, infer_same_shape, "lhs * rhs for arrays of the same shape.")
        .gradient(mul_grad<false>, {0, 1})
        .alias("_mul").alias("_Mul");
[[maybe_unused]] OpRegistrar elemwise_div =
    binary("elemwise_div", binary_kernel<Div>, infer_same_shape,
           "lhs / rhs for arrays of the same shape (integer division truncates; by zero gives 0).")
        .gradient(div_grad<false>, {1}, {0})
        .alias("_div").alias("_Div");

[[maybe_unused]] OpRegistrar broadcast_add =
    binary("broadcast_add", binary_kernel<Add>, infer_broadcast_shape, "lhs + rhs with NumPy broadcasting.")
        .gradient(add_grad<true>)
        .alias("broadcast_plus");
[[maybe_unused]] OpRegistrar broadcast_sub =
    binary("broadcast_sub", binary_kernel<Sub>, infer_broadcast_shape, "lhs - rhs with NumPy broadcasting.")
        .gradient(sub_grad<true>)
        .alias("broadcast_minus");
[[maybe_unused]] OpRegistrar broadcast_mul =
    binary("broadcast_mul", binary_kernel<Mul>, infer_broadcast_shape, "lhs * rhs with NumPy broadcasting.")
        .gradient(mul_grad<true>, {0, 1});
[[maybe_unused]] OpRegistrar broadcast_div =
    binary("broadcast_div", binary_kernel<Div>, infer_broadcast_shape,
           "lhs / rhs with NumPy broadcasting (integer division truncates; by zero gives 0).")
        .gradient(div_grad<true>, {1}, {0});

// Comparisons with NumPy broadcasting: piecewise constant, so a zero gradient.
[[maybe_unused]] OpRegistrar broadcast_equal =
    binary("broadcast_equal", binary_kernel<Eq>, infer_broadcast_shape, "1 where lhs == rhs, else 0 (broadcasting).")
        .zero_gradient();
[[maybe_unused]] OpRegistrar broadcast_not_equal =
    binary("broadcast_not_equal", binary_kernel<Ne>, infer_broadcast_shape,
           "1 where lhs != rhs, else 0 (broadcasting).")
        .zero_gradient();
[[maybe_unused]] OpRegistrar broadcast_greater =
    binary("broadcast_greater", binary_kernel<Gt>, infer_broadcast_shape, "1 where lhs > rhs, else 0 (broadcasting).")
        .zero_gradient();
[[maybe_unused]] OpRegistrar broadcast_greater_equal =
    binary("broadcast_greater_equal", binary_kernel<Ge>, infer_broadcast_shape,
           "1 where lhs >= rhs, else 0 (broadcasting).")
        .zero_gradient();
[[maybe_unused]] OpRegistrar broadcast_lesser =
    binary("broadcast_lesser", binary_kernel<Lt>, infer_broadcast_shape, "1 where lhs < rhs, else 0 (broadcasting).")
        .zero_gradient();
[[maybe_unused]] OpRegistrar broadcast_lesser_equal =
    binary("broadcast_lesser_equal", binary_kernel<Le>, infer_broadcast_shape,
           "1 where lhs <= rhs, else 0 (broadcasting).")
        .zero_gradient();

}  // namespace
}  // namespace sn
