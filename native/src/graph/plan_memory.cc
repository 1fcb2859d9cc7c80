#include "graph/plan_memory.h"

#include <algorithm>
#include <map>

#include "core/error.h"

namespace sn {

namespace {

constexpr int kUnassigned = -2;

// Free buffers by size (Note [Memory plan] step 2).
class BlockAllocator {
 public:
  BlockAllocator(MemoryPlan& plan, size_t match_range, bool share)
      : plan_(plan), range_(std::max<size_t>(match_range, 1)), share_(share) {}

  int request(size_t bytes, int kind) {
    if (share_) {
      // The smallest free buffer at least this big, within range.
      const size_t hi = bytes > SIZE_MAX / range_ ? SIZE_MAX : bytes * range_;
      for (auto it = free_.lower_bound(bytes); it != free_.end() && it->first <= hi; ++it) {
        if (plan_.block_kind[static_cast<size_t>(it->second)] != kind) continue;
        const int b = it->second;
        free_.erase(it);
        return b;
      }
      // Else the largest smaller one within range, grown to this size.
      const size_t lo = bytes / range_;
      for (auto it = free_.lower_bound(bytes); it != free_.begin();) {
        --it;
        if (it->first < lo) break;
        if (plan_.block_kind[static_cast<size_t>(it->second)] != kind) continue;
        const int b = it->second;
        plan_.block_bytes[static_cast<size_t>(b)] = bytes;
        free_.erase(it);
        return b;
      }
    }
    plan_.block_bytes.push_back(bytes);
    plan_.block_kind.push_back(kind);
    return static_cast<int>(plan_.block_bytes.size() - 1);
  }

  void release(int block) { free_.emplace(plan_.block_bytes[static_cast<size_t>(block)], block); }

 private:
  MemoryPlan& plan_;
  size_t range_;
  bool share_;
  std::multimap<size_t, int> free_;
};

}  // namespace

MemoryPlan plan_memory(const PlanRequest& r) {
  const size_t n = r.bytes.size();
  SN_INTERNAL_ASSERT(r.kind.size() == n && r.external.size() == n, "plan_memory: per-entry lists differ in length");
  MemoryPlan plan;
  plan.block.assign(n, kUnassigned);
  std::vector<int> refs(n, 0);
  for (const auto& s : r.steps)
    for (uint32_t e : s.inputs) ++refs[e];
  for (uint32_t e : r.keep) ++refs[e];
  std::vector<bool> donated(n, false);
  // Liveness for the lower bound: the step that writes each entry and the last that reads it.
  std::vector<size_t> born(n, SIZE_MAX), last(n, 0);

  BlockAllocator alloc(plan, r.match_range, r.allow_sharing);
  std::vector<int> taken;
  for (size_t t = 0; t < r.steps.size(); ++t) {
    const PlanRequest::Step& s = r.steps[t];
    for (uint32_t e : s.inputs) {
      SN_INTERNAL_ASSERT(r.external[e] || plan.block[e] != kUnassigned, "plan_memory: step ", t, " reads entry ", e,
                         " before any step writes it");
      last[e] = t;
    }
    taken.clear();
    if (r.allow_inplace) {
      for (auto [in_slot, out_slot] : s.inplace) {
        const uint32_t in = s.inputs[static_cast<size_t>(in_slot)];
        const uint32_t out = s.outputs[static_cast<size_t>(out_slot)];
        if (r.external[in] || r.external[out] || plan.block[out] != kUnassigned || refs[in] != 1) continue;
        if (r.bytes[in] != r.bytes[out] || r.kind[in] != r.kind[out]) continue;
        const int b = plan.block[in];
        if (std::find(taken.begin(), taken.end(), b) != taken.end()) continue;
        taken.push_back(b);
        plan.block[out] = b;
        donated[in] = true;
        ++plan.inplace_pairs;
      }
    }
    for (uint32_t e : s.outputs) {
      born[e] = t;
      last[e] = t;
      if (r.external[e]) {
        plan.block[e] = MemoryPlan::kExternal;
        continue;
      }
      plan.unshared_bytes += r.bytes[e];
      if (plan.block[e] == kUnassigned) plan.block[e] = alloc.request(r.bytes[e], r.kind[e]);
    }
    for (uint32_t e : s.inputs)
      if (!r.external[e] && --refs[e] == 0 && !donated[e]) alloc.release(plan.block[e]);
    for (uint32_t e : s.outputs)
      if (!r.external[e] && refs[e] == 0) alloc.release(plan.block[e]);
  }
  for (size_t e = 0; e < n; ++e)
    if (plan.block[e] == kUnassigned) plan.block[e] = MemoryPlan::kExternal;
  for (uint32_t e : r.keep) last[e] = r.steps.empty() ? 0 : r.steps.size() - 1;
  for (size_t b : plan.block_bytes) plan.planned_bytes += b;

  // Lower bound: bytes live at each step (a donated input ends where its output begins).
  std::vector<int64_t> delta(r.steps.size() + 1, 0);
  for (size_t e = 0; e < n; ++e) {
    if (r.external[e] || born[e] == SIZE_MAX) continue;
    const size_t end = donated[e] ? last[e] : last[e] + 1;  // exclusive
    if (end <= born[e]) continue;
    delta[born[e]] += static_cast<int64_t>(r.bytes[e]);
    delta[end] -= static_cast<int64_t>(r.bytes[e]);
  }
  int64_t live = 0;
  for (size_t t = 0; t < r.steps.size(); ++t) {
    live += delta[t];
    plan.lower_bound_bytes = std::max(plan.lower_bound_bytes, static_cast<size_t>(live));
  }
  return plan;
}

}  // namespace sn
