// The pure parts of running behind a reverse proxy: trusted proxies and
// X-Forwarded-For, the Origin check, the base path, the https:// refusal,
// and the log's escaping of what requests supply.
#include <catch2/catch.hpp>

#include "bot/review/client_address.h"
#include "bot/util/cidr.h"
#include "bot/util/logging.h"

using namespace aasr;
using namespace aasr::review;

namespace {
Request Req(const std::string& peer, std::map<std::string, std::string> headers = {}) {
  Request r;
  r.method = "POST";
  r.path = "/api/login";
  r.remote_address = peer;
  r.headers = std::move(headers);
  return r;
}
ProxySettings Settings(const std::vector<std::string>& trusted, const std::string& public_url = "") {
  auto s = MakeProxySettings(public_url, "", trusted, std::nullopt);
  REQUIRE(s.ok());
  return s.value();
}
}  // namespace

TEST_CASE("cidr: IPv4, IPv6, mapped addresses and bad ranges", "[review][proxy]") {
  auto lan = ParseCidr("10.0.0.0/8").value();
  CHECK(lan.Contains("10.200.3.4"));
  CHECK(lan.Contains("::ffff:10.1.2.3"));
  CHECK_FALSE(lan.Contains("11.0.0.1"));
  CHECK_FALSE(lan.Contains("not an address"));
  auto one = ParseCidr("127.0.0.1").value();
  CHECK(one.Contains("127.0.0.1"));
  CHECK_FALSE(one.Contains("127.0.0.2"));
  auto v6 = ParseCidr("2001:db8::/32").value();
  CHECK(v6.Contains("2001:db8:1::7"));
  CHECK_FALSE(v6.Contains("2001:db9::1"));
  CHECK(ParseCidr("0.0.0.0/0").value().Contains("203.0.113.9"));
  for (const char* bad : {"10.0.0.0/33", "10.0.0/8", "::1/129", "localhost", "10.0.0.0/", "1.2.3.4/x"}) {
    auto r = ParseCidr(bad);
    REQUIRE_FALSE(r.ok());
    CHECK(r.errors().front().code == ErrorCode::kInvalidInput);
    CHECK_THAT(r.errors().front().message, Catch::Contains(bad));
  }
}

TEST_CASE("client address: X-Forwarded-For is believed from trusted proxies only", "[review][proxy]") {
  const ProxySettings none = Settings({});
  const ProxySettings local = Settings({"127.0.0.1", "10.0.0.0/8"});
  SECTION("no trusted proxies: the peer, whatever the header says") {
    CHECK(ClientAddress(Req("127.0.0.1", {{"x-forwarded-for", "1.2.3.4"}}), none) == "127.0.0.1");
  }
  SECTION("an untrusted peer's header is ignored") {
    CHECK(ClientAddress(Req("198.51.100.4", {{"x-forwarded-for", "1.2.3.4"}}), local) == "198.51.100.4");
  }
  SECTION("the right-most untrusted address") {
    CHECK(ClientAddress(Req("127.0.0.1", {{"x-forwarded-for", "203.0.113.5"}}), local) == "203.0.113.5");
    // A client's own X-Forwarded-For is to the left of what nginx appended.
    CHECK(ClientAddress(Req("127.0.0.1", {{"x-forwarded-for", "6.6.6.6, 203.0.113.5"}}), local) ==
          "203.0.113.5");
    // Through two of our proxies.
    CHECK(ClientAddress(Req("127.0.0.1", {{"x-forwarded-for", "6.6.6.6,203.0.113.5 , 10.1.1.1"}}), local) ==
          "203.0.113.5");
    CHECK(ClientAddress(Req("::ffff:127.0.0.1", {{"x-forwarded-for", "2001:db8::9"}}), local) == "2001:db8::9");
  }
  SECTION("all trusted: the left-most; none given: the peer") {
    CHECK(ClientAddress(Req("127.0.0.1", {{"x-forwarded-for", "10.0.0.3, 10.0.0.2"}}), local) == "10.0.0.3");
    CHECK(ClientAddress(Req("127.0.0.1"), local) == "127.0.0.1");
  }
  SECTION("a malformed entry: nothing left of it is believed") {
    CHECK(ClientAddress(Req("127.0.0.1", {{"x-forwarded-for", "1.2.3.4, evil\nline"}}), local) == "127.0.0.1");
    CHECK(ClientAddress(Req("127.0.0.1", {{"x-forwarded-for", "1.2.3.4, , 10.0.0.2"}}), local) == "10.0.0.2");
  }
  SECTION("scheme: X-Forwarded-Proto from a trusted proxy only") {
    CHECK(RequestScheme(Req("127.0.0.1", {{"x-forwarded-proto", "https"}}), local) == "https");
    CHECK(RequestScheme(Req("198.51.100.4", {{"x-forwarded-proto", "https"}}), local) == "http");
  }
}

TEST_CASE("proxy settings: defaults follow the public URL and bad values are named", "[review][proxy]") {
  auto https = MakeProxySettings("https://Review.Example.org:443/aasr/", "", {}, std::nullopt).value();
  CHECK(https.public_origin == "https://review.example.org");
  CHECK(https.base_path == "/aasr");
  CHECK(https.secure_cookies);
  CHECK(https.hsts);
  CHECK(CookiePath(https) == "/aasr/");
  auto off = MakeProxySettings("https://review.example.org", "/mod", {}, false).value();
  CHECK_FALSE(off.secure_cookies);  // an explicit setting wins
  CHECK(off.base_path == "/mod");
  auto plain = MakeProxySettings("http://127.0.0.1:8080", "", {}, std::nullopt).value();
  CHECK_FALSE(plain.secure_cookies);
  CHECK_FALSE(plain.hsts);
  CHECK(CookiePath(plain) == "/");
  auto bad = MakeProxySettings("ftp://x", "aasr", {"127.0.0.1", "10.0.0.0/40"}, std::nullopt);
  REQUIRE_FALSE(bad.ok());
  REQUIRE(bad.errors().size() == 3);
  CHECK(bad.errors()[0].subject == "review.public_url");
  CHECK(bad.errors()[1].subject == "review.base_path");
  CHECK(bad.errors()[2].subject == "review.trusted_proxies[1]");
}

TEST_CASE("origin check: only our own page may change state", "[review][proxy][csrf]") {
  const ProxySettings direct = Settings({});
  const ProxySettings proxied = Settings({"127.0.0.1"}, "https://review.example.org/aasr");
  auto host = [](std::map<std::string, std::string> h) {
    h["host"] = "127.0.0.1:8080";
    return h;
  };
  CHECK_FALSE(CrossSiteRefusal(Req("127.0.0.1", host({})), direct).has_value());  // curl, the CLI
  CHECK_FALSE(CrossSiteRefusal(Req("127.0.0.1", host({{"origin", "http://127.0.0.1:8080"}})), direct).has_value());
  CHECK(CrossSiteRefusal(Req("127.0.0.1", host({{"origin", "http://evil.example"}})), direct).has_value());
  CHECK(CrossSiteRefusal(Req("127.0.0.1", host({{"origin", "null"}})), direct).has_value());
  CHECK(CrossSiteRefusal(Req("127.0.0.1", host({{"sec-fetch-site", "cross-site"}})), direct).has_value());
  CHECK(CrossSiteRefusal(Req("127.0.0.1", host({{"sec-fetch-site", "same-site"}})), direct).has_value());
  CHECK_FALSE(CrossSiteRefusal(Req("127.0.0.1", host({{"sec-fetch-site", "same-origin"},
                                                      {"origin", "http://127.0.0.1:8080"}})), direct).has_value());
  // Behind the proxy the public URL's origin is the only one.
  CHECK_FALSE(CrossSiteRefusal(Req("127.0.0.1", {{"origin", "https://review.example.org"}}), proxied).has_value());
  CHECK_FALSE(CrossSiteRefusal(Req("127.0.0.1", {{"origin", "https://REVIEW.example.org:443"}}), proxied).has_value());
  CHECK(CrossSiteRefusal(Req("127.0.0.1", {{"origin", "http://review.example.org"}}), proxied).has_value());
  CHECK(CrossSiteRefusal(Req("127.0.0.1", host({{"origin", "http://127.0.0.1:8080"}})), proxied).has_value());
}

TEST_CASE("base path: stripped when present, paths without it kept", "[review][proxy]") {
  Request r;
  for (auto [in, out] : std::vector<std::pair<std::string, std::string>>{
           {"/aasr/api/queue", "/api/queue"}, {"/aasr/", "/"}, {"/aasr", "/"}, {"/api/queue", "/api/queue"},
           {"/aasrx/api", "/aasrx/api"}}) {
    r.path = in;
    StripBasePath("/aasr", &r);
    CHECK(r.path == out);
  }
  r.path = "/aasr/x";
  StripBasePath("", &r);
  CHECK(r.path == "/aasr/x");
}

TEST_CASE("an https:// listen URL is refused with the way to the proxy guide", "[review][proxy]") {
  auto s = CheckListenUrl("https://0.0.0.0:8443");
  REQUIRE_FALSE(s.ok());
  CHECK(s.errors().front().code == ErrorCode::kUnsupported);
  CHECK_THAT(s.errors().front().message, Catch::Contains("reverse proxy"));
  CHECK_THAT(s.errors().front().message, Catch::Contains("packaging/nginx/aasr-bot.conf"));
  CHECK(CheckListenUrl("http://127.0.0.1:8080").ok());
}

TEST_CASE("LogSafe escapes control characters and keeps printable UTF-8", "[review][log]") {
  CHECK(LogSafe("dana") == "dana");
  CHECK(LogSafe("x\nlogin: root (admin)") == "x\\nlogin: root (admin)");
  CHECK(LogSafe("a\r\tb") == "a\\r\\tb");
  CHECK(LogSafe("\x1b[31mred") == "\\x1b[31mred");
  CHECK(LogSafe(std::string("nul\0x", 5)) == "nul\\x00x");
  CHECK(LogSafe("back\\slash") == "back\\\\slash");  // so "\n" written by a user reads back apart
  CHECK(LogSafe("\x7f") == "\\x7f");
  CHECK(LogSafe("\xc2\x9b" "31m") == "\\u009b31m");  // C1 CSI
  CHECK(LogSafe("\xff\xfe") == "\\xff\\xfe");        // not UTF-8
  CHECK(LogSafe("Zoë 🙂") == "Zoë 🙂");
}
