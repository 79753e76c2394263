#include <catch2/catch.hpp>

#include <atomic>
#include <thread>
#include <vector>

#include "bot/review/rate_limit.h"

using aasr::review::LimiterOptions;
using aasr::review::LoginLimiter;
using aasr::ManualClock;

namespace {
// One attempt start to finish.
bool Try(LoginLimiter& l, const std::string& user, const std::string& address, bool ok,
         int64_t* retry_after = nullptr) {
  auto a = l.Begin(user, address);
  if (retry_after) *retry_after = a.retry_after_ms;
  if (!a.allowed()) return false;
  l.Finish(a, ok);
  return true;
}
}  // namespace

TEST_CASE("login limiter: free failures, then a growing delay per user and address", "[review][limits]") {
  auto clock = std::make_shared<ManualClock>();
  LimiterOptions o;
  o.free_failures_per_user = 3;
  LoginLimiter l(clock, o);
  for (int i = 0; i < 3; ++i) CHECK(Try(l, "dana", "10.0.0.1", false));
  int64_t wait = 0;
  CHECK_FALSE(Try(l, "dana", "10.0.0.1", true, &wait));  // even the right password waits...
  CHECK(wait == 1000);
  clock->Advance(1000);
  CHECK(Try(l, "dana", "10.0.0.1", false));  // ...but only the delay: no lockout
  CHECK_FALSE(Try(l, "dana", "10.0.0.1", true, &wait));
  CHECK(wait == 2000);                       // doubled
  clock->Advance(2000);
  CHECK(Try(l, "dana", "10.0.0.1", false));
  CHECK_FALSE(Try(l, "dana", "10.0.0.1", true, &wait));
  CHECK(wait == 4000);
  // Another address, or another user, is not slowed by it.
  CHECK(Try(l, "dana", "10.0.0.2", true));
  CHECK(Try(l, "ana", "10.0.0.1", true));
  clock->Advance(4000);
  CHECK(Try(l, "dana", "10.0.0.1", true));   // a success clears the key
  CHECK(Try(l, "dana", "10.0.0.1", false));
  CHECK(Try(l, "dana", "10.0.0.1", false));
}

TEST_CASE("login limiter: successes are not counted", "[review][limits]") {
  auto clock = std::make_shared<ManualClock>();
  LoginLimiter l(clock, {});
  for (int i = 0; i < 100; ++i) REQUIRE(Try(l, "dana", "10.0.0.1", true));
}

TEST_CASE("login limiter: the delay never exceeds the maximum and failures are forgotten", "[review][limits]") {
  auto clock = std::make_shared<ManualClock>();
  LimiterOptions o;
  o.free_failures_per_user = 1;
  o.max_delay_ms = 8000;
  o.forget_ms = 60'000;
  LoginLimiter l(clock, o);
  int64_t wait = 0;
  for (int i = 0; i < 10; ++i) {
    REQUIRE(Try(l, "dana", "10.0.0.1", false));
    CHECK_FALSE(Try(l, "dana", "10.0.0.1", false, &wait));
    CHECK(wait <= 8000);
    clock->Advance(wait);
  }
  CHECK(wait == 8000);
  clock->Advance(60'000);
  CHECK(Try(l, "dana", "10.0.0.1", false));  // forgotten: free again
  CHECK(l.keys_for_test() > 0);
  clock->Advance(60'000);
  CHECK(Try(l, "x", "10.0.0.9", true));
  CHECK(l.keys_for_test() <= 2);  // idle keys dropped
}

TEST_CASE("login limiter: one address spraying names is slowed too", "[review][limits]") {
  auto clock = std::make_shared<ManualClock>();
  LimiterOptions o;
  o.free_failures_per_address = 4;
  LoginLimiter l(clock, o);
  for (int i = 0; i < 4; ++i) CHECK(Try(l, "user" + std::to_string(i), "10.0.0.1", false));
  CHECK_FALSE(Try(l, "someone", "10.0.0.1", false));
  CHECK(Try(l, "someone", "10.0.0.2", false));
}

TEST_CASE("login limiter: 20 failures for the admin from anyone leave the admin's own address alone",
          "[review][limits]") {
  auto clock = std::make_shared<ManualClock>();
  LoginLimiter l(clock, {});
  for (int i = 0; i < 20; ++i) {
    Try(l, "admin", "203.0.113.7", false);  // one attacker
    Try(l, "admin", "198.51.100." + std::to_string(i), false);  // or many
  }
  CHECK(Try(l, "admin", "192.0.2.1", true));
}

TEST_CASE("login limiter: check and reserve are one step under concurrency", "[review][limits]") {
  auto clock = std::make_shared<ManualClock>();
  LoginLimiter l(clock, {});  // 5 free failures per user and address
  // 8 guesses begin before any finishes (as 8 concurrent requests whose
  // password checks overlap): only 5 may go on to check a password.
  std::vector<LoginLimiter::Attempt> begun(8);
  std::vector<std::thread> threads;
  for (int i = 0; i < 8; ++i) threads.emplace_back([&, i] { begun[i] = l.Begin("dana", "10.0.0.1"); });
  for (auto& t : threads) t.join();
  int allowed = 0;
  for (const auto& a : begun) allowed += a.allowed();
  CHECK(allowed == 5);
  for (const auto& a : begun) l.Finish(a, false);
  CHECK_FALSE(l.Begin("dana", "10.0.0.1").allowed());
}

// Issue 15 §5: the moderators' side of the clock set back an hour. A delay
// is a duration on the monotonic clock: a wall-clock step back neither
// stretches it by the hour, nor does a step forward lift it.
TEST_CASE("login limiter: a wall-clock step back or forward neither extends nor lifts a delay", "[review][limits]") {
  auto clock = std::make_shared<ManualClock>();
  LimiterOptions o;
  o.free_failures_per_user = 1;
  LoginLimiter l(clock, o);
  CHECK(Try(l, "dana", "10.0.0.1", false));
  int64_t wait = 0;
  CHECK_FALSE(Try(l, "dana", "10.0.0.1", true, &wait));
  CHECK(wait == 1000);
  clock->SetWall(clock->NowMs() - 3'600'000);  // set back an hour
  CHECK_FALSE(Try(l, "dana", "10.0.0.1", true, &wait));
  CHECK(wait == 1000);                         // still the same second, not an hour more
  clock->Advance(1000);
  CHECK(Try(l, "dana", "10.0.0.1", false));    // the delay passed: one attempt goes through
  CHECK_FALSE(Try(l, "dana", "10.0.0.1", true, &wait));
  CHECK(wait == 2000);
  clock->SetWall(clock->NowMs() + 86'400'000);  // a day forward by hand
  CHECK_FALSE(Try(l, "dana", "10.0.0.1", true, &wait));
  CHECK(wait == 2000);                          // not lifted
  clock->Advance(2000);
  CHECK(Try(l, "dana", "10.0.0.1", true));
}
