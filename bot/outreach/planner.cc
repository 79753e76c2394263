#include "bot/outreach/planner.h"

#include <algorithm>
#include <cstdio>
#include <map>

#include <cctz/civil_time.h>
#include <openssl/sha.h>

namespace aasr::outreach {
namespace {

using SysClock = std::chrono::system_clock;

cctz::civil_second Civil(int64_t t, const cctz::time_zone& zone) {
  return cctz::convert(SysClock::time_point(std::chrono::seconds(t)), zone);
}

int64_t Instant(const cctz::civil_second& cs, const cctz::time_zone& zone) {
  return std::chrono::duration_cast<std::chrono::seconds>(cctz::convert(cs, zone).time_since_epoch()).count();
}

int DayKey(const cctz::civil_day& d) {
  return static_cast<int>(d.year()) * 10000 + d.month() * 100 + d.day();
}

// Per account: posts per local day (store + simulated) and graphic history.
struct AccountState {
  const AccountSchedule* schedule = nullptr;
  std::map<int, int> per_day;  // DayKey -> count
  std::map<std::string, int64_t> last_graphic;
};

class Simulation {
 public:
  Simulation(OutreachStore& store) : store_(store) {}

  Result<int> CountOn(AccountState& a, const cctz::civil_day& day) {
    const int key = DayKey(day);
    auto it = a.per_day.find(key);
    if (it != a.per_day.end()) return it->second;
    const int64_t from = Instant(cctz::civil_second(day), a.schedule->zone);
    const int64_t to = Instant(cctz::civil_second(day + 1), a.schedule->zone);
    auto n = store_.CountPlanned(a.schedule->account, from, to);
    if (!n.ok()) return n.errors();
    a.per_day[key] = n.value();
    return n.value();
  }

  void Count(AccountState& a, int64_t at) { a.per_day[DayKey(cctz::civil_day(Civil(at, a.schedule->zone)))]++; }

  // First minute >= t inside the story window, outside quiet hours, under the cap.
  Result<int64_t> NextAllowed(AccountState& a, int64_t t) {
    const AccountSchedule& s = *a.schedule;
    int64_t at = (t + 59) / 60 * 60;
    const int64_t limit = at + 14 * 24 * 3600;
    while (at < limit) {
      const cctz::civil_second cs = Civil(at, s.zone);
      const cctz::civil_day day(cs);
      if (s.daily_cap > 0) {
        auto n = CountOn(a, day);
        if (!n.ok()) return n.errors();
        if (n.value() >= s.daily_cap) {
          at = Instant(cctz::civil_second(day + 1), s.zone);
          continue;
        }
      }
      const int minute = cs.hour() * 60 + cs.minute();
      const bool in_window = !s.stories.window || s.stories.window->Contains(minute);
      const bool quiet = s.quiet_hours && s.quiet_hours->Contains(minute);
      if (in_window && !quiet) return at;
      at += 60;
    }
    return Error{{}, "schedule " + s.account, "no allowed minute in the next 14 days (window, quiet hours and cap exclude everything)"};
  }

 private:
  OutreachStore& store_;
};

}  // namespace

std::string IdempotencyKey(const std::string& account, const std::string& kind, const std::string& what) {
  const std::string input = account + '\n' + kind + '\n' + what;
  unsigned char digest[SHA256_DIGEST_LENGTH];
  SHA256(reinterpret_cast<const unsigned char*>(input.data()), input.size(), digest);
  std::string out = "aasr-";
  char buf[3];
  for (int i = 0; i < 16; ++i) {
    std::snprintf(buf, sizeof buf, "%02x", digest[i]);
    out += buf;
  }
  return out;
}

Result<Plan> Planner::PlanRange(int64_t from, int64_t to, const std::vector<SeenStory>& pending) {
  Plan plan;
  Simulation sim(store_);
  std::vector<AccountState> states(config_.accounts.size());

  // Events in time order: graphics firings at fixed instants, stories at their ready time.
  struct Event {
    int64_t at;
    size_t account;
    const SeenStory* story;  // nullptr: a graphics firing
  };
  std::vector<Event> events;
  for (size_t i = 0; i < config_.accounts.size(); ++i) {
    const AccountSchedule& s = config_.accounts[i];
    states[i].schedule = &s;
    if (s.graphics.enabled) {
      auto history = store_.LastPlannedByItem(s.account, "graphic");
      if (!history.ok()) return history.errors();
      states[i].last_graphic = history.value();
      int64_t t = from - 1;
      while (true) {
        const auto next = s.graphics.cron.Next(t, s.zone);
        if (!next || *next >= to) break;
        events.push_back({*next, i, nullptr});
        t = *next;
      }
    }
    if (s.stories.enabled) {
      for (const SeenStory& st : pending) {
        if (std::find(s.stories.feeds.begin(), s.stories.feeds.end(), st.feed) == s.stories.feeds.end())
          continue;
        const int64_t ready = std::max(from, st.seen_at + int64_t{s.stories.delay_minutes} * 60);
        events.push_back({ready, i, &st});
      }
    }
  }
  std::stable_sort(events.begin(), events.end(), [](const Event& a, const Event& b) { return a.at < b.at; });

  for (const Event& ev : events) {
    AccountState& a = states[ev.account];
    const AccountSchedule& s = *a.schedule;
    if (ev.story) {
      PlanEntry e;
      e.account = s.account;
      e.platform = s.platform;
      e.kind = "story";
      e.item_id = ev.story->story.id;
      e.feed = ev.story->feed;
      e.title = ev.story->story.title;
      e.idempotency_key = IdempotencyKey(s.account, "story", e.feed + '\n' + e.item_id);
      auto exists = store_.HasOutboxKey(s.account, e.idempotency_key);
      if (!exists.ok()) return exists.errors();
      if (exists.value()) continue;
      auto at = sim.NextAllowed(a, ev.at);
      if (!at.ok()) return at.errors();
      if (at.value() >= to) continue;  // beyond the range: planned by a later run
      e.at = at.value();
      sim.Count(a, e.at);
      plan.entries.push_back(e);
      continue;
    }
    // A graphics firing.
    const std::string key = IdempotencyKey(s.account, "graphic", std::to_string(ev.at));
    auto exists = store_.HasOutboxKey(s.account, key);
    if (!exists.ok()) return exists.errors();
    if (exists.value()) continue;
    const cctz::civil_second cs = Civil(ev.at, s.zone);
    const int minute = cs.hour() * 60 + cs.minute();
    if (s.quiet_hours && s.quiet_hours->Contains(minute)) {
      plan.skipped.push_back({ev.at, s.account, "graphics slot falls in quiet hours"});
      continue;
    }
    if (s.daily_cap > 0) {
      auto n = sim.CountOn(a, cctz::civil_day(cs));
      if (!n.ok()) return n.errors();
      if (n.value() >= s.daily_cap) {
        plan.skipped.push_back({ev.at, s.account, "daily cap of " + std::to_string(s.daily_cap) + " reached"});
        continue;
      }
    }
    const int today = DayKey(cctz::civil_day(cs));
    const int64_t repeat_cutoff = ev.at - int64_t{s.graphics.no_repeat_days} * 86400;
    const Graphic* best = nullptr;
    int64_t best_last = 0;
    for (const Graphic& g : catalog_.graphics) {
      if (!g.ActiveOn(today)) continue;
      if (!s.graphics.campaigns.empty() &&
          std::find(s.graphics.campaigns.begin(), s.graphics.campaigns.end(), g.campaign) ==
              s.graphics.campaigns.end())
        continue;
      auto it = a.last_graphic.find(g.id);
      const int64_t last = it == a.last_graphic.end() ? 0 : it->second;
      if (last != 0 && last > repeat_cutoff) continue;
      if (!best || last < best_last) {
        best = &g;
        best_last = last;
      }
    }
    if (!best) {
      plan.skipped.push_back({ev.at, s.account,
                              "every eligible graphic was posted within " +
                                  std::to_string(s.graphics.no_repeat_days) + " days"});
      continue;
    }
    PlanEntry e;
    e.at = ev.at;
    e.account = s.account;
    e.platform = s.platform;
    e.kind = "graphic";
    e.item_id = best->id;
    e.title = best->caption;
    e.idempotency_key = key;
    a.last_graphic[best->id] = ev.at;
    sim.Count(a, ev.at);
    plan.entries.push_back(e);
  }
  std::stable_sort(plan.entries.begin(), plan.entries.end(),
                   [](const PlanEntry& x, const PlanEntry& y) { return x.at < y.at; });
  return plan;
}

}  // namespace aasr::outreach
