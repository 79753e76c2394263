#include "bot/util/log_limiter.h"

#include <catch2/catch.hpp>

using aasr::Error;
using aasr::ErrorCode;
using aasr::LogLimiter;
using aasr::ManualClock;

TEST_CASE("LogLimiter: one line per cause per minute, then the count of what was held back") {
  ManualClock clock(0);
  LogLimiter limiter(&clock);
  int64_t held = -1;
  REQUIRE(limiter.Admit("disk", &held));
  CHECK(held == 0);
  for (int i = 0; i < 25'000; ++i) REQUIRE_FALSE(limiter.Admit("disk", &held));
  CHECK(limiter.Admit("other cause", &held));  // causes are independent
  clock.Advance(59'999);
  CHECK_FALSE(limiter.Admit("disk", &held));
  clock.Advance(1);
  REQUIRE(limiter.Admit("disk", &held));
  CHECK(held == 25'001);
  CHECK(LogLimiter::HeldNote(held) == " (and 25001 more like this in the last minute)");
  CHECK(LogLimiter::HeldNote(0).empty());
}

TEST_CASE("LogLimiter: the window runs on monotonic time, so a wall-clock step changes nothing") {
  ManualClock clock(10'000'000);
  LogLimiter limiter(&clock);
  REQUIRE(limiter.Admit("db", nullptr));
  clock.Set(10'000'000 - 3'600'000);  // set back an hour
  CHECK_FALSE(limiter.Admit("db", nullptr));
  clock.SetWall(10'000'000 + 86'400'000);  // stepped forward a day by hand
  CHECK_FALSE(limiter.Admit("db", nullptr));
}

TEST_CASE("LogLimiter: errors that differ only in ids and numbers are one cause") {
  Error a{{"/var/lib/aasr-bot/bot.db"}, "comment 123", "not stored: database or disk is full (13)", ErrorCode::kIo};
  Error b{{"/var/lib/aasr-bot/bot.db"}, "comment 124", "not stored: database or disk is full (13)", ErrorCode::kIo};
  Error c{{"/var/lib/aasr-bot/bot.db"}, "comment 124", "not stored: database is locked", ErrorCode::kIo};
  CHECK(LogLimiter::CauseOf("mastodon", a) == LogLimiter::CauseOf("mastodon", b));
  CHECK(LogLimiter::CauseOf("mastodon", a) != LogLimiter::CauseOf("mastodon", c));
  CHECK(LogLimiter::CauseOf("mastodon", a) != LogLimiter::CauseOf("bluesky", a));
  Error d = a;
  d.code = ErrorCode::kTransient;
  CHECK(LogLimiter::CauseOf("mastodon", a) != LogLimiter::CauseOf("mastodon", d));
}

TEST_CASE("LogLimiter: endless distinct causes are bounded") {
  ManualClock clock(0);
  LogLimiter limiter(&clock, 60'000, 8);
  for (int i = 0; i < 1000; ++i) {
    clock.Advance(1);
    REQUIRE(limiter.Admit("cause " + std::string(1, static_cast<char>('a' + i % 26)) + std::to_string(i), nullptr));
  }
  // The most recent causes are still remembered and held back.
  CHECK_FALSE(limiter.Admit("cause " + std::string(1, static_cast<char>('a' + 999 % 26)) + "999", nullptr));
}
