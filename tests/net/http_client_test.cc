// Tests of the shared HTTP layer against a real loopback server: retries,
// backoff with jitter, rate-limit headers, pacing budgets, timeouts, resets,
// conditional GETs, the platform's error message, and redaction.
#include <atomic>
#include <sstream>

#include <catch2/catch.hpp>
#include <spdlog/sinks/ostream_sink.h>
#include <spdlog/spdlog.h>

#include "bot/net/form.h"
#include "bot/net/http_client.h"
#include "bot/net/redact.h"
#include "bot/net/rfc3339.h"
#include "tests/net/loopback_server.h"

using namespace aasr;
using namespace aasr::net;
using aasr::testing::LoopbackServer;
using aasr::testing::ServerRequest;
using aasr::testing::ServerResponse;

namespace {

const WallTime kStart = *ParseRfc3339("2026-11-23T01:00:00Z");

Options FastOptions() {
  Options o;
  o.subject = "test-account";
  o.timeout = Millis(2000);
  o.max_attempts = 4;
  o.base_backoff = Millis(100);
  return o;
}

}  // namespace

TEST_CASE("GET returns status - headers and body - conditional GET gives 304", "[http]") {
  LoopbackServer server([](const ServerRequest& r) {
    if (r.header("If-None-Match") == "\"v1\"") {
      ServerResponse resp;
      resp.status = 304;
      resp.headers = {{"ETag", "\"v1\""}};
      return resp;
    }
    ServerResponse resp = ServerResponse::Json(200, R"({"hello":"world"})");
    resp.headers.emplace_back("ETag", "\"v1\"");
    return resp;
  });
  FakeClock clock(kStart);
  SeededRandom random(1);
  HttpClient client(FastOptions(), &clock, &random);
  auto first = client.Get(server.base_url() + "/feed?x=1");
  REQUIRE(first.ok());
  CHECK(first.value().status == 200);
  CHECK(first.value().body == R"({"hello":"world"})");
  CHECK(first.value().header("etag") == "\"v1\"");
  auto second = client.Get(server.base_url() + "/feed?x=1", {{"If-None-Match", "\"v1\""}});
  REQUIRE(second.ok());
  CHECK(second.value().status == 304);
  CHECK(second.value().body.empty());
  auto seen = server.requests();
  REQUIRE(seen.size() == 2);
  CHECK(seen[0].target == "/feed?x=1");
  CHECK(seen[0].header("User-Agent").rfind("aasr-bot/", 0) == 0);
  CHECK(clock.sleeps().empty());
}

TEST_CASE("POST sends the body and content type byte for byte", "[http]") {
  LoopbackServer server([](const ServerRequest&) { return ServerResponse::Json(200, "{}"); });
  FakeClock clock(kStart);
  SeededRandom random(1);
  HttpClient client(FastOptions(), &clock, &random);
  std::string binary("\x89PNG\r\n\x1a\n\0\xff", 10);
  Request req;
  req.method = "POST";
  req.url = server.base_url() + "/upload";
  req.headers = {{"Content-Type", "image/png"}};
  req.body = binary;
  REQUIRE(client.Send(req).ok());
  auto seen = server.requests();
  REQUIRE(seen.size() == 1);
  CHECK(seen[0].method == "POST");
  CHECK(seen[0].body == binary);
  CHECK(seen[0].header("Content-Type").rfind("image/png", 0) == 0);
}

TEST_CASE("5xx is retried with exponential backoff and jitter", "[http]") {
  std::atomic<int> calls{0};
  LoopbackServer server([&](const ServerRequest&) {
    if (++calls <= 3) return ServerResponse::Json(503, R"({"error":"busy"})");
    return ServerResponse::Json(200, "{}");
  });
  FakeClock clock(kStart);
  SeededRandom random(42);
  HttpClient client(FastOptions(), &clock, &random);
  auto r = client.Get(server.base_url() + "/x");
  REQUIRE(r.ok());
  CHECK(r.value().status == 200);
  CHECK(r.value().attempts == 4);
  auto sleeps = clock.sleeps();
  REQUIRE(sleeps.size() == 3);
  // Equal jitter: retry i waits within [d/2, d] for d = 100 ms * 2^i.
  for (int i = 0; i < 3; ++i) {
    int64_t d = 100LL << i;
    CHECK(sleeps[i].count() >= d / 2);
    CHECK(sleeps[i].count() <= d);
  }
  // Different seeds spread the waits.
  std::atomic<int> calls2{0};
  LoopbackServer server2([&](const ServerRequest&) {
    if (++calls2 <= 1) return ServerResponse::Json(500, "{}");
    return ServerResponse::Json(200, "{}");
  });
  FakeClock clock2(kStart);
  SeededRandom random2(1234);
  HttpClient client2(FastOptions(), &clock2, &random2);
  REQUIRE(client2.Get(server2.base_url() + "/x").ok());
  CHECK(clock2.sleeps().at(0) != sleeps.at(0));
}

TEST_CASE("5xx that never ends returns the last answer after max attempts", "[http]") {
  LoopbackServer server([](const ServerRequest&) { return ServerResponse::Json(502, R"({"error":"bad gateway"})"); });
  FakeClock clock(kStart);
  SeededRandom random(1);
  HttpClient client(FastOptions(), &clock, &random);
  auto r = client.Get(server.base_url() + "/x");
  REQUIRE(r.ok());
  CHECK(r.value().status == 502);
  CHECK(server.requests().size() == 4);
}

TEST_CASE("4xx is never retried and its message is the platform's", "[http]") {
  for (int status : {400, 401, 403, 404, 409, 422}) {
    LoopbackServer server([&](const ServerRequest&) {
      return ServerResponse::Json(status, R"({"error":"Validation failed: Text can't be blank"})");
    });
    FakeClock clock(kStart);
    SeededRandom random(1);
    HttpClient client(FastOptions(), &clock, &random);
    Request req;
    req.method = "POST";
    req.url = server.base_url() + "/api/v1/statuses";
    auto r = client.Send(req);
    REQUIRE(r.ok());
    CHECK(r.value().status == status);
    CHECK(server.requests().size() == 1);
    CHECK(clock.sleeps().empty());
    Error e = ResponseError(req, r.value(), "aasr-masto");
    CHECK(e.message == "HTTP " + std::to_string(status) + ": Validation failed: Text can't be blank");
    CHECK(e.subject == "aasr-masto");
    CHECK(e.where.file == "POST " + server.base_url() + "/api/v1/statuses");
  }
}

TEST_CASE("ResponseError understands AT Protocol and Graph API errors", "[http]") {
  Request req;
  req.url = "https://graph.facebook.com/v19.0/123/feed?access_token=SECRET123";
  Response at{400, {}, R"({"error":"InvalidRequest","message":"Record/text must not be longer than 300 graphemes"})"};
  CHECK(ResponseError(req, at, "s").message ==
        "HTTP 400: InvalidRequest: Record/text must not be longer than 300 graphemes");
  Response graph{400, {}, R"({"error":{"message":"Invalid OAuth access token.","type":"OAuthException","code":190,"fbtrace_id":"A"}})"};
  Error e = ResponseError(req, graph, "s");
  CHECK(e.message == "HTTP 400: OAuthException 190: Invalid OAuth access token.");
  CHECK(e.where.file.find("SECRET123") == std::string::npos);
  CHECK(e.where.file.find("access_token=REDACTED") != std::string::npos);
  Response html{502, {}, "<html>bad gateway</html>"};
  CHECK(ResponseError(req, html, "s").message == "HTTP 502: <html>bad gateway</html>");
  Response leaky{500, {}, R"({"accessJwt":"eyJhbGciOiJIUzI1NiJ9.eyJzdWIiOiJ4In0.abcdefgh","x":1})"};
  CHECK(ResponseError(req, leaky, "s").message.find("eyJ") == std::string::npos);
}

TEST_CASE("429 waits for Retry-After seconds - then retries", "[http]") {
  std::atomic<int> calls{0};
  LoopbackServer server([&](const ServerRequest&) {
    if (++calls == 1) {
      ServerResponse r = ServerResponse::Json(429, R"({"error":"Too many requests"})");
      r.headers.emplace_back("Retry-After", "7");
      return r;
    }
    return ServerResponse::Json(200, "{}");
  });
  FakeClock clock(kStart);
  SeededRandom random(1);
  Options o = FastOptions();
  HttpClient client(o, &clock, &random);
  Request req;
  req.method = "POST";
  req.url = server.base_url() + "/api/v1/statuses";
  req.retry = false;  // even a non-retried call may repeat after 429: the server did nothing
  auto r = client.Send(req);
  REQUIRE(r.ok());
  CHECK(r.value().status == 200);
  REQUIRE(clock.sleeps().size() == 1);
  CHECK(clock.sleeps()[0] == Millis(7000));
}

TEST_CASE("429 with a wait beyond max_wait fails at once - saying so", "[http]") {
  LoopbackServer server([&](const ServerRequest&) {
    ServerResponse r = ServerResponse::Json(429, R"({"error":"RateLimitExceeded","message":"Rate Limit Exceeded"})");
    r.headers.emplace_back("Retry-After", "3600");
    return r;
  });
  FakeClock clock(kStart);
  SeededRandom random(1);
  Options o = FastOptions();
  o.max_wait = Millis(60000);
  HttpClient client(o, &clock, &random);
  auto r = client.Get(server.base_url() + "/xrpc/com.atproto.repo.createRecord");
  REQUIRE_FALSE(r.ok());
  CHECK(r.errors()[0].message.find("RateLimitExceeded: Rate Limit Exceeded") != std::string::npos);
  CHECK(r.errors()[0].message.find("3600 s") != std::string::npos);
  CHECK(clock.sleeps().empty());
}

TEST_CASE("Mastodon X-RateLimit-Remaining 0 makes the next request wait for the reset", "[http]") {
  std::string reset = FormatRfc3339(kStart + std::chrono::seconds(90));
  LoopbackServer server([&](const ServerRequest&) {
    ServerResponse r = ServerResponse::Json(200, "{}");
    r.headers = {{"X-RateLimit-Limit", "300"}, {"X-RateLimit-Remaining", "0"}, {"X-RateLimit-Reset", reset}};
    return r;
  });
  FakeClock clock(kStart);
  SeededRandom random(1);
  HttpClient client(FastOptions(), &clock, &random);
  REQUIRE(client.Get(server.base_url() + "/a").ok());
  CHECK(clock.sleeps().empty());
  REQUIRE(client.Get(server.base_url() + "/b").ok());
  REQUIRE(clock.sleeps().size() == 1);
  CHECK(clock.sleeps()[0] == Millis(90000));
}

TEST_CASE("an empty media bucket waits media uploads only - the account-wide 0 waits everything", "[http]") {
  // rack_attack.rb throttle_api_media: 30 per 30 minutes, its own bucket; the
  // 429 names it with X-RateLimit-Limit 30.
  std::string media_reset = FormatRfc3339(kStart + std::chrono::seconds(600));
  std::string api_reset = FormatRfc3339(kStart + std::chrono::seconds(60));
  LoopbackServer server([&](const ServerRequest& r) {
    ServerResponse resp = ServerResponse::Json(200, "{}");
    if (r.path == "/api/v2/media") {
      resp = ServerResponse::Json(429, R"({"error":"Too many requests"})");
      resp.headers = {{"X-RateLimit-Limit", "30"}, {"X-RateLimit-Remaining", "0"}, {"X-RateLimit-Reset", media_reset}};
    } else if (r.path == "/api/v2/media-but-account-wide") {
      resp.headers = {{"X-RateLimit-Limit", "300"}, {"X-RateLimit-Remaining", "0"}, {"X-RateLimit-Reset", api_reset}};
    }
    return resp;
  });
  FakeClock clock(kStart);
  SeededRandom random(1);
  Options o = FastOptions();
  o.budgets = MastodonBudgets();
  o.max_attempts = 1;
  HttpClient client(o, &clock, &random);
  Request upload;
  upload.method = "POST";
  upload.url = server.base_url() + "/api/v2/media";
  upload.charges = {{"requests", 1}, {"media", 1}};
  upload.rate_family = "media";
  auto first = client.Send(upload);
  REQUIRE(first.ok());
  CHECK(first.value().status == 429);
  // Notifications, statuses, moderation: not held up by the media bucket.
  REQUIRE(client.Get(server.base_url() + "/api/v1/notifications").ok());
  Request status;
  status.method = "POST";
  status.url = server.base_url() + "/api/v1/statuses";
  status.rate_family = "statuses";
  REQUIRE(client.Send(status).ok());
  CHECK(clock.sleeps().empty());
  // The next upload waits for the media reset (10 minutes).
  auto second = client.Send(upload);
  REQUIRE(second.ok());
  REQUIRE(clock.sleeps().size() == 1);
  CHECK(clock.sleeps()[0] == Millis(600 * 1000));

  // A family's call that reports the account-wide limit (300, not the
  // family's 30) blocks everything until that reset.
  FakeClock clock2(kStart);
  HttpClient client2(o, &clock2, &random);
  Request odd = upload;
  odd.url = server.base_url() + "/api/v2/media-but-account-wide";
  REQUIRE(client2.Send(odd).ok());
  REQUIRE(client2.Get(server.base_url() + "/api/v1/notifications").ok());
  REQUIRE(clock2.sleeps().size() == 1);
  CHECK(clock2.sleeps()[0] == Millis(60 * 1000));
}

TEST_CASE("Bluesky RateLimit-Remaining 0 with an epoch reset paces - and 429 uses the reset", "[http]") {
  int64_t reset_epoch = std::chrono::duration_cast<std::chrono::seconds>(kStart.time_since_epoch()).count() + 30;
  std::atomic<int> calls{0};
  LoopbackServer server([&](const ServerRequest&) {
    if (++calls == 1) {
      ServerResponse r = ServerResponse::Json(429, R"({"error":"RateLimitExceeded"})");
      r.headers = {{"RateLimit-Limit", "5000"}, {"RateLimit-Remaining", "0"},
                   {"RateLimit-Reset", std::to_string(reset_epoch)}, {"RateLimit-Policy", "5000;w=3600"}};
      return r;
    }
    return ServerResponse::Json(200, "{}");
  });
  FakeClock clock(kStart);
  SeededRandom random(1);
  HttpClient client(FastOptions(), &clock, &random);
  auto r = client.Get(server.base_url() + "/xrpc/x");
  REQUIRE(r.ok());
  CHECK(r.value().status == 200);
  CHECK(clock.total_slept() == Millis(30000));
}

TEST_CASE("Graph API X-Business-Use-Case-Usage makes the next request wait", "[http]") {
  std::atomic<int> calls{0};
  LoopbackServer server([&](const ServerRequest&) {
    ServerResponse r = ServerResponse::Json(200, "{}");
    if (++calls == 1) {
      r.headers.emplace_back("X-Business-Use-Case-Usage",
                             R"({"104857600000001":[{"type":"pages","call_count":100,"total_cputime":40,)"
                             R"("total_time":50,"estimated_time_to_regain_access":7}]})");
    }
    return r;
  });
  FakeClock clock(kStart);
  SeededRandom random(1);
  HttpClient client(FastOptions(), &clock, &random);
  REQUIRE(client.Get(server.base_url() + "/v21.0/1/feed").ok());
  REQUIRE(client.Get(server.base_url() + "/v21.0/1/feed").ok());
  REQUIRE(clock.sleeps().size() == 1);
  CHECK(clock.sleeps()[0] == Millis(7 * 60 * 1000));
  REQUIRE(client.Get(server.base_url() + "/v21.0/1/feed").ok());
  CHECK(clock.sleeps().size() == 1);
}

TEST_CASE("Budgets pace requests under the documented limits", "[http]") {
  LoopbackServer server([](const ServerRequest&) { return ServerResponse::Json(200, "{}"); });
  FakeClock clock(kStart);
  SeededRandom random(1);
  Options o = FastOptions();
  o.budgets = {{"points", 9, Millis(60 * 60 * 1000)}};  // a small Bluesky-like budget
  o.max_wait = Millis(2 * 60 * 60 * 1000);
  HttpClient client(o, &clock, &random);
  Request create;
  create.method = "POST";
  create.url = server.base_url() + "/xrpc/com.atproto.repo.createRecord";
  create.charges = {{"points", 3}};
  for (int i = 0; i < 3; ++i) REQUIRE(client.Send(create).ok());
  CHECK(clock.sleeps().empty());
  clock.Advance(Millis(10 * 60 * 1000));
  REQUIRE(client.Send(create).ok());  // the fourth create waits for the first to leave the hour
  REQUIRE(clock.sleeps().size() == 1);
  CHECK(clock.sleeps()[0] == Millis(50 * 60 * 1000 + 1));

  // The documented budgets themselves.
  auto m = MastodonBudgets();
  REQUIRE(m.size() == 3);
  CHECK(m[0].capacity == 300);
  CHECK(m[0].window == Millis(300000));
  CHECK(m[1].capacity == 30);
  CHECK(m[1].window == Millis(1800000));
  CHECK(m[2].name == "statuses");
  CHECK(m[2].capacity == 300);
  CHECK(m[2].window == Millis(3 * 3600 * 1000));
  CHECK(BlueskyBudgets()[0].capacity == 5000);
}

// Issue 13 item 6: Bluesky also caps writes at 35,000 points a day; the
// hourly budget alone would let 24 hours of writes through in 8.
TEST_CASE("Bluesky daily write budget: writes past 35,000 points in a day wait for the day", "[http]") {
  LoopbackServer server([](const ServerRequest&) { return ServerResponse::Json(200, "{}"); });
  FakeClock clock(kStart);
  SeededRandom random(1);
  Options o = FastOptions();
  o.budgets = BlueskyBudgets();
  o.max_wait = Millis(48LL * 60 * 60 * 1000);
  HttpClient client(o, &clock, &random);
  Request write;
  write.method = "POST";
  write.url = server.base_url() + "/xrpc/com.atproto.repo.applyWrites";
  write.charges = {{"points", 1500}, {"points_day", 1500}};  // 500 creates in one call
  // Three an hour fit the hourly 5,000: 23 writes (34,500 points) by hour 7.
  for (int i = 0; i < 23; ++i) REQUIRE(client.Send(write).ok());
  CHECK(clock.Now() - kStart < Millis(8LL * 60 * 60 * 1000));
  // The 24th would pass 35,000 within the day: it waits until the first
  // write leaves the 24-hour window.
  REQUIRE(client.Send(write).ok());
  CHECK(clock.Now() - kStart >= Millis(24LL * 60 * 60 * 1000));
  auto b = BlueskyBudgets();
  REQUIRE(b.size() == 3);
  CHECK(b[1].name == "points_day");
  CHECK(b[1].capacity == 35000);
  CHECK(b[1].window == Millis(24LL * 60 * 60 * 1000));
}

TEST_CASE("Mastodon media budget: the 31st upload in 30 minutes waits", "[http]") {
  LoopbackServer server([](const ServerRequest&) { return ServerResponse::Json(200, "{}"); });
  FakeClock clock(kStart);
  SeededRandom random(1);
  Options o = FastOptions();
  o.budgets = MastodonBudgets();
  o.max_wait = Millis(60 * 60 * 1000);
  HttpClient client(o, &clock, &random);
  Request upload;
  upload.method = "POST";
  upload.url = server.base_url() + "/api/v2/media";
  upload.charges = {{"requests", 1}, {"media", 1}};
  for (int i = 0; i < 30; ++i) {
    REQUIRE(client.Send(upload).ok());
    clock.Advance(Millis(1000));
  }
  CHECK(clock.sleeps().empty());
  REQUIRE(client.Send(upload).ok());
  REQUIRE(clock.sleeps().size() == 1);
  CHECK(clock.sleeps()[0] == Millis(30 * 60 * 1000 - 30 * 1000 + 1));

  // A wait beyond max_wait is refused with an error saying how long.
  Options strict = FastOptions();
  strict.budgets = MastodonBudgets();
  HttpClient client2(strict, &clock, &random);
  for (int i = 0; i < 30; ++i) REQUIRE(client2.Send(upload).ok());
  auto refused = client2.Send(upload);
  REQUIRE_FALSE(refused.ok());
  CHECK(refused.errors()[0].message.find("rate limit: the next slot is 1800 s away") != std::string::npos);
}

TEST_CASE("a slow answer past the timeout is retried - give-up names the attempts", "[http]") {
  std::atomic<int> calls{0};
  LoopbackServer server([&](const ServerRequest&) {
    ServerResponse r = ServerResponse::Json(200, R"({"ok":true})");
    if (++calls == 1) r.delay_ms = 4000;
    return r;
  });
  FakeClock clock(kStart);
  SeededRandom random(1);
  Options o = FastOptions();
  o.timeout = Millis(1000);
  HttpClient client(o, &clock, &random);
  auto r = client.Get(server.base_url() + "/slow");
  REQUIRE(r.ok());
  CHECK(r.value().status == 200);
  CHECK(r.value().attempts == 2);

  LoopbackServer always_slow([&](const ServerRequest&) {
    ServerResponse r2 = ServerResponse::Json(200, "{}");
    r2.delay_ms = 4000;
    return r2;
  });
  o.max_attempts = 2;
  HttpClient client2(o, &clock, &random);
  auto r2 = client2.Get(always_slow.base_url() + "/slow?access_token=TOPSECRET");
  REQUIRE_FALSE(r2.ok());
  CHECK(r2.errors()[0].message.find("no answer after 2 attempt(s)") != std::string::npos);
  CHECK(r2.errors()[0].ToString().find("TOPSECRET") == std::string::npos);
  CHECK(r2.errors()[0].subject == "test-account");
}

TEST_CASE("a connection reset or truncated body is retried", "[http]") {
  std::atomic<int> calls{0};
  LoopbackServer server([&](const ServerRequest&) {
    ServerResponse r = ServerResponse::Json(200, R"({"complete":"answer"})");
    int n = ++calls;
    if (n == 1) r.fault = ServerResponse::Fault::kCloseWithoutAnswer;
    if (n == 2) r.fault = ServerResponse::Fault::kTruncateBody;
    return r;
  });
  FakeClock clock(kStart);
  SeededRandom random(1);
  HttpClient client(FastOptions(), &clock, &random);
  auto r = client.Get(server.base_url() + "/flaky");
  REQUIRE(r.ok());
  CHECK(r.value().body == R"({"complete":"answer"})");
  CHECK(r.value().attempts == 3);
}

TEST_CASE("retry=false sends once even on 5xx or reset", "[http]") {
  LoopbackServer server([&](const ServerRequest&) { return ServerResponse::Json(500, "{}"); });
  FakeClock clock(kStart);
  SeededRandom random(1);
  HttpClient client(FastOptions(), &clock, &random);
  Request req;
  req.method = "POST";
  req.url = server.base_url() + "/once";
  req.retry = false;
  auto r = client.Send(req);
  REQUIRE(r.ok());
  CHECK(r.value().status == 500);
  CHECK(server.requests().size() == 1);
}

TEST_CASE("connection refused is an error naming the place", "[http]") {
  int port;
  { LoopbackServer s([](const ServerRequest&) { return ServerResponse{}; }); port = s.port(); }
  FakeClock clock(kStart);
  SeededRandom random(1);
  Options o = FastOptions();
  o.max_attempts = 2;
  HttpClient client(o, &clock, &random);
  auto r = client.Get("http://127.0.0.1:" + std::to_string(port) + "/nothing");
  REQUIRE_FALSE(r.ok());
  CHECK(r.errors()[0].where.file == "GET http://127.0.0.1:" + std::to_string(port) + "/nothing");
  CHECK(clock.sleeps().size() == 1);
  auto bad = client.Get("not a url");
  REQUIRE_FALSE(bad.ok());
  auto ftp = client.Get("ftp://example.org/x");
  REQUIRE_FALSE(ftp.ok());
  CHECK(ftp.errors()[0].message == "only http and https URLs are supported");
}

TEST_CASE("secrets never reach the log", "[http][redact]") {
  std::ostringstream captured;
  auto sink = std::make_shared<spdlog::sinks::ostream_sink_mt>(captured);
  auto logger = std::make_shared<spdlog::logger>("capture", sink);
  logger->set_level(spdlog::level::trace);
  auto previous = spdlog::default_logger();
  spdlog::set_default_logger(logger);
  {
    LoopbackServer server([&](const ServerRequest&) {
      ServerResponse r;
      r.fault = ServerResponse::Fault::kCloseWithoutAnswer;
      return r;
    });
    FakeClock clock(kStart);
    SeededRandom random(1);
    Options o = FastOptions();
    o.max_attempts = 2;
    HttpClient client(o, &clock, &random);
    Request req;
    req.method = "POST";
    req.url = server.base_url() + "/xrpc/com.atproto.server.createSession?access_token=QUERYSECRET";
    req.headers = {{"Authorization", "Bearer HEADERSECRET"}, {"Content-Type", "application/json"}};
    req.body = R"({"identifier":"testbot.test","password":"BODYSECRET"})";
    auto r = client.Send(req);
    CHECK_FALSE(r.ok());
    auto ok = client.Get(server.base_url() + "/ok?token=T2SECRET", {{"Cookie", "sid=COOKIESECRET"}});
    CHECK_FALSE(ok.ok());
  }
  spdlog::set_default_logger(previous);
  std::string log = captured.str();
  CHECK_FALSE(log.empty());
  for (const char* secret : {"QUERYSECRET", "HEADERSECRET", "BODYSECRET", "T2SECRET", "COOKIESECRET"}) {
    INFO(secret);
    CHECK(log.find(secret) == std::string::npos);
  }
}

TEST_CASE("redaction of headers - URLs and text", "[redact]") {
  Headers h = RedactHeaders({{"Authorization", "Bearer abc"}, {"Cookie", "a=b"}, {"Set-Cookie", "c=d"},
                             {"X-Hub-Signature-256", "sha256=00"}, {"Idempotency-Key", "post-1"},
                             {"Accept", "application/json"}});
  CHECK(h[0].second == "REDACTED");
  CHECK(h[1].second == "REDACTED");
  CHECK(h[2].second == "REDACTED");
  CHECK(h[3].second == "REDACTED");
  CHECK(h[4].second == "post-1");
  CHECK(h[5].second == "application/json");
  CHECK(RedactUrl("https://g.f.com/v19.0/me?fields=id&access_token=abc&appsecret_proof=def") ==
        "https://g.f.com/v19.0/me?fields=id&access_token=REDACTED&appsecret_proof=REDACTED");
  CHECK(RedactUrl("https://x/y") == "https://x/y");
  CHECK(RedactText(R"({"accessJwt":"a.b.c","refreshJwt":"d","did":"did:plc:x"})") ==
        R"({"accessJwt":"REDACTED","refreshJwt":"REDACTED","did":"did:plc:x"})");
  CHECK(RedactText("password=hunter2&user=x") == "password=REDACTED&user=x");
  CHECK(RedactText("Authorization: Bearer sk_live_123") == "Authorization: Bearer REDACTED");
}

TEST_CASE("Retry-After and reset parsing", "[http]") {
  CHECK(ParseRetryAfter("120", kStart) == Millis(120000));
  CHECK(ParseRetryAfter("Mon, 23 Nov 2026 01:00:30 GMT", kStart) == Millis(30000));
  CHECK(ParseRetryAfter("Mon, 23 Nov 2026 00:59:00 GMT", kStart) == Millis(0));
  CHECK_FALSE(ParseRetryAfter("soon", kStart).has_value());
  CHECK(ParseResetTime("1795395600") == WallTime(std::chrono::seconds(1795395600)));
  CHECK(ParseResetTime("2026-11-23T01:05:00.000000Z") == kStart + std::chrono::minutes(5));
  CHECK_FALSE(ParseResetTime("tomorrow").has_value());
}

// Issue 17: found by fuzzing. Twenty digits made std::stoll throw out of the
// parser, a large delta overflowed * 1000, a large epoch or a year-9999 date
// overflowed std::chrono's nanoseconds: any server can send these headers.
TEST_CASE("Retry-After and reset overflow are clamped", "[http]") {
  const Millis kMaxWait(kMaxRateLimitSeconds * 1000);
  std::optional<Millis> d;
  REQUIRE_NOTHROW(d = ParseRetryAfter("99999999999999999999", kStart));
  CHECK(d == kMaxWait);
  CHECK(ParseRetryAfter("9223372036854775807", kStart) == kMaxWait);
  CHECK(ParseRetryAfter("Fri, 31 Dec 9999 23:59:59 GMT", kStart) == kMaxWait);
  CHECK(ParseRetryAfter(std::to_string(kMaxRateLimitSeconds - 1), kStart) == Millis((kMaxRateLimitSeconds - 1) * 1000));
  std::optional<WallTime> t;
  REQUIRE_NOTHROW(t = ParseResetTime("123456789012345678901234567890"));
  CHECK(t == WallTime(std::chrono::seconds(kMaxResetEpochSeconds)));
  CHECK_FALSE(ParseResetTime("9999-12-31T23:59:59Z").has_value());
}

// Issue 17: a Graph API error code of 1e300 was cast to int64 (undefined).
TEST_CASE("ResponseError prints a code that no integer holds", "[http]") {
  Request req;
  req.url = "https://graph.facebook.com/v19.0/123/feed";
  Response huge{400, {}, R"({"error":{"message":"Odd","type":"OAuthException","code":1e300}})"};
  CHECK(ResponseError(req, huge, "s").message == "HTTP 400: OAuthException 1e+300: Odd");
  Response neg{400, {}, R"({"error":{"message":"Odd","code":-5}})"};
  CHECK(ResponseError(req, neg, "s").message == "HTTP 400: -5: Odd");
}

// Issue 17: "9999-12-31T23:59:59Z" overflowed int64 nanoseconds.
TEST_CASE("RFC 3339 times WallTime cannot hold are refused", "[time]") {
  std::optional<WallTime> t;
  REQUIRE_NOTHROW(t = ParseRfc3339("9999-12-31T23:59:59Z"));
  CHECK_FALSE(t.has_value());
  CHECK_FALSE(ParseRfc3339("1011-08-25T12:00:00Z").has_value());
  CHECK_FALSE(ParseRfc3339("-999-01-01T00:00:00Z").has_value());
  CHECK(ParseRfc3339("2262-01-01T00:00:00Z").has_value());
  CHECK(ParseRfc3339("1678-01-01T00:00:00Z").has_value());
}

TEST_CASE("RFC 3339 format and parse", "[time]") {
  CHECK(FormatRfc3339(kStart + Millis(1234)) == "2026-11-23T01:00:01.234Z");
  CHECK(ParseRfc3339("2026-11-23T03:00:00+02:00") == kStart);
  CHECK(ParseRfc3339("2026-11-23T01:00:00+0000") == kStart);
  CHECK(ParseRfc3339("2026-11-23T01:00:00.5Z") == kStart + Millis(500));
  CHECK_FALSE(ParseRfc3339("2026-11-23").has_value());
  CHECK_FALSE(ParseRfc3339("2026-11-23T01:00:00").has_value());
}

TEST_CASE("form - query and multipart encoding", "[form]") {
  CHECK(UrlEncode("a b&c=d/é") == "a%20b%26c%3Dd%2F%C3%A9");
  CHECK(UrlDecode("a%20b+c%2") == "a b c%2");
  CHECK(FormEncode({{"media_ids[]", "1"}, {"media_ids[]", "2"}, {"status", "Hi & bye"}}) ==
        "media_ids%5B%5D=1&media_ids%5B%5D=2&status=Hi%20%26%20bye");
  auto q = ParseQuery("/api/v1/notifications?types[]=mention&min_id=42&limit=40");
  REQUIRE(q.size() == 3);
  CHECK(q[0] == std::make_pair(std::string("types[]"), std::string("mention")));
  CHECK(q[1].second == "42");
  CHECK(WithQuery("https://x/y", {{"a", "1"}}) == "https://x/y?a=1");
  CHECK(WithQuery("https://x/y?b=2", {{"a", "1"}}) == "https://x/y?b=2&a=1");
  Multipart m("BOUNDARY");
  m.AddField("description", "A child's drawing");
  m.AddFile("file", "a.png", "image/png", "PNGDATA");
  CHECK(m.content_type() == "multipart/form-data; boundary=BOUNDARY");
  CHECK(m.body() ==
        "--BOUNDARY\r\nContent-Disposition: form-data; name=\"description\"\r\n\r\nA child's drawing\r\n"
        "--BOUNDARY\r\nContent-Disposition: form-data; name=\"file\"; filename=\"a.png\"\r\n"
        "Content-Type: image/png\r\n\r\nPNGDATA\r\n--BOUNDARY--\r\n");
}
