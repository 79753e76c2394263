#include "bot/util/clock.h"

#include <thread>

namespace aasr {

int64_t SystemClock::NowMs() const {
  return std::chrono::duration_cast<Millis>(std::chrono::system_clock::now().time_since_epoch()).count();
}

int64_t SystemClock::MonotonicMs() const {
  return std::chrono::duration_cast<Millis>(std::chrono::steady_clock::now().time_since_epoch()).count();
}

void SystemClock::SleepForMs(int64_t ms) const {
  if (ms > 0) std::this_thread::sleep_for(Millis(ms));
}

SystemClock* SystemClock::Get() {
  static SystemClock clock;
  return &clock;
}

ManualClock::ManualClock(int64_t start_ms) : wall_ms_(start_ms) {}

ManualClock::ManualClock(WallTime start)
    : wall_ms_(std::chrono::duration_cast<Millis>(start.time_since_epoch()).count()) {}

int64_t ManualClock::NowMs() const {
  std::lock_guard<std::mutex> lock(mu_);
  return wall_ms_;
}

int64_t ManualClock::MonotonicMs() const {
  std::lock_guard<std::mutex> lock(mu_);
  return mono_ms_;
}

void ManualClock::SleepForMs(int64_t ms) const {
  std::lock_guard<std::mutex> lock(mu_);
  sleeps_.push_back(Millis(ms));
  if (ms > 0) {
    wall_ms_ += ms;
    mono_ms_ += ms;
  }
}

void ManualClock::Set(int64_t ms) {
  std::lock_guard<std::mutex> lock(mu_);
  if (ms > wall_ms_) mono_ms_ += ms - wall_ms_;
  wall_ms_ = ms;
}

void ManualClock::SetWall(int64_t ms) {
  std::lock_guard<std::mutex> lock(mu_);
  wall_ms_ = ms;
}

void ManualClock::Advance(int64_t ms) {
  std::lock_guard<std::mutex> lock(mu_);
  if (ms <= 0) return;
  wall_ms_ += ms;
  mono_ms_ += ms;
}

std::vector<Millis> ManualClock::sleeps() const {
  std::lock_guard<std::mutex> lock(mu_);
  return sleeps_;
}

Millis ManualClock::total_slept() const {
  std::lock_guard<std::mutex> lock(mu_);
  Millis total{0};
  for (Millis d : sleeps_) total += d;
  return total;
}

}  // namespace aasr
