// Retention and a person's data requests (bot/store/lifecycle.h): what is
// blanked, what is kept, and that the audit log stays append-only otherwise.
#define CATCH_CONFIG_MAIN
#include <catch2/catch.hpp>

#include <sqlite3.h>

#include "bot/sql/db.h"
#include "bot/store/lifecycle.h"
#include "tests/store/test_util.h"

using namespace aasr;
using namespace aasr::store;
using aasr::store::testing::ActionsFor;
using aasr::store::testing::MakeComment;
using aasr::store::testing::MakeVerdict;
using aasr::store::testing::Req;
using aasr::store::testing::TempDb;

namespace {

constexpr int64_t kDay = 86'400'000;

struct Fixture {
  TempDb tmp;
  std::shared_ptr<ManualClock> clock = std::make_shared<ManualClock>();
  StorePtr st;
  std::unique_ptr<sql::Db> db;
  Fixture() {
    auto s = OpenSqliteStore(tmp.path(), clock);
    REQUIRE(s.ok());
    st = s.value();
    auto d = sql::Db::Open(tmp.path());
    REQUIRE(d.ok());
    db = std::move(d.value());
  }
  // A comment received `age_days` before now, flagged (an item) or allowed.
  IngestResult Add(const std::string& id, const std::string& text, int age_days, bool flagged,
                   const std::string& handle = "parent_of_three") {
    NewComment c = MakeComment(id, text, handle);
    c.received_ms = clock->NowMs() - age_days * kDay;
    auto r = st->Ingest(Req(c, flagged ? MakeVerdict("review", "harassment", 2)
                                       : MakeVerdict("allow", "", 0)));
    REQUIRE(r.ok());
    return r.value();
  }
  void Decide(int64_t item, const std::string& decision) {
    DecideRequest d;
    d.item_id = item;
    d.user = "mod";
    d.decision = decision;
    d.note = "quoting: \"" + std::string("you are an idiot") + "\"";
    d.actions = ActionsFor(decision, "hide");
    REQUIRE(st->Decide(d).ok());
  }
  std::string Text(int64_t comment_id) {
    auto c = st->GetComment(comment_id);
    REQUIRE(c.ok());
    REQUIRE(c.value());
    return c.value()->text;
  }
  // A reply to an item, written as the replies outbox (bot/replies) would.
  void Reply(int64_t item, const std::string& text, const std::string& state) {
    auto s = db->Prepare(
        "INSERT INTO replies(item_id, account, platform, text, idempotency_key, state, "
        "created_by, created_ms, updated_ms) VALUES (?1, 'main', 'mastodon', ?2, ?3, ?4, 'mod', 0, 0)");
    REQUIRE(s.ok());
    s.value()->Bind(1, item).Bind(2, text).Bind(3, text + state).Bind(4, state);
    Error e;
    REQUIRE(s.value()->Run(&e));
  }
  std::string ReplyText(const std::string& state) {
    auto s = db->Prepare("SELECT text FROM replies WHERE state = ?1");
    REQUIRE(s.ok());
    s.value()->Bind(1, state);
    REQUIRE(s.value()->Step());
    return s.value()->Text(0);
  }
  int64_t Scalar(const std::string& q) {
    auto s = db->Prepare(q);
    REQUIRE(s.ok());
    REQUIRE(s.value()->Step());
    return s.value()->Int(0);
  }
};

}  // namespace

TEST_CASE("retention blanks old allowed and decided comments and keeps open items",
          "[store][retention]") {
  Fixture f;
  auto old_allowed = f.Add("a1", "thank you for this story", 40, false);
  auto new_allowed = f.Add("a2", "sharing with our PTA", 5, false);
  auto open_old = f.Add("f1", "you are an idiot", 400, true);
  auto decided_old = f.Add("f2", "you are a fool", 400, true);
  f.Decide(decided_old.item_id, "remove");
  f.Reply(decided_old.item_id, "@parent_of_three we removed this, here is why", "sent");
  f.Reply(decided_old.item_id, "@parent_of_three still on its way", "planned");
  f.Reply(open_old.item_id, "@parent_of_three please read our standards", "sent");
  f.clock->Advance(400 * kDay);  // the decision is now 400 days old

  RetentionPolicy p;
  p.allowed_days = 30;
  p.flagged_days = 365;
  auto r = Prune(*f.db, p, f.clock->NowMs());
  REQUIRE(r.ok());
  CHECK(r.value().allowed == 2);  // a1 and, 400 days on, a2
  CHECK(r.value().flagged == 1);
  CHECK(f.Text(old_allowed.comment_id).empty());
  CHECK(f.Text(new_allowed.comment_id).empty());
  CHECK(f.Text(open_old.comment_id) == "you are an idiot");  // still open: kept
  CHECK(f.Text(decided_old.comment_id).empty());
  CHECK(f.Scalar("SELECT count(*) FROM matches WHERE comment_id = " +
                 std::to_string(decided_old.comment_id)) == 0);
  CHECK(f.Scalar("SELECT count(*) FROM comments WHERE author_handle = 'parent_of_three'") == 1);
  // The skeleton stays: the item, its state and its audit rows, without notes.
  auto item = f.st->GetItem(decided_old.item_id);
  REQUIRE(item.ok());
  REQUIRE(item.value());
  CHECK(item.value()->state == ItemState::kRemoved);
  CHECK(f.Scalar("SELECT count(*) FROM audit WHERE item_id = " +
                 std::to_string(decided_old.item_id)) >= 2);
  CHECK(f.Scalar("SELECT count(*) FROM audit WHERE note != '' AND item_id = " +
                 std::to_string(decided_old.item_id)) == 0);
  // Replies name the person: the sent one goes with the comment, the one the
  // outbox has still to send stays, and an open item's reply is kept.
  CHECK(f.ReplyText("planned") == "@parent_of_three still on its way");
  CHECK(f.Scalar("SELECT count(*) FROM replies WHERE state = 'sent' AND text = ''") == 1);
  CHECK(f.Scalar("SELECT count(*) FROM replies WHERE item_id = " +
                 std::to_string(open_old.item_id) + " AND text != ''") == 1);

  SECTION("the same comment arriving again is recognized, not queued again") {
    NewComment again = MakeComment("f2", "you are a fool");
    auto re = f.st->Ingest(Req(again, MakeVerdict("review", "harassment", 2)));
    REQUIRE(re.ok());
    CHECK(!re.value().created);
  }
  SECTION("a second pass finds nothing more") {
    auto r2 = Prune(*f.db, p, f.clock->NowMs());
    REQUIRE(r2.ok());
    CHECK(r2.value().allowed == 0);
    CHECK(r2.value().flagged == 0);
  }
  SECTION("blanked comments are not backtested") {
    int n = 0;
    REQUIRE(f.st->ForEachComment(0, [&](const StoredComment&, const std::optional<Item>&) {
                   ++n;
                   return true;
                 }).ok());
    CHECK(n == 1);
  }
}

TEST_CASE("audit excerpts are dropped after their days and nothing else is", "[store][retention]") {
  Fixture f;
  auto item = f.Add("f1", "you are an idiot", 0, true);
  f.Decide(item.item_id, "approve");
  int64_t rows = f.Scalar("SELECT count(*) FROM audit");
  f.clock->Advance(100 * kDay);
  RetentionPolicy p;
  p.audit_excerpt_days = 90;
  auto r = Prune(*f.db, p, f.clock->NowMs());
  REQUIRE(r.ok());
  CHECK(r.value().audit_notes >= 1);
  CHECK(f.Scalar("SELECT count(*) FROM audit") == rows);
  CHECK(f.Scalar("SELECT count(*) FROM audit WHERE note != ''") == 0);
  CHECK(f.Text(item.comment_id) == "you are an idiot");
}

TEST_CASE("a policy of zeros keeps everything", "[store][retention]") {
  Fixture f;
  auto a = f.Add("a1", "thank you", 4000, false);
  auto r = Prune(*f.db, RetentionPolicy{}, f.clock->NowMs());
  REQUIRE(r.ok());
  CHECK(r.value().allowed == 0);
  CHECK(f.Text(a.comment_id) == "thank you");
}

TEST_CASE("the audit log refuses every update but erasing a note", "[store][retention]") {
  Fixture f;
  auto item = f.Add("f1", "you are an idiot", 0, true);
  for (const char* q : {"UPDATE audit SET actor = 'someone else'", "UPDATE audit SET note = 'rewritten'",
                        "UPDATE audit SET to_state = 'approved'", "DELETE FROM audit"}) {
    Status s = f.db->Exec(q);
    CHECK(!s.ok());
    if (!s.ok()) CHECK_THAT(s.errors().front().message, Catch::Contains("append-only"));
  }
  CHECK(f.db->Exec("UPDATE audit SET note = '' WHERE item_id = " + std::to_string(item.item_id)).ok());
}

TEST_CASE("an author's data is exported whole and erased to a skeleton", "[store][retention]") {
  Fixture f;
  auto mine = f.Add("m1", "you are an idiot", 1, true, "angry_dad");
  f.Add("m2", "thanks for the letter template", 1, false, "angry_dad");
  auto other = f.Add("o1", "thank you", 1, false, "someone_else");
  f.Decide(mine.item_id, "remove");
  f.Reply(mine.item_id, "@angry_dad this broke our standards", "sent");

  auto by_handle = ExportAuthor(*f.db, "mastodon", "angry_dad");
  REQUIRE(by_handle.ok());
  const auto& comments = by_handle.value()["comments"];
  REQUIRE(comments.size() == 2);
  CHECK(comments[0]["text"] == "you are an idiot");
  CHECK(comments[0]["item"]["state"] == "removed");
  CHECK(comments[0]["item"]["audit"].size() >= 2);
  REQUIRE(comments[0]["item"]["replies"].size() == 1);
  CHECK(comments[0]["item"]["replies"][0]["text"] == "@angry_dad this broke our standards");
  CHECK(comments[1]["verdict"]["action"] == "allow");
  auto by_id = ExportAuthor(*f.db, "mastodon", "id-angry_dad");
  REQUIRE(by_id.ok());
  CHECK(by_id.value()["comments"].size() == 2);
  CHECK(ExportAuthor(*f.db, "bluesky", "angry_dad").value()["comments"].empty());

  auto erased = EraseAuthor(*f.db, "mastodon", "id-angry_dad");
  REQUIRE(erased.ok());
  CHECK(erased.value().comments == 2);
  CHECK(f.Text(mine.comment_id).empty());
  CHECK(f.Text(other.comment_id) == "thank you");
  CHECK(f.ReplyText("sent").empty());
  auto after = ExportAuthor(*f.db, "mastodon", "angry_dad");
  REQUIRE(after.ok());
  CHECK(after.value()["comments"].empty());
  CHECK(f.Scalar("SELECT count(*) FROM audit WHERE item_id = " + std::to_string(mine.item_id)) >= 2);
  CHECK(f.Scalar("SELECT count(*) FROM audit WHERE note != '' AND item_id = " +
                 std::to_string(mine.item_id)) == 0);
}
