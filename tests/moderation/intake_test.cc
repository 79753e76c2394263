// Intake: fetch, screen, store, queue, hide, and carrying out platform
// actions with retries, against the local file platform, a scripted platform
// and the fake Mastodon server.
#define CATCH_CONFIG_MAIN
#include <catch2/catch.hpp>

#include <atomic>
#include <filesystem>
#include <fstream>
#include <map>
#include <sstream>

#include <unistd.h>

#include "bot/moderation/intake.h"
#include "bot/net/http_client.h"
#include "bot/net/rfc3339.h"
#include "bot/platforms/local_platform.h"
#include "bot/platforms/mastodon.h"
#include "bot/sql/db.h"
#include "bot/store/sqlite_store.h"
#include "tests/platforms/fake_mastodon.h"
#include "aasr/build_paths.h"

using namespace aasr;
using namespace aasr::moderation;
namespace fs = std::filesystem;

namespace {

const net::WallTime kNow = *net::ParseRfc3339("2026-11-23T01:00:00Z");

class TempDir {
 public:
  TempDir() {
    static std::atomic<int> n{0};
    path_ = (fs::temp_directory_path() /
             ("aasr-moderation-" + std::to_string(::getpid()) + "-" + std::to_string(n++)))
                .string();
    fs::remove_all(path_);
    fs::create_directories(path_ + "/inbox");
  }
  ~TempDir() { fs::remove_all(path_); }
  const std::string& path() const { return path_; }
  void Write(const std::string& name, const std::string& text) const {
    std::ofstream(path_ + "/inbox/" + name) << text;
  }
  std::string Read(const std::string& rel) const {
    std::ifstream in(path_ + "/" + rel);
    std::stringstream ss;
    ss << in.rdbuf();
    return ss.str();
  }

 private:
  std::string path_;
};

rules::RuleSetPtr ShippedRules() {
  static rules::RuleSetPtr r = [] {
    auto loaded = rules::RuleSet::LoadDirectory(AASR_SOURCE_DIR "/rules");
    if (!loaded.ok()) FAIL(FormatErrors(loaded.errors()));
    return loaded.value();
  }();
  return r;
}

rules::RuleSetPtr SmallRules() {
  auto r = rules::RuleSet::LoadString(R"(
rules:
  - id: harassment.vermin
    category: harassment
    description: Dehumanising name-calling.
    action: hide
    priority: high
    words: [vermin]
  - id: harassment.insult
    category: harassment
    description: Name-calling.
    action: review
    words: [idiot]
)",
                                      "small.yaml");
  if (!r.ok()) FAIL(FormatErrors(r.errors()));
  return r.value();
}

std::string Line(const std::string& id, const std::string& text,
                 const std::string& handle = "parent_of_three") {
  nlohmann::json j = {{"id", id},
                      {"post", "local-post-1"},
                      {"text", text},
                      {"author", {{"id", "u-" + handle}, {"handle", handle}, {"account_age_days", 3}}},
                      {"created_at", "2026-11-23T00:30:00Z"}};
  return j.dump() + "\n";
}

store::StorePtr OpenStore(const std::string& path, std::shared_ptr<ManualClock> clock) {
  auto r = store::OpenSqliteStore(path, clock);
  if (!r.ok()) FAIL(FormatErrors(r.errors()));
  return r.value();
}

struct LocalRig {
  TempDir dir;
  std::shared_ptr<ManualClock> clock = std::make_shared<ManualClock>(1'795'000'000'000);
  net::FakeClock net_clock{kNow};
  platforms::LocalPlatform local{"local", dir.path(), &net_clock};
  store::StorePtr store = OpenStore(dir.path() + "/aasr.db", clock);
  IntakeDeps deps() { return IntakeDeps{&local, store.get(), ShippedRules(), clock.get(), "local"}; }
  std::vector<std::string> moderation_log() {
    std::vector<std::string> out;
    std::istringstream in(dir.Read("outbox/moderation.jsonl"));
    for (std::string l; std::getline(in, l);) out.push_back(l);
    return out;
  }
};

const IntakeItem& ById(const IntakeReport& r, const std::string& id) {
  for (auto& it : r.items)
    if (it.comment.remote_id == id) return it;
  FAIL("no item " << id);
  throw 0;
}

// A Store that forwards to a real one and fails chosen Ingest calls, as a
// full disk or a locked database would.
class FlakyStore : public store::Store {
 public:
  explicit FlakyStore(store::StorePtr inner) : s_(std::move(inner)) {}
  int ingest_calls = 0;
  int fail_ingest_call = 0;  // 1-based; 0: never

  Result<store::IngestResult> Ingest(const store::IngestRequest& r) override {
    if (++ingest_calls == fail_ingest_call)
      return Error{{"aasr.db"}, "", "database or disk is full"};
    return s_->Ingest(r);
  }
  Result<std::optional<store::Item>> GetItem(int64_t id) override { return s_->GetItem(id); }
  Result<std::optional<store::StoredComment>> GetComment(int64_t id) override { return s_->GetComment(id); }
  Result<std::optional<store::StoredVerdict>> GetVerdict(int64_t id) override { return s_->GetVerdict(id); }
  Result<store::QueuePage> ListQueue(const store::QueueFilter& f) override { return s_->ListQueue(f); }
  Result<std::vector<store::AuthorHistoryEntry>> AuthorHistory(const std::string& p, const std::string& h,
                                                               int64_t x, int l) override {
    return s_->AuthorHistory(p, h, x, l);
  }
  Status ForEachComment(int64_t since,
                        const std::function<bool(const store::StoredComment&,
                                                 const std::optional<store::Item>&)>& fn) override {
    return s_->ForEachComment(since, fn);
  }
  Result<store::Outcome> Claim(int64_t id, const std::string& u, int64_t ttl) override {
    return s_->Claim(id, u, ttl);
  }
  Result<store::Outcome> ReleaseClaim(int64_t id, const std::string& u) override {
    return s_->ReleaseClaim(id, u);
  }
  Result<store::Outcome> Reopen(const store::ReopenRequest& r) override { return s_->Reopen(r); }
  Result<store::Outcome> Decide(const store::DecideRequest& r) override { return s_->Decide(r); }
  Result<store::Outcome> Undo(int64_t id, const std::string& u, bool a, int64_t w) override {
    return s_->Undo(id, u, a, w);
  }
  Result<std::vector<store::AuditEntry>> Audit(const store::AuditFilter& f) override { return s_->Audit(f); }
  Status AppendAudit(const store::AuditEntry& e) override { return s_->AppendAudit(e); }
  Result<std::vector<store::PlatformAction>> PendingActions(const store::ActionFilter& f) override {
    return s_->PendingActions(f);
  }
  Result<std::vector<store::PlatformAction>> ActionsForItem(int64_t id) override {
    return s_->ActionsForItem(id);
  }
  Status MarkActionDone(int64_t id) override { return s_->MarkActionDone(id); }
  Status MarkActionFailed(int64_t id, const std::string& e, int64_t r) override {
    return s_->MarkActionFailed(id, e, r);
  }
  Result<std::vector<store::CategoryDay>> CategoriesPerDay(int64_t s) override { return s_->CategoriesPerDay(s); }
  Result<std::vector<store::RuleStats>> RuleStatistics(int64_t s) override { return s_->RuleStatistics(s); }
  Status PutModerator(const store::Moderator& m) override { return s_->PutModerator(m); }
  Result<std::optional<store::Moderator>> GetModerator(const std::string& n) override {
    return s_->GetModerator(n);
  }
  Result<std::vector<store::Moderator>> ListModerators() override { return s_->ListModerators(); }
  Status PutSession(const store::Session& s) override { return s_->PutSession(s); }
  Result<std::optional<store::Session>> GetSession(const std::string& t) override { return s_->GetSession(t); }
  Status DeleteSession(const std::string& t) override { return s_->DeleteSession(t); }
  Result<int> DeleteSessionsOf(const std::string& u) override { return s_->DeleteSessionsOf(u); }
  Result<std::optional<std::string>> GetCursor(const std::string& s, const std::string& k) override {
    return s_->GetCursor(s, k);
  }
  Status PutCursor(const std::string& s, const std::string& k, const std::string& v) override {
    return s_->PutCursor(s, k, v);
  }
  Result<std::map<std::string, int64_t>> CountItemsByState() override { return s_->CountItemsByState(); }
  Status CheckWritable() override { return s_->CheckWritable(); }
  Result<DatabaseSize> Size() override { return s_->Size(); }
  Result<int64_t> OldestOpenItemMs() override { return s_->OldestOpenItemMs(); }
  int schema_version() const override { return s_->schema_version(); }

 private:
  store::StorePtr s_;
};

// A platform scripted by the test: fixed comments, Moderate() failing a set
// number of times before it succeeds.
class ScriptedPlatform : public platforms::Platform {
 public:
  platforms::Capabilities caps;
  std::vector<platforms::FetchedComment> comments;
  int failures_left = 0;
  std::string self_id;  // our own account's id, as SelfAuthorId() reports it
  std::vector<std::pair<platforms::ModerationAction, platforms::FetchedComment>> calls;

  std::string name() const override { return "scripted"; }
  platforms::Capabilities capabilities() const override { return caps; }
  std::string SelfAuthorId() const override { return self_id; }
  Status CheckCredentials() override { return Ok{}; }
  Result<platforms::Published> Publish(const platforms::ComposedPost&) override {
    return Error{{}, "scripted", "not used"};
  }
  Result<std::optional<platforms::Published>> FindPublished(const std::string&) override {
    return std::optional<platforms::Published>();
  }
  using Platform::FindPublished;
  Result<platforms::CommentBatch> FetchComments(const std::string& cursor) override {
    platforms::CommentBatch b;
    size_t from = cursor.empty() ? 0 : std::stoul(cursor);
    for (size_t i = from; i < comments.size(); ++i) b.comments.push_back(comments[i]);
    b.next_cursor = std::to_string(comments.size());
    return b;
  }
  Status Moderate(platforms::ModerationAction a, const platforms::FetchedComment& c) override {
    calls.emplace_back(a, c);
    if (failures_left > 0) {
      --failures_left;
      return Error{{"https://scripted.example"}, "scripted", "HTTP 503 Service Unavailable"};
    }
    return Ok{};
  }
};

platforms::FetchedComment Fetched(const std::string& id, const std::string& text) {
  platforms::FetchedComment c;
  c.remote_id = id;
  c.parent_remote_id = "at://aasr/post/2";
  c.root_remote_id = "at://aasr/post/1";
  c.author_id = "did:plc:troll";
  c.author_handle = "troll.example";
  c.text = text;
  c.created_at = "2026-11-23T00:59:00.250Z";
  return c;
}

}  // namespace

TEST_CASE("local inbox: benign talk passes, a threat is hidden, a crisis is queued and never hidden",
          "[moderation][intake]") {
  LocalRig rig;
  rig.dir.Write("2026-11-23T00-00-00.jsonl",
                Line("c1", "My son was restrained and secluded at school. That is abuse, and a boy "
                           "in Michigan was killed in a prone restraint.") +
                    Line("c2", "kill yourself, nobody wants you here", "troll99") +
                    Line("c3", "some days I want to die, I cannot do this anymore", "tired_mom") +
                    Line("c4", "I want to die. and you should kill yourself", "mixed"));
  auto r = FetchAndScreen(rig.deps());
  REQUIRE(r.ok());
  const IntakeReport& rep = r.value();
  CHECK(rep.errors.empty());
  REQUIRE(rep.items.size() == 4);
  CHECK(rep.cursor_before.empty());
  CHECK_FALSE(rep.cursor_after.empty());
  CHECK(rig.store->GetCursor("comments", "local").value().value() == rep.cursor_after);

  const IntakeItem& benign = ById(rep, "c1");
  INFO(benign.verdict.explanation);
  CHECK(benign.verdict.action == rules::Action::kAllow);
  CHECK(benign.item_id == 0);
  CHECK(benign.created);
  CHECK_FALSE(benign.hidden);
  CHECK(benign.created_at_ms == 1'795'393'800'000);  // 2026-11-23T00:30:00Z
  CHECK(benign.verdict_at_ms == rig.clock->NowMs());

  const IntakeItem& threat = ById(rep, "c2");
  CHECK(threat.verdict.action == rules::Action::kHide);
  CHECK(threat.item_id > 0);
  CHECK(threat.hidden);
  CHECK(threat.hide_note.empty());
  CHECK(threat.hidden_at_ms == rig.clock->NowMs());
  auto threat_item = rig.store->GetItem(threat.item_id).value();
  REQUIRE(threat_item);
  CHECK(threat_item->hidden);
  auto acts = rig.store->ActionsForItem(threat.item_id).value();
  REQUIRE(acts.size() == 1);
  CHECK(acts[0].state == "done");

  for (const char* id : {"c3", "c4"}) {
    const IntakeItem& crisis = ById(rep, id);
    INFO(id);
    CHECK(crisis.verdict.action == rules::Action::kReview);
    CHECK(std::count(crisis.verdict.categories.begin(), crisis.verdict.categories.end(), "crisis") == 1);
    CHECK(crisis.item_id > 0);
    CHECK_FALSE(crisis.hidden);
    auto item = rig.store->GetItem(crisis.item_id).value();
    CHECK(item->crisis);
    CHECK_FALSE(item->hidden);
    CHECK(rig.store->ActionsForItem(crisis.item_id).value().empty());
  }
  // The platform was asked to hide exactly the threat, once.
  auto log = rig.moderation_log();
  REQUIRE(log.size() == 1);
  CHECK_THAT(log[0], Catch::Contains(R"("comment":"c2")"));
  CHECK_THAT(log[0], Catch::Contains(R"("action":"hide")"));
  // The crisis comes first in the queue.
  auto queue = rig.store->ListQueue({}).value();
  REQUIRE(queue.items.size() == 3);
  CHECK(queue.items[0].crisis);

  SECTION("a second round fetches nothing new and changes nothing") {
    auto again = FetchAndScreen(rig.deps());
    REQUIRE(again.ok());
    CHECK(again.value().items.empty());
    CHECK(again.value().cursor_before == rep.cursor_after);
    CHECK(rig.moderation_log().size() == 1);
  }
  SECTION("re-reading from the start stores nothing twice and hides nothing twice") {
    REQUIRE(rig.store->PutCursor("comments", "local", "").ok());
    auto again = FetchAndScreen(rig.deps());
    REQUIRE(again.ok());
    REQUIRE(again.value().items.size() == 4);
    for (auto& it : again.value().items) CHECK_FALSE(it.created);
    CHECK(ById(again.value(), "c2").hidden);  // hidden in the earlier round
    CHECK(rig.store->ListQueue({}).value().items.size() == 3);
    CHECK(rig.moderation_log().size() == 1);
  }
  SECTION("new lines appended later are picked up from the cursor") {
    rig.dir.Write("2026-11-23T00-10-00.jsonl", Line("c5", "you idiot", "troll99"));
    auto again = FetchAndScreen(rig.deps());
    REQUIRE(again.ok());
    REQUIRE(again.value().items.size() == 1);
    CHECK(again.value().items[0].comment.remote_id == "c5");
    CHECK(again.value().items[0].created);
  }
}

TEST_CASE("the cursor moves only after every comment of the batch is stored",
          "[moderation][intake][cursor]") {
  LocalRig rig;
  rig.dir.Write("2026-11-23T00-00-00.jsonl",
                Line("a1", "Thank you for the story about seclusion rooms") +
                    Line("a2", "kill yourself", "troll99") + Line("a3", "you idiot", "troll99"));
  auto flaky = std::make_shared<FlakyStore>(rig.store);
  flaky->fail_ingest_call = 2;
  IntakeDeps d = rig.deps();
  d.store = flaky.get();
  auto r = FetchAndScreen(d);
  REQUIRE(r.ok());
  CHECK(r.value().items.size() == 2);  // a1 and a3: the round went on
  REQUIRE(r.value().errors.size() == 1);
  CHECK_THAT(r.value().errors[0].ToString(), Catch::Contains("database or disk is full"));
  CHECK_THAT(r.value().errors[0].ToString(), Catch::Contains("a2"));
  CHECK(r.value().cursor_after == r.value().cursor_before);
  CHECK_FALSE(rig.store->GetCursor("comments", "local").value().has_value());

  // The next round (the store works again) stores a2; a1 and a3 are not
  // stored twice.
  auto again = FetchAndScreen(d);
  REQUIRE(again.ok());
  REQUIRE(again.value().items.size() == 3);
  CHECK_FALSE(ById(again.value(), "a1").created);
  CHECK(ById(again.value(), "a2").created);
  CHECK(ById(again.value(), "a2").hidden);
  CHECK_FALSE(ById(again.value(), "a3").created);
  CHECK(again.value().errors.empty());
  CHECK(rig.store->GetCursor("comments", "local").value().value() == again.value().cursor_after);
  int stored = 0;
  REQUIRE(rig.store->ForEachComment(0, [&](auto&, auto&) { return ++stored, true; }).ok());
  CHECK(stored == 3);
  CHECK(rig.moderation_log().size() == 1);
}

TEST_CASE("a malformed inbox line fails the round at file:line and loses nothing after it",
          "[moderation][intake]") {
  LocalRig rig;
  const std::string good1 = Line("b1", "A seclusion room is not a classroom");
  const std::string good3 = Line("b3", "kill yourself", "troll99");
  rig.dir.Write("2026-11-23T00-00-00.jsonl", good1 + "{\"id\": \"b2\", \"text\": \n" + good3);
  auto r = FetchAndScreen(rig.deps());
  REQUIRE_FALSE(r.ok());
  std::string msg = FormatErrors(r.errors());
  CHECK_THAT(msg, Catch::Contains("2026-11-23T00-00-00.jsonl:2:"));
  CHECK_FALSE(rig.store->GetCursor("comments", "local").value().has_value());
  // Someone fixes the line: every comment arrives, once.
  rig.dir.Write("2026-11-23T00-00-00.jsonl", good1 + Line("b2", "fixed line") + good3);
  auto fixed = FetchAndScreen(rig.deps());
  REQUIRE(fixed.ok());
  REQUIRE(fixed.value().items.size() == 3);
  CHECK(ById(fixed.value(), "b3").hidden);
}

TEST_CASE("moderators' actions: retried with backoff, then done, and unsupported ones fail at once",
          "[moderation][actions]") {
  TempDir dir;
  auto clock = std::make_shared<ManualClock>(1'795'000'000'000);
  auto store = OpenStore(dir.path() + "/aasr.db", clock);
  ScriptedPlatform p;
  p.caps.hide_replies = true;
  p.caps.block_authors = true;
  p.caps.delete_comments = false;
  p.comments = {Fetched("at://troll/1", "you idiot"), Fetched("at://troll/2", "you idiot again")};
  IntakeDeps d{&p, store.get(), SmallRules(), clock.get(), "aasr-bsky"};
  auto r = FetchAndScreen(d);
  REQUIRE(r.ok());
  REQUIRE(r.value().items.size() == 2);
  CHECK(p.calls.empty());  // review verdicts hide nothing
  int64_t first = r.value().items[0].item_id, second = r.value().items[1].item_id;
  // The comment's thread is kept for the platform.
  CHECK(store->GetComment(r.value().items[0].comment_id).value()->root == "at://aasr/post/1");

  store::DecideRequest remove{first, "ana", "remove", "harassment", std::nullopt, {{"hide"}, {}}};
  REQUIRE(store->Decide(remove).value().code == store::Code::kOk);
  store::DecideRequest del{second, "ana", "remove", "spam", std::nullopt, {{"delete"}, {"delete"}}};
  REQUIRE(store->Decide(del).value().code == store::Code::kOk);

  ActionRetry retry;
  retry.max_attempts = 4;
  retry.base_delay_ms = 30'000;
  retry.max_delay_ms = 60'000;
  p.failures_left = 2;
  auto a1 = CarryOutActions(d, retry);
  CHECK(a1.retrying == 1);  // the hide: HTTP 503
  CHECK(a1.failed == 1);    // the delete: the platform cannot delete
  CHECK(a1.done == 0);
  REQUIRE(p.calls.size() == 1);  // the delete never reached the platform
  CHECK(p.calls[0].first == platforms::ModerationAction::kHide);
  CHECK(p.calls[0].second.remote_id == "at://troll/1");
  CHECK(p.calls[0].second.root_remote_id == "at://aasr/post/1");
  CHECK(p.calls[0].second.parent_remote_id == "at://aasr/post/2");
  CHECK(p.calls[0].second.author_id == "did:plc:troll");
  auto del_acts = store->ActionsForItem(second).value();
  REQUIRE(del_acts.size() == 1);
  CHECK(del_acts[0].state == "failed");
  CHECK(del_acts[0].retry_at_ms == 0);
  CHECK(del_acts[0].last_error == "scripted cannot delete comments");
  auto hide_acts = store->ActionsForItem(first).value();
  CHECK(hide_acts[0].retry_at_ms == clock->NowMs() + 30'000);
  CHECK_THAT(hide_acts[0].last_error, Catch::Contains("HTTP 503"));

  // Not due yet: nothing happens.
  clock->Advance(29'999);
  auto a2 = CarryOutActions(d, retry);
  CHECK(a2.done + a2.retrying + a2.failed == 0);
  CHECK(p.calls.size() == 1);
  // Due: fails again, the delay doubles.
  clock->Advance(1);
  auto a3 = CarryOutActions(d, retry);
  CHECK(a3.retrying == 1);
  CHECK(store->ActionsForItem(first).value()[0].retry_at_ms == clock->NowMs() + 60'000);
  clock->Advance(60'000);
  auto a4 = CarryOutActions(d, retry);
  CHECK(a4.done == 1);
  CHECK(p.calls.size() == 3);
  auto done = store->ActionsForItem(first).value()[0];
  CHECK(done.state == "done");
  CHECK(done.attempts == 3);
  CHECK(store->GetItem(first).value()->hidden);
  CHECK_FALSE(store->GetItem(second).value()->hidden);
  // Nothing left to do.
  clock->Advance(3'600'000);
  auto a5 = CarryOutActions(d, retry);
  CHECK(a5.done + a5.retrying + a5.failed == 0);

  SECTION("after max_attempts failures the action gives up") {
    // Undoing the carried-out removal asks for an unhide.
    REQUIRE(store->Undo(first, "ana", false, 86'400'000).value().code == store::Code::kOk);
    p.failures_left = 100;
    int rounds = 0, gave_up = 0;
    while (rounds < 10 && gave_up == 0) {
      auto a = CarryOutActions(d, retry);
      gave_up += a.failed;
      clock->Advance(retry.max_delay_ms);
      ++rounds;
    }
    CHECK(gave_up == 1);
    CHECK(rounds == retry.max_attempts);
    auto acts = store->ActionsForItem(first).value();
    CHECK(acts.back().kind == "unhide");
    CHECK(acts.back().state == "failed");
    CHECK(acts.back().attempts == retry.max_attempts);
    CHECK(acts.back().retry_at_ms == 0);
  }
  SECTION("another account's actions are left alone") {
    REQUIRE(store->Undo(first, "ana", false, 86'400'000).value().code == store::Code::kOk);
    IntakeDeps other = d;
    other.account = "aasr-other";
    auto a = CarryOutActions(other, retry);
    CHECK(a.done + a.retrying + a.failed == 0);
    CHECK(CarryOutActions(d, retry).done == 1);
  }
}

TEST_CASE("webhook deliveries go through IngestFetched, idempotently", "[moderation][intake]") {
  TempDir dir;
  auto clock = std::make_shared<ManualClock>(1'795'000'000'000);
  auto store = OpenStore(dir.path() + "/aasr.db", clock);
  ScriptedPlatform p;
  p.caps.hide_replies = true;
  IntakeDeps d{&p, store.get(), SmallRules(), clock.get(), "aasr-fb"};
  auto c = Fetched("104857600000001_998877", "you are vermin");
  c.created_at = "";
  auto first = IngestFetched(d, c);
  REQUIRE(first.ok());
  CHECK(first.value().created);
  CHECK(first.value().hidden);
  CHECK(first.value().created_at_ms == 0);
  clock->Advance(5000);
  auto second = IngestFetched(d, c);
  REQUIRE(second.ok());
  CHECK_FALSE(second.value().created);
  CHECK(second.value().item_id == first.value().item_id);
  CHECK(second.value().hidden);
  CHECK(second.value().hidden_at_ms == first.value().hidden_at_ms);
  CHECK(p.calls.size() == 1);

  SECTION("a hide that fails is retried later, and the note says so") {
    auto c2 = Fetched("104857600000001_998878", "vermin, all of you");
    p.failures_left = 1;
    auto r = IngestFetched(d, c2);
    REQUIRE(r.ok());
    CHECK_FALSE(r.value().hidden);
    CHECK_THAT(r.value().hide_note, Catch::StartsWith("retrying: ") && Catch::Contains("HTTP 503"));
    clock->Advance(30'000);
    CHECK(CarryOutActions(d, ActionRetry{}).done == 1);
    CHECK(store->GetItem(r.value().item_id).value()->hidden);
  }
}

namespace {

bool Audited(const store::StorePtr& s, int64_t item, const std::string& action, const std::string& note_part,
             const std::string& actor = "") {
  store::AuditFilter f;
  f.item_id = item;
  auto audit = s->Audit(f);  // held: a range-for over a temporary's value() dangles
  REQUIRE(audit.ok());
  for (const auto& e : audit.value())
    if (e.action == action && e.note.find(note_part) != std::string::npos && (actor.empty() || e.actor == actor))
      return true;
  return false;
}

}  // namespace

// Facebook's feed webhook says when a comment is edited, removed, hidden or
// unhidden (developers.facebook.com/docs/graph-api/webhooks/reference/page/#feed);
// each follows the stored comment instead of only reaching the log.
TEST_CASE("webhook edits are screened again and reach a person - remove and hide follow the stored comment",
          "[moderation][intake]") {
  TempDir dir;
  auto clock = std::make_shared<ManualClock>(1'795'000'000'000);
  auto store = OpenStore(dir.path() + "/aasr.db", clock);
  auto db = sql::Db::Open(dir.path() + "/aasr.db");
  REQUIRE(db.ok());
  ScriptedPlatform p;
  p.caps.hide_replies = true;
  IntakeDeps d{&p, store.get(), SmallRules(), clock.get(), "aasr-fb"};

  // A benign comment, stored and not queued, is edited into a threat.
  auto benign = IngestFetched(d, Fetched("c_1", "thank you for this"));
  REQUIRE(benign.ok());
  REQUIRE(benign.value().item_id == 0);
  auto edited = ApplyCommentChange(d, *db.value(), CommentEvent::kEdited, Fetched("c_1", "you are vermin"));
  REQUIRE(edited.ok());
  CHECK(edited.value().created);
  REQUIRE(edited.value().item_id != 0);
  CHECK(edited.value().comment_id == benign.value().comment_id);
  CHECK(edited.value().hidden);  // the hide verdict is carried out at once
  REQUIRE(p.calls.size() == 1);
  CHECK(p.calls[0].first == platforms::ModerationAction::kHide);
  CHECK(store->GetComment(benign.value().comment_id).value()->text == "you are vermin");
  CHECK(store->GetVerdict(benign.value().comment_id).value()->action == "hide");
  CHECK(Audited(store, edited.value().item_id, "queued", "edited on scripted"));

  // An approved insult edited into worse words goes back to the queue.
  auto insult = IngestFetched(d, Fetched("c_2", "what an idiot"));
  REQUIRE(insult.ok());
  REQUIRE(insult.value().item_id != 0);
  store::DecideRequest approve{insult.value().item_id, "ana", "approve", "", std::nullopt, {}};
  REQUIRE(store->Decide(approve).value().code == store::Code::kOk);
  REQUIRE(store->GetItem(insult.value().item_id).value()->state == store::ItemState::kApproved);
  auto worse = ApplyCommentChange(d, *db.value(), CommentEvent::kEdited, Fetched("c_2", "idiot. vermin."));
  REQUIRE(worse.ok());
  CHECK(worse.value().item_id == insult.value().item_id);
  auto reopened = store->GetItem(insult.value().item_id).value();
  CHECK(reopened->state == store::ItemState::kPending);
  CHECK(reopened->text == "idiot. vermin.");
  CHECK(Audited(store, insult.value().item_id, "comment.edited", "back in the queue", "scripted"));

  // An edit of a comment never stored (sent before we subscribed) is a new comment.
  auto unseen = ApplyCommentChange(d, *db.value(), CommentEvent::kEdited, Fetched("c_3", "what an idiot"));
  REQUIRE(unseen.ok());
  CHECK(unseen.value().created);
  CHECK(unseen.value().item_id != 0);

  // Unhidden by the Page on Facebook: the item follows.
  const int64_t threat = edited.value().item_id;
  REQUIRE(store->GetItem(threat).value()->hidden);
  const size_t sent = p.calls.size();
  auto unhidden = ApplyCommentChange(d, *db.value(), CommentEvent::kUnhidden, Fetched("c_1", ""));
  REQUIRE(unhidden.ok());
  CHECK_FALSE(store->GetItem(threat).value()->hidden);
  CHECK(Audited(store, threat, "platform.unhide", "by the Page", "scripted"));
  auto hidden = ApplyCommentChange(d, *db.value(), CommentEvent::kHidden, Fetched("c_1", ""));
  REQUIRE(hidden.ok());
  CHECK(hidden.value().hidden);
  CHECK(store->GetItem(threat).value()->hidden);
  CHECK(p.calls.size() == sent);  // the Page did it: nothing sent to the platform

  // Removed on Facebook: a hide still waiting is not carried out; the item
  // stays where it is for its record (a deleted crisis still needs a person).
  p.failures_left = 1;
  auto pending_hide = IngestFetched(d, Fetched("c_4", "vermin"));
  REQUIRE(pending_hide.ok());
  REQUIRE(pending_hide.value().hide_retrying);
  auto removed = ApplyCommentChange(d, *db.value(), CommentEvent::kRemoved, Fetched("c_4", ""));
  REQUIRE(removed.ok());
  CHECK(store->GetItem(pending_hide.value().item_id).value()->state == store::ItemState::kPending);
  CHECK(Audited(store, pending_hide.value().item_id, "platform.removed", "1 action(s) not carried out"));
  clock->Advance(3'600'000);
  const size_t calls = p.calls.size();
  CHECK(CarryOutActions(d, ActionRetry{}).done == 0);
  CHECK(p.calls.size() == calls);

  // Changes for comments we never stored change nothing.
  auto stranger = ApplyCommentChange(d, *db.value(), CommentEvent::kRemoved, Fetched("c_404", ""));
  REQUIRE(stranger.ok());
  CHECK(stranger.value().item_id == 0);
}

TEST_CASE("our own account's comments are marked is_self and never hidden", "[moderation][intake]") {
  TempDir dir;
  auto clock = std::make_shared<ManualClock>(1'795'000'000'000);
  auto store = OpenStore(dir.path() + "/aasr.db", clock);
  ScriptedPlatform p;
  p.caps.hide_replies = true;
  auto rules = rules::RuleSet::LoadString(R"(
rules:
  - {id: harassment.vermin, category: harassment, description: d, action: hide, words: [vermin]}
  - {id: t.own, category: spam, description: ours, action: review, author.is_self: true}
)", "own.yaml");
  REQUIRE(rules.ok());
  IntakeDeps d{&p, store.get(), rules.value(), clock.get(), "aasr-bsky"};
  auto ours = Fetched("at://aasr/reply/1", "Action alert: they called our kids vermin. Call the board.");
  ours.author_id = "did:plc:aasr";

  SECTION("before the adapter knows its own id, nothing is assumed") {
    auto r = IngestFetched(d, ours);
    REQUIRE(r.ok());
    CHECK(r.value().verdict.action == rules::Action::kHide);
    CHECK(r.value().verdict.matches.size() == 1);
  }
  SECTION("by our own id: review, not hidden; by anyone else: hidden") {
    p.self_id = "did:plc:aasr";
    auto r = IngestFetched(d, ours);
    REQUIRE(r.ok());
    INFO(r.value().verdict.explanation);
    CHECK(r.value().verdict.action == rules::Action::kReview);
    CHECK(r.value().verdict.matches.size() == 2);  // t.own: is_self reached the rules
    CHECK_FALSE(r.value().hidden);
    CHECK(p.calls.empty());
    auto other = IngestFetched(d, Fetched("at://x/reply/2", "you are vermin"));
    REQUIRE(other.ok());
    CHECK(other.value().verdict.action == rules::Action::kHide);
    CHECK(other.value().hidden);
  }
}

TEST_CASE("mastodon: a hide verdict runs the fallback once and stays visible in the queue",
          "[moderation][mastodon]") {
  aasr::testing::FakeMastodon fake;
  net::FakeClock net_clock(kNow);
  net::SeededRandom random(7);
  net::Options o;
  o.subject = "aasr-masto";
  o.timeout = net::Millis(2000);
  o.base_backoff = net::Millis(100);
  o.budgets = net::MastodonBudgets();
  net::HttpClient http(o, &net_clock, &random);
  platforms::MastodonConfig mc;
  mc.account = "aasr-masto";
  mc.instance = fake.url();
  mc.token = "masto-token-123";
  platforms::MastodonPlatform masto(mc, &http, &net_clock);
  REQUIRE(masto.CheckCredentials().ok());
  fake.AddMention("troll@example.org", "<p>you are vermin</p>", "");
  fake.AddMention("parent@example.org", "<p>Thank you for writing about restraint in schools</p>", "");

  TempDir dir;
  auto clock = std::make_shared<ManualClock>(1'795'000'000'000);
  auto store = OpenStore(dir.path() + "/aasr.db", clock);
  IntakeDeps d{&masto, store.get(), SmallRules(), clock.get(), "aasr-masto"};
  auto r = FetchAndScreen(d);
  REQUIRE(r.ok());
  REQUIRE(r.value().items.size() == 2);
  const IntakeItem* troll = nullptr;
  for (auto& it : r.value().items)
    if (it.verdict.action == rules::Action::kHide) troll = &it;
  REQUIRE(troll);
  CHECK_FALSE(troll->hidden);
  CHECK(troll->hide_note ==
        "Mastodon cannot hide a reply; author blocked, reported to the instance; the reply stays visible");
  CHECK(r.value().errors.empty());  // an expected fallback, not an error
  CHECK(fake.blocked.size() == 1);
  CHECK(fake.reports.size() == 1);
  auto item = store->GetItem(troll->item_id).value();
  REQUIRE(item);
  CHECK(item->state == store::ItemState::kPending);  // still in the queue
  CHECK_FALSE(item->hidden);
  auto acts = store->ActionsForItem(troll->item_id).value();
  REQUIRE(acts.size() == 1);
  CHECK(acts[0].state == "failed");
  CHECK(acts[0].retry_at_ms == 0);  // final: not retried
  CHECK_THAT(acts[0].last_error, Catch::Contains("stays visible"));
  // Later passes do not block and report again.
  clock->Advance(24 * 3'600'000);
  auto a = CarryOutActions(d, ActionRetry{});
  CHECK(a.done + a.retrying + a.failed == 0);
  CHECK(fake.reports.size() == 1);
  auto again = FetchAndScreen(d);
  REQUIRE(again.ok());
  CHECK(fake.reports.size() == 1);
}
