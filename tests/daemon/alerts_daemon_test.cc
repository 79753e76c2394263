// Alerts from the running daemon (issue 11 §4): a crisis comment dropped
// into the local inbox reaches a REAL SMTP server (aiosmtpd, AUTH) with the
// item link and, excerpts being off for e-mail, none of the comment's words;
// /healthz, the status JSON and /metrics show the channel.
#include <thread>

#include <catch2/catch.hpp>
#include <nlohmann/json.hpp>

#include "tests/alerts/fake_chat.h"
#include "tests/alerts/smtp_sink.h"
#include "tests/daemon/daemon_process.h"
#include "tests/platforms/fake_facebook.h"

using namespace aasr::testing;
using namespace std::chrono_literals;
using nlohmann::json;

namespace {

std::string Comment(const std::string& id, const std::string& text) {
  return json{{"id", id}, {"post", "local-post-1"}, {"text", text}, {"author", {{"id", "u-" + id}, {"handle", "visitor" + id}}}}
      .dump();
}

std::string WithPublicUrl(const DaemonWorkspace& ws, const std::string& extra) {
  std::string c = ws.DefaultConfig(extra);
  const std::string from = "review: {listen: \"" + ws.url() + "\"}";
  c.replace(c.find(from), from.size(),
            "review: {listen: \"" + ws.url() + "\", public_url: \"https://review.aasr.example\"}");
  return c;
}

}  // namespace

TEST_CASE("a crisis comment dropped into the inbox reaches a real SMTP server with the link and no comment text",
          "[daemon][alerts][smtp]") {
  SmtpSink smtp("aasr-bot", "mail-pass-123");
  REQUIRE(smtp.ok());
  FakeChat hook(FakeChat::Kind::kWebhook, "hook-secret");
  DaemonWorkspace ws("alerts-smtp");
  ws.WriteConfig(WithPublicUrl(ws,
                               "alerts:\n"
                               "  channels:\n"
                               "    - {name: mods-mail, type: email, url: \"" + smtp.url() +
                                   "\", starttls: off, from: bot@aasr.example, to: [mods@aasr.example, oncall@aasr.example], "
                                   "username: aasr-bot, password_env: AASR_SMTP_PASSWORD}\n"
                                   "    - {name: hook, type: webhook, url: \"" + hook.url() +
                                   "\", secret_env: AASR_HOOK_SECRET}\n"
                                   "  routes:\n"
                                   "    - {events: [new_item], categories: [crisis], channels: [mods-mail]}\n"
                                   "    - {events: [new_item], channels: [hook]}\n"));
  DaemonProcess d(ws, {}, {{"AASR_SMTP_PASSWORD", "mail-pass-123"}, {"AASR_HOOK_SECRET", "hook-secret"}});
  REQUIRE(d.Start());
  const std::string words = "I can't go on anymore, tonight I am going to end my life";
  ws.DropInbox("crisis.jsonl", {Comment("c1", words), Comment("c2", "you are an idiot and a liar")});
  REQUIRE(WaitFor([&] { return !smtp.Messages().empty(); }, 20s));
  REQUIRE(WaitFor([&] { return hook.accepted().size() == 2; }, 20s));
  std::this_thread::sleep_for(1500ms);  // nothing more is coming
  auto mails = smtp.Messages();
  INFO(ws.Log());
  REQUIRE(mails.size() == 1);  // the insult is not routed to mail
  const std::string& m = mails[0];
  INFO(m);
  CHECK(m.find("X-Envelope-Auth: aasr-bot") != std::string::npos);
  CHECK(m.find("X-Envelope-To: mods@aasr.example,oncall@aasr.example") != std::string::npos);
  CHECK(m.find("Subject: [aasr-bot] CRISIS: New item #") != std::string::npos);
  CHECK(m.find("https://review.aasr.example/#item=") != std::string::npos);
  CHECK(m.find("Message-ID: <aasr-a") != std::string::npos);
  for (const char* w : {"tonight", "end my life", "go on", "anymore"}) CHECK(m.find(w) == std::string::npos);
  CHECK(hook.violations().empty());

  // The channel's state and counts where operators look.
  json health = json::parse(d.Get("/healthz").body);
  REQUIRE(health["alerts"].size() == 2);
  CHECK(health["alerts"][0]["name"] == "hook");
  CHECK(health["alerts"][1]["name"] == "mods-mail");
  CHECK(health["alerts"][1]["state"] == "ok");
  CHECK(health["status"] == "ok");
  std::string metrics = d.Get("/metrics").body;
  CHECK(metrics.find("aasr_alerts_total{channel=\"mods-mail\",outcome=\"sent\"} 1") != std::string::npos);
  CHECK(metrics.find("aasr_alerts_total{channel=\"hook\",outcome=\"sent\"} 2") != std::string::npos);
  CHECK(metrics.find("aasr_oldest_undecided_crisis_seconds ") != std::string::npos);
  CHECK(metrics.find("aasr_oldest_pending_item_seconds ") != std::string::npos);
  CHECK(d.Terminate() == 0);
}

TEST_CASE("a failing alert channel shows in /healthz with its error and does not hold up intake",
          "[daemon][alerts]") {
  FakeChat hook(FakeChat::Kind::kWebhook, "hook-secret");
  hook.set_mode(FakeChat::Mode::kDown);
  DaemonWorkspace ws("alerts-down");
  ws.WriteConfig(WithPublicUrl(ws,
                               "alerts:\n"
                               "  channels:\n"
                               "    - {name: hook, type: webhook, url: \"" + hook.url() +
                                   "\", secret_env: AASR_HOOK_SECRET}\n"
                                   "  routes:\n"
                                   "    - {channels: [hook]}\n"));
  DaemonProcess d(ws, {}, {{"AASR_HOOK_SECRET", "hook-secret"}});
  REQUIRE(d.Start());
  ws.DropInbox("a.jsonl", {Comment("c1", "you are an idiot and a liar")});
  REQUIRE(WaitFor([&] { return hook.answers_with(503) >= 1; }, 20s));
  REQUIRE(WaitFor([&] {
    json h = json::parse(d.Get("/healthz").body);
    return h["alerts"].size() == 1 && h["alerts"][0]["state"] == "failing";
  }, 10s));
  json h = json::parse(d.Get("/healthz").body);
  CHECK(h["status"] == "degraded");
  CHECK(h["alerts"][0]["last_error"].get<std::string>().find("503") != std::string::npos);
  // Intake goes on while the channel fails.
  ws.DropInbox("b.jsonl", {Comment("c2", "you are a moron")});
  REQUIRE(WaitFor([&] { return d.Get("/metrics").body.find("aasr_queue_items{state=\"pending\"} 2") != std::string::npos; }, 10s));
  hook.set_mode(FakeChat::Mode::kOk);
  REQUIRE(WaitFor([&] { return hook.accepted().size() == 2; }, 30s));
  CHECK(d.Terminate() == 0);
}

// Issue 13 item 15: an expired Page token does not heal by waiting; the
// account_down alert goes out at the first failed poll, not after
// alerts.account_down_minutes, and names the token.
TEST_CASE("an expired Facebook token raises account_down at once with the Graph error", "[daemon][alerts]") {
  FakeFacebook graph;
  graph.token_expired = true;
  FakeChat hook(FakeChat::Kind::kWebhook, "hook-secret");
  DaemonWorkspace ws("alerts-fb-auth");
  ws.WriteConfig(WithPublicUrl(ws,
                               "  - name: aasr-fb\n"
                               "    platform: facebook\n"
                               "    page_id: \"104857600000001\"\n"
                               "    graph: \"" + graph.url() + "\"\n"
                               "    token_env: TEST_FB_TOKEN\n"
                               "    app_secret_env: TEST_FB_SECRET\n"
                               "alerts:\n"
                               "  account_down_minutes: 600\n"
                               "  channels:\n"
                               "    - {name: hook, type: webhook, url: \"" + hook.url() +
                                   "\", secret_env: AASR_HOOK_SECRET}\n"
                                   "  routes:\n"
                                   "    - {channels: [hook]}\n"));
  DaemonProcess d(ws, {}, {{"AASR_HOOK_SECRET", "hook-secret"}, {"TEST_FB_TOKEN", "EAAG-page-token"},
                           {"TEST_FB_SECRET", "app-secret-xyz"}});
  REQUIRE(d.Start());
  REQUIRE(WaitFor([&] { return !hook.accepted_bodies().empty(); }, 30s));
  INFO(ws.Log());
  const std::string body = hook.accepted_bodies().front();
  INFO(body);
  CHECK(body.find("account_down") != std::string::npos);
  CHECK(body.find("aasr-fb") != std::string::npos);
  CHECK(body.find("the Page access token has expired") != std::string::npos);
  CHECK(body.find("EAAG-page-token") == std::string::npos);
  // One outage, one alert, however many polls fail.
  std::this_thread::sleep_for(3s);
  CHECK(hook.accepted_bodies().size() == 1);
  CHECK(d.Terminate() == 0);
}
