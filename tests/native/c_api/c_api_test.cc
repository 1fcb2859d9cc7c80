// The ABI's error contract: statuses, thread-local messages, no exception escapes.
#include "sharpnet/c_api.h"

#include <gtest/gtest.h>

#include <string>
#include <thread>
#include <vector>

namespace {

TEST(CApi, VersionsMatchTheHeader) {
  int32_t major = 0, minor = 0;
  ASSERT_EQ(sn_abi_version(&major, &minor), SN_OK);
  EXPECT_EQ(major, SN_ABI_VERSION_MAJOR);
  EXPECT_EQ(minor, SN_ABI_VERSION_MINOR);
  const char* version = nullptr;
  ASSERT_EQ(sn_library_version(&version), SN_OK);
  EXPECT_STREQ(version, "0.1.0");
}

TEST(CApi, NullOutParameterIsAnInvalidArgumentNamingIt) {
  int32_t minor = 0;
  EXPECT_EQ(sn_abi_version(nullptr, &minor), SN_ERR_INVALID_ARGUMENT);
  EXPECT_STREQ(sn_last_error(), "sn_abi_version: argument 'major' must not be NULL");
  EXPECT_EQ(sn_runtime_has_feature(nullptr, nullptr), SN_ERR_INVALID_ARGUMENT);
  EXPECT_STREQ(sn_last_error(), "sn_runtime_has_feature: argument 'name' must not be NULL");
}

TEST(CApi, LastErrorIsPerThreadAndSurvivesSuccessfulCalls) {
  EXPECT_EQ(sn_runtime_set_intra_op_threads(-1), SN_ERR_INVALID_ARGUMENT);
  std::string mine = sn_last_error();
  EXPECT_NE(mine.find("got -1"), std::string::npos) << mine;

  std::string other;
  std::thread t([&] {
    other = sn_last_error();  // nothing failed on this thread
    uint8_t x = 0;
    EXPECT_EQ(sn_runtime_has_feature("NOPE", &x), SN_ERR_NOT_FOUND);
  });
  t.join();
  EXPECT_EQ(other, "");
  int32_t n = 0;
  EXPECT_EQ(sn_runtime_num_cores(&n), SN_OK);
  EXPECT_EQ(mine, sn_last_error());  // unchanged by the other thread and by success
}

TEST(CApi, FeaturesAndBuildInfo) {
  uint8_t has = 2;
  ASSERT_EQ(sn_runtime_has_feature("DNNL", &has), SN_OK);
  EXPECT_EQ(has, 1);
  ASSERT_EQ(sn_runtime_has_feature("CUDA", &has), SN_OK);
  EXPECT_EQ(has, 0);
  ASSERT_EQ(sn_runtime_has_feature("OPENMP", &has), SN_OK);
  EXPECT_EQ(sn_runtime_has_feature("cuda", &has), SN_ERR_NOT_FOUND);
  EXPECT_NE(std::string(sn_last_error()).find("expected one of CUDA, CUDNN"), std::string::npos);
  const char* info = nullptr;
  ASSERT_EQ(sn_runtime_build_info(&info), SN_OK);
  std::string text = info;
  EXPECT_NE(text.find("sharpnet 0.1.0"), std::string::npos) << text;
  EXPECT_NE(text.find("onednn 2."), std::string::npos) << text;
  EXPECT_NE(text.find("-march=x86-64-v3"), std::string::npos) << text;
  const char* again = nullptr;
  ASSERT_EQ(sn_runtime_build_info(&again), SN_OK);
  EXPECT_EQ(info, again);  // static storage
}

TEST(CApi, ContextsWithoutCuda) {
  int32_t gpus = -1;
  ASSERT_EQ(sn_context_num_gpus(&gpus), SN_OK);
  EXPECT_EQ(gpus, 0);
}

struct LogState {
  std::vector<std::pair<sn_log_level, std::string>> seen;
};

void on_log(void* user, sn_log_level level, const char* message) {
  static_cast<LogState*>(user)->seen.emplace_back(level, message);
}

TEST(CApi, LogCallbackReceivesMessagesUntilReplaced) {
  sn_log_level saved{};
  ASSERT_EQ(sn_log_get_level(&saved), SN_OK);
  LogState state;
  ASSERT_EQ(sn_log_set_callback(on_log, &state), SN_OK);
  ASSERT_EQ(sn_log_set_level(SN_LOG_INFO), SN_OK);
  ASSERT_EQ(sn_runtime_set_intra_op_threads(2), SN_OK);
  ASSERT_EQ(sn_log_set_callback(nullptr, nullptr), SN_OK);
  ASSERT_EQ(sn_runtime_set_intra_op_threads(0), SN_OK);  // goes to stderr, not to state
  ASSERT_EQ(state.seen.size(), 1u);
  EXPECT_EQ(state.seen[0].first, SN_LOG_INFO);
  EXPECT_EQ(state.seen[0].second, "intra-op threads set to 2");
  int32_t threads = 0;
  ASSERT_EQ(sn_runtime_get_intra_op_threads(&threads), SN_OK);
  int32_t cores = 0;
  ASSERT_EQ(sn_runtime_num_cores(&cores), SN_OK);
  EXPECT_EQ(threads, cores);
  EXPECT_EQ(sn_log_set_level(static_cast<sn_log_level>(9)), SN_ERR_INVALID_ARGUMENT);
  EXPECT_NE(std::string(sn_last_error()).find("got 9"), std::string::npos);
  ASSERT_EQ(sn_log_set_level(saved), SN_OK);
}

}  // namespace
