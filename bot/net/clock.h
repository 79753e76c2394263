// Clock and Random: time and chance, injected.
//
// The HTTP layer waits (backoff, pacing, Retry-After) and draws jitter; the
// adapters stamp createdAt and derive record keys from the time. All of them
// take these interfaces so tests run instantly and deterministically: a
// FakeClock "sleeps" by moving its own time forward and remembers each sleep.
//
// Thread safety: SystemClock and SeededRandom are safe to share; FakeClock
// guards its state with a mutex.
#pragma once

#include <chrono>
#include <cstdint>
#include <mutex>
#include <random>
#include <vector>

namespace aasr::net {

using WallTime = std::chrono::system_clock::time_point;
using Millis = std::chrono::milliseconds;

class Clock {
 public:
  virtual ~Clock() = default;
  virtual WallTime Now() = 0;
  virtual void SleepFor(Millis d) = 0;
};

class SystemClock : public Clock {
 public:
  WallTime Now() override;
  void SleepFor(Millis d) override;
  static SystemClock* Get();  // a process-wide instance
};

// Starts at `start`; SleepFor advances time and records the duration.
class FakeClock : public Clock {
 public:
  explicit FakeClock(WallTime start);
  WallTime Now() override;
  void SleepFor(Millis d) override;
  void Advance(Millis d);
  std::vector<Millis> sleeps();
  Millis total_slept();

 private:
  std::mutex mu_;
  WallTime now_;
  std::vector<Millis> sleeps_;
};

class Random {
 public:
  virtual ~Random() = default;
  virtual double Uniform01() = 0;  // in [0, 1)
};

class SeededRandom : public Random {
 public:
  explicit SeededRandom(uint64_t seed) : gen_(seed) {}
  double Uniform01() override;

 private:
  std::mutex mu_;
  std::mt19937_64 gen_;
};

}  // namespace aasr::net
