#include <catch2/catch.hpp>

#include "bot/review/rate_limit.h"

using aasr::review::LoginLimiter;
using aasr::ManualClock;

TEST_CASE("login limiter: per user failures and per address attempts", "[review][limits]") {
  auto clock = std::make_shared<aasr::ManualClock>();
  LoginLimiter l(clock, 3, 5, 60'000);
  for (int i = 0; i < 3; ++i) {
    CHECK(l.RetryAfterMs("dana", "10.0.0.1") == 0);
    l.Record("dana", "10.0.0.1", false);
    clock->Advance(1000);
  }
  int64_t wait = l.RetryAfterMs("dana", "10.0.0.2");
  CHECK(wait == 60'000 - 3000);     // the first failure leaves the window then
  CHECK(l.RetryAfterMs("ana", "10.0.0.2") == 0);  // other users are not locked out
  l.Record("ana", "10.0.0.1", true);
  l.Record("ana", "10.0.0.1", true);
  CHECK(l.RetryAfterMs("ana", "10.0.0.1") > 0);   // five attempts from one address
  clock->Advance(wait);
  CHECK(l.RetryAfterMs("dana", "10.0.0.2") == 0);
  // A success clears the user's failures.
  l.Record("ben", "10.0.0.3", false);
  l.Record("ben", "10.0.0.3", false);
  l.Record("ben", "10.0.0.3", true);
  l.Record("ben", "10.0.0.4", false);
  CHECK(l.RetryAfterMs("ben", "10.0.0.9") == 0);
}
