// Clock: the one source of "now" for the store, the review server and
// outreach, injected everywhere so that expiries (claims, sessions, the undo
// window), polling, max-age checks, schedules and retry backoff are
// deterministic in tests.
//
// Promises: NowMs() is milliseconds since the Unix epoch (UTC); NowUnix() is
// whole seconds. Civil time is only ever computed with cctz from an explicit
// zone. Production code uses SystemClock; tests use ManualClock, which moves
// only when told to. Both may be called from any thread.
// (bot/net/clock.h is the HTTP layer's clock: it also sleeps.)
#pragma once

#include <atomic>
#include <chrono>
#include <cstdint>

namespace aasr {

class Clock {
 public:
  virtual ~Clock() = default;
  virtual int64_t NowMs() const = 0;
  int64_t NowUnix() const { return NowMs() / 1000; }
};

class SystemClock : public Clock {
 public:
  int64_t NowMs() const override {
    return std::chrono::duration_cast<std::chrono::milliseconds>(
               std::chrono::system_clock::now().time_since_epoch())
        .count();
  }
};

class ManualClock : public Clock {
 public:
  explicit ManualClock(int64_t start_ms = 1'790'000'000'000) : now_(start_ms) {}
  int64_t NowMs() const override { return now_.load(); }
  void Set(int64_t ms) { now_.store(ms); }
  void Advance(int64_t ms) { now_.fetch_add(ms); }

 private:
  std::atomic<int64_t> now_;
};

}  // namespace aasr
