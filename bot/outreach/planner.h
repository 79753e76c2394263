// Planner: turns schedules, the graphics catalog and pending stories into
// "this item, for this account, at this instant".
//
// Stories: each pending story of a feed an account follows is planned at the
// first minute at or after (seen_at + delay) that is inside the account's
// story window, outside its quiet hours, and on a local day under its daily
// cap (else the next day's first allowed minute).
// Graphics: each cron firing (DST rules in cron.h) takes the graphic that
// is active that local day (from/until), in the allowed campaigns, and not
// planned for this account within no_repeat_days; never-posted graphics first,
// then the least recently posted, ties in catalog order. A firing in quiet
// hours, over the daily cap, or with no eligible graphic is skipped and
// reported with its reason, never silently dropped.
//
// PlanRange() only reads the store (history, existing outbox rows) and
// simulates the range in memory, so `posts plan` and the daemon agree.
// Slots and stories already in the outbox are not planned again.
// Thread safety: one Planner per thread (it reads through the store).
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "bot/outreach/graphics.h"
#include "bot/outreach/schedule.h"
#include "bot/outreach/store.h"

namespace aasr::outreach {

struct PlanEntry {
  int64_t at = 0;
  std::string account;
  std::string platform;
  std::string kind;     // "story" or "graphic"
  std::string item_id;  // story id or graphic id
  std::string feed;     // stories
  std::string title;    // story title or graphic caption, for people
  std::string idempotency_key;
};

struct SkippedSlot {
  int64_t at = 0;
  std::string account;
  std::string reason;
};

struct Plan {
  std::vector<PlanEntry> entries;  // by time
  std::vector<SkippedSlot> skipped;
};

// Stable per account and item (stories) or per account and slot (graphics):
// "aasr-" + 32 hex digits of SHA-256. Used as Mastodon's Idempotency-Key and
// the seed of Bluesky's record key.
std::string IdempotencyKey(const std::string& account, const std::string& kind, const std::string& what);

class Planner {
 public:
  Planner(const ScheduleConfig& config, const GraphicsCatalog& catalog, OutreachStore& store)
      : config_(config), catalog_(catalog), store_(store) {}

  // Everything that would be planned in [from, to).
  Result<Plan> PlanRange(int64_t from, int64_t to, const std::vector<SeenStory>& pending);

 private:
  const ScheduleConfig& config_;
  const GraphicsCatalog& catalog_;
  OutreachStore& store_;
};

}  // namespace aasr::outreach
