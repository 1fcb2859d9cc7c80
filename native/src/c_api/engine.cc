// ABI: engine settings, waits, variables and asynchronous work; storage statistics.
#include <mutex>
#include <string>
#include <unordered_set>
#include <vector>

#include "c_api/api_guard.h"
#include "core/device.h"
#include "engine/engine.h"
#include "storage/storage.h"

using sn::capi::check_not_null;
using sn::capi::to_device;

namespace {

sn::VarHandle to_var(sn_engine_var_t var, const char* function, const char* argument) {
  SN_CHECK(var != nullptr, function, ": argument '", argument, "' must not be NULL");
  return reinterpret_cast<sn::VarHandle>(var);
}

std::vector<sn::VarHandle> to_vars(const sn_engine_var_t* vars, int32_t count, const char* function,
                                   const char* argument) {
  SN_CHECK(count >= 0, function, ": argument 'num_", argument, "' expects a count >= 0, got ", count);
  SN_CHECK(count == 0 || vars != nullptr, function, ": argument '", argument, "' must not be NULL when num_", argument,
           " is ", count);
  std::vector<sn::VarHandle> out;
  out.reserve(static_cast<size_t>(count));
  for (int32_t i = 0; i < count; ++i) {
    SN_CHECK(vars[i] != nullptr, function, ": ", argument, "[", i, "] must not be NULL");
    out.push_back(reinterpret_cast<sn::VarHandle>(vars[i]));
  }
  return out;
}

struct Completion {
  sn::OnComplete done;
};

// The engine keeps op names as static strings; names from the ABI are interned
// (few and repeated: operation names), so the caller's buffer may go away.
const char* intern(const char* name) {
  static std::mutex mutex;
  static auto* names = new std::unordered_set<std::string>;  // leaked: outlives engine threads
  std::lock_guard lock(mutex);
  return names->emplace(name).first->c_str();
}

}  // namespace

extern "C" {

SN_API sn_status sn_engine_set_kind(sn_engine_kind kind) {
  SN_API_BEGIN();
  SN_CHECK(kind == SN_ENGINE_THREADED || kind == SN_ENGINE_NAIVE,
           "sn_engine_set_kind: argument 'kind' expects 0 (threaded) or 1 (naive), got ", static_cast<int>(kind));
  sn::set_engine_kind(static_cast<sn::EngineKind>(kind));
  SN_API_END();
}

SN_API sn_status sn_engine_get_kind(sn_engine_kind* kind) {
  SN_API_BEGIN();
  check_not_null(kind, "sn_engine_get_kind", "kind");
  *kind = static_cast<sn_engine_kind>(sn::engine_settings().kind);
  SN_API_END();
}

SN_API sn_status sn_engine_set_cpu_workers(int32_t compute, int32_t copy) {
  SN_API_BEGIN();
  sn::set_cpu_workers(compute, copy);
  SN_API_END();
}

SN_API sn_status sn_engine_get_cpu_workers(int32_t* compute, int32_t* copy) {
  SN_API_BEGIN();
  check_not_null(compute, "sn_engine_get_cpu_workers", "compute");
  check_not_null(copy, "sn_engine_get_cpu_workers", "copy");
  sn::EngineConfig config = sn::engine_settings();
  *compute = config.cpu_compute_workers;
  *copy = config.cpu_copy_workers;
  SN_API_END();
}

SN_API sn_status sn_engine_set_max_pending_ops(int64_t max_pending) {
  SN_API_BEGIN();
  sn::set_max_pending_ops(max_pending);
  SN_API_END();
}

SN_API sn_status sn_engine_pending_ops(int64_t* count) {
  SN_API_BEGIN();
  check_not_null(count, "sn_engine_pending_ops", "count");
  *count = sn::engine_started() ? sn::Engine::get().pending_ops() : 0;
  SN_API_END();
}

SN_API sn_status sn_engine_wait_all(void) {
  SN_API_BEGIN();
  if (sn::engine_started()) sn::Engine::get().wait_all();
  SN_API_END();
}

SN_API sn_status sn_runtime_shutdown(void) {
  SN_API_BEGIN();
  sn::shutdown_engine();
  SN_API_END();
}

SN_API sn_status sn_engine_var_create(sn_engine_var_t* var) {
  SN_API_BEGIN();
  check_not_null(var, "sn_engine_var_create", "var");
  *var = reinterpret_cast<sn_engine_var_t>(sn::Engine::get().new_var());
  SN_API_END();
}

SN_API sn_status sn_engine_var_free(sn_engine_var_t var) {
  SN_API_BEGIN();
  if (var != nullptr) sn::Engine::get().delete_var(reinterpret_cast<sn::VarHandle>(var));
  SN_API_END();
}

SN_API sn_status sn_engine_wait_for_var(sn_engine_var_t var) {
  SN_API_BEGIN();
  sn::Engine::get().wait_for_var(to_var(var, "sn_engine_wait_for_var", "var"));
  SN_API_END();
}

SN_API sn_status sn_engine_notify_when_readable(sn_engine_var_t var, sn_engine_callback callback, void* user_data) {
  SN_API_BEGIN();
  sn::VarHandle v = to_var(var, "sn_engine_notify_when_readable", "var");
  SN_CHECK(callback != nullptr, "sn_engine_notify_when_readable: argument 'callback' must not be NULL");
  sn::Engine::get().notify_when_readable(v, [callback, user_data](std::exception_ptr poison) {
    sn::capi::report_outcome(callback, user_data, poison);
  });
  SN_API_END();
}

SN_API sn_status sn_engine_push_async(sn_engine_async_fn fn, void* user_data, const sn_engine_var_t* reads,
                                      int32_t num_reads, const sn_engine_var_t* writes, int32_t num_writes,
                                      sn_device_type device_type, int32_t device_id, int32_t priority,
                                      const char* name) {
  SN_API_BEGIN();
  constexpr const char* kFn = "sn_engine_push_async";
  SN_CHECK(fn != nullptr, kFn, ": argument 'fn' must not be NULL");
  check_not_null(name, kFn, "name");
  auto r = to_vars(reads, num_reads, kFn, "reads");
  auto w = to_vars(writes, num_writes, kFn, "writes");
  sn::Device device = to_device(device_type, device_id, kFn);
  // no_skip: the binding hears of a poisoned input (to release its state); the poison still propagates.
  sn::PushOptions options{.priority = priority, .no_skip = true, .name = intern(name)};
  sn::Engine::get().push_async(
      [fn, user_data](const sn::RunContext& ctx, sn::OnComplete done) {
        if (ctx.input_poison) {
          auto [status, message] = sn::capi::describe_exception(ctx.input_poison);
          fn(user_data, nullptr, status, message.c_str());
          done.skip(ctx.input_poison);
          return;
        }
        fn(user_data, new Completion{done}, SN_OK, "");
      },
      device, r, w, options);
  SN_API_END();
}

SN_API sn_status sn_engine_complete(void* completion, sn_status status, const char* message) {
  SN_API_BEGIN();
  SN_CHECK(completion != nullptr, "sn_engine_complete: argument 'completion' must not be NULL");
  auto* c = static_cast<Completion*>(completion);
  sn::OnComplete done = c->done;
  delete c;
  if (status == SN_OK) {
    done();
  } else {
    done(std::make_exception_ptr(sn::Error(static_cast<sn::ErrorCode>(status),
                                           message != nullptr && *message ? message : "asynchronous work failed")));
  }
  SN_API_END();
}

SN_API sn_status sn_storage_get_stats(sn_device_type device_type, int32_t device_id, int64_t* in_use, int64_t* cached,
                                      int64_t* peak, int64_t* limit) {
  SN_API_BEGIN();
  constexpr const char* kFn = "sn_storage_get_stats";
  check_not_null(in_use, kFn, "in_use");
  check_not_null(cached, kFn, "cached");
  check_not_null(peak, kFn, "peak");
  check_not_null(limit, kFn, "limit");
  sn::StorageStats s = sn::Storage::of(to_device(device_type, device_id, kFn)).stats();
  *in_use = s.in_use;
  *cached = s.cached;
  *peak = s.peak;
  *limit = s.limit;
  SN_API_END();
}

SN_API sn_status sn_storage_release_all(sn_device_type device_type, int32_t device_id) {
  SN_API_BEGIN();
  sn::Storage::of(to_device(device_type, device_id, "sn_storage_release_all")).release_all();
  SN_API_END();
}

SN_API sn_status sn_storage_reset_peak(sn_device_type device_type, int32_t device_id) {
  SN_API_BEGIN();
  sn::Storage::of(to_device(device_type, device_id, "sn_storage_reset_peak")).reset_peak();
  SN_API_END();
}

SN_API sn_status sn_storage_set_memory_limit(sn_device_type device_type, int32_t device_id, int64_t bytes) {
  SN_API_BEGIN();
  sn::Storage::of(to_device(device_type, device_id, "sn_storage_set_memory_limit")).set_limit(bytes);
  SN_API_END();
}

}  // extern "C"
