// Issue 6 §2, end to end with the local platform and a fake Mastodon server
// (tests/platforms/fake_mastodon.h, hosted in this test process and speaking
// the documented API): `aasr-bot run` as a real process with both accounts
// and a schedule each for the fixture feed. A comment dropped in the inbox
// reaches the queue; a Mastodon mention with a threat reaches the queue and,
// since Mastodon cannot hide it, stays visible with the "not hidden on
// Mastodon" note while the author is blocked and reported (the account's
// hide_fallback); each story of the fixture feed goes out exactly once on
// both platforms across three runs ended by SIGTERM (after planning), SIGKILL
// (right after publishing) and SIGTERM (after the feed was read again).
#include <filesystem>
#include <fstream>
#include <set>

#include <catch2/catch.hpp>
#include <nlohmann/json.hpp>

#include "bot/outreach/store.h"
#include "tests/daemon/daemon_process.h"
#include "tests/daemon/review_client.h"
#include "tests/platforms/fake_mastodon.h"
#include "aasr/build_paths.h"

using namespace aasr;
using namespace aasr::testing;
using namespace std::chrono_literals;
using nlohmann::json;
namespace fs = std::filesystem;

namespace {

std::string ReadText(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  REQUIRE(in);
  std::stringstream ss;
  ss << in.rdbuf();
  return ss.str();
}

// The outreach tests' fixture feed: five of the site's stories from 2023.
std::string Feed() { return ReadText(std::string(AASR_SOURCE_DIR) + "/tests/outreach/fixtures/aasr_rss.xml"); }

int OutboxFiles(const DaemonWorkspace& ws) {
  int n = 0;
  std::error_code ec;
  for (const auto& e : fs::directory_iterator(ws.File("var/outbox"), ec))
    if (e.path().extension() == ".json") ++n;
  return n;
}

int OutboxRows(const DaemonWorkspace& ws) {
  auto st = outreach::OutreachStore::Open(ws.File("var/aasr.db"));
  REQUIRE(st.ok());
  auto rows = st.value()->ListOutbox();
  REQUIRE(rows.ok());
  return static_cast<int>(rows.value().size());
}

bool FeedPolledSince(const DaemonWorkspace& ws, int64_t unix_seconds) {
  auto st = outreach::OutreachStore::Open(ws.File("var/aasr.db"));
  REQUIRE(st.ok());
  auto f = st.value()->GetFeedState("site");
  REQUIRE(f.ok());
  return f.value().last_success >= unix_seconds;
}

int PublishedRows(const DaemonWorkspace& ws) {
  auto st = outreach::OutreachStore::Open(ws.File("var/aasr.db"));
  REQUIRE(st.ok());
  auto rows = st.value()->ListOutbox(outreach::OutboxState::kPublished);
  REQUIRE(rows.ok());
  return static_cast<int>(rows.value().size());
}

}  // namespace

TEST_CASE("e2e local+mastodon: inbox and mention reach the queue - each story posted once across SIGTERM and "
          "SIGKILL restarts",
          "[e2e][daemon]") {
  const auto t_start = std::chrono::steady_clock::now();
  FakeMastodon masto("e2e-masto-token");
  // The mention is already waiting when the bot starts (it arrived while the
  // bot was down); added before the daemon talks to the fake.
  const std::string threat = "@aasr I know where you live, Karen. Watch your back.";
  masto.AddMention("stranger@example.social", "<p>" + threat + "</p>", "");

  DaemonWorkspace ws("e2e-local-masto");
  ws.WriteFile("var/feed.rss", Feed());
  ws.WriteFile("config/schedules.yaml",
               "feeds:\n"
               "  - name: site\n"
               "    url: \"file:var/feed.rss\"\n"
               "    max_age_hours: 87600\n"  // the fixture's stories are from 2023
               "    poll_minutes: 1\n"
               "    post_backlog_on_first_run: true\n"
               "schedules:\n"
               "  - {account: local, platform: local, zone: America/New_York, stories: {feeds: [site]}}\n"
               "  - {account: masto, platform: mastodon, zone: America/New_York, stories: {feeds: [site]}}\n");
  ws.WriteConfig(ws.DefaultConfig("  - {name: masto, platform: mastodon, instance: \"" + masto.url() +
                                  "\", token_env: AASR_E2E_MASTO_TOKEN, hide_fallback: [block, report]}\n"
                                  "schedules: config/schedules.yaml\n"));
  REQUIRE(AddUserWithCli(ws, "dana", "moderator", "dana-reviews-2026") == 0);
  const std::map<std::string, std::string> env = {{"AASR_E2E_MASTO_TOKEN", "e2e-masto-token"}};
  auto posts_to_masto = [&] { return static_cast<int>(masto.requests_to("POST", "/api/v1/statuses").size()); };

  // Run 1: the backlog of five stories is planned for both accounts (the
  // planner works in whole minutes: they go out at the next minute); the
  // inbox comment and the Mastodon mention reach the queue. Ended by SIGTERM.
  int64_t mention_item = 0;
  {
    DaemonProcess d(ws, {}, env);
    REQUIRE(d.Start());
    ws.DropInbox("0001.jsonl",
                 {json{{"id", "c-inbox-threat"}, {"post", "local-post-1"},
                       {"text", "I know where your kids go to school. Watch your back."},
                       {"author", {{"id", "u-angry"}, {"handle", "angry1"}}}}
                      .dump()});
    REQUIRE(WaitFor([&] { return OutboxRows(ws) == 10; }, 15s));

    ReviewSession dana(ws.url());
    dana.Login("dana", "dana-reviews-2026");
    json queue;
    const bool queued = WaitFor(
        [&] {
          queue = dana.Get("/api/queue");
          return queue["items"].size() == 2;
        },
        15s);
    INFO(ws.Log());
    INFO(queue.dump(2));
    REQUIRE(queued);
    std::map<std::string, json> by_platform;
    for (const auto& it : queue["items"]) by_platform[it["platform"].get<std::string>()] = it;
    REQUIRE(by_platform.count("local") == 1);
    REQUIRE(by_platform.count("mastodon") == 1);
    CHECK(by_platform["local"]["account"] == "local");
    CHECK(by_platform["mastodon"]["account"] == "masto");
    mention_item = by_platform["mastodon"]["id"];

    // Mastodon cannot hide: the item stays visible, its hide action records
    // the fallback the platform carried out instead.
    json view;
    REQUIRE(WaitFor(
        [&] {
          view = dana.Get("/api/items/" + std::to_string(mention_item));
          for (const auto& a : view["actions"])
            if (a["kind"] == "hide" && a["state"] == "failed") return true;
          return false;
        },
        15s));
    INFO(view.dump(2));
    CHECK(view["item"]["hidden"] == false);
    CHECK(view["comment"]["text"].get<std::string>().find("I know where you live") != std::string::npos);
    CHECK_FALSE(view["verdict"]["matches"].empty());
    std::string note;
    for (const auto& a : view["actions"])
      if (a["kind"] == "hide") note = a["last_error"];
    CHECK(note.find("Mastodon cannot hide a reply") != std::string::npos);
    CHECK(note.find("author blocked") != std::string::npos);
    CHECK(note.find("reported to the instance") != std::string::npos);
    CHECK(note.find("the reply stays visible") != std::string::npos);
    // The audit says so too.
    CHECK(view["audit"].dump().find("not carried out: Mastodon cannot hide a reply") != std::string::npos);
    REQUIRE(WaitFor([&] { return !masto.requests_to("POST", "/api/v1/reports").empty(); }, 10s));
    CHECK(masto.requests_to("POST", "/api/v1/accounts/").size() == 1);  // the block

    CHECK(d.Terminate() == 0);
  }

  // Run 2: the planned posts go out, once each; killed (SIGKILL) right after.
  {
    DaemonProcess d(ws, {}, env);
    REQUIRE(d.Start());
    const bool published =
        WaitFor([&] { return PublishedRows(ws) == 10 && posts_to_masto() == 5 && OutboxFiles(ws) == 5; }, 75s);
    INFO(ws.Log());
    REQUIRE(published);
    d.Kill();
  }

  // Run 3, after the crash: the site serves its feed anew (a new ETag, so a
  // full read, not a 304) and outreach ticks; nothing repeats.
  ws.WriteFile("var/feed.rss", Feed());
  {
    const int64_t t3 = std::chrono::duration_cast<std::chrono::seconds>(
                           std::chrono::system_clock::now().time_since_epoch()).count();
    DaemonProcess d(ws, {}, env);
    REQUIRE(d.Start());
    INFO(ws.Log());
    REQUIRE(WaitFor([&] { return FeedPolledSince(ws, t3); }, 15s));
    const size_t polls = masto.requests_to("GET", "/api/v1/notifications").size();
    REQUIRE(WaitFor([&] { return masto.requests_to("GET", "/api/v1/notifications").size() >= polls + 3; }, 15s));
    CHECK(d.Terminate() == 0);
  }

  INFO(ws.Log());
  // Each story exactly once on Mastodon: one POST per story, one status each.
  CHECK(posts_to_masto() == 5);
  std::multiset<std::string> keys;
  for (const auto& r : masto.requests_to("POST", "/api/v1/statuses")) keys.insert(r.header("Idempotency-Key"));
  CHECK(std::set<std::string>(keys.begin(), keys.end()).size() == 5);
  CHECK(masto.statuses().size() == 5);
  std::set<std::string> texts;
  for (const auto& s : masto.statuses()) texts.insert(s["content"].get<std::string>());
  CHECK(texts.size() == 5);
  // ...and once in the local outbox.
  CHECK(OutboxFiles(ws) == 5);
  CHECK(PublishedRows(ws) == 10);
  CHECK(OutboxRows(ws) == 10);
  // The mention was screened once: one block, one report, one queue item.
  CHECK(masto.requests_to("POST", "/api/v1/reports").size() == 1);
  CHECK(masto.reports.size() == 1);
  CHECK(masto.blocked.size() == 1);
  WARN("e2e local+mastodon wall time "
       << std::chrono::duration<double>(std::chrono::steady_clock::now() - t_start).count() << " s");
}
