// Memory planning: which buffer each entry of a graph lives in, for a fixed execution order.
#pragma once

#include <cstddef>
#include <cstdint>
#include <utility>
#include <vector>

namespace sn {

// Note [Memory plan]
// The executor runs a graph in one order over buffers decided once, at bind
// (MXNet's PlanMemory). Walking the steps in order:
//  1. in place: an output takes the buffer of the input a declared in-place
//     pair names when this step is that input's last reader (and reads it
//     once), the sizes and kinds agree and neither is caller-owned; the
//     buffer then passes on without being released;
//  2. every other output requests a free buffer: the smallest one at least
//     its size within `match_range` times it, else the largest smaller one
//     within 1/match_range (which grows), else a new one;
//  3. inputs whose last reader this was, and outputs nobody reads, return
//     their buffer to the free list. A buffer is never handed out while an
//     entry in it can still be read, because step 2 runs before step 3.
// Entries only share buffers of the same kind (the dtype: buffers are typed
// arrays). Caller-owned entries (arguments, auxiliary states, gradients bound
// to the caller's arrays) are not planned. Entries listed in `keep` (the
// graph's outputs) are never released. The plan reports its bytes next to
// the liveness lower bound for the same order (the most bytes ever live at
// once, in-place pairs counted once: no allocator of this order needs less)
// and the unshared total (every entry its own buffer).
struct PlanRequest {
  struct Step {
    std::vector<uint32_t> inputs, outputs;      // entry ids
    std::vector<std::pair<int, int>> inplace;   // (input slot, output slot) that may share
  };
  std::vector<Step> steps;        // in execution order
  std::vector<size_t> bytes;      // per entry
  std::vector<int> kind;          // per entry
  std::vector<bool> external;     // per entry: caller-owned, not planned
  std::vector<uint32_t> keep;     // entries alive until the end
  size_t match_range = 16;        // MXNet's MXNET_EXEC_MATCH_RANGE
  bool allow_inplace = true;
  bool allow_sharing = true;      // false: every entry its own buffer
};

struct MemoryPlan {
  static constexpr int kExternal = -1;
  std::vector<int> block;            // per entry: its buffer, or kExternal
  std::vector<size_t> block_bytes;   // per buffer
  std::vector<int> block_kind;
  size_t planned_bytes = 0;          // sum of the buffers
  size_t lower_bound_bytes = 0;      // liveness lower bound of this order
  size_t unshared_bytes = 0;         // every planned entry its own buffer
  size_t inplace_pairs = 0;          // outputs that took their input's buffer
};

// Plans `request` (errors: an entry read before any step writes it, unless external).
MemoryPlan plan_memory(const PlanRequest& request);

}  // namespace sn
