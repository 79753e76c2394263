// ScheduleConfig: when each account posts what, from config/schedules.yaml.
//
//   feeds:     story sources (name, url, max_age_hours, poll_minutes,
//              post_backlog_on_first_run)
//   schedules: one entry per account: account, platform, zone (IANA),
//              quiet_hours {from, to}, daily_cap, and
//              stories {feeds, window {from, to}, delay_minutes}
//              graphics {cron, no_repeat_days, campaigns}
// Times of day are "HH:MM" local to the entry's zone; a window whose `to` is
// earlier than its `from` wraps past midnight.
//
// Load errors are located (file:line:column): unknown keys, bad zone names,
// cron syntax (pointing at the offending character), bad times, unknown
// feeds. Immutable after loading; safe to share between threads.
#pragma once

#include <optional>
#include <string>
#include <vector>

#include <cctz/time_zone.h>

#include "bot/outreach/cron.h"
#include "bot/outreach/poller.h"
#include "bot/util/error.h"

namespace aasr::outreach {

struct TimeWindow {
  int from = 0;  // minutes after local midnight
  int to = 0;
  bool Contains(int minute_of_day) const {
    if (from == to) return true;
    if (from < to) return minute_of_day >= from && minute_of_day < to;
    return minute_of_day >= from || minute_of_day < to;
  }
};

struct FeedConfig {
  FeedSource source;
  int poll_seconds = 600;
};

struct AccountSchedule {
  Location where;  // the entry in the schedules file
  std::string account;
  std::string platform;
  std::string zone_name;
  cctz::time_zone zone;
  std::optional<TimeWindow> quiet_hours;
  int daily_cap = 0;  // 0: no cap

  struct Stories {
    bool enabled = false;
    std::vector<std::string> feeds;
    std::optional<TimeWindow> window;
    int delay_minutes = 0;
  } stories;

  struct Graphics {
    bool enabled = false;
    CronExpr cron;
    int no_repeat_days = 30;
    std::vector<std::string> campaigns;  // empty: every campaign
  } graphics;
};

struct ScheduleConfig {
  std::string path;
  std::vector<FeedConfig> feeds;
  std::vector<AccountSchedule> accounts;

  const FeedConfig* Feed(const std::string& name) const {
    for (const FeedConfig& f : feeds)
      if (f.source.name == name) return &f;
    return nullptr;
  }
};

Result<ScheduleConfig> LoadSchedules(const std::string& path);
Result<ScheduleConfig> LoadSchedulesFromString(const std::string& text, const std::string& name);

// "08:30" -> 510; false unless HH:MM with HH < 24 and MM < 60.
bool ParseTimeOfDay(const std::string& text, int* minutes);

}  // namespace aasr::outreach
