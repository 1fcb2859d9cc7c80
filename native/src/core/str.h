// Building messages: sn::str(parts...) streams its arguments together.
#pragma once

#include <sstream>
#include <string>
#include <string_view>

namespace sn {

// Streams every argument with the classic "C" locale, so messages and the
// parameter spellings never depend on the host's culture.
template <class... Args>
std::string str(const Args&... args) {
  if constexpr (sizeof...(Args) == 0) {
    return {};
  } else {
    std::ostringstream os;
    os.imbue(std::locale::classic());
    (os << ... << args);
    return std::move(os).str();
  }
}

// Joins items with a separator, each streamed as by str().
template <class Range>
std::string join(const Range& items, std::string_view sep, std::string_view quote = "") {
  std::ostringstream os;
  os.imbue(std::locale::classic());
  bool first = true;
  for (const auto& item : items) {
    if (!first) os << sep;
    os << quote << item << quote;
    first = false;
  }
  return std::move(os).str();
}

}  // namespace sn
