// The store's promises: migrations, idempotent and atomic ingest, the
// append-only audit log, moderators, sessions and cursors.
#define CATCH_CONFIG_MAIN
#include <catch2/catch.hpp>

#include <sqlite3.h>

#include "tests/store/test_util.h"

using namespace aasr::store;
using aasr::store::testing::MakeComment;
using aasr::store::testing::MakeVerdict;
using aasr::store::testing::Req;
using aasr::store::testing::TempDb;

namespace {

int64_t Count(const std::string& path, const std::string& sql) {
  sqlite3* db = nullptr;
  sqlite3_open(path.c_str(), &db);
  sqlite3_stmt* st = nullptr;
  REQUIRE(sqlite3_prepare_v2(db, sql.c_str(), -1, &st, nullptr) == SQLITE_OK);
  int64_t n = -1;
  if (sqlite3_step(st) == SQLITE_ROW) n = sqlite3_column_int64(st, 0);
  sqlite3_finalize(st);
  sqlite3_close(db);
  return n;
}

int ExecRaw(const std::string& path, const std::string& sql, std::string* err = nullptr) {
  sqlite3* db = nullptr;
  sqlite3_open(path.c_str(), &db);
  char* msg = nullptr;
  int rc = sqlite3_exec(db, sql.c_str(), nullptr, nullptr, &msg);
  if (msg && err) *err = msg;
  sqlite3_free(msg);
  sqlite3_close(db);
  return rc;
}

StorePtr Open(const std::string& path, std::shared_ptr<aasr::ManualClock> clock = nullptr) {
  if (!clock) clock = std::make_shared<aasr::ManualClock>();
  auto r = OpenSqliteStore(path, clock);
  if (!r.ok()) FAIL(aasr::FormatErrors(r.errors()));
  return r.value();
}

}  // namespace

TEST_CASE("a new database gets the current schema in WAL mode", "[store][migrations]") {
  TempDb tmp;
  StorePtr s = Open(tmp.path());
  CHECK(s->schema_version() == kSchemaVersion);
  CHECK(Count(tmp.path(), "PRAGMA user_version") == kSchemaVersion);
  sqlite3* db = nullptr;
  sqlite3_open(tmp.path().c_str(), &db);
  sqlite3_stmt* st = nullptr;
  sqlite3_prepare_v2(db, "PRAGMA journal_mode", -1, &st, nullptr);
  REQUIRE(sqlite3_step(st) == SQLITE_ROW);
  CHECK(std::string(reinterpret_cast<const char*>(sqlite3_column_text(st, 0))) == "wal");
  sqlite3_finalize(st);
  sqlite3_close(db);
  // Reopening runs no migration twice.
  s.reset();
  StorePtr again = Open(tmp.path());
  CHECK(again->schema_version() == kSchemaVersion);
}

TEST_CASE("a database newer than this build is refused and left untouched",
          "[store][migrations]") {
  TempDb tmp;
  REQUIRE(CreateSchemaAtVersion(tmp.path(), kSchemaVersion).ok());
  REQUIRE(ExecRaw(tmp.path(), "PRAGMA user_version = 99") == SQLITE_OK);
  auto r = OpenSqliteStore(tmp.path(), std::make_shared<aasr::ManualClock>());
  REQUIRE_FALSE(r.ok());
  std::string msg = aasr::FormatErrors(r.errors());
  CHECK_THAT(msg, Catch::Contains("schema version 99 is newer"));
  CHECK_THAT(msg, Catch::Contains(tmp.path()));
  CHECK(Count(tmp.path(), "PRAGMA user_version") == 99);
}

TEST_CASE("a version 1 database upgrades in place and keeps its data", "[store][migrations]") {
  TempDb tmp;
  REQUIRE(CreateSchemaAtVersion(tmp.path(), 1).ok());
  REQUIRE(Count(tmp.path(), "PRAGMA user_version") == 1);
  // Rows as version 1 wrote them: a crisis comment and a spam one, queued.
  std::string err;
  REQUIRE(ExecRaw(tmp.path(), R"sql(
    INSERT INTO comments(id, platform, remote_id, text, received_ms)
      VALUES (1, 'bluesky', 'at://a/1', 'buy followers now', 1000),
             (2, 'bluesky', 'at://a/2', 'i do not want to be here anymore', 2000);
    INSERT INTO verdicts VALUES (1, 'review', 1, '["spam"]', 'spam'),
                                (2, 'review', 3, '["crisis"]', 'crisis');
    INSERT INTO items(id, comment_id, state, priority, created_ms, updated_ms)
      VALUES (1, 1, 'pending', 3, 1000, 1000), (2, 2, 'pending', 3, 2000, 2000);
    INSERT INTO item_categories VALUES (1, 'spam'), (2, 'crisis');
    INSERT INTO audit(item_id, actor, at_ms, action, to_state) VALUES (1, 'system', 1000, 'queued', 'pending');
  )sql", &err) == SQLITE_OK);
  INFO(err);
  StorePtr s = Open(tmp.path());
  CHECK(s->schema_version() == kSchemaVersion);
  auto page = s->ListQueue({});
  REQUIRE(page.ok());
  REQUIRE(page.value().items.size() == 2);
  // The crisis flag was backfilled, so the newer crisis item comes first.
  CHECK(page.value().items[0].id == 2);
  CHECK(page.value().items[0].crisis);
  CHECK_FALSE(page.value().items[1].crisis);
  // New tables of version 2 work.
  REQUIRE(s->PutCursor("mastodon:aasr", "notifications", "since:1234").ok());
  CHECK(s->GetCursor("mastodon:aasr", "notifications").value().value() == "since:1234");
  CHECK(Count(tmp.path(), "SELECT COUNT(*) FROM audit") == 1);
}

TEST_CASE("ingesting the same comment twice yields one item", "[store][ingest]") {
  TempDb tmp;
  StorePtr s = Open(tmp.path());
  auto c = MakeComment("109876", "you are an idiot");
  auto v = MakeVerdict("review", "harassment", 2, 11, 16);
  auto first = s->Ingest(Req(c, v));
  REQUIRE(first.ok());
  CHECK(first.value().created);
  CHECK(first.value().item_id > 0);
  auto second = s->Ingest(Req(c, v));
  REQUIRE(second.ok());
  CHECK_FALSE(second.value().created);
  CHECK(second.value().comment_id == first.value().comment_id);
  CHECK(second.value().item_id == first.value().item_id);
  CHECK(Count(tmp.path(), "SELECT COUNT(*) FROM comments") == 1);
  CHECK(Count(tmp.path(), "SELECT COUNT(*) FROM items") == 1);
  CHECK(Count(tmp.path(), "SELECT COUNT(*) FROM matches") == 1);
  CHECK(Count(tmp.path(), "SELECT COUNT(*) FROM audit") == 1);
  // Same remote id on another platform is another comment.
  c.platform = "bluesky";
  auto other = s->Ingest(Req(c, v));
  REQUIRE(other.ok());
  CHECK(other.value().created);
  CHECK(other.value().comment_id != first.value().comment_id);
}

TEST_CASE("ingest keeps the verdict, spans and author - allowed comments are not queued",
          "[store][ingest]") {
  TempDb tmp;
  StorePtr s = Open(tmp.path());
  auto allowed = s->Ingest(Req(MakeComment("1", "Thank you for the seclusion report"),
                           MakeVerdict("allow", "", 0)));
  REQUIRE(allowed.ok());
  CHECK(allowed.value().item_id == 0);
  auto c = MakeComment("2", "Call me at 555-123-4567 idiot");
  c.author_first_comment = true;
  auto flagged = s->Ingest(Req(c, MakeVerdict("hide", "privacy", 2, 11, 23)));
  REQUIRE(flagged.ok());
  auto item = s->GetItem(flagged.value().item_id).value().value();
  CHECK(item.state == ItemState::kPending);
  CHECK(item.hidden);  // `hide` asked the platform at once
  CHECK(item.categories == std::vector<std::string>{"privacy"});
  auto acts = s->ActionsForItem(item.id).value();
  REQUIRE(acts.size() == 1);
  CHECK(acts[0].kind == "hide");
  CHECK(acts[0].remote_id == "2");
  CHECK(acts[0].platform == "mastodon");
  auto verdict = s->GetVerdict(item.comment_id).value().value();
  REQUIRE(verdict.matches.size() == 1);
  CHECK(verdict.matches[0].spans == std::vector<std::pair<uint32_t, uint32_t>>{{11, 23}});
  auto stored = s->GetComment(item.comment_id).value().value();
  CHECK(stored.author_first_comment == true);
  CHECK(stored.author_followers == 2);
  CHECK(stored.parent_text == "New story: A seclusion room is not a classroom");
}

TEST_CASE("a failed ingest leaves nothing behind", "[store][ingest]") {
  TempDb tmp;
  StorePtr s = Open(tmp.path());
  auto v = MakeVerdict("review", "spam", 1);
  v.action = "shout";  // violates the verdicts table's CHECK after the comment row is written
  auto r = s->Ingest(Req(MakeComment("3", "crypto giveaway"), v));
  REQUIRE_FALSE(r.ok());
  CHECK_THAT(aasr::FormatErrors(r.errors()), Catch::Contains("CHECK"));
  CHECK(Count(tmp.path(), "SELECT COUNT(*) FROM comments") == 0);
  CHECK(Count(tmp.path(), "SELECT COUNT(*) FROM verdicts") == 0);
}

TEST_CASE("a batch ingest stores in order, is idempotent, and a bad comment fails alone", "[store][ingest]") {
  TempDb tmp;
  StorePtr s = Open(tmp.path());
  REQUIRE(s->Ingest(Req(MakeComment("b1", "you are an idiot"), MakeVerdict("review", "harassment", 2))).ok());
  std::vector<IngestRequest> batch = {
      Req(MakeComment("b1", "you are an idiot"), MakeVerdict("review", "harassment", 2)),  // stored before
      Req(MakeComment("b2", "thank you"), MakeVerdict("allow", "", 0)),
      Req(MakeComment("b3", "I know where you live"), MakeVerdict("hide", "threat", 3)),
      Req(MakeComment("b2", "thank you"), MakeVerdict("allow", "", 0)),  // twice in one batch
  };
  auto r = s->IngestBatch(batch);
  REQUIRE(r.size() == 4);
  for (auto& one : r) REQUIRE(one.ok());
  CHECK_FALSE(r[0].value().created);
  CHECK(r[1].value().created);
  CHECK(r[1].value().item_id == 0);
  CHECK(r[2].value().created);
  CHECK(r[2].value().item_id > 0);
  CHECK_FALSE(r[3].value().created);
  CHECK(r[3].value().comment_id == r[1].value().comment_id);
  CHECK(Count(tmp.path(), "SELECT COUNT(*) FROM comments") == 3);
  CHECK(Count(tmp.path(), "SELECT COUNT(*) FROM platform_actions WHERE kind = 'hide'") == 1);

  // One comment the database refuses: the batch is rolled back and stored
  // one by one, so only that comment fails, with its own error.
  auto bad = MakeVerdict("review", "spam", 1);
  bad.action = "shout";
  auto r2 = s->IngestBatch({Req(MakeComment("b4", "fine"), MakeVerdict("allow", "", 0)),
                            Req(MakeComment("b5", "crypto giveaway"), bad),
                            Req(MakeComment("b6", "also fine"), MakeVerdict("allow", "", 0))});
  REQUIRE(r2.size() == 3);
  CHECK(r2[0].ok());
  CHECK_FALSE(r2[1].ok());
  CHECK(r2[2].ok());
  CHECK(Count(tmp.path(), "SELECT COUNT(*) FROM comments") == 5);
  CHECK(Count(tmp.path(), "SELECT COUNT(*) FROM comments WHERE remote_id = 'b5'") == 0);
}

TEST_CASE("the store persists the policy's disposition and returns the action it created",
          "[store][ingest]") {
  TempDb tmp;
  StorePtr s = Open(tmp.path());
  // A hide verdict the policy chose not to queue: the store decides nothing.
  Disposition quiet;
  auto r = s->Ingest({MakeComment("p1", "I know where you live"), MakeVerdict("hide", "threat", 3), quiet});
  REQUIRE(r.ok());
  CHECK(r.value().item_id == 0);
  CHECK(r.value().action_id == 0);
  // Queued as crisis with a delete at once, as a policy could decide.
  Disposition d{true, true, "delete", "deleted at once"};
  auto q = s->Ingest({MakeComment("p2", "spam spam"), MakeVerdict("review", "spam", 1), d});
  REQUIRE(q.ok());
  REQUIRE(q.value().action_id > 0);
  auto item = s->GetItem(q.value().item_id).value();
  REQUIRE(item);
  CHECK(item->crisis);
  auto acts = s->ActionsForItem(q.value().item_id).value();
  REQUIRE(acts.size() == 1);
  CHECK(acts[0].id == q.value().action_id);
  CHECK(acts[0].kind == "delete");
  AuditFilter f;
  f.item_id = q.value().item_id;
  CHECK(s->Audit(f).value().back().note == "deleted at once");
  // Storing it again creates nothing and returns no new action.
  auto again = s->Ingest({MakeComment("p2", "spam spam"), MakeVerdict("review", "spam", 1), d});
  CHECK_FALSE(again.value().created);
  CHECK(again.value().action_id == 0);
}

TEST_CASE("the audit log refuses updates and deletes", "[store][audit]") {
  TempDb tmp;
  StorePtr s = Open(tmp.path());
  REQUIRE(s->Ingest(Req(MakeComment("4", "idiot"), MakeVerdict("review", "harassment", 1))).ok());
  std::string err;
  CHECK(ExecRaw(tmp.path(), "UPDATE audit SET actor = 'someone'", &err) != SQLITE_OK);
  CHECK_THAT(err, Catch::Contains("append-only"));
  CHECK(ExecRaw(tmp.path(), "DELETE FROM audit", &err) != SQLITE_OK);
  CHECK(Count(tmp.path(), "SELECT COUNT(*) FROM audit") == 1);
}

TEST_CASE("moderators, sessions that expire, and durable cursors", "[store][users]") {
  TempDb tmp;
  auto clock = std::make_shared<aasr::ManualClock>();
  StorePtr s = Open(tmp.path(), clock);
  REQUIRE(s->PutModerator({0, "dana", "moderator", "$argon2id$fake", false, 0}).ok());
  REQUIRE(s->PutModerator({0, "dana", "admin", "$argon2id$other", false, 0}).ok());
  auto m = s->GetModerator("dana").value().value();
  CHECK(m.role == "admin");
  CHECK(m.password_hash == "$argon2id$other");
  CHECK(s->ListModerators().value().size() == 1);
  CHECK_FALSE(s->GetModerator("nobody").value().has_value());

  Session sess{"hash1", "dana", "", "csrf1", 0, clock->NowMs() + 60'000};
  REQUIRE(s->PutSession(sess).ok());
  auto got = s->GetSession("hash1").value();
  REQUIRE(got.has_value());
  CHECK(got->role == "admin");
  CHECK(got->csrf == "csrf1");
  clock->Advance(60'001);
  CHECK_FALSE(s->GetSession("hash1").value().has_value());
  REQUIRE(s->DeleteSession("hash1").ok());

  CHECK_FALSE(s->GetCursor("bluesky:aasr", "notifications").value().has_value());
  REQUIRE(s->PutCursor("bluesky:aasr", "notifications", "c1").ok());
  REQUIRE(s->PutCursor("bluesky:aasr", "notifications", "c2").ok());
  CHECK(s->GetCursor("bluesky:aasr", "notifications").value().value() == "c2");
}

TEST_CASE("a version 3 database upgrades to 4: thread roots and scheduled retries",
          "[store][migrations]") {
  TempDb tmp;
  REQUIRE(CreateSchemaAtVersion(tmp.path(), 3).ok());
  std::string err;
  // A removed comment whose hide failed under version 3 (retried every pass).
  REQUIRE(ExecRaw(tmp.path(), R"sql(
    INSERT INTO comments(id, platform, account, remote_id, text, received_ms)
      VALUES (1, 'bluesky', 'aasr', 'at://a/1', 'buy followers now', 1000);
    INSERT INTO verdicts VALUES (1, 'review', 1, '["spam"]', 'spam');
    INSERT INTO items(id, comment_id, state, priority, hidden, created_ms, updated_ms)
      VALUES (1, 1, 'removed', 1, 1, 1000, 1000);
    INSERT INTO audit(item_id, actor, at_ms, action, to_state) VALUES (1, 'ana', 1500, 'remove', 'removed');
    INSERT INTO platform_actions(item_id, audit_id, kind, state, attempts, last_error, created_ms, updated_ms)
      VALUES (1, 1, 'hide', 'failed', 1, 'HTTP 503', 1500, 1600);
  )sql", &err) == SQLITE_OK);
  INFO(err);
  auto clock = std::make_shared<aasr::ManualClock>(2000);
  StorePtr s = Open(tmp.path(), clock);
  CHECK(s->schema_version() == kSchemaVersion);
  auto c = s->GetComment(1).value();
  REQUIRE(c);
  CHECK(c->root.empty());
  // The old failed action stays due, so nothing is silently dropped.
  auto due = s->PendingActions({}).value();
  REQUIRE(due.size() == 1);
  CHECK(due[0].state == "failed");
  CHECK(due[0].retry_at_ms == 1600);
  CHECK(due[0].last_error == "HTTP 503");
  // New columns are written and read back.
  auto nc = MakeComment("at://b/2", "a new reply");
  nc.root = "at://did:plc:aasr/app.bsky.feed.post/3k";
  auto id = s->Ingest(Req(nc, MakeVerdict("hide", "threat", 3))).value();
  CHECK(s->GetComment(id.comment_id).value()->root == nc.root);
  auto acts = s->ActionsForItem(id.item_id).value();
  REQUIRE(acts.size() == 1);
  CHECK(acts[0].root == nc.root);
  CHECK(acts[0].parent == nc.parent);
  CHECK(acts[0].retry_at_ms == 0);
}

TEST_CASE("due actions: by account, pending or failed with a retry time reached, and final failures stop",
          "[store][actions]") {
  TempDb tmp;
  auto clock = std::make_shared<aasr::ManualClock>(1'000'000);
  StorePtr s = Open(tmp.path(), clock);
  auto a = MakeComment("m1", "you are vermin");
  auto b = MakeComment("m2", "you are vermin too");
  b.account = "other@mastodon.social";
  auto ia = s->Ingest(Req(a, MakeVerdict("hide", "threat", 3))).value();
  auto ib = s->Ingest(Req(b, MakeVerdict("hide", "threat", 3))).value();
  CHECK(s->GetItem(ia.item_id).value()->hidden);  // a pending hide counts

  ActionFilter mine;
  mine.account = a.account;
  auto due = s->PendingActions(mine).value();
  REQUIRE(due.size() == 1);
  CHECK(due[0].item_id == ia.item_id);
  CHECK(due[0].remote_id == "m1");
  ActionFilter other_platform = mine;
  other_platform.platform = "bluesky";
  CHECK(s->PendingActions(other_platform).value().empty());
  CHECK(s->PendingActions({}).value().size() == 2);

  SECTION("a retry is due only from its time on") {
    REQUIRE(s->MarkActionFailed(due[0].id, "HTTP 502", 1'060'000).ok());
    CHECK(s->PendingActions(mine).value().empty());
    ActionFilter later = mine;
    later.now_ms = 1'060'000;
    REQUIRE(s->PendingActions(later).value().size() == 1);
    CHECK(s->PendingActions(later).value()[0].attempts == 1);
    CHECK(s->GetItem(ia.item_id).value()->hidden);  // still expected to happen
  }
  SECTION("a final failure is never due again and the item is not counted hidden") {
    REQUIRE(s->MarkActionFailed(due[0].id, "hide replies is not supported", 0).ok());
    ActionFilter much_later = mine;
    much_later.now_ms = 9'000'000'000;
    CHECK(s->PendingActions(much_later).value().empty());
    auto acts = s->ActionsForItem(ia.item_id).value();
    CHECK(acts[0].state == "failed");
    CHECK(acts[0].retry_at_ms == 0);
    CHECK(acts[0].last_error == "hide replies is not supported");
    CHECK_FALSE(s->GetItem(ia.item_id).value()->hidden);
    CHECK(s->GetItem(ib.item_id).value()->hidden);
  }
  CHECK_FALSE(s->MarkActionFailed(999, "x", 0).ok());
}
