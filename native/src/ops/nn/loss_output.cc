// MXNet 1.x's output (loss) layers: SoftmaxOutput (alias Softmax), LinearRegressionOutput,
// LogisticRegressionOutput, MAERegressionOutput and MakeLoss, plus softmax_cross_entropy.
//
// Note [Loss layers ignore the head gradient]
// SoftmaxOutput, the regression outputs and MakeLoss end a network: their forward is the prediction (softmax,
// identity, sigmoid) and their gradient is the gradient of the implied loss with respect to data (softmax - label,
// out - label, ...) times grad_scale over a normalisation, whatever head gradient reaches them (SoftmaxOutput
// multiplies it in only with out_grad=True). That gradient is not the derivative of their output, so the
// conformance harness checks their forward only and loss_test.cc checks the gradient against the formula. Labels
// get no gradient. softmax_cross_entropy is an ordinary op: a scalar loss whose gradient scales by the head's.
//
// Labels are class indices in data's dtype, truncated toward zero (MXNet's static_cast<int>); an index outside the
// classes subtracts nothing (mshadow's SoftmaxGrad), so only softmax_cross_entropy, which must pick an element,
// rejects it.
#include <algorithm>
#include <cmath>
#include <limits>

#include "ops/gradient.h"
#include "ops/op_utils.h"

namespace sn {
namespace {

enum class Norm { kNull, kBatch, kValid };

// The class a label value names; NaN and values beyond int64 name none (they match no class).
int64_t label_class(double v) {
  if (!(v > -9.2e18 && v < 9.2e18)) return std::numeric_limits<int64_t>::min();
  return static_cast<int64_t>(v);
}

// --- SoftmaxOutput -------------------------------------------------------------------------------------------------

struct SoftmaxOutputParam {
  double grad_scale = 1;
  double ignore_label = -1;
  bool multi_output = false;
  bool use_ignore = false;
  bool preserve_shape = false;
  Norm normalization = Norm::kNull;
  bool out_grad = false;
  double smooth_alpha = 0;
  static void describe(ParamBuilder<SoftmaxOutputParam>& b) {
    b.field("grad_scale", &SoftmaxOutputParam::grad_scale, "Scales the gradient.").set_default(1.0);
    b.field("ignore_label", &SoftmaxOutputParam::ignore_label,
            "The label whose instances get no gradient when use_ignore is set.")
        .set_default(-1.0);
    b.field("multi_output", &SoftmaxOutputParam::multi_output,
            "Softmax along axis 1, one label per position of the other axes.")
        .set_default(false);
    b.field("use_ignore", &SoftmaxOutputParam::use_ignore, "Give instances labelled ignore_label no gradient.")
        .set_default(false);
    b.field("preserve_shape", &SoftmaxOutputParam::preserve_shape, "Softmax along the last axis.").set_default(false);
    b.field("normalization", &SoftmaxOutputParam::normalization,
            "Divide the gradient by nothing, the batch size, or the number of labels other than ignore_label.")
        .set_enum({{"null", Norm::kNull}, {"batch", Norm::kBatch}, {"valid", Norm::kValid}})
        .set_default(Norm::kNull);
    b.field("out_grad", &SoftmaxOutputParam::out_grad, "Multiply the gradient by the head gradient.")
        .set_default(false);
    b.field("smooth_alpha", &SoftmaxOutputParam::smooth_alpha,
            "Label smoothing: the gold class's target is 1 - smooth_alpha and every other class's "
            "smooth_alpha / (classes - 1).")
        .set_default(0.0)
        .set_range(0, 1);
  }
};

// Data as (n, k, inner) with the softmax along k: multi_output (d0, d1, d2*...), preserve_shape (d0*...*d_{-2},
// d_{-1}, 1), otherwise (d0, d1*d2*..., 1).
struct Layout {
  int64_t n, k, inner;
};
Layout layout_of(const SoftmaxOutputParam& p, const Shape& d) {
  const int nd = d.ndim();
  if (p.multi_output) return {d[0], d[1], d.size(2, nd)};
  if (p.preserve_shape) return {d.size(0, nd - 1), d[nd - 1], 1};
  return {d[0], d.size(1, nd), 1};
}

// Whether a partially known shape can be `s`.
bool compatible(const Shape& partial, const Shape& s) {
  if (!partial.ndim_known()) return true;
  if (partial.ndim() != s.ndim()) return false;
  for (int i = 0; i < s.ndim(); ++i)
    if (partial[i] >= 0 && partial[i] != s[i]) return false;
  return true;
}

// The label shapes SoftmaxOutput accepts, the default first: class indices with multi_output (d0, d2*d3*...),
// (d0, d2, d3, ...) or data's shape with d1 = 1; otherwise data's shape without its last axis (MXNet, which with
// neither multi_output nor preserve_shape reads the first d0 of them, one per flattened row); or probabilities of
// data's shape.
std::vector<Shape> label_shapes(const SoftmaxOutputParam& p, const Shape& d) {
  std::vector<Shape> r;
  auto add = [&](const Shape& s) {  // once each: multi_output's forms coincide for 2-D and 3-D data
    if (std::find(r.begin(), r.end(), s) == r.end()) r.push_back(s);
  };
  if (p.multi_output) {
    Shape squeezed{d[0]}, kept = d;
    for (int i = 2; i < d.ndim(); ++i) squeezed.push_back(d[i]);
    kept[1] = 1;
    add(Shape{d[0], d.size(2, d.ndim())});
    add(squeezed);
    add(kept);
  } else {
    Shape s;
    for (int i = 0; i + 1 < d.ndim(); ++i) s.push_back(d[i]);
    add(s);
  }
  add(d);
  return r;
}

// Checks data and fills or checks the label's shape against data's.
void check_label(const OpDef& op, const SoftmaxOutputParam& p, const Shape& data, Shape& label, int label_input) {
  SN_CHECK_SHAPE(data.ndim() >= 2, op.name, ": data must have at least 2 axes (batch, classes, ...), got shape ",
                 data);
  const std::vector<Shape> shapes = label_shapes(p, data);
  for (const Shape& s : shapes) {
    if (!compatible(label, s)) continue;
    merge_input_shape(op, label, s, label_input);
    return;
  }
  std::string expected;
  for (size_t i = 0; i < shapes.size(); ++i)
    expected += (i == 0 ? "" : i + 1 == shapes.size() ? " or " : ", ") + shapes[i].to_string();
  SN_THROW(kShape, op.name, ": label must have shape ", expected, " (the last: probabilities) for data of shape ",
           data, ", got ", label);
}

bool infer_softmax_output_shape(const OpAttrs& attrs, std::vector<Shape>& in, std::vector<Shape>& out) {
  const OpDef& op = *attrs.op;
  const auto& p = attrs.get<SoftmaxOutputParam>();
  merge_input_shape(op, in[0], out[0], 0);
  if (!in[0].is_known()) {
    // An unknown batch (symbols): (d0, k) data and its (d0,) class-index label share d0 both ways.
    if (!in[0].ndim_known() || in[0].ndim() != 2 || p.multi_output || p.preserve_shape) return false;
    if (!in[1].ndim_known()) merge_input_shape(op, in[1], Shape{in[0][0]}, 1);
    if (in[1].ndim() == 1) {
      Shape d = in[0];
      d[0] = in[1][0];
      merge_input_shape(op, in[0], d, 0);
    }
    merge_shape(op, out[0], in[0], "the output");
    if (!in[0].is_known()) return false;
  }
  check_label(op, p, in[0], in[1], 1);
  merge_shape(*attrs.op, out[0], in[0], "the output");
  return true;
}

// The registered softmax kernel along `axis` (1 or -1) of x viewed as `view`.
void run_softmax(const OpContext& ctx, const TensorView& x, const TensorView& y, const Shape& view, bool axis1) {
  static const OpDef& op = OpRegistry::get().at("softmax");
  static const OpAttrs along1 = op.parse(std::vector<ParamKV>{{"axis", "1"}});
  static const OpAttrs last = op.parse(std::vector<ParamKV>{{"axis", "-1"}});
  const OpContext sctx{ctx.run, axis1 ? along1 : last, ctx.random_seed, ctx.random_sequence, ctx.workspace,
                       ctx.is_train};
  TensorView xv = x, yv = y;
  xv.shape = view;
  yv.shape = view;
  op.kernel(DeviceType::kCPU)(sctx, std::span<const TensorView>(&xv, 1), std::span<const TensorView>(&yv, 1));
}

void softmax_output_kernel(const OpContext& ctx, std::span<const TensorView> in, std::span<const TensorView> out) {
  const auto& p = ctx.params<SoftmaxOutputParam>();
  const Layout l = layout_of(p, in[0].shape);
  if (p.multi_output) run_softmax(ctx, in[0], out[0], Shape{l.n, l.k, l.inner}, true);
  else run_softmax(ctx, in[0], out[0], Shape{l.n, l.k}, false);
}

// _backward_SoftmaxOutput(output, label[, ograd]): the gradient of SoftmaxOutput's data.
//   probabilities (label of data's shape): (out - label) grad_scale;
//   class indices: (out - target) grad_scale / norm, target 1 - smooth_alpha at the label's class and
//   smooth_alpha / (k - 1) elsewhere; 0 for a position labelled ignore_label with use_ignore. norm (MXNet): null 1,
//   batch the label count, valid the labels other than ignore_label (at least 1); with multi_output null and batch
//   also divide by the positions per instance (d2*d3*...) and batch by d0 instead.
//   out_grad: times ograd.
void backward_softmax_output_kernel(const OpContext& ctx, std::span<const TensorView> in,
                                    std::span<const TensorView> out) {
  const auto& p = ctx.params<SoftmaxOutputParam>();
  const TensorView &y = in[0], &label = in[1];
  const Layout l = layout_of(p, y.shape);
  const int threads = ctx.run.num_threads;
  dispatch_dtype<FloatDTypes>(out[0].dtype, ctx.attrs.op->name, [&]<class T>() {
    const T* yp = y.ptr<T>();
    const T* lab = label.ptr<T>();
    const T* og = p.out_grad ? in[2].ptr<T>() : nullptr;
    T* dx = out[0].ptr<T>();
    if (label.shape == y.shape) {
      parallel_for(y.size(), threads, [&](int64_t lo, int64_t hi) {
        for (int64_t i = lo; i < hi; ++i) {
          double d = (static_cast<double>(load(yp[i])) - static_cast<double>(load(lab[i]))) * p.grad_scale;
          if (og) d *= static_cast<double>(load(og[i]));
          dx[i] = store<T>(d);
        }
      });
      return;
    }
    const int64_t count = label.size(), ignore = label_class(p.ignore_label);
    double scale = p.grad_scale;
    if (p.normalization == Norm::kValid) {
      int64_t valid = 0;
      for (int64_t e = 0; e < count; ++e) valid += label_class(static_cast<double>(load(lab[e]))) != ignore;
      scale /= static_cast<double>(std::max<int64_t>(valid, 1));
    } else if (p.multi_output) {
      scale /= static_cast<double>(l.inner) * static_cast<double>(p.normalization == Norm::kBatch ? l.n : 1);
    } else if (p.normalization == Norm::kBatch) {
      scale /= static_cast<double>(count);
    }
    const double on = 1 - p.smooth_alpha, off = l.k > 1 ? p.smooth_alpha / static_cast<double>(l.k - 1) : 0.0;
    if (l.k == 0) return;  // no classes: nothing to write, and the label may hold nothing to read
    parallel_for(l.n * l.inner, threads, [&](int64_t lo, int64_t hi) {
      for (int64_t t = lo; t < hi; ++t) {
        const int64_t i = t / l.inner, j = t % l.inner;
        const int64_t c = label_class(static_cast<double>(load(lab[t])));
        const bool ignored = p.use_ignore && c == ignore;
        for (int64_t q = 0; q < l.k; ++q) {
          const int64_t e = (i * l.k + q) * l.inner + j;
          double d = 0;
          if (!ignored) {
            d = (static_cast<double>(load(yp[e])) - (q == c ? on : off)) * scale;
            if (og) d *= static_cast<double>(load(og[e]));
          }
          dx[e] = store<T>(d);
        }
      }
    }, l.k);
  });
}

bool infer_backward_softmax_output_shape(const OpAttrs& attrs, std::vector<Shape>& in, std::vector<Shape>& out) {
  const OpDef& op = *attrs.op;
  merge_input_shape(op, in[0], out[0], 0);
  if (attrs.get<SoftmaxOutputParam>().out_grad) merge_input_shape(op, in[0], in[2], 0);
  if (!in[0].is_known()) return false;
  check_label(op, attrs.get<SoftmaxOutputParam>(), in[0], in[1], 1);
  if (attrs.get<SoftmaxOutputParam>().out_grad) merge_input_shape(op, in[2], in[0], 2);
  merge_shape(op, out[0], in[0], "the output");
  return true;
}

void softmax_output_grad(GradBuilder& b) {
  std::vector<GradValue> in{b.output(0), b.input(1)};
  if (b.attrs().get<SoftmaxOutputParam>().out_grad) in.push_back(b.out_grad(0));
  b.set_input_grad(0, b.apply("_backward_SoftmaxOutput", in, b.attrs())[0]);
}

[[maybe_unused]] OpRegistrar r_softmax_output = OpRegistrar("SoftmaxOutput")
    .alias("Softmax")
    .describe("Softmax of data (along the flattened features, axis 1 with multi_output, the last axis with "
              "preserve_shape) whose gradient is that of the cross-entropy with the label: softmax - one_hot(label), "
              "scaled and normalised; the head gradient is ignored unless out_grad.")
    .params<SoftmaxOutputParam>()
    .dtypes<FloatDTypes>()
    .inputs({"data", "label"})
    .outputs({"output"})
    .inplace({{0, 0}})
    .infer_shape(infer_softmax_output_shape)
    .infer_type(infer_same_float_type)
    .kernel(DeviceType::kCPU, softmax_output_kernel)
    .gradient(softmax_output_grad, {1}, {0});

// Not differentiable, as in MXNet: SoftmaxOutput has no second derivative to offer (its gradient is not a
// derivative of its output).
[[maybe_unused]] OpRegistrar r_backward_softmax_output = OpRegistrar("_backward_SoftmaxOutput")
    .describe("SoftmaxOutput's gradient from its output and label (and the head gradient with out_grad).")
    .params<SoftmaxOutputParam>()
    .dtypes<FloatDTypes>()
    .inputs({"output", "label", "ograd"})
    .optional_input<SoftmaxOutputParam, &SoftmaxOutputParam::out_grad, true>(2, "out_grad")
    .outputs({"output"})
    .infer_shape(infer_backward_softmax_output_shape)
    .infer_type(infer_same_float_type)
    .kernel(DeviceType::kCPU, backward_softmax_output_kernel);

// --- regression outputs --------------------------------------------------------------------------------------------

struct RegressionOutputParam {
  double grad_scale = 1;
  static void describe(ParamBuilder<RegressionOutputParam>& b) {
    b.field("grad_scale", &RegressionOutputParam::grad_scale, "Scales the gradient.").set_default(1.0);
  }
};

// The label has data's first dim and element count and is read in data's shape; by default it is data's shape,
// or (d0,) for data (d0, 1) (MXNet).
bool infer_regression_shape(const OpAttrs& attrs, std::vector<Shape>& in, std::vector<Shape>& out) {
  const OpDef& op = *attrs.op;
  merge_input_shape(op, in[0], out[0], 0);
  if (!in[0].is_known()) return false;
  const Shape& d = in[0];
  SN_CHECK_SHAPE(d.ndim() >= 1, op.name, ": data must have at least one axis, got shape ", d);
  if (!in[1].is_known()) {
    merge_input_shape(op, in[1], d.ndim() == 2 && d[1] == 1 ? Shape{d[0]} : d, 1);
  } else {
    SN_CHECK_SHAPE(in[1].ndim() >= 1 && in[1][0] == d[0] && in[1].size() == d.size(), op.name,
                   ": label must have data's first dimension and element count (data has shape ", d, "), got shape ",
                   in[1]);
  }
  merge_shape(op, out[0], d, "the output");
  return true;
}

void logistic_kernel(const OpContext& ctx, std::span<const TensorView> in, std::span<const TensorView> out) {
  static const OpDef& sigmoid = OpRegistry::get().at("sigmoid");
  sigmoid.kernel(DeviceType::kCPU)(ctx, in.first(1), out);
}

enum class Regression { kLinear, kLogistic, kMAE };

// grad_scale / (label.size / label.shape[0]) times (out - label) (linear, logistic) or sign(out - label) (MAE),
// with out recomputed from data so that the formula's own derivatives are right.
template <Regression R>
void regression_grad(GradBuilder& b) {
  const Shape label = b.known_input_shape(1);
  const double per_instance =
      label[0] > 0 ? static_cast<double>(label.size()) / static_cast<double>(label[0]) : 1.0;
  const double scale = b.attrs().get<RegressionOutputParam>().grad_scale / per_instance;
  const GradValue x = b.input(0);
  const GradValue y = R == Regression::kLogistic ? b.op("sigmoid", {x}) : x;
  GradValue d = b.op("elemwise_sub", {y, b.op("reshape_like", {b.input(1), x})});
  if (R == Regression::kMAE) d = b.op("sign", {d});
  b.set_input_grad(0, b.op("_mul_scalar", {d}, {{"scalar", detail::print_float(scale)}}));
}

OpRegistrar regression_op(const char* name, KernelFn kernel, GradientFn grad, const char* doc) {
  return OpRegistrar(name)
      .describe(doc)
      .params<RegressionOutputParam>()
      .dtypes<FloatDTypes>()
      .inputs({"data", "label"})
      .outputs({"output"})
      .inplace({{0, 0}})
      .infer_shape(infer_regression_shape)
      .infer_type(infer_same_float_type)
      .kernel(DeviceType::kCPU, kernel)
      .gradient(grad, {0, 1});
}

[[maybe_unused]] OpRegistrar r_linear_regression =
    regression_op("LinearRegressionOutput", copy_kernel, regression_grad<Regression::kLinear>,
                  "The identity, with the squared loss's gradient (out - label) * grad_scale / label values per "
                  "instance; the head gradient is ignored.");
[[maybe_unused]] OpRegistrar r_logistic_regression =
    regression_op("LogisticRegressionOutput", logistic_kernel, regression_grad<Regression::kLogistic>,
                  "sigmoid(data), with the logistic loss's gradient (out - label) * grad_scale / label values per "
                  "instance; the head gradient is ignored.");
[[maybe_unused]] OpRegistrar r_mae_regression =
    regression_op("MAERegressionOutput", copy_kernel, regression_grad<Regression::kMAE>,
                  "The identity, with the absolute loss's gradient sign(out - label) * grad_scale / label values per "
                  "instance; the head gradient is ignored.");

// --- MakeLoss ------------------------------------------------------------------------------------------------------

struct MakeLossParam {
  double grad_scale = 1;
  double valid_thresh = 0;
  Norm normalization = Norm::kNull;
  static void describe(ParamBuilder<MakeLossParam>& b) {
    b.field("grad_scale", &MakeLossParam::grad_scale, "The gradient (before normalisation).").set_default(1.0);
    b.field("valid_thresh", &MakeLossParam::valid_thresh,
            "With normalization=valid, elements above it count as valid.")
        .set_default(0.0);
    b.field("normalization", &MakeLossParam::normalization,
            "Divide the gradient by nothing, the batch size, or the number of valid elements (at least 1).")
        .set_enum({{"null", Norm::kNull}, {"batch", Norm::kBatch}, {"valid", Norm::kValid}})
        .set_default(Norm::kNull);
  }
};

// grad_scale everywhere, divided by (batch) the rows of data flattened to 2-D as MXNet does (every dim but the
// last: d0 for 2-D data, 1 for 1-D) or (valid) max(1, count(data > valid_thresh)).
void make_loss_grad(GradBuilder& b) {
  const auto& p = b.attrs().get<MakeLossParam>();
  const Shape d = b.known_input_shape(0);
  double scale = p.grad_scale;
  if (p.normalization == Norm::kBatch && d.ndim() > 1)
    scale /= static_cast<double>(std::max<int64_t>(d.size(0, d.ndim() - 1), 1));
  const GradValue x = b.input(0);
  GradValue g = b.op("_mul_scalar", {b.op("ones_like", {x})}, {{"scalar", detail::print_float(scale)}});
  if (p.normalization == Norm::kValid) {
    const GradValue valid = b.op("sum", {b.op("_greater_scalar", {x}, {{"scalar", detail::print_float(p.valid_thresh)}})});
    g = b.op("broadcast_div", {g, b.op("_maximum_scalar", {valid}, {{"scalar", "1"}})});
  }
  b.set_input_grad(0, g);
}

[[maybe_unused]] OpRegistrar r_make_loss = OpRegistrar("MakeLoss")
    .describe("The identity, marking data as a loss: its gradient is grad_scale (normalised), whatever the head "
              "gradient.")
    .params<MakeLossParam>()
    .dtypes<FloatDTypes>()
    .inputs({"data"})
    .outputs({"output"})
    .inplace({{0, 0}})
    .infer_shape(infer_same_shape)
    .infer_type(infer_same_float_type)
    .kernel(DeviceType::kCPU, copy_kernel)
    .gradient(make_loss_grad, {0});

// --- softmax_cross_entropy -----------------------------------------------------------------------------------------

bool infer_cross_entropy_shape(const OpAttrs& attrs, std::vector<Shape>& in, std::vector<Shape>& out) {
  const OpDef& op = *attrs.op;
  merge_shape(op, out[0], Shape{1}, "the output");
  if (!in[0].is_known()) return false;
  SN_CHECK_SHAPE(in[0].ndim() == 2, op.name, ": data must be 2-D (batch, classes), got shape ", in[0]);
  merge_input_shape(op, in[1], Shape{in[0][0]}, 1);
  return true;
}

// sum over rows of log(sum_j e^x[i, j]) - x[i, label[i]], in double; rows summed in order.
void cross_entropy_kernel(const OpContext& ctx, std::span<const TensorView> in, std::span<const TensorView> out) {
  const OpDef& op = *ctx.attrs.op;
  const int64_t n = in[0].shape[0], k = in[0].shape[1];
  dispatch_dtype<FloatDTypes>(in[0].dtype, op.name, [&]<class T>() {
    const T* x = in[0].ptr<T>();
    const T* lab = in[1].ptr<T>();
    std::vector<int64_t> cls(static_cast<size_t>(n));
    for (int64_t i = 0; i < n; ++i) {
      const double v = static_cast<double>(load(lab[i]));
      cls[static_cast<size_t>(i)] = label_class(v);
      SN_CHECK_INDEX(cls[static_cast<size_t>(i)] >= 0 && cls[static_cast<size_t>(i)] < k, op.name, ": label ", v,
                     " at row ", i, " is out of range for ", k, " classes (expected 0 to ", k - 1, ")");
    }
    std::vector<double> row(static_cast<size_t>(n));
    parallel_for(n, ctx.run.num_threads, [&](int64_t lo, int64_t hi) {
      for (int64_t i = lo; i < hi; ++i) {
        const T* r = x + i * k;
        double m = -std::numeric_limits<double>::infinity();
        for (int64_t j = 0; j < k; ++j) m = std::max(m, static_cast<double>(load(r[j])));
        double total = 0;
        for (int64_t j = 0; j < k; ++j) total += std::exp(static_cast<double>(load(r[j])) - m);
        row[static_cast<size_t>(i)] = m + std::log(total) - static_cast<double>(load(r[cls[static_cast<size_t>(i)]]));
      }
    }, k * 4);
    double loss = 0;
    for (double v : row) loss += v;
    out[0].ptr<T>()[0] = store<T>(loss);
  });
}

// d/d data = (softmax(data) - one_hot(label)) times the head gradient (a (1,) array).
void cross_entropy_grad(GradBuilder& b) {
  const Shape d = b.known_input_shape(0);
  const GradValue oh = b.op("one_hot", {b.input(1)},
                            {{"depth", std::to_string(d[1])}, {"dtype", dtype_name(b.known_input_dtype(0))}});
  const GradValue diff = b.op("elemwise_sub", {b.op("softmax", {b.input(0)}), oh});
  b.set_input_grad(0, b.op("broadcast_mul", {diff, b.out_grad(0)}));
}

[[maybe_unused]] OpRegistrar r_softmax_cross_entropy = OpRegistrar("softmax_cross_entropy")
    .describe("The summed cross-entropy of softmax(data) (rows: (batch, classes)) with the class labels, shape (1,).")
    .dtypes<FloatDTypes>()
    .inputs({"data", "label"})
    .outputs({"output"})
    .infer_shape(infer_cross_entropy_shape)
    .infer_type(infer_same_float_type)
    .kernel(DeviceType::kCPU, cross_entropy_kernel)
    .gradient(cross_entropy_grad, {0, 1});

}  // namespace
}  // namespace sn
