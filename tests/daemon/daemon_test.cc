// `aasr-bot run` as a real process: start, the embedded default's flow from
// inbox to queue, hot reload (valid and rejected), /healthz and /metrics,
// SIGTERM, and start-up failures that must be clear errors.
#include <filesystem>
#include <fstream>

#include <catch2/catch.hpp>
#include <nlohmann/json.hpp>

#include "bot/daemon/loaded.h"
#include "bot/platforms/facebook_webhook.h"
#include "bot/store/sqlite_store.h"
#include "tests/daemon/daemon_process.h"

using namespace aasr;
using namespace aasr::testing;
using namespace std::chrono_literals;
using nlohmann::json;

namespace {

std::string Comment(const std::string& id, const std::string& text, const std::string& handle = "parent42") {
  return json{{"id", id}, {"post", "local-post-1"}, {"text", text}, {"author", {{"id", "u-" + handle}, {"handle", handle}}}}
      .dump();
}

store::StorePtr OpenStore(const DaemonWorkspace& ws) {
  auto st = store::OpenSqliteStore(ws.File("var/aasr.db"));
  REQUIRE(st.ok());
  return st.value();
}

// Queue items (any state) by the comment's remote id.
std::map<std::string, store::Item> ItemsByRemoteId(const DaemonWorkspace& ws) {
  auto st = OpenStore(ws);
  std::map<std::string, store::Item> out;
  store::QueueFilter f;
  f.states = {store::ItemState::kPending, store::ItemState::kEscalated, store::ItemState::kApproved,
              store::ItemState::kRemoved};
  f.limit = 500;
  auto page = st->ListQueue(f);
  REQUIRE(page.ok());
  for (const auto& it : page.value().items) {
    auto c = st->GetComment(it.comment_id);
    REQUIRE(c.ok());
    out[c.value()->remote_id] = it;
  }
  return out;
}

int64_t StoredComments(const DaemonWorkspace& ws) {
  auto st = OpenStore(ws);
  int64_t n = 0;
  REQUIRE(st->ForEachComment(0, [&](const store::StoredComment&, const std::optional<store::Item>&) {
               ++n;
               return true;
             }).ok());
  return n;
}

// Starts the daemon with `database: db` (after writing 8 KiB of junk to
// `junk_file`, if given) and expects a refusal: exit 2, the log naming `named`.
void ExpectRefusedDatabase(const std::string& name, const std::string& db, const std::string& named,
                           const std::string& junk_file = "") {
  DaemonWorkspace ws(name);
  if (!junk_file.empty()) ws.WriteFile(junk_file, std::string(8192, 'x'));
  std::string cfg = ws.DefaultConfig();
  cfg.replace(cfg.find("var/aasr.db"), 11, db);
  ws.WriteConfig(cfg);
  DaemonProcess d(ws);
  d.Spawn();
  CHECK(d.Wait(15s) == 2);
  INFO(ws.Log());
  CHECK(ws.Log().find(named) != std::string::npos);
  CHECK(ws.Log().find("not started") != std::string::npos);
}

}  // namespace

TEST_CASE("daemon: an inbox comment is screened, stored and queued, a threat is hidden, grief passes",
          "[daemon]") {
  DaemonWorkspace ws("flow");
  ws.WriteConfig(ws.DefaultConfig());
  DaemonProcess d(ws);
  REQUIRE(d.Start());
  ws.DropInbox("0001.jsonl",
               {Comment("c-threat", "I know where you live, Karen. Watch your back.", "angry1"),
                Comment("c-grief", "Prone restraint killed Max Benson. My son was restrained and abused too.",
                        "mom_of_max")});
  REQUIRE(WaitFor([&] { return StoredComments(ws) == 2; }, 15s));
  auto items = ItemsByRemoteId(ws);
  INFO(ws.Log());
  REQUIRE(items.count("c-threat") == 1);
  CHECK(items.count("c-grief") == 0);  // allowed: never queued
  // The hide verdict reaches the platform (the local platform logs it).
  REQUIRE(WaitFor([&] { return ws.ReadFile("var/outbox/moderation.jsonl").find("c-threat") != std::string::npos; },
                  10s));
  CHECK(ws.ReadFile("var/outbox/moderation.jsonl").find("c-grief") == std::string::npos);
  REQUIRE(WaitFor([&] { return ItemsByRemoteId(ws)["c-threat"].hidden; }, 10s));

  auto metrics = d.Get("/metrics");
  REQUIRE(metrics.status == 200);
  CHECK(metrics.body.find("# TYPE aasr_comments_screened_total counter") != std::string::npos);
  CHECK(metrics.body.find("aasr_comments_screened_total{action=\"allow\",category=\"none\"} 1") != std::string::npos);
  CHECK(metrics.body.find("aasr_queue_items{state=\"pending\"} 1") != std::string::npos);
  CHECK(metrics.body.find("aasr_comment_to_hide_seconds_count{account=\"local\"} 1") != std::string::npos);
  auto health = json::parse(d.Get("/healthz").body);
  CHECK(health["status"] == "ok");
  CHECK(health["accounts"][0]["name"] == "local");
  CHECK(health["accounts"][0]["state"] == "ok");

  CHECK(d.Terminate() == 0);
  CHECK(ws.Log().find("stopped cleanly") != std::string::npos);
}

TEST_CASE("daemon: SIGTERM stops it within 10 s with exit 0, and a restart repeats nothing", "[daemon]") {
  DaemonWorkspace ws("sigterm");
  ws.WriteConfig(ws.DefaultConfig());
  {
    DaemonProcess d(ws);
    REQUIRE(d.Start());
    ws.DropInbox("0001.jsonl", {Comment("c1", "Thank you for sharing your story, Chantelle.")});
    REQUIRE(WaitFor([&] { return StoredComments(ws) == 1; }, 15s));
    const auto t0 = std::chrono::steady_clock::now();
    CHECK(d.Terminate(10s) == 0);
    CHECK(std::chrono::steady_clock::now() - t0 < 10s);
  }
  DaemonProcess again(ws);
  REQUIRE(again.Start());
  ws.DropInbox("0002.jsonl", {Comment("c2", "Our IEP meeting is next week.")});
  REQUIRE(WaitFor([&] { return StoredComments(ws) == 2; }, 15s));
  auto st = OpenStore(ws);
  auto cursor = st->GetCursor("comments", "local");
  REQUIRE(cursor.ok());
  REQUIRE(cursor.value().has_value());
  CHECK(cursor.value()->find("0002.jsonl") != std::string::npos);
  CHECK(again.Terminate() == 0);
}

TEST_CASE("daemon: a valid rule edit applies without a restart, a broken one is rejected whole", "[daemon]") {
  DaemonWorkspace ws("reload");
  ws.WriteConfig(ws.DefaultConfig());
  DaemonProcess d(ws);
  REQUIRE(d.Start());

  // Valid: a new rule file.
  ws.WriteFile("rules/zz_campaign.yaml",
               "rules:\n"
               "  - id: spam.fake-petition\n"
               "    category: spam\n"
               "    description: a known fake petition site\n"
               "    action: review\n"
               "    words: [petitionscam]\n");
  REQUIRE(WaitFor([&] { return ws.Log().find("reloaded config/bot.yaml") != std::string::npos; }, 15s));
  ws.DropInbox("0001.jsonl", {Comment("c-new-rule", "sign at petitionscam today")});
  REQUIRE(WaitFor([&] { return ItemsByRemoteId(ws).count("c-new-rule") == 1; }, 15s));

  // Broken: a syntax error. The log names file:line:column, /healthz says
  // degraded, and the rules in force keep working (the new rule included).
  ws.WriteFile("rules/zz_campaign.yaml", "rules:\n  - id: spam.fake-petition\n    words: [unclosed\n");
  REQUIRE(WaitFor([&] { return ws.Log().find("reload rejected") != std::string::npos; }, 15s));
  INFO(ws.Log());
  CHECK(ws.Log().find("rules/zz_campaign.yaml:") != std::string::npos);
  auto health = json::parse(d.Get("/healthz").body);
  CHECK(health["status"] == "degraded");
  CHECK(health["reload_errors"].get<int>() >= 1);
  ws.DropInbox("0002.jsonl", {Comment("c-still", "petitionscam again"),
                              Comment("c-old-rule", "I know where you live, Karen.")});
  REQUIRE(WaitFor([&] { return ItemsByRemoteId(ws).count("c-still") == 1; }, 15s));
  REQUIRE(WaitFor([&] { return ItemsByRemoteId(ws).count("c-old-rule") == 1; }, 15s));

  // Fixing the file clears the error.
  std::filesystem::remove(ws.File("rules/zz_campaign.yaml"));
  REQUIRE(WaitFor([&] { return json::parse(d.Get("/healthz").body)["status"] == "ok"; }, 15s));
  CHECK(d.Terminate() == 0);
}

TEST_CASE("daemon: start-up problems are clear errors with exit 2, never a crash", "[daemon]") {
  SECTION("config error at file:line:column") {
    DaemonWorkspace ws("badconfig");
    std::string cfg = ws.DefaultConfig();
    cfg.replace(cfg.find("seconds: 1"), 10, "seconds: soon");
    ws.WriteConfig(cfg);
    DaemonProcess d(ws);
    d.Spawn();
    CHECK(d.Wait(15s) == 2);
    INFO(ws.Log());
    CHECK(ws.Log().find("config/bot.yaml:5:20: seconds must be a whole number (polling)") != std::string::npos);
  }
  // Tests run as root, and chmod does not stop root: a directory made
  // read-only would still be writable. These paths fail for root too.
  SECTION("the database path is a directory") { ExpectRefusedDatabase("dbdir", "var", "var"); }
  SECTION("the database's directory is a regular file") {
    ExpectRefusedDatabase("dbunderfile", "var/plain/aasr.db", "var/plain/aasr.db", "var/plain");
  }
  SECTION("the database's directory is read-only for everyone (/proc)") {
    ExpectRefusedDatabase("dbproc", "/proc/aasr-test.db", "/proc/aasr-test.db");
  }
  SECTION("the database is not a database") {
    ExpectRefusedDatabase("dbjunk", "var/aasr.db", "var/aasr.db", "var/aasr.db");
  }
  SECTION("the database's directory does not exist: it is made") {
    DaemonWorkspace ws("dbnodir");
    std::string cfg = ws.DefaultConfig();
    cfg.replace(cfg.find("var/aasr.db"), 11, "nowhere/deeper/aasr.db");
    ws.WriteConfig(cfg);
    DaemonProcess d(ws);
    REQUIRE(d.Start());
    CHECK(std::filesystem::exists(ws.File("nowhere/deeper/aasr.db")));
    CHECK(d.Terminate() == 0);
  }
  SECTION("the database deleted between runs: a fresh one is made") {
    DaemonWorkspace ws("dbgone");
    ws.WriteConfig(ws.DefaultConfig());
    {
      DaemonProcess d(ws);
      REQUIRE(d.Start());
      CHECK(d.Terminate() == 0);
    }
    std::filesystem::remove(ws.File("var/aasr.db"));
    DaemonProcess d(ws);
    REQUIRE(d.Start());
    CHECK(d.Terminate() == 0);
  }
  SECTION("a schedule naming an unknown account") {
    DaemonWorkspace ws("badsched");
    ws.WriteFile("config/schedules.yaml",
                 "feeds: []\nschedules:\n  - account: nobody\n    platform: local\n    zone: Europe/Berlin\n");
    ws.WriteConfig(ws.DefaultConfig("schedules: config/schedules.yaml\n"));
    DaemonProcess d(ws);
    d.Spawn();
    CHECK(d.Wait(15s) == 2);
    INFO(ws.Log());
    CHECK(ws.Log().find("config/schedules.yaml:3:5: account 'nobody' is not in config/bot.yaml's accounts") !=
          std::string::npos);
  }
}

TEST_CASE("daemon: --log-format json writes one JSON object per line", "[daemon]") {
  DaemonWorkspace ws("jsonlog");
  std::string cfg = ws.DefaultConfig();
  cfg.replace(cfg.find("format: json"), 12, "format: text");
  ws.WriteConfig(cfg);
  DaemonProcess d(ws, {"--log-format", "json"});
  REQUIRE(d.Start());
  ws.DropInbox("0001.jsonl", {Comment("c1", "a \"quoted\" line\nwith a newline and \xF0\x9F\x92\x99")});
  REQUIRE(WaitFor([&] { return StoredComments(ws) == 1; }, 15s));
  CHECK(d.Terminate() == 0);
  std::istringstream lines(ws.Log());
  std::string line;
  int json_lines = 0;
  while (std::getline(lines, line)) {
    if (line.empty() || line[0] != '{') continue;  // the banner on stdout
    auto j = json::parse(line);
    CHECK(j.contains("time"));
    CHECK(j.contains("level"));
    CHECK(j.contains("component"));
    CHECK(j.contains("msg"));
    ++json_lines;
  }
  CHECK(json_lines >= 3);
}

TEST_CASE("daemon: the review UI's status view shows a rejected edit, the Outreach view the outbox", "[daemon]") {
  DaemonWorkspace ws("status");
  ws.WriteFile("config/schedules.yaml",
               "feeds:\n"
               "  - {name: sample, url: \"file:posts/samples/stories.rss\", max_age_hours: 87600,\n"
               "     poll_minutes: 1, post_backlog_on_first_run: true}\n"
               "schedules:\n"
               "  - {account: local, platform: local, zone: America/New_York, stories: {feeds: [sample]}}\n");
  ws.WriteConfig(ws.DefaultConfig("schedules: config/schedules.yaml\n"));
  // A moderator, made the way organizers do it (password on stdin).
  const std::string add = "cd " + ws.path() + " && printf 'correct horse battery' | " + BotExecutable() +
                          " users add maya --role admin --db var/aasr.db > /dev/null";
  REQUIRE(std::system(add.c_str()) == 0);
  DaemonProcess d(ws);
  REQUIRE(d.Start());

  auto login = d.Request("POST", "/api/login", R"({"user":"maya","password":"correct horse battery"})",
                         {{"Content-Type", "application/json"}});
  REQUIRE(login.status == 200);
  std::string cookie = login.Header("set-cookie");
  cookie = cookie.substr(0, cookie.find(';'));
  REQUIRE(cookie.rfind("aasr_session=", 0) == 0);
  const std::vector<std::pair<std::string, std::string>> auth = {{"Cookie", cookie}};

  auto status = json::parse(d.Request("GET", "/api/status", "", auth).body);
  CHECK(status["mode"] == "daemon");
  CHECK(status["accounts"][0]["name"] == "local");
  CHECK(status["reload"]["errors"].empty());
  CHECK(status["rules"]["count"].get<int>() > 10);

  // A broken graphics catalog: rejected whole, located, shown on the status view.
  const std::string graphics = ws.ReadFile("posts/graphics.yaml");
  ws.WriteFile("posts/graphics.yaml", graphics + "  - id: no-alt\n    file: graphics/kassa-support.png\n");
  REQUIRE(WaitFor([&] {
    return !json::parse(d.Request("GET", "/api/status", "", auth).body)["reload"]["errors"].empty();
  }, 15s));
  status = json::parse(d.Request("GET", "/api/status", "", auth).body);
  INFO(status.dump(2));
  const auto& e = status["reload"]["errors"][0];
  CHECK(e["file"].get<std::string>().find("posts/graphics.yaml") != std::string::npos);
  CHECK(e["line"].get<int>() > 1);
  CHECK(e["message"].get<std::string>().find("alt") != std::string::npos);
  ws.WriteFile("posts/graphics.yaml", graphics);
  REQUIRE(WaitFor([&] {
    return json::parse(d.Request("GET", "/api/status", "", auth).body)["reload"]["errors"].empty();
  }, 15s));

  // The Outreach view lists the outbox the daemon fills.
  HttpAnswer outreach;
  const bool listed = WaitFor([&] {
    outreach = d.Request("GET", "/api/outreach", "", auth);
    return outreach.status == 200 && outreach.body.find("\"kind\":\"story\"") != std::string::npos;
  }, 30s);
  INFO(outreach.status << " " << outreach.body);
  INFO(ws.Log());
  REQUIRE(listed);
  CHECK(d.Terminate() == 0);
}

TEST_CASE("daemon: Facebook webhooks feed the queue, and a failing account backs off while the rest go on",
          "[daemon]") {
  DaemonWorkspace ws("webhook");
  // Nothing listens on the Graph API address: polls and hides fail there.
  DaemonWorkspace closed("closedport");
  ws.WriteConfig(ws.DefaultConfig(
      "  - name: aasr-fb\n"
      "    platform: facebook\n"
      "    page_id: \"104857600000001\"\n"
      "    graph: \"http://127.0.0.1:" + std::to_string(closed.port()) + "\"\n"
      "    token_env: TEST_FB_TOKEN\n"
      "    app_secret_env: TEST_FB_SECRET\n"
      "    verify_token_env: TEST_FB_VERIFY\n"));
  DaemonProcess d(ws, {}, {{"TEST_FB_TOKEN", "page-token"}, {"TEST_FB_SECRET", "app-secret"},
                           {"TEST_FB_VERIFY", "verify-me"}});
  REQUIRE(d.Start());

  // The subscription handshake.
  auto hs = d.Get("/webhooks/facebook/aasr-fb?hub.mode=subscribe&hub.verify_token=verify-me&hub.challenge=1158201444");
  CHECK(hs.status == 200);
  CHECK(hs.body == "1158201444");
  CHECK(d.Get("/webhooks/facebook/aasr-fb?hub.mode=subscribe&hub.verify_token=nope&hub.challenge=1").status == 403);

  const std::string event =
      json{{"object", "page"},
           {"entry",
            {{{"id", "104857600000001"},
              {"time", 1790000000},
              {"changes",
               {{{"field", "feed"},
                 {"value",
                  {{"item", "comment"},
                   {"verb", "add"},
                   {"comment_id", "789_1001"},
                   {"post_id", "104857600000001_789"},
                   {"from", {{"id", "5550001"}, {"name", "Angry Visitor"}}},
                   {"message", "I know where you live, Karen."},
                   {"created_time", 1790000000}}}}}}}}}}
          .dump();
  // Nothing is trusted before the signature matches.
  CHECK(d.Request("POST", "/webhooks/facebook/aasr-fb", event, {{"Content-Type", "application/json"}}).status ==
        401);
  CHECK(d.Request("POST", "/webhooks/facebook/aasr-fb", event,
                  {{"Content-Type", "application/json"}, {"X-Hub-Signature-256", "sha256=00"}})
            .status == 403);
  CHECK(StoredComments(ws) == 0);
  const std::string sig = "sha256=" + platforms::HmacSha256Hex("app-secret", event);
  auto ok = d.Request("POST", "/webhooks/facebook/aasr-fb", event,
                      {{"Content-Type", "application/json"}, {"X-Hub-Signature-256", sig}});
  CHECK(ok.status == 200);
  REQUIRE(WaitFor([&] { return ItemsByRemoteId(ws).count("789_1001") == 1; }, 15s));

  // A benign comment edited into a threat: the edit is screened and queued
  // (the Page's feed webhook sends verb "edited" with the new message).
  auto change = [&](const std::string& verb, const std::string& id, const std::string& message) {
    json value = {{"item", "comment"}, {"verb", verb}, {"comment_id", id}, {"post_id", "104857600000001_789"},
                  {"from", {{"id", "5550002"}, {"name", "Visitor"}}}, {"created_time", 1790000100}};
    if (!message.empty()) value["message"] = message;
    const std::string body =
        json{{"object", "page"},
             {"entry", {{{"id", "104857600000001"}, {"time", 1790000100}, {"changes", {{{"field", "feed"}, {"value", value}}}}}}}}
            .dump();
    return d.Request("POST", "/webhooks/facebook/aasr-fb", body,
                     {{"Content-Type", "application/json"},
                      {"X-Hub-Signature-256", "sha256=" + platforms::HmacSha256Hex("app-secret", body)}})
        .status;
  };
  CHECK(change("add", "789_1002", "Thank you for sharing this.") == 200);
  REQUIRE(WaitFor([&] { return StoredComments(ws) == 2; }, 15s));
  CHECK(ItemsByRemoteId(ws).count("789_1002") == 0);
  CHECK(change("edited", "789_1002", "I know where you live, Karen.") == 200);
  REQUIRE(WaitFor([&] { return ItemsByRemoteId(ws).count("789_1002") == 1; }, 15s));
  CHECK(StoredComments(ws) == 2);  // the same comment, not a second one

  // The Facebook account cannot reach its server: it backs off and says why;
  // the local account goes on.
  REQUIRE(WaitFor([&] {
    auto h = json::parse(d.Get("/healthz").body);
    for (const auto& a : h["accounts"])
      if (a["name"] == "aasr-fb" && a["state"] == "backoff") return true;
    return false;
  }, 20s));
  auto health = json::parse(d.Get("/healthz").body);
  INFO(health.dump(2));
  CHECK(health["status"] == "degraded");
  for (const auto& a : health["accounts"]) {
    if (a["name"] == "local") CHECK(a["state"] == "ok");
    if (a["name"] == "aasr-fb") CHECK_FALSE(a["last_error"].get<std::string>().empty());
  }
  ws.DropInbox("0001.jsonl", {Comment("c-local", "I know where you live, Karen.")});
  REQUIRE(WaitFor([&] { return ItemsByRemoteId(ws).count("c-local") == 1; }, 15s));
  CHECK(d.Get("/metrics").body.find("aasr_platform_api_errors_total{account=\"aasr-fb\"}") != std::string::npos);
  CHECK(d.Terminate() == 0);
}
