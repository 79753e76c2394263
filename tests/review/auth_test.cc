// Logins over real HTTP, as the attacks of issue 15 tried them: a foreign
// page's login (text/plain, another Origin), concurrent guesses past the
// limit, one user locking another out, X-Forwarded-For, forged log lines and
// passwords typed into the user field; and Secure cookies, HSTS and the base
// path behind a proxy.
#include <catch2/catch.hpp>

#include <thread>

#include "http_fixture.h"

using namespace aasr::review_test;

namespace {

// One request with exactly these headers and body (no cookie jar).
Reply Raw(const std::string& base, const std::string& method, const std::string& path,
          const std::string& body, const std::vector<std::pair<std::string, std::string>>& headers) {
  http::client::http_client client(base);
  http::http_request req(method);
  req.set_request_uri(path);
  if (!body.empty()) req.set_body(std::vector<unsigned char>(body.begin(), body.end()));
  for (const auto& [k, v] : headers) {
    if (k == "Content-Type") req.headers().set_content_type(v);
    else req.headers().add(k, v);
  }
  http::http_response resp = client.request(req).get();
  Reply r;
  r.status = resp.status_code();
  for (const auto& [k, v] : resp.headers()) r.headers[k] = v;
  r.body = json::parse(resp.extract_utf8string(true).get(), nullptr, false);
  return r;
}

std::string LoginBody(const std::string& user, const std::string& password) {
  return json{{"user", user}, {"password", password}}.dump();
}

const std::pair<std::string, std::string> kJson{"Content-Type", "application/json"};

// The server trusts 127.0.0.1 as its proxy (the tests' own address).
void BehindProxy(review::ServerOptions& o, const std::string& public_url = "") {
  o.api.proxy = review::MakeProxySettings(public_url, "", {"127.0.0.1", "::1"}, std::nullopt).value();
}

}  // namespace

TEST_CASE("login CSRF: a foreign page cannot log a browser in", "[review][http][auth][csrf]") {
  Fixture f;
  const std::string body = LoginBody("ana", "password-of-ana");
  SECTION("text/plain (what a form can send cross-site) is refused") {
    // From a foreign page the Origin check answers first...
    CHECK(Raw(f.base, "POST", "/api/login", body, {{"Content-Type", "text/plain"}, {"Origin", "http://evil.example"}})
              .status == 403);
    // ...and whatever the origin, only JSON is a login.
    Reply r = Raw(f.base, "POST", "/api/login", body, {{"Content-Type", "text/plain"}});
    CHECK(r.status == 415);
    CHECK(r.body["code"] == "unsupported_media_type");
    CHECK(r.headers.count("Set-Cookie") == 0);
    CHECK(Raw(f.base, "POST", "/api/login", body, {{"Content-Type", "application/x-www-form-urlencoded"}}).status ==
          415);
  }
  SECTION("JSON from another origin is refused") {
    Reply r = Raw(f.base, "POST", "/api/login", body, {kJson, {"Origin", "http://evil.example"}});
    CHECK(r.status == 403);
    CHECK(r.body["code"] == "origin");
    CHECK(r.headers.count("Set-Cookie") == 0);
    CHECK(Raw(f.base, "POST", "/api/login", body, {kJson, {"Sec-Fetch-Site", "cross-site"}}).status == 403);
  }
  SECTION("our own page's login works") {
    const std::string origin = f.base;  // http://127.0.0.1:PORT, as the Host header
    Reply r = Raw(f.base, "POST", "/api/login", body,
                  {{"Content-Type", "application/json; charset=utf-8"}, {"Origin", origin},
                   {"Sec-Fetch-Site", "same-origin"}});
    CHECK(r.status == 200);
  }
}

TEST_CASE("state changes from another origin are refused even with the token", "[review][http][csrf]") {
  Fixture f;
  int64_t id = f.Ingest("c1", "You are an idiot");
  Client c = f.LoggedIn("ana");
  const std::string path = "/api/items/" + std::to_string(id) + "/decision";
  Reply r = Raw(f.base, "POST", path, R"({"decision":"remove"})",
                {kJson, {"Cookie", c.cookie()}, {"X-CSRF-Token", c.csrf()}, {"Origin", "http://evil.example"}});
  CHECK(r.status == 403);
  CHECK(r.body["code"] == "origin");
  CHECK(f.st->GetItem(id).value()->state == store::ItemState::kPending);
  // GETs are not state changes: a same-site navigation may read.
  CHECK(Raw(f.base, "GET", "/api/session", "", {{"Cookie", c.cookie()}, {"Origin", "http://evil.example"}})
            .status == 200);
  Reply ok = Raw(f.base, "POST", path, R"({"decision":"remove"})",
                 {kJson, {"Cookie", c.cookie()}, {"X-CSRF-Token", c.csrf()}, {"Origin", f.base}});
  CHECK(ok.status == 200);
}

TEST_CASE("8 concurrent guesses get no more than the 5 allowed through", "[review][http][auth][limits]") {
  Fixture f;
  std::atomic<int> wrong{0}, limited{0};
  std::vector<std::thread> threads;
  for (int i = 0; i < 8; ++i)
    threads.emplace_back([&, i] {
      int s = Raw(f.base, "POST", "/api/login", LoginBody("ben", "guess " + std::to_string(i)), {kJson}).status;
      if (s == 401) ++wrong;
      if (s == 429) ++limited;
    });
  for (auto& t : threads) t.join();
  CHECK(wrong.load() <= 5);
  CHECK(wrong.load() + limited.load() == 8);
}

TEST_CASE("20 failed logins from anyone do not lock the admin out", "[review][http][auth][limits][proxy]") {
  Fixture f(nullptr, [](review::ServerOptions& o, Fixture&) { BehindProxy(o); });
  for (int i = 0; i < 20; ++i) {
    Raw(f.base, "POST", "/api/login", LoginBody("root", "guess " + std::to_string(i)),
        {kJson, {"X-Forwarded-For", "203.0.113.66"}});
    Raw(f.base, "POST", "/api/login", LoginBody("root", "guess " + std::to_string(i)),
        {kJson, {"X-Forwarded-For", "198.51.100." + std::to_string(i)}});
  }
  // The attacker's own address waits...
  CHECK(Raw(f.base, "POST", "/api/login", LoginBody("root", "password-of-root"),
            {kJson, {"X-Forwarded-For", "203.0.113.66"}}).status == 429);
  // ...the admin, elsewhere, does not.
  Reply admin = Raw(f.base, "POST", "/api/login", LoginBody("root", "password-of-root"),
                    {kJson, {"X-Forwarded-For", "192.0.2.10"}});
  CHECK(admin.status == 200);
  // The audit row names the real client.
  auto audit = f.st->Audit(store::AuditFilter{});
  REQUIRE(audit.ok());
  bool found = false;
  for (const auto& a : audit.value())
    if (a.action == "login" && a.actor == "root") found = a.note == "from 192.0.2.10";
  CHECK(found);
}

TEST_CASE("X-Forwarded-For is not believed from a client that is no proxy", "[review][http][auth][proxy]") {
  Fixture f;  // no trusted proxies
  for (int i = 0; i < 5; ++i)
    CHECK(Raw(f.base, "POST", "/api/login", LoginBody("ben", "guess"),
              {kJson, {"X-Forwarded-For", "198.51.100." + std::to_string(i)}}).status == 401);
  // Changing the header does not get a fresh allowance.
  CHECK(Raw(f.base, "POST", "/api/login", LoginBody("ben", "guess"),
            {kJson, {"X-Forwarded-For", "192.0.2.77"}}).status == 429);
}

TEST_CASE("user names and paths cannot forge log lines - unknown names are not logged",
          "[review][http][log]") {
  Fixture f;
  Raw(f.base, "POST", "/api/login", LoginBody("x\n2026-12-02 04:00:00.000 info  [test] login: root (admin)", "pw"),
      {kJson});
  Raw(f.base, "POST", "/api/login", LoginBody("\x1b]0;owned\x07" "ben", "pw"), {kJson});
  Raw(f.base, "POST", "/api/login", LoginBody("correct-horse-battery-staple", "oops"), {kJson});
  Raw(f.base, "POST", "/api/login", LoginBody("ben", "wrong password"), {kJson});
  Raw(f.base, "GET", "/api/%0Alogin:%20root%20(admin)", "", {});
  const std::string log = f.log.str();
  CHECK_THAT(log, !Catch::Contains("\nlogin: root"));
  CHECK_THAT(log, !Catch::Contains("\n2026-12-02"));
  CHECK_THAT(log, !Catch::Contains("\x1b"));
  CHECK_THAT(log, !Catch::Contains("correct-horse-battery-staple"));
  CHECK_THAT(log, Catch::Contains("login failed for unknown user #"));
  CHECK_THAT(log, Catch::Contains("login failed for 'ben' from 127.0.0.1"));
  CHECK_THAT(log, !Catch::Contains("wrong password"));
  for (size_t at = log.find('\n'); at != std::string::npos; at = log.find('\n', at + 1))
    if (at + 1 < log.size()) CHECK(log.compare(at + 1, 3, "[20") == 0);  // every line is spdlog's own
}

TEST_CASE("behind an https proxy: Secure cookie under the base path, HSTS, the page under /aasr/",
          "[review][http][proxy]") {
  Fixture f(nullptr, [](review::ServerOptions& o, Fixture&) {
    BehindProxy(o, "https://review.example.org/aasr");
  });
  const std::pair<std::string, std::string> origin{"Origin", "https://review.example.org"};
  Reply page = Raw(f.base, "GET", "/aasr/", "", {});
  CHECK(page.status == 200);
  CHECK(page.headers["Strict-Transport-Security"] == review::kHsts);
  CHECK(Raw(f.base, "GET", "/aasr/js/api.js", "", {}).status == 200);
  // The page's own address is the only origin now.
  CHECK(Raw(f.base, "POST", "/aasr/api/login", LoginBody("ana", "password-of-ana"), {kJson, {"Origin", f.base}})
            .status == 403);
  Reply login = Raw(f.base, "POST", "/aasr/api/login", LoginBody("ana", "password-of-ana"), {kJson, origin});
  REQUIRE(login.status == 200);
  const std::string cookie = login.headers["Set-Cookie"];
  CHECK_THAT(cookie, Catch::Contains("; Secure"));
  CHECK_THAT(cookie, Catch::Contains("Path=/aasr/;"));
  const std::string jar = cookie.substr(0, cookie.find(';'));
  CHECK(Raw(f.base, "GET", "/aasr/api/queue", "", {{"Cookie", jar}}).status == 200);
  CHECK(Raw(f.base, "GET", "/aasr/api/events", "", {{"Cookie", jar}}).status == 200);
  Reply out = Raw(f.base, "POST", "/aasr/api/logout", "",
                  {{"Cookie", jar}, {"X-CSRF-Token", login.body["csrf"].get<std::string>()}, origin});
  CHECK(out.status == 200);
  CHECK_THAT(out.headers["Set-Cookie"], Catch::Contains("Path=/aasr/;"));
  CHECK_THAT(out.headers["Set-Cookie"], Catch::Contains("Max-Age=0"));
}

TEST_CASE("no Secure cookie or HSTS on plain http", "[review][http][proxy]") {
  Fixture f;
  Client c(f.base);
  Reply ok = c.Login("ana", "password-of-ana");
  CHECK_THAT(ok.headers["Set-Cookie"], !Catch::Contains("Secure"));
  CHECK(ok.headers.count("Strict-Transport-Security") == 0);
}
