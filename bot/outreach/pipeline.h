// EnqueueDue: the step between planning and sending. Plans everything due in
// [now, now + horizon), composes each entry for its platform, and writes it
// to the outbox (or a failed row with the reason, if it cannot be composed).
// A story becomes `planned` only once every account following its feed has
// its row, so a story is never lost between accounts.
// The "local" platform composes with Mastodon's limits.
// Thread safety: as the store (one caller per connection).
#pragma once

#include <cstdint>

#include "bot/outreach/clock.h"
#include "bot/outreach/composer.h"
#include "bot/outreach/graphics.h"
#include "bot/outreach/outbox.h"
#include "bot/outreach/schedule.h"
#include "bot/outreach/store.h"

namespace aasr::outreach {

struct EnqueueReport {
  int enqueued = 0;
  int failed = 0;  // recorded as failed rows
  std::vector<SkippedSlot> skipped;
};

Result<EnqueueReport> EnqueueDue(const ScheduleConfig& config, const GraphicsCatalog& catalog,
                                 const Composer& composer, OutreachStore& store, const Clock& clock,
                                 int64_t horizon_seconds);

// Limits for a platform name, "local" mapped to Mastodon's.
std::optional<PlatformLimits> LimitsForPlatform(const std::string& platform);

}  // namespace aasr::outreach
