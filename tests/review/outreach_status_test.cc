// The Outreach and Status views' API over real HTTP: the outbox listed failed
// first with the platform's error and the post as composed, retry of a failed
// row (admins, CSRF, 409 for anything not failed, audited), and the status
// from a provider or the minimal one.
#include <catch2/catch.hpp>

#include "bot/outreach/store.h"
#include "bot/review/status.h"
#include "http_fixture.h"
#include "aasr/build_paths.h"

using namespace aasr::review_test;
using aasr::outreach::OutboxRow;
using aasr::outreach::OutboxState;
using aasr::outreach::OutreachStore;

namespace {

// Outbox times are Unix seconds; the fixture's clock starts at 1'790'000'000 s.
struct Outbox {
  std::unique_ptr<OutreachStore> store;
  explicit Outbox(const std::string& path) : store(OutreachStore::Open(path).value()) {}

  int64_t Add(const std::string& account, const std::string& platform, const std::string& item,
              const std::string& text, int64_t planned_at) {
    OutboxRow row;
    row.kind = "story";
    row.item_id = item;
    row.account = account;
    row.platform = platform;
    row.planned_at = planned_at;
    row.post.account = account;
    row.post.text = text;
    row.post.link = "https://endseclusion.example/stories/" + item;
    row.post.idempotency_key = account + "/" + item;
    aasr::platforms::Image img;
    img.file = "/var/lib/aasr/cards/" + item + ".png";
    img.alt = "Five Year Anniversary: the Alliance Against Seclusion & Restraint";
    img.mime_type = "image/png";
    row.post.images.push_back(img);
    auto id = store->InsertOutbox(row, planned_at);
    REQUIRE(id.ok());
    return id.value();
  }
  void Fail(int64_t id, const std::string& error, int64_t at, int attempts = 3) {
    for (int i = 0; i < attempts; ++i) {
      REQUIRE(store->MarkSending(id, at).ok());
      REQUIRE(store->MarkAttemptFailed(id, error, at + 60, i + 1 == attempts, at).ok());
    }
  }
  void Publish(int64_t id, int64_t at) {
    REQUIRE(store->MarkSending(id, at).ok());
    aasr::platforms::Published p;
    p.remote_id = "113";
    p.url = "https://mastodon.example/@aasr/113";
    REQUIRE(store->MarkPublished(id, p, at).ok());
  }
};

// The outreach tables in the moderation store's own file, as in the daemon.
void SameFile(review::ServerOptions& o, Fixture& f) { o.outreach_db = f.db_path; }

}  // namespace

TEST_CASE("without an outreach database the view says so - status is minimal",
          "[review][http][outreach][status]") {
  Fixture f;
  Client c = f.LoggedIn("ana");
  Reply o = c.Call("GET", "/api/outreach");
  CHECK(o.status == 404);
  CHECK(o.body["code"] == "not_configured");
  CHECK_THAT(o.body["error"].get<std::string>(), Catch::Contains("not configured"));
  Reply s = c.Call("GET", "/api/status");
  REQUIRE(s.status == 200);
  CHECK(s.body["mode"] == "embedded");
  CHECK(s.body["rules"]["count"].get<int>() == static_cast<int>(f.rules->rule_count()));
  CHECK(s.body["rules"]["count"].get<int>() > 0);
  CHECK(s.body["reload"]["errors"].empty());
  CHECK(s.body["now_ms"] == f.clock->NowMs());
  CHECK(Client(f.base).Call("GET", "/api/status").status == 401);
  CHECK(Client(f.base).Call("GET", "/api/outreach").status == 401);
}

TEST_CASE("the outbox: failed first, newest first, with the platform's error and the post",
          "[review][http][outreach]") {
  Fixture g(nullptr, SameFile);
  const std::string path = g.db_path;
  const int64_t now = g.clock->NowUnix();
  Outbox box(path);
  int64_t old_fail = box.Add("aasr-masto", "mastodon", "five-year-anniversary",
                             "Five Year Anniversary: please consider donating", now - 7200);
  box.Fail(old_fail, "HTTP 503: Service Unavailable", now - 7000);
  int64_t new_fail = box.Add("aasr-bsky", "bluesky", "safer-schools",
                             "Promoting safer schools for students, teachers and staff.", now - 3600);
  box.Fail(new_fail, "HTTP 400: InvalidRequest: Record/text must not be longer than 300 graphemes",
           now - 3500);
  int64_t planned = box.Add("aasr-fb", "facebook", "our-mission", "Our mission", now + 3600);
  int64_t published = box.Add("aasr-masto", "mastodon", "about", "About seclusion", now - 86400);
  box.Publish(published, now - 86000);

  // Reads are for every logged-in moderator; the file is shared with the store.
  Client c(g.base);
  REQUIRE(c.Login("ana", "password-of-ana").status == 200);
  Reply r = c.Call("GET", "/api/outreach");
  REQUIRE(r.status == 200);
  REQUIRE(r.body["rows"].size() == 3);
  CHECK(r.body["rows"][0]["id"] == new_fail);
  CHECK(r.body["rows"][1]["id"] == old_fail);
  CHECK(r.body["rows"][2]["id"] == planned);
  const json& row = r.body["rows"][0];
  CHECK(row["state"] == "failed");
  CHECK(row["attempts"] == 3);
  CHECK(row["account"] == "aasr-bsky");
  CHECK(row["platform"] == "bluesky");
  CHECK(row["kind"] == "story");
  CHECK(row["item_id"] == "safer-schools");
  CHECK_THAT(row["error"].get<std::string>(), Catch::Contains("300 graphemes"));
  CHECK(row["text"] == "Promoting safer schools for students, teachers and staff.");
  CHECK(row["images"][0]["file"] == "/var/lib/aasr/cards/safer-schools.png");
  CHECK_THAT(row["images"][0]["alt"].get<std::string>(), Catch::Contains("Five Year"));
  CHECK(row["planned_at"] == now - 3600);
  CHECK(row["updated_at"] == now - 3500);
  CHECK(row.contains("next_attempt_at"));
  CHECK(r.body["counts"]["failed"] == 2);
  CHECK(r.body["counts"]["planned"] == 1);
  CHECK(r.body["counts"]["published"] == 1);
  CHECK(r.body["truncated"] == false);
  CHECK(r.body["now"] == now);

  Reply pub = c.Call("GET", "/api/outreach?state=published");
  REQUIRE(pub.body["rows"].size() == 1);
  CHECK(pub.body["rows"][0]["url"] == "https://mastodon.example/@aasr/113");
  Reply both = c.Call("GET", "/api/outreach?state=planned,failed");
  REQUIRE(both.body["rows"].size() == 3);
  CHECK(both.body["rows"][0]["id"] == planned);  // in the order asked
  Reply all = c.Call("GET", "/api/outreach?state=all");
  CHECK(all.body["rows"].size() == 4);
  Reply one = c.Call("GET", "/api/outreach?limit=1");
  CHECK(one.body["rows"].size() == 1);
  CHECK(one.body["truncated"] == true);
  CHECK(c.Call("GET", "/api/outreach?state=lost").status == 400);
  CHECK(c.Call("GET", "/api/outreach?limit=-3").status == 400);
}

TEST_CASE("retry: admins only, with CSRF, failed rows only, audited",
          "[review][http][outreach][csrf]") {
  // A separate outreach file works too.
  const std::string path = TempPath();
  Fixture g(nullptr, [&](review::ServerOptions& o, Fixture&) { o.outreach_db = path; });
  const int64_t now = g.clock->NowUnix();
  Outbox box(path);
  int64_t failed = box.Add("aasr-fb", "facebook", "five-year-anniversary",
                           "Five Year Anniversary", now - 600);
  box.Fail(failed, "(#200) The user hasn't authorized the application to perform this action",
           now - 500, 2);
  int64_t planned = box.Add("aasr-fb", "facebook", "our-mission", "Our mission", now + 60);
  int64_t published = box.Add("aasr-masto", "mastodon", "about", "About", now - 900);
  box.Publish(published, now - 800);
  const std::string retry = "/api/outreach/" + std::to_string(failed) + "/retry";

  Client ana = g.LoggedIn("ana");
  Reply forbidden = ana.Call("POST", retry);
  CHECK(forbidden.status == 403);
  CHECK(forbidden.body["code"] == "forbidden");
  Client root = g.LoggedIn("root");
  Reply no_csrf = root.Call("POST", retry, nullptr, /*send_csrf=*/false);
  CHECK(no_csrf.status == 403);
  CHECK(no_csrf.body["code"] == "csrf");
  CHECK(box.store->GetOutbox(failed).value()->state == OutboxState::kFailed);
  CHECK(root.Call("GET", retry).status == 404);  // POST only

  g.clock->Advance(5000);
  Reply ok = root.Call("POST", retry);
  REQUIRE(ok.status == 200);
  CHECK(ok.body["row"]["state"] == "planned");
  CHECK(ok.body["row"]["attempts"] == 0);
  auto row = box.store->GetOutbox(failed).value();
  CHECK(row->state == OutboxState::kPlanned);
  CHECK(row->attempts == 0);
  CHECK(row->next_attempt_at == g.clock->NowUnix());
  // Due now: the runner will pick it up on its next pass.
  auto due = box.store->DueOutbox(g.clock->NowUnix()).value();
  REQUIRE(due.size() == 1);
  CHECK(due[0].id == failed);

  store::AuditFilter af;
  auto audit = g.st->Audit(af).value();
  auto it = std::find_if(audit.begin(), audit.end(),
                         [](const store::AuditEntry& a) { return a.action == "outreach.retry"; });
  REQUIRE(it != audit.end());
  CHECK(it->actor == "root");
  CHECK(it->from_state == "failed");
  CHECK(it->to_state == "planned");
  CHECK_THAT(it->note, Catch::Contains("outbox row " + std::to_string(failed)));
  CHECK_THAT(it->note, Catch::Contains("hasn't authorized"));
  Reply log = root.Call("GET", "/api/audit");
  CHECK(log.body["entries"][0]["action"] == "outreach.retry");

  Reply again = root.Call("POST", retry);
  CHECK(again.status == 409);
  CHECK(again.body["code"] == "conflict");
  CHECK(again.body["state"] == "planned");
  CHECK(root.Call("POST", "/api/outreach/" + std::to_string(planned) + "/retry").status == 409);
  Reply pub = root.Call("POST", "/api/outreach/" + std::to_string(published) + "/retry");
  CHECK(pub.status == 409);
  CHECK(pub.body["state"] == "published");
  CHECK(box.store->GetOutbox(published).value()->state == OutboxState::kPublished);
  CHECK(root.Call("POST", "/api/outreach/9999/retry").status == 404);
  CHECK(root.Call("POST", "/api/outreach/abc/retry").status == 404);
  std::filesystem::remove_all(std::filesystem::path(path).parent_path());
}

TEST_CASE("status: the provider's JSON, for every logged-in user", "[review][http][status]") {
  std::atomic<int> calls{0};
  Fixture f(nullptr, [&](review::ServerOptions& o, Fixture&) {
    o.status = [&] {
      ++calls;
      Errors errs{Error{{"rules/harassment.yaml", 12, 7}, "rule harassment.insult",
                        "unknown key 'patern' (did you mean 'pattern'?)"}};
      return json{{"mode", "daemon"},
                  {"started_at_ms", 1'789'990'000'000},
                  {"version", review::BuildVersion()},
                  {"accounts",
                   {{{"name", "aasr-masto"}, {"platform", "mastodon"}, {"state", "backoff"},
                     {"last_poll_ms", 1'789'999'000'000}, {"next_poll_ms", 1'790'000'060'000},
                     {"last_error", "HTTP 429: Too Many Requests"}}}},
                  {"reload",
                   {{"last_ok_ms", 1'789'995'000'000},
                    {"errors", review::ErrorsToStatusJson(errs)},
                    {"files", {{"rules", "rules"}, {"posts", "posts"}, {"config", "config/aasr.yaml"}}}}},
                  {"rules", {{"count", 42}}}};
    };
  });
  Client c = f.LoggedIn("ana");
  Reply s = c.Call("GET", "/api/status");
  REQUIRE(s.status == 200);
  CHECK(calls == 1);
  CHECK(s.body["mode"] == "daemon");
  CHECK(s.body["now_ms"] == f.clock->NowMs());
  CHECK(s.body["accounts"][0]["state"] == "backoff");
  const json& e = s.body["reload"]["errors"][0];
  CHECK(e["file"] == "rules/harassment.yaml");
  CHECK(e["line"] == 12);
  CHECK(e["column"] == 7);
  CHECK(e["subject"] == "rule harassment.insult");
  CHECK_THAT(e["message"].get<std::string>(), Catch::Contains("did you mean"));
  CHECK(s.body["version"] == review::BuildVersion());
  CHECK(review::BuildVersion() != "unknown");
  CHECK(c.Call("POST", "/api/status").status == 404);
}

TEST_CASE("status: a provider that throws or answers a non-object is a 500, not a crash",
          "[review][http][status]") {
  std::atomic<bool> throw_it{true};
  Fixture f(nullptr, [&](review::ServerOptions& o, Fixture&) {
    o.status = [&]() -> json {
      if (throw_it) throw std::runtime_error("accounts table locked");
      return json::array();
    };
  });
  Client c = f.LoggedIn("ana");
  Reply s = c.Call("GET", "/api/status");
  CHECK(s.status == 500);
  CHECK_THAT(f.log.str(), Catch::Contains("accounts table locked"));
  throw_it = false;
  CHECK(c.Call("GET", "/api/status").status == 500);
  CHECK(c.Call("GET", "/api/session").status == 200);  // the rest keeps working
}

TEST_CASE("MinimalStatus names the rules and their folder", "[review][status]") {
  auto rules = rules::RuleSet::LoadDirectory(AASR_SOURCE_DIR "/tests/review/fixtures/rules").value();
  json s = review::MinimalStatus("serve", rules, "tests/review/fixtures/rules", 1'790'000'000'000);
  CHECK(s["mode"] == "serve");
  CHECK(s["rules"]["count"] == rules->rule_count());
  CHECK(s["rules"]["dir"] == "tests/review/fixtures/rules");
  CHECK(s["rules"]["loaded"] == true);
  CHECK(s["started_at_ms"] == 1'790'000'000'000);
  CHECK(s["accounts"].empty());
  json none = review::MinimalStatus("embedded", nullptr, "", 0);
  CHECK(none["rules"]["count"] == 0);
  CHECK(none["rules"]["loaded"] == false);
  CHECK(!none.contains("started_at_ms"));
}
