// Clock: the one source of time for the whole bot: wall time, monotonic time
// and sleeping, injected everywhere (LevelDB's Env does the same) so that
// expiries (claims, sessions, the undo window), polling, max-age checks,
// schedules, retry backoff and rate-limit waits are deterministic in tests.
//
// Promises:
// - NowMs() is wall time: milliseconds since the Unix epoch (UTC). It is what
//   is stored and shown, and it may jump (an administrator or NTP setting the
//   clock). Civil time is only ever computed with cctz from an explicit zone.
// - MonotonicMs() never goes backwards and does not jump when the wall clock
//   is set; its origin is arbitrary. Every "how long until" and "how long
//   since" inside one process (poll intervals, sleeps, stall detection,
//   deadlines) is measured on it, so setting the wall clock back an hour
//   freezes nothing.
// - SleepForMs() waits that long (SystemClock) or moves time forward and
//   remembers the sleep (ManualClock), so tests run instantly.
// Production code uses SystemClock (SystemClock::Get() for a shared one);
// tests use ManualClock, which moves only when told to. Both may be called
// from any thread.
#pragma once

#include <chrono>
#include <cstdint>
#include <mutex>
#include <vector>

namespace aasr {

using WallTime = std::chrono::system_clock::time_point;
using Millis = std::chrono::milliseconds;

class Clock {
 public:
  virtual ~Clock() = default;
  virtual int64_t NowMs() const = 0;
  virtual int64_t MonotonicMs() const = 0;
  virtual void SleepForMs(int64_t ms) const = 0;

  int64_t NowUnix() const { return NowMs() / 1000; }
  // The same, as std::chrono values (the HTTP layer's pacing and backoff).
  WallTime Now() const { return WallTime(Millis(NowMs())); }
  void SleepFor(Millis d) const { SleepForMs(d.count()); }
};

class SystemClock final : public Clock {
 public:
  int64_t NowMs() const override;
  int64_t MonotonicMs() const override;
  void SleepForMs(int64_t ms) const override;
  static SystemClock* Get();  // a process-wide instance
};

// Starts at start_ms (wall) with monotonic time 0. Advance() and sleeps move
// both; SetWall() steps the wall clock alone, as a person setting the time
// would; Set() is "time passes to". Sleeps are recorded for tests that check backoff.
class ManualClock : public Clock {
 public:
  explicit ManualClock(int64_t start_ms = 1'790'000'000'000);
  explicit ManualClock(WallTime start);
  int64_t NowMs() const override;
  int64_t MonotonicMs() const override;
  void SleepForMs(int64_t ms) const override;

  // Moves the wall clock to ms. Forward, that much time has passed
  // (monotonic time moves too); backward, the clock was set back (monotonic
  // time stays).
  void Set(int64_t ms);
  // Steps the wall clock to ms either way; monotonic time does not move (a
  // clock set forward by hand, or NTP correcting a drift).
  void SetWall(int64_t ms);
  // Both clocks forward by ms (>= 0).
  void Advance(int64_t ms);
  void Advance(Millis d) { Advance(d.count()); }
  std::vector<Millis> sleeps() const;
  Millis total_slept() const;

 private:
  mutable std::mutex mu_;
  mutable int64_t wall_ms_;
  mutable int64_t mono_ms_ = 0;
  mutable std::vector<Millis> sleeps_;
};

}  // namespace aasr
