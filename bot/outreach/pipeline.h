// EnqueueDue: the step between planning and sending. Plans everything due in
// [now, now + horizon), composes each entry for its platform, and writes it
// to the outbox (or a failed row with the reason, if it cannot be composed).
// A story becomes `planned` only once every account following its feed has
// its row, so a story is never lost between accounts.
// The "local" platform composes with Mastodon's limits. A story's featured
// image becomes the Bluesky link card thumbnail when `fetch_image` can bring
// it to a local file (downscaled to the card's limit); if it cannot, the card
// goes without a thumbnail rather than the post being held back.
// Thread safety: as the store (one caller per connection).
#pragma once

#include <cstdint>
#include <functional>
#include <map>

#include "bot/util/clock.h"
#include "bot/outreach/composer.h"
#include "bot/outreach/graphics.h"
#include "bot/outreach/http_getter.h"
#include "bot/outreach/outbox.h"
#include "bot/outreach/schedule.h"
#include "bot/outreach/store.h"

namespace aasr::outreach {

struct EnqueueReport {
  int enqueued = 0;
  int failed = 0;  // recorded as failed rows
  std::vector<SkippedSlot> skipped;
};

struct EnqueueOptions {
  int64_t horizon_seconds = 3600;
  // Text limits reported by connected accounts (Platform::capabilities().max_text,
  // e.g. a Mastodon instance allowing 1000 characters); absent: the defaults.
  std::map<std::string, int> max_text_by_account;
  // ... and what a URL counts there (Capabilities::url_weight, the
  // instance's characters_reserved_per_url), so the composer counts as the
  // adapter will; absent: the platform's default.
  std::map<std::string, int> url_weight_by_account;
  // A story image URL -> a local file, or "" when unavailable.
  std::function<std::string(const std::string& url)> fetch_image;
};

Result<EnqueueReport> EnqueueDue(const ScheduleConfig& config, const GraphicsCatalog& catalog,
                                 const Composer& composer, OutreachStore& store, const Clock& clock,
                                 const EnqueueOptions& options);
inline Result<EnqueueReport> EnqueueDue(const ScheduleConfig& config, const GraphicsCatalog& catalog,
                                        const Composer& composer, OutreachStore& store, const Clock& clock,
                                        int64_t horizon_seconds) {
  EnqueueOptions o;
  o.horizon_seconds = horizon_seconds;
  return EnqueueDue(config, catalog, composer, store, clock, o);
}

// Downloads `url` into `cache_dir` (named by a hash of the URL, reused when
// present) through `http`; "" if the answer is not a 200 image.
std::string FetchImageToCache(HttpGetter& http, const std::string& url, const std::string& cache_dir);

// Limits for a platform name, "local" mapped to Mastodon's.
std::optional<PlatformLimits> LimitsForPlatform(const std::string& platform);

}  // namespace aasr::outreach
