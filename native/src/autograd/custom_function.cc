#include "autograd/custom_function.h"

#include <condition_variable>
#include <deque>
#include <functional>
#include <mutex>
#include <thread>

#include "core/error.h"
#include "core/logging.h"
#include "ops/gradient.h"
#include "ops/imperative.h"
#include "ops/op_utils.h"

namespace sn {
namespace {

// Threads that run custom-function callbacks (Note [Custom functions]). Leaked on purpose: idle
// workers block on the condition variable until the process ends.
class CustomWorkers {
 public:
  static CustomWorkers& get() {
    static auto* workers = new CustomWorkers;
    return *workers;
  }
  void post(std::function<void()> job) {
    std::unique_lock lock(mutex_);
    jobs_.push_back(std::move(job));
    if (idle_ == 0 && threads_ < kMaxThreads) {
      ++threads_;
      ++idle_;
      std::thread([this] { loop(); }).detach();
    }
    lock.unlock();
    cv_.notify_one();
  }

 private:
  static constexpr int kMaxThreads = 64;
  void loop() {
    std::unique_lock lock(mutex_);
    for (;;) {
      cv_.wait(lock, [this] { return !jobs_.empty(); });
      std::function<void()> job = std::move(jobs_.front());
      jobs_.pop_front();
      --idle_;
      lock.unlock();
      job();  // never throws: jobs catch everything
      lock.lock();
      ++idle_;
    }
  }
  std::mutex mutex_;
  std::condition_variable cv_;
  std::deque<std::function<void()>> jobs_;
  int threads_ = 0, idle_ = 0;
};

// The parameters of both custom ops (not reflected: they are never given as text).
struct CustomFunctionParam {
  std::shared_ptr<CustomFunction> fn;
  std::vector<Shape> in_shapes, out_shapes;
  std::vector<DType> in_dtypes, out_dtypes;
  static void describe(ParamBuilder<CustomFunctionParam>&) {}
};

template <int Stage>
int count_inputs(const OpAttrs& attrs) {
  const auto& p = attrs.get<CustomFunctionParam>();
  return static_cast<int>(Stage == 0 ? p.in_shapes.size() : p.out_shapes.size());
}
template <int Stage>
int count_outputs(const OpAttrs& attrs) {
  return count_inputs<1 - Stage>(attrs);
}

template <int Stage>
bool infer_shape(const OpAttrs& attrs, std::vector<Shape>& in, std::vector<Shape>& out) {
  const auto& p = attrs.get<CustomFunctionParam>();
  const auto& want_in = Stage == 0 ? p.in_shapes : p.out_shapes;
  const auto& want_out = Stage == 0 ? p.out_shapes : p.in_shapes;
  for (size_t i = 0; i < in.size(); ++i) merge_input_shape(*attrs.op, in[i], want_in[i], static_cast<int>(i));
  for (size_t i = 0; i < out.size(); ++i) merge_shape(*attrs.op, out[i], want_out[i], "an output");
  return true;
}
template <int Stage>
bool infer_type(const OpAttrs& attrs, std::vector<int>& in, std::vector<int>& out) {
  const auto& p = attrs.get<CustomFunctionParam>();
  const auto& want_out = Stage == 0 ? p.out_dtypes : p.in_dtypes;
  for (size_t i = 0; i < out.size(); ++i) out[i] = static_cast<int>(want_out[i]);
  return true;
}

template <int Stage>
void custom_kernel(const OpContext& ctx, std::span<const NDArray> in, std::span<const NDArray> out, OnComplete done) {
  std::shared_ptr<CustomFunction> fn = ctx.attrs.get<CustomFunctionParam>().fn;
  std::vector<NDArray> ins, outs;
  for (const NDArray& a : in) ins.push_back(a.alias());
  for (const NDArray& a : out) outs.push_back(a.alias());
  const bool is_train = ctx.is_train;
  CustomWorkers::get().post([fn = std::move(fn), ins = std::move(ins), outs = std::move(outs), done, is_train]() mutable {
    std::exception_ptr error;
    try {
      fn->run(Stage, ins, outs, is_train);
      for (const NDArray& o : outs) o.wait_to_read();  // what the callback pushed
    } catch (...) {
      error = std::current_exception();
    }
    // Nothing of the call may outlive its engine op: a wait that returns has seen the function released.
    fn.reset();
    ins.clear();
    outs.clear();
    if (error) done(std::move(error));
    else done();
  });
}

void custom_grad(GradBuilder& b) {
  std::vector<GradValue> ograds;
  for (int i = 0; i < b.num_outputs(); ++i) ograds.push_back(b.out_grad(i));
  OpAttrs attrs = b.attrs();
  attrs.op = &OpRegistry::get().at("_backward_CustomFunction");
  std::vector<GradValue> grads = b.apply("_backward_CustomFunction", ograds, attrs);
  for (int i = 0; i < b.num_inputs(); ++i) b.set_input_grad(i, grads[static_cast<size_t>(i)]);
}

[[maybe_unused]] OpRegistrar r_custom = OpRegistrar("_CustomFunction")
    .describe("A function written in the binding (CustomFunction in C#).")
    .params<CustomFunctionParam>()
    .dtypes<AllDTypes>()
    .variadic_inputs("", count_inputs<0>)
    .variadic_outputs(count_outputs<0>)
    .infer_shape(infer_shape<0>)
    .infer_type(infer_type<0>)
    .async_kernel(custom_kernel<0>)
    .gradient(custom_grad);

[[maybe_unused]] OpRegistrar r_custom_backward = OpRegistrar("_backward_CustomFunction")
    .describe("The backward stage of a function written in the binding.")
    .params<CustomFunctionParam>()
    .dtypes<AllDTypes>()
    .variadic_inputs("", count_inputs<1>)
    .variadic_outputs(count_outputs<1>)
    .infer_shape(infer_shape<1>)
    .infer_type(infer_type<1>)
    .async_kernel(custom_kernel<1>);

}  // namespace

std::vector<NDArray> invoke_custom_function(std::shared_ptr<CustomFunction> fn, std::span<const NDArray> inputs,
                                            std::vector<Shape> out_shapes, std::vector<DType> out_dtypes,
                                            const InvokeFlags& flags) {
  SN_CHECK(fn != nullptr, "CustomFunction: no function given");
  SN_CHECK(out_shapes.size() == out_dtypes.size() && !out_shapes.empty(), "CustomFunction: expected one dtype per ",
           "output shape and at least one output, got ", out_shapes.size(), " shape(s) and ", out_dtypes.size(),
           " dtype(s)");
  for (size_t i = 0; i < out_shapes.size(); ++i)
    SN_CHECK_SHAPE(out_shapes[i].is_known(), "CustomFunction: output ", i, " has shape ", out_shapes[i],
                   "; every dim must be known and >= 0");
  auto p = std::make_shared<CustomFunctionParam>();
  p->fn = std::move(fn);
  for (const NDArray& a : inputs) {
    SN_CHECK(!a.is_none(), "CustomFunction: an input is empty");
    p->in_shapes.push_back(a.shape());
    p->in_dtypes.push_back(a.dtype());
  }
  p->out_shapes = std::move(out_shapes);
  p->out_dtypes = std::move(out_dtypes);
  OpAttrs attrs{&OpRegistry::get().at("_CustomFunction"), std::shared_ptr<const void>(p)};
  std::vector<NDArray> out = invoke(attrs, inputs, {}, flags, inputs.empty() ? Device::cpu() : inputs[0].device());
  return out;
}

}  // namespace sn
