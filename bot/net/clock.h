// Time and chance for the HTTP layer and the adapters, injected.
//
// Time is the bot's one Clock (bot/util/clock.h: wall time, monotonic time,
// sleeping); the names here are kept so the HTTP layer reads as before:
// net::Clock is aasr::Clock, net::FakeClock is aasr::ManualClock (a sleep
// moves its time forward and is remembered). Random draws the jitter of
// backoff.
//
// Thread safety: the clocks and SeededRandom are safe to share.
#pragma once

#include <cstdint>
#include <mutex>
#include <random>

#include "bot/util/clock.h"

namespace aasr::net {

using aasr::Millis;
using aasr::WallTime;
using Clock = aasr::Clock;
using SystemClock = aasr::SystemClock;
using FakeClock = aasr::ManualClock;

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
