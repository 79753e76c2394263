// RFC 3339 timestamps in UTC: what Mastodon, AT Protocol and the Graph API
// exchange ("2026-11-23T01:02:03.456Z", "2026-11-23T01:02:03+0000").
// Pure functions; thread-safe.
#pragma once

#include <cstdint>
#include <optional>
#include <string>

#include "bot/net/clock.h"

namespace aasr::net {

// "YYYY-MM-DDTHH:MM:SS.mmmZ", always UTC with milliseconds (AT Protocol's
// preferred createdAt form).
std::string FormatRfc3339(WallTime t);

// Accepts "Z", "+HH:MM", "+HHMM" offsets and optional fractional seconds.
// nullopt for anything else, and for a time WallTime cannot hold (before
// 1677-09-22 or after 2262-04-11, e.g. "9999-12-31T23:59:59Z").
std::optional<WallTime> ParseRfc3339(const std::string& s);

// Unix seconds as a WallTime; nullopt outside what WallTime holds (a
// platform's created_time of 1e15 would overflow the nanoseconds).
std::optional<WallTime> FromUnixSeconds(int64_t unix_seconds);

// Days from `then` to `now` (negative if `then` is later), computed in
// double: `now - then` on two WallTimes far apart overflows int64.
double DaysBetween(WallTime then, WallTime now);

}  // namespace aasr::net
