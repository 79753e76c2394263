// HttpClient: the one HTTP client every platform adapter and the feed poller use.
//
// Promises:
//  - Send() performs one logical request: it paces itself under the budgets
//    given in Options (sliding windows of points, e.g. Mastodon 300 requests
//    per 5 minutes, Bluesky 5,000 points per hour with a create costing 3) and
//    under what the server last said (X-RateLimit-Remaining/Reset from
//    Mastodon, RateLimit-Remaining/Reset from Bluesky: at 0, wait for reset;
//    the Graph API's X-Business-Use-Case-Usage estimated_time_to_regain_access).
//    What the server said is kept per rate family (Request::rate_family):
//    servers limit some endpoints in buckets of their own (Mastodon: media
//    uploads 30 per 30 minutes, status creation 300 per 3 hours), and an
//    empty bucket there must not hold up every other call. A 0 from a
//    family's call blocks that family only, unless X-RateLimit-Limit shows
//    it was the account-wide limit (it is not the family's budget capacity);
//    a 0 from any other call blocks everything.
//  - Retries with exponential backoff and jitter on transport failures
//    (connection refused or reset, timeout) and on 500/502/503/504; never on
//    another 4xx. 429 waits for Retry-After (seconds or HTTP date) or the
//    rate-limit reset header, then retries. A wait longer than
//    Options::max_wait is not taken: Send returns an Error saying until when.
//    Request::retry = false turns retries off for calls that are not safe to
//    repeat (callers that carry an idempotency key leave it on).
//  - Any HTTP status is returned as a Response (a 304 or 404 is an answer,
//    not an error); Result errors mean no usable answer. ResponseError()
//    turns a non-2xx answer into an Error carrying the platform's own message.
//  - Secrets never reach a log or an Error: Authorization, Cookie, Set-Cookie
//    and token-like headers, query parameters and JSON fields are redacted
//    (see redact.h), and request bodies are never logged.
//
// Inputs: absolute http(s) URLs, already encoded (see form.h for encoders).
// Time and jitter come from the injected Clock and Random, so tests see every
// wait without waiting.
// Thread safety: Send may be called from several threads; budgets and the
// server's rate-limit state are shared under a mutex.
#pragma once

#include <map>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <vector>

#include "bot/net/clock.h"
#include "bot/util/error.h"

namespace aasr::net {

using Header = std::pair<std::string, std::string>;
using Headers = std::vector<Header>;

// Case-insensitive lookup; "" when absent.
std::string FindHeader(const Headers& headers, const std::string& name);

// Points charged to a named budget of Options::budgets.
struct Charge {
  std::string budget;
  int cost = 1;
};

struct Request {
  std::string method = "GET";
  std::string url;
  Headers headers;  // e.g. {"If-None-Match", etag}; Content-Type goes here too
  std::string body;
  std::vector<Charge> charges;
  bool retry = true;
  // The server's bucket this call is counted in besides the account-wide
  // one, e.g. "media"; "" for none. Name it like the family's Budget.
  std::string rate_family;
};

struct Response {
  int status = 0;
  Headers headers;
  std::string body;
  int attempts = 0;  // how many times the request went out

  bool ok() const { return status >= 200 && status < 300; }
  std::string header(const std::string& name) const { return FindHeader(headers, name); }
};

// A sliding window: at most `capacity` points within any `window`.
struct Budget {
  std::string name;
  int capacity = 0;
  Millis window{0};
};

struct Options {
  std::string subject;        // account or feed name, put on every Error
  Millis timeout{30000};      // per attempt
  int max_attempts = 4;       // first try included
  Millis base_backoff{500};   // doubles per retry, with jitter in [d/2, d]
  Millis max_backoff{60000};
  Millis max_wait{15 * 60 * 1000};  // longest single wait for a rate limit
  std::vector<Budget> budgets;
  std::string user_agent = "aasr-bot/0.1 (+https://github.com/aasr)";
};

// Budgets the platforms document (see bot/platforms/README.md).
// "requests" 300/5 min, "media" 30/30 min, "statuses" (creating) 300/3 h
std::vector<Budget> MastodonBudgets();
std::vector<Budget> BlueskyBudgets();   // "points" 5,000/hour (create 3, update 2, delete 1)

// What a client has done so far, for the daemon's /metrics. Monotonic.
struct HttpStats {
  int64_t requests = 0;          // attempts that went out
  int64_t errors = 0;            // transport failures and answers >= 400
  int64_t rate_limit_waits = 0;  // pauses for budgets, 429s or reset headers
  double rate_limit_wait_seconds = 0;
};

class HttpClient {
 public:
  HttpClient(Options options, Clock* clock, Random* random);
  ~HttpClient();
  HttpClient(const HttpClient&) = delete;
  HttpClient& operator=(const HttpClient&) = delete;

  Result<Response> Send(const Request& request);

  // Convenience: GET with extra headers.
  Result<Response> Get(const std::string& url, Headers headers = {});

  const Options& options() const { return options_; }
  HttpStats stats() const;

 private:
  struct Impl;
  // Waits until every charge fits its budget and the server's reset has
  // passed; returns an Error if that would take longer than max_wait.
  Status Pace(const Request& request);
  void Remember(const Request& request, const Response& response);
  Millis Backoff(int retry_index);
  std::optional<Millis> RateLimitWait(const Response& response);

  Options options_;
  Clock* clock_;
  Random* random_;
  std::unique_ptr<Impl> impl_;
  std::mutex mu_;
  std::map<std::string, std::vector<std::pair<WallTime, int>>> spent_;  // budget -> (when, cost)
  // rate family -> until when the server said it is empty; "" = every call.
  std::map<std::string, WallTime> server_blocked_until_;
  mutable std::mutex stats_mu_;
  HttpStats stats_;
  void Count(int64_t requests, int64_t errors, std::optional<Millis> waited);
};

// "GET https://host/path?access_token=REDACTED": where an Error happened.
std::string Describe(const Request& request);

// An Error for a non-2xx answer: "HTTP 422: <the platform's message>".
// Understands Mastodon {"error": "..."}, AT Protocol {"error","message"} and
// Graph API {"error": {"message", "type", "code"}}; otherwise a redacted,
// shortened body.
Error ResponseError(const Request& request, const Response& response, const std::string& subject);
// The ErrorCode for an HTTP status: 429 rate-limited, 401 auth, 404/410 not
// found, 409 conflict, 408/5xx transient, other 4xx refused. Adapters refine
// it from the platform's own error body (a Graph code 190 is auth whatever
// the status; codes 4/17/32/613 are rate limits sent as 400/403).
ErrorCode CodeForStatus(int status);

// Waits longer than this are only "a very long time": any server (or proxy)
// can send twenty digits, so values past it are clamped to it rather than
// overflowing. Ten years; Send() refuses any wait over options.max_wait anyway.
inline constexpr int64_t kMaxRateLimitSeconds = int64_t{10} * 366 * 24 * 3600;
// The latest reset time kept: 2255-03-14, inside what WallTime can hold.
inline constexpr int64_t kMaxResetEpochSeconds = 9'000'000'000;

// Parses Retry-After (delta seconds or an HTTP date) relative to `now`;
// waits are clamped to kMaxRateLimitSeconds; never throws.
std::optional<Millis> ParseRetryAfter(const std::string& value, WallTime now);
// Parses a reset time: epoch seconds (Bluesky; clamped to
// kMaxResetEpochSeconds) or ISO 8601 (Mastodon; nullopt outside WallTime's
// range). Never throws.
std::optional<WallTime> ParseResetTime(const std::string& value);

}  // namespace aasr::net
