// Engine behaviour, for both engines: ordering, poisoning, async ops,
// operators, bulking, back-pressure, devices, waits, shutdown.
#include "engine/engine.h"

#include <gtest/gtest.h>

#include <atomic>
#include <chrono>
#include <condition_variable>
#include <future>
#include <mutex>
#include <stdexcept>
#include <thread>
#include <vector>

#include "core/error.h"
#include "core/threading.h"

namespace sn {
namespace {

using namespace std::chrono_literals;

// Blocks ops until opened (to hold workers busy).
class Gate {
 public:
  void open() {
    std::lock_guard lock(m_);
    open_ = true;
    cv_.notify_all();
  }
  void wait() {
    std::unique_lock lock(m_);
    cv_.wait(lock, [&] { return open_; });
  }

 private:
  std::mutex m_;
  std::condition_variable cv_;
  bool open_ = false;
};

std::string message_of(std::exception_ptr e) {
  try {
    std::rethrow_exception(e);
  } catch (const std::exception& ex) {
    return ex.what();
  }
}

class EngineFixture : public ::testing::Test {
 protected:
  virtual EngineKind kind() const = 0;
  void SetUp() override {
    EngineConfig config;
    config.kind = kind();
    config.cpu_compute_workers = 2;
    engine_ = Engine::create(config);
  }
  void TearDown() override {
    for (VarHandle v : vars_) engine_->delete_var(v);
    try {
      engine_->wait_all();
    } catch (...) {
    }
    engine_.reset();
  }
  VarHandle var() { return vars_.emplace_back(engine_->new_var()); }

  std::unique_ptr<Engine> engine_;
  std::vector<VarHandle> vars_;
};

// Both engines.
class EngineTest : public EngineFixture, public ::testing::WithParamInterface<EngineKind> {
 protected:
  EngineKind kind() const override { return GetParam(); }
};

// The threaded engine alone (the naive one runs ops inline, one at a time).
class ThreadedEngineTest : public EngineFixture {
 protected:
  EngineKind kind() const override { return EngineKind::kThreaded; }
};

TEST_P(EngineTest, WritesAndReadsRunInPushOrderPerVariable) {
  VarHandle a = var();
  std::vector<int> log;
  std::mutex m;
  auto record = [&](int i) {
    return [&, i](const RunContext&) {
      std::this_thread::sleep_for(std::chrono::microseconds((5 - i % 5) * 200));
      std::lock_guard lock(m);
      log.push_back(i);
    };
  };
  for (int i = 0; i < 20; ++i) engine_->push(record(i), Device::cpu(), {}, {&a, 1});
  engine_->wait_for_var(a);
  std::vector<int> expected(20);
  for (int i = 0; i < 20; ++i) expected[i] = i;
  EXPECT_EQ(log, expected);
}

TEST_P(EngineTest, ReadAfterWriteSeesTheValue) {
  VarHandle a = var(), b = var();
  int x = 0, y = 0;
  engine_->push([&](const RunContext&) {
    std::this_thread::sleep_for(5ms);
    x = 41;
  }, Device::cpu(), {}, {&a, 1});
  engine_->push([&](const RunContext&) { y = x + 1; }, Device::cpu(), {&a, 1}, {&b, 1});
  engine_->wait_for_var(b);
  EXPECT_EQ(y, 42);
}

TEST_F(ThreadedEngineTest, ReadsRunConcurrently) {
  VarHandle a = var();
  std::atomic<int> inside{0}, max_inside{0};
  Gate gate;
  for (int i = 0; i < 2; ++i) {
    engine_->push([&](const RunContext&) {
      int now = ++inside;
      int prev = max_inside.load();
      while (now > prev && !max_inside.compare_exchange_weak(prev, now)) {
      }
      if (now == 2) gate.open();
      gate.wait();
      --inside;
    }, Device::cpu(), {&a, 1}, {});
  }
  engine_->wait_all();
  EXPECT_EQ(max_inside.load(), 2);  // two compute workers read a at once
}

TEST_P(EngineTest, PoisonSkipsDownstreamThrowsOnEveryWaitAndClearsOnOverwrite) {
  VarHandle a = var(), b = var(), c = var(), unrelated = var();
  bool downstream_ran = false;
  engine_->push([](const RunContext&) { SN_THROW(kShape, "broadcast_add: shapes (2,) and (3,) do not broadcast"); },
                Device::cpu(), {}, {&a, 1});
  engine_->push([&](const RunContext&) { downstream_ran = true; }, Device::cpu(), {&a, 1}, {&b, 1});
  engine_->push([](const RunContext&) {}, Device::cpu(), {}, {&unrelated, 1});
  engine_->push([](const RunContext&) {}, Device::cpu(), {&b, 1}, {&c, 1});

  for (int i = 0; i < 3; ++i) {  // every wait throws, with the original error and code
    try {
      engine_->wait_for_var(c);
      FAIL() << "c inherits the poison through b";
    } catch (const Error& e) {
      EXPECT_EQ(e.code(), ErrorCode::kShape);
      EXPECT_STREQ(e.what(), "broadcast_add: shapes (2,) and (3,) do not broadcast");
    }
  }
  EXPECT_THROW(engine_->wait_for_var(a), Error);
  EXPECT_FALSE(downstream_ran);
  EXPECT_NO_THROW(engine_->wait_for_var(unrelated));

  // wait_all reports the one new error once; skipped ops are not new errors.
  EXPECT_THROW(engine_->wait_all(), Error);
  EXPECT_NO_THROW(engine_->wait_all());

  // A successful write that reads nothing poisoned clears a.
  engine_->push([](const RunContext&) {}, Device::cpu(), {}, {&a, 1});
  EXPECT_NO_THROW(engine_->wait_for_var(a));
  EXPECT_THROW(engine_->wait_for_var(c), Error);  // c is still poisoned until written
  // An in-place op (reads and writes c) does not clear it: it is skipped.
  engine_->push([](const RunContext&) {}, Device::cpu(), {&c, 1}, {&c, 1});
  EXPECT_THROW(engine_->wait_for_var(c), Error);
}

TEST_P(EngineTest, NotifyWhenReadableReportsPoisonAndRunsAfterPendingWrites) {
  VarHandle a = var();
  std::promise<std::string> seen;
  engine_->push([](const RunContext&) {
    std::this_thread::sleep_for(2ms);
    throw std::runtime_error("boom");
  }, Device::cpu(), {}, {&a, 1});
  engine_->notify_when_readable(a, [&](std::exception_ptr poison) { seen.set_value(poison ? message_of(poison) : ""); });
  EXPECT_EQ(seen.get_future().get(), "boom");
  EXPECT_THROW(engine_->wait_all(), std::runtime_error);
}

TEST_P(EngineTest, AsyncOpsCompleteFromAnotherThread) {
  VarHandle a = var(), b = var();
  int value = 0, copy = 0;
  std::vector<std::thread> helpers;
  std::mutex hm;
  engine_->push_async([&](const RunContext&, OnComplete done) {
    std::lock_guard lock(hm);
    helpers.emplace_back([&value, done] {
      std::this_thread::sleep_for(3ms);
      value = 7;
      done();
    });
  }, Device::cpu(), {}, {&a, 1});
  engine_->push([&](const RunContext&) { copy = value; }, Device::cpu(), {&a, 1}, {&b, 1});
  engine_->wait_for_var(b);
  EXPECT_EQ(copy, 7);
  std::lock_guard lock(hm);
  for (auto& t : helpers) t.join();
}

TEST_P(EngineTest, AsyncFailurePoisonsItsWrites) {
  VarHandle a = var();
  engine_->push_async([](const RunContext&, OnComplete done) {
    done(std::make_exception_ptr(Error(ErrorCode::kCallback, "custom op 'x': the forward callback threw")));
  }, Device::cpu(), {}, {&a, 1});
  try {
    engine_->wait_for_var(a);
    FAIL();
  } catch (const Error& e) {
    EXPECT_EQ(e.code(), ErrorCode::kCallback);
  }
  EXPECT_THROW(engine_->wait_all(), Error);
}

TEST_P(EngineTest, PrebuiltOperatorsRunManyTimes) {
  VarHandle acc = var();
  int total = 0;
  OprHandle op = engine_->new_operator([&](const RunContext&, OnComplete done) {
    total += 2;
    done();
  }, {}, std::span<const VarHandle>(&acc, 1));
  for (int i = 0; i < 50; ++i) engine_->push_operator(op, Device::cpu());
  engine_->delete_operator(op);  // after the pushes made so far
  engine_->wait_for_var(acc);
  EXPECT_EQ(total, 100);
}

TEST_P(EngineTest, BulkedOpsMatchUnbulkedAndKeepPoisonExact) {
  VarHandle a = var(), b = var(), c = var(), d = var();
  std::vector<int> order;
  {
    BulkScope bulk(*engine_, 8);
    for (int i = 0; i < 20; ++i)
      engine_->push([&, i](const RunContext&) { order.push_back(i); }, Device::cpu(), {&a, 1}, {&b, 1});
    // Inside a bulk: a failing op poisons what it writes; an op reading it is skipped; others run.
    engine_->push([](const RunContext&) { throw std::runtime_error("in bulk"); }, Device::cpu(), {}, {&c, 1});
    engine_->push([&](const RunContext&) { order.push_back(-1); }, Device::cpu(), {&c, 1}, {&d, 1});
    engine_->push([&](const RunContext&) { order.push_back(100); }, Device::cpu(), {&b, 1}, {&a, 1});
  }
  engine_->wait_for_var(a);
  EXPECT_EQ(order.size(), 21u);
  EXPECT_EQ(order.back(), 100);
  EXPECT_THROW(engine_->wait_for_var(c), std::runtime_error);
  EXPECT_THROW(engine_->wait_for_var(d), std::runtime_error);
  EXPECT_NO_THROW(engine_->wait_for_var(b));
  EXPECT_THROW(engine_->wait_all(), std::runtime_error);
}

TEST_F(ThreadedEngineTest, WaitInsideAnOpIsAnErrorNotADeadlock) {
  VarHandle a = var(), b = var();
  engine_->push([&](const RunContext&) { engine_->wait_for_var(b); }, Device::cpu(), {}, {&a, 1});
  try {
    engine_->wait_for_var(a);
    FAIL();
  } catch (const Error& e) {
    EXPECT_EQ(e.code(), ErrorCode::kInvalidState);
    EXPECT_NE(std::string(e.what()).find("would deadlock"), std::string::npos);
  }
  EXPECT_THROW(engine_->wait_all(), Error);
}

TEST_P(EngineTest, CpuDevicesAreDistinctAndOrderedAcrossThem) {
  VarHandle a = var(), b = var();
  std::vector<std::string> log;
  std::mutex m;
  std::vector<Device> seen;
  for (int i = 0; i < 10; ++i) {
    Device dev = Device::cpu(i % 2);
    engine_->push([&, i, dev](const RunContext& ctx) {
      std::lock_guard lock(m);
      EXPECT_EQ(ctx.device, dev);
      log.push_back(std::to_string(i));
    }, dev, {&a, 1}, {&b, 1});
    engine_->push([&, i](const RunContext&) {
      std::lock_guard lock(m);
      log.push_back("w" + std::to_string(i));
    }, Device::cpu((i + 1) % 2), {&b, 1}, {&a, 1}, PushOptions{FnProperty::kCopy});
  }
  engine_->wait_all();
  ASSERT_EQ(log.size(), 20u);
  for (int i = 0; i < 10; ++i) {
    EXPECT_EQ(log[2 * i], std::to_string(i));
    EXPECT_EQ(log[2 * i + 1], "w" + std::to_string(i));
  }
}

TEST_P(EngineTest, GpuWithoutCudaIsRejectedAtPush) {
  VarHandle a = var();
  try {
    engine_->push([](const RunContext&) {}, Device::gpu(0), {}, {&a, 1}, PushOptions{.name = "zeros"});
    FAIL();
  } catch (const Error& e) {
    EXPECT_EQ(e.code(), ErrorCode::kUnsupported);
    EXPECT_NE(std::string(e.what()).find("zeros: gpu(0) is not available"), std::string::npos);
  }
}

TEST(ThreadedEngine, HigherPriorityRunsFirstAmongReadyOps) {
  EngineConfig config;
  config.cpu_compute_workers = 1;
  auto engine = Engine::create(config);
  Gate gate;
  VarHandle block_var = engine->new_var();
  std::vector<int> order;
  std::atomic<bool> worker_busy{false};
  engine->push([&](const RunContext&) {
    worker_busy = true;
    gate.wait();
  }, Device::cpu(), {}, {&block_var, 1});
  while (!worker_busy.load()) std::this_thread::yield();  // the only worker is held: the rest queue up
  std::vector<VarHandle> vs;
  for (int p : {1, 5, 3}) {
    vs.push_back(engine->new_var());
    engine->push([&, p](const RunContext&) { order.push_back(p); }, Device::cpu(), {}, {&vs.back(), 1},
                 PushOptions{.priority = p});
  }
  gate.open();
  engine->wait_all();
  EXPECT_EQ(order, (std::vector<int>{5, 3, 1}));
  for (VarHandle v : vs) engine->delete_var(v);
  engine->delete_var(block_var);
}

TEST_P(EngineTest, DeleteVarRunsAfterPendingOpsThenFrees) {
  VarHandle a = engine_->new_var();
  std::atomic<bool> wrote{false}, freed{false}, freed_after_write{false};
  engine_->push([&](const RunContext&) {
    std::this_thread::sleep_for(3ms);
    wrote = true;
  }, Device::cpu(), {}, {&a, 1});
  engine_->delete_var(a, [&](const RunContext&) {
    freed_after_write = wrote.load();
    freed = true;
  });
  engine_->wait_all();
  EXPECT_TRUE(freed);
  EXPECT_TRUE(freed_after_write);
}

TEST_P(EngineTest, VersionsCountWrites) {
  VarHandle a = var();
  uint64_t v0 = engine_->var_version(a);
  engine_->push([](const RunContext&) {}, Device::cpu(), {}, {&a, 1});
  engine_->push([](const RunContext&) {}, Device::cpu(), {&a, 1}, {});
  engine_->push([](const RunContext&) {}, Device::cpu(), {&a, 1}, {&a, 1});
  EXPECT_EQ(engine_->var_version(a), v0 + 2);
}

TEST_P(EngineTest, ShutdownWaitsThenRejectsPushesButAcceptsFrees) {
  VarHandle a = engine_->new_var();
  std::atomic<bool> ran{false};
  engine_->push([&](const RunContext&) {
    std::this_thread::sleep_for(3ms);
    ran = true;
  }, Device::cpu(), {}, {&a, 1});
  engine_->shutdown();
  EXPECT_TRUE(ran);
  try {
    engine_->push([](const RunContext&) {}, Device::cpu(), {}, {&a, 1}, PushOptions{.name = "copyto"});
    FAIL();
  } catch (const Error& e) {
    EXPECT_EQ(e.code(), ErrorCode::kInvalidState);
    EXPECT_STREQ(e.what(), "copyto: the engine has been shut down");
  }
  bool freed = false;
  engine_->delete_var(a, [&](const RunContext&) { freed = true; });
  EXPECT_TRUE(freed);
}

INSTANTIATE_TEST_SUITE_P(Kinds, EngineTest, ::testing::Values(EngineKind::kThreaded, EngineKind::kNaive),
                         [](const auto& info) { return info.param == EngineKind::kThreaded ? "Threaded" : "Naive"; });

// --- threaded-only behaviour ---------------------------------------------------

TEST(ThreadedEngine, BackPressureBlocksUserPushesButNotFreesFromAnotherThread) {
  EngineConfig config;
  config.cpu_compute_workers = 1;
  config.max_pending_ops = 2;
  auto engine = Engine::create(config);
  Gate gate;
  VarHandle a = engine->new_var(), b = engine->new_var();
  engine->push([&](const RunContext&) { gate.wait(); }, Device::cpu(), {}, {&a, 1});
  engine->push([&](const RunContext&) {}, Device::cpu(), {}, {&a, 1});
  // The bound is reached: a third user push blocks until the gate opens...
  std::atomic<bool> third_pushed{false};
  std::thread producer([&] {
    engine->push([](const RunContext&) {}, Device::cpu(), {}, {&b, 1});
    third_pushed = true;
  });
  std::this_thread::sleep_for(30ms);
  EXPECT_FALSE(third_pushed.load());
  // ...but frees from another thread (a .NET finalizer) go through at once.
  std::vector<VarHandle> extra;
  for (int i = 0; i < 100; ++i) extra.push_back(engine->new_var());
  std::thread finalizer([&] {
    for (VarHandle v : extra) engine->delete_var(v);
  });
  finalizer.join();
  EXPECT_FALSE(third_pushed.load());
  gate.open();
  producer.join();
  EXPECT_TRUE(third_pushed.load());
  engine->delete_var(a);
  engine->delete_var(b);
  engine->wait_all();
}

TEST(ThreadedEngine, ManyThreadsPushingAtOnce) {
  EngineConfig config;
  config.cpu_compute_workers = 2;
  auto engine = Engine::create(config);
  VarHandle shared = engine->new_var();
  int64_t shared_value = 5;
  constexpr int kThreads = 8, kOps = 500;
  std::vector<VarHandle> own(kThreads);
  std::vector<int64_t> sums(kThreads, 0);
  for (auto& v : own) v = engine->new_var();
  std::vector<std::thread> threads;
  for (int t = 0; t < kThreads; ++t) {
    threads.emplace_back([&, t] {
      for (int i = 0; i < kOps; ++i)
        engine->push([&, t](const RunContext&) { sums[t] += shared_value; }, Device::cpu(t % 2), {&shared, 1},
                     {&own[t], 1});
    });
  }
  for (auto& t : threads) t.join();
  engine->wait_all();
  for (int t = 0; t < kThreads; ++t) EXPECT_EQ(sums[t], 5 * kOps);
  for (auto v : own) engine->delete_var(v);
  engine->delete_var(shared);
  engine->wait_all();
  EXPECT_EQ(engine->pending_ops(), 0);
}

TEST(ThreadedEngine, IntraOpBudgetIsSharedByBusyWorkers) {
  EngineConfig config;
  config.cpu_compute_workers = 2;
  auto engine = Engine::create(config);
  VarHandle a = engine->new_var(), b = engine->new_var();
  std::atomic<int> arrived{0};
  std::vector<int> budgets(2);
  auto op = [&](int slot) {
    return [&, slot](const RunContext& ctx) {
      ++arrived;
      while (arrived.load() < 2) std::this_thread::yield();  // both workers busy at once
      budgets[slot] = ctx.num_threads;
    };
  };
  engine->push(op(0), Device::cpu(), {}, {&a, 1});
  engine->push(op(1), Device::cpu(), {}, {&b, 1});
  engine->wait_all();
  // The op that started second saw two busy workers and took half the budget.
  EXPECT_LE(std::min(budgets[0], budgets[1]), std::max(1, intra_op_threads() / 2));
  for (int n : budgets) EXPECT_GE(n, 1);
  engine->delete_var(a);
  engine->delete_var(b);
  engine->wait_all();
}


// Note [Running tiny ops in place].
TEST_F(ThreadedEngineTest, TinyOpsRunInPlaceWhenTheirVariablesAreFree) {
  VarHandle a = var(), b = var();
  const auto caller = std::this_thread::get_id();
  std::thread::id ran_on;
  const uint64_t version = engine_->var_version(a);
  engine_->push([&](const RunContext&) { ran_on = std::this_thread::get_id(); }, Device::cpu(), {&b, 1}, {&a, 1},
                PushOptions{.inline_if_ready = true});
  EXPECT_EQ(ran_on, caller) << "free variables: it ran before push returned, here";
  EXPECT_EQ(engine_->var_version(a), version + 1);
  EXPECT_EQ(engine_->pending_ops(), 0);

  // A busy variable sends it to a worker, after the op holding the variable.
  Gate gate;
  std::vector<int> order;
  std::mutex m;
  engine_->push([&](const RunContext&) {
    gate.wait();
    std::lock_guard lock(m);
    order.push_back(1);
  }, Device::cpu(), {}, {&a, 1});
  engine_->push([&](const RunContext&) {
    ran_on = std::this_thread::get_id();
    std::lock_guard lock(m);
    order.push_back(2);
  }, Device::cpu(), {}, {&a, 1}, PushOptions{.inline_if_ready = true});
  gate.open();
  engine_->wait_for_var(a);
  EXPECT_EQ(order, (std::vector<int>{1, 2}));
  EXPECT_NE(ran_on, caller);
}

TEST_F(ThreadedEngineTest, InPlaceOpsPoisonAndSkipLikeOthers) {
  VarHandle a = var(), b = var();
  const PushOptions tiny{.inline_if_ready = true};
  engine_->push([](const RunContext&) { throw std::runtime_error("in-place failure"); }, Device::cpu(), {}, {&a, 1},
                tiny);
  bool ran = false;
  engine_->push([&](const RunContext&) { ran = true; }, Device::cpu(), {&a, 1}, {&b, 1}, tiny);
  EXPECT_FALSE(ran) << "a poisoned input skips the op";
  EXPECT_THROW(engine_->wait_for_var(b), std::runtime_error);
  EXPECT_THROW(engine_->wait_all(), std::runtime_error) << "the new error is reported once";
  EXPECT_NO_THROW(engine_->wait_all());
  engine_->push([](const RunContext&) {}, Device::cpu(), {}, {&a, 1}, tiny);  // a successful write clears it
  EXPECT_NO_THROW(engine_->wait_for_var(a));
}

TEST_F(ThreadedEngineTest, ConcurrentInPlaceAndQueuedOpsKeepOrderPerVariable) {
  VarHandle a = var();
  std::atomic<int64_t> value{0};
  std::vector<std::thread> threads;
  for (int t = 0; t < 4; ++t) {
    threads.emplace_back([&, t] {
      for (int i = 0; i < 2000; ++i) {
        PushOptions options;
        options.inline_if_ready = (i + t) % 2 == 0;
        engine_->push([&](const RunContext&) {
          int64_t v = value.load(std::memory_order_relaxed);  // writes are exclusive: no lost update
          value.store(v + 1, std::memory_order_relaxed);
        }, Device::cpu(), {}, {&a, 1}, options);
      }
    });
  }
  for (auto& t : threads) t.join();
  engine_->wait_all();
  EXPECT_EQ(value.load(), 8000);
}

}  // namespace
}  // namespace sn
