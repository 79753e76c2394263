// The alert model: routing by event, category and priority; quiet hours and
// digests in the channel's time zone; excerpts; the alerts config's errors.
#include <catch2/catch.hpp>

#include "bot/alerts/alert.h"
#include "bot/alerts/channel.h"

using namespace aasr;
using namespace aasr::alerts;

namespace {

config::Config Load(const std::string& yaml, Errors* errors = nullptr) {
  auto env = [](const std::string& name) -> std::optional<std::string> {
    if (name == "SLACK_URL") return "https://hooks.slack.com/services/T1/B1/xyz";
    if (name == "HOOK_SECRET") return "s3cret";
    if (name == "MATRIX_TOKEN") return "syt_abc";
    if (name == "SMTP_PASSWORD") return "pw";
    return std::nullopt;
  };
  auto c = config::LoadConfigString(yaml, "bot.yaml", env);
  if (errors) {
    if (!c.ok()) *errors = c.errors();
    return c.ok() ? c.value() : config::Config{};
  }
  if (!c.ok()) FAIL(FormatErrors(c.errors()));
  return c.value();
}

const char* kConfig = R"(review:
  public_url: "https://review.aasr.example/"
alerts:
  crisis_undecided_minutes: 10
  channels:
    - {name: mods-mail, type: email, url: "smtp://mail.aasr.example:587", from: bot@aasr.example, to: [mods@aasr.example], username: bot, password_env: SMTP_PASSWORD}
    - {name: chat, type: slack, url_env: SLACK_URL, excerpt: 40, digest: hourly, quiet_hours: {from: "22:00", to: "07:00", time_zone: Europe/Paris}}
    - {name: oncall, type: matrix, url: "https://matrix.aasr.example", room: "!alerts:example.org", token_env: MATRIX_TOKEN}
  routes:
    - {events: [new_item], categories: [crisis], channels: [mods-mail, oncall]}
    - {events: [new_item, escalated], priorities: [high, urgent], channels: [chat, mods-mail]}
    - {events: [crisis_undecided], channels: [oncall]}
    - {events: [account_down, post_failed, reload_rejected], channels: [chat]}
)";

Event Item(const std::string& kind, std::vector<std::string> cats, int priority, bool crisis = false) {
  Event e;
  e.kind = kind;
  e.item_id = 7;
  e.categories = std::move(cats);
  e.priority = priority;
  e.crisis = crisis;
  e.platform = "mastodon";
  e.text = "I can't do this anymore, tonight I will end it";
  return e;
}

// 2026-07-01 (summer time in Paris, UTC+2) at hh:mm UTC.
int64_t July(int hh, int mm) { return (1782864000LL + hh * 3600 + mm * 60) * 1000; }

}  // namespace

TEST_CASE("the alerts config loads channels, routes and review.public_url", "[alerts][config]") {
  config::Config c = Load(kConfig);
  CHECK(c.review_public_url == "https://review.aasr.example");
  REQUIRE(c.alerts.channels.size() == 3);
  CHECK(c.alerts.channels[0].kind == config::ChannelKind::kEmail);
  CHECK(c.alerts.channels[0].excerpt == 0);  // e-mail: off by default
  CHECK(c.alerts.channels[0].password == "pw");
  CHECK(c.alerts.channels[0].starttls == "required");
  CHECK(c.alerts.channels[1].url == "https://hooks.slack.com/services/T1/B1/xyz");
  CHECK(c.alerts.channels[1].excerpt == 40);
  CHECK(c.alerts.channels[1].quiet.from_minute == 22 * 60);
  CHECK(c.alerts.channels[1].quiet.to_minute == 7 * 60);
  CHECK(c.alerts.channels[2].token == "syt_abc");
  CHECK(c.alerts.crisis_undecided_minutes == 10);
  REQUIRE(c.alerts.routes.size() == 4);
  CHECK(c.alerts.routes[1].priorities == std::vector<int>{2, 3});
}

TEST_CASE("alerts config mistakes are errors at their file:line:column", "[alerts][config]") {
  Errors e;
  Load(R"(alerts:
  channels:
    - {name: chat, type: slak, url: "https://x.example"}
    - {name: mail, type: email, url: "http://mail.example", from: a@b.example, to: [c@d.example]}
    - {name: hook, type: webhook, url: "https://x.example/h", secret_env: NOPE_UNSET}
    - {name: late, type: ntfy, url: "https://ntfy.example/t", quiet_hours: {from: "25:00", to: "07:00", time_zone: Mars/Olympus}}
    - {name: leak, type: slack, url: "https://hooks.slack.com/services/T/B/x", url_env: SLACK_URL}
  routes:
    - {events: [new_itme], channels: [mial]}
)",
       &e);
  std::string all = FormatErrors(e);
  INFO(all);
  CHECK(all.find("bot.yaml:3:") != std::string::npos);
  CHECK(all.find("unknown channel type 'slak' (did you mean 'slack'?)") != std::string::npos);
  CHECK(all.find("bot.yaml:4:") != std::string::npos);
  CHECK(all.find("is not an smtp:// or smtps:// server URL") != std::string::npos);
  CHECK(all.find("environment variable NOPE_UNSET (secret_env) is not set") != std::string::npos);
  CHECK(all.find("from must be a time of day HH:MM, not '25:00'") != std::string::npos);
  CHECK(all.find("unknown time zone 'Mars/Olympus'") != std::string::npos);
  CHECK(all.find("a slack webhook URL is a secret") != std::string::npos);
  CHECK(all.find("bot.yaml:9:") != std::string::npos);
  CHECK(all.find("unknown events 'new_itme' (did you mean 'new_item'?)") != std::string::npos);
  CHECK(all.find("no alert channel named 'mial' (did you mean 'mail'?)") != std::string::npos);
}

TEST_CASE("routing picks channels by event, category and priority, each once", "[alerts][routing]") {
  config::Config c = Load(kConfig);
  Router r(c.alerts, c.review_public_url);
  CHECK(r.ChannelsFor(Item(kNewItem, {"crisis"}, 3, true)) == std::vector<std::string>{"mods-mail", "oncall", "chat"});
  CHECK(r.ChannelsFor(Item(kNewItem, {"harassment"}, 2)) == std::vector<std::string>{"chat", "mods-mail"});
  CHECK(r.ChannelsFor(Item(kNewItem, {"spam"}, 1)).empty());
  CHECK(r.ChannelsFor(Item(kEscalated, {"spam"}, 2)) == std::vector<std::string>{"chat", "mods-mail"});
  CHECK(r.ChannelsFor(Item(kCrisisUndecided, {"crisis"}, 3, true)) == std::vector<std::string>{"oncall"});
  Event down;
  down.kind = kAccountDown;
  down.subject = "aasr-masto";
  CHECK(r.ChannelsFor(down) == std::vector<std::string>{"chat"});
  Event test;
  test.kind = kTest;
  CHECK(r.ChannelsFor(test).empty());
  CHECK(r.ItemLink(7) == "https://review.aasr.example/#item=7");
}

TEST_CASE("quiet hours span midnight in the channel's time zone", "[alerts][quiet]") {
  config::QuietHours q{22 * 60, 7 * 60, "Europe/Paris"};
  CHECK_FALSE(InQuietHours(q, July(19, 59)));  // 21:59 in Paris
  CHECK(InQuietHours(q, July(20, 0)));         // 22:00 in Paris
  CHECK(InQuietHours(q, July(23, 30)));        // 01:30 the next day
  CHECK_FALSE(InQuietHours(q, July(5, 0)));    // 07:00 in Paris
  CHECK(QuietEnds(q, July(20, 15)) == July(24 + 5, 0));  // 07:00 Paris the next morning
  CHECK(QuietEnds(q, July(3, 0)) == July(5, 0));         // 05:00 Paris: ends at 07:00 that day
  CHECK(QuietEnds(q, July(12, 0)) == July(12, 0));       // not quiet: now
  // Winter: Paris is UTC+1, so the same local hours are an hour later in UTC.
  const int64_t jan1 = 1767225600LL * 1000;  // 2026-01-01 00:00 UTC = 01:00 Paris
  CHECK(InQuietHours(q, jan1));
  CHECK(QuietEnds(q, jan1) == jan1 + 6 * 3600 * 1000);  // 07:00 Paris = 06:00 UTC
}

TEST_CASE("non-urgent alerts wait for the digest or the end of quiet hours, crisis goes at once", "[alerts][quiet][digest]") {
  config::Config c = Load(kConfig);
  Router r(c.alerts, c.review_public_url);
  const config::AlertChannel& chat = *c.alerts.FindChannel("chat");     // hourly digest, quiet 22-07 Paris
  const config::AlertChannel& mail = *c.alerts.FindChannel("mods-mail");  // neither
  // 12:20 Paris: the next whole hour.
  auto p = r.Schedule(chat, Item(kNewItem, {"harassment"}, 2), July(10, 20));
  CHECK(p.digest);
  CHECK(p.due_ms == July(11, 0));
  // 21:30 Paris: the 22:00 digest falls in quiet hours, so it waits for 07:00.
  p = r.Schedule(chat, Item(kNewItem, {"harassment"}, 2), July(19, 30));
  CHECK(p.digest);
  CHECK(p.due_ms == July(24 + 5, 0));
  // Crisis and urgent: at once, at 03:00 Paris too.
  p = r.Schedule(chat, Item(kNewItem, {"crisis"}, 3, true), July(1, 0));
  CHECK_FALSE(p.digest);
  CHECK(p.due_ms == July(1, 0));
  p = r.Schedule(chat, Item(kNewItem, {"threat"}, 3), July(1, 0));
  CHECK_FALSE(p.digest);
  p = r.Schedule(mail, Item(kNewItem, {"harassment"}, 2), July(1, 0));
  CHECK_FALSE(p.digest);
  CHECK(p.due_ms == July(1, 0));
  // A daily digest at digest_hour local.
  config::AlertChannel daily = chat;
  daily.digest = "daily";
  daily.digest_hour = 9;
  daily.quiet = {-1, -1, "Europe/Paris"};
  CHECK(NextDigest(daily, July(6, 0)) == July(7, 0));        // 08:00 Paris -> 09:00 today
  CHECK(NextDigest(daily, July(8, 0)) == July(24 + 7, 0));   // 10:00 Paris -> 09:00 tomorrow
}

TEST_CASE("an alert carries the item link and at most the channel's excerpt", "[alerts][render]") {
  config::Config c = Load(kConfig);
  Router r(c.alerts, c.review_public_url);
  Event e = Item(kNewItem, {"crisis"}, 3, true);
  Message mail = Render(e, *c.alerts.FindChannel("mods-mail"), r, "k1");
  CHECK(mail.text.find("https://review.aasr.example/#item=7") != std::string::npos);
  CHECK(mail.text.find("end it") == std::string::npos);
  CHECK(mail.text.find("anymore") == std::string::npos);
  CHECK(mail.title.find("CRISIS") == 0);
  Message chat = Render(e, *c.alerts.FindChannel("chat"), r, "k2");
  CHECK(chat.text.find("\"I can't do this anymore, tonight I will…\"") != std::string::npos);
  CHECK(Excerpt("héllo wörld", 5) == "héllo…");
  CHECK(Excerpt("short", 10) == "short");
  CHECK(Excerpt("anything", 0).empty());
  CHECK(Excerpt("two\nlines", 20) == "two lines");
}

TEST_CASE("a flood summary counts by kind and category with crisis first", "[alerts][render][flood]") {
  config::Config c = Load(kConfig);
  Router r(c.alerts, c.review_public_url);
  std::vector<Event> events;
  for (int i = 0; i < 499; ++i) {
    Event e = Item(kNewItem, {"spam"}, 1);
    e.item_id = 100 + i;
    events.push_back(e);
  }
  Event cr = Item(kNewItem, {"crisis"}, 3, true);
  cr.item_id = 9999;
  events.push_back(cr);
  Message m = RenderBatch(events, "summary", *c.alerts.FindChannel("chat"), r, "s1");
  CHECK(m.count == 500);
  CHECK(m.crisis);
  CHECK(m.title == "CRISIS: 500 alerts in the last minute");
  CHECK(m.text.find("new_item: 500") != std::string::npos);
  CHECK(m.text.find("crisis 1, spam 499") != std::string::npos);
  // The crisis item is the first link.
  CHECK(m.text.find("#item=9999") < m.text.find("#item=100"));
  CHECK(m.text.find("tonight") == std::string::npos);  // no comment text in summaries
}

TEST_CASE("mail text has the dedupe key as Message-ID and CRLF lines", "[alerts][email]") {
  config::Config c = Load(kConfig);
  Router r(c.alerts, c.review_public_url);
  Message m = Render(Item(kNewItem, {"crisis"}, 3, true), *c.alerts.FindChannel("mods-mail"), r, "aasr-a12-mods-mail");
  std::string text = MailText(*c.alerts.FindChannel("mods-mail"), m, July(10, 0), "bot.aasr.example");
  CHECK(text.find("Message-ID: <aasr-a12-mods-mail@bot.aasr.example>\r\n") != std::string::npos);
  CHECK(text.find("Subject: [aasr-bot] CRISIS: New item #7") != std::string::npos);
  CHECK(text.find("To: mods@aasr.example\r\n") != std::string::npos);
  CHECK(text.find("\r\n\r\n") != std::string::npos);
  CHECK(text.find("#item=7\r\n") != std::string::npos);
}

TEST_CASE("the webhook signature is HMAC-SHA256 over timestamp and body", "[alerts][webhook]") {
  // Computed independently: python3 hmac.new(b"Jefe", b"0.what do ya want for nothing?", sha256).
  CHECK(WebhookSignature("Jefe", 0, "what do ya want for nothing?") ==
        "t=0,v1=37f471929915ccd2cbbe79feb84ffcff4f2bb25e15fc41c2506687331ae179cc");
  CHECK(WebhookSignature("Jefe", 0, "x") != WebhookSignature("Jefe", 1, "x"));
  CHECK(WebhookSignature("Jefe", 5, "x") == WebhookSignature("Jefe", 5, "x"));
}
