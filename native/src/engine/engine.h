// The dependency engine: push(fn, device, reads, writes) returns at once; per
// variable, reads run concurrently and writes alone, in push order.
#pragma once

#include <cstdint>
#include <exception>
#include <functional>
#include <memory>
#include <span>
#include <string>

#include "core/device.h"
#include "core/inline_function.h"

namespace sn {

// An engine variable: the unit of dependency (an NDArray chunk owns one).
// Created by Engine::new_var, released with Engine::delete_var.
class EngineVar;
using VarHandle = EngineVar*;

// Which of a device's worker pools runs an op.
enum class FnProperty : uint8_t {
  kNormal = 0,     // compute pool: kernels
  kCopy = 1,       // copy/IO pool: copies between devices, file IO
  kDeleteVar = 2,  // frees (internal); never blocked by back-pressure
};

struct PushOptions {
  FnProperty property = FnProperty::kNormal;
  int priority = 0;  // higher runs first among ready ops of a pool
  // Run even when an input is poisoned (waits and notifications report the
  // poison instead of being skipped).
  bool no_skip = false;
  // Engine-internal pushes bypass back-pressure, like frees.
  bool internal = false;
  // A tiny op: if its variables are free when it is pushed, it runs right away on the pushing thread
  // (one intra-op thread) instead of being handed to a worker (Note [Running tiny ops in place]).
  bool inline_if_ready = false;
  const char* name = "op";  // static string, for errors and profiling
};

// Note [Devices and pools]
// Every device has its own queues: a compute pool (kernels) and a copy/IO pool
// (copies between devices, file IO), so copies overlap compute. cpu(0),
// cpu(1), ... are distinct devices. A GPU device follows the same structure
// with one CUDA stream per worker (compute streams, copy streams): the worker
// binds its device and stream once, an op finds the stream in
// RunContext::stream and enqueues kernels on it, and completes through
// OnComplete when an event recorded on the stream fires, so no CPU thread
// waits on a stream needlessly. Without CUDA a GPU device is rejected at push.
//
// Note [Thread budget] (see also core/threading.h)
// By default each CPU device has one compute worker, and an op running on it
// may use intra_op_threads() OpenMP/oneDNN threads (default: the cores this
// process may use). When several workers run ops at once (several CPU devices,
// or more compute workers), each op gets intra_op_threads() / busy workers,
// so the process never asks for more threads than cores; copy/IO ops use one.
// This is right on 2 cores (one op uses both) and on 64 (one big op uses all
// 64; concurrent ops split them).

// Note [Running tiny ops in place]
// Handing an op to a worker costs the pushing thread and the worker several
// cache-line transfers (the op block, the pool queue, the variable's lock and
// queue, the pending counters): about a microsecond, far more than a kernel on
// a handful of elements. An op pushed with inline_if_ready whose variables
// are all free at push time (nothing pending on them: no earlier op can be
// overtaken) therefore runs at once on the pushing thread, with the same
// bookkeeping as on a worker: versions, poisoning (an error poisons its
// outputs and surfaces at their wait, never at the push), grants to the ops
// queued after it. Observably it is a schedule the engine could have chosen;
// an op that has to wait for its inputs still goes to a worker.

// Passed to every op.
struct RunContext {
  Device device;
  // Threads this op may use for its own parallelism (Note [Thread budget]).
  int num_threads = 1;
  // The worker's CUDA stream for GPU ops (Note [Devices and pools]); null on CPU.
  void* stream = nullptr;
  // For no_skip ops: the poison of the first poisoned input, or null.
  std::exception_ptr input_poison;
};

// Completes an asynchronous op. Call exactly once, from any thread.
class OnComplete {
 public:
  OnComplete() = default;
  // Success: the written vars' poison is cleared.
  void operator()() const noexcept { done(nullptr, true); }
  // Failure: the written vars are poisoned with `error`, a new error for wait_all.
  void operator()(std::exception_ptr error) const noexcept { done(std::move(error), true); }
  // Skipped for a poisoned input (no_skip ops): the poison passes on; not a new error.
  void skip(std::exception_ptr inherited) const noexcept { done(std::move(inherited), false); }

 private:
  friend class EngineImplAccess;
  void done(std::exception_ptr error, bool is_new) const noexcept;
  void (*fn_)(void* block, std::exception_ptr error, bool is_new) noexcept = nullptr;
  void* block_ = nullptr;
};

// Op functions: move-only, closures of up to 64 bytes stored inline (no allocation per push).
using SyncFn = InlineFunction<void(const RunContext&)>;
using AsyncFn = InlineFunction<void(const RunContext&, OnComplete)>;

// A pre-built op for executors: its function and deduplicated variable lists
// are made once and pushed many times.
class EngineOpr;
using OprHandle = EngineOpr*;

enum class EngineKind : int32_t { kThreaded = 0, kNaive = 1 };

struct EngineConfig {
  EngineKind kind = EngineKind::kThreaded;
  int cpu_compute_workers = 1;  // per CPU device
  int cpu_copy_workers = 1;     // per CPU device
  int64_t max_pending_ops = 1 << 16;
};

class Engine {
 public:
  // The process-wide engine, created on first use from the global settings
  // (sn::engine_settings); never destroyed by static destructors.
  static Engine& get();
  // A separate engine (tests, benchmarks). Destroying it waits for its ops.
  static std::unique_ptr<Engine> create(const EngineConfig& config);

  virtual ~Engine() = default;
  virtual EngineKind kind() const noexcept = 0;

  virtual VarHandle new_var() = 0;
  // Once every op pushed so far on `var` completes, runs `on_delete` (if any)
  // on the thread that completes the last of them (or the caller's, if none
  // is pending) and frees the variable. `on_delete` must be quick (returning
  // memory to a pool). Never blocks; callable from any thread (a .NET
  // finalizer included), also after shutdown.
  virtual void delete_var(VarHandle var, SyncFn on_delete = {}, Device device = Device::cpu()) noexcept = 0;
  // Incremented by every non-internal write pushed on `var` (autograd's in-place checks).
  virtual uint64_t var_version(VarHandle var) const noexcept = 0;

  // Returns at once. A var in both lists is a read-write. Errors in `fn`
  // poison the written vars (Note [Poisoning]).
  virtual void push(SyncFn fn, const Device& device, std::span<const VarHandle> reads,
                    std::span<const VarHandle> writes, const PushOptions& options = {}) = 0;
  // As push, but the op completes when `fn` calls its OnComplete (possibly
  // from another thread), not when `fn` returns.
  virtual void push_async(AsyncFn fn, const Device& device, std::span<const VarHandle> reads,
                          std::span<const VarHandle> writes, const PushOptions& options = {}) = 0;

  virtual OprHandle new_operator(AsyncFn fn, std::span<const VarHandle> reads, std::span<const VarHandle> writes,
                                 const PushOptions& options = {}) = 0;
  virtual void push_operator(OprHandle op, const Device& device, int priority = 0) = 0;
  // After the pushes made so far of `op` complete.
  virtual void delete_operator(OprHandle op) noexcept = 0;

  // Blocks until every write pushed so far on `var` is done; throws the var's
  // poison if it has one (every time, until a successful write clears it).
  virtual void wait_for_var(VarHandle var) = 0;
  // Blocks until every op pushed so far is done; throws the first error raised
  // by an op since the previous wait_all (once).
  virtual void wait_all() = 0;
  // Calls `callback` (on an engine thread) once the writes pushed so far on
  // `var` are done, with the var's poison or null. It must not block.
  virtual void notify_when_readable(VarHandle var, std::function<void(std::exception_ptr)> callback) = 0;

  // Bulk execution (Note [Bulking]): ops this thread pushes until bulk_end are
  // gathered (at most `max_ops` at a time) and pushed as one engine op.
  virtual void bulk_begin(int max_ops) = 0;
  virtual void bulk_end() = 0;

  virtual int64_t pending_ops() const noexcept = 0;
  // Bound on pending user pushes (back-pressure); frees and internal pushes bypass it.
  virtual void set_max_pending_ops(int64_t max_pending) = 0;
  // Waits for pending ops and stops the workers; later pushes fail.
  virtual void shutdown() noexcept = 0;
};

// RAII bulk scope on the calling thread.
class BulkScope {
 public:
  BulkScope(Engine& engine, int max_ops) : engine_(engine) { engine_.bulk_begin(max_ops); }
  ~BulkScope() { engine_.bulk_end(); }
  BulkScope(const BulkScope&) = delete;
  BulkScope& operator=(const BulkScope&) = delete;

 private:
  Engine& engine_;
};

// Settings the global engine is created from. Kind and worker counts can only
// change before the engine starts (an error after); the pending-op bound can
// change at any time. SHARPNET_ENGINE=naive|threaded and
// SHARPNET_CPU_WORKER_NTHREADS are read once, as defaults.
EngineConfig engine_settings();
void set_engine_kind(EngineKind kind);
void set_cpu_workers(int compute, int copy);
void set_max_pending_ops(int64_t max_pending);
bool engine_started() noexcept;
// Waits for pending ops, then stops the global engine's workers. Idempotent.
void shutdown_engine() noexcept;

}  // namespace sn
