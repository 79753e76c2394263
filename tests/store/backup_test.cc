// Backups of the database file (bot/sql/backup.h), the copy Migrate() takes
// before upgrading, and `aasr-bot db backup|restore|check` end to end.
#define CATCH_CONFIG_MAIN
#include <catch2/catch.hpp>

#include <sys/stat.h>

#include <atomic>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <thread>

#include "bot/sql/backup.h"
#include "bot/sql/migrations.h"
#include "tests/store/test_util.h"
#include "aasr/build_paths.h"

using namespace aasr;
using aasr::store::testing::MakeComment;
using aasr::store::testing::MakeVerdict;
using aasr::store::testing::TempDb;
namespace fs = std::filesystem;

namespace {

const std::string kOldFile = std::string(AASR_SOURCE_DIR) + "/tests/store/testdata/release-0.2.0.db";
const std::string kBot = AASR_BOT;

store::IngestRequest Req(const std::string& id, const std::string& text) {
  return {MakeComment(id, text), MakeVerdict("allow", "", 0), {}};
}

int64_t CountComments(const std::string& path) {
  auto st = store::OpenSqliteStore(path);
  REQUIRE(st.ok());
  int64_t n = 0;
  REQUIRE(st.value()->ForEachComment(0, [&](const store::StoredComment&, const std::optional<store::Item>&) { ++n; return true; }).ok());
  return n;
}

using Run = aasr::store::testing::ShellRun;
using aasr::store::testing::Sh;

std::vector<std::string> Siblings(const std::string& path, const std::string& prefix) {
  std::vector<std::string> out;
  for (const auto& e : fs::directory_iterator(fs::path(path).parent_path()))
    if (e.path().filename().string().rfind(prefix, 0) == 0) out.push_back(e.path().string());
  return out;
}

}  // namespace

TEST_CASE("a backup taken during ingest is one consistent, checked, private snapshot",
          "[store][backup]") {
  TempDb tmp;
  auto opened = store::OpenSqliteStore(tmp.path());
  REQUIRE(opened.ok());
  auto& st = *opened.value();
  for (int i = 0; i < 200; ++i) REQUIRE(st.Ingest(Req("seed" + std::to_string(i), "thank you")).ok());

  std::atomic<bool> stop{false};
  std::atomic<int> written{0};
  std::thread writer([&] {
    for (int i = 0; !stop; ++i) {
      std::vector<store::IngestRequest> batch;
      for (int j = 0; j < 20; ++j) batch.push_back(Req("w" + std::to_string(i * 20 + j), "hello"));
      for (auto& r : st.IngestBatch(batch))
        if (r.ok()) ++written;
    }
  });
  while (written < 100) std::this_thread::yield();
  auto db = sql::Db::Open(tmp.path());
  REQUIRE(db.ok());
  const std::string dest = tmp.path() + ".backup";
  Status s = sql::Backup(*db.value(), dest);
  int during = written;
  stop = true;
  writer.join();
  REQUIRE(s.ok());
  CHECK(during > 100);  // the writer was not stopped by the backup

  struct stat info {};
  REQUIRE(::stat(dest.c_str(), &info) == 0);
  CHECK((info.st_mode & 0777) == 0600);
  CHECK(!fs::exists(dest + ".tmp"));
  auto v = sql::CheckDatabaseFile(dest);
  REQUIRE(v.ok());
  CHECK(v.value() == sql::kSchemaVersion);
  // A whole number of batches: never half of one transaction.
  int64_t copied = CountComments(dest);
  CHECK(copied >= 200 + 100);
  CHECK((copied - 200) % 20 == 0);

  SECTION("an existing file is never overwritten") {
    Status again = sql::Backup(*db.value(), dest);
    REQUIRE(!again.ok());
    CHECK_THAT(FormatErrors(again.errors()), Catch::Contains("already exists"));
    CHECK(CountComments(dest) == copied);
  }
}

TEST_CASE("a damaged or foreign file fails the check with its name", "[store][backup]") {
  TempDb tmp;
  const std::string junk = tmp.path() + ".junk";
  std::ofstream(junk) << "this is not a database, just words that look like nothing at all\n";
  auto v = sql::CheckDatabaseFile(junk);
  REQUIRE(!v.ok());
  CHECK_THAT(FormatErrors(v.errors()), Catch::Contains(junk));

  CHECK(!sql::CheckDatabaseFile(tmp.path() + ".absent").ok());

  // A real database with pages overwritten in the middle.
  {
    auto st = store::OpenSqliteStore(tmp.path());
    REQUIRE(st.ok());
    for (int i = 0; i < 500; ++i)
      REQUIRE(st.value()->Ingest(Req("c" + std::to_string(i), std::string(300, 'x'))).ok());
  }
  auto db = sql::Db::Open(tmp.path());
  REQUIRE(db.ok());
  const std::string copy = tmp.path() + ".copy";
  REQUIRE(sql::Backup(*db.value(), copy).ok());
  {
    std::fstream f(copy, std::ios::in | std::ios::out | std::ios::binary);
    f.seekp(4096 * 3);
    std::string garbage(4096 * 10, '\x5a');
    f.write(garbage.data(), static_cast<std::streamsize>(garbage.size()));
  }
  auto damaged = sql::CheckDatabaseFile(copy);
  REQUIRE(!damaged.ok());
  CHECK_THAT(FormatErrors(damaged.errors()), Catch::Contains(copy));
}

TEST_CASE("restore puts the backup in place and keeps the old file aside", "[store][backup]") {
  TempDb tmp;
  {
    auto st = store::OpenSqliteStore(tmp.path());
    REQUIRE(st.ok());
    REQUIRE(st.value()->Ingest(Req("before", "kept in the backup")).ok());
  }
  const std::string backup = tmp.path() + ".bak";
  {
    auto db = sql::Db::Open(tmp.path());
    REQUIRE(db.ok());
    REQUIRE(sql::Backup(*db.value(), backup).ok());
  }
  {
    auto st = store::OpenSqliteStore(tmp.path());
    REQUIRE(st.ok());
    REQUIRE(st.value()->Ingest(Req("after", "only in the live file")).ok());
  }
  auto aside = sql::RestoreFile(backup, tmp.path());
  REQUIRE(aside.ok());
  CHECK(CountComments(tmp.path()) == 1);
  REQUIRE(!aside.value().empty());
  CHECK(CountComments(aside.value()) == 2);  // nothing lost

  SECTION("a damaged backup is refused and the database is untouched") {
    std::ofstream(backup, std::ios::trunc) << "garbage";
    auto bad = sql::RestoreFile(backup, tmp.path());
    REQUIRE(!bad.ok());
    CHECK(CountComments(tmp.path()) == 1);
  }
}

TEST_CASE("migrating an old file takes a checked copy of it first", "[store][backup][upgrade]") {
  TempDb tmp;
  fs::copy_file(kOldFile, tmp.path());
  {
    auto st = store::OpenSqliteStore(tmp.path());
    REQUIRE(st.ok());
  }
  auto copies = Siblings(tmp.path(), "aasr.db.pre-v" + std::to_string(sql::kSchemaVersion) + "-");
  REQUIRE(copies.size() == 1);
  auto v = sql::CheckDatabaseFile(copies[0]);
  REQUIRE(v.ok());
  CHECK(v.value() == 4);  // the file as release 0.2.0 left it

  // Opening again migrates nothing and copies nothing.
  {
    auto st = store::OpenSqliteStore(tmp.path());
    REQUIRE(st.ok());
  }
  CHECK(Siblings(tmp.path(), "aasr.db.pre-v").size() == 1);

  SECTION("a fresh database is not copied") {
    TempDb fresh;
    auto st = store::OpenSqliteStore(fresh.path());
    REQUIRE(st.ok());
    CHECK(Siblings(fresh.path(), "aasr.db.pre-v").empty());
  }
}

TEST_CASE("aasr-bot db backup, check and restore", "[store][backup][cli]") {
  TempDb tmp;
  {
    auto st = store::OpenSqliteStore(tmp.path());
    REQUIRE(st.ok());
    REQUIRE(st.value()->Ingest(Req("one", "a comment")).ok());
  }
  const std::string backup = tmp.path() + ".bak";
  Run b = Sh(kBot + " db backup --db " + tmp.path() + " " + backup);
  CHECK(b.rc == 0);
  CHECK_THAT(b.out, Catch::Contains("written to " + backup));
  Run again = Sh(kBot + " db backup --db " + tmp.path() + " " + backup);
  CHECK(again.rc == 2);
  CHECK_THAT(again.out, Catch::Contains("already exists"));

  Run c = Sh(kBot + " db check " + backup);
  CHECK(c.rc == 0);
  CHECK_THAT(c.out, Catch::Contains("ok, schema version " + std::to_string(sql::kSchemaVersion)));

  Run r = Sh(kBot + " db restore --db " + tmp.path() + " " + backup);
  CHECK(r.rc == 0);
  CHECK_THAT(r.out, Catch::Contains("the previous file is at"));

  SECTION("restore refuses while a daemon holds the database lock") {
    // flock(1) holds the same kind of lock the daemon takes on <db>.lock.
    Run held = Sh("flock -n " + tmp.path() + ".lock " + kBot + " db restore --db " + tmp.path() +
                  " " + backup);
    CHECK(held.rc == 2);
    CHECK_THAT(held.out, Catch::Contains("stop the daemon"));
  }
  SECTION("no database: a clear error") {
    Run none = Sh(kBot + " db backup --db " + tmp.path() + ".nope " + backup + ".2");
    CHECK(none.rc == 2);
    CHECK_THAT(none.out, Catch::Contains("no such database"));
  }
}

TEST_CASE("aasr-bot authors export and erase, and db prune from the config", "[store][retention][cli]") {
  TempDb tmp;
  {
    auto st = store::OpenSqliteStore(tmp.path());
    REQUIRE(st.ok());
    store::NewComment c = MakeComment("one", "my phone is 555-0100, call me", "worried_mom");
    c.received_ms = 1'000;  // 1970: older than any retention
    REQUIRE(st.value()->Ingest({c, MakeVerdict("allow", "", 0), {}}).ok());
    REQUIRE(st.value()->Ingest(Req("two", "thank you")).ok());
  }
  Run e = Sh(kBot + " authors export --platform mastodon --author worried_mom --db " + tmp.path());
  CHECK(e.rc == 0);
  CHECK_THAT(e.out, Catch::Contains("my phone is 555-0100"));
  Run none = Sh(kBot + " authors export --platform mastodon --author '' --db " + tmp.path());
  CHECK(none.rc != 0);

  const std::string config = tmp.path() + ".yaml";
  std::ofstream(config) << "database: " << tmp.path()
                        << "\nretention: {allowed_comments_days: 30}\naccounts:\n"
                           "  - {name: local, platform: local, dir: "
                        << fs::path(tmp.path()).parent_path().string() << "}\n";
  Run p = Sh(kBot + " db prune --config " + config);
  CHECK(p.rc == 0);
  CHECK_THAT(p.out, Catch::Contains("blanked 1 allowed"));
  Run after = Sh(kBot + " authors export --platform mastodon --author worried_mom --db " + tmp.path());
  CHECK(after.out.find("555-0100") == std::string::npos);

  Run erase = Sh(kBot + " authors erase --platform mastodon --author parent_of_three --db " + tmp.path());
  CHECK(erase.rc == 0);
  CHECK_THAT(erase.out, Catch::Contains("erased the text and identity of 1 comment(s)"));
}
