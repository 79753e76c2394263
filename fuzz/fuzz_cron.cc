// Cron expressions of schedules.yaml: parse, and for what parses the next
// few firings in a zone with DST changes. Errors carry a column inside the text.
#include <cctz/time_zone.h>

#include "bot/outreach/cron.h"
#include "fuzz/fuzz_util.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  static const cctz::time_zone zone = [] {
    cctz::time_zone z;
    if (!cctz::load_time_zone("America/New_York", &z)) z = cctz::utc_time_zone();
    return z;
  }();
  const std::string text = aasr::fuzz::Input(data, size);
  aasr::outreach::CronExpr c;
  aasr::outreach::CronError e;
  if (!aasr::outreach::CronExpr::Parse(text, &c, &e)) {
    FUZZ_CHECK(e.column <= text.size());
    FUZZ_CHECK(!e.message.empty());
    return 0;
  }
  int64_t t = 1'700'000'000;  // 2023-11-14
  for (int i = 0; i < 4; ++i) {
    auto next = c.Next(t, zone);
    if (!next) break;
    FUZZ_CHECK(*next > t);
    t = *next;
  }
  return 0;
}
