// The review API over real HTTP on loopback: sessions, CSRF, roles, rate
// limits, 409 on concurrent decisions, undo, audit, mounting extra routes,
// and logs that never show a secret.
#define CATCH_CONFIG_MAIN
#include <catch2/catch.hpp>

#include <fstream>
#include <sstream>
#include <thread>

#include "http_fixture.h"
#include "aasr/build_paths.h"

using namespace aasr::review_test;

TEST_CASE("login sets an HttpOnly SameSite=Strict cookie - bad passwords are refused",
          "[review][http][auth]") {
  Fixture f;
  Client c(f.base);
  CHECK(c.Call("GET", "/api/queue").status == 401);
  Reply bad = c.Login("ana", "wrong password");
  CHECK(bad.status == 401);
  CHECK(bad.body["code"] == "bad_credentials");
  CHECK(c.Login("nobody", "whatever-it-is").status == 401);
  Reply ok = c.Login("ana", "password-of-ana");
  REQUIRE(ok.status == 200);
  std::string cookie = ok.headers["Set-Cookie"];
  CHECK_THAT(cookie, Catch::Contains("aasr_session="));
  CHECK_THAT(cookie, Catch::Contains("HttpOnly"));
  CHECK_THAT(cookie, Catch::Contains("SameSite=Strict"));
  CHECK_THAT(ok.headers["Content-Security-Policy"], Catch::Contains("script-src 'self'"));
  CHECK_THAT(ok.headers["Content-Security-Policy"], !Catch::Contains("unsafe-inline"));
  CHECK(ok.body["role"] == "moderator");
  CHECK(c.Call("GET", "/api/queue").status == 200);
  Reply session = c.Call("GET", "/api/session");
  CHECK(session.body["csrf"] == c.csrf());

  SECTION("sessions expire") {
    f.clock->Advance(13LL * 3600 * 1000);
    CHECK(c.Call("GET", "/api/queue").status == 401);
  }
  SECTION("logout ends the session") {
    CHECK(c.Call("POST", "/api/logout").status == 200);
    CHECK(c.Call("GET", "/api/queue").status == 401);
  }
  SECTION("no password, token or cookie in the log") {
    std::string log = f.log.str();
    CHECK_THAT(log, Catch::Contains("login: ana"));
    CHECK_THAT(log, !Catch::Contains("password-of-ana"));
    CHECK_THAT(log, !Catch::Contains("wrong password"));
    CHECK_THAT(log, !Catch::Contains(c.cookie().substr(c.cookie().find('=') + 1)));
    CHECK_THAT(log, !Catch::Contains(c.csrf()));
  }
}

TEST_CASE("logins are slowed per user and address after 5 failures", "[review][http][auth]") {
  Fixture f;
  Client c(f.base);
  for (int i = 0; i < 5; ++i) CHECK(c.Login("ben", "guess " + std::to_string(i)).status == 401);
  Reply limited = c.Login("ben", "password-of-ben");  // even the right one waits
  CHECK(limited.status == 429);
  CHECK(limited.headers["Retry-After"] == "1");
  CHECK(c.Login("ana", "password-of-ana").status == 200);  // others are not locked out
  f.clock->Advance(1000);                                   // a delay, not a lockout
  CHECK(c.Login("ben", "password-of-ben").status == 200);
}

TEST_CASE("state changes need the CSRF header", "[review][http][csrf]") {
  Fixture f;
  int64_t id = f.Ingest("c1", "You are an idiot");
  Client c = f.LoggedIn("ana");
  Reply no_csrf = c.Call("POST", "/api/items/" + std::to_string(id) + "/decision",
                         json{{"decision", "remove"}}, /*send_csrf=*/false);
  CHECK(no_csrf.status == 403);
  CHECK(no_csrf.body["code"] == "csrf");
  CHECK(f.st->GetItem(id).value()->state == store::ItemState::kPending);
  CHECK(c.Call("POST", "/api/items/" + std::to_string(id) + "/decision",
               json{{"decision", "remove"}}).status == 200);
}

TEST_CASE("queue, item view with spans, history and the post answered", "[review][http]") {
  Fixture f;
  f.Ingest("c1", "You are an idiot", "facebook", "troll");
  int64_t crisis = f.Ingest("c2", "some days I want to die", "facebook", "parent");
  int64_t spam = f.Ingest("c3", "Crypto giveaway! double your bitcoin", "facebook", "troll");
  f.Ingest("c4", "Thank you for the seclusion report", "facebook", "troll");  // allowed
  Client c = f.LoggedIn("ana");
  Reply q = c.Call("GET", "/api/queue");
  REQUIRE(q.status == 200);
  REQUIRE(q.body["items"].size() == 3);
  CHECK(q.body["items"][0]["id"] == crisis);
  CHECK(q.body["items"][0]["crisis"] == true);
  CHECK_THAT(q.body["support_wording"].get<std::string>(), Catch::Contains("988"));
  CHECK(q.body["items"][1]["id"] == spam);
  Reply filtered = c.Call("GET", "/api/queue?category=spam");
  CHECK(filtered.body["items"].size() == 1);
  Reply searched = c.Call("GET", "/api/queue?q=IDIOT");
  CHECK(searched.body["items"].size() == 1);
  Reply paged = c.Call("GET", "/api/queue?limit=2");
  REQUIRE(paged.body["items"].size() == 2);
  Reply rest = c.Call("GET", "/api/queue?limit=2&cursor=" + paged.body["next_cursor"].get<std::string>());
  CHECK(rest.body["items"].size() == 1);
  CHECK(c.Call("GET", "/api/queue?cursor=zzz").status == 400);
  CHECK(c.Call("GET", "/api/queue?priority=extreme").status == 400);

  Reply item = c.Call("GET", "/api/items/" + std::to_string(spam));
  REQUIRE(item.status == 200);
  CHECK(item.body["comment"]["text"] == "Crypto giveaway! double your bitcoin");
  CHECK(item.body["post"]["text"] == "Seclusion rooms are not classrooms");
  auto spans = item.body["verdict"]["matches"][0]["spans"];
  REQUIRE(spans.size() >= 1);
  CHECK(spans[0][0] == 0);
  CHECK(spans[0][1] == 15);
  CHECK(item.body["history"].size() == 1);  // the insult by the same author
  CHECK(item.body["actions"][0]["kind"] == "hide");  // `hide` rule on Facebook
  CHECK(c.Call("GET", "/api/items/9999").status == 404);
  CHECK(c.Call("GET", "/api/items/abc").status == 404);
}

TEST_CASE("two moderators decide the same item at once over HTTP: one 200, one 409",
          "[review][http][race]") {
  Fixture f;
  Client ana = f.LoggedIn("ana");
  Client ben = f.LoggedIn("ben");
  for (int round = 0; round < 5; ++round) {
    int64_t id = f.Ingest("r" + std::to_string(round), "what a moron");
    std::string path = "/api/items/" + std::to_string(id) + "/decision";
    Reply a, b;
    std::thread ta([&] { a = ana.Call("POST", path, json{{"decision", "approve"}}); });
    std::thread tb([&] { b = ben.Call("POST", path, json{{"decision", "remove"}}); });
    ta.join();
    tb.join();
    REQUIRE(((a.status == 200 && b.status == 409) || (a.status == 409 && b.status == 200)));
    const Reply& lost = a.status == 409 ? a : b;
    CHECK(lost.body["code"] == "conflict");
    CHECK(lost.body["decided_by"] == (a.status == 409 ? "ben" : "ana"));
    CHECK(lost.body["decided_at_ms"].get<int64_t>() > 0);
  }
}

TEST_CASE("claims, undo within 10 minutes, and the platform actions they imply",
          "[review][http][undo]") {
  Fixture f;
  int64_t id = f.Ingest("u1", "You are an idiot", "facebook");
  std::string base = "/api/items/" + std::to_string(id);
  Client ana = f.LoggedIn("ana");
  Client ben = f.LoggedIn("ben");
  CHECK(ana.Call("POST", base + "/claim").status == 200);
  Reply claimed = ben.Call("POST", base + "/decision", json{{"decision", "approve"}});
  CHECK(claimed.status == 409);
  CHECK_THAT(claimed.body["error"].get<std::string>(), Catch::Contains("ana"));
  Reply removed = ana.Call("POST", base + "/decision", json{{"decision", "remove"}, {"note", "insult"}});
  REQUIRE(removed.status == 200);
  CHECK(removed.body["item"]["state"] == "removed");
  CHECK(removed.body["item"]["hidden"] == true);
  CHECK(ben.Call("POST", base + "/undo").status == 403);  // not ben's decision
  f.clock->Advance(9 * 60 * 1000);
  Reply undone = ana.Call("POST", base + "/undo");
  REQUIRE(undone.status == 200);
  CHECK(undone.body["item"]["state"] == "pending");
  CHECK(ana.Call("POST", base + "/decision", json{{"decision", "remove"}}).status == 200);
  f.clock->Advance(10 * 60 * 1000 + 1);
  Reply late = ana.Call("POST", base + "/undo");
  CHECK(late.status == 409);
  CHECK(late.body["code"] == "too_late");
  Reply item = ana.Call("GET", base);
  std::vector<std::string> log;
  for (auto& e : item.body["audit"]) log.push_back(e["action"].get<std::string>());
  CHECK(log == std::vector<std::string>{"remove", "undo", "remove", "claim", "queued"});
  // A Mastodon comment cannot be hidden by us: remove asks nothing of the platform.
  int64_t m = f.Ingest("m1", "You are an idiot", "mastodon");
  CHECK(ana.Call("POST", "/api/items/" + std::to_string(m) + "/decision",
                 json{{"decision", "remove"}}).status == 200);
  CHECK(f.st->ActionsForItem(m).value().empty());
}

TEST_CASE("bulk decisions report each item", "[review][http]") {
  Fixture f;
  int64_t a = f.Ingest("b1", "what a moron");
  int64_t b = f.Ingest("b2", "You are an idiot");
  Client ana = f.LoggedIn("ana");
  CHECK(ana.Call("POST", "/api/items/" + std::to_string(b) + "/decision",
                 json{{"decision", "approve"}}).status == 200);
  Reply bulk = ana.Call("POST", "/api/bulk", json{{"ids", {a, b, 999}}, {"decision", "remove"}});
  REQUIRE(bulk.status == 200);
  CHECK(bulk.body["decided"] == 1);
  CHECK(bulk.body["results"][0]["status"] == 200);
  CHECK(bulk.body["results"][1]["status"] == 409);
  CHECK(bulk.body["results"][1]["decided_by"] == "ana");
  CHECK(bulk.body["results"][2]["status"] == 404);
  CHECK(ana.Call("POST", "/api/bulk", json{{"ids", json::array()}, {"decision", "remove"}}).status == 400);
  CHECK(ana.Call("POST", "/api/bulk", json{{"ids", {a}}, {"decision", "delete"}}).status == 400);
}

TEST_CASE("audit and users are for admins - stats, rules and try for all", "[review][http][roles]") {
  Fixture f;
  int64_t id = f.Ingest("s1", "You are an idiot");
  f.Ingest("s2", "what a moron");
  Client ana = f.LoggedIn("ana");
  Client root = f.LoggedIn("root");
  CHECK(ana.Call("POST", "/api/items/" + std::to_string(id) + "/decision",
                 json{{"decision", "remove"}}).status == 200);
  CHECK(ana.Call("GET", "/api/audit").status == 403);
  CHECK(ana.Call("GET", "/api/users").status == 403);
  Reply audit = root.Call("GET", "/api/audit");
  REQUIRE(audit.status == 200);
  bool saw_remove = false;
  for (auto& e : audit.body["entries"]) saw_remove |= e["action"] == "remove" && e["actor"] == "ana";
  CHECK(saw_remove);
  Reply users = root.Call("GET", "/api/users");
  CHECK(users.body["users"].size() == 3);
  CHECK(users.body.dump().find("argon2") == std::string::npos);

  Reply stats = ana.Call("GET", "/api/stats?days=7");
  REQUIRE(stats.status == 200);
  CHECK(stats.body["per_day"][0]["category"] == "harassment");
  CHECK(stats.body["per_day"][0]["count"] == 2);
  Reply rules = ana.Call("GET", "/api/rules");
  REQUIRE(rules.status == 200);
  CHECK(rules.body["rules"].size() == 4);
  CHECK(rules.body["rules"][0]["id"] == "harassment.insult");
  CHECK(rules.body["rules"][0]["hits"] == 2);
  CHECK(rules.body["rules"][0]["removed"] == 1);
  CHECK(rules.body["rules"][0]["removed_share"] == 1.0);

  Reply tried = ana.Call("POST", "/api/try", json{{"text", "honestly you are a clown"}});
  REQUIRE(tried.status == 200);
  CHECK(tried.body["action"] == "review");
  CHECK(tried.body["matches"][0]["rule_id"] == "harassment.insult");
  CHECK(tried.body["matches"][0]["spans"][0][0] == 9);
  CHECK(ana.Call("POST", "/api/try", json{{"nothing", 1}}).status == 400);
  CHECK(ana.Call("POST", "/api/try", json::array()).status == 400);
}

TEST_CASE("the daemon can mount its own routes - the page is served with its CSP",
          "[review][http][mount]") {
  Fixture f([](review::ReviewServer& s) {
    s.Mount("/healthz", [](const review::Request&) {
      review::Response r;
      r.content_type = "text/plain";
      r.body = "ok\n";
      return r;
    });
    s.Mount("/webhooks/facebook", [](const review::Request& r) {
      return review::JsonResponse(200, json{{"got", r.body}, {"verify", r.Query("hub.challenge")}});
    });
  });
  Client c(f.base);
  Reply hook = c.Call("POST", "/webhooks/facebook?hub.challenge=42", json{{"entry", 1}});
  REQUIRE(hook.status == 200);
  CHECK(hook.body["verify"] == "42");
  CHECK(hook.body["got"] == R"({"entry":1})");
  http::client::http_client client(f.base);
  auto health = client.request("GET", "/healthz").get();
  CHECK(health.status_code() == 200);
  CHECK(health.extract_utf8string(true).get() == "ok\n");
  auto page = client.request("GET", "/").get();
  CHECK(page.status_code() == 200);
  CHECK_THAT(page.headers().content_type(), Catch::Contains("text/html"));
  CHECK_THAT(page.headers()["Content-Security-Policy"], Catch::Contains("default-src 'none'"));
  CHECK(client.request("GET", "/../etc/passwd").get().status_code() == 404);
  CHECK(client.request("GET", "/nope.js").get().status_code() == 404);
}

TEST_CASE("shadow rules: the Rules view shows their mode and hits, items keep them apart", "[review][http][shadow]") {
  // The fixture rules plus one shadow rule that would hide.
  std::ifstream in(AASR_SOURCE_DIR "/tests/review/fixtures/rules/community.yaml");
  std::stringstream yaml;
  yaml << in.rdbuf()
       << "  - id: harassment.worthless\n    mode: shadow\n    category: harassment\n"
          "    description: Calling someone worthless.\n    action: hide\n    words: [worthless]\n";
  auto loaded = rules::RuleSet::LoadString(yaml.str(), "community.yaml");
  REQUIRE(loaded.ok());
  Fixture f(nullptr, [&](review::ServerOptions&, Fixture& fx) { fx.rules = loaded.value(); });
  CHECK(f.Ingest("w1", "you are worthless") == 0);  // shadow only: stored, never queued
  const int64_t both = f.Ingest("w2", "you are an idiot and worthless");
  REQUIRE(both != 0);
  Client ana = f.LoggedIn("ana");

  Reply rules = ana.Call("GET", "/api/rules");
  REQUIRE(rules.status == 200);
  json shadow, insult;
  for (const auto& r : rules.body["rules"]) {
    if (r["id"] == "harassment.worthless") shadow = r;
    if (r["id"] == "harassment.insult") insult = r;
  }
  REQUIRE(shadow.is_object());
  CHECK(shadow["mode"] == "shadow");
  CHECK(shadow["hits"] == 2);  // both comments, queued or not
  CHECK(shadow["pending"] == 1);
  CHECK(insult["mode"] == "live");
  CHECK(insult["hits"] == 1);

  Reply item = ana.Call("GET", "/api/items/" + std::to_string(both));
  REQUIRE(item.status == 200);
  CHECK(item.body["verdict"]["action"] == "review");  // the shadow rule would hide; it does not
  REQUIRE(item.body["verdict"]["matches"].size() == 1);
  CHECK(item.body["verdict"]["matches"][0]["rule_id"] == "harassment.insult");
  REQUIRE(item.body["verdict"]["shadow"].size() == 1);
  CHECK(item.body["verdict"]["shadow"][0]["rule_id"] == "harassment.worthless");
  CHECK(item.body["actions"].empty());  // nothing hidden

  Reply tried = ana.Call("POST", "/api/try", json{{"text", "so worthless"}});
  REQUIRE(tried.status == 200);
  CHECK(tried.body["action"] == "allow");
  CHECK(tried.body["matches"].empty());
  CHECK(tried.body["shadow"][0]["id"] == "harassment.worthless");
}
