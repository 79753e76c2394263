// Health that tells the truth (issue 15 §5): /healthz fails (503) when the
// database cannot be written or intake has stalled, says only its verdict to
// strangers, /metrics needs this machine or a token, a damaged database is
// refused at start, repeated errors are one log line a minute, and intake
// keeps going when the wall clock is set back.
#include <sqlite3.h>

#include <chrono>
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

TEST_CASE("daemon: setting the wall clock back an hour does not freeze intake") {
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
  clock->Advance(5'000);                   // and five seconds pass
  ws.DropInbox("0001.jsonl", {Comment("c-after-step", "I know where you live. Watch your back.")});
  auto stored = [&] { return daemon.MetricsText().find("aasr_comments_fetched_total{account=\"local\"} 1") != std::string::npos; };
  INFO(daemon.MetricsText());
  CHECK(WaitFor(stored, 10s));
  CHECK(daemon.Stop(5s));
}

