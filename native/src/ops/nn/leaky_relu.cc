// LeakyReLU(data[, gamma]; act_type, slope): MXNet's family of rectifiers — leaky (slope x below 0), prelu (a
// learnable slope per channel, axis 1), elu (slope (e^x - 1) below 0; MXNet's default slope 0.25), selu
// (scaled elu with fixed constants), gelu (erf form) and rrelu (a random slope per element in
// [lower_bound, upper_bound] while training, their mean otherwise). Gradients from registered ops, so they are twice
// differentiable where the functions are.
//
// rrelu keeps each element's slope as a hidden output ("mask", as MXNet) that the gradient reads; the other
// act_types allocate none (an optional output). Slopes come from Philox keyed by the call's (seed, sequence) and
// the element's index, so they do not depend on the thread count.
#include <cmath>
#include <numbers>

#include "ops/gradient.h"
#include "ops/op_utils.h"
#include "ops/random/philox.h"

namespace sn {
namespace {

enum class Leaky { kLeaky, kPrelu, kElu, kSelu, kGelu, kRrelu };

struct LeakyReLUParam {
  Leaky act_type = Leaky::kLeaky;
  double slope = 0.25;
  double lower_bound = 0.125;
  double upper_bound = 0.334;
  static void describe(ParamBuilder<LeakyReLUParam>& b) {
    b.field("act_type", &LeakyReLUParam::act_type, "The rectifier.")
        .set_enum({{"leaky", Leaky::kLeaky}, {"prelu", Leaky::kPrelu}, {"elu", Leaky::kElu}, {"selu", Leaky::kSelu},
                   {"gelu", Leaky::kGelu}, {"rrelu", Leaky::kRrelu}})
        .set_default(Leaky::kLeaky);
    b.field("slope", &LeakyReLUParam::slope, "The slope below 0 for leaky and the factor for elu.").set_default(0.25);
    b.field("lower_bound", &LeakyReLUParam::lower_bound, "The lowest random slope (rrelu only).").set_default(0.125);
    b.field("upper_bound", &LeakyReLUParam::upper_bound, "The highest random slope (rrelu only).").set_default(0.334);
  }
};

// SELU's constants (Klambauer et al.), as MXNet.
constexpr double kSeluAlpha = 1.6732632423543772848170429916717;
constexpr double kSeluLambda = 1.0507009873554804934193349852946;

template <class C>
inline C rectify(Leaky kind, C x, C slope) {
  switch (kind) {
    case Leaky::kLeaky:
    case Leaky::kPrelu:
    case Leaky::kRrelu: return x > C(0) ? x : x * slope;  // NaN: x * slope stays NaN
    case Leaky::kElu: return x > C(0) ? x : slope * std::expm1(x);
    case Leaky::kSelu: return C(kSeluLambda) * (x > C(0) ? x : C(kSeluAlpha) * std::expm1(x));
    case Leaky::kGelu: return C(0.5) * x * (C(1) + std::erf(x * C(std::numbers::sqrt2 / 2)));
  }
  return x;
}

// prelu's gamma: (channels,) along axis 1, or one value.
void check_gamma(const OpDef& op, const Shape& data, const Shape& gamma) {
  const int64_t channels = data.ndim() > 1 ? data[1] : 1;
  SN_CHECK_SHAPE(gamma.ndim() == 1 && (gamma[0] == channels || gamma[0] == 1), op.name,
                 ": gamma must have shape (", channels, ",) (one slope per channel of axis 1) or (1,), got ", gamma);
}

bool infer_leaky_shape(const OpAttrs& attrs, std::vector<Shape>& in, std::vector<Shape>& out) {
  const auto& p = attrs.get<LeakyReLUParam>();
  merge_input_shape(*attrs.op, in[0], out[0], 0);
  merge_shape(*attrs.op, out[0], in[0], "the output");
  if (p.act_type == Leaky::kRrelu) {
    SN_CHECK(p.lower_bound <= p.upper_bound, attrs.op->name, ": lower_bound (", p.lower_bound,
             ") must not exceed upper_bound (", p.upper_bound, ")");
    merge_shape(*attrs.op, out[1], in[0], "the mask");
  }
  if (!in[0].is_known()) return false;
  if (p.act_type == Leaky::kPrelu) {
    if (!in[1].is_known()) in[1] = Shape{in[0].ndim() > 1 ? in[0][1] : 1};
    check_gamma(*attrs.op, in[0], in[1]);
  }
  return true;
}

void leaky_kernel(const OpContext& ctx, std::span<const TensorView> in, std::span<const TensorView> out) {
  const auto& p = ctx.params<LeakyReLUParam>();
  const Shape& s = in[0].shape;
  const int64_t channels = s.ndim() > 1 ? s[1] : 1, inner = s.ndim() > 2 ? s.size(2, s.ndim()) : 1;
  dispatch_dtype<FloatDTypes>(out[0].dtype, ctx.attrs.op->name, [&]<class T>() {
    using C = compute_t<T>;
    const T* x = in[0].ptr<T>();
    T* y = out[0].ptr<T>();
    const T* gamma = p.act_type == Leaky::kPrelu ? in[1].ptr<T>() : nullptr;
    const bool per_channel = gamma != nullptr && in[1].size() > 1;
    if (p.act_type == Leaky::kRrelu) {
      // The slopes as stored in T, so that the output and the gradient use the same value.
      T* mask = out[1].ptr<T>();
      const double lo_b = p.lower_bound, width = p.upper_bound - p.lower_bound;
      const C mean = load(store<T>((p.lower_bound + p.upper_bound) / 2));
      const uint64_t key = ctx.random_seed, stream = ctx.random_sequence;
      const bool train = ctx.is_train;
      parallel_for(out[0].size(), ctx.run.num_threads, [&](int64_t lo, int64_t hi) {
        for (int64_t i = lo; i < hi; ++i) {
          C slope = mean;
          if (train) {
            const philox::Block r = philox::generate(key, stream, static_cast<uint64_t>(i));
            slope = load(store<T>(lo_b + width * static_cast<double>(philox::to_unit_float(r[0]))));
          }
          mask[i] = store<T>(slope);
          y[i] = store<T>(rectify<C>(p.act_type, load(x[i]), slope));
        }
      }, 4);
      return;
    }
    parallel_for(out[0].size(), ctx.run.num_threads, [&](int64_t lo, int64_t hi) {
      for (int64_t i = lo; i < hi; ++i) {
        C slope = static_cast<C>(p.slope);
        if (gamma) slope = load(gamma[per_channel ? (i / inner) % channels : 0]);
        y[i] = store<T>(rectify<C>(p.act_type, load(x[i]), slope));
      }
    }, 4);
  });
}

// Gradients. m = (x > 0) in x's dtype; below 0 the derivative is: slope (leaky), gamma (prelu), y + slope (elu),
// y + lambda alpha (selu), the element's slope (rrelu: the hidden mask); gelu: Phi(x) + x phi(x).
void leaky_grad(GradBuilder& b) {
  const auto& p = b.attrs().get<LeakyReLUParam>();
  const GradValue dy = b.out_grad(0), x = b.input(0);
  auto op2 = [&](const char* name, GradValue a, GradValue c) { return b.op(name, {a, c}); };
  auto scalar = [&](const char* name, GradValue a, double s) {
    const std::string t = detail::print_float(s);
    return b.op(name, {a}, {{"scalar", t}});
  };
  const GradValue m = scalar("_greater_scalar", x, 0);
  const GradValue below = scalar("_rminus_scalar", m, 1);  // 1 - m
  switch (p.act_type) {
    case Leaky::kLeaky: {
      const GradValue d = op2("elemwise_add", m, scalar("_mul_scalar", below, p.slope));
      b.set_input_grad(0, op2("elemwise_mul", dy, d));
      return;
    }
    case Leaky::kRrelu: {
      const GradValue d = op2("elemwise_add", m, op2("elemwise_mul", below, b.output(1)));
      b.set_input_grad(0, op2("elemwise_mul", dy, d));
      return;
    }
    case Leaky::kElu:
    case Leaky::kSelu: {
      const double c = p.act_type == Leaky::kElu ? p.slope : kSeluLambda * kSeluAlpha;
      const double above = p.act_type == Leaky::kElu ? 1.0 : kSeluLambda;
      // Below 0: slope e^x = y + slope (elu) and lambda alpha e^x = y + lambda alpha (selu), from x so that it
      // stays twice differentiable.
      const GradValue e = scalar("_mul_scalar", b.op("exp", {x}), c);
      const GradValue d = op2("elemwise_add", scalar("_mul_scalar", m, above), op2("elemwise_mul", below, e));
      b.set_input_grad(0, op2("elemwise_mul", dy, d));
      return;
    }
    case Leaky::kGelu: {
      const GradValue cdf = scalar("_mul_scalar", scalar("_plus_scalar", b.op("erf", {scalar("_mul_scalar", x,
                                                                                                std::numbers::sqrt2 / 2)}),
                                                         1),
                                   0.5);
      const GradValue pdf = scalar("_mul_scalar", b.op("exp", {scalar("_mul_scalar", b.op("square", {x}), -0.5)}),
                                   1 / std::sqrt(2 * std::numbers::pi));
      b.set_input_grad(0, op2("elemwise_mul", dy, op2("elemwise_add", cdf, op2("elemwise_mul", x, pdf))));
      return;
    }
    case Leaky::kPrelu: {
      // gamma viewed as (1, C, 1, ...) broadcasts over data; its gradient sums dy x below 0 back to that view.
      const Shape data = b.known_input_shape(0), gamma = b.known_input_shape(1);
      Shape view(data.ndim(), 1);
      if (data.ndim() > 1 && gamma[0] > 1) view[1] = gamma[0];
      const std::string vt = detail::print_int_tuple(view), gt = detail::print_int_tuple(gamma);
      const GradValue g = b.op("Reshape", {b.input(1)}, {{"shape", vt}});
      const GradValue d = op2("broadcast_add", m, op2("broadcast_mul", below, g));
      b.set_input_grad(0, op2("elemwise_mul", dy, d));
      const GradValue dg = op2("elemwise_mul", dy, op2("elemwise_mul", below, x));
      b.set_input_grad(1, b.op("Reshape", {b.op("_sum_to", {dg}, {{"shape", vt}})}, {{"shape", gt}}));
      return;
    }
  }
}

[[maybe_unused]] OpRegistrar r_leaky_relu = OpRegistrar("LeakyReLU")
    .describe("Rectifiers with a slope below 0: leaky, prelu (learnable per channel), elu, selu, gelu (erf form), "
              "rrelu (a random slope per element while training).")
    .params<LeakyReLUParam>()
    .dtypes<FloatDTypes>()
    .inputs({"data", "gamma"})
    .optional_input<LeakyReLUParam, &LeakyReLUParam::act_type, Leaky::kPrelu>(1, "act_type")
    .outputs({"output", "mask"}, 1)
    .optional_output<LeakyReLUParam, &LeakyReLUParam::act_type, Leaky::kRrelu>(1, "act_type")
    .infer_shape(infer_leaky_shape)
    .infer_type(infer_same_float_type)
    .kernel(DeviceType::kCPU, leaky_kernel)
    .random_when<LeakyReLUParam, &LeakyReLUParam::act_type, Leaky::kRrelu>()
    .gradient(leaky_grad, {0, 1}, {1});

}  // namespace
}  // namespace sn
