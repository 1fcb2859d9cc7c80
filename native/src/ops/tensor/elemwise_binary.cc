// Binary arithmetic, comparisons and logic: the strict same-shape forms MXNet
// JSON uses (elemwise_*, _maximum, _equal...), the NumPy-broadcasting
// broadcast_* forms, and add_n.
#include <limits>

#include "ops/gradient.h"
#include "ops/op_utils.h"
#include "ops/tensor/binary_math.h"

namespace sn {
namespace {

using namespace binary_math;

template <class F>
void binary_kernel(const OpContext& ctx, std::span<const TensorView> in, std::span<const TensorView> out) {
  dispatch_dtype<NumericDTypes>(out[0].dtype, ctx.attrs.op->name, [&]<class T>() {
    broadcast_binary(in[0].ptr<T>(), in[0].shape, in[1].ptr<T>(), in[1].shape, out[0].ptr<T>(), out[0].shape,
                     ctx.run.num_threads, [](T a, T b) { return store<T>(F{}(load(a), load(b))); });
  });
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

template <bool B>
const char* form(const char* elemwise, const char* broadcast) {
  return B ? broadcast : elemwise;
}
// d(a mod b)/da = 1; d/db = -floor(a / b)
template <bool B>
void mod_grad(GradBuilder& b) {
  b.set_input_grad(0, fit(b, b.out_grad(0), 0, B));
  GradValue q = b.op("floor", {b.op(form<B>("elemwise_div", "broadcast_div"), {b.input(0), b.input(1)})});
  GradValue g = b.op(form<B>("elemwise_mul", "broadcast_mul"), {b.out_grad(0), q});
  b.set_input_grad(1, fit(b, b.op("negative", {g}), 1, B));
}
// d(a^b)/da = b a^(b-1); d/db = a^b log a
template <bool B>
void power_grad(GradBuilder& b) {
  const char* mul = form<B>("elemwise_mul", "broadcast_mul");
  GradValue bm1 = b.op("_minus_scalar", {b.input(1)}, {{"scalar", "1"}});
  GradValue da = b.op(mul, {b.input(1), b.op(form<B>("_power", "broadcast_power"), {b.input(0), bm1})});
  b.set_input_grad(0, fit(b, b.op(mul, {b.out_grad(0), da}), 0, B));
  GradValue db = b.op(mul, {b.output(0), b.op("log", {b.input(0)})});
  b.set_input_grad(1, fit(b, b.op(mul, {b.out_grad(0), db}), 1, B));
}
// The head gradient goes to the side that won (ties: to the left, as MXNet).
template <bool B, bool IsMax>
void extremum_grad(GradBuilder& b) {
  const char* mul = form<B>("elemwise_mul", "broadcast_mul");
  const char* left = IsMax ? form<B>("_greater_equal", "broadcast_greater_equal")
                           : form<B>("_lesser_equal", "broadcast_lesser_equal");
  const char* right = IsMax ? form<B>("_lesser", "broadcast_lesser") : form<B>("_greater", "broadcast_greater");
  GradValue ml = b.op(left, {b.input(0), b.input(1)});
  GradValue mr = b.op(right, {b.input(0), b.input(1)});
  b.set_input_grad(0, fit(b, b.op(mul, {b.out_grad(0), ml}), 0, B));
  b.set_input_grad(1, fit(b, b.op(mul, {b.out_grad(0), mr}), 1, B));
}
// d hypot(a, b)/da = a / hypot
template <bool B>
void hypot_grad(GradBuilder& b) {
  const char* mul = form<B>("elemwise_mul", "broadcast_mul");
  const char* div = form<B>("elemwise_div", "broadcast_div");
  for (int i = 0; i < 2; ++i) {
    GradValue d = b.op(div, {b.input(i), b.output(0)});
    b.set_input_grad(i, fit(b, b.op(mul, {b.out_grad(0), d}), i, B));
  }
}

OpRegistrar binary(const char* name, KernelFn kernel, InferShapeFn infer, const char* doc) {
  return OpRegistrar(name)
      .describe(doc)
      .dtypes<NumericDTypes>()
      .inputs({"lhs", "rhs"})
      .outputs({"output"})
      .inplace({{0, 0}, {1, 0}})
      .infer_shape(infer)
      .infer_type(infer_same_numeric_type)
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


// Modulo, power, extrema, hypot: same-shape and broadcasting forms.
#define SN_BINARY_PAIR(NAME, FN, GRAD, READS_IN, READS_OUT, DOC)                                                 \
  [[maybe_unused]] OpRegistrar r_elemwise_##NAME =                                                              \
      binary("_" #NAME, binary_kernel<FN>, infer_same_shape, DOC " for arrays of the same shape.")            \
          .gradient(GRAD<false>, READS_IN, READS_OUT);                                                          \
  [[maybe_unused]] OpRegistrar r_broadcast_##NAME =                                                             \
      binary("broadcast_" #NAME, binary_kernel<FN>, infer_broadcast_shape, DOC " with NumPy broadcasting.")  \
          .gradient(GRAD<true>, READS_IN, READS_OUT)

template <bool B> void maximum_grad(GradBuilder& b) { extremum_grad<B, true>(b); }
template <bool B> void minimum_grad(GradBuilder& b) { extremum_grad<B, false>(b); }
const std::vector<int> kBoth{0, 1}, kNone{}, kOut{0};

SN_BINARY_PAIR(mod, Mod, mod_grad, kBoth, kNone, "lhs mod rhs (the result takes rhs's sign; by zero gives 0),");
SN_BINARY_PAIR(power, Pow, power_grad, kBoth, kOut, "lhs ^ rhs");
SN_BINARY_PAIR(maximum, Max, maximum_grad, kBoth, kNone, "max(lhs, rhs) (NaN propagates)");
SN_BINARY_PAIR(minimum, Min, minimum_grad, kBoth, kNone, "min(lhs, rhs) (NaN propagates)");
SN_BINARY_PAIR(hypot, Hypot, hypot_grad, kBoth, kOut, "sqrt(lhs^2 + rhs^2)");

// Same-shape comparisons and logic (what Symbol == Symbol writes in MXNet JSON) and the broadcasting logic.
#define SN_ZERO_GRAD_BINARY(VAR, NAME, FN, INFER, DOC) \
  [[maybe_unused]] OpRegistrar VAR = binary(NAME, binary_kernel<FN>, INFER, DOC).zero_gradient()
SN_ZERO_GRAD_BINARY(r_equal, "_equal", Eq, infer_same_shape, "1 where lhs == rhs, else 0 (same shapes).");
SN_ZERO_GRAD_BINARY(r_not_equal, "_not_equal", Ne, infer_same_shape, "1 where lhs != rhs, else 0 (same shapes).");
SN_ZERO_GRAD_BINARY(r_greater, "_greater", Gt, infer_same_shape, "1 where lhs > rhs, else 0 (same shapes).");
SN_ZERO_GRAD_BINARY(r_greater_equal, "_greater_equal", Ge, infer_same_shape,
                    "1 where lhs >= rhs, else 0 (same shapes).");
SN_ZERO_GRAD_BINARY(r_lesser, "_lesser", Lt, infer_same_shape, "1 where lhs < rhs, else 0 (same shapes).");
SN_ZERO_GRAD_BINARY(r_lesser_equal, "_lesser_equal", Le, infer_same_shape,
                    "1 where lhs <= rhs, else 0 (same shapes).");
SN_ZERO_GRAD_BINARY(r_logical_and, "_logical_and", And, infer_same_shape,
                    "1 where lhs and rhs are both non-zero, else 0 (same shapes).");
SN_ZERO_GRAD_BINARY(r_logical_or, "_logical_or", Or, infer_same_shape,
                    "1 where lhs or rhs is non-zero, else 0 (same shapes).");
SN_ZERO_GRAD_BINARY(r_logical_xor, "_logical_xor", Xor, infer_same_shape,
                    "1 where exactly one of lhs and rhs is non-zero, else 0 (same shapes).");
SN_ZERO_GRAD_BINARY(r_broadcast_logical_and, "broadcast_logical_and", And, infer_broadcast_shape,
                    "1 where lhs and rhs are both non-zero, else 0 (broadcasting).");
SN_ZERO_GRAD_BINARY(r_broadcast_logical_or, "broadcast_logical_or", Or, infer_broadcast_shape,
                    "1 where lhs or rhs is non-zero, else 0 (broadcasting).");
SN_ZERO_GRAD_BINARY(r_broadcast_logical_xor, "broadcast_logical_xor", Xor, infer_broadcast_shape,
                    "1 where exactly one of lhs and rhs is non-zero, else 0 (broadcasting).");

// add_n: the sum of any number of same-shape arrays.
struct AddNParam {
  int num_args = 1;
  static void describe(ParamBuilder<AddNParam>& b) {
    b.field("num_args", &AddNParam::num_args, "Number of inputs.").set_lower_bound(1);
  }
};
int add_n_inputs(const OpAttrs& attrs) { return attrs.get<AddNParam>().num_args; }
void add_n_kernel(const OpContext& ctx, std::span<const TensorView> in, std::span<const TensorView> out) {
  dispatch_dtype<NumericDTypes>(out[0].dtype, ctx.attrs.op->name, [&]<class T>() {
    T* y = out[0].ptr<T>();
    parallel_for(out[0].size(), ctx.run.num_threads, [&](int64_t lo, int64_t hi) {
      // Blocks keep the running sums in cache across inputs; y may alias an input (read before written).
      constexpr int64_t kBlock = 1024;
      compute_t<T> acc[kBlock];
      for (int64_t b0 = lo; b0 < hi; b0 += kBlock) {
        const int64_t n = std::min(kBlock, hi - b0);
        const T* x0 = in[0].ptr<T>() + b0;
        for (int64_t i = 0; i < n; ++i) acc[i] = load(x0[i]);
        for (size_t k = 1; k < in.size(); ++k) {
          const T* xk = in[k].ptr<T>() + b0;
          for (int64_t i = 0; i < n; ++i) acc[i] += load(xk[i]);
        }
        for (int64_t i = 0; i < n; ++i) y[b0 + i] = store<T>(acc[i]);
      }
    });
  });
}
void add_n_grad(GradBuilder& b) {
  for (int i = 0; i < b.num_inputs(); ++i) b.set_input_grad(i, b.out_grad(0));
}
[[maybe_unused]] OpRegistrar r_add_n = OpRegistrar("add_n")
    .alias("ElementWiseSum")
    .describe("The sum of num_args arrays of the same shape and dtype.")
    .params<AddNParam>()
    .dtypes<NumericDTypes>()
    .variadic_inputs("num_args", add_n_inputs)
    .outputs({"output"})
    .inplace({{0, 0}})
    .infer_shape(infer_same_shape)
    .infer_type(infer_same_numeric_type)
    .kernel(DeviceType::kCPU, add_n_kernel)
    .gradient(add_n_grad);

}  // namespace
}  // namespace sn
