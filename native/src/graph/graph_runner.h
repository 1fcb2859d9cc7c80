// Running a graph over planned memory: the engine of the executor (and of anything that runs the
// same graph many times).
#pragma once

#include <memory>
#include <span>
#include <unordered_map>
#include <vector>

#include "graph/infer.h"
#include "graph/plan_memory.h"
#include "ndarray/ndarray.h"

namespace sn {

// Buffers that several runners use one at a time (MXNet's shared_exec): a runner takes distinct
// buffers of the right dtype and at least the size it planned, and adds the ones it had to create.
class BufferPool {
 public:
  explicit BufferPool(Device device) : device_(std::move(device)) {}
  const Device& device() const noexcept { return device_; }
  // A buffer of `dtype` holding at least `bytes` that is not in `used`; created if none is free.
  NDArray take(size_t bytes, DType dtype, std::vector<const void*>& used);
  size_t bytes() const noexcept;

 private:
  Device device_;
  std::vector<NDArray> buffers_;
};

struct RunnerOptions {
  bool allow_inplace = true;
  bool allow_sharing = true;
  size_t match_range = 16;
  int bulk_max = 15;  // tiny ops pushed as one engine op (MXNet's MXNET_EXEC_BULK_EXEC_MAX_NODE_TRAIN)
};

// Note [Planned runner]
// Built once from a graph whose every entry has a known shape and dtype: the
// memory plan (Note [Memory plan]) gives each entry a view of a buffer, so
// every kernel's tensors are fixed at build time, and each op step becomes a
// pre-built engine operator (its variables deduplicated once), one per
// training flag. Running a range of steps only pushes them: runs of tiny ops
// (kTinyOpElements) are bulked into one engine op, and steps that draw random
// numbers are pushed with the (seed, sequence) key of their turn. Errors in a
// kernel poison what it writes, as any engine op. Variables' entries, and any
// other entry given in `external`, live in the caller's arrays, which must
// have exactly the entry's shape, dtype and device (a kernel writes the
// inferred shape). Bad graphs (an op without a kernel for the device, an
// unsupported dtype, a custom function) are refused at build, naming the node.
class GraphRunner {
 public:
  // `graph`: the nodes in execution order (variables included); `shapes`/`dtypes`: per entry, all
  // known; `external`: entry id -> array (every variable's entry must be there); `keep`: entries
  // alive until the end (the outputs). Steps are the op nodes, in order.
  GraphRunner(const IndexedGraph& graph, const std::vector<Shape>& shapes, const std::vector<int>& dtypes,
              const std::unordered_map<size_t, NDArray>& external, std::span<const size_t> keep, const Device& device,
              const RunnerOptions& options, std::shared_ptr<BufferPool> pool);
  ~GraphRunner();
  GraphRunner(const GraphRunner&) = delete;
  GraphRunner& operator=(const GraphRunner&) = delete;

  size_t num_steps() const noexcept;
  // Pushes steps [begin, end).
  void run(size_t begin, size_t end, bool is_train);
  // The array of entry `e` (a view of its buffer, or the caller's array).
  const NDArray& value(size_t e) const { return values_[e]; }
  const MemoryPlan& plan() const noexcept { return plan_; }
  const std::shared_ptr<BufferPool>& pool() const noexcept { return pool_; }

 private:
  struct State;
  std::shared_ptr<State> state_;
  std::vector<NDArray> values_;
  MemoryPlan plan_;
  std::shared_ptr<BufferPool> pool_;
  int bulk_max_;
};

}  // namespace sn
