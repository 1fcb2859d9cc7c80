// Dropout(data; p, mode, axes): in training (or with mode=always) each element is zeroed with probability p and
// the rest scaled by 1/(1-p); `axes` shares one draw along those axes (variational dropout). The mask (0 or
// 1/(1-p); 1 when dropout is off) is a hidden output the gradient reads. Draws come from Philox keyed by the
// call's (seed, sequence) and the element's index in the mask, so they do not depend on the thread count.
#include "ops/gradient.h"
#include "ops/op_utils.h"
#include "ops/random/philox.h"

namespace sn {
namespace {

enum class DropoutMode { kTraining, kAlways };

struct DropoutParam {
  double p = 0.5;
  DropoutMode mode = DropoutMode::kTraining;
  Shape axes;
  static void describe(ParamBuilder<DropoutParam>& b) {
    b.field("p", &DropoutParam::p, "Fraction of the input that gets dropped.").set_default(0.5).set_range(0, 1);
    b.field("mode", &DropoutParam::mode, "training: only while training; always: also in inference.")
        .set_enum({{"training", DropoutMode::kTraining}, {"always", DropoutMode::kAlways}})
        .set_default(DropoutMode::kTraining);
    b.field("axes", &DropoutParam::axes, "Axes along which one draw is shared.").set_default(Shape{});
  }
};

bool infer_dropout_shape(const OpAttrs& attrs, std::vector<Shape>& in, std::vector<Shape>& out) {
  merge_input_shape(*attrs.op, in[0], out[0], 0);
  if (!in[0].is_known()) return false;
  for (int64_t a : attrs.get<DropoutParam>().axes.dims()) checked_axis(*attrs.op, a, in[0].ndim(), "axes item");
  for (Shape& o : out) merge_shape(*attrs.op, o, in[0], "an output");
  return true;
}

void dropout_kernel(const OpContext& ctx, std::span<const TensorView> in, std::span<const TensorView> out) {
  const auto& p = ctx.params<DropoutParam>();
  const bool active = (ctx.is_train || p.mode == DropoutMode::kAlways) && p.p > 0;
  const Shape& s = in[0].shape;
  // Element i draws at the index of its position with the shared axes set to 0.
  std::vector<bool> shared(static_cast<size_t>(s.ndim()), false);
  for (int64_t a : p.axes.dims()) shared[static_cast<size_t>(checked_axis(*ctx.attrs.op, a, s.ndim(), "axes item"))] = true;
  const double keep = 1 - p.p;
  const uint64_t key = ctx.random_seed, stream = ctx.random_sequence;
  dispatch_dtype<FloatDTypes>(out[0].dtype, ctx.attrs.op->name, [&]<class T>() {
    const T* x = in[0].ptr<T>();
    T* y = out[0].ptr<T>();
    T* mask = out[1].ptr<T>();
    const T scale = store<T>(keep > 0 ? 1 / keep : 0.0), one = store<T>(1), zero = store<T>(0);
    parallel_for(out[0].size(), ctx.run.num_threads, [&](int64_t lo, int64_t hi) {
      for (int64_t i = lo; i < hi; ++i) {
        T m = one;
        if (active) {
          int64_t draw = i;
          if (p.axes.ndim() > 0) {  // zero the shared coordinates
            int64_t rem = i, stride = 1;
            draw = 0;
            for (int d = s.ndim() - 1; d >= 0; --d) {
              const int64_t c = rem % s[d];
              rem /= s[d];
              if (!shared[static_cast<size_t>(d)]) draw += c * stride;
              stride *= s[d];
            }
          }
          const philox::Block r = philox::generate(key, stream, static_cast<uint64_t>(draw));
          m = philox::to_unit_float(r[0]) < p.p ? zero : scale;
        }
        mask[i] = m;
        y[i] = store<T>(load(x[i]) * load(m));
      }
    }, 4);
  });
}

void dropout_grad(GradBuilder& b) { b.set_input_grad(0, b.op("elemwise_mul", {b.out_grad(0), b.output(1)})); }

[[maybe_unused]] OpRegistrar r_dropout = OpRegistrar("Dropout")
    .describe("Zeroes each element with probability p while training (or always) and scales the rest by 1/(1-p).")
    .params<DropoutParam>()
    .dtypes<FloatDTypes>()
    .inputs({"data"})
    .outputs({"output", "mask"}, 1)
    .infer_shape(infer_dropout_shape)
    .infer_type(infer_same_type)
    .kernel(DeviceType::kCPU, dropout_kernel)
    .random()
    .gradient(dropout_grad, {}, {1});

}  // namespace
}  // namespace sn
