// The threaded engine: per-variable read/write queues and per-device worker pools.
#include <pthread.h>

#include <algorithm>
#include <array>
#include <chrono>
#include <condition_variable>
#include <queue>
#include <thread>
#include <unordered_map>
#include <utility>

#include "core/error.h"
#include "core/logging.h"
#include "core/recycler.h"
#include "core/threading.h"
#include "engine/engine_impl.h"

namespace sn {

// One push of an op, in flight. A one-off push carries its op inline (one
// allocation per push); a pre-built operator's pushes point at the shared op.
struct OprBlock {
  EngineOpr* opr;
  EngineOpr own;
  void* engine;  // the ThreadedEngine that owns it
  Device device;
  int priority;
  uint64_t seq;
  std::atomic<int> wait{0};  // vars not yet granted, plus one while registering
  std::atomic<bool> completed{false};
  // One reference for the running function, one for the completion: the op's
  // function object must outlive a completion signalled from inside it.
  std::atomic<int> refs{2};
};

namespace {

// Blocks go from the pushing thread to a worker and back (Note [Recycler]).
OprBlock* make_block() { return recycled_new<OprBlock>(); }
void destroy_block(OprBlock* block) noexcept { recycled_delete(block); }

class ThreadedEngine;
SN_HOT_THREAD_LOCAL const ThreadedEngine* t_worker_of = nullptr;  // set on this engine's worker threads

using ReadyList = SmallVector<OprBlock*, 8>;

// Note [Spinning before sleeping]
// Waking a sleeping thread costs tens of microseconds on a virtual machine
// (the idle vCPU must be rescheduled), paid twice per push -> wait (worker,
// then waiter). So a worker that just ran an op, and a thread that waits,
// spin for a short while before sleeping, and a condition is signalled only
// when someone sleeps on it. The spin is bounded in time (kSpinFor), so idle
// workers do not take cores from a busy operator's OpenMP threads for long.
constexpr auto kSpinFor = std::chrono::microseconds(50);

inline void cpu_relax() noexcept {
#if defined(__x86_64__) || defined(__i386__)
  __builtin_ia32_pause();
#else
  std::this_thread::yield();
#endif
}

// Spins until pred() holds or kSpinFor passes; returns pred().
template <class Pred>
bool spin_until(Pred pred) {
  auto deadline = std::chrono::steady_clock::now() + kSpinFor;
  for (int i = 1;; ++i) {
    if (pred()) return true;
    cpu_relax();
    if ((i & 63) == 0 && std::chrono::steady_clock::now() > deadline) return pred();
  }
}

// Ready ops of one pool, highest priority first, then push order.
class WorkerPool {
 public:
  WorkerPool(std::string name, int threads, std::function<void(OprBlock*)> run) : run_(std::move(run)) {
    for (int i = 0; i < threads; ++i) {
      threads_.emplace_back([this, thread_name = str(name, i)] { loop(thread_name); });
    }
  }
  ~WorkerPool() { stop(); }

  // Notifies under the lock: once the op can complete, the pool may be torn
  // down, and this thread must not touch it after unlocking.
  void enqueue(OprBlock* block) {
    std::lock_guard lock(mutex_);
    queue_.push(block);
    queued_.fetch_add(1, std::memory_order_release);
    if (sleepers_ > 0) cv_.notify_one();
  }

  // Lets the queue drain, then joins the threads.
  void stop() noexcept {
    {
      std::lock_guard lock(mutex_);
      if (stopping_) return;
      stopping_ = true;
      stopping_flag_.store(true);
      cv_.notify_all();
    }
    for (auto& t : threads_)
      if (t.joinable()) t.join();
  }

 private:
  struct Order {
    bool operator()(const OprBlock* a, const OprBlock* b) const {
      return a->priority != b->priority ? a->priority < b->priority : a->seq > b->seq;
    }
  };

  void loop(const std::string& name) {
    pthread_setname_np(pthread_self(), name.substr(0, 15).c_str());
    while (true) {
      spin_until([&] { return queued_.load(std::memory_order_acquire) > 0 || stopping_flag_.load(); });
      OprBlock* block = nullptr;
      {
        std::unique_lock lock(mutex_);
        if (queue_.empty() && !stopping_) {
          ++sleepers_;
          cv_.wait(lock, [&] { return stopping_ || !queue_.empty(); });
          --sleepers_;
        }
        if (queue_.empty()) {
          stopping_flag_.store(true);
          return;  // stopping and drained
        }
        block = queue_.top();
        queue_.pop();
        queued_.fetch_sub(1, std::memory_order_relaxed);
      }
      run_(block);  // never throws: the engine's execute is the exception barrier
    }
  }

  std::function<void(OprBlock*)> run_;
  std::mutex mutex_;
  std::condition_variable cv_;
  std::priority_queue<OprBlock*, std::vector<OprBlock*>, Order> queue_;
  std::atomic<int> queued_{0};  // queue_.size(), readable without the lock while spinning
  int sleepers_ = 0;
  bool stopping_ = false;
  std::atomic<bool> stopping_flag_{false};
  std::vector<std::thread> threads_;
};

struct DevicePools {
  std::unique_ptr<WorkerPool> compute;
  std::unique_ptr<WorkerPool> copy;
};

// Note [Bulking]
// Between bulk_begin and bulk_end, ops a thread pushes with FnProperty::kNormal
// on one device are gathered and pushed as one engine op (every max_ops ops,
// on a device change, and before any wait or delete from that thread), so a
// run of tiny ops pays the engine's bookkeeping once. The combined op reads
// the union of what they read and writes the union of what they write; it
// runs the ops in order and keeps poisoning exact per op: an op whose inputs
// (from outside or from an earlier op of the bulk) are poisoned is skipped.
struct BulkState {
  const ThreadedEngine* engine = nullptr;
  int depth = 0;
  int max_ops = 0;
  Device device;
  std::vector<EngineOpr::SubOp> ops;
};
SN_HOT_THREAD_LOCAL BulkState t_bulk;

class ThreadedEngine final : public Engine {
 public:
  explicit ThreadedEngine(const EngineConfig& config) : config_(config), max_pending_(config.max_pending_ops) {}

  ~ThreadedEngine() override { shutdown(); }

  EngineKind kind() const noexcept override { return EngineKind::kThreaded; }

  VarHandle new_var() override {
    check_running("new_var");
    return EngineVar::make();
  }

  uint64_t var_version(VarHandle var) const noexcept override { return var->version.load(std::memory_order_relaxed); }

  void delete_var(VarHandle var, SyncFn on_delete, Device device) noexcept override {
    if (var == nullptr) return;
    flush_bulk_if_mine();
    if (stopped_.load()) {  // after shutdown nothing is pending: free at once
      if (on_delete) report_delete_error(run_sync(on_delete, RunContext{device, 1}));
      EngineVar::free(var);
      return;
    }
    {  // Nothing pending or running on it: free it here, without an op (Note [Running tiny ops in place]).
      std::unique_lock lock(var->mutex);
      if (var->queue.empty() && !var->running_write && var->running_reads == 0 && device.type == DeviceType::kCPU) {
        var->deleted = true;
        lock.unlock();
        if (on_delete) report_delete_error(run_sync(on_delete, RunContext{device, 1}));
        EngineVar::free(var);
        return;
      }
    }
    try {
      OprBlock* block = new_block();
      EngineOpr* opr = block->opr;
      opr->sync_fn = [on_delete = std::move(on_delete)](const RunContext& ctx) {
        if (on_delete) report_delete_error(run_sync(on_delete, ctx));
      };
      opr->writes = {var};
      opr->write_is_read = {0};
      opr->options.property = FnProperty::kDeleteVar;
      opr->options.internal = true;
      opr->options.no_skip = true;
      opr->options.name = "delete_var";
      opr->run_inline = true;
      {
        std::lock_guard lock(var->mutex);
        var->deleted = true;
      }
      push_block(block, device, 0, /*deleting=*/true);
    } catch (...) {
      log_noexcept_failure("delete_var");
    }
  }

  void push(SyncFn fn, const Device& device, std::span<const VarHandle> reads, std::span<const VarHandle> writes,
            const PushOptions& options) override {
    check_running(options.name);
    check_device_available(device, options.name);
    if (t_bulk.depth > 0 && t_bulk.engine == this && options.property == FnProperty::kNormal && !options.no_skip &&
        !options.internal) {
      add_to_bulk(std::move(fn), device, reads, writes, options.name);
      return;
    }
    flush_bulk_if_mine();
    if (options.inline_if_ready && device.type == DeviceType::kCPU && run_in_place(fn, device, reads, writes, options))
      return;
    OprBlock* block = new_block();
    block->opr->sync_fn = std::move(fn);
    block->opr->set_vars(reads, writes);
    block->opr->options = options;
    push_block(block, device, options.priority, false);
  }

  void push_async(AsyncFn fn, const Device& device, std::span<const VarHandle> reads, std::span<const VarHandle> writes,
                  const PushOptions& options) override {
    check_running(options.name);
    check_device_available(device, options.name);
    flush_bulk_if_mine();
    OprBlock* block = new_block();
    block->opr->fn = std::move(fn);
    block->opr->set_vars(reads, writes);
    block->opr->options = options;
    push_block(block, device, options.priority, false);
  }

  OprHandle new_operator(AsyncFn fn, std::span<const VarHandle> reads, std::span<const VarHandle> writes,
                         const PushOptions& options) override {
    return make_operator(std::move(fn), reads, writes, options);
  }

  void push_operator(OprHandle op, const Device& device, int priority) override {
    check_running(op->options.name);
    check_device_available(device, op->options.name);
    SN_INTERNAL_ASSERT(!op->deleted.load(), "push_operator after delete_operator");
    flush_bulk_if_mine();
    OprBlock* block = make_block();
    block->opr = op;
    op->refs.fetch_add(1);
    push_block(block, device, priority, false);
  }

  void delete_operator(OprHandle op) noexcept override {
    if (op == nullptr) return;
    op->deleted.store(true);
    unref_operator(op);
  }

  void wait_for_var(VarHandle var) override {
    check_not_worker("wait_for_var");
    std::exception_ptr poison = wait_readable(var);
    if (poison) std::rethrow_exception(poison);
  }

  void wait_all() override {
    check_not_worker("wait_all");
    flush_bulk_if_mine();
    wait_until([&] { return pending_.load() == 0; });
    std::exception_ptr error;
    {
      std::lock_guard lock(error_mutex_);
      error = std::exchange(first_new_error_, nullptr);
    }
    if (error) std::rethrow_exception(error);
  }

  void notify_when_readable(VarHandle var, std::function<void(std::exception_ptr)> callback) override {
    check_running("notify_when_readable");
    flush_bulk_if_mine();
    OprBlock* block = new_block();
    EngineOpr* opr = block->opr;
    opr->sync_fn = [callback = std::move(callback)](const RunContext& ctx) {
      try {
        callback(ctx.input_poison);
      } catch (...) {
        log_noexcept_failure("a notify_when_readable callback");
      }
    };
    opr->reads = {var};
    opr->options.no_skip = true;
    opr->options.internal = true;
    opr->options.name = "notify_when_readable";
    opr->run_inline = true;
    push_block(block, Device::cpu(), 0, false);
  }

  void bulk_begin(int max_ops) override {
    SN_CHECK(max_ops >= 1, "bulk_begin: argument 'max_ops' expects a count >= 1, got ", max_ops);
    if (t_bulk.depth > 0 && t_bulk.engine != this) flush_bulk();  // another engine's bulk on this thread
    if (t_bulk.depth == 0) t_bulk.max_ops = max_ops;
    t_bulk.engine = this;
    ++t_bulk.depth;
  }

  void bulk_end() override {
    if (t_bulk.engine != this || t_bulk.depth == 0) return;
    if (--t_bulk.depth == 0) flush_bulk();
  }

  int64_t pending_ops() const noexcept override { return pending_.load(); }

  void set_max_pending_ops(int64_t max_pending) override {
    SN_CHECK(max_pending >= 1, "set_max_pending_ops: argument 'max_pending' expects a count >= 1, got ", max_pending);
    max_pending_.store(max_pending);
    std::lock_guard lock(wait_mutex_);
    wait_cv_.notify_all();
  }

  void shutdown() noexcept override {
    if (stopped_.exchange(true)) return;
    wait_until([&] { return pending_.load() == 0; });
    while (finishing_.load() != 0) std::this_thread::yield();  // completions still leaving
    std::unordered_map<Device, DevicePools> pools;
    {
      std::lock_guard lock(pools_mutex_);
      pools.swap(pools_);
    }
    for (auto& [device, p] : pools) {
      p.compute->stop();
      p.copy->stop();
    }
    for (auto& slot : cpu_pools_) slot.store(nullptr);
    std::lock_guard lock(wait_mutex_);
    wait_cv_.notify_all();
  }

 private:
  void check_running(const char* what) const {
    SN_CHECK_WITH_CODE_(kInvalidState, !stopped_.load(), what, ": the engine has been shut down");
  }

  void check_not_worker(const char* what) const {
    SN_CHECK_WITH_CODE_(kInvalidState, t_worker_of != this, what,
                        ": called from inside an engine operation, where waiting would deadlock");
  }

  static void report_delete_error(std::exception_ptr error) noexcept {
    if (!error) return;
    try {
      std::rethrow_exception(error);
    } catch (const std::exception& e) {
      SN_LOG(kError, "freeing an engine variable failed: ", e.what());
    } catch (...) {
      SN_LOG(kError, "freeing an engine variable failed with an unknown exception");
    }
  }

  static void log_noexcept_failure(const char* what) noexcept {
    try {
      throw;
    } catch (const std::exception& e) {
      SN_LOG(kCritical, what, " failed: ", e.what());
    } catch (...) {
      SN_LOG(kCritical, what, " failed with an unknown exception");
    }
  }

  // --- pushing ---------------------------------------------------------------

  // Note [Running tiny ops in place], the fast path: with every variable of the op locked (in address order,
  // so two threads doing this cannot deadlock; everything else locks one variable at a time) and free, the op
  // runs right here and does a worker's bookkeeping (versions, poison, the new error) without an op block,
  // a queue entry or a pending count. Returns false, having changed nothing, when a variable is busy.
  bool run_in_place(SyncFn& fn, const Device& device, std::span<const VarHandle> reads,
                    std::span<const VarHandle> writes, const PushOptions& options) {
    VarList r, w;
    FlagList write_is_read;
    dedupe_vars(reads, writes, r, w, write_is_read);
    SmallVector<VarHandle, 8> all;
    for (VarHandle v : r) all.push_back(v);
    for (VarHandle v : w) all.push_back(v);
    std::sort(all.begin(), all.end());
    for (VarHandle v : all) v->mutex.lock();
    struct Unlock {
      SmallVector<VarHandle, 8>& vars;
      ~Unlock() {
        for (VarHandle v : vars) v->mutex.unlock();
      }
    } unlock{all};
    bool free = true;
    for (VarHandle v : r) free = free && v->queue.empty() && !v->running_write && !v->deleted;
    for (VarHandle v : w) free = free && v->queue.empty() && !v->running_write && v->running_reads == 0 && !v->deleted;
    if (!free) return false;
    std::exception_ptr inherited;
    for (VarHandle v : r)
      if (!inherited && v->poison) inherited = v->poison;
    for (size_t i = 0; i < w.size(); ++i)
      if (!inherited && write_is_read[i] && w[i]->poison) inherited = w[i]->poison;
    if (!options.internal)
      for (VarHandle v : w) v->version.fetch_add(1, std::memory_order_relaxed);
    std::exception_ptr result;
    bool new_error = false;
    if (inherited && !options.no_skip) {
      result = inherited;  // skipped: the poison passes on
    } else {
      RunContext ctx{device, 1};
      ctx.input_poison = inherited;
      result = run_sync(fn, ctx);
      new_error = result != nullptr;
    }
    for (VarHandle v : w) v->poison = result;
    if (new_error) {
      std::lock_guard lock(error_mutex_);
      if (!first_new_error_) first_new_error_ = result;
    }
    return true;
  }

  static OprBlock* new_block() {
    OprBlock* block = make_block();
    block->opr = &block->own;
    return block;
  }

  // Blocks until pred() holds: spins first (Note [Spinning before sleeping]),
  // then sleeps on wait_cv_, which finish() signals when someone waits.
  template <class Pred>
  void wait_until(Pred pred) {
    if (spin_until(pred)) return;
    waiters_.fetch_add(1);
    {
      std::unique_lock lock(wait_mutex_);
      while (!pred()) wait_cv_.wait(lock);
    }
    waiters_.fetch_sub(1);
  }

  void push_block(OprBlock* block, const Device& device, int priority, bool deleting) {
    EngineOpr* opr = block->opr;
    const bool user = !opr->options.internal && opr->options.property != FnProperty::kDeleteVar;
    // Back-pressure (user pushes only, never on a worker: it would deadlock), with hysteresis: a blocked
    // producer resumes once the queue drains to the low-water mark, so it is woken once per batch, not per
    // completed op. The bound is approximate under concurrent producers.
    if (user && t_worker_of != this && pending_user_.load() >= max_pending_.load()) {
      wait_until([&] { return pending_user_.load() <= low_water() || stopped_.load(); });
    }
    pending_.fetch_add(1);
    if (user) pending_user_.fetch_add(1);
    block->engine = this;
    block->device = device;
    block->priority = priority;
    block->seq = seq_.fetch_add(1, std::memory_order_relaxed);
    block->wait.store(static_cast<int>(opr->reads.size() + opr->writes.size()) + 1);
    // Read before the block is published: once the last grant happens elsewhere it may run, complete and be
    // recycled by another thread before this one looks at it again.
    const bool may_inline = opr->options.inline_if_ready && device.type == DeviceType::kCPU;
    ReadyList ready;
    for (VarHandle v : opr->reads) append(v, block, false, ready);
    for (VarHandle v : opr->writes) append(v, block, true, ready, deleting);
    if (block->wait.fetch_sub(1) == 1) ready.push_back(block);
    if (may_inline && !ready.empty() && ready.back() == block) {
      ready.pop_back();  // ready at push: run here (Note [Running tiny ops in place])
      dispatch(ready);
      execute(block);
      return;
    }
    dispatch(ready);
  }

  // invariant: a granted entry is counted in running_reads/running_write, a
  // waiting one sits in queue; grants only ever decrement a block's wait.
  void append(VarHandle v, OprBlock* block, bool write, ReadyList& ready, bool deleting = false) {
    bool granted = false;
    {
      std::lock_guard lock(v->mutex);
      SN_INTERNAL_ASSERT(deleting || !v->deleted, "op '", block->opr->options.name,
                         "' uses an engine variable that was deleted");
      if (write) {
        if (!block->opr->options.internal) v->version.fetch_add(1, std::memory_order_relaxed);
        granted = v->queue.empty() && !v->running_write && v->running_reads == 0;
        if (granted) v->running_write = true;
      } else {
        granted = v->queue.empty() && !v->running_write;
        if (granted) ++v->running_reads;
      }
      if (!granted) v->queue.push_back({block, write});
    }
    if (granted && block->wait.fetch_sub(1) == 1) ready.push_back(block);
  }

  // Grants the head of v's queue as far as the running set allows (v locked).
  static void grant_head(VarHandle v, ReadyList& ready) {
    while (!v->queue.empty()) {
      EngineVar::Entry e = v->queue.front();
      if (e.write) {
        if (v->running_write || v->running_reads > 0) return;
        v->running_write = true;
        v->queue.pop_front();
        if (e.block->wait.fetch_sub(1) == 1) ready.push_back(e.block);
        return;
      }
      if (v->running_write) return;
      ++v->running_reads;
      v->queue.pop_front();
      if (e.block->wait.fetch_sub(1) == 1) ready.push_back(e.block);
    }
  }

  void dispatch(ReadyList& ready) {
    for (OprBlock* block : ready) {
      if (block->opr->run_inline) {
        execute(block);
        continue;
      }
      DevicePools& pools = pools_for(block->device);
      (block->opr->options.property == FnProperty::kNormal ? pools.compute : pools.copy)->enqueue(block);
    }
    ready.clear();
  }

  DevicePools& pools_for(const Device& device) {
    const bool fast = device.type == DeviceType::kCPU && device.id < kFastCpuIds;
    if (fast) {
      if (DevicePools* p = cpu_pools_[static_cast<size_t>(device.id)].load(std::memory_order_acquire)) return *p;
    }
    std::lock_guard lock(pools_mutex_);
    auto it = pools_.find(device);
    if (it != pools_.end()) return it->second;
    DevicePools& p = pools_[device];  // unordered_map values never move
    std::string base = str(device_type_name(device.type).substr(0, 3), device.id);
    p.compute = std::make_unique<WorkerPool>(base + "-comp", config_.cpu_compute_workers,
                                             [this](OprBlock* b) { run_on_worker(b, true); });
    p.copy = std::make_unique<WorkerPool>(base + "-copy", config_.cpu_copy_workers,
                                          [this](OprBlock* b) { run_on_worker(b, false); });
    if (fast) cpu_pools_[static_cast<size_t>(device.id)].store(&p, std::memory_order_release);
    return p;
  }

  // --- running ---------------------------------------------------------------

  void run_on_worker(OprBlock* block, bool compute) noexcept {
    t_worker_of = this;
    int busy = busy_workers_.fetch_add(1) + 1;
    execute(block, compute ? std::max(1, intra_op_threads() / busy) : 1);
    busy_workers_.fetch_sub(1);
  }

  void execute(OprBlock* block, int num_threads = 1) noexcept {
    EngineOpr* opr = block->opr;
    RunContext ctx{block->device, num_threads};
    std::exception_ptr inherited = opr->bulk.empty() ? first_poisoned_input(*opr) : nullptr;
    if (!opr->bulk.empty()) {
      run_bulk(block, ctx);
    } else if (inherited && !opr->options.no_skip) {
      finish(block, inherited, /*new_error=*/false);
    } else if (opr->sync_fn) {
      ctx.input_poison = std::move(inherited);
      std::exception_ptr error = run_sync(opr->sync_fn, ctx);
      bool failed = error != nullptr;
      finish(block, std::move(error), failed);
    } else {
      ctx.input_poison = std::move(inherited);
      try {
        opr->fn(ctx, EngineImplAccess::make(&ThreadedEngine::async_done_trampoline, block));
      } catch (...) {
        finish(block, std::current_exception(), /*new_error=*/true);
      }
    }
    release_block(block);
  }

  // Drops one of the block's two references; the last frees the block and its
  // op's function (and whatever it captured: arrays, chunks), then stops
  // counting the op as pending, so wait_all returns only after captures are gone.
  static void release_block(OprBlock* block) noexcept {
    if (block->refs.fetch_sub(1) != 1) return;
    auto* engine = static_cast<ThreadedEngine*>(block->engine);
    EngineOpr* shared = block->opr == &block->own ? nullptr : block->opr;
    const bool user = !block->opr->options.internal && block->opr->options.property != FnProperty::kDeleteVar;
    destroy_block(block);
    if (shared != nullptr) unref_operator(shared);
    engine->op_released(user);
  }

  // Where a producer blocked by back-pressure resumes.
  int64_t low_water() const noexcept {
    int64_t max = max_pending_.load();
    return max - (max + 3) / 4;
  }

  void op_released(bool user) noexcept {
    finishing_.fetch_add(1);  // before the decrement: a waiter that sees 0 pending also sees this
    int64_t users_left = user ? pending_user_.fetch_sub(1) - 1 : -1;
    int64_t left = pending_.fetch_sub(1) - 1;
    // Waiters wait for 0 pending (wait_all) or for the low-water mark (back-pressure): signal exactly there.
    // A waiter registers before re-checking the counters; seeing it here means it may need the signal.
    if ((left == 0 || users_left == low_water()) && waiters_.load() > 0) {
      std::lock_guard lock(wait_mutex_);
      wait_cv_.notify_all();
    }
    finishing_.fetch_sub(1);  // the last touch of the engine: shutdown waits for it
  }

  static void async_done_trampoline(void* b, std::exception_ptr error, bool is_new) noexcept {
    auto* block = static_cast<OprBlock*>(b);
    static_cast<ThreadedEngine*>(block->engine)->finish(block, std::move(error), is_new);
  }

  void run_bulk(OprBlock* block, const RunContext& ctx) noexcept {
    EngineOpr* opr = block->opr;
    // Poison as seen by the ops of the bulk: starts from the vars', follows the ops in order.
    std::unordered_map<VarHandle, std::exception_ptr> poison;
    for (VarHandle v : opr->reads) poison[v] = v->read_poison();
    for (VarHandle v : opr->writes) poison[v] = v->read_poison();
    std::exception_ptr first_error;
    for (const auto& op : opr->bulk) {
      std::exception_ptr inherited;
      for (VarHandle v : op.reads)
        if (!inherited && poison[v]) inherited = poison[v];
      for (size_t i = 0; i < op.writes.size() && !inherited; ++i)
        if (op.write_is_read[i] && poison[op.writes[i]]) inherited = poison[op.writes[i]];
      std::exception_ptr result = inherited ? inherited : run_sync(op.fn, ctx);
      if (result && !inherited && !first_error) first_error = result;
      for (VarHandle v : op.writes) poison[v] = result;
    }
    std::vector<std::exception_ptr> write_poison;
    write_poison.reserve(opr->writes.size());
    for (VarHandle v : opr->writes) write_poison.push_back(poison[v]);
    finish(block, first_error, first_error != nullptr, &write_poison);
  }

  // Completes a block: releases its vars (setting or clearing their poison),
  // records a new error, frees the block. Exactly once per block.
  void finish(OprBlock* block, std::exception_ptr error, bool new_error,
              const std::vector<std::exception_ptr>* write_poison = nullptr) noexcept {
    if (block->completed.exchange(true)) {
      SN_LOG(kCritical, "engine op '", block->opr->options.name, "' completed twice; the second completion is ignored");
      return;
    }
    EngineOpr* opr = block->opr;
    ReadyList ready;
    try {
      for (VarHandle v : opr->reads) {
        std::lock_guard lock(v->mutex);
        if (--v->running_reads == 0) grant_head(v, ready);
      }
      for (size_t i = 0; i < opr->writes.size(); ++i) {
        VarHandle v = opr->writes[i];
        bool free_var = false;
        {
          std::lock_guard lock(v->mutex);
          v->running_write = false;
          v->poison = write_poison ? (*write_poison)[i] : error;
          free_var = v->deleted && opr->options.property == FnProperty::kDeleteVar;
          if (!free_var) grant_head(v, ready);
        }
        if (free_var) EngineVar::free(v);
      }
      if (new_error && error) {
        std::lock_guard lock(error_mutex_);
        if (!first_new_error_) first_new_error_ = error;
      }
    } catch (...) {
      log_noexcept_failure("completing an engine op");
    }
    try {
      dispatch(ready);
    } catch (...) {
      log_noexcept_failure("dispatching ready engine ops");
    }
    release_block(block);  // the op stays pending until its function is destroyed
  }

  static void unref_operator(EngineOpr* opr) noexcept {
    if (opr->refs.fetch_sub(1) == 1) delete opr;
  }

  std::exception_ptr wait_readable(VarHandle var) {
    struct Waiter {
      std::mutex mutex;
      std::condition_variable cv;
      std::atomic<bool> done{false};
      bool sleeping = false;
      std::exception_ptr poison;
    };
    auto waiter = std::make_shared<Waiter>();
    notify_when_readable(var, [waiter](std::exception_ptr poison) {
      std::lock_guard lock(waiter->mutex);
      waiter->poison = std::move(poison);
      waiter->done.store(true, std::memory_order_release);
      if (waiter->sleeping) waiter->cv.notify_all();
    });
    if (!spin_until([&] { return waiter->done.load(std::memory_order_acquire); })) {
      std::unique_lock lock(waiter->mutex);
      waiter->sleeping = true;
      waiter->cv.wait(lock, [&] { return waiter->done.load(); });
    }
    std::lock_guard lock(waiter->mutex);
    return waiter->poison;
  }

  // --- bulking ---------------------------------------------------------------

  void add_to_bulk(SyncFn fn, const Device& device, std::span<const VarHandle> reads, std::span<const VarHandle> writes,
                   const char* name) {
    if (!t_bulk.ops.empty() && t_bulk.device != device) flush_bulk();
    t_bulk.device = device;
    EngineOpr::SubOp op;
    op.fn = std::move(fn);
    op.name = name;
    dedupe_vars(reads, writes, op.reads, op.writes, op.write_is_read);
    t_bulk.ops.push_back(std::move(op));
    if (static_cast<int>(t_bulk.ops.size()) >= t_bulk.max_ops) flush_bulk();
  }

  void flush_bulk_if_mine() {
    if (t_bulk.engine == this && !t_bulk.ops.empty()) flush_bulk();
  }

  void flush_bulk() {
    if (t_bulk.ops.empty()) return;
    std::vector<VarHandle> reads, writes;  // unions; set_vars dedupes them
    for (const auto& op : t_bulk.ops) {
      reads.insert(reads.end(), op.reads.begin(), op.reads.end());
      writes.insert(writes.end(), op.writes.begin(), op.writes.end());
      for (size_t i = 0; i < op.writes.size(); ++i)
        if (op.write_is_read[i]) reads.push_back(op.writes[i]);
    }
    OprBlock* block = new_block();
    block->opr->set_vars(reads, writes);
    block->opr->options.name = "bulk";
    block->opr->options.no_skip = true;  // run_bulk applies poisoning per op
    block->opr->bulk = std::move(t_bulk.ops);
    t_bulk.ops.clear();
    push_block(block, t_bulk.device, 0, false);
  }

  // Counters written on every op by producers and workers each get a cache line: sharing one would
  // bounce it between the pushing thread and the worker on every op.
  const EngineConfig config_;
  std::atomic<bool> stopped_{false};
  alignas(64) std::atomic<uint64_t> seq_{0};
  alignas(64) std::atomic<int> busy_workers_{0};

  alignas(64) std::atomic<int64_t> pending_{0};       // pushed, not finished
  alignas(64) std::atomic<int64_t> pending_user_{0};  // of which user pushes (back-pressure counts these)
  alignas(64) std::atomic<int64_t> max_pending_;      // read-mostly
  std::atomic<int> waiters_{0};                       // threads sleeping in wait_until (read-mostly)
  alignas(64) std::atomic<int> finishing_{0};         // op_released calls still touching the engine
  std::mutex wait_mutex_;
  std::condition_variable wait_cv_;

  std::mutex error_mutex_;
  std::exception_ptr first_new_error_;

  static constexpr int kFastCpuIds = 64;
  std::array<std::atomic<DevicePools*>, kFastCpuIds> cpu_pools_{};  // lock-free lookup of cpu(0..63)
  std::mutex pools_mutex_;
  std::unordered_map<Device, DevicePools> pools_;
};

}  // namespace

std::unique_ptr<Engine> make_threaded_engine(const EngineConfig& config) {
  return std::make_unique<ThreadedEngine>(config);
}

}  // namespace sn
