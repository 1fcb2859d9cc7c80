// Building messages: sn::str(parts...) streams its arguments together.
#pragma once

#include <algorithm>
#include <cstdint>
#include <sstream>
#include <string>
#include <string_view>
#include <vector>

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

// Levenshtein distance (for "did you mean" suggestions).
inline size_t edit_distance(std::string_view a, std::string_view b) {
  std::vector<size_t> row(b.size() + 1);
  for (size_t j = 0; j <= b.size(); ++j) row[j] = j;
  for (size_t i = 1; i <= a.size(); ++i) {
    size_t diag = row[0];
    row[0] = i;
    for (size_t j = 1; j <= b.size(); ++j) {
      size_t up = row[j];
      row[j] = std::min({row[j] + 1, row[j - 1] + 1, diag + (a[i - 1] == b[j - 1] ? 0 : 1)});
      diag = up;
    }
  }
  return row[b.size()];
}

// The candidate closest to `name` when it is close enough to be a typo of it, else "".
template <class Range>
std::string_view closest_match(std::string_view name, const Range& candidates) {
  std::string_view best;
  size_t best_d = SIZE_MAX;
  for (const auto& c : candidates) {
    size_t d = edit_distance(name, c);
    if (d < best_d) {
      best_d = d;
      best = c;
    }
  }
  return best_d <= std::max<size_t>(2, name.size() / 3) ? best : std::string_view();
}

}  // namespace sn
