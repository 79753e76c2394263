#include "bot/net/clock.h"

#include <thread>

namespace aasr::net {

WallTime SystemClock::Now() { return std::chrono::system_clock::now(); }
void SystemClock::SleepFor(Millis d) {
  if (d.count() > 0) std::this_thread::sleep_for(d);
}
SystemClock* SystemClock::Get() {
  static SystemClock clock;
  return &clock;
}

FakeClock::FakeClock(WallTime start) : now_(start) {}
WallTime FakeClock::Now() {
  std::lock_guard<std::mutex> lock(mu_);
  return now_;
}
void FakeClock::SleepFor(Millis d) {
  std::lock_guard<std::mutex> lock(mu_);
  sleeps_.push_back(d);
  if (d.count() > 0) now_ += d;
}
void FakeClock::Advance(Millis d) {
  std::lock_guard<std::mutex> lock(mu_);
  now_ += d;
}
std::vector<Millis> FakeClock::sleeps() {
  std::lock_guard<std::mutex> lock(mu_);
  return sleeps_;
}
Millis FakeClock::total_slept() {
  std::lock_guard<std::mutex> lock(mu_);
  Millis total{0};
  for (Millis d : sleeps_) total += d;
  return total;
}

double SeededRandom::Uniform01() {
  std::lock_guard<std::mutex> lock(mu_);
  return std::uniform_real_distribution<double>(0.0, 1.0)(gen_);
}

}  // namespace aasr::net
