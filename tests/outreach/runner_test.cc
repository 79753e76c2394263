// A day in the life: ticks poll the feed on its interval, a new story is
// planned in its window, composed, and published once.
#include <catch2/catch.hpp>

#include "bot/outreach/runner.h"
#include "fake_platform.h"
#include "fixture_server.h"
#include "aasr/build_paths.h"

using namespace aasr::outreach;
using aasr::outreach::testing::FakePlatform;
using aasr::outreach::testing::FixtureServer;
using aasr::outreach::testing::ReadFixture;

TEST_CASE("runner: backlog first, then a new story goes out once, within the poll interval") {
  FixtureServer server;
  server.Serve("/feed/", {ReadFixture("aasr_rss.xml"), "application/rss+xml", "\"v1\"", ""});
  auto config = LoadSchedulesFromString(
      "feeds:\n  - {name: site, url: \"" + server.Url("/feed/") + "\", poll_minutes: 10}\n"
      "schedules:\n"
      "  - account: aasr-masto\n    platform: mastodon\n    zone: America/New_York\n"
      "    stories: {feeds: [site], window: {from: \"08:00\", to: \"20:00\"}}\n",
      "s.yaml");
  INFO(aasr::FormatErrors(config.errors()));
  REQUIRE(config.ok());
  GraphicsCatalog catalog;
  auto templates = LoadTemplates(std::string(AASR_SOURCE_DIR) + "/posts/templates.yaml");
  Composer composer(templates.value(), "/tmp/aasr_runner_cache");
  auto store = OutreachStore::Open(":memory:").value();
  auto http = aasr::outreach::testing::TestGetter();
  aasr::ManualClock clock(int64_t{1693576800} * 1000);  // 2023-09-01T14:00:00Z, 10:00 EDT
  FakePlatform masto;
  RunnerDeps deps;
  deps.config = &config.value();
  deps.catalog = &catalog;
  deps.composer = &composer;
  deps.store = store.get();
  deps.http = http.get();
  deps.clock = &clock;
  deps.platform_for = [&](const std::string&) -> aasr::platforms::Platform* { return &masto; };
  deps.image_cache_dir = "/tmp/aasr_runner_cache";
  OutreachRunner runner(deps);

  TickReport t1 = runner.Tick();
  CHECK(t1.feeds_polled == 1);
  CHECK(t1.errors.empty());
  CHECK(masto.posts.empty());  // the backlog is recorded, not posted

  // The site publishes a story; a tick 5 minutes later does not poll yet.
  std::string rss = ReadFixture("aasr_rss.xml");
  rss.insert(rss.find("<item>"),
             "<item><title>Meet Disability Advocate and AASR Volunteer Christopher Ripke</title>"
             "<link>https://endseclusion.example/2023/09/01/meet-christopher-ripke/</link>"
             "<pubDate>Fri, 01 Sep 2023 14:02:00 +0000</pubDate>"
             "<guid>https://endseclusion.example/?p=4131</guid>"
             "<description>Christopher Ripke is an advocate for people with Developmental Disabilities in "
             "Nevada.</description></item>");
  server.Serve("/feed/", {rss, "application/rss+xml", "\"v2\"", ""});
  clock.Advance(300 * 1000);
  CHECK(runner.Tick().feeds_polled == 0);
  CHECK(masto.posts.empty());

  clock.Advance(300 * 1000);  // 10 minutes after the first poll
  TickReport t3 = runner.Tick();
  CHECK(t3.feeds_polled == 1);
  CHECK(t3.new_stories == 1);
  CHECK(t3.enqueued.enqueued == 1);
  CHECK(t3.sent.published == 1);
  REQUIRE(masto.posts.size() == 1);
  CHECK(masto.posts[0].text.rfind("Meet Disability Advocate and AASR Volunteer Christopher Ripke", 0) == 0);

  for (int i = 0; i < 3; ++i) {
    clock.Advance(600 * 1000);
    const TickReport t = runner.Tick();
    CHECK(t.feeds_not_modified == 1);
  }
  CHECK(masto.publish_calls == 1);
}
