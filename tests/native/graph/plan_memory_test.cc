// The memory planning pass (Note [Memory plan]): reuse rules, and on random graphs that no buffer is
// handed to an entry while another entry in it can still be read.
#include <gtest/gtest.h>

#include <random>

#include "graph/plan_memory.h"

namespace sn {
namespace {

PlanRequest chain(int n, size_t bytes, bool inplace) {
  PlanRequest r;
  r.bytes.assign(static_cast<size_t>(n + 1), bytes);
  r.kind.assign(r.bytes.size(), 0);
  r.external.assign(r.bytes.size(), false);
  r.external[0] = true;  // the input
  for (int i = 0; i < n; ++i) {
    PlanRequest::Step s{{static_cast<uint32_t>(i)}, {static_cast<uint32_t>(i + 1)}, {}};
    if (inplace) s.inplace = {{0, 0}};
    r.steps.push_back(s);
  }
  r.keep = {static_cast<uint32_t>(n)};
  return r;
}

TEST(PlanMemory, InPlaceChainUsesOneBuffer) {
  const MemoryPlan p = plan_memory(chain(10, 400, true));
  EXPECT_EQ(p.block_bytes.size(), 1u);
  EXPECT_EQ(p.planned_bytes, 400u);
  EXPECT_EQ(p.lower_bound_bytes, 400u);
  EXPECT_EQ(p.unshared_bytes, 4000u);
  EXPECT_EQ(p.inplace_pairs, 9u);  // the first step's input is the caller's
  EXPECT_EQ(p.block[0], MemoryPlan::kExternal);
}

TEST(PlanMemory, ChainWithoutInPlaceAlternatesTwoBuffers) {
  const MemoryPlan p = plan_memory(chain(10, 400, false));
  EXPECT_EQ(p.block_bytes.size(), 2u);
  EXPECT_EQ(p.lower_bound_bytes, 800u);  // an op's input and output are live together
  EXPECT_EQ(p.planned_bytes, 800u);
  PlanRequest no_share = chain(10, 400, false);
  no_share.allow_sharing = false;
  EXPECT_EQ(plan_memory(no_share).planned_bytes, 4000u);
}

TEST(PlanMemory, NoInPlaceWhileTheInputIsReadLater) {
  // e1 = f(e0); e2 = g(e1) (in place allowed); e3 = h(e1, e2): e1 is still needed, so e2 gets its own buffer.
  PlanRequest r;
  r.bytes = {64, 64, 64, 64};
  r.kind = {0, 0, 0, 0};
  r.external = {true, false, false, false};
  r.steps = {{{0}, {1}, {}}, {{1}, {2}, {{0, 0}}}, {{1, 2}, {3}, {{0, 0}}}};
  r.keep = {3};
  const MemoryPlan p = plan_memory(r);
  EXPECT_NE(p.block[2], p.block[1]);
  EXPECT_EQ(p.block[3], p.block[1]);  // the last reader of e1 takes its buffer
}

TEST(PlanMemory, SharesOnlyTheSameKindAndWithinTheMatchRange) {
  PlanRequest r;
  r.bytes = {4, 1000, 4, 1000, 4, 100000};
  r.kind = {0, 0, 0, 1, 0, 0};
  r.external = {true, false, false, false, false, false};
  // e1 dies at step 1; e3 (another kind) cannot take it; e5 is 100x bigger: out of range.
  r.steps = {{{0}, {1}, {}}, {{1}, {2}, {}}, {{2}, {3}, {}}, {{3}, {4}, {}}, {{4}, {5}, {}}};
  r.keep = {5};
  const MemoryPlan p = plan_memory(r);
  EXPECT_NE(p.block[3], p.block[1]);
  EXPECT_NE(p.block[5], p.block[1]);
  EXPECT_EQ(p.block_kind[static_cast<size_t>(p.block[3])], 1);
}

TEST(PlanMemory, ASmallerFreeBufferGrows) {
  PlanRequest r;
  r.bytes = {4, 800, 4, 1000};
  r.kind = {0, 0, 0, 0};
  r.external = {true, false, false, false};
  r.steps = {{{0}, {1}, {}}, {{1}, {2}, {}}, {{2}, {3}, {}}};
  r.keep = {3};
  const MemoryPlan p = plan_memory(r);
  EXPECT_EQ(p.block[3], p.block[1]);
  EXPECT_EQ(p.block_bytes[static_cast<size_t>(p.block[1])], 1000u);
}

// Random graphs: replays the plan and checks that an entry's buffer holds no other readable entry.
TEST(PlanMemory, RandomGraphsNeverOverwriteALiveBuffer) {
  std::mt19937 rng(7);
  for (int trial = 0; trial < 300; ++trial) {
    PlanRequest r;
    const int n_inputs = 1 + static_cast<int>(rng() % 3);
    for (int i = 0; i < n_inputs; ++i) {
      r.bytes.push_back(64);
      r.kind.push_back(0);
      r.external.push_back(true);
    }
    const int n_steps = 1 + static_cast<int>(rng() % 40);
    for (int t = 0; t < n_steps; ++t) {
      PlanRequest::Step s;
      const int n_in = 1 + static_cast<int>(rng() % 3);
      for (int k = 0; k < n_in; ++k) s.inputs.push_back(static_cast<uint32_t>(rng() % r.bytes.size()));
      const int n_out = 1 + static_cast<int>(rng() % 2);
      for (int k = 0; k < n_out; ++k) {
        s.outputs.push_back(static_cast<uint32_t>(r.bytes.size()));
        r.bytes.push_back(static_cast<size_t>(16 << (rng() % 6)));
        r.kind.push_back(static_cast<int>(rng() % 2));
        r.external.push_back(rng() % 10 == 0);  // some outputs go to the caller's arrays
      }
      if (rng() % 2) s.inplace.emplace_back(static_cast<int>(rng() % n_in), 0);
      r.steps.push_back(s);
    }
    for (size_t e = static_cast<size_t>(n_inputs); e < r.bytes.size(); ++e)
      if (rng() % 5 == 0) r.keep.push_back(static_cast<uint32_t>(e));
    r.match_range = 1 + rng() % 16;
    const MemoryPlan p = plan_memory(r);

    // Last reader of every entry (kept entries: never released).
    std::vector<int> last(r.bytes.size(), -1);
    for (size_t t = 0; t < r.steps.size(); ++t)
      for (uint32_t e : r.steps[t].inputs) last[e] = static_cast<int>(t);
    for (uint32_t e : r.keep) last[e] = INT32_MAX;
    std::vector<int> holder(p.block_bytes.size(), -1);  // the entry whose value a buffer holds
    for (size_t t = 0; t < r.steps.size(); ++t) {
      const auto& s = r.steps[t];
      for (size_t k = 0; k < s.outputs.size(); ++k) {
        const uint32_t e = s.outputs[k];
        const int b = p.block[e];
        if (r.external[e]) {
          EXPECT_EQ(b, MemoryPlan::kExternal);
          continue;
        }
        ASSERT_GE(b, 0);
        EXPECT_GE(p.block_bytes[static_cast<size_t>(b)], r.bytes[e]);
        EXPECT_EQ(p.block_kind[static_cast<size_t>(b)], r.kind[e]);
        const int h = holder[static_cast<size_t>(b)];
        if (h >= 0 && last[static_cast<size_t>(h)] >= static_cast<int>(t)) {
          // Only a declared in-place pair whose input this step reads for the last time may be overwritten.
          bool inplace = false;
          for (auto [in_slot, out_slot] : s.inplace)
            inplace |= s.inputs[static_cast<size_t>(in_slot)] == static_cast<uint32_t>(h) &&
                       static_cast<size_t>(out_slot) == k && last[static_cast<size_t>(h)] == static_cast<int>(t);
          EXPECT_TRUE(inplace) << "trial " << trial << " step " << t << ": entry " << e << " overwrites live entry "
                               << h << " in buffer " << b;
        }
        holder[static_cast<size_t>(b)] = static_cast<int>(e);
      }
    }
    EXPECT_LE(p.lower_bound_bytes, p.planned_bytes);
    EXPECT_LE(p.planned_bytes, p.unshared_bytes);  // a buffer is as big as the biggest entry it holds
  }
}

}  // namespace
}  // namespace sn
