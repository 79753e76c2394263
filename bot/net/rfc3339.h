// RFC 3339 timestamps in UTC: what Mastodon, AT Protocol and the Graph API
// exchange ("2026-11-23T01:02:03.456Z", "2026-11-23T01:02:03+0000").
// Pure functions; thread-safe.
#pragma once

#include <optional>
#include <string>

#include "bot/net/clock.h"

namespace aasr::net {

// "YYYY-MM-DDTHH:MM:SS.mmmZ", always UTC with milliseconds (AT Protocol's
// preferred createdAt form).
std::string FormatRfc3339(WallTime t);

// Accepts "Z", "+HH:MM", "+HHMM" offsets and optional fractional seconds.
std::optional<WallTime> ParseRfc3339(const std::string& s);

}  // namespace aasr::net
