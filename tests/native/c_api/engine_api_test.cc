// The engine and storage ABI as the .NET binding uses it.
#include <gtest/gtest.h>

#include <atomic>
#include <chrono>
#include <condition_variable>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

#include "sharpnet/c_api.h"

namespace {

struct Outcome {
  std::mutex m;
  std::condition_variable cv;
  bool done = false;
  sn_status status = SN_OK;
  std::string message;
  void set(sn_status s, const char* msg) {
    std::lock_guard lock(m);
    status = s;
    message = msg;
    done = true;
    cv.notify_all();
  }
  void wait() {
    std::unique_lock lock(m);
    cv.wait(lock, [&] { return done; });
  }
};

void on_readable(void* user, sn_status status, const char* message) { static_cast<Outcome*>(user)->set(status, message); }

// Work the "binding" finishes later on its own thread, like a C# custom operator.
struct Work {
  bool fail = false;
  std::atomic<int> calls{0};
  sn_status seen_status = SN_OK;
  std::vector<std::thread>* threads;
};

void run_work(void* user, void* completion, sn_status status, const char* message) {
  auto* w = static_cast<Work*>(user);
  ++w->calls;
  w->seen_status = status;
  if (status != SN_OK) return;  // a poisoned input: release state only
  w->threads->emplace_back([w, completion] {
    std::this_thread::sleep_for(std::chrono::milliseconds(2));
    sn_engine_complete(completion, w->fail ? SN_ERR_CALLBACK : SN_OK, w->fail ? "custom op 'scale': forward threw" : nullptr);
  });
}

TEST(EngineApi, SettingsBeforeStartAndErrorsAfter) {
  int32_t compute = 0, copy = 0;
  ASSERT_EQ(sn_engine_get_cpu_workers(&compute, &copy), SN_OK);
  EXPECT_GE(compute, 1);
  EXPECT_EQ(sn_engine_set_cpu_workers(0, 1), SN_ERR_INVALID_ARGUMENT);
  EXPECT_NE(std::string(sn_last_error()).find("argument 'compute' expects a count in [1, 1024], got 0"),
            std::string::npos);
  sn_engine_var_t v = nullptr;
  ASSERT_EQ(sn_engine_var_create(&v), SN_OK);  // starts the engine
  EXPECT_EQ(sn_engine_set_kind(SN_ENGINE_NAIVE), SN_ERR_INVALID_STATE);
  EXPECT_NE(std::string(sn_last_error()).find("the engine has already started"), std::string::npos);
  EXPECT_EQ(sn_engine_set_cpu_workers(2, 1), SN_ERR_INVALID_STATE);
  EXPECT_EQ(sn_engine_set_max_pending_ops(1000), SN_OK);  // live setting
  EXPECT_EQ(sn_engine_set_max_pending_ops(0), SN_ERR_INVALID_ARGUMENT);
  ASSERT_EQ(sn_engine_set_max_pending_ops(1 << 16), SN_OK);
  EXPECT_EQ(sn_engine_var_free(v), SN_OK);
  EXPECT_EQ(sn_engine_var_free(nullptr), SN_OK);
}

TEST(EngineApi, AsyncWorkCompletesFromTheBindingsThreadAndPoisonPropagates) {
  std::vector<std::thread> threads;
  sn_engine_var_t a = nullptr, b = nullptr;
  ASSERT_EQ(sn_engine_var_create(&a), SN_OK);
  ASSERT_EQ(sn_engine_var_create(&b), SN_OK);

  Work ok{.threads = &threads};
  ASSERT_EQ(sn_engine_push_async(run_work, &ok, nullptr, 0, &a, 1, SN_DEVICE_CPU, 0, 0, "ok"), SN_OK);
  ASSERT_EQ(sn_engine_wait_for_var(a), SN_OK);
  EXPECT_EQ(ok.calls.load(), 1);

  Work failing{.fail = true, .threads = &threads};
  ASSERT_EQ(sn_engine_push_async(run_work, &failing, nullptr, 0, &a, 1, SN_DEVICE_CPU, 0, 0, "scale"), SN_OK);
  Work downstream{.threads = &threads};
  ASSERT_EQ(sn_engine_push_async(run_work, &downstream, &a, 1, &b, 1, SN_DEVICE_CPU, 1, 0, "next"), SN_OK);

  // An asynchronous wait hears the poison, with its code and message.
  Outcome outcome;
  ASSERT_EQ(sn_engine_notify_when_readable(b, on_readable, &outcome), SN_OK);
  outcome.wait();
  EXPECT_EQ(outcome.status, SN_ERR_CALLBACK);
  EXPECT_EQ(outcome.message, "custom op 'scale': forward threw");
  // The downstream work was told (to release its state) and never ran.
  EXPECT_EQ(downstream.calls.load(), 1);
  EXPECT_EQ(downstream.seen_status, SN_ERR_CALLBACK);

  EXPECT_EQ(sn_engine_wait_for_var(b), SN_ERR_CALLBACK);
  EXPECT_STREQ(sn_last_error(), "custom op 'scale': forward threw");
  EXPECT_EQ(sn_engine_wait_all(), SN_ERR_CALLBACK);  // the new error, once
  EXPECT_EQ(sn_engine_wait_all(), SN_OK);
  for (auto& t : threads) t.join();
  sn_engine_var_free(a);
  sn_engine_var_free(b);
}

TEST(EngineApi, BadArgumentsNameTheArgument) {
  sn_engine_var_t a = nullptr;
  ASSERT_EQ(sn_engine_var_create(&a), SN_OK);
  std::vector<std::thread> threads;
  Work w{.threads = &threads};
  EXPECT_EQ(sn_engine_push_async(run_work, &w, nullptr, 2, &a, 1, SN_DEVICE_CPU, 0, 0, "x"), SN_ERR_INVALID_ARGUMENT);
  EXPECT_STREQ(sn_last_error(), "sn_engine_push_async: argument 'reads' must not be NULL when num_reads is 2");
  EXPECT_EQ(sn_engine_push_async(run_work, &w, nullptr, 0, &a, 1, SN_DEVICE_GPU, 0, 0, "x"), SN_ERR_UNSUPPORTED);
  EXPECT_NE(std::string(sn_last_error()).find("gpu(0) is not available"), std::string::npos);
  EXPECT_EQ(sn_engine_push_async(run_work, &w, nullptr, 0, &a, 1, static_cast<sn_device_type>(7), 0, 0, "x"),
            SN_ERR_INVALID_ARGUMENT);
  EXPECT_EQ(sn_engine_wait_for_var(nullptr), SN_ERR_INVALID_ARGUMENT);
  EXPECT_EQ(sn_engine_complete(nullptr, SN_OK, nullptr), SN_ERR_INVALID_ARGUMENT);
  EXPECT_EQ(w.calls.load(), 0);
  sn_engine_var_free(a);
}

TEST(StorageApi, StatsAndLimit) {
  int64_t in_use = -1, cached = -1, peak = -1, limit = -1;
  ASSERT_EQ(sn_storage_get_stats(SN_DEVICE_CPU, 1, &in_use, &cached, &peak, &limit), SN_OK);
  EXPECT_GE(in_use, 0);
  EXPECT_GE(peak, in_use);
  EXPECT_EQ(limit, 0);
  ASSERT_EQ(sn_storage_set_memory_limit(SN_DEVICE_CPU, 0, 1 << 30), SN_OK);
  ASSERT_EQ(sn_storage_get_stats(SN_DEVICE_CPU, 0, &in_use, &cached, &peak, &limit), SN_OK);
  EXPECT_EQ(limit, 1 << 30);
  EXPECT_EQ(sn_storage_set_memory_limit(SN_DEVICE_CPU, 0, -5), SN_ERR_INVALID_ARGUMENT);
  ASSERT_EQ(sn_storage_set_memory_limit(SN_DEVICE_CPU, 0, 0), SN_OK);
  EXPECT_EQ(sn_storage_release_all(SN_DEVICE_CPU, 0), SN_OK);
  EXPECT_EQ(sn_storage_reset_peak(SN_DEVICE_CPU, 0), SN_OK);
  EXPECT_EQ(sn_storage_get_stats(SN_DEVICE_GPU, 0, &in_use, &cached, &peak, &limit), SN_ERR_UNSUPPORTED);
  EXPECT_EQ(sn_storage_get_stats(SN_DEVICE_CPU, 0, nullptr, &cached, &peak, &limit), SN_ERR_INVALID_ARGUMENT);
}

}  // namespace
