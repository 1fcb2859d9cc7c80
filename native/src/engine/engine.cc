// The global engine, its settings, and what both engines share.
#include <algorithm>
#include <atomic>
#include <cstdlib>
#include <mutex>
#include <string_view>

#include "core/error.h"
#include "core/logging.h"
#include "engine/engine_impl.h"

namespace sn {

void OnComplete::done(std::exception_ptr error, bool is_new) const noexcept {
  if (fn_ != nullptr) fn_(block_, std::move(error), is_new);
}

std::exception_ptr first_poisoned_input(const EngineOpr& opr) {
  for (VarHandle v : opr.reads)
    if (auto p = v->read_poison()) return p;
  for (size_t i = 0; i < opr.writes.size(); ++i)
    if (opr.write_is_read[i])
      if (auto p = opr.writes[i]->read_poison()) return p;
  return nullptr;
}

void dedupe_vars(std::span<const VarHandle> reads, std::span<const VarHandle> writes, VarList& out_reads,
                 VarList& out_writes, FlagList& out_write_is_read) {
  out_writes.assign(writes.begin(), writes.end());
  std::sort(out_writes.begin(), out_writes.end());
  out_writes.erase_tail(std::unique(out_writes.begin(), out_writes.end()));
  out_reads.clear();
  out_write_is_read.clear();
  out_write_is_read.resize(out_writes.size(), 0);
  for (VarHandle v : out_writes) SN_INTERNAL_ASSERT(v != nullptr, "a null engine variable was pushed");
  for (VarHandle v : reads) {
    SN_INTERNAL_ASSERT(v != nullptr, "a null engine variable was pushed");
    auto it = std::lower_bound(out_writes.begin(), out_writes.end(), v);
    if (it != out_writes.end() && *it == v) {
      out_write_is_read[static_cast<size_t>(it - out_writes.begin())] = 1;
    } else if (std::find(out_reads.begin(), out_reads.end(), v) == out_reads.end()) {
      out_reads.push_back(v);
    }
  }
}

EngineOpr* make_operator(AsyncFn fn, std::span<const VarHandle> reads, std::span<const VarHandle> writes,
                         const PushOptions& options) {
  auto opr = std::make_unique<EngineOpr>();
  opr->fn = std::move(fn);
  opr->set_vars(reads, writes);
  opr->options = options;
  return opr.release();
}

void EngineOpr::set_vars(std::span<const VarHandle> r, std::span<const VarHandle> w) {
  dedupe_vars(r, w, reads, writes, write_is_read);
}

std::exception_ptr run_sync(const SyncFn& fn, const RunContext& ctx) noexcept {
  try {
    fn(ctx);
    return nullptr;
  } catch (...) {
    return std::current_exception();
  }
}

namespace {

struct GlobalEngine {
  std::mutex mutex;
  EngineConfig config;
  Engine* engine = nullptr;  // leaked: never destroyed by static destructors racing worker threads
  std::atomic<Engine*> ready{nullptr};  // the same pointer, for the lock-free fast path of Engine::get
  bool shut_down = false;
};

GlobalEngine& global() {
  static GlobalEngine* g = [] {
    auto* state = new GlobalEngine;
    if (const char* kind = std::getenv("SHARPNET_ENGINE")) {
      std::string_view k(kind);
      if (k == "naive" || k == "NaiveEngine") state->config.kind = EngineKind::kNaive;
      else if (k != "threaded" && k != "ThreadedEngine" && k != "ThreadedEnginePerDevice")
        SN_LOG(kWarning, "SHARPNET_ENGINE='", k, "' is not naive or threaded; using threaded");
    }
    if (const char* n = std::getenv("SHARPNET_CPU_WORKER_NTHREADS")) {
      int workers = std::atoi(n);
      if (workers >= 1) state->config.cpu_compute_workers = workers;
    }
    return state;
  }();
  return *g;
}

void check_not_started(const GlobalEngine& g, const char* what) {
  SN_CHECK_WITH_CODE_(kInvalidState, g.engine == nullptr, what,
                      ": the engine has already started (the first operation starts it); change this setting before "
                      "creating any array");
}

}  // namespace

Engine& Engine::get() {
  GlobalEngine& g = global();
  if (Engine* e = g.ready.load(std::memory_order_acquire)) return *e;
  std::lock_guard lock(g.mutex);
  if (g.engine == nullptr) {
    SN_CHECK_WITH_CODE_(kInvalidState, !g.shut_down, "engine: Sharpnet has been shut down; no further work can run");
    g.engine = create(g.config).release();
    g.ready.store(g.engine, std::memory_order_release);
    SN_LOG(kDebug, "engine started: ", g.config.kind == EngineKind::kNaive ? "naive" : "threaded", ", ",
           g.config.cpu_compute_workers, " compute and ", g.config.cpu_copy_workers, " copy worker(s) per CPU device");
  }
  return *g.engine;
}

std::unique_ptr<Engine> Engine::create(const EngineConfig& config) {
  SN_CHECK(config.cpu_compute_workers >= 1, "engine: cpu_compute_workers expects a count >= 1, got ",
           config.cpu_compute_workers);
  SN_CHECK(config.cpu_copy_workers >= 1, "engine: cpu_copy_workers expects a count >= 1, got ", config.cpu_copy_workers);
  SN_CHECK(config.max_pending_ops >= 1, "engine: max_pending_ops expects a count >= 1, got ", config.max_pending_ops);
  return config.kind == EngineKind::kNaive ? make_naive_engine(config) : make_threaded_engine(config);
}

EngineConfig engine_settings() {
  GlobalEngine& g = global();
  std::lock_guard lock(g.mutex);
  return g.config;
}

void set_engine_kind(EngineKind kind) {
  SN_CHECK(kind == EngineKind::kThreaded || kind == EngineKind::kNaive,
           "set_engine_kind: argument 'kind' expects threaded (0) or naive (1), got ", static_cast<int>(kind));
  GlobalEngine& g = global();
  std::lock_guard lock(g.mutex);
  check_not_started(g, "set_engine_kind");
  g.config.kind = kind;
}

void set_cpu_workers(int compute, int copy) {
  SN_CHECK(compute >= 1 && compute <= 1024, "set_cpu_workers: argument 'compute' expects a count in [1, 1024], got ",
           compute);
  SN_CHECK(copy >= 1 && copy <= 1024, "set_cpu_workers: argument 'copy' expects a count in [1, 1024], got ", copy);
  GlobalEngine& g = global();
  std::lock_guard lock(g.mutex);
  check_not_started(g, "set_cpu_workers");
  g.config.cpu_compute_workers = compute;
  g.config.cpu_copy_workers = copy;
}

void set_max_pending_ops(int64_t max_pending) {
  SN_CHECK(max_pending >= 1, "set_max_pending_ops: argument 'max_pending' expects a count >= 1, got ", max_pending);
  GlobalEngine& g = global();
  std::lock_guard lock(g.mutex);
  g.config.max_pending_ops = max_pending;
  if (g.engine != nullptr) g.engine->set_max_pending_ops(max_pending);
}

bool engine_started() noexcept {
  GlobalEngine& g = global();
  std::lock_guard lock(g.mutex);
  return g.engine != nullptr;
}

void shutdown_engine() noexcept {
  GlobalEngine& g = global();
  Engine* engine = nullptr;
  {
    std::lock_guard lock(g.mutex);
    engine = g.engine;
    g.shut_down = true;
  }
  if (engine != nullptr) engine->shutdown();  // the object stays: late frees from finalizers still land
}

}  // namespace sn
