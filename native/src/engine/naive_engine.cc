// The naive engine (SHARPNET_ENGINE=naive): every op runs inside push, on the
// calling thread, with the threaded engine's poisoning rules. For debugging:
// an error surfaces at the push that caused it, in a debugger's stack.
#include <condition_variable>
#include <mutex>
#include <utility>

#include "core/error.h"
#include "core/logging.h"
#include "core/threading.h"
#include "engine/engine_impl.h"

namespace sn {

namespace {

class NaiveEngine final : public Engine {
 public:
  explicit NaiveEngine(const EngineConfig&) {}

  EngineKind kind() const noexcept override { return EngineKind::kNaive; }

  VarHandle new_var() override {
    check_running("new_var");
    return EngineVar::make();
  }

  void delete_var(VarHandle var, SyncFn on_delete, Device device) noexcept override {
    if (var == nullptr) return;
    if (on_delete) {
      if (std::exception_ptr e = run_sync(on_delete, RunContext{device, 1})) log_error("freeing an engine variable", e);
    }
    EngineVar::free(var);
  }

  uint64_t var_version(VarHandle var) const noexcept override { return var->version.load(std::memory_order_relaxed); }

  void push(SyncFn fn, const Device& device, std::span<const VarHandle> reads, std::span<const VarHandle> writes,
            const PushOptions& options) override {
    push_async([fn = std::move(fn)](const RunContext& ctx, OnComplete done) {
      fn(ctx);
      done();
    }, device, reads, writes, options);
  }

  void push_async(AsyncFn fn, const Device& device, std::span<const VarHandle> reads, std::span<const VarHandle> writes,
                  const PushOptions& options) override {
    check_running(options.name);
    check_device_available(device, options.name);
    EngineOpr opr;
    opr.fn = std::move(fn);
    opr.set_vars(reads, writes);
    opr.options = options;
    run(opr, device);
  }

  OprHandle new_operator(AsyncFn fn, std::span<const VarHandle> reads, std::span<const VarHandle> writes,
                         const PushOptions& options) override {
    return make_operator(std::move(fn), reads, writes, options);
  }

  void push_operator(OprHandle op, const Device& device, int priority) override {
    check_running(op->options.name);
    check_device_available(device, op->options.name);
    run(*op, device);
  }

  void delete_operator(OprHandle op) noexcept override { delete op; }

  void wait_for_var(VarHandle var) override {
    if (std::exception_ptr p = var->read_poison()) std::rethrow_exception(p);
  }

  void wait_all() override {
    std::exception_ptr error;
    {
      std::lock_guard lock(error_mutex_);
      error = std::exchange(first_new_error_, nullptr);
    }
    if (error) std::rethrow_exception(error);
  }

  void notify_when_readable(VarHandle var, std::function<void(std::exception_ptr)> callback) override {
    try {
      callback(var->read_poison());
    } catch (...) {
      log_error("a notify_when_readable callback", std::current_exception());
    }
  }

  void bulk_begin(int max_ops) override {
    SN_CHECK(max_ops >= 1, "bulk_begin: argument 'max_ops' expects a count >= 1, got ", max_ops);
  }
  void bulk_end() override {}
  int64_t pending_ops() const noexcept override { return 0; }
  void set_max_pending_ops(int64_t max_pending) override {
    SN_CHECK(max_pending >= 1, "set_max_pending_ops: argument 'max_pending' expects a count >= 1, got ", max_pending);
  }
  void shutdown() noexcept override { stopped_ = true; }

 private:
  void check_running(const char* what) const {
    SN_CHECK_WITH_CODE_(kInvalidState, !stopped_, what, ": the engine has been shut down");
  }

  static void log_error(const char* what, std::exception_ptr e) noexcept {
    try {
      std::rethrow_exception(e);
    } catch (const std::exception& ex) {
      SN_LOG(kError, what, " failed: ", ex.what());
    } catch (...) {
      SN_LOG(kError, what, " failed with an unknown exception");
    }
  }

  // Runs an op to completion (an async op may complete on another thread).
  void run(EngineOpr& opr, const Device& device) {
    std::exception_ptr inherited = first_poisoned_input(opr);
    if (!opr.options.internal)
      for (VarHandle v : opr.writes) v->version.fetch_add(1, std::memory_order_relaxed);
    std::exception_ptr result = inherited;
    if (!inherited || opr.options.no_skip) {
      struct Done {
        std::mutex mutex;
        std::condition_variable cv;
        bool done = false;
        bool is_new = false;
        std::exception_ptr error;
      } done;
      auto on_complete = [](void* d, std::exception_ptr error, bool is_new) noexcept {
        auto* state = static_cast<Done*>(d);
        std::lock_guard lock(state->mutex);
        if (state->done) return;
        state->error = std::move(error);
        state->is_new = is_new;
        state->done = true;
        state->cv.notify_all();
      };
      try {
        RunContext ctx{device, intra_threads()};
        ctx.input_poison = inherited;
        opr.fn(ctx, EngineImplAccess::make(on_complete, &done));
      } catch (...) {
        on_complete(&done, std::current_exception(), true);
      }
      std::unique_lock lock(done.mutex);
      done.cv.wait(lock, [&] { return done.done; });
      result = done.error;
      if (result && done.is_new) {
        std::lock_guard elock(error_mutex_);
        if (!first_new_error_) first_new_error_ = result;
      }
    }
    for (VarHandle v : opr.writes) {
      std::lock_guard lock(v->mutex);
      v->poison = result;
    }
  }

  static int intra_threads() { return intra_op_threads(); }

  bool stopped_ = false;
  std::mutex error_mutex_;
  std::exception_ptr first_new_error_;
};

}  // namespace

std::unique_ptr<Engine> make_naive_engine(const EngineConfig& config) { return std::make_unique<NaiveEngine>(config); }

}  // namespace sn
