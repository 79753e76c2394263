// What running on a server needs of `aasr-bot run` (issue 15 §1), on the real
// process: --version, SIGHUP reloads instead of killing, files it creates are
// the owner's only, and one daemon per database.
#include <signal.h>
#include <sys/stat.h>

#include <cstdio>
#include <filesystem>
#include <map>
#include <set>

#include <catch2/catch.hpp>
#include <nlohmann/json.hpp>

#include "bot/store/sqlite_store.h"
#include "bot/util/version.h"
#include "tests/daemon/daemon_process.h"

using namespace aasr;
using namespace aasr::testing;
using namespace std::chrono_literals;
using nlohmann::json;
namespace fs = std::filesystem;

namespace {

std::string Comment(const std::string& id, const std::string& text) {
  return json{{"id", id}, {"post", "local-post-1"}, {"text", text}, {"author", {{"id", "u-1"}, {"handle", "parent42"}}}}
      .dump();
}

// Remote ids of the comments stored, and of those queued for review.
std::pair<std::set<std::string>, std::set<std::string>> StoredAndQueued(const std::string& db) {
  std::set<std::string> stored, queued;
  auto st = store::OpenSqliteStore(db);
  REQUIRE(st.ok());
  REQUIRE(st.value()
              ->ForEachComment(0,
                               [&](const store::StoredComment& c, const std::optional<store::Item>& item) {
                                 stored.insert(c.remote_id);
                                 if (item) queued.insert(c.remote_id);
                                 return true;
                               })
              .ok());
  return {stored, queued};
}

std::string Run(const std::string& command) {
  std::string out;
  FILE* p = ::popen(command.c_str(), "r");
  REQUIRE(p != nullptr);
  char buf[256];
  while (size_t n = std::fread(buf, 1, sizeof buf, p)) out.append(buf, n);
  CHECK(::pclose(p) == 0);
  return out;
}

unsigned Mode(const fs::path& p) {
  struct stat st {};
  REQUIRE(::stat(p.c_str(), &st) == 0);
  return st.st_mode & 07777;
}

std::string Octal(unsigned mode) {
  char buf[8];
  std::snprintf(buf, sizeof buf, "%04o", mode);
  return buf;
}

}  // namespace

TEST_CASE("install: aasr-bot --version prints the one version from CMake", "[daemon][install]") {
  const std::string out = Run(BotExecutable() + " --version");
  CHECK(out == std::string("aasr-bot ") + kVersion + "\n");
  CHECK(std::string(kVersion) != "0.2.0");  // the stray second number is gone
}

TEST_CASE("install: SIGHUP reloads the rules at once and the daemon stays up", "[daemon][install]") {
  DaemonWorkspace ws("sighup");
  // The periodic check is an hour away: only SIGHUP can make the edit apply.
  std::string cfg = ws.DefaultConfig();
  cfg.replace(cfg.find("reload_seconds: 1"), 17, "reload_seconds: 3600");
  ws.WriteConfig(cfg);
  DaemonProcess d(ws);
  REQUIRE(d.Start());
  const std::string db = ws.File("var/aasr.db");
  ws.WriteFile("rules/zz_campaign.yaml",
               "rules:\n"
               "  - id: spam.fake-petition\n"
               "    category: spam\n"
               "    description: a known fake petition site\n"
               "    action: review\n"
               "    words: [petitionscam]\n");
  // Before the signal the new rule is not in force: the comment passes.
  ws.DropInbox("0001.jsonl", {Comment("c-before", "sign at petitionscam today")});
  REQUIRE(WaitFor([&] { return StoredAndQueued(db).first.count("c-before") == 1; }, 15s));
  CHECK(StoredAndQueued(db).second.count("c-before") == 0);

  REQUIRE(::kill(d.pid(), SIGHUP) == 0);
  INFO(ws.Log());
  REQUIRE(WaitFor([&] { return ws.Log().find("reloaded config/bot.yaml") != std::string::npos; }, 60s));
  CHECK(ws.Log().find("SIGHUP: reloading") != std::string::npos);
  ws.DropInbox("0002.jsonl", {Comment("c-after", "petitionscam again")});
  REQUIRE(WaitFor([&] { return StoredAndQueued(db).second.count("c-after") == 1; }, 15s));
  CHECK(d.Get("/healthz").status == 200);

  // Generous waits: under the sanitizers, compiling the shipped rules again
  // takes seconds on a busy machine (WaitFor returns as soon as it holds).
  // A second SIGHUP with nothing changed reloads again and harms nothing.
  REQUIRE(::kill(d.pid(), SIGHUP) == 0);
  REQUIRE(WaitFor([&] {
    const std::string log = ws.Log();
    size_t n = 0;
    for (size_t p = log.find("reloaded config/bot.yaml"); p != std::string::npos;
         p = log.find("reloaded config/bot.yaml", p + 1))
      ++n;
    return n == 2;
  }, 60s));
  CHECK(d.Get("/healthz").status == 200);
  CHECK(d.Terminate() == 0);  // SIGTERM still stops it cleanly
}

TEST_CASE("install: files the daemon creates are 0600 and its folders 0700", "[daemon][install]") {
  DaemonWorkspace ws("modes");
  std::string cfg = ws.DefaultConfig();
  cfg.replace(cfg.find("var/aasr.db"), 11, "state/db/aasr.db");
  ws.WriteConfig(cfg);
  DaemonProcess d(ws);
  REQUIRE(d.Start());
  // A threat: stored (WAL writes), queued and hidden (var/outbox/ written).
  ws.DropInbox("0001.jsonl", {Comment("c-threat", "I know where you live, Karen. Watch your back.")});
  REQUIRE(WaitFor([&] { return fs::exists(ws.File("var/outbox/moderation.jsonl")); }, 15s));
  const fs::path db = ws.File("state/db/aasr.db");
  REQUIRE(fs::exists(db.string() + "-wal"));
  REQUIRE(fs::exists(db.string() + "-shm"));

  std::map<std::string, std::string> modes;  // path under the workspace -> mode, for the failure message
  std::vector<fs::path> made = {ws.File("state"), ws.File("var/outbox")};
  for (const fs::path& top : made) {
    modes[fs::relative(top, ws.path()).string()] = Octal(Mode(top));
    for (const auto& e : fs::recursive_directory_iterator(top))
      modes[fs::relative(e.path(), ws.path()).string()] = Octal(Mode(e.path()));
  }
  std::string listing;
  for (const auto& [p, m] : modes) listing += m + " " + p + "\n";
  INFO(listing);
  for (const char* f : {"state/db/aasr.db", "state/db/aasr.db-wal", "state/db/aasr.db-shm", "state/db/aasr.db.lock",
                        "var/outbox/moderation.jsonl"})
    CHECK(modes[f] == "0600");
  for (const char* dir : {"state", "state/db", "var/outbox"}) CHECK(modes[dir] == "0700");
  for (const auto& [p, m] : modes) {
    const bool is_dir = fs::is_directory(ws.File(p));
    CHECK(m == (is_dir ? "0700" : "0600"));
  }
  CHECK(d.Terminate() == 0);
}

TEST_CASE("install: a second daemon on the same database refuses with exit 2 naming it and the holder's pid",
          "[daemon][install]") {
  DaemonWorkspace first_ws("lock-a");
  first_ws.WriteConfig(first_ws.DefaultConfig());
  const std::string db = first_ws.File("var/aasr.db");
  DaemonProcess first(first_ws);
  REQUIRE(first.Start());

  // Another workspace (own port, own inbox), the same database file.
  DaemonWorkspace second_ws("lock-b");
  std::string cfg = second_ws.DefaultConfig();
  cfg.replace(cfg.find("var/aasr.db"), 11, db);
  second_ws.WriteConfig(cfg);
  {
    DaemonProcess second(second_ws);
    second.Spawn();
    CHECK(second.Wait(15s) == 2);
    const std::string log = second_ws.Log();
    INFO(log);
    CHECK(log.find(db + ": in use by another aasr-bot (pid " + std::to_string(first.pid()) + ", lock file " + db +
                   ".lock)") != std::string::npos);
    CHECK(log.find("not started") != std::string::npos);
  }
  CHECK(first.Get("/healthz").status == 200);  // the holder is unharmed

  // A crash releases the lock (flock dies with the process): no stale lock.
  first.Kill();
  DaemonProcess second(second_ws);
  REQUIRE(second.Start());
  CHECK(second.Get("/healthz").status == 200);
  // And a clean stop releases it for the next one.
  CHECK(second.Terminate() == 0);
  DaemonProcess third(first_ws);
  REQUIRE(third.Start());
  CHECK(third.Terminate() == 0);
}

TEST_CASE("install: a database left 0644 by an older version is made 0600 at start", "[daemon][install]") {
  DaemonWorkspace ws("oldmodes");
  ws.WriteConfig(ws.DefaultConfig());
  const fs::path db = ws.File("var/aasr.db");
  {
    const mode_t old = ::umask(022);  // what versions before umask 077 produced
    auto st = store::OpenSqliteStore(db.string());
    ::umask(old);
    REQUIRE(st.ok());
  }
  fs::permissions(db, fs::perms(0644));
  REQUIRE(Octal(Mode(db)) == "0644");
  DaemonProcess d(ws);
  REQUIRE(d.Start());
  CHECK(Octal(Mode(db)) == "0600");
  for (const char* suffix : {"-wal", "-shm"})
    if (fs::exists(db.string() + suffix)) CHECK(Octal(Mode(db.string() + suffix)) == "0600");
  CHECK(d.Terminate() == 0);
}
