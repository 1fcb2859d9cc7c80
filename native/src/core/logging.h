// Logging with levels and a replaceable sink (the .NET binding bridges it to ILogger).
#pragma once

#include <atomic>
#include <cstdint>
#include <string_view>

#include "core/str.h"

namespace sn {

// Values are Microsoft.Extensions.Logging.LogLevel's and the ABI's sn_log_level.
enum class LogLevel : int32_t { kTrace = 0, kDebug = 1, kInfo = 2, kWarning = 3, kError = 4, kCritical = 5, kNone = 6 };

// Receives one message; never called concurrently with itself.
using LogSink = void (*)(void* user_data, int32_t level, const char* message);

namespace detail {
extern std::atomic<int32_t> g_log_level;
}

inline bool log_enabled(LogLevel level) noexcept {
  return static_cast<int32_t>(level) >= detail::g_log_level.load(std::memory_order_relaxed) &&
         level != LogLevel::kNone;
}
void set_log_level(LogLevel level) noexcept;
LogLevel log_level() noexcept;
// Replaces the sink (nullptr: stderr). When this returns, the old sink is
// neither running nor called again.
void set_log_sink(LogSink sink, void* user_data) noexcept;
// Writes a message at `level` if enabled. Never throws.
void log_message(LogLevel level, std::string_view message) noexcept;
std::string_view log_level_name(LogLevel level) noexcept;

}  // namespace sn

// SN_LOG(kInfo, "parts ", 1, ...): the message is built only when the level is enabled.
#define SN_LOG(level, ...)                                                                    \
  do {                                                                                        \
    if (::sn::log_enabled(::sn::LogLevel::level)) {                                           \
      ::sn::log_message(::sn::LogLevel::level, ::sn::str(__VA_ARGS__));                       \
    }                                                                                         \
  } while (0)
