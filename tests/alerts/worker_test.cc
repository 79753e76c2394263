// The alerts outbox and its worker against the fake services: every alert
// once per channel through minutes of failure, floods as one summary,
// digests, quiet hours, suppression of decided items, on-call re-alerts,
// account-down and reload alerts. An injected clock; no real minutes.
#include <catch2/catch.hpp>

#include <sqlite3.h>

#include "bot/alerts/worker.h"
#include "tests/alerts/fake_chat.h"
#include "tests/store/test_util.h"

using namespace aasr;
using namespace aasr::alerts;
using aasr::testing::FakeChat;
using Mode = FakeChat::Mode;

namespace {

// 2026-07-01 10:00 UTC (12:00 in Paris).
constexpr int64_t kStart = 1782900000LL * 1000;

struct Bed {
  store::testing::TempDb db;
  std::shared_ptr<ManualClock> clock = std::make_shared<ManualClock>(kStart);
  store::StorePtr store;
  FakeChat slack{FakeChat::Kind::kSlack};
  FakeChat discord{FakeChat::Kind::kDiscord};
  FakeChat matrix{FakeChat::Kind::kMatrix};
  FakeChat ntfy{FakeChat::Kind::kNtfy};
  FakeChat hook{FakeChat::Kind::kWebhook, "whsec_test"};
  config::Config cfg;
  std::unique_ptr<Worker> worker;
  std::vector<AccountHealth> accounts;
  int n = 0;

  // `channel_extra` is added to every channel's map; `routes` replaces the default (all to all).
  explicit Bed(const std::string& channel_extra = "max_per_minute: 100", std::string routes = "") {
    auto s = store::OpenSqliteStore(db.path(), clock);
    REQUIRE(s.ok());
    store = s.value();
    if (routes.empty()) routes = "    - {channels: [slack, discord, matrix, ntfy, hook]}\n";
    const std::string x = channel_extra.empty() ? "" : ", " + channel_extra;
    std::string yaml = "review: {public_url: \"https://review.example\"}\nalerts:\n  channels:\n"
                       "    - {name: slack, type: slack, url_env: SLACK_URL" + x + "}\n"
                       "    - {name: discord, type: discord, url_env: DISCORD_URL" + x + "}\n"
                       "    - {name: matrix, type: matrix, url: \"" + matrix.url() +
                       "\", room: \"!alerts:example.org\", token_env: MATRIX_TOKEN" + x + "}\n"
                       "    - {name: ntfy, type: ntfy, url: \"" + ntfy.url() + "\"" + x + "}\n"
                       "    - {name: hook, type: webhook, url: \"" + hook.url() + "\", secret_env: HOOK_SECRET" + x + "}\n"
                       "  routes:\n" + routes;
    const std::string slack_url = slack.url(), discord_url = discord.url();
    auto env = [=](const std::string& name) -> std::optional<std::string> {
      if (name == "SLACK_URL") return slack_url;
      if (name == "DISCORD_URL") return discord_url;
      if (name == "MATRIX_TOKEN") return "syt_matrix_token";
      if (name == "HOOK_SECRET") return "whsec_test";
      return std::nullopt;
    };
    auto c = config::LoadConfigString(yaml, "bot.yaml", env);
    if (!c.ok()) FAIL(FormatErrors(c.errors()));
    cfg = c.value();
    WorkerOptions o;
    o.database = db.path();
    o.alerts = cfg.alerts;
    o.public_url = cfg.review_public_url;
    o.clock = clock.get();
    o.accounts = [this] { return accounts; };
    auto w = Worker::Open(o);
    if (!w.ok()) FAIL(FormatErrors(w.errors()));
    worker = std::move(w).value();
  }

  std::vector<FakeChat*> fakes() { return {&slack, &discord, &matrix, &ntfy, &hook}; }

  int64_t Add(const std::string& category, int priority, bool crisis = false,
              const std::string& text = "you people are idiots") {
    auto c = store::testing::MakeComment("c" + std::to_string(++n), text);
    auto v = store::testing::MakeVerdict("review", category, priority);
    store::Disposition d;
    d.queue = true;
    d.crisis = crisis;
    auto r = store->Ingest({c, v, d});
    REQUIRE(r.ok());
    return r.value().item_id;
  }

  void Pass() {
    REQUIRE(worker->RoutePass().ok());
    for (const auto& ch : cfg.alerts.channels) {
      auto r = worker->DeliverPass(ch.name);
      if (!r.ok()) FAIL(FormatErrors(r.errors()));
    }
  }
  // One pass per simulated second.
  void Run(int seconds) {
    for (int i = 0; i < seconds; ++i) {
      clock->Advance(1000);
      Pass();
    }
  }
  int Sent(FakeChat& f) {
    int total = 0;
    for (const auto& [k, c] : f.accepted()) total += c;
    return total;
  }
};

}  // namespace

TEST_CASE("each service gets the alert in its documented shape, with the link and the dedupe key", "[alerts][channels]") {
  Bed b("excerpt: 0");
  int64_t id = b.Add("crisis", 3, true, "tonight I will end it");
  b.Pass();
  for (FakeChat* f : b.fakes()) {
    INFO(f->url());
    CHECK(f->violations().empty());
    REQUIRE(f->accepted_bodies().size() == 1);
    const std::string body = f->accepted_bodies()[0];
    CHECK(body.find("#item=" + std::to_string(id)) != std::string::npos);
    CHECK(body.find("end it") == std::string::npos);
  }
  // Matrix: the txnId is the delivery's key.
  auto keys = b.matrix.accepted();
  REQUIRE(keys.size() == 1);
  CHECK(keys.begin()->first.rfind("aasr-a", 0) == 0);
  CHECK(keys.begin()->first.find("-matrix") != std::string::npos);
  // ntfy: headers, crisis at priority 5, Click opens the item.
  auto req = b.ntfy.requests().back();
  CHECK(req.header("Priority") == "5");
  CHECK(req.header("Click") == "https://review.example/#item=" + std::to_string(id));
  CHECK(req.header("Tags").find("crisis") != std::string::npos);
  CHECK(req.header("Title").rfind("CRISIS: New item", 0) == 0);
  // The webhook verified the signature (a bad one answers 401, which would not count).
  CHECK(b.hook.answers_with(401) == 0);
  CHECK(b.hook.answers_with(204) == 1);
  // Nothing twice on later passes.
  b.Run(5);
  for (FakeChat* f : b.fakes()) CHECK(b.Sent(*f) == 1);
}

TEST_CASE("a channel failing for minutes, then recovering, gets every alert exactly once", "[alerts][retry]") {
  Bed b;
  // Slack, Matrix and ntfy rate-limit, then fail, then recover; Discord and
  // the webhook stay up and must not wait for them.
  for (FakeChat* f : {&b.slack, &b.matrix, &b.ntfy}) f->set_mode(Mode::kRateLimited);
  std::vector<int64_t> items;
  for (int t = 0; t < 300; ++t) {
    if (t % 10 == 0) items.push_back(b.Add("harassment", 2));
    if (t == 120)
      for (FakeChat* f : {&b.slack, &b.matrix, &b.ntfy}) f->set_mode(Mode::kDown);
    b.Run(1);
    if (t == 60) {
      // The healthy ones are current while the others fail.
      CHECK(b.Sent(b.discord) == static_cast<int>(items.size()));
      CHECK(b.Sent(b.hook) == static_cast<int>(items.size()));
      CHECK(b.Sent(b.slack) == 0);
    }
  }
  auto states = b.worker->States();
  for (const auto& st : states)
    if (st.name == "slack" || st.name == "matrix" || st.name == "ntfy") {
      CHECK(st.state == "failing");
      CHECK_FALSE(st.last_error.empty());
    }
  for (FakeChat* f : {&b.slack, &b.matrix, &b.ntfy}) f->set_mode(Mode::kOk);
  b.Run(1200);
  REQUIRE(items.size() == 30);
  for (FakeChat* f : b.fakes()) {
    INFO(f->url());
    CHECK(f->violations().empty());
    auto acc = f->accepted();
    CHECK(acc.size() == 30);
    for (const auto& [key, count] : acc) CHECK(count == 1);
  }
  // The services' own waits were honoured: Matrix asked for 20 s, Slack for
  // 30 s, so two minutes of rate limiting are a handful of attempts, not 120.
  CHECK(b.matrix.answers_with(429) <= 7);
  CHECK(b.slack.answers_with(429) <= 5);
  for (const auto& st : b.worker->States()) CHECK(st.state == "ok");
  auto counts = b.worker->Counts();
  REQUIRE(counts.ok());
  for (const auto& [ch, by] : counts.value()) CHECK(by.at("sent") == 30);
}

TEST_CASE("a flood of 500 flagged comments in a minute is one summary per channel", "[alerts][flood]") {
  Bed b("max_per_minute: 10");
  std::vector<store::IngestRequest> batch;
  for (int i = 0; i < 500; ++i) {
    auto c = store::testing::MakeComment("raid" + std::to_string(i), "buy followers now");
    store::Disposition d;
    d.queue = true;
    batch.push_back({c, store::testing::MakeVerdict("review", "spam", 1), d});
  }
  for (const auto& r : b.store->IngestBatch(batch)) REQUIRE(r.ok());
  b.Run(59);
  for (FakeChat* f : b.fakes()) {
    INFO(f->url());
    REQUIRE(f->accepted_bodies().size() == 1);
    CHECK(f->accepted_bodies()[0].find("500 alerts") != std::string::npos);
    CHECK(f->accepted_bodies()[0].find("spam 500") != std::string::npos);
  }
  // A few more after the raid go out one by one again.
  for (int i = 0; i < 3; ++i) b.Add("harassment", 2);
  b.Run(2);
  for (FakeChat* f : b.fakes()) CHECK(f->accepted_bodies().size() == 4);
  auto counts = b.worker->Counts();
  REQUIRE(counts.ok());
  CHECK(counts.value()["slack"]["summarized"] == 500);
  CHECK(counts.value()["slack"]["sent"] == 3);
}

TEST_CASE("a flood still arriving is summarized at most once a minute", "[alerts][flood]") {
  Bed b("max_per_minute: 5");
  for (int t = 0; t < 120; ++t) {
    for (int i = 0; i < 4; ++i) b.Add("spam", 1);  // 240 a minute
    b.Run(1);
  }
  for (FakeChat* f : b.fakes()) {
    INFO(f->url());
    // At most max_per_minute singles in the first seconds, then one summary a minute.
    CHECK(f->accepted_bodies().size() <= 5 + 3);
  }
  b.Run(120);
  auto counts = b.worker->Counts();
  REQUIRE(counts.ok());
  CHECK(counts.value()["ntfy"]["sent"] + counts.value()["ntfy"]["summarized"] == 480);
}

TEST_CASE("digests hold non-urgent alerts until the hour and crisis goes at once", "[alerts][digest]") {
  Bed b("digest: hourly, max_per_minute: 100, quiet_hours: {from: \"22:00\", to: \"07:00\", time_zone: Europe/Paris}",
        "    - {events: [new_item], channels: [slack, discord, matrix, ntfy, hook]}\n");
  b.clock->Set(kStart + 20 * 60 * 1000);  // 12:20 Paris
  b.Add("harassment", 2);
  b.Add("spam", 1);
  int64_t crisis = b.Add("crisis", 3, true);
  b.Run(5);
  for (FakeChat* f : b.fakes()) {
    REQUIRE(f->accepted_bodies().size() == 1);
    CHECK(f->accepted_bodies()[0].find("#item=" + std::to_string(crisis)) != std::string::npos);
  }
  b.Run(60 * 40);  // 13:00 Paris and a few seconds
  for (FakeChat* f : b.fakes()) {
    INFO(f->url());
    REQUIRE(f->accepted_bodies().size() == 2);
    const std::string d = f->accepted_bodies()[1];
    INFO(d);
    CHECK(d.find("2 alerts (digest)") != std::string::npos);
    CHECK(d.find("harassment 1, spam 1") != std::string::npos);
  }
}

TEST_CASE("quiet hours hold alerts until they end and an item decided meanwhile is suppressed", "[alerts][quiet]") {
  Bed b("max_per_minute: 100, quiet_hours: {from: \"12:00\", to: \"13:00\", time_zone: Europe/Paris}");
  int64_t kept = b.Add("harassment", 2);
  int64_t decided = b.Add("harassment", 2);
  b.Run(10);
  for (FakeChat* f : b.fakes()) CHECK(f->accepted_bodies().empty());
  store::DecideRequest d;
  d.item_id = decided;
  d.user = "mod";
  d.decision = "approve";
  REQUIRE(b.store->Decide(d).ok());
  b.Run(60 * 60);
  for (FakeChat* f : b.fakes()) {
    REQUIRE(f->accepted_bodies().size() == 1);
    CHECK(f->accepted_bodies()[0].find("#item=" + std::to_string(kept)) != std::string::npos);
    CHECK(f->accepted_bodies()[0].find("#item=" + std::to_string(decided)) == std::string::npos);
  }
  auto counts = b.worker->Counts();
  REQUIRE(counts.ok());
  CHECK(counts.value()["slack"]["suppressed"] == 1);
}

TEST_CASE("a crisis item undecided after N minutes re-alerts the on-call channel once", "[alerts][oncall]") {
  Bed b("max_per_minute: 100",
        "    - {events: [new_item], categories: [crisis], channels: [slack]}\n"
        "    - {events: [crisis_undecided], channels: [ntfy]}\n"
        "    - {events: [escalated], channels: [matrix]}\n");
  b.worker.reset();
  WorkerOptions o;
  o.database = b.db.path();
  b.cfg.alerts.crisis_undecided_minutes = 10;
  o.alerts = b.cfg.alerts;
  o.public_url = "https://review.example";
  o.clock = b.clock.get();
  b.worker = std::move(Worker::Open(o)).value();
  int64_t id = b.Add("crisis", 3, true);
  int64_t other = b.Add("crisis", 3, true);
  b.Run(5);
  CHECK(b.Sent(b.slack) == 2);
  CHECK(b.Sent(b.ntfy) == 0);
  // A moderator removes the other one in time.
  store::DecideRequest d;
  d.item_id = other;
  d.user = "mod";
  d.decision = "remove";
  REQUIRE(b.store->Decide(d).ok());
  b.Run(9 * 60);
  CHECK(b.Sent(b.ntfy) == 0);
  b.Run(60);
  REQUIRE(b.Sent(b.ntfy) == 1);
  CHECK(b.ntfy.accepted_bodies()[0].find("#item=" + std::to_string(id)) != std::string::npos);
  CHECK(b.ntfy.requests().back().header("Title").find("Still undecided") != std::string::npos);
  // Escalating it alerts the escalation route; the on-call alert is not repeated.
  store::DecideRequest esc;
  esc.item_id = id;
  esc.user = "mod";
  esc.decision = "escalate";
  REQUIRE(b.store->Decide(esc).ok());
  b.Run(30 * 60);
  CHECK(b.Sent(b.ntfy) == 1);
  CHECK(b.Sent(b.matrix) == 1);
  CHECK(b.matrix.accepted_bodies()[0].find("Escalated item #" + std::to_string(id)) != std::string::npos);
}

TEST_CASE("account down for N minutes and a rejected reload alert once each", "[alerts][events]") {
  Bed b("max_per_minute: 100", "    - {events: [account_down, reload_rejected, post_failed], channels: [hook]}\n");
  b.accounts = {{"aasr-masto", true, kStart, "HTTP 503: upstream"}};
  b.Run(29 * 60);
  CHECK(b.Sent(b.hook) == 0);  // 30 minutes by default
  b.Run(61);
  REQUIRE(b.Sent(b.hook) == 1);
  CHECK(b.hook.accepted_bodies()[0].find("Account aasr-masto is down") != std::string::npos);
  b.Run(600);
  CHECK(b.Sent(b.hook) == 1);
  REQUIRE(b.worker->Record(kReloadRejected, "config/bot.yaml", "rules/x.yaml:3:1: bad", "reload:1").ok());
  REQUIRE(b.worker->Record(kReloadRejected, "config/bot.yaml", "rules/x.yaml:3:1: bad", "reload:1").ok());
  b.Run(2);
  REQUIRE(b.Sent(b.hook) == 2);
  CHECK(b.hook.accepted_bodies()[1].find("rules/x.yaml:3:1: bad") != std::string::npos);
  // A post given up for good: the outbox trigger records it.
  sqlite3* db = nullptr;
  REQUIRE(sqlite3_open(b.db.path().c_str(), &db) == SQLITE_OK);
  REQUIRE(sqlite3_exec(db,
                       "INSERT INTO outreach_outbox(kind,item_id,account,platform,post_json,content_hash,"
                       "idempotency_key,planned_ms,state,created_ms,updated_ms) VALUES('story','s1','aasr-masto',"
                       "'mastodon','{}','h','k',0,'sending',0,0);"
                       "UPDATE outreach_outbox SET state='failed', error='HTTP 422: text too long' WHERE id=1;",
                       nullptr, nullptr, nullptr) == SQLITE_OK);
  sqlite3_close(db);
  b.Run(2);
  REQUIRE(b.Sent(b.hook) == 3);
  CHECK(b.hook.accepted_bodies()[2].find("HTTP 422: text too long") != std::string::npos);
}

TEST_CASE("a message a service refuses for good is marked failed, and the channel goes on", "[alerts][retry]") {
  Bed b("max_per_minute: 100", "    - {channels: [slack, discord]}\n");
  b.slack.set_mode(Mode::kRefuse);    // 400 invalid_payload
  b.discord.set_mode(Mode::kRefuse);  // 400 {"message":..., "code": 50006}
  b.Add("harassment", 2);
  b.Add("harassment", 2);
  b.Run(30);
  b.slack.set_mode(Mode::kOk);
  b.discord.set_mode(Mode::kOk);
  b.Add("harassment", 2);
  b.Run(30);
  auto counts = b.worker->Counts();
  REQUIRE(counts.ok());
  for (const char* ch : {"slack", "discord"}) {
    INFO(ch);
    CHECK(counts.value()[ch]["failed"] == 2);
    CHECK(counts.value()[ch]["sent"] == 1);
  }
  CHECK(b.slack.answers_with(400) == 2);  // one attempt each: retrying cannot help
  bool said = false;
  for (const auto& st : b.worker->States())
    if (st.name == "discord") said = st.last_error.find("Cannot send an empty message (code 50006)") != std::string::npos;
  CHECK(said);
}
