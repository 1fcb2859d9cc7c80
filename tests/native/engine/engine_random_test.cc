// The threaded engine against a serial model on random read/write workloads:
// values must match exactly, and poisoning must match per variable.
#include <gtest/gtest.h>

#include <condition_variable>
#include <deque>
#include <mutex>
#include <optional>
#include <random>
#include <stdexcept>
#include <thread>
#include <vector>

#include "engine/engine.h"

namespace sn {
namespace {

struct RandomOp {
  std::vector<int> reads, writes;
  int device = 0;
  bool copy_pool = false;
  bool fails = false;
  bool async = false;
  int priority = 0;
};

std::vector<RandomOp> make_workload(uint32_t seed, int num_vars, int num_ops) {
  std::mt19937 rng(seed);
  auto pick = [&](int lo, int hi) { return std::uniform_int_distribution<int>(lo, hi)(rng); };
  std::vector<RandomOp> ops(static_cast<size_t>(num_ops));
  for (auto& op : ops) {
    int nr = pick(0, 3), nw = pick(1, 2);
    for (int i = 0; i < nr; ++i) op.reads.push_back(pick(0, num_vars - 1));
    for (int i = 0; i < nw; ++i) op.writes.push_back(pick(0, num_vars - 1));
    op.device = pick(0, 2);
    op.copy_pool = pick(0, 4) == 0;
    op.fails = pick(0, 19) == 0;
    op.async = pick(0, 7) == 0;
    op.priority = pick(0, 9) == 0 ? pick(-2, 2) : 0;
  }
  return ops;
}

// The value an op writes: depends on the op, its inputs and the old value, so any reordering shows.
int64_t mix(int64_t h, int64_t v) {
  return static_cast<int64_t>((static_cast<uint64_t>(h) ^ static_cast<uint64_t>(v)) * 0x100000001b3ULL + 0x9e3779b9ULL);
}

int64_t op_result(size_t op_index, const RandomOp& op, const std::vector<int64_t>& values, int w) {
  int64_t h = static_cast<int64_t>(op_index) + 1;
  for (int r : op.reads) h = mix(h, values[static_cast<size_t>(r)]);
  return mix(mix(h, values[static_cast<size_t>(w)]), w);
}

// Completes async ops from another thread, in the order they arrive.
class Completer {
 public:
  Completer() : thread_([this] { loop(); }) {}
  ~Completer() {
    {
      std::lock_guard lock(m_);
      stop_ = true;
      cv_.notify_all();
    }
    thread_.join();
  }
  void post(std::function<void()> f) {
    std::lock_guard lock(m_);  // notify under the lock: the waiter may destroy us right after
    q_.push_back(std::move(f));
    cv_.notify_one();
  }

 private:
  void loop() {
    while (true) {
      std::function<void()> f;
      {
        std::unique_lock lock(m_);
        cv_.wait(lock, [&] { return stop_ || !q_.empty(); });
        if (q_.empty()) return;
        f = std::move(q_.front());
        q_.pop_front();
      }
      f();
    }
  }
  std::mutex m_;
  std::condition_variable cv_;
  std::deque<std::function<void()>> q_;
  bool stop_ = false;
  std::thread thread_;
};

void run_workload(EngineKind kind, uint32_t seed, int bulk) {
  constexpr int kVars = 12, kOps = 400;
  auto ops = make_workload(seed, kVars, kOps);

  // Serial model.
  std::vector<int64_t> expected(kVars, 0);
  std::vector<bool> poisoned(kVars, false);
  for (size_t i = 0; i < ops.size(); ++i) {
    const auto& op = ops[i];
    bool skip = false;
    for (int r : op.reads) skip = skip || poisoned[static_cast<size_t>(r)];
    if (skip || op.fails) {
      for (int w : op.writes) poisoned[static_cast<size_t>(w)] = true;
      continue;
    }
    std::vector<int64_t> before = expected;
    for (int w : op.writes) expected[static_cast<size_t>(w)] = op_result(i, op, before, w);
    for (int w : op.writes) poisoned[static_cast<size_t>(w)] = false;
  }

  // The engine.
  EngineConfig config;
  config.kind = kind;
  config.cpu_compute_workers = 2;
  config.cpu_copy_workers = 1;
  config.max_pending_ops = 64;  // back-pressure engaged
  auto engine = Engine::create(config);
  Completer completer;
  std::vector<VarHandle> vars(kVars);
  for (auto& v : vars) v = engine->new_var();
  std::vector<int64_t> values(kVars, 0);
  {
    std::optional<BulkScope> scope;
    if (bulk > 0) scope.emplace(*engine, bulk);
    for (size_t i = 0; i < ops.size(); ++i) {
      const RandomOp& op = ops[i];
      std::vector<VarHandle> reads, writes;
      for (int r : op.reads) reads.push_back(vars[static_cast<size_t>(r)]);
      for (int w : op.writes) writes.push_back(vars[static_cast<size_t>(w)]);
      auto body = [&values, &op, i] {
        if (op.fails) throw std::runtime_error("op " + std::to_string(i) + " failed");
        // The values before this op, of its own variables only (others may be written concurrently).
        std::vector<int64_t> before(values.size(), 0);
        for (int r : op.reads) before[static_cast<size_t>(r)] = values[static_cast<size_t>(r)];
        for (int w : op.writes) before[static_cast<size_t>(w)] = values[static_cast<size_t>(w)];
        for (int w : op.writes) values[static_cast<size_t>(w)] = op_result(i, op, before, w);
      };
      PushOptions options;
      options.property = op.copy_pool ? FnProperty::kCopy : FnProperty::kNormal;
      options.priority = op.priority;
      Device device = Device::cpu(op.device);
      if (op.async && bulk == 0) {
        engine->push_async([&completer, body](const RunContext&, OnComplete done) {
          completer.post([body, done] {
            try {
              body();
              done();
            } catch (...) {
              done(std::current_exception());
            }
          });
        }, device, reads, writes, options);
      } else {
        engine->push([body](const RunContext&) { body(); }, device, reads, writes, options);
      }
    }
  }
  try {
    engine->wait_all();
  } catch (const std::runtime_error&) {
  }
  for (int v = 0; v < kVars; ++v) {
    SCOPED_TRACE("var " + std::to_string(v));
    bool threw = false;
    try {
      engine->wait_for_var(vars[static_cast<size_t>(v)]);
    } catch (const std::runtime_error&) {
      threw = true;
    }
    ASSERT_EQ(threw, static_cast<bool>(poisoned[static_cast<size_t>(v)]));
    if (!threw) {
      ASSERT_EQ(values[static_cast<size_t>(v)], expected[static_cast<size_t>(v)]);
    }
  }
  for (auto v : vars) engine->delete_var(v);
  engine->wait_all();
}

TEST(EngineRandom, ThreadedMatchesSerialModel) {
  for (uint32_t seed = 1; seed <= 25; ++seed) {
    SCOPED_TRACE("seed " + std::to_string(seed) + " (rerun: EngineRandom.* with this seed)");
    run_workload(EngineKind::kThreaded, seed, 0);
    if (HasFatalFailure()) return;
  }
}

TEST(EngineRandom, ThreadedWithBulkingMatchesSerialModel) {
  for (uint32_t seed = 100; seed <= 110; ++seed) {
    for (int bulk : {3, 16}) {
      SCOPED_TRACE("seed " + std::to_string(seed) + ", bulk " + std::to_string(bulk));
      run_workload(EngineKind::kThreaded, seed, bulk);
      if (HasFatalFailure()) return;
    }
  }
}

TEST(EngineRandom, NaiveMatchesSerialModel) {
  for (uint32_t seed = 1; seed <= 10; ++seed) {
    SCOPED_TRACE("seed " + std::to_string(seed));
    run_workload(EngineKind::kNaive, seed, 0);
    if (HasFatalFailure()) return;
  }
}

}  // namespace
}  // namespace sn
