#include "core/logging.h"

#include <gtest/gtest.h>

#include <atomic>
#include <string>
#include <thread>
#include <vector>

#include "core/error.h"
#include "core/threading.h"

namespace sn {
namespace {

struct Captured {
  std::vector<std::pair<int32_t, std::string>> messages;
  std::atomic<int> in_sink{0};
  std::atomic<bool> overlapped{false};
};

void capture(void* user, int32_t level, const char* message) {
  auto* c = static_cast<Captured*>(user);
  if (c->in_sink.fetch_add(1) != 0) c->overlapped = true;
  c->messages.emplace_back(level, message);
  c->in_sink.fetch_sub(1);
}

class LoggingTest : public ::testing::Test {
 protected:
  void SetUp() override { saved_ = log_level(); }
  void TearDown() override {
    set_log_sink(nullptr, nullptr);
    set_log_level(saved_);
  }
  LogLevel saved_{};
};

TEST_F(LoggingTest, LevelsGateMessagesAndSinkReceivesThem) {
  Captured c;
  set_log_sink(capture, &c);
  set_log_level(LogLevel::kWarning);
  SN_LOG(kInfo, "hidden ", 1);
  SN_LOG(kWarning, "shown ", 2);
  SN_LOG(kError, "also ", 3);
  ASSERT_EQ(c.messages.size(), 2u);
  EXPECT_EQ(c.messages[0], std::make_pair(3, std::string("shown 2")));
  EXPECT_EQ(c.messages[1].first, 4);
  set_log_level(LogLevel::kNone);
  SN_LOG(kCritical, "nothing at none");
  EXPECT_EQ(c.messages.size(), 2u);
}

TEST_F(LoggingTest, DisabledMessagesAreNeverBuilt) {
  set_log_level(LogLevel::kError);
  int evaluated = 0;
  auto costly = [&] {
    ++evaluated;
    return "x";
  };
  SN_LOG(kDebug, costly());
  EXPECT_EQ(evaluated, 0);
}

TEST_F(LoggingTest, SinkIsNeverRunConcurrently) {
  Captured c;
  set_log_sink(capture, &c);
  set_log_level(LogLevel::kTrace);
  std::vector<std::thread> threads;
  for (int t = 0; t < 4; ++t)
    threads.emplace_back([] {
      for (int i = 0; i < 500; ++i) SN_LOG(kInfo, "message ", i);
    });
  for (auto& t : threads) t.join();
  EXPECT_EQ(c.messages.size(), 2000u);
  EXPECT_FALSE(c.overlapped);
}

TEST_F(LoggingTest, ThreadSettingIsLoggedAndValidated) {
  Captured c;
  set_log_sink(capture, &c);
  set_log_level(LogLevel::kInfo);
  set_intra_op_threads(3);
  EXPECT_EQ(intra_op_threads(), 3);
  set_intra_op_threads(0);
  EXPECT_EQ(intra_op_threads(), num_cores());
  ASSERT_EQ(c.messages.size(), 2u);
  EXPECT_EQ(c.messages[0].second, "intra-op threads set to 3");
  try {
    set_intra_op_threads(-2);
    FAIL();
  } catch (const Error& e) {
    EXPECT_NE(std::string(e.what()).find("argument 'num_threads' expects a count >= 0"), std::string::npos);
    EXPECT_NE(std::string(e.what()).find("got -2"), std::string::npos);
  }
  EXPECT_GE(num_cores(), 1);
}

}  // namespace
}  // namespace sn
