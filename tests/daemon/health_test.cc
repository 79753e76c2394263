// Health that tells the truth (issue 15 §5): /healthz fails (503) when the
// database cannot be written or intake has stalled, says only its verdict to
// strangers, /metrics needs this machine or a token, a damaged database is
// refused at start, repeated errors are one log line a minute, and intake
// keeps going when the wall clock is set back.
#include <sqlite3.h>

#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <thread>

#include <catch2/catch.hpp>
#include <nlohmann/json.hpp>

#include "bot/daemon/daemon.h"
#include "bot/daemon/health.h"
#include "bot/util/clock.h"
#include "tests/daemon/daemon_process.h"

using namespace aasr::testing;
using namespace std::chrono_literals;
using nlohmann::json;

namespace {

template <typename F>
bool WaitFor(F f, std::chrono::milliseconds timeout) {
  const auto end = std::chrono::steady_clock::now() + timeout;
  while (std::chrono::steady_clock::now() < end) {
    if (f()) return true;
    std::this_thread::sleep_for(20ms);
  }
  return f();
}

std::string Comment(const std::string& id, const std::string& text) {
  return json{{"id", id}, {"post", "local-post-1"}, {"text", text}, {"author", {{"id", "u-" + id}, {"handle", id}}}}
      .dump();
}

}  // namespace

TEST_CASE("healthz: 503 failing while the database cannot be written, ok again when it can") {
  DaemonWorkspace ws("health-locked");
  ws.WriteConfig(ws.DefaultConfig());
  DaemonProcess d(ws);
  REQUIRE(d.Start());
  REQUIRE(d.Get("/healthz").status == 200);
  // Another process takes the write lock and keeps it (as a stuck backup
  // script or a sqlite3 shell left open would).
  sqlite3* other = nullptr;
  REQUIRE(sqlite3_open(ws.File("var/aasr.db").c_str(), &other) == SQLITE_OK);
  REQUIRE(sqlite3_exec(other, "BEGIN IMMEDIATE", nullptr, nullptr, nullptr) == SQLITE_OK);
  auto locked = d.Get("/healthz");
  INFO(locked.body);
  CHECK(locked.status == 503);
  auto h = json::parse(locked.body);
  CHECK(h["status"] == "failing");
  CHECK(h["database"]["writable"] == false);
  CHECK(h["database"]["error"].get<std::string>().find("locked") != std::string::npos);
  sqlite3_exec(other, "ROLLBACK", nullptr, nullptr, nullptr);
  sqlite3_close(other);
  auto again = d.Get("/healthz");
  CHECK(again.status == 200);
  CHECK(json::parse(again.body)["database"]["writable"] == true);
  CHECK(d.Terminate() == 0);
}

TEST_CASE("healthz: strangers get the verdict only, and metrics need the token") {
  DaemonWorkspace ws("health-token");
  ws.WriteConfig(ws.DefaultConfig("health: {token_env: AASR_HEALTH_TOKEN}\n"));
  DaemonProcess d(ws, {}, {{"AASR_HEALTH_TOKEN", "s3cret-token-for-monitoring"}});
  REQUIRE(d.Start());
  // This machine, not forwarded: everything.
  CHECK(json::parse(d.Get("/healthz").body).contains("accounts"));
  CHECK(d.Get("/metrics").status == 200);
  // Through a proxy on this machine: a stranger.
  const std::vector<std::pair<std::string, std::string>> proxied = {{"X-Forwarded-For", "203.0.113.7"}};
  auto brief = d.Request("GET", "/healthz", "", proxied);
  CHECK(brief.status == 200);
  CHECK(json::parse(brief.body) == json{{"status", "ok"}});
  auto refused = d.Request("GET", "/metrics", "", proxied);
  CHECK(refused.status == 401);
  CHECK(refused.body.find("aasr_") == std::string::npos);
  CHECK(refused.Header("www-authenticate").find("Bearer") == 0);
  auto wrong = d.Request("GET", "/metrics", "", {{"X-Forwarded-For", "203.0.113.7"}, {"Authorization", "Bearer nope"}});
  CHECK(wrong.status == 401);
  auto with_token = d.Request("GET", "/metrics", "",
                              {{"X-Forwarded-For", "203.0.113.7"},
                               {"Authorization", "Bearer s3cret-token-for-monitoring"}});
  CHECK(with_token.status == 200);
  CHECK(with_token.body.find("aasr_build_info{version=") != std::string::npos);
  CHECK(with_token.body.find("process_resident_memory_bytes ") != std::string::npos);
  CHECK(with_token.body.find("aasr_database_bytes ") != std::string::npos);
  CHECK(with_token.body.find("aasr_queue_oldest_open_item_seconds ") != std::string::npos);
  CHECK(d.Terminate() == 0);
}

TEST_CASE("daemon: a damaged database is refused at start, naming the file and the way out") {
  DaemonWorkspace ws("health-damaged");
  ws.WriteConfig(ws.DefaultConfig());
  {
    DaemonProcess first(ws);
    REQUIRE(first.Start());
    ws.DropInbox("0001.jsonl", {Comment("c1", "I know where you live. Watch your back.")});
    REQUIRE(first.Terminate() == 0);
  }
  // Pages overwritten in the middle of the file (as a failing disk would).
  {
    std::FILE* f = std::fopen(ws.File("var/aasr.db").c_str(), "r+b");
    REQUIRE(f != nullptr);
    std::fseek(f, 0, SEEK_END);
    const long size = std::ftell(f);
    REQUIRE(size > 8192);
    std::string junk(static_cast<size_t>(size - 4096), '\x5a');
    std::fseek(f, 4096, SEEK_SET);
    std::fwrite(junk.data(), 1, junk.size(), f);
    std::fclose(f);
  }
  DaemonProcess d(ws);
  d.Spawn();
  const int code = d.Wait(20s);
  INFO(ws.Log());
  CHECK(code != 0);
  CHECK(code != -1);
  CHECK(ws.Log().find("aasr.db") != std::string::npos);
  CHECK(ws.Log().find("db restore") != std::string::npos);
}

TEST_CASE("health: an account is stalled when its last good poll is older than the allowed polls") {
  using aasr::daemon::AccountStatus;
  using aasr::daemon::StallLimitMs;
  aasr::config::Config::Health h;  // 3 polls, at least 120 s
  AccountStatus st;
  st.poll_seconds = 60;
  CHECK(StallLimitMs(st, h) == 180'000);
  st.poll_seconds = 1;
  CHECK(StallLimitMs(st, h) == 120'000);
  st.since_last_poll_ms = 119'000;
  CHECK_FALSE(aasr::daemon::Stalled(st, h));
  st.since_last_poll_ms = 121'000;
  CHECK(aasr::daemon::Stalled(st, h));
  // Never polled yet: judged from the runner's start.
  st.since_last_poll_ms = -1;
  st.running_for_ms = 5'000;
  CHECK_FALSE(aasr::daemon::Stalled(st, h));
  st.running_for_ms = 500'000;
  CHECK(aasr::daemon::Stalled(st, h));
}

TEST_CASE("daemon: setting the wall clock back an hour, then forward, freezes neither intake nor actions") {
  DaemonWorkspace ws("health-clock");
  ws.WriteConfig("base_dir: \"" + ws.path() + "\"\n" + ws.DefaultConfig());
  auto clock = std::make_shared<aasr::ManualClock>(1'795'000'000'000);
  aasr::daemon::DaemonOptions o;
  o.config_path = ws.File("config/bot.yaml");
  o.clock = clock;
  o.seed = 7;
  auto started = aasr::daemon::Daemon::Start(o);
  REQUIRE(started.ok());
  auto& daemon = *started.value();
  auto polled = [&] {
    const json h = daemon.HealthJson();
    for (const auto& a : h["accounts"])
      if (a["name"] == "local" && a["last_poll_ms"].get<int64_t>() > 0) return true;
    return false;
  };
  REQUIRE(WaitFor(polled, 10s));  // the first poll, at start
  clock->Set(clock->NowMs() - 3'600'000);  // an administrator sets the clock back an hour
  // A comment arrives, then five seconds pass (in this order: the runner
  // polls as soon as the time has passed, and must find the file there).
  ws.DropInbox("0001.jsonl", {Comment("c-after-step", "I know where you live. Watch your back.")});
  clock->Advance(5'000);
  auto stored = [&] { return daemon.MetricsText().find("aasr_comments_fetched_total{account=\"local\"} 1") != std::string::npos; };
  INFO(daemon.MetricsText());
  CHECK(WaitFor(stored, 10s));
  // The actions go on too: the threat is hidden (the issue saw moderators'
  // actions frozen for the hour along with intake).
  auto hidden = [&](const std::string& id) {
    return ws.ReadFile("var/outbox/moderation.jsonl").find("\"comment\":\"" + id + "\"") != std::string::npos;
  };
  CHECK(WaitFor([&] { return hidden("c-after-step"); }, 10s));
  // And the clock corrected forward two hours (NTP, or the administrator
  // again), with only five more seconds passing: nothing stops or races.
  clock->SetWall(clock->NowMs() + 7'200'000);
  ws.DropInbox("0002.jsonl", {Comment("c-after-forward", "I know where you live. Watch your back.")});
  clock->Advance(5'000);
  auto stored2 = [&] { return daemon.MetricsText().find("aasr_comments_fetched_total{account=\"local\"} 2") != std::string::npos; };
  CHECK(WaitFor(stored2, 10s));
  CHECK(WaitFor([&] { return hidden("c-after-forward"); }, 10s));
  CHECK(daemon.Stop(5s));
}

TEST_CASE("healthz: 503 while an account's intake is stalled, the others still ok") {
  DaemonWorkspace ws("health-stalled");
  // Nothing listens on the Graph API address: every poll of aasr-fb fails.
  DaemonWorkspace closed("health-closedport");
  ws.WriteConfig(ws.DefaultConfig(
      "  - name: aasr-fb\n"
      "    platform: facebook\n"
      "    page_id: \"104857600000001\"\n"
      "    graph: \"http://127.0.0.1:" + std::to_string(closed.port()) + "\"\n"
      "    token_env: TEST_FB_TOKEN\n"
      "    app_secret_env: TEST_FB_SECRET\n"
      "    verify_token_env: TEST_FB_VERIFY\n"
      "health: {stall_polls: 1, stall_min_seconds: 4}\n"));
  DaemonProcess d(ws, {}, {{"TEST_FB_TOKEN", "page-token"}, {"TEST_FB_SECRET", "app-secret"},
                           {"TEST_FB_VERIFY", "verify-me"}});
  d.Spawn();  // not Start(): that waits for a 200, which a slow start could miss
  REQUIRE(WaitFor([&] { return d.Get("/healthz").status != 0; }, 20s));
  // Within 4 s of its start with no good poll: stalled, and /healthz fails.
  aasr::testing::HttpAnswer h;
  REQUIRE(WaitFor([&] { return (h = d.Get("/healthz")).status == 503; }, 20s));
  INFO(h.body);
  const json body = json::parse(h.body);
  CHECK(body["status"] == "failing");
  CHECK(body["database"]["writable"] == true);
  bool saw_fb = false;
  for (const auto& a : body["accounts"]) {
    if (a["name"] == "local") CHECK(a["state"] == "ok");
    if (a["name"] == "aasr-fb") {
      saw_fb = true;
      CHECK(a["state"] == "stalled");
      CHECK(a["stalled_after_s"] == 4);
      CHECK_FALSE(a["last_error"].get<std::string>().empty());
    }
  }
  CHECK(saw_fb);
  // A monitor behind the proxy sees the failure too, without the details.
  auto brief = d.Request("GET", "/healthz", "", {{"X-Forwarded-For", "203.0.113.7"}});
  CHECK(brief.status == 503);
  CHECK(json::parse(brief.body) == json{{"status", "failing"}});
  CHECK(d.Terminate() == 0);
}


// A full disk (issue 15 §5: /healthz said ok, and 25,416 warning lines were
// logged per poll). The database lives on a tmpfs of a few MiB that a filler
// file then fills, so SQLite meets the real ENOSPC, not a simulation. Mounting
// needs root (CI and this machine run tests as root); elsewhere the case says
// why it did not run.
namespace {

struct TmpfsMount {
  std::string dir;
  bool mounted = false;
  explicit TmpfsMount(std::string d) : dir(std::move(d)) {
    std::filesystem::create_directories(dir);
    mounted = std::system(("mount -t tmpfs -o size=8m,mode=0700 tmpfs '" + dir + "' 2>/dev/null").c_str()) == 0;
  }
  ~TmpfsMount() {
    if (mounted) std::system(("umount -l '" + dir + "'").c_str());
  }
};

size_t CountLines(const std::string& log, const std::string& needle) {
  size_t n = 0;
  for (size_t at = log.find(needle); at != std::string::npos; at = log.find(needle, at + needle.size())) ++n;
  return n;
}

}  // namespace

TEST_CASE("healthz: 503 with the disk full, one log line a minute, and every comment taken in once there is room") {
  DaemonWorkspace ws("health-disk-full");
  TmpfsMount disk(ws.File("disk"));
  if (!disk.mounted) {
    WARN("not run: mounting a tmpfs needs root");
    return;
  }
  std::string config = ws.DefaultConfig();
  config.replace(config.find("var/aasr.db"), 11, "disk/aasr.db");
  ws.WriteConfig(config);
  DaemonProcess d(ws);
  REQUIRE(d.Start());
  REQUIRE(d.Get("/healthz").status == 200);

  // Fill what is left of the disk.
  {
    std::FILE* f = std::fopen(ws.File("disk/filler").c_str(), "wb");
    REQUIRE(f != nullptr);
    const std::string block(64 * 1024, 'x');
    while (std::fwrite(block.data(), 1, block.size(), f) == block.size() && std::fflush(f) == 0) {
    }
    // The last partial block: byte by byte until the disk refuses.
    while (std::fputc('x', f) != EOF && std::fflush(f) == 0) {
    }
    std::fclose(f);
  }
  std::vector<std::string> lines;
  for (int i = 0; i < 300; ++i)
    lines.push_back(Comment("full" + std::to_string(i),
                            i % 10 == 0 ? "I know where you live. Watch your back." : std::string(400, 'a' + i % 26)));
  ws.DropInbox("0001.jsonl", lines);

  REQUIRE(WaitFor([&] { return d.Get("/healthz").status == 503; }, 20s));
  auto h = json::parse(d.Get("/healthz").body);
  INFO(h.dump());
  CHECK(h["status"] == "failing");
  // Several polls (one a second) meet the full disk: the log says so once per
  // cause, not once per comment and poll.
  std::this_thread::sleep_for(5s);
  const std::string log = ws.Log();
  const size_t full_lines = CountLines(log, "full");
  INFO(log.substr(log.size() > 4000 ? log.size() - 4000 : 0));
  CHECK(full_lines >= 1);
  CHECK(full_lines <= 6);

  // Room again: health recovers and no comment is lost.
  std::filesystem::remove(ws.File("disk/filler"));
  CHECK(WaitFor([&] { return d.Get("/healthz").status == 200; }, 20s));
  CHECK(WaitFor(
      [&] {
        sqlite3* db = nullptr;
        if (sqlite3_open_v2(ws.File("disk/aasr.db").c_str(), &db, SQLITE_OPEN_READONLY, nullptr) != SQLITE_OK) {
          sqlite3_close(db);
          return false;
        }
        sqlite3_stmt* st = nullptr;
        int64_t n = -1;
        if (sqlite3_prepare_v2(db, "SELECT count(*) FROM comments WHERE remote_id LIKE 'full%'", -1, &st, nullptr) ==
                SQLITE_OK &&
            sqlite3_step(st) == SQLITE_ROW)
          n = sqlite3_column_int64(st, 0);
        sqlite3_finalize(st);
        sqlite3_close(db);
        return n == 300;
      },
      30s));
  CHECK(d.Terminate() == 0);
}
