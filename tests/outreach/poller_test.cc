// The poller against a real HTTP server on 127.0.0.1 serving fixture feeds.
#include <filesystem>

#include <catch2/catch.hpp>

#include "bot/outreach/poller.h"
#include "fixture_server.h"

using namespace aasr::outreach;
using aasr::outreach::testing::FixtureServer;
using aasr::outreach::testing::ReadFixture;
using aasr::outreach::testing::ServedFile;

namespace {

constexpr int64_t kNow = 1693576800;  // 2023-09-01T14:00:00Z

std::string ReplaceAll(std::string s, const std::string& from, const std::string& to) {
  for (size_t p = s.find(from); p != std::string::npos; p = s.find(from, p + to.size()))
    s.replace(p, from.size(), to);
  return s;
}

// The RSS fixture with one more story at the top.
std::string RssWithNewItem() {
  const std::string item =
      "<item><title>Volunteers Lead the Way to Change</title>"
      "<link>https://endseclusion.example/2023/09/01/volunteers-lead-the-way/</link>"
      "<pubDate>Fri, 01 Sep 2023 12:00:00 +0000</pubDate>"
      "<guid isPermaLink=\"false\">https://endseclusion.example/?p=4130</guid>"
      "<description><![CDATA[<p>What does volunteering mean to you?</p>]]></description></item>";
  std::string rss = ReadFixture("aasr_rss.xml");
  const size_t first = rss.find("<item>");
  rss.insert(first, item);
  return rss;
}

struct Env {
  FixtureServer server;
  std::unique_ptr<HttpGetter> http = aasr::outreach::testing::TestGetter();
  std::unique_ptr<OutreachStore> store = OutreachStore::Open(":memory:").value();
  aasr::ManualClock clock{kNow * 1000};
  FeedPoller poller{*http, *store, clock};
  FeedSource source;
  Env() {
    source.name = "aasr-site";
    source.url = server.Url("/feed/");
  }
};

}  // namespace

TEST_CASE("first poll records the backlog, posts nothing - then 304 via ETag") {
  Env env;
  env.server.Serve("/feed/", {ReadFixture("aasr_rss.xml"), "application/rss+xml", "\"v1\"", ""});
  auto first = env.poller.Poll(env.source);
  REQUIRE(first.ok());
  CHECK(first.value().backlog == 5);
  CHECK(first.value().pending.empty());
  CHECK(env.store->StoriesWithDisposition(StoryDisposition::kBacklog).value().size() == 5);

  auto second = env.poller.Poll(env.source);
  REQUIRE(second.ok());
  CHECK(second.value().not_modified);
  const auto reqs = env.server.requests();
  REQUIRE(reqs.size() == 2);
  CHECK(reqs[0].headers.count("if-none-match") == 0);
  CHECK(reqs[1].headers.at("if-none-match") == "\"v1\"");
  CHECK(reqs[1].answered == 304);
}

TEST_CASE("conditional GET with Last-Modified only") {
  Env env;
  const std::string lm = "Fri, 01 Sep 2023 13:00:00 GMT";
  env.server.Serve("/feed/", {ReadFixture("aasr_atom.xml"), "application/atom+xml", "", lm});
  REQUIRE(env.poller.Poll(env.source).ok());
  auto again = env.poller.Poll(env.source);
  REQUIRE(again.ok());
  CHECK(again.value().not_modified);
  CHECK(env.server.requests()[1].headers.at("if-modified-since") == lm);
}

TEST_CASE("new item is pending - re-sent and edited items never come back") {
  Env env;
  env.server.Serve("/feed/", {ReadFixture("aasr_rss.xml"), "application/rss+xml", "\"v1\"", ""});
  REQUIRE(env.poller.Poll(env.source).ok());

  // The site publishes one story and edits the title of an old one.
  std::string body = RssWithNewItem();
  body = ReplaceAll(body, "Bans Prone Restraint and Seclusion</title>",
                    "Bans Prone Restraint and Seclusion (updated)</title>");
  env.server.Serve("/feed/", {body, "application/rss+xml", "\"v2\"", ""});
  auto r = env.poller.Poll(env.source);
  REQUIRE(r.ok());
  REQUIRE(r.value().pending.size() == 1);
  CHECK(r.value().pending[0].id == "https://endseclusion.example/?p=4130");
  CHECK(r.value().pending[0].title == "Volunteers Lead the Way to Change");
  CHECK(r.value().already_seen == 5);

  // The feed re-sends everything with a new ETag: nothing new.
  env.server.Serve("/feed/", {body, "application/rss+xml", "\"v3\"", ""});
  auto again = env.poller.Poll(env.source);
  REQUIRE(again.ok());
  CHECK(again.value().pending.empty());
  CHECK(again.value().already_seen == 6);
  CHECK(env.store->StoriesWithDisposition(StoryDisposition::kPending).value().size() == 1);
}

TEST_CASE("backlog posting when configured, with the maximum age applied") {
  Env env;
  env.source.post_backlog_on_first_run = true;
  env.source.max_age_seconds = 3 * 24 * 3600;
  env.server.Serve("/feed/", {ReadFixture("aasr_rss.xml"), "application/rss+xml", "\"v1\"", ""});
  auto r = env.poller.Poll(env.source);
  REQUIRE(r.ok());
  REQUIRE(r.value().pending.size() == 2);  // oldest first
  CHECK(r.value().pending[0].title == "Nightmares from the \"the naughty room\"");
  CHECK(r.value().pending[1].title.rfind("Harwood Union", 0) == 0);
  CHECK(r.value().too_old == 3);
  CHECK(env.store->StoriesWithDisposition(StoryDisposition::kTooOld).value().size() == 3);
}

TEST_CASE("a broken feed is a clear error, loses nothing, and the next poll recovers") {
  Env env;
  env.server.Serve("/feed/", {ReadFixture("aasr_rss.xml"), "application/rss+xml", "\"v1\"", ""});
  REQUIRE(env.poller.Poll(env.source).ok());

  env.server.Serve("/feed/", {ReadFixture("broken_rss.xml"), "application/rss+xml", "\"broken\"", ""});
  auto broken = env.poller.Poll(env.source);
  REQUIRE_FALSE(broken.ok());
  CHECK(broken.errors()[0].where.file == env.source.url);
  CHECK(broken.errors()[0].where.line == 11);
  // The broken body's ETag was not kept: a 304 now would hide the fix.
  CHECK(env.store->GetFeedState("aasr-site").value().etag == "\"v1\"");

  env.server.Serve("/feed/", {RssWithNewItem(), "application/rss+xml", "\"v2\"", ""});
  auto fixed = env.poller.Poll(env.source);
  REQUIRE(fixed.ok());
  REQUIRE(fixed.value().pending.size() == 1);
  CHECK(fixed.value().pending[0].title == "Volunteers Lead the Way to Change");
  CHECK(env.server.requests().back().headers.at("if-none-match") == "\"v1\"");
}

TEST_CASE("a server error or an unreachable feed changes nothing") {
  Env env;
  env.server.Serve("/feed/", {"upstream timed out", "text/plain", "", "", 502});
  auto r = env.poller.Poll(env.source);
  REQUIRE_FALSE(r.ok());
  CHECK(r.errors()[0].message.find("HTTP 502") != std::string::npos);
  CHECK(env.server.requests().size() == 3);  // the shared HTTP client retried the 5xx
  CHECK_FALSE(env.store->GetFeedState("aasr-site").value().initialized);

  FeedSource nowhere = env.source;
  nowhere.url = "http://127.0.0.1:1/feed/";
  auto down = env.poller.Poll(nowhere);
  REQUIRE_FALSE(down.ok());
  CHECK(down.errors()[0].ToString().find(nowhere.url) != std::string::npos);

  // Once the site answers, the first successful poll is still the backlog poll.
  env.server.Serve("/feed/", {ReadFixture("aasr_rss.xml"), "application/rss+xml", "\"v1\"", ""});
  auto ok = env.poller.Poll(env.source);
  REQUIRE(ok.ok());
  CHECK(ok.value().backlog == 5);
}

TEST_CASE("WordPress REST source through the server, remembered across restarts") {
  const auto dir = std::filesystem::temp_directory_path() / "aasr_outreach_poller_test";
  std::filesystem::remove_all(dir);
  std::filesystem::create_directories(dir);
  const std::string db = (dir / "outreach.db").string();
  FixtureServer server;
  server.Serve("/wp-json/wp/v2/posts", {ReadFixture("aasr_wp_posts.json"), "application/json", "", ""});
  FeedSource source{"aasr-rest", server.Url("/wp-json/wp/v2/posts?_embed"), 7 * 24 * 3600, true};
  auto http = aasr::outreach::testing::TestGetter();
  aasr::ManualClock clock(kNow * 1000);
  {
    auto store = OutreachStore::Open(db).value();
    FeedPoller poller(*http, *store, clock);
    auto r = poller.Poll(source);
    REQUIRE(r.ok());
    REQUIRE(r.value().pending.size() == 3);
    CHECK(r.value().pending[2].id == "wp:4122");
  }
  {
    auto store = OutreachStore::Open(db).value();
    FeedPoller poller(*http, *store, clock);
    auto r = poller.Poll(source);
    REQUIRE(r.ok());
    CHECK(r.value().pending.empty());
    CHECK(r.value().already_seen == 3);
    CHECK(store->StoriesWithDisposition(StoryDisposition::kPending).value().size() == 3);
  }
  std::filesystem::remove_all(dir);
}
