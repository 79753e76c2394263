// Crash safety of `aasr-bot run` (issue 6 §3): the real daemon, SIGKILLed at
// seeded random moments at least 20 times while comments arrive and posts
// fall due, restarted each time; then nothing is lost and nothing doubled.
//
// Platforms: the local platform (inbox files dropped while the daemon runs,
// posts written to var/outbox/, hides appended to var/outbox/moderation.jsonl)
// and the fake Mastodon in this process (notifications = comments, statuses =
// posts with their Idempotency-Key). Outreach: the sample stories feed as a
// file: URL, posted as backlog on the first run by a schedule without windows,
// so every story is due for both accounts at the next minute boundary.
//
// Kill points: a delay drawn from a seeded generator after the spawn (before,
// during or after start-up, intake rounds, hides, outreach ticks); a slow
// fake-Mastodon answer to some POST /api/v1/statuses (the server has acted,
// the answer comes late) widens the "sent but not recorded" window. The seed
// is printed; AASR_CRASH_SEED=<n> replays a run's kill schedule.
//
// Why the Mastodon comments are all there before the first start: FakeMastodon
// is not safe to change while it serves (its state is guarded only by the
// server's handler lock), and a Mastodon account with no cursor reads only the
// newest page on its first poll (by design). So the test stores a cursor older
// than every notification first, as if the bot had run before: the first poll
// then pages through all of them in one round, which a kill interrupts often.
//
// What the code guarantees for hides (bot/moderation/intake.cc, CarryOutOne):
// a hide is carried out, THEN recorded done; a kill in between repeats it on
// the next start. Hides are therefore at-least-once, and the repeats are
// bounded: actions run one at a time on the account's thread, so each kill
// can repeat at most one action per account. The test asserts exactly that.
#include <chrono>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <iostream>
#include <map>
#include <random>
#include <set>
#include <sstream>
#include <thread>

#include <catch2/catch.hpp>
#include <nlohmann/json.hpp>

#include "bot/outreach/store.h"
#include "bot/rules/rules.h"
#include "bot/store/ingest.h"
#include "bot/store/sqlite_store.h"
#include "tests/alerts/fake_chat.h"
#include "tests/daemon/daemon_process.h"
#include "tests/platforms/fake_mastodon.h"

using namespace aasr;
using namespace aasr::testing;
using namespace std::chrono_literals;
using nlohmann::json;
namespace fs = std::filesystem;

namespace {

// Texts people write under AASR's posts (site wording, /work/shared/seeds),
// and a few that the shipped rules hide or queue.
const char* const kBenign[] = {
    "Thank you for sharing your story, Chantelle.",
    "Our IEP meeting is next week and I will bring the restraint data.",
    "Prone restraint killed Max Benson. My son was restrained and abused too.",
    "Please pass the Keeping All Students Safe Act. No child should be secluded.",
    "Harwood Union banning prone restraint is a great step, well done to Brian.",
    "My daughter was put in a seclusion room at age 7. It still gives her nightmares.",
    "Where can I find my state's seclusion and restraint reporting numbers?",
    "Teachers deserve training in de-escalation, not more restraint.",
};
const char* const kFlagged[] = {
    "I know where you live, Karen. Watch your back.",
    "That aide lives at 42 Maple Ave, go knock on her door.",
    "The principal's house: 1187 Birch Hill Road, Concord, NH",
    "I know where you live, teacher. Watch your back.",
};

struct Expected {
  std::string text;
  std::string platform;  // "local" | "mastodon"
};

int64_t SeedFromEnv() {
  if (const char* s = std::getenv("AASR_CRASH_SEED")) return std::strtoll(s, nullptr, 10);
  return static_cast<int64_t>(std::random_device{}() & 0x7fffffff);
}

std::string LocalComment(const std::string& id, const std::string& text, const std::string& handle) {
  return json{{"id", id}, {"post", "local-post-1"}, {"text", text}, {"author", {{"id", "u-" + handle}, {"handle", handle}}}}
      .dump();
}

std::vector<std::string> Lines(const std::string& s) {
  std::vector<std::string> out;
  std::istringstream in(s);
  std::string line;
  while (std::getline(in, line))
    if (!line.empty()) out.push_back(line);
  return out;
}

}  // namespace

TEST_CASE("daemon crash safety: 20+ SIGKILLs while comments arrive and posts are due lose and double nothing",
          "[daemon][crash]") {
  const int64_t seed = SeedFromEnv();
  std::cout << "crash_test seed " << seed << " (replay: AASR_CRASH_SEED=" << seed << ")" << std::endl;
  INFO("seed " << seed);
  std::mt19937_64 rng(static_cast<uint64_t>(seed));
  auto uniform_ms = [&](int lo, int hi) { return lo + static_cast<int>(rng() % static_cast<uint64_t>(hi - lo + 1)); };

  DaemonWorkspace ws("crash");
  FakeMastodon masto("crash-masto-token");
  std::map<std::string, Expected> expected;  // unique marker -> comment

  // --- Mastodon: 200 mentions (10% flagged), in five pages of 40.
  for (int i = 0; i < 200; ++i) {
    const std::string marker = "m" + std::to_string(1000 + i);
    const bool flagged = i % 10 == 3;
    const std::string text = std::string(flagged ? kFlagged[i % 4] : kBenign[i % 8]) + " [" + marker + "]";
    masto.AddMention("fan" + std::to_string(i % 37) + "@mastodon.example", "<p>" + text + "</p>", "");
    expected[marker] = {text, "mastodon"};
  }
  // Slow answers to posting: the status exists, the answer comes 2.5 s late,
  // longer than any run lives, so the kill lands between send and record.
  for (int i = 0; i < 4; ++i)
    masto.AddFault({"/api/v1/statuses", FakeMastodon::Fault::Kind::kSlow, 0, 2500});
  {
    // The cursor of a bot that ran before (see the top of the file).
    auto st = store::OpenSqliteStore(ws.File("var/aasr.db"));
    REQUIRE(st.ok());
    REQUIRE(st.value()->PutCursor("comments", "masto", "109000000").ok());
  }

  ws.WriteFile("config/schedules.yaml",
               "feeds:\n"
               "  - name: crash-feed\n"
               "    url: file:posts/samples/stories.rss\n"
               "    max_age_hours: 87600\n"
               "    poll_minutes: 1\n"
               "    post_backlog_on_first_run: true\n"
               "schedules:\n"
               "  - {account: local, platform: local, zone: UTC, daily_cap: 50, stories: {feeds: [crash-feed]}}\n"
               "  - {account: masto, platform: mastodon, zone: UTC, daily_cap: 50, stories: {feeds: [crash-feed]}}\n");
  // DefaultConfig ends inside `accounts:`: the Mastodon account continues
  // that list, and the schedules key goes first.
  ws.WriteConfig("schedules: config/schedules.yaml\n" +
                 ws.DefaultConfig("  - name: masto\n"
                                  "    platform: mastodon\n"
                                  "    instance: \"" + masto.url() + "\"\n"
                                  "    token_env: AASR_CRASH_MASTO_TOKEN\n"));
  const std::map<std::string, std::string> env = {{"AASR_CRASH_MASTO_TOKEN", "crash-masto-token"}};

  // --- The kill loop. Local comments arrive in files of 150 (10% flagged)
  // while the daemon runs; every run ends in SIGKILL.
  int next_file = 0, next_local = 0, kills = 0;
  auto drop_file = [&] {
    std::vector<std::string> lines;
    for (int i = 0; i < 150; ++i, ++next_local) {
      const std::string marker = "l" + std::to_string(100000 + next_local);
      const bool flagged = next_local % 10 == 7;
      const std::string text =
          std::string(flagged ? kFlagged[next_local % 4] : kBenign[next_local % 8]) + " [" + marker + "]";
      lines.push_back(LocalComment(marker, text, "parent" + std::to_string(next_local % 53)));
      expected[marker] = {text, "local"};
    }
    char name[32];
    std::snprintf(name, sizeof name, "%05d.jsonl", next_file++);
    ws.DropInbox(name, lines);
  };
  const auto t0 = std::chrono::steady_clock::now();
  // At least 24 kills, and on past a minute boundary after the first feed
  // poll, so the posts fall due (the planner posts at whole minutes) while
  // kills still happen.
  while (kills < 24 || (std::chrono::steady_clock::now() - t0 < 64s && kills < 80)) {
    DaemonProcess d(ws, {}, env);
    d.Spawn();
    std::this_thread::sleep_for(std::chrono::milliseconds(uniform_ms(0, 900)));
    if (rng() % 3 != 0) drop_file();
    std::this_thread::sleep_for(std::chrono::milliseconds(uniform_ms(0, 1300)));
    const int early = d.Wait(0ms);
    if (early != -1) FAIL("the daemon stopped by itself with " << early << "\n" << ws.Log());
    d.Kill();
    ++kills;
  }
  const double kill_phase_s = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
  std::cout << "crash_test: " << kills << " SIGKILLs in " << kill_phase_s << " s, " << next_file
            << " inbox files, " << expected.size() << " comments" << std::endl;
  REQUIRE(kills >= 20);

  // --- A last, clean run: everything settles.
  auto open_store = [&] {
    auto st = store::OpenSqliteStore(ws.File("var/aasr.db"));
    REQUIRE(st.ok());
    return st.value();
  };
  auto stored_count = [&] {
    auto st = open_store();
    int64_t n = 0;
    REQUIRE(st->ForEachComment(0, [&](const store::StoredComment&, const std::optional<store::Item>&) {
                 ++n;
                 return true;
               }).ok());
    return n;
  };
  auto outbox_published = [&] {
    auto os = outreach::OutreachStore::Open(ws.File("var/aasr.db"));
    REQUIRE(os.ok());
    auto rows = os.value()->ListOutbox(outreach::OutboxState::kPublished);
    REQUIRE(rows.ok());
    return rows.value().size();
  };
  auto pending_actions = [&] {
    auto st = open_store();
    auto due = st->PendingActions(store::ActionFilter{});
    REQUIRE(due.ok());
    return due.value().size();
  };
  {
    DaemonProcess d(ws, {}, env);
    if (!d.Start()) FAIL(ws.Log());
    if (!WaitFor([&] { return stored_count() == static_cast<int64_t>(expected.size()); }, 40s))
      FAIL("comments stored: " << stored_count() << " of " << expected.size() << "\n" << ws.Log());
    // 5 stories x 2 accounts; at most ~60 s to the next whole minute.
    if (!WaitFor([&] { return outbox_published() == 10; }, 75s))
      FAIL("posts published: " << outbox_published() << " of 10\n" << ws.Log());
    if (!WaitFor([&] { return pending_actions() == 0; }, 20s))
      FAIL("platform actions still due: " << pending_actions() << "\n" << ws.Log());
    CHECK(d.Terminate() == 0);
  }

  // --- Invariants.
  auto st = open_store();
  auto rules = rules::RuleSet::LoadDirectory(ws.File("rules"));
  REQUIRE(rules.ok());

  std::map<std::string, int> seen_marker;
  std::map<std::string, std::string> platform_of;  // marker -> stored platform
  std::set<std::pair<std::string, std::string>> seen_remote;
  std::map<int64_t, std::string> comment_marker;
  std::map<std::string, std::string> verdict_of;  // marker -> action
  std::set<std::string> hide_local_ids;            // local remote ids with a hide verdict
  std::set<std::string> hide_masto_authors, hide_masto_ids;
  int64_t queued_expected = 0;
  REQUIRE(st->ForEachComment(0, [&](const store::StoredComment& c, const std::optional<store::Item>& item) {
               const size_t open = c.text.rfind(" [");
               REQUIRE(open != std::string::npos);
               const std::string marker = c.text.substr(open + 2, c.text.size() - open - 3);
               ++seen_marker[marker];
               platform_of[marker] = c.platform;
               CHECK(seen_remote.insert({c.platform, c.remote_id}).second);
               comment_marker[c.id] = marker;
               auto v = st->GetVerdict(c.id);
               REQUIRE(v.ok());
               REQUIRE(v.value().has_value());  // never a comment without its verdict
               // The stored verdict is what the rules say about the stored comment.
               const rules::Verdict again = rules.value()->Screen(store::ToRulesComment(c));
               CHECK(v.value()->action == std::string(rules::ActionName(again.action)));
               verdict_of[marker] = v.value()->action;
               if (v.value()->action != "allow") {
                 ++queued_expected;
                 CHECK(item.has_value());
               } else {
                 CHECK(!item.has_value());
               }
               if (v.value()->action == "hide") {
                 if (c.platform == "local") {
                   hide_local_ids.insert(c.remote_id);
                   REQUIRE(item.has_value());
                   CHECK(item->hidden);  // the store knows it was hidden
                 } else {
                   hide_masto_authors.insert(c.author_id);
                   hide_masto_ids.insert(c.remote_id);
                 }
               }
               return true;
             }).ok());
  // Every comment exactly once, under the platform it came from.
  CHECK(seen_marker.size() == expected.size());
  for (const auto& [marker, e] : expected) {
    INFO(marker);
    CHECK(seen_marker[marker] == 1);
    CHECK(platform_of[marker] == e.platform);
  }
  // The flagged texts really were flagged (the test can fail for the right reason).
  int flagged_hidden = 0;
  for (const auto& [marker, e] : expected)
    for (const char* f : kFlagged)
      if (e.text.rfind(f, 0) == 0 && verdict_of[marker] == "hide") ++flagged_hidden;
  CHECK(flagged_hidden >= static_cast<int>(expected.size() / 20));
  CHECK(!hide_local_ids.empty());
  CHECK(!hide_masto_authors.empty());

  // No queue item duplicated: one item per comment, one per flagged comment.
  store::QueueFilter f;
  f.states = {store::ItemState::kPending, store::ItemState::kEscalated, store::ItemState::kApproved,
              store::ItemState::kRemoved};
  f.limit = 200;
  std::set<int64_t> item_comments;
  int64_t items = 0;
  while (true) {
    auto page = st->ListQueue(f);
    REQUIRE(page.ok());
    for (const auto& it : page.value().items) {
      ++items;
      CHECK(item_comments.insert(it.comment_id).second);
      CHECK(comment_marker.count(it.comment_id) == 1);
    }
    if (page.value().next_cursor.empty()) break;
    f.cursor = page.value().next_cursor;
  }
  CHECK(items == queued_expected);

  // Hides on the local platform: every hide verdict hidden, nothing else;
  // repeats only from kills between "carried out" and "recorded".
  std::map<std::string, int> hide_lines;
  for (const std::string& line : Lines(ws.ReadFile("var/outbox/moderation.jsonl"))) {
    json j = json::parse(line);  // a torn line would throw: lines are written whole
    if (j["action"] == "hide") ++hide_lines[j["comment"].get<std::string>()];
  }
  int repeated_hides = 0;
  for (const std::string& id : hide_local_ids) {
    INFO("local comment " << id);
    CHECK(hide_lines[id] >= 1);
    repeated_hides += std::max(0, hide_lines[id] - 1);
  }
  for (const auto& [id, n] : hide_lines) {
    INFO("hidden: " << id);
    CHECK(hide_local_ids.count(id) == 1);
  }
  CHECK(repeated_hides <= kills);
  // Mastodon cannot hide: its fallback blocked each author and reported each
  // comment (at least once, by the same at-least-once rule).
  std::map<std::string, int> reports_per_status;
  for (const json& r : masto.reports)
    for (const json& id : r.value("status_ids", json::array())) ++reports_per_status[id.get<std::string>()];
  for (const std::string& id : hide_masto_ids) {
    INFO("mastodon status " << id);
    CHECK(reports_per_status[id] >= 1);
  }
  for (const std::string& author : hide_masto_authors) {
    INFO("mastodon author " << author);
    CHECK(std::find(masto.blocked.begin(), masto.blocked.end(), author) != masto.blocked.end());
  }

  // Cursors: the local one is the end of the last inbox file; Mastodon's the
  // newest notification.
  {
    char last[32];
    std::snprintf(last, sizeof last, "%05d.jsonl", next_file - 1);
    const auto size = fs::file_size(ws.File(std::string("var/inbox/") + last));
    auto c = st->GetCursor("comments", "local");
    REQUIRE(c.ok());
    REQUIRE(c.value().has_value());
    CHECK(*c.value() == std::string(last) + ":" + std::to_string(size));
    auto m = st->GetCursor("comments", "masto");
    REQUIRE(m.ok());
    REQUIRE(m.value().has_value());
    CHECK(*m.value() == std::to_string(109000000 + 400));  // 200 mentions: two ids each
  }

  // Outreach: every due post published exactly once per account.
  auto os = outreach::OutreachStore::Open(ws.File("var/aasr.db"));
  REQUIRE(os.ok());
  auto rows = os.value()->ListOutbox();
  REQUIRE(rows.ok());
  std::set<std::pair<std::string, std::string>> planned;
  std::map<std::string, std::set<std::string>> remote_ids;
  for (const auto& r : rows.value()) {
    INFO(r.account << " " << r.item_id << " " << outreach::OutboxStateName(r.state) << " " << r.error);
    CHECK(planned.insert({r.account, r.item_id}).second);
    CHECK(r.state == outreach::OutboxState::kPublished);
    CHECK(remote_ids[r.account].insert(r.remote_id).second);
  }
  CHECK(rows.value().size() == 10);
  // The fake Mastodon: one status per outbox row, no text twice, and every
  // Idempotency-Key sent maps to one status (repeats were deduplicated).
  std::set<std::string> texts, status_ids;
  for (const json& s : masto.statuses()) {
    CHECK(texts.insert(s["content"].get<std::string>()).second);
    status_ids.insert(s["id"].get<std::string>());
  }
  CHECK(masto.statuses().size() == 5);
  CHECK(status_ids == remote_ids["masto"]);
  std::map<std::string, int> sends_per_key;
  for (const auto& r : masto.requests_to("POST", "/api/v1/statuses")) ++sends_per_key[r.header("Idempotency-Key")];
  CHECK(sends_per_key.size() == 5);
  CHECK(sends_per_key.count("") == 0);
  int resends = 0;
  for (const auto& [k, n] : sends_per_key) resends += n - 1;
  // Reconciliation after "sent, not recorded" reads the account's statuses.
  const size_t reconcile_reads = masto.requests_to("GET", "/api/v1/accounts/1/statuses").size();
  // The local outbox: one file per post, no text twice.
  std::set<std::string> local_texts;
  int local_files = 0;
  for (const auto& e : fs::directory_iterator(ws.File("var/outbox"))) {
    if (e.path().extension() != ".json") continue;
    ++local_files;
    std::ifstream in(e.path());
    json j = json::parse(in);
    CHECK(local_texts.insert(j["text"].get<std::string>()).second);
  }
  CHECK(local_files == 5);

  std::cout << "crash_test: seed " << seed << ", " << kills << " kills; " << expected.size() << " comments stored once; "
            << items << " queued; " << hide_local_ids.size() << " local hides (" << repeated_hides
            << " repeated after kills); " << rows.value().size() << " posts published once (" << resends
            << " Mastodon re-sends deduplicated by Idempotency-Key, " << reconcile_reads
            << " reads of the account's statuses to reconcile)" << std::endl;
}

// Issue 11 §3: an alert recorded but not yet delivered survives a SIGKILL
// and goes out once after the restart. The webhook is down while the crisis
// comment arrives, so the alert is recorded (with the item, by trigger) and
// attempted, but not delivered; the daemon is killed; the webhook recovers;
// the restarted daemon delivers it exactly once.
TEST_CASE("daemon crash safety: SIGKILL between recording an alert and delivering it delivers it once after restart",
          "[daemon][crash][alerts]") {
  aasr::testing::FakeChat hook(aasr::testing::FakeChat::Kind::kWebhook, "crash-secret");
  hook.set_mode(aasr::testing::FakeChat::Mode::kDown);
  DaemonWorkspace ws("crash-alerts");
  ws.WriteConfig(ws.DefaultConfig("alerts:\n"
                                  "  channels:\n"
                                  "    - {name: hook, type: webhook, url: \"" + hook.url() +
                                  "\", secret_env: AASR_HOOK_SECRET}\n"
                                  "  routes:\n"
                                  "    - {events: [new_item], categories: [crisis], channels: [hook]}\n"));
  const std::map<std::string, std::string> env = {{"AASR_HOOK_SECRET", "crash-secret"}};
  {
    DaemonProcess d(ws, {}, env);
    REQUIRE(d.Start());
    ws.DropInbox("crisis.jsonl",
                 {LocalComment("k1", "I can't do this anymore, tonight I will end my life", "someone1")});
    // Recorded and attempted, not delivered.
    REQUIRE(WaitFor([&] { return hook.answers_with(503) >= 1; }, 20s));
    d.Kill();
  }
  CHECK(hook.accepted().empty());
  hook.set_mode(aasr::testing::FakeChat::Mode::kOk);
  {
    DaemonProcess d(ws, {}, env);
    REQUIRE(d.Start());
    REQUIRE(WaitFor([&] { return hook.accepted().size() == 1; }, 20s));
    // Once it is marked sent, a kill and a restart send nothing again.
    REQUIRE(WaitFor([&] {
      return d.Get("/metrics").body.find("aasr_alerts_total{channel=\"hook\",outcome=\"sent\"} 1") != std::string::npos;
    }, 10s));
    d.Kill();
  }
  {
    DaemonProcess d(ws, {}, env);
    REQUIRE(d.Start());
    std::this_thread::sleep_for(3s);
    CHECK(d.Terminate() == 0);
  }
  auto acc = hook.accepted();
  REQUIRE(acc.size() == 1);
  CHECK(acc.begin()->second == 1);
  CHECK(hook.violations().empty());
  INFO(ws.Log());
  CHECK(hook.accepted_bodies()[0].find("CRISIS") != std::string::npos);
}
