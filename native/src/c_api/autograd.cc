// ABI: autograd (gradients, backward, detach) and custom functions.
#include <string>
#include <vector>

#include "autograd/autograd.h"
#include "autograd/custom_function.h"
#include "c_api/handles.h"

using sn::capi::check_not_null;
using sn::capi::to_span;
using sn::capi::unwrap;
using sn::capi::wrap;

namespace {

thread_local std::string t_callback_error;

sn::GradReq to_req(sn_grad_req req, const char* function) {
  SN_CHECK(req == SN_GRAD_NULL || req == SN_GRAD_WRITE || req == SN_GRAD_ADD, function,
           ": argument 'req' expects SN_GRAD_NULL (0), SN_GRAD_WRITE (1) or SN_GRAD_ADD (3), got ",
           static_cast<int>(req));
  return static_cast<sn::GradReq>(req);
}

// Head gradients: none, or one entry per head (NULL entries mean ones).
std::vector<sn::NDArray> head_grads_of(const sn_ndarray_t* head_grads, int32_t num_head_grads, int32_t num_heads,
                                       const char* function) {
  std::vector<sn::NDArray> out = sn::capi::unwrap_all(head_grads, num_head_grads, function, "head_grads", true);
  SN_CHECK(out.empty() || static_cast<int32_t>(out.size()) == num_heads, function, ": expected ", num_heads,
           " head gradient(s) (one per head) or none, got ", out.size());
  return out;
}

// A custom function whose stages are the binding's callback.
class AbiCustomFunction final : public sn::CustomFunction {
 public:
  AbiCustomFunction(sn_custom_function_fn fn, sn_custom_function_release release, void* user_data)
      : fn_(fn), release_(release), user_data_(user_data) {}
  ~AbiCustomFunction() override {
    if (release_ != nullptr) release_(user_data_);
  }
  void run(int stage, std::span<const sn::NDArray> in, std::span<const sn::NDArray> out, bool is_train) override {
    // New handles, owned by the callee from here on.
    std::vector<sn_ndarray_t> ins, outs;
    for (const sn::NDArray& a : in) ins.push_back(wrap(a));
    for (const sn::NDArray& a : out) outs.push_back(wrap(a));
    t_callback_error.clear();
    const sn_status status = fn_(user_data_, stage, ins.data(), static_cast<int32_t>(ins.size()), outs.data(),
                                 static_cast<int32_t>(outs.size()), is_train ? 1 : 0);
    if (status != SN_OK) {
      std::string message = t_callback_error.empty() ? "the custom function failed without a message" : t_callback_error;
      sn::throw_error(sn::ErrorCode::kCallback,
                      std::string(stage == 0 ? "CustomFunction forward: " : "CustomFunction backward: ") + message);
    }
  }

 private:
  sn_custom_function_fn fn_;
  sn_custom_function_release release_;
  void* user_data_;
};

}  // namespace

extern "C" {

SN_API sn_status sn_autograd_attach_grad(sn_ndarray_t array, sn_grad_req req, sn_ndarray_t grad) {
  SN_API_BEGIN();
  constexpr const char* kFn = "sn_autograd_attach_grad";
  check_not_null(array, kFn, "array");
  sn::attach_grad(array->array, to_req(req, kFn), grad != nullptr ? grad->array : sn::NDArray());
  SN_API_END();
}

SN_API sn_status sn_autograd_get_grad(sn_ndarray_t array, uint8_t* has_grad, sn_ndarray_t* grad) {
  SN_API_BEGIN();
  constexpr const char* kFn = "sn_autograd_get_grad";
  check_not_null(has_grad, kFn, "has_grad");
  check_not_null(grad, kFn, "grad");
  sn::NDArray g = sn::get_grad(unwrap(array, kFn));
  *has_grad = g.is_none() ? 0 : 1;
  if (!g.is_none()) *grad = wrap(std::move(g));
  SN_API_END();
}

SN_API sn_status sn_autograd_get_grad_req(sn_ndarray_t array, sn_grad_req* req) {
  SN_API_BEGIN();
  constexpr const char* kFn = "sn_autograd_get_grad_req";
  check_not_null(req, kFn, "req");
  *req = static_cast<sn_grad_req>(sn::get_grad_req(unwrap(array, kFn)));
  SN_API_END();
}

SN_API sn_status sn_autograd_has_history(sn_ndarray_t array, uint8_t* has_history) {
  SN_API_BEGIN();
  check_not_null(has_history, "sn_autograd_has_history", "has_history");
  *has_history = sn::has_history(unwrap(array, "sn_autograd_has_history")) ? 1 : 0;
  SN_API_END();
}

SN_API sn_status sn_autograd_detach(sn_ndarray_t array, sn_ndarray_t* out) {
  SN_API_BEGIN();
  check_not_null(out, "sn_autograd_detach", "out");
  *out = wrap(sn::detach(unwrap(array, "sn_autograd_detach")));
  SN_API_END();
}

SN_API sn_status sn_autograd_backward(const sn_ndarray_t* heads, int32_t num_heads, const sn_ndarray_t* head_grads,
                                      int32_t num_head_grads, uint8_t retain_graph, uint8_t train_mode) {
  SN_API_BEGIN();
  constexpr const char* kFn = "sn_autograd_backward";
  std::vector<sn::NDArray> hs = sn::capi::unwrap_all(heads, num_heads, kFn, "heads");
  std::vector<sn::NDArray> hg = head_grads_of(head_grads, num_head_grads, num_heads, kFn);
  sn::BackwardOptions opt;
  opt.retain_graph = retain_graph != 0;
  opt.train_mode = train_mode != 0;
  sn::backward(hs, hg, opt);
  SN_API_END();
}

SN_API sn_status sn_autograd_grad(const sn_ndarray_t* heads, int32_t num_heads, const sn_ndarray_t* head_grads,
                                  int32_t num_head_grads, const sn_ndarray_t* variables, int32_t num_variables,
                                  uint8_t retain_graph, uint8_t create_graph, uint8_t train_mode, sn_ndarray_t* grads,
                                  int32_t capacity) {
  SN_API_BEGIN();
  constexpr const char* kFn = "sn_autograd_grad";
  std::vector<sn::NDArray> hs = sn::capi::unwrap_all(heads, num_heads, kFn, "heads");
  std::vector<sn::NDArray> hg = head_grads_of(head_grads, num_head_grads, num_heads, kFn);
  std::vector<sn::NDArray> vs = sn::capi::unwrap_all(variables, num_variables, kFn, "variables");
  SN_CHECK(capacity >= num_variables && (num_variables == 0 || grads != nullptr), kFn, ": argument 'grads' needs room ",
           "for ", num_variables, " gradient(s), got capacity ", capacity);
  sn::BackwardOptions opt;
  opt.retain_graph = retain_graph != 0 || create_graph != 0;  // MXNet: retain_graph defaults to create_graph
  opt.create_graph = create_graph != 0;
  opt.train_mode = train_mode != 0;
  std::vector<sn::NDArray> g = sn::grad(hs, hg, vs, opt);
  for (size_t i = 0; i < g.size(); ++i) grads[i] = g[i].is_none() ? nullptr : wrap(std::move(g[i]));
  SN_API_END();
}

SN_API sn_status sn_custom_function_invoke(sn_custom_function_fn fn, sn_custom_function_release release,
                                           void* user_data, const sn_ndarray_t* inputs, int32_t num_inputs,
                                           const int64_t* shapes, int32_t num_dims, const int32_t* ndims,
                                           int32_t num_outputs, const sn_dtype* dtypes, int32_t num_dtypes,
                                           uint32_t flags, sn_ndarray_t* results, int32_t capacity) {
  // Owns user_data from the first line: released exactly once, also on failure.
  std::shared_ptr<sn::CustomFunction> function;
  try {
    function = std::make_shared<AbiCustomFunction>(fn, release, user_data);
  } catch (...) {
    if (release != nullptr) release(user_data);
    return sn::capi::translate_current_exception();
  }
  SN_API_BEGIN();
  constexpr const char* kFn = "sn_custom_function_invoke";
  SN_CHECK(fn != nullptr, kFn, ": argument 'fn' must not be NULL");
  std::vector<sn::NDArray> in = sn::capi::unwrap_all(inputs, num_inputs, kFn, "inputs");
  auto nd = to_span(ndims, num_outputs, kFn, "ndims");
  auto dims = to_span(shapes, num_dims, kFn, "shapes");
  auto ts = to_span(dtypes, num_dtypes, kFn, "dtypes");
  SN_CHECK(ts.size() == nd.size(), kFn, ": expected one dtype per output (", nd.size(), "), got ", ts.size());
  SN_CHECK(capacity >= num_outputs && (num_outputs == 0 || results != nullptr), kFn, ": argument 'results' needs room ",
           "for ", num_outputs, " output(s), got capacity ", capacity);
  std::vector<sn::Shape> out_shapes;
  std::vector<sn::DType> out_dtypes;
  size_t at = 0;
  for (size_t i = 0; i < nd.size(); ++i) {
    SN_CHECK(nd[i] >= 0 && at + static_cast<size_t>(nd[i]) <= dims.size(), kFn, ": output ", i, " takes ", nd[i],
             " dims from 'shapes', which has ", dims.size() - at, " left");
    out_shapes.push_back(sn::capi::to_shape(dims.data() + at, nd[i], kFn));
    at += static_cast<size_t>(nd[i]);
    out_dtypes.push_back(sn::capi::to_dtype(ts[i], kFn, "dtypes"));
  }
  SN_CHECK(at == dims.size(), kFn, ": 'shapes' has ", dims.size() - at, " dims more than 'ndims' uses");
  sn::InvokeFlags f;
  f.recording = (flags & SN_INVOKE_RECORDING) != 0;
  f.training = (flags & SN_INVOKE_TRAINING) != 0;
  std::vector<sn::NDArray> out = sn::invoke_custom_function(std::move(function), in, std::move(out_shapes),
                                                            std::move(out_dtypes), f);
  for (size_t i = 0; i < out.size(); ++i) results[i] = wrap(std::move(out[i]));
  SN_API_END();
}

SN_API sn_status sn_callback_set_error(const char* message) {
  SN_API_BEGIN();
  t_callback_error = message != nullptr ? message : "";
  SN_API_END();
}

}  // extern "C"
