// OutreachRunner: one tick of outreach for the daemon to call every minute.
//
// Tick(): polls each feed whose poll interval has passed (conditional GET),
// plans and composes what is due within the horizon into the outbox
// (EnqueueDue), then reconciles and sends every due outbox row (Outbox).
// Mastodon accounts compose with the text limit their adapter reports
// (capabilities().max_text, read from the instance); story images are fetched
// through the same HTTP client for Bluesky link cards.
// A failing feed or platform is reported in the TickReport and retried on
// later ticks; it never stops the other feeds or accounts.
// Thread safety: call Tick() from one thread.
#pragma once

#include <map>
#include <string>

#include "bot/util/clock.h"
#include "bot/outreach/composer.h"
#include "bot/outreach/graphics.h"
#include "bot/outreach/http_getter.h"
#include "bot/outreach/outbox.h"
#include "bot/outreach/pipeline.h"
#include "bot/outreach/poller.h"
#include "bot/outreach/schedule.h"
#include "bot/outreach/store.h"

namespace aasr::outreach {

struct RunnerDeps {
  const ScheduleConfig* config = nullptr;
  const GraphicsCatalog* catalog = nullptr;
  const Composer* composer = nullptr;
  OutreachStore* store = nullptr;
  HttpGetter* http = nullptr;
  const Clock* clock = nullptr;
  PlatformFor platform_for;
  std::string image_cache_dir;
  RetryPolicy retry;
  int64_t horizon_seconds = 3600;
};

struct TickReport {
  int feeds_polled = 0;
  int feeds_not_modified = 0;
  int new_stories = 0;
  EnqueueReport enqueued;
  SendReport sent;
  Errors errors;  // feed and planning errors (send errors are in `sent`)
};

class OutreachRunner {
 public:
  explicit OutreachRunner(RunnerDeps deps) : d_(std::move(deps)) {}
  TickReport Tick();

 private:
  RunnerDeps d_;
  std::map<std::string, int64_t> next_poll_;  // feed name -> Unix seconds
};

}  // namespace aasr::outreach
