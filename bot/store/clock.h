// Clock: the one source of "now" for the store and the review server.
//
// Promises: NowMs() returns milliseconds since the Unix epoch (UTC). Production
// code uses SystemClock; tests use ManualClock so that expiries (claims,
// sessions, the 10-minute undo window) are checked without sleeping.
// Thread safety: both implementations may be called from any thread.
#pragma once

#include <atomic>
#include <chrono>
#include <cstdint>

namespace aasr::store {

class Clock {
 public:
  virtual ~Clock() = default;
  virtual int64_t NowMs() const = 0;
};

class SystemClock : public Clock {
 public:
  int64_t NowMs() const override {
    return std::chrono::duration_cast<std::chrono::milliseconds>(
               std::chrono::system_clock::now().time_since_epoch())
        .count();
  }
};

// A clock that only moves when told to.
class ManualClock : public Clock {
 public:
  explicit ManualClock(int64_t start_ms = 1'790'000'000'000) : now_(start_ms) {}
  int64_t NowMs() const override { return now_.load(); }
  void Set(int64_t ms) { now_.store(ms); }
  void Advance(int64_t ms) { now_.fetch_add(ms); }

 private:
  std::atomic<int64_t> now_;
};

}  // namespace aasr::store
