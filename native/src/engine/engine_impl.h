// Engine internals shared by the threaded and naive engines.
#pragma once

#include <atomic>
#include <deque>
#include <mutex>
#include <vector>

#include "core/recycler.h"
#include "core/small_vector.h"
#include "engine/engine.h"

namespace sn {

struct OprBlock;

// Note [Poisoning]
// An exception inside an op marks the variables it writes with that
// exception. An op reading a poisoned variable is skipped (unless it is
// no_skip) and passes the poison on to what it writes, so everything
// downstream is skipped too. Waiting on a poisoned variable rethrows its
// exception every time, until an op that reads nothing poisoned writes the
// variable successfully, which clears it. wait_all reports only errors raised
// by ops themselves ("new" errors), the first one since the previous
// wait_all, once. Nothing is ever readable as uninitialised memory, and
// nothing aborts.

class EngineVar {
 public:
  struct Entry {
    OprBlock* block;
    bool write;
  };

  std::mutex mutex;
  // invariant: entries wait here only while they cannot be granted; the head
  // is granted as soon as the running set allows (reads together, writes alone).
  std::deque<Entry> queue;
  int running_reads = 0;
  bool running_write = false;
  bool deleted = false;  // a delete was pushed: no further pushes may name this var
  std::exception_ptr poison;
  std::atomic<uint64_t> version{0};

  std::exception_ptr read_poison() {
    std::lock_guard lock(mutex);
    return poison;
  }

  // Variables are recycled alive (ObjectRecycler, Note [Recycler]): a new array's variable costs no
  // allocation (the queue keeps its storage), and one freed on a worker returns to the pushing threads.
  static EngineVar* make() {
    EngineVar* v = ObjectRecycler<EngineVar>::take();
    v->running_reads = 0;
    v->running_write = false;
    v->deleted = false;
    v->poison = nullptr;
    v->version.store(0, std::memory_order_relaxed);
    return v;
  }
  static void free(EngineVar* v) noexcept {
    v->poison = nullptr;  // release the exception now, not when the variable is reused
    ObjectRecycler<EngineVar>::give(v);
  }
};

using VarList = SmallVector<VarHandle, 4>;
using FlagList = SmallVector<uint8_t, 4>;

// An op's function and its deduplicated variables.
class EngineOpr {
 public:
  SyncFn sync_fn;  // set for push(): completes when it returns
  AsyncFn fn;      // set for push_async()/operators: completes through OnComplete
  VarList reads;        // read-only vars
  VarList writes;       // written vars
  FlagList write_is_read;  // per write: also read (its poison skips the op)
  PushOptions options;
  bool run_inline = false;  // tiny internal ops (frees, notifications) run where they become ready
  // Pre-built operators: one reference for their creator (dropped by
  // delete_operator) and one per push in flight; the last one frees the op.
  std::atomic<int> refs{1};
  std::atomic<bool> deleted{false};  // delete_operator was called (a later push is a bug)

  // Bulk: the sub-ops run in order inside this one engine op (Note [Bulking]).
  struct SubOp {
    SyncFn fn;
    VarList reads;
    VarList writes;
    FlagList write_is_read;
    const char* name;
  };
  std::vector<SubOp> bulk;

  void set_vars(std::span<const VarHandle> r, std::span<const VarHandle> w);
};

// A pre-built operator (Engine::new_operator), the same for both engines.
EngineOpr* make_operator(AsyncFn fn, std::span<const VarHandle> reads, std::span<const VarHandle> writes,
                         const PushOptions& options);

// Splits (reads, writes) into unique read-only vars and unique written vars.
void dedupe_vars(std::span<const VarHandle> reads, std::span<const VarHandle> writes, VarList& out_reads,
                 VarList& out_writes, FlagList& out_write_is_read);

// Runs an op's function with the exception barrier; returns its error.
std::exception_ptr run_sync(const SyncFn& fn, const RunContext& ctx) noexcept;

// The poison of the first poisoned input of `opr` (reads, then read-writes), or null.
std::exception_ptr first_poisoned_input(const EngineOpr& opr);

// Grants OnComplete access to the engine's completion hook.
class EngineImplAccess {
 public:
  static OnComplete make(void (*fn)(void*, std::exception_ptr, bool) noexcept, void* block) {
    OnComplete c;
    c.fn_ = fn;
    c.block_ = block;
    return c;
  }
};

std::unique_ptr<Engine> make_threaded_engine(const EngineConfig& config);
std::unique_ptr<Engine> make_naive_engine(const EngineConfig& config);

}  // namespace sn
