// The one JSON API client the adapters compose (bot/net/json_api.h), against
// a loopback server: accepted statuses, the platform's error with its code,
// truncated bodies, and the hooks (credentials, one renewal, observe, refine).
#include <catch2/catch.hpp>

#include "bot/net/json_api.h"
#include "bot/net/rfc3339.h"
#include "tests/net/loopback_server.h"

using namespace aasr;
using namespace aasr::net;
using aasr::testing::LoopbackServer;
using aasr::testing::ServerRequest;
using aasr::testing::ServerResponse;

namespace {

const WallTime kStart = *ParseRfc3339("2026-11-23T01:00:00Z");

struct Rig {
  explicit Rig(LoopbackServer::Handler h) : server(std::move(h)), clock(kStart), random(3) {
    Options o;
    o.subject = "acct";
    o.timeout = Millis(2000);
    o.base_backoff = Millis(10);
    http = std::make_unique<HttpClient>(o, &clock, &random);
  }
  Request Get(const std::string& path) const {
    Request r;
    r.url = server.base_url() + path;
    return r;
  }
  LoopbackServer server;
  FakeClock clock;
  SeededRandom random;
  std::unique_ptr<HttpClient> http;
};

}  // namespace

TEST_CASE("json api: an accepted answer is its JSON - an empty body is an object - others are refused with their code",
          "[json_api]") {
  Rig rig([](const ServerRequest& r) {
    if (r.path == "/ok") return ServerResponse::Json(200, R"({"id":"7"})");
    if (r.path == "/empty") return ServerResponse::Json(200, "");
    if (r.path == "/accepted") return ServerResponse::Json(202, R"({"id":"8"})");
    if (r.path == "/partial") return ServerResponse::Json(206, R"({"id":"9"})");
    if (r.path == "/truncated") return ServerResponse::Json(200, R"([{"id":"1"},{"id")");
    if (r.path == "/gone") return ServerResponse::Json(404, R"({"error":"Record not found"})");
    if (r.path == "/long") return ServerResponse::Json(422, R"({"error":"Validation failed: Text character limit of 500 exceeded"})");
    return ServerResponse::Json(401, R"({"error":"The access token is invalid"})");
  });
  JsonApi api(rig.http.get(), "acct");
  auto ok = api.Call(rig.Get("/ok"));
  REQUIRE(ok.ok());
  CHECK(ok.value()["id"] == "7");
  auto empty = api.Call(rig.Get("/empty"));
  REQUIRE(empty.ok());
  CHECK(empty.value().is_object());
  CHECK(api.Call(rig.Get("/accepted")).ok());                  // any 2xx by default
  CHECK_FALSE(api.Call(rig.Get("/accepted"), {200}).ok());     // unless the caller names them
  CHECK(api.Call(rig.Get("/accepted"), {200, 202}).ok());
  auto partial = api.Send(rig.Get("/partial"));                // the raw answer is the caller's
  REQUIRE(partial.ok());
  CHECK(partial.value().status == 206);

  auto truncated = api.Call(rig.Get("/truncated"));
  REQUIRE_FALSE(truncated.ok());
  CHECK(truncated.errors()[0].code == ErrorCode::kTransient);
  CHECK(truncated.errors()[0].message.find("not valid JSON (truncated?)") != std::string::npos);
  CHECK(truncated.errors()[0].subject == "acct");

  auto gone = api.Call(rig.Get("/gone"));
  REQUIRE_FALSE(gone.ok());
  CHECK(gone.errors()[0].code == ErrorCode::kNotFound);
  CHECK(gone.errors()[0].message == "HTTP 404: Record not found");
  auto refused = api.Call(rig.Get("/long"));
  REQUIRE_FALSE(refused.ok());
  CHECK(refused.errors()[0].code == ErrorCode::kRefused);
  CHECK(refused.errors()[0].message.find("character limit of 500") != std::string::npos);
  auto auth = api.Call(rig.Get("/other"));
  REQUIRE_FALSE(auth.ok());
  CHECK(auth.errors()[0].code == ErrorCode::kAuth);
}

TEST_CASE("json api: hooks add credentials on every attempt - renew once - see every answer - refine the code",
          "[json_api]") {
  // The server takes "Bearer fresh" only, and says why in the body.
  Rig rig([](const ServerRequest& r) {
    if (r.header("Authorization") != "Bearer fresh") {
      return ServerResponse::Json(400, R"({"error":"ExpiredToken","message":"Token has expired"})");
    }
    if (r.path == "/throttled") return ServerResponse::Json(400, R"({"error":{"message":"limit","code":4}})");
    ServerResponse ok = ServerResponse::Json(200, R"({"ok":true})");
    ok.headers.emplace_back("X-App-Usage", R"({"call_count":12})");
    return ok;
  });
  std::string token = "stale";
  int renewals = 0, observed = 0;
  std::string usage;
  JsonApiHooks h;
  h.prepare = [&](Request* r) -> Status {
    if (token.empty()) return Error{{"session"}, "acct", "no session", ErrorCode::kAuth};
    r->headers.emplace_back("Authorization", "Bearer " + token);
    return Ok{};
  };
  h.again = [&](const Response& resp) -> Result<bool> {
    if (resp.status != 400 || resp.body.find("ExpiredToken") == std::string::npos) return false;
    ++renewals;
    token = "fresh";
    return true;
  };
  h.observe = [&](const Request&, const Response& resp) {
    ++observed;
    if (!resp.header("X-App-Usage").empty()) usage = resp.header("X-App-Usage");
  };
  h.refine = [](const Response& resp, Error* e) {
    if (resp.body.find("\"code\":4") != std::string::npos) e->code = ErrorCode::kRateLimited;
  };
  JsonApi api(rig.http.get(), "acct", h);

  auto ok = api.Call(rig.Get("/x"));
  REQUIRE(ok.ok());
  CHECK(renewals == 1);
  CHECK(observed == 2);  // the stale answer and the one after renewing
  CHECK(usage == R"({"call_count":12})");
  auto seen = rig.server.requests();
  REQUIRE(seen.size() == 2);
  CHECK(seen[0].header("Authorization") == "Bearer stale");
  CHECK(seen[1].header("Authorization") == "Bearer fresh");  // credentials per attempt, not per call

  // A refusal the platform sends as HTTP 400: the hook's code, the platform's words.
  auto throttled = api.Call(rig.Get("/throttled"));
  REQUIRE_FALSE(throttled.ok());
  CHECK(throttled.errors()[0].code == ErrorCode::kRateLimited);
  CHECK(throttled.errors()[0].message.find("limit") != std::string::npos);

  // Renewal happens at most once per call: stale again after renewing is the answer.
  token = "other";
  h.again = [&](const Response&) -> Result<bool> {
    ++renewals;
    return true;  // claims to have renewed, but the token stays wrong
  };
  JsonApi stubborn(rig.http.get(), "acct", h);
  rig.server.clear_requests();
  auto stale = stubborn.Call(rig.Get("/x"));
  REQUIRE_FALSE(stale.ok());
  CHECK(rig.server.requests().size() == 2);

  // prepare refusing ends the call before anything is sent.
  token.clear();
  rig.server.clear_requests();
  auto none = api.Call(rig.Get("/x"));
  REQUIRE_FALSE(none.ok());
  CHECK(none.errors()[0].code == ErrorCode::kAuth);
  CHECK(rig.server.requests().empty());
}
