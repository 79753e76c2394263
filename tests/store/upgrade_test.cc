// The upgrade path from a file written by release 0.2.0
// (testdata/release-0.2.0.db: moderation schema 4 plus outreach's own
// outreach_schema_version 1): opening it with this build migrates it to the
// one schema and keeps every outbox row, seen story, feed state, cursor and
// moderation row.
#define CATCH_CONFIG_MAIN
#include <catch2/catch.hpp>

#include <filesystem>
#include <vector>

#include <sqlite3.h>

#include "bot/outreach/store.h"
#include "tests/store/test_util.h"
#include "aasr/build_paths.h"

using namespace aasr;
using aasr::store::testing::TempDb;

namespace {

// Outreach times of release 0.2.0 were seconds; OutreachStore still speaks
// seconds (the file keeps milliseconds since step 6, checked below).
constexpr int64_t kOldOutreachTimeScale = 1;

const std::string kOldFile = std::string(AASR_SOURCE_DIR) + "/tests/store/testdata/release-0.2.0.db";

// Rows of one query as text, read with the raw C API (no code under test).
std::vector<std::vector<std::string>> Rows(const std::string& path, const std::string& sql) {
  sqlite3* db = nullptr;
  REQUIRE(sqlite3_open_v2(path.c_str(), &db, SQLITE_OPEN_READONLY, nullptr) == SQLITE_OK);
  sqlite3_stmt* st = nullptr;
  REQUIRE(sqlite3_prepare_v2(db, sql.c_str(), -1, &st, nullptr) == SQLITE_OK);
  std::vector<std::vector<std::string>> out;
  while (sqlite3_step(st) == SQLITE_ROW) {
    std::vector<std::string> row;
    for (int i = 0; i < sqlite3_column_count(st); ++i) {
      const unsigned char* t = sqlite3_column_text(st, i);
      row.push_back(t ? reinterpret_cast<const char*>(t) : "");
    }
    out.push_back(std::move(row));
  }
  sqlite3_finalize(st);
  sqlite3_close(db);
  return out;
}

int64_t Count(const std::string& path, const std::string& table) {
  return std::stoll(Rows(path, "SELECT count(*) FROM " + table)[0][0]);
}

std::string Old(const std::string& seconds) {
  return std::to_string(std::stoll(seconds) * kOldOutreachTimeScale);
}

// A private copy: opening migrates in place, the checked-in file stays 0.2.0.
std::string CopyOldFile(const TempDb& tmp) {
  std::filesystem::copy_file(kOldFile, tmp.path());
  return tmp.path();
}

}  // namespace

TEST_CASE("the release 0.2.0 file is what the test expects", "[store][upgrade]") {
  TempDb tmp;
  const std::string old = CopyOldFile(tmp);  // even a read leaves WAL files beside it
  CHECK(Rows(old, "PRAGMA user_version")[0][0] == "4");
  CHECK(Rows(old, "SELECT version FROM outreach_schema_version")[0][0] == "1");
  CHECK(Count(old, "outreach_outbox") == 8);
  CHECK(Count(old, "outreach_seen_stories") == 5);
  CHECK(Count(old, "outreach_feed_state") == 1);
  CHECK(Count(old, "cursors") == 1);
  CHECK(Count(old, "comments") == 25);
  CHECK(Count(old, "items") == 9);
  CHECK(Count(old, "audit") == 25);
  CHECK(Count(old, "platform_actions") == 8);
}

TEST_CASE("a release 0.2.0 file keeps every outbox row, story and feed state", "[store][upgrade]") {
  TempDb tmp;
  const std::string path = CopyOldFile(tmp);
  const auto outbox = Rows(path,
                           "SELECT id, kind, item_id, account, platform, post_json, content_hash, "
                           "planned_at, state, attempts, next_attempt_at, remote_id, url, error, "
                           "created_at, updated_at FROM outreach_outbox ORDER BY id");
  const auto stories = Rows(path,
                            "SELECT feed, story_id, title, excerpt, link, image_url, published, "
                            "disposition, seen_at FROM outreach_seen_stories ORDER BY story_id");
  const auto feed = Rows(path, "SELECT feed, etag, last_modified, last_success FROM outreach_feed_state");

  auto opened = outreach::OutreachStore::Open(path);
  REQUIRE(opened.ok());
  outreach::OutreachStore& st = *opened.value();
  CHECK(Rows(path, "PRAGMA user_version")[0][0] == std::to_string(sql::kSchemaVersion));
  CHECK(Rows(path, "SELECT name FROM sqlite_master WHERE name = 'outreach_schema_version'").empty());

  // On disk every time is now milliseconds (step 6), in *_ms columns.
  const auto ms = Rows(path, "SELECT planned_ms, next_attempt_ms, created_ms, updated_ms FROM "
                             "outreach_outbox ORDER BY id");
  REQUIRE(ms.size() == outbox.size());
  for (size_t i = 0; i < ms.size(); ++i) {
    CHECK(ms[i][0] == std::to_string(std::stoll(outbox[i][7]) * 1000));
    CHECK(ms[i][1] == std::to_string(std::stoll(outbox[i][10]) * 1000));
    CHECK(ms[i][2] == std::to_string(std::stoll(outbox[i][14]) * 1000));
    CHECK(ms[i][3] == std::to_string(std::stoll(outbox[i][15]) * 1000));
  }
  const auto story_ms = Rows(path, "SELECT published_ms, seen_ms FROM outreach_seen_stories "
                                   "ORDER BY story_id");
  REQUIRE(story_ms.size() == stories.size());
  for (size_t i = 0; i < story_ms.size(); ++i) {
    CHECK(story_ms[i][0] == std::to_string(std::stoll(stories[i][6]) * 1000));
    CHECK(story_ms[i][1] == std::to_string(std::stoll(stories[i][8]) * 1000));
  }
  CHECK(Rows(path, "SELECT last_success_ms FROM outreach_feed_state")[0][0] ==
        std::to_string(std::stoll(feed[0][3]) * 1000));

  auto rows = st.ListOutbox();
  REQUIRE(rows.ok());
  REQUIRE(rows.value().size() == outbox.size());
  for (const auto& old : outbox) {
    auto got = st.GetOutbox(std::stoll(old[0]));
    REQUIRE(got.ok());
    REQUIRE(got.value());
    const outreach::OutboxRow& r = *got.value();
    INFO("outbox row " << old[0]);
    CHECK(r.kind == old[1]);
    CHECK(r.item_id == old[2]);
    CHECK(r.account == old[3]);
    CHECK(r.platform == old[4]);
    CHECK(outreach::ComposedPostToJson(r.post) == old[5]);
    CHECK(r.content_hash == old[6]);
    CHECK(std::to_string(r.planned_at) == Old(old[7]));
    CHECK(outreach::OutboxStateName(r.state) == old[8]);
    CHECK(std::to_string(r.attempts) == old[9]);
    CHECK(std::to_string(r.next_attempt_at) == Old(old[10]));
    CHECK(r.remote_id == old[11]);
    CHECK(r.url == old[12]);
    CHECK(r.error == old[13]);
    CHECK(std::to_string(r.created_at) == Old(old[14]));
    CHECK(std::to_string(r.updated_at) == Old(old[15]));
  }
  // The idempotency keys still refuse a second row for the same post.
  CHECK(st.HasOutboxKey("aasr-fb", "aasr-fb/story/our-mission").value());

  auto planned = st.StoriesWithDisposition(outreach::StoryDisposition::kPlanned);
  REQUIRE(planned.ok());
  REQUIRE(planned.value().size() == stories.size());
  for (const auto& old : stories) {
    INFO("story " << old[1]);
    CHECK(st.IsSeen(old[0], old[1]).value());
    bool found = false;
    for (const auto& s : planned.value()) {
      if (s.story.id != old[1]) continue;
      found = true;
      CHECK(s.feed == old[0]);
      CHECK(s.story.title == old[2]);
      CHECK(s.story.excerpt == old[3]);
      CHECK(s.story.link == old[4]);
      CHECK(s.story.image_url == old[5]);
      CHECK(std::to_string(s.story.published) == old[6]);
      CHECK(std::to_string(s.seen_at) == Old(old[8]));
    }
    CHECK(found);
  }

  REQUIRE(feed.size() == 1);
  auto state = st.GetFeedState(feed[0][0]);
  REQUIRE(state.ok());
  CHECK(state.value().initialized);
  CHECK(state.value().etag == feed[0][1]);
  CHECK(state.value().last_modified == feed[0][2]);
  CHECK(std::to_string(state.value().last_success) == Old(feed[0][3]));
}

TEST_CASE("a release 0.2.0 file keeps its cursors, comments, queue and audit", "[store][upgrade]") {
  TempDb tmp;
  const std::string path = CopyOldFile(tmp);
  const auto cursors = Rows(path, "SELECT scope, key, value FROM cursors");
  const auto comments = Rows(path, "SELECT id, remote_id, author_handle, text FROM comments ORDER BY id");
  const auto items = Rows(path, "SELECT id, comment_id, state, hidden, version FROM items ORDER BY id");
  const int64_t audit = Count(path, "audit"), actions = Count(path, "platform_actions");

  auto opened = store::OpenSqliteStore(path, std::make_shared<ManualClock>());
  REQUIRE(opened.ok());
  store::StorePtr s = opened.value();
  CHECK(s->schema_version() == sql::kSchemaVersion);

  REQUIRE(cursors.size() == 1);
  auto cursor = s->GetCursor(cursors[0][0], cursors[0][1]);
  REQUIRE(cursor.ok());
  CHECK(cursor.value() == cursors[0][2]);

  for (const auto& old : comments) {
    auto c = s->GetComment(std::stoll(old[0]));
    REQUIRE(c.ok());
    REQUIRE(c.value());
    CHECK(c.value()->remote_id == old[1]);
    CHECK(c.value()->author_handle == old[2]);
    CHECK(c.value()->text == old[3]);
  }
  for (const auto& old : items) {
    auto it = s->GetItem(std::stoll(old[0]));
    REQUIRE(it.ok());
    REQUIRE(it.value());
    CHECK(std::to_string(it.value()->comment_id) == old[1]);
    CHECK(store::StateName(it.value()->state) == old[2]);
    CHECK(it.value()->hidden == (old[3] == "1"));
    CHECK(std::to_string(it.value()->version) == old[4]);
  }
  CHECK(Count(path, "comments") == static_cast<int64_t>(comments.size()));
  CHECK(Count(path, "audit") == audit);
  CHECK(Count(path, "platform_actions") == actions);
  auto admin = s->GetModerator("admin");
  REQUIRE(admin.ok());
  CHECK(admin.value());

  // Both repositories open the migrated file again without migrating twice.
  s.reset();
  CHECK(outreach::OutreachStore::Open(path).ok());
  CHECK(store::OpenSqliteStore(path).ok());
}

TEST_CASE("an outreach version table this build does not know is refused", "[store][upgrade]") {
  TempDb tmp;
  const std::string path = CopyOldFile(tmp);
  sqlite3* db = nullptr;
  REQUIRE(sqlite3_open(path.c_str(), &db) == SQLITE_OK);
  REQUIRE(sqlite3_exec(db, "UPDATE outreach_schema_version SET version = 2", nullptr, nullptr,
                       nullptr) == SQLITE_OK);
  sqlite3_close(db);
  auto opened = outreach::OutreachStore::Open(path);
  REQUIRE_FALSE(opened.ok());
  CHECK_THAT(FormatErrors(opened.errors()), Catch::Contains("outreach schema version 2"));
  CHECK(Rows(path, "PRAGMA user_version")[0][0] == "4");
}
