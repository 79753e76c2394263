// The queue: ordering and paging, claims, decisions (one winner under a
// race), undo within the window, platform actions and audit completeness.
#include <catch2/catch.hpp>

#include <thread>

#include "tests/store/test_util.h"

using namespace aasr::store;
using aasr::store::testing::MakeComment;
using aasr::store::testing::MakeVerdict;
using aasr::store::testing::TempDb;

namespace {

struct Fixture {
  TempDb tmp;
  std::shared_ptr<aasr::ManualClock> clock = std::make_shared<aasr::ManualClock>();
  StorePtr s;
  Fixture() {
    auto r = OpenSqliteStore(tmp.path(), clock);
    REQUIRE(r.ok());
    s = r.value();
  }
  int64_t Add(const std::string& id, const std::string& action, const std::string& cat, int prio,
              const std::string& handle = "parent_of_three") {
    auto r = s->Ingest(testing::Req(MakeComment(id, "comment " + id, handle), MakeVerdict(action, cat, prio)));
    REQUIRE(r.ok());
    clock->Advance(1000);
    return r.value().item_id;
  }
  Outcome Decide(int64_t item, const std::string& user, const std::string& decision,
                 const std::string& remove_action = "hide") {
    DecideRequest r;
    r.item_id = item;
    r.user = user;
    r.decision = decision;
    r.note = "test";
    r.actions = testing::ActionsFor(decision, remove_action);
    auto o = s->Decide(r);
    REQUIRE(o.ok());
    return o.value();
  }
};

}  // namespace

TEST_CASE("the queue lists crisis first, then priority, then the oldest, in pages",
          "[store][queue]") {
  Fixture f;
  int64_t low = f.Add("a", "review", "spam", 0);
  int64_t high_old = f.Add("b", "review", "harassment", 2);
  int64_t high_new = f.Add("c", "review", "harassment", 2);
  int64_t crisis = f.Add("d", "review", "crisis", 3);
  int64_t urgent = f.Add("e", "review", "threat", 3);
  std::vector<int64_t> seen;
  QueueFilter q;
  q.limit = 2;
  for (int page = 0; page < 5; ++page) {
    auto r = f.s->ListQueue(q);
    REQUIRE(r.ok());
    for (auto& it : r.value().items) seen.push_back(it.id);
    if (r.value().next_cursor.empty()) break;
    q.cursor = r.value().next_cursor;
  }
  CHECK(seen == std::vector<int64_t>{crisis, urgent, high_old, high_new, low});

  QueueFilter by_cat;
  by_cat.category = "harassment";
  CHECK(f.s->ListQueue(by_cat).value().items.size() == 2);
  QueueFilter by_prio;
  by_prio.priority = 0;
  CHECK(f.s->ListQueue(by_prio).value().items.at(0).id == low);
  QueueFilter by_text;
  by_text.q = "COMMENT C";
  CHECK(f.s->ListQueue(by_text).value().items.at(0).id == high_new);
  QueueFilter bad;
  bad.cursor = "garbage";
  auto r = f.s->ListQueue(bad);
  REQUIRE_FALSE(r.ok());
  CHECK_THAT(aasr::FormatErrors(r.errors()), Catch::Contains("malformed cursor"));
}

TEST_CASE("claims block other moderators until they expire", "[store][claims]") {
  Fixture f;
  int64_t id = f.Add("x", "review", "harassment", 1);
  CHECK(f.s->Claim(id, "ana", 60'000).value().code == Code::kOk);
  auto taken = f.s->Claim(id, "ben", 60'000).value();
  CHECK(taken.code == Code::kConflict);
  CHECK_THAT(taken.message, Catch::Contains("ana"));
  CHECK(f.Decide(id, "ben", "remove").code == Code::kConflict);
  f.clock->Advance(60'001);
  CHECK(f.s->Claim(id, "ben", 60'000).value().code == Code::kOk);
  CHECK(f.Decide(id, "ben", "approve").code == Code::kOk);
  CHECK(f.s->Claim(999, "ben", 1).value().code == Code::kNotFound);
}

TEST_CASE("two moderators deciding at once: one wins, the other learns who", "[store][race]") {
  Fixture f;
  for (int round = 0; round < 20; ++round) {
    int64_t id = f.Add("race" + std::to_string(round), "review", "harassment", 1);
    Outcome a, b;
    std::atomic<int> ready{0};
    auto run = [&](Outcome* out, const char* user, const char* decision) {
      ready++;
      while (ready.load() < 2) {
      }
      DecideRequest r;
      r.item_id = id;
      r.user = user;
      r.decision = decision;
      auto o = f.s->Decide(r);
      REQUIRE(o.ok());
      *out = o.value();
    };
    std::thread ta(run, &a, "ana", "approve");
    std::thread tb(run, &b, "ben", "remove");
    ta.join();
    tb.join();
    REQUIRE(((a.code == Code::kOk) != (b.code == Code::kOk)));
    const Outcome& winner = a.code == Code::kOk ? a : b;
    const Outcome& loser = a.code == Code::kOk ? b : a;
    CHECK(loser.code == Code::kConflict);
    REQUIRE(loser.by.has_value());
    CHECK(loser.by->actor == (&winner == &a ? "ana" : "ben"));
    CHECK(loser.by->at_ms > 0);
    // Exactly one decision in the audit log.
    AuditFilter af;
    af.item_id = id;
    int decisions = 0;
    auto log = f.s->Audit(af);
    REQUIRE(log.ok());
    for (auto& e : log.value())
      if (e.action == "approve" || e.action == "remove") ++decisions;
    CHECK(decisions == 1);
  }
}

TEST_CASE("an expected version that moved on is a conflict", "[store][race]") {
  Fixture f;
  int64_t id = f.Add("v", "review", "spam", 1);
  int64_t v0 = f.s->GetItem(id).value()->version;
  CHECK(f.Decide(id, "ana", "escalate").code == Code::kOk);
  DecideRequest r;
  r.item_id = id;
  r.user = "ben";
  r.decision = "approve";
  r.expected_version = v0;
  auto o = f.s->Decide(r).value();
  CHECK(o.code == Code::kConflict);
  REQUIRE(o.by);
  CHECK(o.by->action == "escalate");
  CHECK(o.by->actor == "ana");
  r.expected_version = o.item.version;
  CHECK(f.s->Decide(r).value().code == Code::kOk);  // escalated items can still be decided
}

TEST_CASE("remove hides, approve after a hide unhides, and undo reverts within 10 minutes",
          "[store][undo]") {
  Fixture f;
  const int64_t window = 10 * 60'000;
  int64_t id = f.Add("u", "review", "harassment", 1);
  CHECK(f.Decide(id, "ana", "remove").code == Code::kOk);
  auto acts = f.s->ActionsForItem(id).value();
  REQUIRE(acts.size() == 1);
  CHECK(acts[0].kind == "hide");
  CHECK(f.s->GetItem(id).value()->hidden);

  SECTION("undo before the platform acted cancels the hide") {
    CHECK(f.s->Undo(id, "ben", false, window).value().code == Code::kForbidden);
    auto o = f.s->Undo(id, "ana", false, window).value();
    REQUIRE(o.code == Code::kOk);
    CHECK(o.item.state == ItemState::kPending);
    CHECK_FALSE(o.item.hidden);
    CHECK(f.s->ActionsForItem(id).value()[0].state == "cancelled");
    CHECK(f.s->PendingActions({}).value().empty());
    CHECK(f.s->Undo(id, "ana", false, window).value().code == Code::kInvalid);
  }
  SECTION("undo after the hide was carried out asks for an unhide") {
    REQUIRE(f.s->MarkActionDone(acts[0].id).ok());
    f.clock->Advance(9 * 60'000);
    auto o = f.s->Undo(id, "admin", true, window).value();
    REQUIRE(o.code == Code::kOk);
    auto after = f.s->ActionsForItem(id).value();
    REQUIRE(after.size() == 2);
    CHECK(after[1].kind == "unhide");
    CHECK(after[1].state == "pending");
    CHECK_FALSE(o.item.hidden);
  }
  SECTION("too late after 10 minutes") {
    f.clock->Advance(window + 1);
    auto o = f.s->Undo(id, "ana", false, window).value();
    CHECK(o.code == Code::kTooLate);
    CHECK(f.s->GetItem(id).value()->state == ItemState::kRemoved);
  }
  SECTION("a delete already carried out cannot be undone") {
    int64_t d = f.Add("del", "review", "spam", 1);
    CHECK(f.Decide(d, "ana", "remove", "delete").code == Code::kOk);
    auto da = f.s->ActionsForItem(d).value();
    REQUIRE(da.size() == 1);
    CHECK(da[0].kind == "delete");
    int64_t retry_at = f.clock->NowMs() + 30'000;
    REQUIRE(f.s->MarkActionFailed(da[0].id, "HTTP 503 from graph.facebook.com", retry_at).ok());
    // Not due before its retry time.
    auto not_yet = f.s->PendingActions({}).value();
    for (auto& a : not_yet) CHECK(a.id != da[0].id);
    f.clock->Advance(30'000);
    auto pending = f.s->PendingActions({}).value();
    auto it = std::find_if(pending.begin(), pending.end(), [&](auto& a) { return a.id == da[0].id; });
    REQUIRE(it != pending.end());
    CHECK(it->attempts == 1);
    CHECK(it->last_error == "HTTP 503 from graph.facebook.com");
    CHECK(it->retry_at_ms == retry_at);
    REQUIRE(f.s->MarkActionDone(da[0].id).ok());
    CHECK(f.s->Undo(d, "ana", false, window).value().code == Code::kConflict);
  }
}

TEST_CASE("approving an item hidden at ingest enqueues an unhide", "[store][actions]") {
  Fixture f;
  int64_t id = f.Add("h", "hide", "spam", 2);
  CHECK(f.s->GetItem(id).value()->hidden);
  CHECK(f.Decide(id, "ana", "approve").code == Code::kOk);
  auto acts = f.s->ActionsForItem(id).value();
  REQUIRE(acts.size() == 2);
  CHECK(acts[0].kind == "hide");
  CHECK(acts[1].kind == "unhide");
  CHECK_FALSE(f.s->GetItem(id).value()->hidden);
}

TEST_CASE("every state change has its audit row", "[store][audit]") {
  Fixture f;
  int64_t a = f.Add("a1", "review", "harassment", 1);
  int64_t b = f.Add("b1", "review", "harassment", 1);
  f.s->Claim(a, "ana", 1000);
  f.Decide(a, "ana", "escalate");
  f.Decide(a, "ana", "remove");
  f.s->Undo(a, "ana", false, 600'000);
  f.Decide(b, "ben", "approve");
  f.Decide(b, "ben", "remove");  // refused: already decided, so no audit row
  AuditFilter af;
  af.item_id = a;
  auto log = f.s->Audit(af).value();
  std::vector<std::string> actions;
  for (auto it = log.rbegin(); it != log.rend(); ++it)
    actions.push_back(it->action + ":" + it->from_state + ">" + it->to_state);
  CHECK(actions == std::vector<std::string>{"queued:>pending", "claim:pending>pending",
                                            "escalate:pending>escalated",
                                            "remove:escalated>removed", "undo:removed>escalated"});
  CHECK(log.front().undoes == log[1].id);
  af.item_id = b;
  CHECK(f.s->Audit(af).value().size() == 2);
  // Each state in the items table equals the to_state of its last audit row.
  for (int64_t id : {a, b}) {
    af.item_id = id;
    CHECK(std::string(StateName(f.s->GetItem(id).value()->state)) ==
          f.s->Audit(af).value().front().to_state);
  }
}

TEST_CASE("statistics: categories per day and per-rule decisions", "[store][stats]") {
  Fixture f;
  int64_t a = f.Add("s1", "review", "spam", 1);
  int64_t b = f.Add("s2", "review", "spam", 1);
  f.Add("s3", "review", "harassment", 1);
  f.Decide(a, "ana", "remove");
  f.Decide(b, "ana", "approve");
  auto days = f.s->CategoriesPerDay(0).value();
  REQUIRE(days.size() == 2);
  CHECK(days[1].category == "spam");
  CHECK(days[1].count == 2);
  CHECK(days[1].day.size() == 10);
  auto rules = f.s->RuleStatistics(0).value();
  REQUIRE(rules.size() == 2);
  CHECK(rules[0].rule_id == "spam.test");
  CHECK(rules[0].hits == 2);
  CHECK(rules[0].removed == 1);
  CHECK(rules[0].approved == 1);
  CHECK(rules[1].pending == 1);
}

TEST_CASE("author history lists the author's other items with their last decision",
          "[store][queue]") {
  Fixture f;
  int64_t a = f.Add("h1", "review", "harassment", 1, "troll");
  int64_t b = f.Add("h2", "review", "harassment", 1, "troll");
  f.Add("h3", "review", "harassment", 1, "someone_else");
  f.Decide(a, "ana", "remove");
  auto h = f.s->AuthorHistory("mastodon", "troll", b, 10).value();
  REQUIRE(h.size() == 1);
  CHECK(h[0].item.id == a);
  CHECK(h[0].last_decision == "remove");
  CHECK(h[0].last_actor == "ana");
}
