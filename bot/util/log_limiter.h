// LogLimiter: at most one log line per cause per window (a minute), with a
// count of what was held back.
//
// A full disk or a broken database makes every comment of every poll fail
// the same way: 25,416 identical warnings in one poll (14 MB of log in 30 s)
// were measured before this. The daemon passes each error through Admit();
// the first of a cause is logged at once, the rest of that window are
// counted, and the next line of that cause says how many were held back.
//
//   LogLimiter limiter(clock);
//   int64_t held = 0;
//   if (limiter.Admit(LogLimiter::CauseOf(account, e), &held))
//     log->warn("{}: {}{}", account, e.ToString(), LogLimiter::HeldNote(held));
//
// The cause of an Error is its account, code and message with digits and ids
// blanked, so "comment 123 not stored: disk full" and the same for comment
// 124 are one cause. Windows run on the clock's monotonic time. At most
// max_causes are remembered (the oldest is forgotten first), so hostile or
// endless variety cannot grow it. Thread-safe.
#pragma once

#include <cstdint>
#include <map>
#include <mutex>
#include <string>

#include "bot/util/clock.h"
#include "bot/util/error.h"

namespace aasr {

class LogLimiter {
 public:
  explicit LogLimiter(const Clock* clock, int64_t window_ms = 60'000, size_t max_causes = 512);

  // True when a line of this cause may be logged now; *held (may be null) is
  // then the number of lines of the cause held back since the last one.
  bool Admit(const std::string& cause, int64_t* held);

  static std::string CauseOf(const std::string& scope, const Error& e);
  // "" or " (and 41 more like this in the last minute)".
  static std::string HeldNote(int64_t held);

 private:
  struct Entry {
    int64_t window_start = 0;
    int64_t held = 0;
  };
  const Clock* clock_;
  const int64_t window_ms_;
  const size_t max_causes_;
  std::mutex mu_;
  std::map<std::string, Entry> causes_;
};

}  // namespace aasr
