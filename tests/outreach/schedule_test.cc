// Cron across both DST changes in two zones, schedule loading, and planning.
#include <catch2/catch.hpp>

#include "bot/outreach/planner.h"
#include "bot/outreach/story.h"
#include "aasr/build_paths.h"

using namespace aasr::outreach;

namespace {

int64_t Utc(const char* rfc3339) {
  int64_t t = 0;
  REQUIRE(ParseRfc3339(rfc3339, false, &t));
  return t;
}

cctz::time_zone Zone(const char* name) {
  cctz::time_zone z;
  REQUIRE(LoadZone(name, &z));
  return z;
}

CronExpr Cron(const std::string& text) {
  CronExpr c;
  CronError e;
  INFO(e.message);
  REQUIRE(CronExpr::Parse(text, &c, &e));
  return c;
}

std::vector<std::string> Firings(const CronExpr& cron, const cctz::time_zone& zone, int64_t from, int64_t to) {
  std::vector<std::string> out;
  int64_t t = from;
  while (auto next = cron.Next(t, zone)) {
    if (*next >= to) break;
    out.push_back(FormatRfc3339(*next) + " " + FormatLocal(*next, zone, "%H:%M %Z"));
    t = *next;
  }
  return out;
}

}  // namespace

TEST_CASE("New York spring forward: 02:30 fires once, at 03:00 EDT") {
  const auto ny = Zone("America/New_York");
  const auto f = Firings(Cron("30 2 * * *"), ny, Utc("2024-03-09T00:00:00Z"), Utc("2024-03-12T00:00:00Z"));
  CHECK(f == std::vector<std::string>{"2024-03-09T07:30:00Z 02:30 EST", "2024-03-10T07:00:00Z 03:00 EDT",
                                      "2024-03-11T06:30:00Z 02:30 EDT"});
  // Four skipped quarter-hours collapse into one firing.
  const auto q = Firings(Cron("*/15 2 * * *"), ny, Utc("2024-03-10T05:00:00Z"), Utc("2024-03-11T06:10:00Z"));
  CHECK(q == std::vector<std::string>{"2024-03-10T07:00:00Z 03:00 EDT", "2024-03-11T06:00:00Z 02:00 EDT"});
}

TEST_CASE("New York fall back: the repeated hour never fires twice") {
  const auto ny = Zone("America/New_York");
  const auto f = Firings(Cron("30 1 * * *"), ny, Utc("2024-11-02T12:00:00Z"), Utc("2024-11-04T12:00:00Z"));
  CHECK(f == std::vector<std::string>{"2024-11-03T05:30:00Z 01:30 EDT", "2024-11-04T06:30:00Z 01:30 EST"});
  const auto h = Firings(Cron("*/30 1 * * *"), ny, Utc("2024-11-03T04:00:00Z"), Utc("2024-11-03T12:00:00Z"));
  CHECK(h == std::vector<std::string>{"2024-11-03T05:00:00Z 01:00 EDT", "2024-11-03T05:30:00Z 01:30 EDT"});
  // Starting inside the second 01:xx (EST) does not fire the repeated slots.
  const auto inside = Firings(Cron("45 1 * * *"), ny, Utc("2024-11-03T06:10:00Z"), Utc("2024-11-04T12:00:00Z"));
  CHECK(inside == std::vector<std::string>{"2024-11-04T06:45:00Z 01:45 EST"});
}

TEST_CASE("Berlin: both changes, same rules") {
  const auto berlin = Zone("Europe/Berlin");
  const auto spring = Firings(Cron("30 2 * * *"), berlin, Utc("2024-03-30T00:00:00Z"), Utc("2024-04-01T12:00:00Z"));
  CHECK(spring == std::vector<std::string>{"2024-03-30T01:30:00Z 02:30 CET", "2024-03-31T01:00:00Z 03:00 CEST",
                                           "2024-04-01T00:30:00Z 02:30 CEST"});
  const auto fall = Firings(Cron("30 2 * * *"), berlin, Utc("2024-10-26T12:00:00Z"), Utc("2024-10-28T12:00:00Z"));
  CHECK(fall == std::vector<std::string>{"2024-10-27T00:30:00Z 02:30 CEST", "2024-10-28T01:30:00Z 02:30 CET"});
  // Noon is unaffected: 24 or 23/25 hours apart in UTC, always 12:00 local.
  const auto noon = Firings(Cron("0 12 * * *"), berlin, Utc("2024-10-26T00:00:00Z"), Utc("2024-10-28T00:00:00Z"));
  CHECK(noon == std::vector<std::string>{"2024-10-26T10:00:00Z 12:00 CEST", "2024-10-27T11:00:00Z 12:00 CET"});
}

TEST_CASE("cron syntax: names, Sunday as 7, ranges, steps, day OR weekday") {
  const auto utc = Zone("UTC");
  // 2024-01-01 was a Monday.
  CHECK(Firings(Cron("0 12 * * TUE,thu"), utc, Utc("2024-01-01T00:00:00Z"), Utc("2024-01-08T00:00:00Z")) ==
        std::vector<std::string>{"2024-01-02T12:00:00Z 12:00 UTC", "2024-01-04T12:00:00Z 12:00 UTC"});
  CHECK(Firings(Cron("0 0 * * 7"), utc, Utc("2024-01-01T00:00:00Z"), Utc("2024-01-08T00:00:00Z")) ==
        std::vector<std::string>{"2024-01-07T00:00:00Z 00:00 UTC"});
  CHECK(Firings(Cron("0 9-17/4 1 JAN-FEB *"), utc, Utc("2024-01-01T00:00:00Z"), Utc("2024-01-02T00:00:00Z")).size() == 3);
  // Restricted day-of-month and weekday: either matches (1st, or any Friday).
  CHECK(Firings(Cron("0 8 1 * FRI"), utc, Utc("2024-01-01T00:00:00Z"), Utc("2024-01-13T00:00:00Z")).size() == 3);
  CronExpr c;
  CHECK_FALSE(Cron("0 0 30 2 *").Next(Utc("2024-01-01T00:00:00Z"), utc).has_value());
  CronError e;
  CHECK_FALSE(CronExpr::Parse("0 12 * * TUE,THX", &c, &e));
  CHECK(e.column == 13);
  CHECK(e.message.find("day-of-week") == 0);
  CHECK_FALSE(CronExpr::Parse("61 * * * *", &c, &e));
  CHECK(e.column == 0);
  CHECK_FALSE(CronExpr::Parse("0 12 * *", &c, &e));
  CHECK(e.message.find("expected 5 fields") == 0);
  CHECK_FALSE(CronExpr::Parse("*/0 * * * *", &c, &e));
}

// Issue 17: found by fuzzing. A step overflowed int while it was read
// (*/9999999999) and when it was added (5/2147483647): undefined behaviour
// where organizers expect a located error.
TEST_CASE("cron steps out of range are a located error") {
  CronExpr c;
  CronError e;
  CHECK_FALSE(CronExpr::Parse("*/9999999999 * * * *", &c, &e));
  CHECK(e.column == 2);
  CHECK(e.message == "minute: step must be from 1 to 59");
  CHECK_FALSE(CronExpr::Parse("5/2147483647 * * * *", &c, &e));
  CHECK(e.column == 2);
  CHECK_FALSE(CronExpr::Parse("0 0/24 * * *", &c, &e));
  CHECK(e.column == 4);
  CHECK(e.message == "hour: step must be from 1 to 23");
  REQUIRE(CronExpr::Parse("*/59 0/23 * * *", &c, &e));
  const auto utc = Zone("UTC");
  // 00:59, 23:00, 23:59 (the window's own start, 00:00, is not "after" it).
  CHECK(Firings(c, utc, Utc("2024-01-01T00:00:00Z"), Utc("2024-01-02T00:00:00Z")).size() == 3);
  const std::string yaml =
      "schedules:\n"
      "  - account: a\n"
      "    platform: mastodon\n"
      "    zone: UTC\n"
      "    graphics:\n"
      "      cron: \"*/9999999999 * * * *\"\n";
  auto config = LoadSchedulesFromString(yaml, "schedules.yaml");
  REQUIRE_FALSE(config.ok());
  const std::string all = aasr::FormatErrors(config.errors());
  INFO(all);
  CHECK(all.find("schedules.yaml:6:16: cron '*/9999999999 * * * *': minute: step must be from 1 to 59") !=
        std::string::npos);
}

TEST_CASE("the shipped schedules load") {
  auto config = LoadSchedules(std::string(AASR_SOURCE_DIR) + "/config/schedules.yaml");
  INFO(aasr::FormatErrors(config.errors()));
  REQUIRE(config.ok());
  CHECK(config.value().accounts.size() == 3);
  CHECK(config.value().feeds.at(0).poll_seconds == 600);
}

TEST_CASE("schedule errors are located: zone, cron column, feed, time, platform") {
  const std::string yaml =
      "feeds:\n"
      "  - {name: site, url: https://endseclusion.example/feed/}\n"
      "schedules:\n"
      "  - account: a\n"
      "    platform: mastodn\n"
      "    zone: America/New_Yrok\n"
      "    quiet_hours: {from: \"21:00\", to: \"25:00\"}\n"
      "    stories: {feeds: [stie]}\n"
      "    graphics:\n"
      "      cron: \"0 12 * * TUE,THX\"\n";
  auto config = LoadSchedulesFromString(yaml, "schedules.yaml");
  REQUIRE_FALSE(config.ok());
  const std::string all = aasr::FormatErrors(config.errors());
  INFO(all);
  CHECK(all.find("schedules.yaml:5:15: unknown platform 'mastodn' (did you mean 'mastodon'?) (schedule a)") != std::string::npos);
  CHECK(all.find("schedules.yaml:6:11: unknown time zone 'America/New_Yrok' (schedule a)") != std::string::npos);
  CHECK(all.find("schedules.yaml:7:38: '25:00' is not a time HH:MM") != std::string::npos);
  CHECK(all.find("schedules.yaml:8:23: unknown feed 'stie' (did you mean 'site'?)") != std::string::npos);
  // The column points at "THX" inside the quoted expression.
  CHECK(all.find("schedules.yaml:10:27: cron '0 12 * * TUE,THX': day-of-week") != std::string::npos);
  CHECK(config.errors().size() == 5);
}

namespace {

struct PlanEnv {
  std::unique_ptr<OutreachStore> store = OutreachStore::Open(":memory:").value();
  GraphicsCatalog catalog;
  ScheduleConfig config;

  explicit PlanEnv(const std::string& schedule_yaml) {
    auto c = LoadSchedulesFromString(
        "feeds:\n  - {name: site, url: https://endseclusion.example/feed/}\nschedules:\n" + schedule_yaml, "s.yaml");
    INFO(aasr::FormatErrors(c.errors()));
    REQUIRE(c.ok());
    config = c.value();
    for (const char* id : {"g1", "g2", "g3"}) {
      Graphic g;
      g.id = id;
      g.caption = std::string("caption ") + id;
      g.alt = "alt";
      catalog.graphics.push_back(g);
    }
  }

  SeenStory Pending(const std::string& id, int64_t seen_at) {
    SeenStory s;
    s.feed = "site";
    s.story.id = id;
    s.story.title = "Story " + id;
    s.seen_at = seen_at;
    return s;
  }
};

std::vector<std::string> Describe(const Plan& plan, const cctz::time_zone& zone) {
  std::vector<std::string> out;
  for (const PlanEntry& e : plan.entries)
    out.push_back(FormatLocal(e.at, zone, "%a %m-%d %H:%M") + " " + e.kind + " " + e.item_id);
  return out;
}

}  // namespace

TEST_CASE("stories wait for the window and respect quiet hours and the daily cap") {
  PlanEnv env(
      "  - account: m\n    platform: mastodon\n    zone: America/New_York\n    daily_cap: 2\n"
      "    quiet_hours: {from: \"12:00\", to: \"13:00\"}\n"
      "    stories: {feeds: [site], window: {from: \"08:00\", to: \"20:00\"}, delay_minutes: 5}\n");
  const auto ny = Zone("America/New_York");
  const int64_t from = Utc("2024-05-06T00:00:00Z");  // Sun 20:00 EDT
  std::vector<SeenStory> pending = {
      env.Pending("late-night", Utc("2024-05-07T02:00:00Z")),  // Mon 22:00 -> Tue 08:00
      env.Pending("lunch", Utc("2024-05-07T15:58:00Z")),       // Tue 11:58 +5 -> quiet -> 13:00
      env.Pending("third", Utc("2024-05-07T17:00:00Z")),       // Tue 13:00 -> cap 2 -> Wed 08:00
  };
  auto plan = Planner(env.config, env.catalog, *env.store).PlanRange(from, from + 7 * 86400, pending);
  REQUIRE(plan.ok());
  CHECK(Describe(plan.value(), ny) == std::vector<std::string>{"Tue 05-07 08:00 story late-night",
                                                              "Tue 05-07 13:00 story lunch",
                                                              "Wed 05-08 08:00 story third"});
  CHECK(plan.value().entries[0].idempotency_key.rfind("aasr-", 0) == 0);
  CHECK(plan.value().entries[0].idempotency_key.size() == 37);
}

TEST_CASE("graphics rotate without repeats within N days, from/until respected") {
  PlanEnv env(
      "  - account: b\n    platform: bluesky\n    zone: Europe/Berlin\n"
      "    graphics: {cron: \"0 12 * * *\", no_repeat_days: 3}\n");
  REQUIRE(ParseDay("2024-05-03", &env.catalog.graphics[2].from_day));  // g3 only from Friday
  const auto berlin = Zone("Europe/Berlin");
  const int64_t from = Utc("2024-04-30T22:00:00Z");  // Wed 2024-05-01 00:00 CEST
  auto plan = Planner(env.config, env.catalog, *env.store).PlanRange(from, from + 6 * 86400, {});
  REQUIRE(plan.ok());
  CHECK(Describe(plan.value(), berlin) == std::vector<std::string>{
                                              "Wed 05-01 12:00 graphic g1", "Thu 05-02 12:00 graphic g2",
                                              "Fri 05-03 12:00 graphic g3", "Sat 05-04 12:00 graphic g1",
                                              "Sun 05-05 12:00 graphic g2", "Mon 05-06 12:00 graphic g3"});
  // Thursday: only g1 and g2 are active and both were posted within 3 days.
  REQUIRE(plan.value().skipped.empty());
  PlanEnv tight(
      "  - account: b\n    platform: bluesky\n    zone: Europe/Berlin\n"
      "    graphics: {cron: \"0 12 * * *\", no_repeat_days: 5}\n");
  tight.catalog.graphics.pop_back();
  auto p2 = Planner(tight.config, tight.catalog, *tight.store).PlanRange(from, from + 4 * 86400, {});
  REQUIRE(p2.ok());
  CHECK(p2.value().entries.size() == 2);
  REQUIRE(p2.value().skipped.size() == 2);
  CHECK(p2.value().skipped[0].reason == "every eligible graphic was posted within 5 days");
}

TEST_CASE("rotation remembers what the outbox already holds") {
  PlanEnv env(
      "  - account: b\n    platform: bluesky\n    zone: UTC\n"
      "    graphics: {cron: \"0 12 * * *\", no_repeat_days: 30}\n");
  OutboxRow row;
  row.kind = "graphic";
  row.item_id = "g1";
  row.account = "b";
  row.platform = "bluesky";
  row.post.idempotency_key = "earlier";
  row.planned_at = Utc("2024-04-20T12:00:00Z");
  REQUIRE(env.store->InsertOutbox(row, row.planned_at).ok());
  auto plan = Planner(env.config, env.catalog, *env.store)
                  .PlanRange(Utc("2024-05-01T00:00:00Z"), Utc("2024-05-03T00:00:00Z"), {});
  REQUIRE(plan.ok());
  REQUIRE(plan.value().entries.size() == 2);
  CHECK(plan.value().entries[0].item_id == "g2");
  CHECK(plan.value().entries[1].item_id == "g3");
}

TEST_CASE("graphics slots in quiet hours or over the cap are skipped with a reason") {
  PlanEnv env(
      "  - account: m\n    platform: mastodon\n    zone: America/New_York\n    daily_cap: 1\n"
      "    quiet_hours: {from: \"22:00\", to: \"07:00\"}\n"
      "    graphics: {cron: \"0 6,12,18 * * *\", no_repeat_days: 0}\n");
  auto plan = Planner(env.config, env.catalog, *env.store)
                  .PlanRange(Utc("2024-05-01T04:00:00Z"), Utc("2024-05-02T04:00:00Z"), {});
  REQUIRE(plan.ok());
  REQUIRE(plan.value().entries.size() == 1);
  CHECK(FormatLocal(plan.value().entries[0].at, Zone("America/New_York"), "%H:%M") == "12:00");
  REQUIRE(plan.value().skipped.size() == 2);
  CHECK(plan.value().skipped[0].reason == "graphics slot falls in quiet hours");
  CHECK(plan.value().skipped[1].reason == "daily cap of 1 reached");
}
