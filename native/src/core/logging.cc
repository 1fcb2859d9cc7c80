#include "core/logging.h"

#include <cstdio>
#include <cstdlib>
#include <mutex>
#include <string>

namespace sn {

namespace {

LogLevel level_from_env() noexcept {
  const char* env = std::getenv("SHARPNET_LOG_LEVEL");
  if (env == nullptr) return LogLevel::kWarning;
  std::string_view v(env);
  if (v == "trace") return LogLevel::kTrace;
  if (v == "debug") return LogLevel::kDebug;
  if (v == "info") return LogLevel::kInfo;
  if (v == "warning") return LogLevel::kWarning;
  if (v == "error") return LogLevel::kError;
  if (v == "critical") return LogLevel::kCritical;
  if (v == "none") return LogLevel::kNone;
  std::fprintf(stderr, "[sharpnet] WARNING: SHARPNET_LOG_LEVEL='%s' is not one of trace, debug, info, warning, "
               "error, critical, none; using warning\n", env);
  return LogLevel::kWarning;
}

// Held while a sink runs and while the sink is replaced (the swap guarantee).
std::mutex& sink_mutex() {
  static std::mutex* m = new std::mutex;  // leaked on purpose: usable during static destruction
  return *m;
}
LogSink g_sink = nullptr;
void* g_sink_user = nullptr;

}  // namespace

namespace detail {
std::atomic<int32_t> g_log_level{static_cast<int32_t>(level_from_env())};
}

void set_log_level(LogLevel level) noexcept { detail::g_log_level.store(static_cast<int32_t>(level)); }

LogLevel log_level() noexcept { return static_cast<LogLevel>(detail::g_log_level.load()); }

void set_log_sink(LogSink sink, void* user_data) noexcept {
  std::lock_guard lock(sink_mutex());
  g_sink = sink;
  g_sink_user = user_data;
}

std::string_view log_level_name(LogLevel level) noexcept {
  switch (level) {
    case LogLevel::kTrace: return "TRACE";
    case LogLevel::kDebug: return "DEBUG";
    case LogLevel::kInfo: return "INFO";
    case LogLevel::kWarning: return "WARNING";
    case LogLevel::kError: return "ERROR";
    case LogLevel::kCritical: return "CRITICAL";
    case LogLevel::kNone: return "NONE";
  }
  return "?";
}

void log_message(LogLevel level, std::string_view message) noexcept {
  try {
    std::string text(message);
    std::lock_guard lock(sink_mutex());
    if (g_sink != nullptr) {
      g_sink(g_sink_user, static_cast<int32_t>(level), text.c_str());
    } else {
      std::fprintf(stderr, "[sharpnet] %.*s: %s\n", static_cast<int>(log_level_name(level).size()),
                   log_level_name(level).data(), text.c_str());
    }
  } catch (...) {
    // Logging must never turn into a failure of the caller (e.g. std::bad_alloc).
  }
}

}  // namespace sn
