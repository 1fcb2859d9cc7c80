// ABI: executors (bind, simple bind, reshape, forward, backward, arrays, memory plan).
#include <atomic>
#include <memory>
#include <string>
#include <vector>

#include "c_api/handles.h"
#include "executor/executor.h"

using sn::capi::to_span;

struct sn_executor {
  std::unique_ptr<sn::Executor> executor;
};

namespace {

std::atomic<int64_t> g_live_executors{0};

thread_local std::string t_text;

sn_executor_t wrap(std::unique_ptr<sn::Executor> e) {
  auto* h = new sn_executor{std::move(e)};
  g_live_executors.fetch_add(1, std::memory_order_relaxed);
  return h;
}

sn::Executor& unwrap(sn_executor_t h, const char* function, const char* argument = "executor") {
  SN_CHECK(h != nullptr, function, ": argument '", argument, "' must not be NULL");
  return *h->executor;
}

sn::ExecutorOptions to_options(const sn_executor_options& o, const char* function) {
  SN_CHECK(o.match_range >= 1, function, ": options.match_range expects >= 1, got ", o.match_range);
  SN_CHECK(o.bulk_max >= 1, function, ": options.bulk_max expects >= 1, got ", o.bulk_max);
  sn::ExecutorOptions r;
  r.cse = o.cse != 0;
  r.mirror = o.mirror != 0;
  r.runner.allow_inplace = o.inplace != 0;
  r.runner.allow_sharing = o.share_memory != 0;
  r.runner.match_range = static_cast<size_t>(o.match_range);
  r.runner.bulk_max = o.bulk_max;
  return r;
}

std::vector<sn::GradReq> to_reqs(const sn_grad_req* reqs, int32_t num_reqs, const char* function) {
  std::vector<sn::GradReq> r;
  for (sn_grad_req q : to_span(reqs, num_reqs, function, "reqs")) {
    SN_CHECK(q == SN_GRAD_NULL || q == SN_GRAD_WRITE || q == SN_GRAD_ADD, function,
             ": 'reqs' expects null (0), write (1) or add (3), got ", static_cast<int>(q));
    r.push_back(static_cast<sn::GradReq>(q));
  }
  return r;
}

const std::vector<sn::NDArray>& arrays_of(const sn::Executor& e, sn_executor_arrays kind, const char* function) {
  switch (kind) {
    case SN_EXECUTOR_ARGUMENTS: return e.args();
    case SN_EXECUTOR_GRADIENTS: return e.grads();
    case SN_EXECUTOR_AUXILIARY_STATES: return e.aux();
    case SN_EXECUTOR_OUTPUTS: return e.outputs();
  }
  SN_THROW(kInvalidArgument, function, ": argument 'kind' expects 0 to 3 (sn_executor_arrays), got ",
           static_cast<int>(kind));
}

}  // namespace

SN_API sn_status sn_executor_default_options(sn_executor_options* options) {
  SN_API_BEGIN();
  sn::capi::check_not_null(options, "sn_executor_default_options", "options");
  const sn::ExecutorOptions d;
  *options = sn_executor_options{static_cast<uint8_t>(d.cse), static_cast<uint8_t>(d.mirror),
                                 static_cast<uint8_t>(d.runner.allow_inplace),
                                 static_cast<uint8_t>(d.runner.allow_sharing),
                                 static_cast<int32_t>(d.runner.match_range), d.runner.bulk_max};
  SN_API_END();
}

SN_API sn_status sn_executor_live_count(int64_t* handles) {
  SN_API_BEGIN();
  sn::capi::check_not_null(handles, "sn_executor_live_count", "handles");
  *handles = g_live_executors.load(std::memory_order_relaxed);
  SN_API_END();
}

SN_API sn_status sn_executor_bind(sn_symbol_t symbol, sn_device_type device_type, int32_t device_id,
                                  const sn_ndarray_t* args, int32_t num_args, const sn_ndarray_t* grads,
                                  int32_t num_grads, const sn_grad_req* reqs, int32_t num_reqs,
                                  const sn_ndarray_t* aux, int32_t num_aux, sn_executor_t shared,
                                  sn_executor_options options, sn_executor_t* out) {
  SN_API_BEGIN();
  constexpr const char* kFn = "sn_executor_bind";
  sn::capi::check_not_null(out, kFn, "out");
  const sn::Symbol& s = sn::capi::unwrap(symbol, kFn);
  const sn::Device device = sn::capi::to_device(device_type, device_id, kFn);
  auto a = sn::capi::unwrap_all(args, num_args, kFn, "args");
  auto g = sn::capi::unwrap_all(grads, num_grads, kFn, "grads", true);
  auto x = sn::capi::unwrap_all(aux, num_aux, kFn, "aux");
  const sn::Executor* sh = shared ? shared->executor.get() : nullptr;
  *out = wrap(sn::Executor::bind(s, device, std::move(a), std::move(g), to_reqs(reqs, num_reqs, kFn), std::move(x), sh,
                                 to_options(options, kFn)));
  SN_API_END();
}

SN_API sn_status sn_executor_simple_bind(sn_symbol_t symbol, sn_device_type device_type, int32_t device_id,
                                         const uint8_t* names, int32_t names_length, const int64_t* dims,
                                         int32_t num_dims, const int32_t* ndims, int32_t num_shapes,
                                         const uint8_t* type_names, int32_t type_names_length, const int32_t* dtypes,
                                         int32_t num_dtypes, const sn_grad_req* reqs, int32_t num_reqs,
                                         sn_executor_t shared, sn_executor_options options, sn_executor_t* out) {
  SN_API_BEGIN();
  constexpr const char* kFn = "sn_executor_simple_bind";
  sn::capi::check_not_null(out, kFn, "out");
  const sn::Symbol& s = sn::capi::unwrap(symbol, kFn);
  const sn::Device device = sn::capi::to_device(device_type, device_id, kFn);
  const auto shapes = sn::capi::to_named_shapes(names, names_length, dims, num_dims, ndims, num_shapes, kFn);
  const auto types = sn::capi::to_named_dtypes(type_names, type_names_length, dtypes, num_dtypes, kFn);
  const sn::Executor* sh = shared ? shared->executor.get() : nullptr;
  *out = wrap(sn::Executor::simple_bind(s, device, shapes, types, to_reqs(reqs, num_reqs, kFn), sh,
                                        to_options(options, kFn)));
  SN_API_END();
}

SN_API sn_status sn_executor_reshape(sn_executor_t executor, const uint8_t* names, int32_t names_length,
                                     const int64_t* dims, int32_t num_dims, const int32_t* ndims, int32_t num_shapes,
                                     uint8_t partial_shaping, uint8_t allow_up_sizing, sn_executor_t* out) {
  SN_API_BEGIN();
  constexpr const char* kFn = "sn_executor_reshape";
  sn::capi::check_not_null(out, kFn, "out");
  const sn::Executor& e = unwrap(executor, kFn);
  const auto shapes = sn::capi::to_named_shapes(names, names_length, dims, num_dims, ndims, num_shapes, kFn);
  *out = wrap(e.reshape(shapes, partial_shaping != 0, allow_up_sizing != 0));
  SN_API_END();
}

SN_API sn_status sn_executor_free(sn_executor_t executor) {
  SN_API_BEGIN();
  if (executor == nullptr) return SN_OK;
  delete executor;
  g_live_executors.fetch_sub(1, std::memory_order_relaxed);
  SN_API_END();
}

SN_API sn_status sn_executor_forward(sn_executor_t executor, uint8_t is_train) {
  SN_API_BEGIN();
  unwrap(executor, "sn_executor_forward").forward(is_train != 0);
  SN_API_END();
}

SN_API sn_status sn_executor_backward(sn_executor_t executor, const sn_ndarray_t* head_grads, int32_t num_head_grads,
                                      uint8_t is_train) {
  SN_API_BEGIN();
  constexpr const char* kFn = "sn_executor_backward";
  sn::Executor& e = unwrap(executor, kFn);
  const auto hg = sn::capi::unwrap_all(head_grads, num_head_grads, kFn, "head_grads", true);
  e.backward(hg, is_train != 0);
  SN_API_END();
}

SN_API sn_status sn_executor_num_arrays(sn_executor_t executor, sn_executor_arrays kind, int32_t* count) {
  SN_API_BEGIN();
  constexpr const char* kFn = "sn_executor_num_arrays";
  sn::capi::check_not_null(count, kFn, "count");
  *count = static_cast<int32_t>(arrays_of(unwrap(executor, kFn), kind, kFn).size());
  SN_API_END();
}

SN_API sn_status sn_executor_get_array(sn_executor_t executor, sn_executor_arrays kind, int32_t index,
                                       uint8_t* present, sn_ndarray_t* out) {
  SN_API_BEGIN();
  constexpr const char* kFn = "sn_executor_get_array";
  sn::capi::check_not_null(present, kFn, "present");
  sn::capi::check_not_null(out, kFn, "out");
  const auto& arrays = arrays_of(unwrap(executor, kFn), kind, kFn);
  SN_CHECK_WITH_CODE_(kIndex, index >= 0 && static_cast<size_t>(index) < arrays.size(), kFn, ": index ", index,
                      " is out of range for ", arrays.size(), " array(s)");
  const sn::NDArray& a = arrays[static_cast<size_t>(index)];
  *present = a.is_none() ? 0 : 1;
  *out = a.is_none() ? nullptr : sn::capi::wrap(a);
  SN_API_END();
}

SN_API sn_status sn_executor_list_names(sn_executor_t executor, sn_executor_arrays kind, const uint8_t** text,
                                        int64_t* length) {
  SN_API_BEGIN();
  constexpr const char* kFn = "sn_executor_list_names";
  sn::capi::check_not_null(text, kFn, "text");
  sn::capi::check_not_null(length, kFn, "length");
  const sn::Executor& e = unwrap(executor, kFn);
  arrays_of(e, kind, kFn);  // checks the kind
  const auto& names = kind == SN_EXECUTOR_AUXILIARY_STATES ? e.aux_names()
                      : kind == SN_EXECUTOR_OUTPUTS        ? e.output_names()
                                                           : e.arg_names();
  sn::capi::borrow_strings(names, text, length);
  SN_API_END();
}

SN_API sn_status sn_executor_get_plan(sn_executor_t executor, sn_memory_plan* plan) {
  SN_API_BEGIN();
  constexpr const char* kFn = "sn_executor_get_plan";
  sn::capi::check_not_null(plan, kFn, "plan");
  const sn::Executor& e = unwrap(executor, kFn);
  const sn::MemoryPlan& p = e.plan();
  *plan = sn_memory_plan{static_cast<int64_t>(p.planned_bytes),      static_cast<int64_t>(p.lower_bound_bytes),
                         static_cast<int64_t>(p.unshared_bytes),     static_cast<int64_t>(p.block_bytes.size()),
                         static_cast<int64_t>(p.inplace_pairs),      static_cast<int64_t>(e.num_steps()),
                         static_cast<int64_t>(e.num_forward_steps()), static_cast<int64_t>(e.cse_merged()),
                         static_cast<int64_t>(e.mirror_copies())};
  SN_API_END();
}

SN_API sn_status sn_executor_debug_string(sn_executor_t executor, const char** text) {
  SN_API_BEGIN();
  constexpr const char* kFn = "sn_executor_debug_string";
  sn::capi::check_not_null(text, kFn, "text");
  t_text = unwrap(executor, kFn).debug_string();
  *text = t_text.c_str();
  SN_API_END();
}
