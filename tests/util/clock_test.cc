#include "bot/util/clock.h"

#include <catch2/catch.hpp>

using aasr::ManualClock;
using aasr::Millis;
using aasr::SystemClock;

TEST_CASE("ManualClock: setting the wall clock back leaves monotonic time where it was") {
  ManualClock c(1'000'000);
  c.Advance(500);
  REQUIRE(c.NowMs() == 1'000'500);
  REQUIRE(c.MonotonicMs() == 500);
  c.Set(1'000'500 - 3'600'000);  // back an hour
  CHECK(c.NowMs() == 1'000'500 - 3'600'000);
  CHECK(c.MonotonicMs() == 500);
  c.Set(1'000'500);  // corrected: time passed forward again by an hour
  CHECK(c.MonotonicMs() == 500 + 3'600'000);
  c.SetWall(5);  // a pure step either way
  CHECK(c.NowMs() == 5);
  CHECK(c.MonotonicMs() == 500 + 3'600'000);
}

TEST_CASE("ManualClock: sleeping moves both clocks and is remembered") {
  ManualClock c(0);
  c.SleepFor(Millis(250));
  c.SleepForMs(0);
  CHECK(c.NowMs() == 250);
  CHECK(c.MonotonicMs() == 250);
  REQUIRE(c.sleeps().size() == 2);
  CHECK(c.total_slept() == Millis(250));
  c.Advance(-5);  // time never runs backwards by Advance
  CHECK(c.MonotonicMs() == 250);
}

TEST_CASE("ManualClock: std::chrono views agree with the millisecond ones") {
  ManualClock c(aasr::WallTime(Millis(1'790'000'000'123)));
  CHECK(c.NowMs() == 1'790'000'000'123);
  CHECK(c.Now() == aasr::WallTime(Millis(1'790'000'000'123)));
  CHECK(c.NowUnix() == 1'790'000'000);
}

TEST_CASE("SystemClock: monotonic time does not go backwards and sleeping waits") {
  const SystemClock* c = SystemClock::Get();
  const int64_t a = c->MonotonicMs();
  c->SleepForMs(5);
  const int64_t b = c->MonotonicMs();
  CHECK(b >= a + 4);
  CHECK(c->NowMs() > 1'700'000'000'000);
}
