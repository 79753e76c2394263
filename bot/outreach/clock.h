// Clock: the one source of "now" for outreach, injected everywhere so that
// polling, max-age checks, schedules and retry backoff are deterministic in
// tests. Times are Unix seconds (UTC); civil time is only ever computed with
// cctz from an explicit zone.
// Thread safety: SystemClock is thread safe; FakeClock is not (tests only
// drive it from one thread).
#pragma once

#include <chrono>
#include <cstdint>

namespace aasr::outreach {

class Clock {
 public:
  virtual ~Clock() = default;
  virtual int64_t NowUnix() const = 0;
};

class SystemClock : public Clock {
 public:
  int64_t NowUnix() const override {
    return std::chrono::duration_cast<std::chrono::seconds>(
               std::chrono::system_clock::now().time_since_epoch())
        .count();
  }
};

// A clock that only moves when told to (tests, `posts plan` from a fixed start).
class FakeClock : public Clock {
 public:
  explicit FakeClock(int64_t now) : now_(now) {}
  int64_t NowUnix() const override { return now_; }
  void Set(int64_t now) { now_ = now; }
  void Advance(int64_t seconds) { now_ += seconds; }

 private:
  int64_t now_;
};

}  // namespace aasr::outreach
